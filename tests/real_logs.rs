//! alf against `grep | awk | sed | sort | uniq -c` on the real logs in `testdata/`.
//!
//! For every access log, the reference is computed by the shell tools under
//! `LC_ALL=C`: `grep -aE` with a strict regex for the file's format picks the
//! well-formed lines, `awk` takes the client field, `sort | uniq -c` counts.
//! alf must report exactly those (client, count) rows, in its documented order
//! (count descending, then key ascending by bytes), count every line `grep`
//! rejected as malformed (or empty), and count the lines `wc -l` counts (plus
//! one when the last line lacks its newline). Status and method counts are
//! checked the same way on the main logs. For error logs the reference is the
//! client of the record header: `[client ADDR(:port)]` right after the
//! Apache header groups, or nginx's `, client: ADDR`, port stripped.
//!
//! Missing tools: the tests print `skipped: ...` and pass, unless
//! `ALF_REQUIRE_ALL=1`. Set `ALF_SHARED_TESTDATA` to the shared test-data
//! folder (the one `testdata/PROVENANCE.md` copies from) to run the same checks
//! on the logs that were not copied into the repository.

mod common;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde_json::Value;

use common::{
    alf_json, num, parse_uniq_c, physical_lines_from_wc, rank, require_tools, sh, sh_count,
    testdata, top_rows,
};

const TOOLS: &[&str] = &["grep", "sed", "awk", "sort", "uniq", "wc", "cat"];

/// `[10/Oct/2000:13:55:36 -0700]`
const DATE: &str = r"\[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}\]";
/// The inside of a quoted field as Apache 2.x and nginx write it: `"` and `\`
/// only escaped.
const STRICT: &str = r#"([^"\\]|\\.)*"#;
/// The inside of a quoted field that may hold raw `"` (Apache 1.3 request
/// lines).
const RAW: &str = ".*";
/// `%b` / `%O` / `$body_bytes_sent`
const BYTES: &str = "([0-9]+|-)";

/// The csv2mysql format of WillTheFarmer/apache-logs-to-mysql (see PROVENANCE.md).
const CSV2MYSQL: &str = r#"%v,%p,%h,%l,%u,%t,%I,%O,%S,%B,%{ms}T,%D,%^FB,%>s,\"%H\",\"%m\",\"%U\",\"%q\",\"%{Referer}i\",\"%{User-Agent}i\",\"%{VARNAME}C\",%L"#;

