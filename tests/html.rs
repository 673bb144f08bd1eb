//! The HTML incident report in a real browser (headless Chromium): it renders,
//! its chart holds the expected series with the incidents and the onset, and
//! markup an attacker wrote into a log (a `<script>`, an `onerror=`) shows as
//! text and never runs.

use std::process::Command;

mod common;

/// A log with a CONNECT burst, and attacker markup in every field the report
/// can show: a client field that is not an address, a proxy target, a bad
/// line.
fn hostile_log() -> String {
    let mut l = String::new();
    let t = |m: u32, s: u32| format!("[24/Dec/2020:16:{m:02}:{s:02} +0000]");
    for m in 0..60 {
        for s in 0..20 {
            l += &format!(
                "198.51.100.{} - - {} \"GET /p HTTP/1.1\" 200 10 \"-\" \"Mozilla/5.0\"\n",
                s + 1,
                t(m, s)
            );
        }
        if m >= 45 {
            for s in 0..60 {
                l += &format!(
                    "136.175.9.{} - - {} \"CONNECT www.example.com:443 HTTP/1.1\" 200 247 \"-\" \"-\"\n",
                    200 + s % 12,
                    t(m, s)
                );
            }
        }
    }
    let script = "<script>document.title='pwned'</script>";
    let img = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">";
    l += &format!(
        "{script} - - {} \"GET / HTTP/1.1\" 200 10 \"-\" \"{script}\"\n",
        t(10, 0)
    );
    l += &format!(
        "203.0.113.9 - - {} \"CONNECT {}:443 HTTP/1.1\" 405 10 \"-\" \"-\"\n",
        t(11, 0),
        img.replace('"', "")
    );
    l += &format!("garbage line {img} {script}\n");
    l
}

/// Chromium's DOM of `html`, or `None` (after a skip) without Chromium.
fn dom(html: &std::path::Path, dir: &std::path::Path) -> Option<String> {
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| common::have_tool(b));
    let Some(browser) = browser else {
        common::skip("no Chromium (apt-get install chromium)");
        return None;
    };
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn the_report_renders_and_log_markup_never_runs() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access_log");
    std::fs::write(&log, hostile_log()).unwrap();
    let out = common::run_alf(&["triage", "-o", "html", log.to_str().unwrap()], None);
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    let html = String::from_utf8(out.stdout).unwrap();
    // Nothing in it reaches out or runs.
    for banned in ["<script", "onerror=\"", "http://", "https://", "src=\""] {
        assert!(!html.contains(banned), "{banned} in the page");
    }
    assert!(html.contains("Content-Security-Policy"));
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    let Some(dom) = dom(&page, dir.path()) else {
        return;
    };
    assert!(
        dom.contains("<title>alf incident report</title>"),
        "the title is untouched"
    );
    let body = &dom[dom.find("<body").unwrap()..];
    let body_tag = &body[..body.find('>').unwrap()];
    assert!(
        !body_tag.contains("data-pwned"),
        "an onerror handler ran: {body_tag}"
    );
    assert!(!dom.contains("<img"), "no element was made from log text");
    assert!(!dom.contains("pwned</title>"));
    // The markup is there, as text.
    assert!(
        dom.contains("&lt;script&gt;document.title="),
        "shown as text"
    );
    // The chart: a row per series, the incident shaded, the onset marked.
    for series in ["all", "5xx", "proxy"] {
        assert!(
            dom.contains(&format!("data-series=\"{series}\"")),
            "{series}"
        );
    }
    assert!(dom.contains("class=\"incident\""));
    assert!(dom.contains("class=\"onset\""));
    assert!(dom.contains("136.175.9.0/24"), "the incident's network");
    // The sections a reader looks for.
    for h in [
        "Onset",
        "Timeline",
        "Incidents",
        "Offenders",
        "Suggested blocks",
        "Proxy targets",
    ] {
        assert!(dom.contains(&format!("<h2>{h}</h2>")), "{h}");
    }
}
