//! Which parsed records a report covers: `--since`, `--until`, `--client`,
//! `--vhost`, `--class`. A record left out is counted as *filtered*, so the
//! line identity still holds.

use ipnet::IpNet;

use crate::classify::ClassSet;
use crate::record::{Client, Record};

/// Conditions a record must meet; empty accepts everything.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Epoch seconds, inclusive.
    pub since: Option<i64>,
    /// Epoch seconds, exclusive.
    pub until: Option<i64>,
    pub clients: Vec<IpNet>,
    /// Lowercase vhost names.
    pub vhosts: Vec<Vec<u8>>,
    /// Lines showing any of these per-line classes; empty: any line.
    pub classes: ClassSet,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.since.is_none()
            && self.until.is_none()
            && self.clients.is_empty()
            && self.vhosts.is_empty()
            && self.classes.is_empty()
    }

    /// The filters as options: `--since 2021-01-01T00:00:00Z, --client 10.0.0.0/8`.
    pub fn describe(&self) -> String {
        use crate::format::time::format_utc;
        let mut parts: Vec<String> = Vec::new();
        parts.extend(self.since.map(|t| format!("--since {}", format_utc(t))));
        parts.extend(self.until.map(|t| format!("--until {}", format_utc(t))));
        parts.extend(self.clients.iter().map(|c| format!("--client {c}")));
        parts.extend(
            self.vhosts
                .iter()
                .map(|v| format!("--vhost {}", crate::escape::escape(v))),
        );
        parts.extend(
            crate::classify::ClassId::ALL
                .iter()
                .filter(|c| self.classes.contains(**c))
                .map(|c| format!("--class {}", c.id())),
        );
        parts.join(", ")
    }

    /// Whether `--class` asks for the classifier's verdict on every line.
    pub fn has_classes(&self) -> bool {
        !self.classes.is_empty()
    }

    /// True when a line showing `classes` passes `--class`.
    pub fn accepts_classes(&self, classes: ClassSet) -> bool {
        self.classes.is_empty() || self.classes.intersects(classes)
    }

    /// True when `rec` is in, `--class` aside. A record without a timestamp is out of any time
    /// window; a client that is not an address is out of any `--client` range.
    pub fn accepts(&self, rec: &Record) -> bool {
        if self.since.is_some() || self.until.is_some() {
            let Some(t) = rec.ts else { return false };
            if self.since.is_some_and(|s| t < s) || self.until.is_some_and(|u| t >= u) {
                return false;
            }
        }
        if !self.clients.is_empty() {
            let Client::Ip(ip) = rec.client else {
                return false;
            };
            if !self.clients.iter().any(|c| crate::net::contains(c, ip)) {
                return false;
            }
        }
        self.vhosts.is_empty()
            || self
                .vhosts
                .iter()
                .any(|v| v.eq_ignore_ascii_case(rec.vhost))
    }
}

/// A point in time for `--since`/`--until`: RFC 3339 (`2020-12-24T16:09:00Z`,
/// `...+09:00`), `2020-12-24 16:09:00` or `2020-12-24` (UTC), or a duration
/// before `now` (`90s`, `30m`, `2h`, `7d`).
pub fn parse_time(s: &str, now: i64) -> Result<i64, String> {
    let s = s.trim();
    if let Ok(d) = crate::format::time::parse_duration(s) {
        return Ok(now - d);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp());
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Ok(t.and_utc().timestamp());
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            .timestamp());
    }
    Err(format!("`{s}` is not a time (2020-12-24T16:09:00Z, 2020-12-24 16:09:00, 2020-12-24) or a duration (2h)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("2020-12-24T16:09:00Z", 0), Ok(1608826140));
        assert_eq!(parse_time("2020-12-25T01:09:00+09:00", 0), Ok(1608826140));
        assert_eq!(parse_time("2020-12-24 16:09:00", 0), Ok(1608826140));
        assert_eq!(parse_time("2020-12-24", 0), Ok(1608768000));
        assert_eq!(parse_time("2h", 10_000), Ok(2800));
        assert!(parse_time("yesterday", 0).is_err());
    }

    #[test]
    fn accepts() {
        let mut r = Record {
            ts: Some(100),
            vhost: b"Example.org",
            ..Record::default()
        };
        r.client = Client::Ip("203.0.113.7".parse().unwrap());
        let f = Filter {
            since: Some(100),
            until: Some(101),
            ..Filter::default()
        };
        assert!(f.accepts(&r));
        assert!(!Filter {
            until: Some(100),
            ..Filter::default()
        }
        .accepts(&r));
        let f = Filter {
            clients: vec![crate::net::parse_net("203.0.113.0/24").unwrap()],
            ..Filter::default()
        };
        assert!(f.accepts(&r));
        let f = Filter {
            clients: vec![crate::net::parse_net("198.51.100.0/24").unwrap()],
            ..Filter::default()
        };
        assert!(!f.accepts(&r));
        let f = Filter {
            vhosts: vec![b"example.org".to_vec()],
            ..Filter::default()
        };
        assert!(f.accepts(&r));
        r.ts = None;
        assert!(!Filter {
            since: Some(0),
            ..Filter::default()
        }
        .accepts(&r));
    }
}
