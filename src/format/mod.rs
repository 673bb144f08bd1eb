//! Log formats: the presets, user format strings, and auto-detection.
//!
//! Every access-log preset is a plain format string fed to the same compiler a
//! user's `--log-format` goes through; error logs have their own parsers.

pub mod compile;
pub mod detect;
pub mod error_log;
pub mod syslog;
pub mod time;

pub use compile::{AccessFormat, Dialect, Reason};

use crate::record::Record;

/// What a line turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parsed {
    Ok,
    /// Parsed, but the client cannot be told apart from text the client wrote.
    Ambiguous,
}

/// A compiled format, ready to parse lines.
#[derive(Clone, Debug)]
pub enum Format {
    Access(AccessFormat),
    ApacheError,
    NginxError,
    /// Lines behind a syslog prefix of one kind, read with the format
    /// beneath; a line without that prefix does not parse.
    Syslog(syslog::Kind, Box<Format>),
}

impl Format {
    #[inline]
    pub fn parse<'a>(&self, line: &'a [u8], rec: &mut Record<'a>) -> Result<Parsed, Reason> {
        self.parse_clean(line, rec).map(|(p, _)| p)
    }

    /// As [`Format::parse`], also telling whether the line is *clean*: read
    /// by the straight reading of a `combined` line, with no `"` inside its
    /// quoted fields, so that it cannot be another format's line taken apart
    /// (what the scan otherwise checks, at the cost of a search of each).
    #[inline]
    pub fn parse_clean<'a>(
        &self,
        line: &'a [u8],
        rec: &mut Record<'a>,
    ) -> Result<(Parsed, bool), Reason> {
        match self {
            Format::Access(f) => f.read(line, rec),
            _ => self.parse_measured(line, rec).map(|(p, _)| (p, false)),
        }
    }

    /// As [`Format::parse`], also counting raw quotes absorbed by quoted fields.
    pub fn parse_measured<'a>(
        &self,
        line: &'a [u8],
        rec: &mut Record<'a>,
    ) -> Result<(Parsed, u32), Reason> {
        match self {
            Format::Access(f) => f.parse_measured(line, rec).map(|s| (Parsed::Ok, s)),
            Format::ApacheError => error_log::parse_apache(line, rec).map(|_| (Parsed::Ok, 0)),
            Format::NginxError => error_log::parse_nginx(line, rec)
                .map(|amb| (if amb { Parsed::Ambiguous } else { Parsed::Ok }, 0)),
            Format::Syslog(kind, inner) => {
                let (host, rest) = kind.strip(line).ok_or(Reason::Shape)?;
                let r = inner.parse_measured(rest, rec)?;
                rec.host = host;
                Ok(r)
            }
        }
    }

    /// A line cut at its end may still parse, with a wrong figure (see
    /// [`AccessFormat::ends_in_open_figure`]). Error logs end in their
    /// message, after every figure.
    pub fn ends_in_open_figure(&self) -> bool {
        match self.beneath() {
            Format::Access(f) => f.ends_in_open_figure(),
            _ => false,
        }
    }

    pub fn is_error_log(&self) -> bool {
        !matches!(self.beneath(), Format::Access(_))
    }

    /// The format of the lines themselves, beneath any syslog prefix.
    pub fn beneath(&self) -> &Format {
        match self {
            Format::Syslog(_, inner) => inner,
            f => f,
        }
    }
}

/// A named preset, as `alf formats` lists it.
pub struct Preset {
    pub name: &'static str,
    pub kind: PresetKind,
    pub definition: &'static str,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PresetKind {
    Apache,
    Nginx,
    ApacheError,
    NginxError,
}

impl PresetKind {
    pub fn label(self) -> &'static str {
        match self {
            PresetKind::Apache => "apache",
            PresetKind::Nginx => "nginx",
            PresetKind::ApacheError => "apache error log",
            PresetKind::NginxError => "nginx error log",
        }
    }
}

