//! The data-driven CLI cases in `tests/golden/` (see its README): for each
//! `NAME.args`, `alf` is run from the repository root with those arguments
//! and its exit code, standard error and standard output must be exactly
//! `NAME.out`, once the wall time, throughput and thread count are blanked.
//! `triage` and `top` run twice, with `-j 1` and with `-j 2`, and both must
//! give that text.
//!
//! Every difference is collected and the test fails once, listing them all.
//! `ALF_UPDATE_GOLDEN=1` writes the `-j 1` text to `NAME.out` instead (the
//! `-j 2` text must still match it).

mod common;

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use common::{files_under, root, run_alf};

/// Unchanged lines shown before and after a difference.
const CONTEXT: usize = 3;
/// Changed lines shown of each side.
const SHOWN: usize = 8;

/// One case whose text is not the expected one.
struct Mismatch {
    name: String,
    /// `-j 1`, `-j 2`, or empty for a command run as is.
    threads: &'static str,
    detail: String,
}

#[test]
fn golden_cases() {
    self_check();
    let dir = root().join("tests/golden");
    let cases: Vec<PathBuf> = files_under(&dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "args"))
        .collect();
    assert!(!cases.is_empty(), "no *.args in {}", dir.display());
    let update = std::env::var("ALF_UPDATE_GOLDEN").is_ok_and(|v| v == "1");

    let mut found = run_parallel(&cases, update);
    found.extend(stray_outs(&dir));
    if found.is_empty() {
        return;
    }
    found.sort_by(|a, b| a.name.cmp(&b.name).then(a.threads.cmp(b.threads)));
    let mut msg = format!(
        "{} of {} golden case(s) differ; after a deliberate change, \
         `ALF_UPDATE_GOLDEN=1 cargo test --test golden` rewrites the .out files\n",
        found.len(),
        cases.len()
    );
    for m in &found {
        let threads = if m.threads.is_empty() {
            String::new()
        } else {
            format!(" ({})", m.threads)
        };
        msg.push_str(&format!("\n== {}{threads}\n{}\n", m.name, m.detail));
    }
    panic!("{msg}");
}

/// Checks every case on a few worker threads.
fn run_parallel(cases: &[PathBuf], update: bool) -> Vec<Mismatch> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 4);
    let next = AtomicUsize::new(0);
    let found = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(i) else { break };
                let m = check_case(case, update);
                found.lock().expect("no worker panicked").extend(m);
            });
        }
    });
    found.into_inner().expect("no worker panicked")
}

/// Runs one case (twice for `triage` and `top`) and returns its mismatches.
fn check_case(args_path: &Path, update: bool) -> Vec<Mismatch> {
    let name = args_path
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("UTF-8 case name")
        .to_string();
    let out_path = args_path.with_extension("out");
    let mismatch = |threads, detail| Mismatch {
        name: name.clone(),
        threads,
        detail,
    };
    let args = match std::fs::read_to_string(args_path) {
        Ok(text) => parse_args(&text),
        Err(e) => return vec![mismatch("", format!("cannot read {name}.args: {e}"))],
    };
    let with_threads = |n: &str| {
        let mut a = args.clone();
        a.extend(["-j".to_string(), n.to_string()]);
        a
    };
    let runs = if matches!(
        args.first().map(String::as_str),
        Some("triage" | "top" | "export")
    ) {
        vec![("-j 1", with_threads("1")), ("-j 2", with_threads("2"))]
    } else {
        vec![("", args.clone())]
    };
    let texts: Vec<(&'static str, String)> = runs
        .into_iter()
        .map(|(label, a)| (label, golden_text(&a)))
        .collect();

    let mut found = Vec::new();
    let want = if update {
        let (label, first) = &texts[0];
        if let Err(e) = std::fs::write(&out_path, first) {
            found.push(mismatch(label, format!("cannot write {name}.out: {e}")));
        }
        first.clone()
    } else {
        match std::fs::read_to_string(&out_path) {
            Ok(t) => t,
            Err(e) => return vec![mismatch("", format!("cannot read {name}.out: {e}"))],
        }
    };
    for (label, got) in &texts {
        if *got != want {
            found.push(mismatch(label, short_diff(&want, got)));
        }
    }
    found
}

/// The arguments of a `.args` file: one a line.
fn parse_args(text: &str) -> Vec<String> {
    let text = text.strip_suffix('\n').unwrap_or(text);
    if text.is_empty() {
        return Vec::new();
    }
    text.split('\n').map(str::to_string).collect()
}

/// What a `.out` file holds for one run of `alf ARGS`.
fn golden_text(args: &[String]) -> String {
    let out = run_alf(args, None);
    // As Python's subprocess reports it: a signal is a negative code.
    let code = out
        .status
        .code()
        .or_else(|| out.status.signal().map(|s| -s))
        .expect("an exit code or a signal");
    format!(
        "exit: {code}\n--- stderr\n{}--- stdout\n{}",
        out.stderr_text(),
        normalize_stdout(&String::from_utf8_lossy(&out.stdout))
    )
}

/// Blanks what differs from run to run: in JSON the values of `wall_seconds`,
/// `mb_per_second` (both numbers) and `threads` (digits) become `0`; in a
/// table the cell of the `wall time` and `throughput` rows becomes spaces,
/// as many as it had characters.
fn normalize_stdout(s: &str) -> String {
    let s = zero_json_value(s, "\"wall_seconds\": ", is_number_char);
    let s = zero_json_value(&s, "\"mb_per_second\": ", is_number_char);
    let s = zero_json_value(&s, "\"threads\": ", |c| c.is_ascii_digit());
    // NDJSON writes the same keys without the space.
    let s = zero_json_value(&s, "\"wall_seconds\":", is_number_char);
    let s = zero_json_value(&s, "\"mb_per_second\":", is_number_char);
    let s = zero_json_value(&s, "\"threads\":", |c| c.is_ascii_digit());
    let mut out = String::with_capacity(s.len());
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&blank_table_cell(line));
    }
    out
}

