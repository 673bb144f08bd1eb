//! Settings resolved once per command from what the user typed ([`crate::cli`]):
//! the compiled format, the inputs, the thread count, the filters, the address
//! ranges, the output style. Built whole, validated, and never patched
//! afterwards; each limit has one source.

use anyhow::Result;

use crate::aggregate::KeyField;
use crate::attribute::{SelfAddrs, TrustedProxies};
use crate::classify::{by_id, ClassId, ClassSet};
use crate::cli::{
    BlockArgs, By as ByArg, ColorMode, CommonArgs, ExportArgs, ExportFormat, MmapMode, Output,
    RulesArgs, TopArgs, TriageArgs,
};
use crate::error::OptionError;
use crate::escape::escape;
use crate::filter::{parse_time, Filter};
use crate::findings::top::By;
use crate::findings::{BruteWindow, Settings};
use crate::format::detect::Choice;
use crate::format::{self, AccessFormat, Dialect, Format};
use crate::geo::GeoDbs;
use crate::input::{InputSpec, MmapPolicy};
use crate::net::parse_net;
use crate::read::ReadOpts;
use crate::report::{Style, Term};
use crate::rules::{self, Guard, Protect, Selection, Target, TargetOpts};
use crate::scan::ScanOpts;

/// `alf triage`.
#[derive(Debug)]
pub struct Triage {
    pub read: ReadOpts,
    pub findings: Settings,
    pub style: Style,
    /// Rows of each table (0: all); JSON lists every offender.
    pub rows: usize,
    /// The blocks the report suggests.
    pub blocks: Blocks,
    pub geo: GeoSetting,
    /// Said on standard error: a database found but not usable.
    pub geo_warning: Option<String>,
    pub term: Term,
    /// No warnings on standard error.
    pub quiet: bool,
    /// Exit 6 when an offender shows one of these classes...
    pub fail_on: ClassSet,
    /// ... or scores at least this.
    pub fail_on_score: Option<f64>,
}

/// What standard output can take, from the terminal, `NO_COLOR` and `--color`.
pub fn term(color: ColorMode) -> Term {
    use std::io::IsTerminal;
    let tty = std::io::stdout().is_terminal();
    let colour = match color {
        ColorMode::Always => true,
        ColorMode::Never => false,
        ColorMode::Auto => tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    Term {
        width: tty.then(terminal_width).flatten(),
        colour,
        timing: tty,
        markdown: false,
        csv_raw: false,
    }
}

/// The width of the terminal on standard output (`COLUMNS` when set).
fn terminal_width() -> Option<u16> {
    if let Some(c) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<u16>().ok())
    {
        return Some(c.max(40));
    }
    #[cfg(unix)]
    {
        let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
        // SAFETY: TIOCGWINSZ fills the winsize it is given; stdout is open.
        let ok = unsafe { libc::ioctl(1, libc::TIOCGWINSZ, &mut ws) } == 0;
        if ok && ws.ws_col > 0 {
            return Some(ws.ws_col.max(40));
        }
    }
    None
}

/// The country and ASN databases.
#[derive(Debug)]
pub enum GeoSetting {
    Dbs(GeoDbs),
    /// None found.
    Missing,
    /// `ALF_GEOIP=none`.
    Off,
}

/// The geo databases: `--geoip`, `$ALF_GEOIP`, or a default directory. A
/// database the user named that cannot be used is an error; one found in a
/// default directory is a warning.
fn geo(explicit: &[std::path::PathBuf]) -> Result<(GeoSetting, Option<String>)> {
    use crate::geo::discover::{is_off, DEFAULT_DIRS, ENV};
    let env = std::env::var_os(ENV);
    if explicit.is_empty() && env.as_deref().is_some_and(is_off) {
        return Ok((GeoSetting::Off, None));
    }
    let named = !explicit.is_empty() || env.as_ref().is_some_and(|e| !e.is_empty());
    let dirs: Vec<&std::path::Path> = DEFAULT_DIRS.iter().map(std::path::Path::new).collect();
    match GeoDbs::discover(explicit, env.as_deref(), &dirs) {
        Ok(Some(d)) => Ok((GeoSetting::Dbs(d), None)),
        Ok(None) => Ok((GeoSetting::Missing, None)),
        Err(e) if named => Err(OptionError::Value {
            option: "--geoip",
            message: e.to_string(),
        }
        .into()),
        Err(e) => Ok((
            GeoSetting::Missing,
            Some(format!("geo database not used: {e}")),
        )),
    }
}