/// Presets in detection order: when two parse a sample equally well, the first wins.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "combined",
        kind: PresetKind::Apache,
        definition: r#"%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i""#,
    },
    Preset { name: "common", kind: PresetKind::Apache, definition: r#"%h %l %u %t "%r" %>s %b"# },
    Preset {
        name: "vhost_combined",
        kind: PresetKind::Apache,
        definition: r#"%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i""#,
    },
    Preset {
        name: "combinedio",
        kind: PresetKind::Apache,
        definition: r#"%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %I %O"#,
    },
    Preset {
        name: "nginx",
        kind: PresetKind::Nginx,
        definition: r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#,
    },
    Preset {
        name: "nginx_main",
        kind: PresetKind::Nginx,
        definition: r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for""#,
    },
    Preset {
        name: "nginx_vhost",
        kind: PresetKind::Nginx,
        definition: r#"$host $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#,
    },
    Preset {
        name: "nginx_vhost_main",
        kind: PresetKind::Nginx,
        definition: r#"$host $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for""#,
    },
    Preset {
        name: "apache_error",
        kind: PresetKind::ApacheError,
        definition: "[%{u}t] [%-m:%l] [pid %P:tid %T] %7F: %E: [client %a] %M  (also 2.2/2.0/1.3: [%t] [%l] [client %a] %M)",
    },
    Preset {
        name: "nginx_error",
        kind: PresetKind::NginxError,
        definition: "YYYY/MM/DD HH:MM:SS [level] pid#tid: *cid message, client: A, server: S, request: \"R\", ...",
    },
];

/// Compiles a preset by name.
pub fn preset(name: &str) -> Result<Format, crate::error::FormatError> {
    let p = PRESETS
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| crate::error::FormatError::UnknownPreset(name.to_string()))?;
    Ok(match p.kind {
        PresetKind::Apache => Format::Access(AccessFormat::compile(p.definition, Dialect::Apache)?),
        PresetKind::Nginx => Format::Access(AccessFormat::compile(p.definition, Dialect::Nginx)?),
        PresetKind::ApacheError => Format::ApacheError,
        PresetKind::NginxError => Format::NginxError,
    })
}

/// Lines looked at to pick a format, in one batch.
pub const SAMPLE_LINES: usize = 200;
/// Lines looked at in all, batch after batch, while none parses: a log may
/// start with garbage, or hold one good line in a thousand.
pub const DETECT_MAX_LINES: usize = 20_000;
/// Longer lines are not looked at: no preset needs one to be recognised, and
/// an attacker's megabyte line must not make detection slow.
pub const DETECT_MAX_LINE: usize = 64 << 10;

/// Picks the preset that parses most of the sample's non-empty lines, preferring
/// the one that needed fewest raw quotes inside quoted fields, then list order.
/// Lines are read in batches of [`SAMPLE_LINES`]; the next batch is read only
/// while no preset has parsed a line. Returns `None` when no preset parses a
/// single line of the first [`DETECT_MAX_LINES`] (lines longer than
/// [`DETECT_MAX_LINE`] aside).
pub fn detect(sample: &[u8]) -> Option<(String, Format)> {
    let lines = sample_lines(sample);
    // Per reading (every preset as written, then beneath each syslog
    // prefix): lines parsed, and the raw quotes they needed.
    let mut scores: Vec<(usize, u32, String, Format)> = candidates(
        PRESETS
            .iter()
            .map(|p| (p.name.to_string(), preset(p.name).expect("presets compile"))),
    );
    for batch in lines.chunks(SAMPLE_LINES) {
        let prefixed: Vec<bool> = batch.iter().map(|l| syslog::has_prefix(l)).collect();
        for (ok, sloppy, _, f) in &mut scores {
            for (l, &p) in batch.iter().zip(&prefixed) {
                // A line with a syslog prefix is never read as written: a
                // loose format would take the syslog time or host for fields.
                if p && !matches!(f, Format::Syslog(..)) {
                    continue;
                }
                let mut rec = Record::default();
                if let Ok((_, s)) = f.parse_measured(l, &mut rec) {
                    *ok += 1;
                    *sloppy += s;
                }
            }
        }
        if scores.iter().any(|s| s.0 > 0) {
            break;
        }
    }
    let mut best: Option<(usize, u32, String, Format)> = None;
    for (ok, sloppy, name, f) in scores {
        let better = match &best {
            None => ok > 0,
            Some((bo, bs, _, _)) => ok > *bo || (ok == *bo && sloppy < *bs),
        };
        if better {
            best = Some((ok, sloppy, name, f));
        }
    }
    best.map(|(_, _, name, f)| (name, f))
}