/// What precedes the timestamp.
#[derive(Clone, Copy, Debug)]
enum Prefix {
    /// `%h %l %u `: client = awk field 1.
    Apache,
    /// `%v:%p %h %l %u `: client = awk field 2.
    Vhost,
    /// `$remote_addr - $remote_user `, the address without spaces: awk field 1.
    Nginx,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Quotes {
    /// Every quoted field escapes `"`.
    Strict,
    /// The request line may hold raw `"` (Apache 1.3).
    RawRequest,
}

#[derive(Clone, Copy, Debug)]
enum Shape {
    /// Space-separated CLF family: prefix, `[time] "request" status bytes`, then
    /// `quoted` more quoted fields.
    Clf {
        prefix: Prefix,
        quoted: usize,
        quotes: Quotes,
    },
    /// The csv2mysql LogFormat, given with `--log-format`.
    Csv2mysql,
}

use Prefix::*;
use Quotes::*;

const fn clf(prefix: Prefix, quoted: usize, quotes: Quotes) -> Shape {
    Shape::Clf {
        prefix,
        quoted,
        quotes,
    }
}

const COMMON: Shape = clf(Apache, 0, Strict);
const COMBINED: Shape = clf(Apache, 2, Strict);
const VHOST_COMBINED: Shape = clf(Vhost, 2, Strict);
const NGINX_COMBINED: Shape = clf(Nginx, 2, Strict);

/// Which field a regex captures for extraction with `sed`.
#[derive(Clone, Copy, PartialEq)]
enum Cap {
    None,
    Status,
    /// The request line (`%r`), or the method itself (`%m`) for csv2mysql.
    Method,
    /// The byte count (`%b`, `%O`, `$body_bytes_sent`); CLF shapes only.
    Bytes,
}

/// Number of capture groups opened in `re` so far (the regexes here never
/// contain an escaped parenthesis).
fn groups(re: &str) -> usize {
    assert!(!re.contains(r"\("));
    re.matches('(').count()
}

impl Shape {
    /// The full-line regex for well-formed lines, and the group number of `cap`.
    fn regex(self, cap: Cap) -> (String, usize) {
        let mut group = 0;
        let mut re = String::new();
        // Appends `"inner"`, capturing `inner` when asked.
        let quoted = |re: &mut String, inner: &str, capture: bool, group: &mut usize| {
            if capture {
                *group = groups(re) + 1;
                re.push_str(&format!("\"({inner})\""));
            } else {
                re.push_str(&format!("\"{inner}\""));
            }
        };
        let status = |re: &mut String, group: &mut usize| {
            if cap == Cap::Status {
                *group = groups(re) + 1;
                re.push_str("([0-9]{3})");
            } else {
                re.push_str("[0-9]{3}");
            }
        };
        match self {
            Shape::Clf {
                prefix,
                quoted: n,
                quotes,
            } => {
                re.push_str(match prefix {
                    Apache => "^[^ ]+ [^ ]+ [^ ]+ ",
                    Vhost => "^[^ ]+ [^ ]+ [^ ]+ [^ ]+ ",
                    Nginx => "^[^ ]+ - [^ ]+ ",
                });
                re.push_str(DATE);
                re.push(' ');
                let req = if quotes == Strict { STRICT } else { RAW };
                quoted(&mut re, req, cap == Cap::Method, &mut group);
                re.push(' ');
                status(&mut re, &mut group);
                re.push(' ');
                if cap == Cap::Bytes {
                    group = groups(&re) + 1;
                }
                re.push_str(BYTES);
                // A raw `"` in a later field would be a line of another
                // format (an extra quoted field), which alf counts apart.
                for _ in 0..n {
                    re.push(' ');
                    quoted(&mut re, STRICT, false, &mut group);
                }
            }
            Shape::Csv2mysql => {
                assert!(cap != Cap::Bytes, "csv2mysql logs two byte counts");
                // %v,%p,%h,%l,%u,%t: fields 1-6 hold no comma, so awk -F, $3 is %h.
                re.push_str(r#"^[^," ]+,[0-9]+,[^," ]+,[^," ]+,[^," ]+,"#);
                re.push_str(DATE);
                // %I,%O,%S,%B,%{ms}T,%D,%^FB
                for _ in 0..7 {
                    re.push(',');
                    re.push_str(BYTES);
                }
                re.push(',');
                status(&mut re, &mut group);
                // "%H","%m","%U","%q","%{Referer}i","%{User-Agent}i","%{VARNAME}C"
                for i in 0..7 {
                    re.push(',');
                    quoted(&mut re, STRICT, cap == Cap::Method && i == 1, &mut group);
                }
                re.push_str(r#",[^,"]*"#);
            }
        }
        re.push('$');
        assert!(!re.contains('~'), "`~` is the sed delimiter");
        assert!(cap == Cap::None || group > 0);
        (re, group)
    }

    /// The shell command that prints the client field of each (well-formed) line.
    fn client_awk(self) -> &'static str {
        match self {
            Shape::Clf { prefix, .. } => match prefix {
                Apache | Nginx => "awk '{print $1}'",
                Vhost => "awk '{print $2}'",
            },
            Shape::Csv2mysql => "awk -F, '{print $3}'",
        }
    }
}

/// One access log and what is expected of it.
struct Case {
    path: &'static str,
    /// `inputs[0].format` in alf's report.
    detect: &'static str,
    shape: Shape,
    /// Also compare `--by status` and `--by method`.
    fields: bool,
}

const fn main_log(path: &'static str, detect: &'static str, shape: Shape) -> Case {
    Case {
        path,
        detect,
        shape,
        fields: true,
    }
}

const fn edge(path: &'static str, detect: &'static str, shape: Shape) -> Case {
    Case {
        path,
        detect,
        shape,
        fields: false,
    }
}

const CSV_DETECT: &str = "custom (LogFormat)";

/// The access logs in `testdata/access`.
#[rustfmt::skip]
const ACCESS: &[Case] = &[
    main_log("access/apache-combined/elastic-examples_apache_logs_2015.log", "combined", COMBINED),
    // Apache 1.3 did not escape `"` in the request line; no line of this file
    // happens to hold one, but the reference allows it.
    main_log("access/apache-combined/honeynet2004_access_log.5", "combined", clf(Apache, 2, RawRequest)),
    main_log("access/apache-combined/farmfreshsoftware.com_combined.access.log", "combined", COMBINED),
    main_log("access/apache-combined/farmwork.app_combined.access.log", "combined", COMBINED),
    main_log("access/apache-common/farmfreshsoftware.com_common.access.log", "common", COMMON),
    main_log("access/apache-common/farmwork.app_common.access.log", "common", COMMON),
    main_log("access/apache-vhost_combined/farmfreshsoftware.com_vhost_combined.access.log", "vhost_combined", VHOST_COMBINED),
    main_log("access/apache-vhost_combined/farmwork.app_vhost_combined.access.log", "vhost_combined", VHOST_COMBINED),
    main_log("access/apache-csv2mysql/farmfreshsoftware.access.log-20250208", CSV_DETECT, Shape::Csv2mysql),
    // nginx's default `combined` parses exactly like Apache's `combined`, which
    // comes first in the preset list, so that is the name alf reports.
    main_log("access/nginx-combined/meatlabel.app.access.log-20251222", "combined", NGINX_COMBINED),
    main_log("access/nginx-combined/saunathinker.com.access.log-20260107", "combined", NGINX_COMBINED),
    main_log("access/nginx-combined/lnav_zanbil-shop_access_log_2019_1000lines.log", "nginx_main", clf(Nginx, 3, Strict)),
];

/// Small fixtures of mixed provenance: detection is per file, and the
/// reference follows the format alf detected.
#[rustfmt::skip]
const EDGE: &[Case] = &[
    edge("access/edge-cases/elastic-beats_apache_access_darwin-2.4.23.log", "common", COMMON),
    // Common and combined lines, trailing `"-"` fields and a vhost-prefixed
    // line: the `nginx` preset parses most lines, the vhost line's client
    // becoming `vhost1.domaine.fr 123.123.123.123`.
    edge("access/edge-cases/elastic-beats_apache_access_test.log", "combined", clf(Apache, 2, RawRequest)),
    // `$remote_addr` lists such as `10.0.0.2, 10.0.0.1, 127.0.0.1` stay whole.
    edge("access/edge-cases/elastic-beats_nginx_access_test.log", "combined", clf(Apache, 2, RawRequest)),
    edge("access/edge-cases/crowdsec-hub-fixtures/CVE-2017-9841.log", "combined", COMBINED),
    edge("access/edge-cases/crowdsec-hub-fixtures/CVE-2022-26134.log", "combined", COMBINED),
    edge("access/edge-cases/crowdsec-hub-fixtures/CVE-2022-46169.log", "combined", COMBINED),
    edge("access/edge-cases/crowdsec-hub-fixtures/apache-http-probing.log", "common", COMMON),
    edge("access/edge-cases/crowdsec-hub-fixtures/apache2-http-sensitive-files.log", "common", COMMON),
    // Combined lines, vhost-prefixed lines and two error-log lines: as above,
    // `nginx` wins and takes `www.crowdsec.net 1.2.3.4` as a client.
    edge("access/edge-cases/crowdsec-hub-fixtures/apache2-logs.log", "combined", clf(Apache, 2, Strict)),
    edge("access/edge-cases/crowdsec-hub-fixtures/apache2-malformed.log", "combined", COMBINED),
    edge("access/edge-cases/crowdsec-hub-fixtures/apache_log4j2_cve-2021-44228.log", "combined", COMBINED),
    edge("access/edge-cases/crowdsec-hub-fixtures/cve-2021-42013.log", "common", COMMON),
    edge("access/edge-cases/crowdsec-hub-fixtures/f5-big-ip-cve-2020-5902.log", "combined", COMBINED),
    // A single line without a final newline.
    edge("access/edge-cases/crowdsec-hub-fixtures/fortinet-cve-2018-13379.log", "combined", COMBINED),
    edge("access/edge-cases/crowdsec-hub-fixtures/grafana_cve-2021-43798.log", "combined", COMBINED),
    edge("access/edge-cases/crowdsec-hub-fixtures/http-cve-probing.log", "combined", COMBINED),
    edge("access/edge-cases/crowdsec-hub-fixtures/http-wordpress-scan.log", "combined", COMBINED),
    edge("access/edge-cases/crowdsec-hub-fixtures/http-wordpress_user-enum.log", "combined", COMBINED),
    edge("access/edge-cases/crowdsec-hub-fixtures/jira_cve-2021-26086.log", "combined", COMBINED),
    edge("access/edge-cases/crowdsec-hub-fixtures/netgear_rce.log", "combined", COMBINED),
    edge("access/edge-cases/crowdsec-hub-fixtures/nginx-bad-user-agent.log", "combined", COMBINED),
    edge("access/edge-cases/crowdsec-hub-fixtures/nginx-cve-2021-41773.log", "nginx_vhost_main", clf(Vhost, 3, Strict)),
    edge("access/edge-cases/crowdsec-hub-fixtures/nginx-http-malformed.log", "combined", COMBINED),
    // One combined line, one with an extra `"-"` that the user agent absorbs.
    edge("access/edge-cases/crowdsec-hub-fixtures/nginx-http-open-proxy.log", "combined", clf(Apache, 2, RawRequest)),
    edge("access/edge-cases/crowdsec-hub-fixtures/nginx-http-path-traversal.log", "combined", COMBINED),
    edge("access/edge-cases/crowdsec-hub-fixtures/nginx-http-sensitive-files.log", "combined", COMBINED),
    edge("access/edge-cases/crowdsec-hub-fixtures/nginx-http-sqli-probing.log", "combined", COMBINED),
    edge("access/edge-cases/crowdsec-hub-fixtures/nginx-http-w00twoot.log", "combined", COMBINED),
    edge("access/edge-cases/crowdsec-hub-fixtures/nginx-http-xss-probing.log", "combined", COMBINED),
    edge("access/edge-cases/crowdsec-hub-fixtures/nginx_http-logs.log", "combined", clf(Apache, 2, Strict)),
    edge("access/edge-cases/crowdsec-hub-fixtures/pulse-secure-sslvpn-cve-2019-11510.log", "combined", COMBINED),
    edge("access/edge-cases/crowdsec-hub-fixtures/spring4shell_cve-2022-22965.log", "nginx_vhost_main", clf(Vhost, 3, Strict)),
    edge("access/edge-cases/crowdsec-hub-fixtures/thinkphp-cve-2018-20062.log", "combined", COMBINED),
    edge("access/edge-cases/crowdsec-hub-fixtures/vmware-cve-2022-22954.log", "combined", COMBINED),
    // Access logs that sit among the error logs.
    // One Apache 2.4 error line (malformed here) and two common lines.
    edge("error/edge-cases/crowdsec-hub-fixtures/apache-cve-2021-41773_error.log", "common", COMMON),
    // fail2ban fixture: `# failJSON` notes, blank lines, nginx access lines with
    // `$http_x_forwarded_for`, nginx error lines (plain and syslog-prefixed).
    edge("error/edge-cases/fail2ban-fixtures/nginx-botsearch.log", "nginx_main", clf(Nginx, 3, Strict)),
];

/// Logs of the shared folder that were not copied into `testdata/` (checked
/// only when `ALF_SHARED_TESTDATA` names that folder).
#[rustfmt::skip]
const SHARED_ONLY: &[Case] = &[
    main_log("access/apache-combined/nielsbasjes-logparser_hackers-access_2015.log", "combined", COMBINED),
    main_log("access/apache-combined/honeynet2004_access_log.10", "combined", clf(Apache, 2, RawRequest)),
    main_log("access/apache-combined/honeynet2004_access_log.24", "combined", clf(Apache, 2, RawRequest)),
    main_log("access/apache-csv2mysql/farmfreshsoftware.access.log-20241210", CSV_DETECT, Shape::Csv2mysql),
    main_log("access/apache-csv2mysql/farmfreshsoftware.access.log-20250407", CSV_DETECT, Shape::Csv2mysql),
    main_log("access/apache-csv2mysql/farmfreshsoftware.access.log-20250616", CSV_DETECT, Shape::Csv2mysql),
    main_log("access/apache-csv2mysql/farmfreshsoftware.access.log-20260115", CSV_DETECT, Shape::Csv2mysql),
    main_log("access/apache-csv2mysql/farmwork.access.log-20241210", CSV_DETECT, Shape::Csv2mysql),
    main_log("access/apache-csv2mysql/farmwork.access.log-20241213", CSV_DETECT, Shape::Csv2mysql),
    main_log("access/apache-csv2mysql/farmwork.access.log-20241228", CSV_DETECT, Shape::Csv2mysql),
    main_log("access/apache-csv2mysql/farmwork.access.log-20250101", CSV_DETECT, Shape::Csv2mysql),
    main_log("access/nginx-combined/meatlabel.app.access.log-20251219", "combined", NGINX_COMBINED),
    main_log("access/nginx-combined/meatlabel.app.access.log-20251220", "combined", NGINX_COMBINED),
    main_log("access/nginx-combined/meatlabel.app.access.log-20251226", "combined", NGINX_COMBINED),
    main_log("access/nginx-combined/meatlabel.app.access.log-20260106", "combined", NGINX_COMBINED),
    main_log("access/nginx-combined/meatlabel.app.access.log-20260110", "combined", NGINX_COMBINED),
    main_log("access/nginx-combined/saunathinker.com.access.log-20260106", "combined", NGINX_COMBINED),
];

/// The error logs in `testdata/error` (the two access logs there are in [`EDGE`]).
#[rustfmt::skip]
const ERROR: &[(&str, &str)] = &[
    ("error/apache-1.3/honeynet2004_error_log.11", "apache_error"),
    ("error/apache-1.3/honeynet2004_error_log.18", "apache_error"),
    ("error/apache-2.0/loghub_Apache_2k.log", "apache_error"),
    ("error/apache-2.4/wtf_error.log", "apache_error"),
    ("error/apache-2.4/wtf_error.vhost.log", "apache_error"),
    ("error/apache-2.4/wtf_farmwork.error.log", "apache_error"),
    ("error/apache-2.4/wtf_farmwork.error.log-20241014", "apache_error"),
    ("error/apache-2.4/wtf_farmwork.error.log-20241025", "apache_error"),
    ("error/apache-2.4/wtf_farmwork.error.log-20241028", "apache_error"),
    ("error/edge-cases/elastic-beats_apache_error_sublevel.log", "apache_error"),
    ("error/edge-cases/elastic-beats_apache_error_test.log", "apache_error"),
    ("error/edge-cases/elastic-beats_apache_error_ubuntu-2.2.22.log", "apache_error"),
    ("error/edge-cases/elastic-beats_nginx_error.log", "nginx_error"),
    ("error/edge-cases/fail2ban-fixtures/apache-auth.log", "apache_error"),
    ("error/edge-cases/fail2ban-fixtures/apache-botsearch.log", "apache_error"),
    ("error/edge-cases/fail2ban-fixtures/apache-modsecurity.log", "apache_error"),
    ("error/edge-cases/fail2ban-fixtures/apache-nohome.log", "apache_error"),
    ("error/edge-cases/fail2ban-fixtures/apache-noscript.log", "apache_error"),
    ("error/edge-cases/fail2ban-fixtures/apache-overflows.log", "apache_error"),
    ("error/edge-cases/fail2ban-fixtures/apache-shellshock.log", "apache_error"),
    ("error/edge-cases/fail2ban-fixtures/nginx-forbidden.log", "nginx_error"),
    ("error/edge-cases/fail2ban-fixtures/nginx-http-auth.log", "nginx_error"),
    ("error/edge-cases/fail2ban-fixtures/nginx-limit-req.log", "nginx_error"),
    ("error/nginx/meatlabel.app.error.log-20251219", "nginx_error"),
    ("error/nginx/meatlabel.app.error.log-20251220", "nginx_error"),
    ("error/nginx/meatlabel.app.error.log-20251222", "nginx_error"),
    ("error/nginx/meatlabel.app.error.log-20260114", "nginx_error"),
];

// ---------------------------------------------------------------- helpers

/// `alf SUB --output json [--log-format ...] -n 0 [extra] FILE`
fn alf(sub: &str, shape: Option<Shape>, extra: &[&str], file: &Path) -> Value {
    let mut args: Vec<OsString> = vec![sub.into(), "--output".into(), "json".into()];
    args.extend(["-n".into(), "0".into()]);
    if let Some(Shape::Csv2mysql) = shape {
        args.extend(["--log-format".into(), CSV2MYSQL.into()]);
    }
    args.extend(extra.iter().map(OsString::from));
    args.push(file.into());
    alf_json(&args)
}

/// `uniq -c` output as ranked rows, keys shown as alf shows log text.
fn ranked(uniq_c: &[u8]) -> Vec<(String, u64)> {
    rank(
        parse_uniq_c(uniq_c)
            .into_iter()
            .map(|(k, c)| (alf::escape::escape(&k), c))
            .collect(),
    )
}

/// Fails with the differing rows (not both whole lists) when `got != want`.
fn assert_rows(ctx: &str, got: &[(String, u64)], want: &[(String, u64)]) {
    if got == want {
        return;
    }
    let g: BTreeMap<_, _> = got.iter().cloned().collect();
    let w: BTreeMap<_, _> = want.iter().cloned().collect();
    let mut diff = Vec::new();
    for (k, c) in &w {
        match g.get(k) {
            Some(gc) if gc == c => {}
            Some(gc) => diff.push(format!("  {k:?}: alf {gc}, reference {c}")),
            None => diff.push(format!("  {k:?}: missing in alf (reference {c})")),
        }
    }
    for (k, c) in &g {
        if !w.contains_key(k) {
            diff.push(format!("  {k:?}: alf {c}, not in the reference"));
        }
    }
    if diff.is_empty() {
        let at = got.iter().zip(want).position(|(a, b)| a != b).unwrap_or(0);
        diff.push(format!(
            "  same rows, different order from row {at}: alf {:?}, reference {:?}",
            got.get(at),
            want.get(at)
        ));
    }
    let n = diff.len();
    diff.truncate(20);
    panic!(
        "{ctx}: alf and the reference differ ({n} rows; {} vs {} keys):\n{}",
        got.len(),
        want.len(),
        diff.join("\n")
    );
}

/// (lines as alf counts them, empty lines)
fn line_counts(file: &Path) -> (u64, u64) {
    let wc = sh_count(r#"wc -l < "$1""#, &[file]);
    let empty = sh_count(r#"grep -ac '^$' "$1"; test $? -le 1"#, &[file]);
    (physical_lines_from_wc(file, wc), empty)
}

/// `grep -c` of a regex; 0 when nothing matches.
fn grep_count(re: &str, file: &Path) -> u64 {
    sh_count(
        r#"grep -acE -e "$1" "$2"; test $? -le 1"#,
        &[OsString::from(re), file.into()],
    )
}

fn rel(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string()
}

// ---------------------------------------------------------------- access logs

fn check_access(root: &Path, case: &Case) {
    let file = root.join(case.path);
    assert!(file.is_file(), "{} is missing", file.display());
    let ctx = rel(root, &file);
    let shape = case.shape;

    let triage = alf("triage", Some(shape), &[], &file);
    assert_eq!(
        triage["inputs"][0]["format"], case.detect,
        "{ctx}: detected format"
    );

    // Line accounting: grep's well-formed lines are exactly alf's parsed lines;
    // every other line is malformed, or empty.
    let (re, _) = shape.regex(Cap::None);
    let (lines, empty) = line_counts(&file);
    let good = grep_count(&re, &file);
    let s = &triage["summary"];
    assert_eq!(
        num(s, "lines"),
        lines,
        "{ctx}: lines (wc -l, +1 without a final newline)"
    );
    assert_eq!(
        num(s, "parsed"),
        good,
        "{ctx}: parsed = lines grep -E accepts"
    );
    assert_eq!(num(s, "empty"), empty, "{ctx}: empty lines");
    assert_eq!(
        num(s, "malformed"),
        lines - good - empty,
        "{ctx}: malformed = non-empty lines grep -E rejects"
    );
    assert_eq!(num(s, "overlong"), 0, "{ctx}: overlong");
    assert_eq!(num(s, "ambiguous"), 0, "{ctx}: ambiguous");

    // Clients.
    let script = format!(
        r#"grep -aE -e "$1" "$2" | {} | sort | uniq -c"#,
        shape.client_awk()
    );
    let want = ranked(&sh(&script, &[OsString::from(&re), file.clone().into()]));
    let top = alf("top", Some(shape), &["--by", "ip"], &file);
    assert_rows(&format!("{ctx} --by ip"), &top_rows(&top), &want);
    for k in ["lines", "parsed", "malformed"] {
        assert_eq!(top[k], s[k], "{ctx}: `top` and `triage` disagree on {k}");
    }
    let clients = common::client_rows(&triage);
    assert_rows(&format!("{ctx} triage top_clients"), &clients, &want);
    assert_eq!(
        num(s, "distinct_clients"),
        want.len() as u64,
        "{ctx}: distinct clients"
    );

    if !case.fields {
        return;
    }

    // Status codes.
    let (re_s, g) = shape.regex(Cap::Status);
    let script = format!(r#"grep -aE -e "$1" "$2" | sed -E "s~$1~\\{g}~" | sort | uniq -c"#);
    let want = ranked(&sh(&script, &[OsString::from(&re_s), file.clone().into()]));
    let top = alf("top", Some(shape), &["--by", "status"], &file);
    assert_rows(&format!("{ctx} --by status"), &top_rows(&top), &want);
    let by_status: Vec<(String, u64)> = triage["status"]
        .as_array()
        .expect("status")
        .iter()
        .map(|r| (num(r, "status").to_string(), num(r, "count")))
        .collect();
    assert_rows(&format!("{ctx} triage status"), &rank(by_status), &want);

    // Methods: the request line up to its first space (csv2mysql logs `%m`).
    let (re_m, g) = shape.regex(Cap::Method);
    let cut = match shape {
        Shape::Csv2mysql => "cat",
        Shape::Clf { .. } => "sed 's/ .*//'",
    };
    let script =
        format!(r#"grep -aE -e "$1" "$2" | sed -E "s~$1~\\{g}~" | {cut} | sort | uniq -c"#);
    let want = ranked(&sh(&script, &[OsString::from(&re_m), file.clone().into()]));
    let top = alf("top", Some(shape), &["--by", "method"], &file);
    assert_rows(&format!("{ctx} --by method"), &top_rows(&top), &want);

    // Bytes sent, summed over the well-formed lines (`-` counts as 0).
    if let Shape::Clf { .. } = shape {
        let (re_b, g) = shape.regex(Cap::Bytes);
        let script = format!(
            r#"grep -aE -e "$1" "$2" | sed -E "s~$1~\\{g}~" | awk '{{s += $1}} END {{printf "%.0f\n", s}}'"#
        );
        let want = sh_count(&script, &[OsString::from(&re_b), file.clone().into()]);
        assert_eq!(num(s, "bytes_sent"), want, "{ctx}: bytes_sent");
    }
}

#[test]
fn access_logs_match_awk_sort_uniq() {
    if !require_tools(TOOLS) {
        return;
    }
    let root = testdata("");
    for case in ACCESS {
        check_access(&root, case);
    }
}

#[test]
fn edge_case_access_logs_match_awk_sort_uniq() {
    if !require_tools(TOOLS) {
        return;
    }
    let root = testdata("");
    for case in EDGE {
        check_access(&root, case);
    }
}

#[test]
fn every_copied_log_has_a_case() {
    let root = testdata("");
    let mut listed: Vec<PathBuf> = ACCESS
        .iter()
        .chain(EDGE)
        .map(|c| root.join(c.path))
        .collect();
    listed.extend(ERROR.iter().map(|(p, _)| root.join(p)));
    let mut missing = Vec::new();
    let mut stack = vec![root.join("access"), root.join("error")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("testdata dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if !listed.contains(&p) {
                missing.push(rel(&root, &p));
            }
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "logs in testdata/ without a case in tests/real_logs.rs: {missing:?}"
    );
}

#[test]
fn shared_testdata_logs_not_copied() {
    let Some(dir) = std::env::var_os("ALF_SHARED_TESTDATA") else {
        println!("skipped: ALF_SHARED_TESTDATA is not set");
        return;
    };
    if !require_tools(TOOLS) {
        return;
    }
    let root = PathBuf::from(dir);
    for case in SHARED_ONLY.iter().chain(ACCESS) {
        check_access(&root, case);
    }
}

// ---------------------------------------------------------------- error logs

/// An Apache error record starts with a ctime timestamp in brackets.
const APACHE_RECORD: &str =
    r"^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)? [0-9]{4}\] ";
/// The header client: `[time] [level] [pid ...] (errno)Text: file.c(N): [client A]`.
/// Group 3 is the address, `[v6]:port`, `v4:port` or plain.
const APACHE_CLIENT: &str = r"^\[[^]]*\] \[[^]]*\]( \[pid [^]]*\])?( \([0-9-]+\)[^:[]*:| [A-Za-z0-9_.-]+\.c\([0-9]+\):)? \[client (\[[^]]*\](:[0-9]+)?|[^] ]+)\].*$";
const NGINX_RECORD: &str = r"^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} \[";
/// Strips the port: `[v6]:port` → `v6`, `v4:port` → `v4`.
const STRIP_PORT: &str = r"sed -E 's/^\[([^]]*)\](:[0-9]+)?$/\1/; s/^([0-9.]+):[0-9]+$/\1/'";

fn check_error(root: &Path, path: &str, detect: &str) {
    let file = root.join(path);
    assert!(file.is_file(), "{} is missing", file.display());
    let ctx = rel(root, &file);
    let triage = alf("triage", None, &[], &file);
    assert_eq!(
        triage["inputs"][0]["format"], detect,
        "{ctx}: detected format"
    );
    let s = &triage["summary"];
    let (lines, empty) = line_counts(&file);
    assert_eq!(
        num(s, "lines"),
        lines,
        "{ctx}: lines (wc -l, +1 without a final newline)"
    );
    assert_eq!(num(s, "empty"), empty, "{ctx}: empty lines");

    let (records, ambiguous, out) = if detect == "apache_error" {
        let out = sh(
            &format!(
                r#"grep -aE -e "$1" "$3" | sed -nE "s~$2~\3~p" | {STRIP_PORT} | sort | uniq -c"#
            ),
            &[
                APACHE_RECORD.into(),
                APACHE_CLIENT.into(),
                file.clone().into_os_string(),
            ],
        );
        (grep_count(APACHE_RECORD, &file), 0, out)
    } else {
        // alf does not attribute a line whose message repeats `, client: `.
        const TWICE: &str = ", client: .*, client: ";
        let twice = sh_count(
            r#"grep -aE -e "$1" "$3" | grep -acE -e "$2"; test $? -le 1"#,
            &[
                NGINX_RECORD.into(),
                TWICE.into(),
                file.clone().into_os_string(),
            ],
        );
        let out = sh(
            &format!(
                r#"grep -aE -e "$1" "$3" | {{ grep -avE -e "$2"; test $? -le 1; }} | grep -aoE ', client: [^,]*' | sed 's/^, client: //' | {STRIP_PORT} | sort | uniq -c"#
            ),
            &[
                NGINX_RECORD.into(),
                TWICE.into(),
                file.clone().into_os_string(),
            ],
        );
        (grep_count(NGINX_RECORD, &file), twice, out)
    };
    let want = ranked(&out);
    assert_eq!(
        num(s, "parsed"),
        records - ambiguous,
        "{ctx}: parsed records"
    );
    assert_eq!(
        num(s, "ambiguous"),
        ambiguous,
        "{ctx}: ambiguous attribution"
    );
    assert_eq!(
        num(s, "malformed"),
        lines - records - empty,
        "{ctx}: malformed = non-empty lines that do not start a record"
    );
    let top = alf("top", None, &["--by", "ip"], &file);
    assert_rows(&format!("{ctx} --by ip"), &top_rows(&top), &want);
    let attributed: u64 = want.iter().map(|(_, c)| c).sum();
    assert_eq!(
        num(s, "no_client") + attributed,
        num(s, "parsed"),
        "{ctx}: every parsed record has a header client or counts as no_client"
    );
}

#[test]
fn error_logs_match_grep_header_client() {
    if !require_tools(TOOLS) {
        return;
    }
    let root = testdata("");
    for (path, detect) in ERROR {
        check_error(&root, path, detect);
    }
}

// ---------------------------------------------------------------- known facts

/// Numbers stated in testdata/PROVENANCE.md, measured independently when the
/// files were collected: a check on the reference machinery above as much as
/// on alf.
#[test]
fn counts_stated_in_provenance() {
    let cases: &[(&str, Option<Shape>, u64, u64)] = &[
        // (file, format, lines, malformed)
        (
            "access/apache-combined/elastic-examples_apache_logs_2015.log",
            None,
            10000,
            1,
        ),
        (
            "access/apache-combined/honeynet2004_access_log.5",
            None,
            251,
            0,
        ),
        (
            "access/apache-csv2mysql/farmfreshsoftware.access.log-20250208",
            Some(Shape::Csv2mysql),
            1644,
            0,
        ),
        (
            "access/nginx-combined/lnav_zanbil-shop_access_log_2019_1000lines.log",
            None,
            1000,
            0,
        ),
        // 1999 newlines, no final newline: 2000 records.
        ("error/apache-2.0/loghub_Apache_2k.log", None, 2000, 0),
        ("error/nginx/meatlabel.app.error.log-20251222", None, 182, 0),
        // One line, no newline at all.
        (
            "access/edge-cases/crowdsec-hub-fixtures/fortinet-cve-2018-13379.log",
            None,
            1,
            0,
        ),
    ];
    for &(path, shape, lines, malformed) in cases {
        let v = alf("triage", shape, &[], &testdata(path));
        assert_eq!(num(&v["summary"], "lines"), lines, "{path}: lines");
        assert_eq!(
            num(&v["summary"], "malformed"),
            malformed,
            "{path}: malformed"
        );
    }
    let top = |path: &str, by: &str| top_rows(&alf("top", None, &["--by", by], &testdata(path)));
    let rows = top(
        "access/apache-combined/elastic-examples_apache_logs_2015.log",
        "ip",
    );
    assert_eq!(rows.len(), 1753, "elastic: distinct clients");
    assert_eq!(
        rows[0],
        ("66.249.73.135".to_string(), 482),
        "elastic: top client"
    );
    let rows = top("access/apache-combined/honeynet2004_access_log.5", "method");
    assert!(
        rows.contains(&("CONNECT".to_string(), 44)),
        "honeynet .5: 44 CONNECT requests: {rows:?}"
    );
    let rows = top("error/apache-1.3/honeynet2004_error_log.11", "ip");
    assert_eq!(
        rows[0],
        ("63.126.133.92".to_string(), 324),
        "error_log.11: top client"
    );
    let rows = top("error/nginx/meatlabel.app.error.log-20251222", "ip");
    assert_eq!(
        rows.iter().map(|r| r.1).sum::<u64>(),
        182,
        "nginx error: attributed"
    );
}