/// What to block and what never to: the suggested blocks of `triage`, and
/// `rules`.
#[derive(Clone, Debug)]
pub struct Blocks {
    pub selection: Selection,
    pub guard: Guard,
    pub protect: Protect,
    /// `alf rules` with the options that give the same blocks (the target
    /// and inputs added by the caller), shell-quoted.
    pub command: Vec<String>,
}

/// `alf rules`.
#[derive(Clone, Debug)]
pub struct Rules {
    pub read: ReadOpts,
    pub findings: Settings,
    pub blocks: Blocks,
    pub target: &'static dyn Target,
    pub opts: TargetOpts,
    /// `--write FILE`: atomically, instead of standard output.
    pub write: Option<std::path::PathBuf>,
    pub quiet: bool,
}

impl std::fmt::Debug for dyn Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// `alf top`.
#[derive(Clone, Debug)]
pub struct Top {
    pub read: ReadOpts,
    pub by: By,
    /// Rows to show (0: all).
    pub top: usize,
    pub style: Style,
    pub term: Term,
    pub quiet: bool,
}

impl Triage {
    pub fn new(a: &TriageArgs) -> Result<Triage> {
        let classify = !a.no_classify;
        let read = read_opts(&a.common, None, classify, &a.class)?;
        let blocks = blocks(&a.common, &a.blocks, &read, Selection::default().classes, 0)?;
        let (geo, geo_warning) = geo(&a.geoip)?;
        let fail_on = offender_classes(&a.fail_on)?;
        let bruteforce = brute_windows(&a.bruteforce).map_err(|message| OptionError::Value {
            option: "--bruteforce",
            message,
        })?;
        Ok(Triage {
            geo,
            geo_warning,
            term: Term {
                csv_raw: a.csv_raw,
                ..term(a.common.color)
            },
            quiet: a.common.quiet,
            fail_on,
            fail_on_score: a.fail_on_score,
            findings: Settings {
                top: a.top,
                bucket: a.bucket,
                classify,
                self_addrs: read.scan.self_addrs.clone(),
                bruteforce,
            },
            read,
            style: style(a.output),
            rows: a.top,
            blocks,
        })
    }
}

