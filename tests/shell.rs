//! alf at the shell: completions that the shells load, typos that fail
//! before reading, cron's exit code and quiet mode, and colour, widths and
//! timing only on a terminal (a pseudo-terminal from `script`).

mod common;

use common::{alf_bin, require_tool, root, run_alf, sh};
use std::process::Command;

const INCIDENT: &str = "testdata/incident/access_log";
const EXPLOITS: &str = "testdata/access/apache-combined/farmfreshsoftware.com_combined.access.log";

#[test]
fn completions_load_in_each_shell() {
    for (shell, check) in [
        // Loads the script and asks bash what completes `alf`.
        ("bash", "source /dev/stdin && complete -p alf"),
        ("zsh", "zsh -n /dev/stdin && echo loaded"),
        ("fish", "fish --no-execute /dev/stdin && echo loaded"),
    ] {
        let out = run_alf(&["completions", shell], None);
        assert_eq!(out.code(), Some(0), "{shell}: {}", out.stderr_text());
        let text = String::from_utf8(out.stdout).unwrap();
        for word in ["triage", "rules", "fail-on", "geoip"] {
            assert!(text.contains(word), "{shell} completions lack {word}");
        }
        if !require_tool(shell) {
            continue;
        }
        let mut child = Command::new("bash")
            .arg("-c")
            .arg(check)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let done = child.wait_with_output().unwrap();
        let said = String::from_utf8_lossy(&done.stdout);
        assert!(
            done.status.success() && (said.contains("alf") || said.contains("loaded")),
            "{shell} did not load the completions: {}{}",
            said,
            String::from_utf8_lossy(&done.stderr)
        );
    }
}