fn is_number_char(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')
}

/// Replaces each run of `value` characters right after `key` with `0`.
fn zero_json_value(s: &str, key: &str, value: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find(key) {
        let after = &rest[at + key.len()..];
        let len = after.find(|c| !value(c)).unwrap_or(after.len());
        out.push_str(&rest[..at + key.len()]);
        if len == 0 {
            // Not a number: left as it is.
            rest = after;
            continue;
        }
        out.push('0');
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// `│ wall time <spaces>┆<value>│` (or `throughput`) with the value blanked.
fn blank_table_cell(line: &str) -> String {
    for label in ["│ wall time", "│ throughput"] {
        let Some(rest) = line.strip_prefix(label) else {
            continue;
        };
        let cell = rest.trim_start_matches(' ');
        if cell.len() == rest.len() {
            continue;
        }
        let Some(value) = cell.strip_prefix('┆').and_then(|v| v.strip_suffix('│')) else {
            continue;
        };
        let kept = line.len() - value.len() - '│'.len_utf8();
        return format!("{}{}│", &line[..kept], " ".repeat(value.chars().count()));
    }
    line.to_string()
}

/// The first differing lines of `want` and `got`, unified-diff style: the
/// first hunk only, with a few lines of context.
fn short_diff(want: &str, got: &str) -> String {
    let a: Vec<&str> = want.split('\n').collect();
    let b: Vec<&str> = got.split('\n').collect();
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (a_end, b_end) = resync(&a, &b, head);
    let from = head.saturating_sub(CONTEXT);
    let after = a[a_end..]
        .iter()
        .zip(&b[b_end..])
        .take_while(|(x, y)| x == y)
        .count();
    let shown_after = after.min(CONTEXT);
    let mut d = format!(
        "--- expected (.out)\n+++ actual\n@@ -{},{} +{},{} @@\n",
        from + 1,
        a_end - from + shown_after,
        from + 1,
        b_end - from + shown_after
    );
    for l in &a[from..head] {
        d.push_str(&format!(" {l}\n"));
    }
    for (sign, lines) in [('-', &a[head..a_end]), ('+', &b[head..b_end])] {
        for l in lines.iter().take(SHOWN) {
            d.push_str(&format!("{sign}{l}\n"));
        }
        if lines.len() > SHOWN {
            d.push_str(&format!("{sign}... ({} more lines)\n", lines.len() - SHOWN));
        }
    }
    for l in &a[a_end..a_end + shown_after] {
        d.push_str(&format!(" {l}\n"));
    }
    if a[a_end + after..] != b[b_end + after..] {
        d.push_str("(and more differences further on)\n");
    }
    d.truncate(d.trim_end().len());
    d
}

/// Where `a` and `b`, which differ at line `head`, agree again: the nearest
/// pair of positions (fewest lines skipped on both sides) from which two
/// lines, or all that is left, are equal. Without one within a few hundred
/// lines, the ends of the common suffix.
fn resync(a: &[&str], b: &[&str], head: usize) -> (usize, usize) {
    let agree = |i: usize, j: usize| {
        let n = (a.len() - i).min(b.len() - j).min(2);
        (n == 2 || a.len() - i == b.len() - j) && a[i..i + n] == b[j..j + n]
    };
    for skipped in 1..=400 {
        for i in head..=head + skipped {
            let j = 2 * head + skipped - i;
            if i <= a.len() && j <= b.len() && agree(i, j) {
                return (i, j);
            }
        }
    }
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    (a.len() - tail, b.len() - tail)
}

/// `.out` files without their `.args`: left over from a removed case.
fn stray_outs(dir: &Path) -> Vec<Mismatch> {
    files_under(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "out"))
        .filter(|p| !p.with_extension("args").exists())
        .map(|p| Mismatch {
            name: p.file_stem().unwrap_or_default().to_string_lossy().into(),
            threads: "",
            detail: "a .out without its .args".to_string(),
        })
        .collect()
}

/// The normalisation and the diff on made-up text: the recorded cases only
/// show the blanked values, not what they replaced.
fn self_check() {
    let json = "  \"timing\": {\n    \"wall_seconds\": 0.018,\n    \"bytes_read\": 12,\n    \
                \"mb_per_second\": 1.5e-3,\n    \"threads\": 12\n  }\n";
    assert_eq!(
        normalize_stdout(json),
        "  \"timing\": {\n    \"wall_seconds\": 0,\n    \"bytes_read\": 12,\n    \
         \"mb_per_second\": 0,\n    \"threads\": 0\n  }\n"
    );
    let table = "│ wall time        ┆ 0.012 s    │\n│ throughput ┆ 205 MB/s   │\n│ lines ┆ 9 │";
    assert_eq!(
        normalize_stdout(table),
        "│ wall time        ┆            │\n│ throughput ┆            │\n│ lines ┆ 9 │"
    );
    let d = short_diff("a\nb\nc\nd\n", "a\nb\nX\nd\n");
    assert!(d.contains(" b\n-c\n+X\n d"), "{d}");
}
