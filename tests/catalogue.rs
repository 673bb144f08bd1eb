//! The signature catalogue (`signatures/*.toml`): every entry's samples run
//! through the classifier (each `must_match` value hits the entry, each
//! `must_not_match` value does not), and every signature id alf ever shipped
//! still exists and is explained by `alf explain`.

mod common;

use alf::classify::signatures::{Field, Signature, TABLES};
use alf::classify::{ClassId, Classifier};
use alf::record::Record;
use common::run_alf;

/// The ids of the catalogue before it became data (all 55 of them).
const OLD_IDS: &[&str] = &[
    "cve-2020-5902",
    "cve-2021-44228",
    "cve-2022-26134",
    "cve-2014-6271",
    "cve-2021-41773",
    "cve-2021-42013",
    "cve-2017-9841",
    "cve-2018-13379",
    "cve-2019-11510",
    "cve-2021-26086",
    "cve-2022-22954",
    "cve-2022-22965",
    "cve-2018-20062",
    "cve-2022-46169",
    "netgear-setup-cgi",
    "code-red",
    "nimda",
    "cve-2000-0884",
    "cve-2001-0333",
    "env-file",
    "git-exposure",
    "wp-config",
    "sensitive-file",
    "lfi-probe",
    "path-traversal",
    "sqli",
    "xss",
    "zgrab",
    "masscan",
    "nmap",
    "nikto",
    "sqlmap",
    "nuclei",
    "wpscan",
    "dirbuster",
    "gobuster",
    "ffuf",
    "feroxbuster",
    "wfuzz",
    "censys",
    "leakix",
    "xpanse",
    "acunetix",
    "openvas",
    "nessus",
    "zmeu",
    "dfind",
    "wp-login",
    "xmlrpc",
    "login-form",
    "joomla-admin",
    "tls-handshake",
    "ssh-banner",
    "rdp-handshake",
    "smb-negotiate",
];

/// The ids `sample`, put in the signature's field, hits.
fn hits(c: &Classifier, class: ClassId, s: &Signature, sample: &[u8]) -> Vec<&'static str> {
    let method: &[u8] = if class == ClassId::Bruteforce {
        b"POST"
    } else {
        b"GET"
    };
    let mut rec = Record {
        method,
        target: b"/",
        status: Some(404),
        ..Record::default()
    };
    match s.field {
        Field::Target | Field::Any => rec.target = sample,
        Field::UserAgent => rec.user_agent = sample,
        Field::Referer => rec.referer = sample,
        Field::Request => {
            rec.request = sample;
            rec.method = sample.split(|&b| b == b' ').next().unwrap_or_default();
            rec.target = b"";
        }
    }
    c.classify(&rec, &mut Vec::new())
        .signatures()
        .map(|(_, s)| s.id)
        .collect()
}

#[test]
fn every_sample_matches_as_written() {
    let c = Classifier::new();
    let mut wrong = Vec::new();
    let mut n = 0;
    for (class, table) in TABLES {
        for s in *table {
            for m in s.must_match {
                n += 1;
                if !hits(&c, *class, s, m).contains(&s.id) {
                    wrong.push(format!(
                        "{} ({}): misses {:?}",
                        s.id,
                        s.family,
                        String::from_utf8_lossy(m)
                    ));
                }
            }
            for m in s.must_not_match {
                n += 1;
                if hits(&c, *class, s, m).contains(&s.id) {
                    wrong.push(format!(
                        "{} ({}): hits {:?}",
                        s.id,
                        s.family,
                        String::from_utf8_lossy(m)
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {n} samples:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn every_old_id_is_still_explained() {
    for id in OLD_IDS {
        let out = run_alf(&["explain", id], None);
        assert_eq!(
            out.code(),
            Some(0),
            "alf explain {id}: {}",
            out.stderr_text()
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.starts_with(&format!("{id} — ")),
            "alf explain {id}:\n{text}"
        );
        assert!(
            text.contains("catalogue: signatures/"),
            "alf explain {id}:\n{text}"
        );
    }
}

#[test]
fn names_and_cves_resolve() {
    for (q, id) in [
        ("log4shell", "cve-2021-44228"),
        ("CVE-2021-44228", "cve-2021-44228"),
        ("Spring4Shell", "cve-2022-22965"),
    ] {
        let out = run_alf(&["explain", q], None);
        assert_eq!(out.code(), Some(0), "{q}");
        assert!(
            String::from_utf8_lossy(&out.stdout).starts_with(&format!("{id} — ")),
            "{q}"
        );
    }
    let out = run_alf(&["explain", "path traversal"], None);
    assert_eq!(out.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("signatures match") && text.contains("path-traversal"),
        "{text}"
    );
    let out = run_alf(&["explain", "log5hell"], None);
    assert_eq!(out.code(), Some(2));
    assert!(
        out.stderr_text().contains("cve-2021-44228"),
        "{}",
        out.stderr_text()
    );
}