impl Rules {
    pub fn new(a: &RulesArgs) -> Result<Rules> {
        let target = rules::by_id(&a.target).ok_or_else(|| OptionError::Value {
            option: "--target",
            message: format!(
                "`{}`: no such target (one of: {})",
                escape(a.target.as_bytes()),
                rules::TARGETS
                    .iter()
                    .map(|t| t.id())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?;
        let read = ReadOpts {
            // The header names each input by its hash: the rule file can
            // be checked against the evidence.
            hash: true,
            ..read_opts(&a.common, None, true, &[])?
        };
        let classes = if a.class.is_empty() {
            Selection::default().classes
        } else {
            offender_classes(&a.class)?
        };
        let blocks = blocks(&a.common, &a.blocks, &read, classes, a.top)?;
        if a.expire.is_some() && !target.expires() {
            return Err(OptionError::Value {
                option: "--expire",
                message: format!(
                    "`{}` entries cannot expire: use --target nftables or ipset",
                    target.id()
                ),
            }
            .into());
        }
        let mut opts = target_opts(a)?;
        opts.origin_allow = blocks
            .protect
            .trusted
            .iter()
            .chain(&blocks.protect.allow)
            .copied()
            .collect();
        let bruteforce = brute_windows(&a.bruteforce).map_err(|message| OptionError::Value {
            option: "--bruteforce",
            message,
        })?;
        Ok(Rules {
            findings: Settings {
                top: 0,
                bucket: None,
                classify: true,
                self_addrs: read.scan.self_addrs.clone(),
                bruteforce,
            },
            read,
            blocks,
            target,
            opts,
            write: a.write.clone(),
            quiet: a.common.quiet,
        })
    }
}

/// The target settings, each name checked before anything is written.
fn target_opts(a: &RulesArgs) -> Result<TargetOpts> {
    use rules::names;
    let read = |p: &std::path::PathBuf, option: &'static str| {
        std::fs::read_to_string(p).map_err(|e| OptionError::Value {
            option,
            message: format!("{}: {e}", escape(p.as_os_str().as_encoded_bytes())),
        })
    };
    let nacl_id = a.nacl_id.as_deref().map(names::nacl_id).transpose()?;
    let nacl_current = match &a.nacl_current {
        None => None,
        Some(p) => Some(
            rules::target::aws_nacl::parse_current(
                &read(p, "--nacl-current")?,
                nacl_id.as_deref(),
                a.nacl_first_allow,
            )
            .map_err(|message| OptionError::Value {
                option: "--nacl-current",
                message,
            })?,
        ),
    };
    let mut waf_current = Vec::new();
    for p in &a.waf_current {
        let c = rules::target::aws_waf::parse_current(&read(p, "--waf-current")?).map_err(
            |message| OptionError::Value {
                option: "--waf-current",
                message,
            },
        )?;
        if waf_current
            .iter()
            .any(|w: &rules::target::aws_waf::Current| w.v4 == c.v4)
        {
            return Err(OptionError::Value {
                option: "--waf-current",
                message: "one IP set per address family".into(),
            }
            .into());
        }
        waf_current.push(c);
    }
    Ok(TargetOpts {
        chain: names::chain(&a.chain)?,
        table: names::table(&a.table)?,
        set_name: names::set_name(&a.set_name)?,
        nacl_id,
        nacl_first_allow: a.nacl_first_allow,
        nacl_max_rules: a.nacl_max_rules,
        nacl_current,
        waf_current,
        expire: a.expire.map(|s| s as u64),
        lb_sg: a.lb_sg.as_deref().map(names::security_group).transpose()?,
        origin_allow: Vec::new(),
    })
}

/// The block selection and the never-block set.
fn blocks(
    c: &CommonArgs,
    b: &BlockArgs,
    read: &ReadOpts,
    classes: ClassSet,
    top: usize,
) -> Result<Blocks> {
    let mut allow: Vec<ipnet::IpNet> = b
        .allow
        .iter()
        .map(|s| parse_net(s))
        .collect::<Result<_, _>>()
        .map_err(|message| OptionError::Value {
            option: "--allow",
            message,
        })?;
    for f in &b.allow_file {
        allow.extend(allow_file(f)?);
    }
    let protect = Protect {
        local: crate::net::local_addresses(),
        trusted: read.scan.trusted.ranges().to_vec(),
        allow,
        ssh: rules::guard::ssh_client(
            std::env::var("SSH_CONNECTION").ok().as_deref(),
            std::env::var("SSH_CLIENT").ok().as_deref(),
        ),
    };
    let selection = Selection {
        classes,
        min_score: b.min_score,
        min_requests: b.min_requests,
        top,
        ..Selection::default()
    };
    let mut command: Vec<String> = vec!["alf".into(), "rules".into()];
    let mut flag = |f: &str, v: String| {
        command.push(f.to_string());
        command.push(v);
    };
    if let Some(f) = &c.log_format {
        flag("--log-format", f.clone());
    } else if let Some(f) = &c.nginx_format {
        flag("--nginx-format", f.clone());
    } else if c.format != "auto" {
        flag("--format", c.format.clone());
    }
    for f in &c.format_for {
        flag("--format-for", f.clone());
    }
    for (name, values) in [
        ("--since", c.since.iter().cloned().collect::<Vec<_>>()),
        ("--until", c.until.iter().cloned().collect()),
        ("--client", c.client.clone()),
        ("--vhost", c.vhost.clone()),
        ("--self", c.self_addrs.clone()),
        ("--trusted-proxy", c.trusted_proxy.clone()),
        ("--allow", b.allow.clone()),
    ] {
        for v in values {
            flag(name, v);
        }
    }
    for f in &b.allow_file {
        flag("--allow-file", f.to_string_lossy().into_owned());
    }
    if b.max_prefix != 24 {
        flag("--max-prefix", b.max_prefix.to_string());
    }
    if b.max_prefix6 != 48 {
        flag("--max-prefix6", b.max_prefix6.to_string());
    }
    if b.min_score != Selection::DEFAULT_MIN_SCORE {
        flag("--min-score", b.min_score.to_string());
    }
    if b.min_requests != 0 {
        flag("--min-requests", b.min_requests.to_string());
    }
    Ok(Blocks {
        guard: Guard::new(&protect, b.max_prefix, b.max_prefix6),
        selection,
        protect,
        command,
    })
}

/// The addresses and ranges of an `--allow-file`.
fn allow_file(p: &std::path::Path) -> Result<Vec<ipnet::IpNet>, OptionError> {
    let name = escape(p.as_os_str().as_encoded_bytes());
    let text = std::fs::read_to_string(p).map_err(|e| OptionError::Value {
        option: "--allow-file",
        message: format!("{name}: {e}"),
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        out.push(parse_net(line).map_err(|e| OptionError::Value {
            option: "--allow-file",
            message: format!("{name}:{}: {e}", i + 1),
        })?);
    }
    Ok(out)
}

/// `--class` ids of `rules`: offenders showing any of them (flood too).
fn offender_classes(ids: &[String]) -> Result<ClassSet, OptionError> {
    let mut set = ClassSet::EMPTY;
    for id in ids.iter().flat_map(|s| s.split(',')) {
        match by_id(id.trim()) {
            Some(c) => set.insert(c),
            None => return Err(unknown_class(id)),
        }
    }
    Ok(set)
}

fn unknown_class(id: &str) -> OptionError {
    let known: Vec<&str> = ClassId::ALL.iter().map(|c| c.id()).collect();
    OptionError::UnknownClass {
        id: escape(id.as_bytes()),
        known: known.join(", "),
    }
}

/// `alf export`.
#[derive(Debug)]
pub struct Export {
    pub read: ReadOpts,
    pub settings: crate::export::Settings,
    pub format: ExportFormat,
    pub write: Option<std::path::PathBuf>,
    pub quiet: bool,
}

impl Export {
    pub fn new(a: &ExportArgs) -> Result<Export> {
        if a.output == ExportFormat::Parquet && !cfg!(feature = "parquet") {
            return Err(OptionError::Value {
                option: "--output",
                message: "this alf was built without Parquet (cargo feature `parquet`)".into(),
            }
            .into());
        }
        let host = match &a.host {
            Some(h) => h.as_bytes().to_vec(),
            None => crate::export::hostname(),
        };
        Ok(Export {
            read: read_opts(&a.common, None, true, &a.class)?,
            settings: crate::export::Settings {
                host,
                only_classified: a.only_classified,
            },
            format: a.output,
            write: a.write.clone(),
            quiet: a.common.quiet,
        })
    }
}

impl Top {
    pub fn new(a: &TopArgs) -> Result<Top> {
        let by = match a.by {
            ByArg::Ip => By::Ip,
            ByArg::Status => By::Status,
            ByArg::Path => By::Field(KeyField::Path),
            ByArg::Ua => By::Field(KeyField::UserAgent),
            ByArg::Method => By::Field(KeyField::Method),
            ByArg::Vhost => By::Field(KeyField::Vhost),
            ByArg::Referer => By::Field(KeyField::Referer),
            ByArg::Level => By::Field(KeyField::Level),
            ByArg::Module => By::Field(KeyField::Module),
            ByArg::Code => By::Field(KeyField::Code),
            ByArg::Host => By::Field(KeyField::Host),
        };
        Ok(Top {
            read: read_opts(&a.common, by.key_field(), false, &a.class)?,
            by,
            top: a.top,
            style: style(a.output),
            term: Term {
                csv_raw: a.csv_raw,
                ..term(a.common.color)
            },
            quiet: a.common.quiet,
        })
    }
}

fn style(o: Output) -> Style {
    match o {
        Output::Table => Style::Table,
        Output::Json => Style::Json,
        Output::Plain => Style::Plain,
        Output::Html => Style::Html,
        Output::Ndjson => Style::Ndjson,
        Output::Csv => Style::Csv,
        Output::Markdown => Style::Markdown,
    }
}

/// What to read and how, for a command that counts `key` and classifies
/// when `classify`.
fn read_opts(
    a: &CommonArgs,
    key: Option<KeyField>,
    classify: bool,
    class: &[String],
) -> Result<ReadOpts> {
    let format = if let Some(s) = &a.log_format {
        Choice::Access {
            name: "custom (LogFormat)".into(),
            format: Format::Access(AccessFormat::compile(s, Dialect::Apache)?),
            option: "--log-format",
        }
    } else if let Some(s) = &a.nginx_format {
        Choice::Access {
            name: "custom (log_format)".into(),
            format: Format::Access(AccessFormat::compile(s, Dialect::Nginx)?),
            option: "--nginx-format",
        }
    } else if a.format == "auto" {
        Choice::Auto
    } else {
        Choice::Access {
            name: a.format.clone(),
            format: format::preset(&a.format)?,
            option: "--format",
        }
    };
    typos(a, key.is_some() || !classify)?;
    let inputs = if a.files.is_empty() {
        vec![InputSpec::Stdin]
    } else {
        a.files
            .iter()
            .map(|p| {
                if p.as_os_str() == "-" {
                    InputSpec::Stdin
                } else {
                    InputSpec::Path(p.clone())
                }
            })
            .collect()
    };
    let formats = format_for(&a.format_for, &inputs, &format)?;
    let threads = a.threads.filter(|&t| t > 0).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let filter = filter(a, class)?;
    let bad = |option: &'static str| move |message: String| OptionError::Value { option, message };
    Ok(ReadOpts {
        inputs,
        formats,
        threads,
        mmap: match a.mmap {
            MmapMode::Auto => MmapPolicy::Auto,
            MmapMode::Never => MmapPolicy::Never,
        },
        max_decompressed: a.max_decompressed_bytes,
        error_tz: a.error_tz,
        hash: false,
        // A person watching: never in a pipe or cron.
        progress: !a.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        scan: ScanOpts {
            chunk_size: a.chunk_size.max(1),
            max_line: a.max_line.max(1),
            max_clients: a.max_clients.max(1),
            key,
            classify,
            filter,
            self_addrs: SelfAddrs::parse(&a.self_addrs, !a.no_local_self).map_err(bad("--self"))?,
            trusted: TrustedProxies::parse(&a.trusted_proxy).map_err(bad("--trusted-proxy"))?,
            // Decided once the inputs' formats are known (`read`).
            pair: false,
            ..ScanOpts::default()
        },
    })
}

/// Each input's format choice: `default`, or what `--format-for FILE=NAME`
/// names for it. FILE is an input as given, or the same file under another
/// name; `-` is standard input.
fn format_for(
    args: &[String],
    inputs: &[InputSpec],
    default: &Choice,
) -> Result<Vec<Choice>, OptionError> {
    let bad = |message: String| OptionError::Value {
        option: "--format-for",
        message,
    };
    let mut out: Vec<Option<Choice>> = vec![None; inputs.len()];
    for arg in args {
        let (file, name) = arg
            .rsplit_once('=')
            .ok_or_else(|| bad(format!("`{}` is not FILE=NAME", escape(arg.as_bytes()))))?;
        let choice = if name == "auto" {
            Choice::Auto
        } else {
            let format = format::preset(name).map_err(|e| bad(e.to_string()))?;
            Choice::Exact {
                name: name.to_string(),
                format,
            }
        };
        let same = |i: &InputSpec| match i {
            InputSpec::Stdin => file == "-",
            InputSpec::Path(p) => {
                file != "-" && (p.as_os_str() == file || same_file(p, std::path::Path::new(file)))
            }
        };
        let at = inputs.iter().position(same).ok_or_else(|| {
            bad(format!(
                "`{}` is not one of the inputs",
                escape(file.as_bytes())
            ))
        })?;
        if out[at].replace(choice).is_some() {
            return Err(bad(format!("`{}` is named twice", escape(file.as_bytes()))));
        }
    }
    Ok(out
        .into_iter()
        .map(|c| c.unwrap_or_else(|| default.clone()))
        .collect())
}

/// Two names of one file (device and inode).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (a.metadata(), b.metadata()) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// A file argument that does not exist but is, within two edits, a command
/// (`alf tirage log`) or, for `top`, a field to count (`alf top path log`):
/// a usage error before anything is read.
fn typos(a: &CommonArgs, top: bool) -> Result<(), OptionError> {
    use clap::CommandFactory;
    let cmd = crate::cli::Cli::command();
    let commands: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
    const BY: [&str; 11] = [
        "ip", "path", "ua", "status", "method", "vhost", "referer", "level", "module", "code",
        "host",
    ];
    for f in &a.files {
        let Some(word) = f.to_str() else { continue };
        if word == "-" || f.exists() || word.contains('/') || word.contains('.') {
            continue;
        }
        if let Some(c) = near(word, &commands) {
            return Err(OptionError::Hint(format!(
                "`{}` is not a file; did you mean `alf {c}`?",
                escape(word.as_bytes())
            )));
        }
        if top {
            if let Some(k) = near(word, &BY) {
                return Err(OptionError::Hint(format!(
                    "`{}` is not a file; did you mean `alf top --by {k}`?",
                    escape(word.as_bytes())
                )));
            }
        }
    }
    Ok(())
}

/// The candidate within two edits of `word` (the nearest), if any.
fn near<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edits(word, c), *c))
        .filter(|(d, c)| *d <= 2 && (*d < c.len() || word == *c))
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance, by bytes.
fn edits(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, y) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(x != y);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn filter(a: &CommonArgs, class: &[String]) -> Result<Filter, OptionError> {
    let bad = |option: &'static str| move |message: String| OptionError::Value { option, message };
    let now = chrono::Utc::now().timestamp();
    let time = |t: &Option<String>, option: &'static str| {
        t.as_deref()
            .map(|s| parse_time(s, now))
            .transpose()
            .map_err(bad(option))
    };
    Ok(Filter {
        since: time(&a.since, "--since")?,
        until: time(&a.until, "--until")?,
        clients: a
            .client
            .iter()
            .map(|c| parse_net(c))
            .collect::<Result<_, _>>()
            .map_err(bad("--client"))?,
        vhosts: a
            .vhost
            .iter()
            .map(|v| v.to_ascii_lowercase().into_bytes())
            .collect(),
        classes: classes(class)?,
    })
}

