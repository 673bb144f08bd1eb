//! `alf top --by level|module|code` over error logs (issue 16, item 6),
//! each ranking equal to what grep, sed and awk count; `--by status` on an
//! error log says it has none.

mod common;

/// alf's ranking of every row, as (key, count), sorted.
fn alf_rows(by: &str, files: &[std::path::PathBuf]) -> Vec<(Vec<u8>, u64)> {
    let mut args: Vec<std::ffi::OsString> = vec![
        "top".into(),
        "--by".into(),
        by.into(),
        "-n".into(),
        "0".into(),
    ];
    args.extend(["-o".into(), "plain".into()]);
    args.extend(files.iter().map(|f| f.clone().into_os_string()));
    let out = common::run_alf(&args, None);
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    let mut rows = common::parse_uniq_c(&out.stdout);
    rows.sort();
    rows
}

fn shell_rows(script: &str, files: &[std::path::PathBuf]) -> Vec<(Vec<u8>, u64)> {
    let mut rows = common::parse_uniq_c(&common::sh(script, files));
    rows.sort();
    rows
}

/// The `[module:level]` group of each Apache line, as `sed` cuts it.
const GROUP: &str =
    r#"cat "$@" | grep -oE '^\[[^]]+\] \[[^]]+\]' | sed -E 's/^\[[^]]+\] \[//; s/\]$//'"#;

#[test]
fn apache_levels_modules_and_codes_match_awk() {
    let files = common::files_under(&common::testdata("error/apache-2.4"));
    assert!(files.len() >= 4);
    let level = shell_rows(
        &format!("{GROUP} | awk -F: '{{print $NF}}' | sort | uniq -c"),
        &files,
    );
    assert!(level.len() >= 3, "{level:?}");
    assert_eq!(alf_rows("level", &files), level);
    let module = shell_rows(
        &format!("{GROUP} | awk -F: '{{print (NF > 1 ? $1 : \"-\")}}' | sort | uniq -c"),
        &files,
    );
    assert!(module.len() >= 3, "{module:?}");
    assert_eq!(alf_rows("module", &files), module);
    // The first code of each line (Apache writes it before the message).
    let code = shell_rows(
        "cat \"$@\" | awk '{ if (match($0, /AH[0-9][0-9][0-9][0-9][0-9]:/)) print substr($0, RSTART, 7); else print \"-\" }' | sort | uniq -c",
        &files,
    );
    assert!(
        code.iter().any(|(k, n)| k == b"AH00957" && *n > 1),
        "{code:?}"
    );
    assert_eq!(alf_rows("code", &files), code);
}

#[test]
fn nginx_levels_match_awk_and_carry_no_module_or_code() {
    let files = common::files_under(&common::testdata("error/nginx"));
    let level = shell_rows(
        "cat \"$@\" | awk '{print $3}' | tr -d '[]' | sort | uniq -c",
        &files,
    );
    assert_eq!(alf_rows("level", &files), level);
    let lines = level.iter().map(|r| r.1).sum::<u64>();
    assert_eq!(alf_rows("module", &files), vec![(b"-".to_vec(), lines)]);
    assert_eq!(alf_rows("code", &files), vec![(b"-".to_vec(), lines)]);
}

#[test]
fn by_status_on_an_error_log_points_at_level() {
    let out = common::run_alf(
        &["top", "--by", "status", "testdata/incident/error_log"],
        None,
    );
    assert_eq!(out.code(), Some(0));
    assert!(
        out.stderr_text().contains(
            "3 error-log line(s) not counted: error logs have no status; --by level, \
             --by module or --by code counts them"
        ),
        "{}",
        out.stderr_text()
    );
    // A near miss of the new keys is refused as the others are.
    let out = common::run_alf(&["top", "levle", "testdata/incident/error_log"], None);
    assert_eq!(out.code(), Some(2));
    assert!(
        out.stderr_text().contains("alf top --by level"),
        "{}",
        out.stderr_text()
    );
}