#[test]
fn man_writes_a_page_per_command() {
    let dir = std::env::temp_dir().join(format!("alf-man-{}", std::process::id()));
    let out = run_alf(&["man", "--dir", dir.to_str().unwrap()], None);
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    for page in [
        "alf.1",
        "alf-triage.1",
        "alf-top.1",
        "alf-rules.1",
        "alf-explain.1",
    ] {
        let text = std::fs::read_to_string(dir.join(page)).unwrap();
        assert!(text.starts_with(".ie") || text.contains(".TH"), "{page}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn near_misses_fail_before_reading() {
    for (args, hint) in [
        (vec!["tirage", INCIDENT], "alf triage"),
        (vec!["top", "pth", INCIDENT], "alf top --by path"),
        (vec!["ruels", INCIDENT], "alf rules"),
    ] {
        let out = run_alf(&args, None);
        assert_eq!(out.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?} printed a report");
        assert!(
            out.stderr_text().contains(hint),
            "{args:?}: {}",
            out.stderr_text()
        );
    }
    // An option by another name points at alf's own.
    let out = run_alf(&["--ip", "1.2.3.4", INCIDENT], None);
    assert_eq!(out.code(), Some(2));
    assert!(
        out.stderr_text().contains("--client"),
        "{}",
        out.stderr_text()
    );
    // A real file with such a name is read.
    let dir = std::env::temp_dir().join(format!("alf-typo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(root().join(INCIDENT), dir.join("tirage")).unwrap();
    let out = Command::new(alf_bin())
        .args(["-o", "json", "tirage"])
        .current_dir(&dir)
        .env("ALF_GEOIP", "none")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn fail_on_gives_exit_six_only_when_crossed() {
    let exploit = run_alf(&["--fail-on", "exploit", "-o", "json", EXPLOITS], None);
    assert_eq!(exploit.code(), Some(6), "{}", exploit.stderr_text());
    // The report is still written whole.
    let v = exploit.json("fail-on");
    assert!(v["offenders"].as_array().is_some_and(|o| !o.is_empty()));
    // The incident log has proxy offenders but no exploit.
    let none = run_alf(&["--fail-on", "exploit", INCIDENT], None);
    assert_eq!(none.code(), Some(0), "{}", none.stderr_text());
    let proxy = run_alf(&["--fail-on", "proxy", INCIDENT], None);
    assert_eq!(proxy.code(), Some(6));
    // The score line: the top offender's score crosses it, one above does not.
    let top = v["offenders"][0]["score"].as_f64().unwrap();
    let at = run_alf(&["--fail-on-score", &top.to_string(), EXPLOITS], None);
    assert_eq!(at.code(), Some(6));
    let above = run_alf(
        &["--fail-on-score", &(top + 1.0).to_string(), EXPLOITS],
        None,
    );
    assert_eq!(above.code(), Some(0));
    let bad = run_alf(&["--fail-on", "nonsense", INCIDENT], None);
    assert_eq!(bad.code(), Some(2));
}

#[test]
fn quiet_keeps_errors_and_drops_warnings() {
    let loud = run_alf(&[INCIDENT], None);
    assert!(
        loud.stderr_text().contains("warning"),
        "{}",
        loud.stderr_text()
    );
    let quiet = run_alf(&["-q", INCIDENT], None);
    assert_eq!(quiet.stdout, loud.stdout);
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr_text());
    let missing = run_alf(&["-q", INCIDENT, "no-such-file.log"], None);
    assert_eq!(missing.code(), Some(1));
    assert!(missing.stderr_text().contains("no-such-file.log"));
}

/// Runs alf under a pseudo-terminal, `COLUMNS` wide.
fn on_terminal(args: &str, columns: u16) -> Option<String> {
    if !require_tool("script") {
        return None;
    }
    let cmd = format!("{} {args}", alf_bin());
    let out = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(root())
        .env("COLUMNS", columns.to_string())
        .env("ALF_GEOIP", "none")
        .env_remove("NO_COLOR")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    Some(String::from_utf8_lossy(&out.stdout).replace('\r', ""))
}

#[test]
fn colour_width_and_timing_only_on_a_terminal() {
    let piped = run_alf(&[EXPLOITS], None);
    let text = String::from_utf8(piped.stdout).unwrap();
    assert!(!text.contains('\x1b'), "colour in a pipe");
    assert!(
        !text.contains("wall time"),
        "timing in a pipe makes output differ run to run"
    );
    let forced = run_alf(&["--color", "always", EXPLOITS], None);
    assert!(String::from_utf8_lossy(&forced.stdout).contains("\x1b["));

    let Some(tty) = on_terminal(EXPLOITS, 100) else {
        return;
    };
    assert!(tty.contains("\x1b["), "no colour on a terminal");
    assert!(tty.contains("wall time"));
    // Free text is cut to the width; addresses and times never are.
    let plain = on_terminal(&format!("--color never {EXPLOITS}"), 100).unwrap();
    assert!(plain.contains('…'), "nothing was cut at 100 columns");
    let clients = sh(
        r#"awk '{print $1}' "$1" | sort -u"#,
        &[root().join(EXPLOITS)],
    );
    for line in plain.lines().filter(|l| l.starts_with('│')) {
        let first = line.split('┆').next().unwrap().trim_matches(['│', ' ']);
        assert!(
            !(first.ends_with('…') && first.chars().next().is_some_and(|c| c.is_ascii_digit())),
            "an address was cut: {line}"
        );
    }
    for c in String::from_utf8(clients).unwrap().lines().take(5) {
        assert!(
            plain.contains(c) || !text.contains(c),
            "{c} lost on the terminal"
        );
    }
    let wide = plain
        .lines()
        .filter(|l| l.contains("signature") || l.contains("PHPUnit"))
        .map(|l| l.chars().count())
        .max()
        .unwrap();
    assert!(
        wide <= 100,
        "the signature table is {wide} wide at 100 columns"
    );
    // At 80 columns every table fits: columns that do not are left out, and
    // the report says which.
    let narrow = on_terminal(&format!("--color never {EXPLOITS}"), 80).unwrap();
    for line in narrow
        .lines()
        .filter(|l| l.starts_with(['│', '┌', '└', '╞']))
    {
        assert!(line.chars().count() <= 80, "wider than 80: {line}");
    }
    assert!(
        narrow.contains("left out to fit 80 columns: share, last seen"),
        "{narrow}"
    );
    assert!(narrow.contains("47.121.131.145"));
}

#[test]
fn bare_alf_on_a_terminal_says_where_it_reads() {
    if !require_tool("script") {
        return;
    }
    let said = Command::new("script")
        .args(["-qec", &format!("timeout 2 {}", alf_bin()), "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&said.stdout);
    assert!(text.contains("standard input"), "{text}");
    // In a pipe, nothing is said: the pipe is the input.
    let piped = run_alf::<&str>(&[], Some(b""));
    assert!(!piped.stderr_text().contains("standard input"));
}

#[test]
fn progress_only_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("big.log");
    let line = std::fs::read(root().join(INCIDENT)).unwrap();
    std::fs::write(&log, line.repeat(20_000)).unwrap();
    let log = log.to_str().unwrap();
    // In a pipe (stderr captured), never, even with no delay.
    let piped = Command::new(alf_bin())
        .arg(log)
        .env("ALF_PROGRESS_DELAY_MS", "0")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&piped.stderr);
    assert!(!said.contains("B/s"), "progress in a pipe: {said}");
    if !require_tool("script") {
        return;
    }
    let under_pty = |cmd: String| {
        let out = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env("ALF_PROGRESS_DELAY_MS", "0")
            .env("ALF_GEOIP", "none")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // A mapped file: its size is known, so the line has an ETA.
    let mapped = under_pty(format!("{} {log} >/dev/null", alf_bin()));
    assert!(mapped.contains("B/s") && mapped.contains("ETA"), "{mapped}");
    // A pipe into alf, and a compressed file: bytes and rate.
    let stdin = under_pty(format!("cat {log} | {} - >/dev/null", alf_bin()));
    assert!(stdin.contains("read, "), "{stdin}");
    // --quiet: none.
    let quiet = under_pty(format!("{} -q {log} >/dev/null", alf_bin()));
    assert!(!quiet.contains("B/s"), "{quiet}");
}

/// A reader that stops early (`| head`) ends alf quietly in every output.
#[test]
fn a_closed_pipe_is_no_error_in_any_output() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("many.log");
    let mut data = String::new();
    for i in 0..20_000u32 {
        data += &format!(
            "{} - - [24/Dec/2020:18:58:33 +0000] \"GET /.env HTTP/1.1\" 404 5 \"-\" \"ua\"\n",
            common::public_v4(i)
        );
    }
    std::fs::write(&log, data).unwrap();
    for args in [
        vec!["triage", "-n", "0", "-o", "json"],
        vec!["triage", "-n", "0", "-o", "ndjson"],
        vec!["triage", "-n", "0", "-o", "csv"],
        vec!["triage", "-n", "0", "-o", "markdown"],
        vec!["triage", "-n", "0", "-o", "html"],
        vec!["triage", "-n", "0"],
        vec!["top", "-n", "0"],
        vec!["rules", "--target", "plain"],
    ] {
        let mut child = Command::new(alf_bin())
            .args(&args)
            .arg(&log)
            .env("ALF_GEOIP", "none")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut head = [0u8; 10];
        child.stdout.take().unwrap().read_exact(&mut head).unwrap();
        // The pipe is closed here, with most of the output unwritten.
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!said.contains("writing the report"), "{args:?}: {said}");
    }
}