/// `--bruteforce`: `COUNT/DURATION` windows separated by commas, shortest
/// first once parsed. A count is at least 1; a duration is whole minutes.
pub fn brute_windows(s: &str) -> Result<Vec<BruteWindow>, String> {
    let mut v = Vec::new();
    for part in s.split(',').map(str::trim) {
        let shape = || {
            format!(
                "`{}` is not COUNT/DURATION like 10/5m",
                escape(part.as_bytes())
            )
        };
        let (n, d) = part.split_once('/').ok_or_else(shape)?;
        let min: u64 = n.trim().parse().map_err(|_| shape())?;
        if min == 0 {
            return Err(format!(
                "`{}`: the count must be at least 1",
                escape(part.as_bytes())
            ));
        }
        let secs = crate::format::time::parse_duration(d.trim())?;
        if secs % 60 != 0 {
            return Err(format!(
                "`{}`: windows are whole minutes (the tallies are per minute)",
                escape(part.as_bytes())
            ));
        }
        v.push(BruteWindow {
            min,
            minutes: secs / 60,
        });
    }
    v.sort_by_key(|w| (w.minutes, w.min));
    v.dedup();
    Ok(v)
}

/// `--class` ids, each a class with a per-line mark.
fn classes(ids: &[String]) -> Result<ClassSet, OptionError> {
    let mut set = ClassSet::EMPTY;
    for id in ids.iter().flat_map(|s| s.split(',')) {
        match by_id(id.trim()) {
            Some(ClassId::Flood) => return Err(OptionError::PerLineFlood),
            Some(c) => set.insert(c),
            None => return Err(unknown_class(id)),
        }
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bruteforce_windows_parse_and_sort() {
        let w = |min, minutes| BruteWindow { min, minutes };
        assert_eq!(
            brute_windows("50/24h, 10/5m,20/1h").unwrap(),
            [w(10, 5), w(20, 60), w(50, 1440)]
        );
        assert_eq!(brute_windows("3/120s").unwrap(), [w(3, 2)]);
        assert_eq!(
            brute_windows(crate::findings::behaviour::BRUTE_DEFAULT).unwrap(),
            crate::findings::BRUTE_WINDOWS
        );
        for bad in [
            "", "10", "10/", "/5m", "0/5m", "10/30s", "10/5x", "-1/5m", "10/0m", "a/5m",
        ] {
            assert!(brute_windows(bad).is_err(), "{bad}");
        }
    }
}