/// Each format as written, then each beneath each syslog prefix kind, named
/// `NAME (syslog KIND)`.
pub fn candidates(
    formats: impl Iterator<Item = (String, Format)> + Clone,
) -> Vec<(usize, u32, String, Format)> {
    let mut v: Vec<(usize, u32, String, Format)> =
        formats.clone().map(|(n, f)| (0, 0, n, f)).collect();
    for kind in syslog::Kind::ALL {
        v.extend(formats.clone().map(|(n, f)| {
            (
                0,
                0,
                format!("{n} (syslog {})", kind.label()),
                Format::Syslog(kind, Box::new(f)),
            )
        }));
    }
    v
}

/// How many of the sample's lines each of `formats` parses, batch after
/// batch as [`detect`] reads them: the counts of the first batch in which
/// any of them parses a line (all zero if none does). A line with a syslog
/// prefix counts only for a syslog reading.
pub fn fit(sample: &[u8], formats: &[&Format]) -> Vec<usize> {
    let lines = sample_lines(sample);
    let mut counts = vec![0; formats.len()];
    for batch in lines.chunks(SAMPLE_LINES) {
        let prefixed: Vec<bool> = batch.iter().map(|l| syslog::has_prefix(l)).collect();
        for (n, f) in counts.iter_mut().zip(formats) {
            let wrapped = matches!(f, Format::Syslog(..));
            *n = batch
                .iter()
                .zip(&prefixed)
                .filter(|(l, &p)| (wrapped || !p) && f.parse(l, &mut Record::default()).is_ok())
                .count();
        }
        if counts.iter().any(|&n| n > 0) {
            break;
        }
    }
    counts
}

/// The lines of a sample that detection looks at: non-empty once line ends
/// and a leading NUL hole are cut, not over [`DETECT_MAX_LINE`], at most
/// [`DETECT_MAX_LINES`].
fn sample_lines(sample: &[u8]) -> Vec<&[u8]> {
    sample
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .map(|l| &l[l.iter().take_while(|&&b| b == 0).count()..])
        .filter(|l| !l.is_empty() && l.len() <= DETECT_MAX_LINE)
        .take(DETECT_MAX_LINES)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_compiles() {
        for p in PRESETS {
            assert!(preset(p.name).is_ok(), "{}", p.name);
        }
        assert!(preset("nope").is_err());
    }

    #[test]
    fn detects_each_kind() {
        let cases: &[(&str, &str)] = &[
            ("combined", "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1 \"-\" \"ua\"\n"),
            ("common", "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 -\n"),
            ("vhost_combined", "a.b:80 1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1 \"-\" \"ua\"\n"),
            ("combinedio", "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1 \"-\" \"ua\" 100 200\n"),
            ("nginx_main", "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1 \"-\" \"ua\" \"-\"\n"),
            ("nginx_vhost", "a.b 1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1 \"-\" \"ua\"\n"),
            ("nginx_vhost_main", "a.b 1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1 \"-\" \"ua\" \"-\"\n"),
            ("apache_error", "[Sat Jun 01 02:17:42 2013] [error] [client 203.0.113.7] File does not exist: /x\n"),
            ("nginx_error", "2025/12/18 10:00:00 [error] 1#1: *5 x, client: 1.2.3.4, server: s\n"),
        ];
        for (want, sample) in cases {
            let (name, _) =
                detect(sample.as_bytes()).unwrap_or_else(|| panic!("{want}: nothing detected"));
            assert_eq!(name, *want);
        }
        assert!(detect(b"hello world\nfoo\n").is_none());
        // Past a first batch of garbage, and past a line too long to look at.
        let good =
            "10.0.0.1 - - [10/Oct/2023:13:55:36 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"ua\"\n";
        let mut s = "junk\n".repeat(SAMPLE_LINES * 3);
        s.push_str(&"y".repeat(DETECT_MAX_LINE + 1));
        s.push('\n');
        s.push_str(good);
        assert_eq!(
            detect(s.as_bytes()).map(|(n, _)| n).as_deref(),
            Some("combined")
        );
        // Not past the last line looked at.
        let far = "junk\n".repeat(DETECT_MAX_LINES) + good;
        assert!(detect(far.as_bytes()).is_none());
    }
}
