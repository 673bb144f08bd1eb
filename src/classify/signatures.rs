//! Signatures as data: one table per class, each entry a named set of fixed
//! strings and the field they are looked for in.
//!
//! The entries live in `signatures/*.toml`, one file per family, listed in
//! priority order in `signatures/families.txt`; `build.rs` checks them and
//! writes the tables included here, so adding a signature is a data change.
//! Nothing here is code that runs per line. [`crate::classify::Classifier`]
//! compiles the unanchored patterns once into one Aho-Corasick automaton per
//! field (`MatchKind::LeftmostFirst`, patterns added longest first, so the
//! longest pattern wins among those starting at the same byte), and looks for
//! them in an ASCII-lowercased copy of the field. Hence every pattern here is
//! lowercase ASCII; a unit test checks it. The patterns of a signature with a
//! [`Confirm`] step are openers, looked for with `memchr` outside the
//! automaton (a two-byte pattern such as `${` would cost the automaton's SIMD
//! prefilter most of its speed); the anchored handshake patterns are compared
//! with the start of the request line.
//!
//! How the request target is searched: the lowercased target as written, then,
//! when it holds a `%` or a `+`, a copy percent-decoded exactly once (`%xx` →
//! the byte, `+` → space, a `%` not followed by two hex digits kept as is).
//! So `%2e%2e%2f` is found as `../` in the decoded copy, while the encodings
//! that *are* the signature (`.%2e/`, `%%32%65`, `..%255c`) are found in the
//! copy as written, and a double encoding (`%252e%252e`) shows as the single
//! encoding (`%2e%2e`) after the one decoding. Decoding is linear and never
//! longer than the target; the Referer gets the same treatment, the User-Agent
//! is searched as written (lowercased).
//!
//! Log4Shell is the one signature that needs more than fixed strings: its
//! patterns (`${`, and `%24%7b` for a double-encoded target or Referer, which
//! is looked for only in a field that was decoded) only open a candidate, which
//! [`Confirm::Log4jLookup`] confirms by reading the lookup with its
//! obfuscation removed (`${lower:j}`, `${upper:j}`, `${::-j}`,
//! `${env:X:-j}`, nesting, `%24`/`%7b`/`%7d`/`%3a` spelled encoded) and
//! requiring that it spells `jndi:`. Every obfuscation in the wild relies on
//! log4j's own lookup syntax, so undoing that syntax catches the family without
//! one pattern per spelling, and a `${...}` that is not a JNDI lookup
//! (Confluence's OGNL, a template left unrendered) does not match.

use super::registry::ClassId;

/// Which part of a record a signature is looked for in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// The request target (path and query); the raw request line when the
    /// format logs no separate target (a method-only request line).
    Target,
    UserAgent,
    Referer,
    /// The raw request line (or the method), matched at its start only.
    Request,
    /// Target, User-Agent and Referer.
    Any,
}

impl Field {
    /// Whether a signature with this field is looked for in `f`.
    pub fn covers(self, f: Field) -> bool {
        self == f
            || (self == Field::Any
                && matches!(f, Field::Target | Field::UserAgent | Field::Referer))
    }
}

/// A check a candidate hit must pass before it counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirm {
    /// The fixed string is enough.
    None,
    /// The hit opens a log4j lookup that, deobfuscated, spells `jndi:`.
    Log4jLookup,
}

/// One named signature: an entry of the catalogue in `signatures/`.
#[derive(Debug)]
pub struct Signature {
    /// Stable id: the CVE in lowercase where there is one (`cve-2020-5902`),
    /// else a short name (`path-traversal`).
    pub id: &'static str,
    /// What the report shows; known false-positive risks are said here.
    pub title: &'static str,
    /// The CVEs it stands for (none for a generic family or a tool).
    pub cves: &'static [&'static str],
    /// The CVE is in CISA's Known Exploited Vulnerabilities catalogue.
    pub kev: bool,
    /// Where to read about it.
    pub reference: &'static str,
    /// The catalogue file that holds it (`signatures/f5.toml`).
    pub family: &'static str,
    pub field: Field,
    /// Lowercase byte strings; any one of them is a hit.
    pub patterns: &'static [&'static [u8]],
    /// When not empty, a pattern counts only when one of these follows it in
    /// the same copy of the field (Grafana's `/public/plugins/` then `../`).
    pub then: &'static [&'static [u8]],
    /// Patterns match only at the start of the field (the handshake markers).
    pub anchored: bool,
    pub confirm: Confirm,
    /// Field values it must hit, and values it must not (run by the tests).
    pub must_match: &'static [&'static [u8]],
    pub must_not_match: &'static [&'static [u8]],
}

impl Signature {
    /// The first CVE, if any.
    pub fn cve(&self) -> Option<&'static str> {
        self.cves.first().copied()
    }
}

// The tables `EXPLOIT`, `SCANNER`, `BRUTEFORCE` and `MALFORMED`, in
// catalogue order, and the words of a `SigSet` each needs (`EXPLOIT_WORDS`,
// ...): generated by `build.rs` from `signatures/*.toml`.
include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

/// A set of signatures of one table, one bit each, sized from the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SigSet<const W: usize>([u64; W]);

/// The exploit signatures a line hit, by index in [`EXPLOIT`].
pub type ExploitSet = SigSet<EXPLOIT_WORDS>;
/// The scanner signatures a line hit, by index in [`SCANNER`].
pub type ScannerSet = SigSet<SCANNER_WORDS>;

const _: () = {
    assert!(EXPLOIT.len() <= EXPLOIT_WORDS * 64);
    assert!(SCANNER.len() <= SCANNER_WORDS * 64);
    // Login endpoints and handshakes are kept in a byte a line.
    assert!(BRUTEFORCE.len() <= 8);
    assert!(MALFORMED.len() <= 8);
};

impl<const W: usize> Default for SigSet<W> {
    fn default() -> Self {
        SigSet([0; W])
    }
}

impl<const W: usize> SigSet<W> {
    pub const EMPTY: Self = SigSet([0; W]);

    #[inline(always)]
    pub fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    #[inline(always)]
    pub fn contains(&self, i: usize) -> bool {
        self.0[i / 64] >> (i % 64) & 1 != 0
    }

    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }

    /// The lowest index in the set.
    #[inline]
    pub fn first(&self) -> Option<usize> {
        self.0
            .iter()
            .position(|&w| w != 0)
            .map(|k| k * 64 + self.0[k].trailing_zeros() as usize)
    }

    pub fn len(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    /// The indexes in the set, lowest first.
    pub fn iter(self) -> impl Iterator<Item = usize> {
        self.0.into_iter().enumerate().flat_map(|(k, w)| {
            let mut m = w;
            std::iter::from_fn(move || {
                let i = (m != 0).then(|| m.trailing_zeros() as usize)?;
                m &= m - 1;
                Some(k * 64 + i)
            })
        })
    }
}

impl<const W: usize> std::ops::BitOrAssign for SigSet<W> {
    #[inline(always)]
    fn bitor_assign(&mut self, o: Self) {
        for (a, b) in self.0.iter_mut().zip(o.0) {
            *a |= b;
        }
    }
}

/// Every table with the class it belongs to.
pub const TABLES: &[(ClassId, &[Signature])] = &[
    (ClassId::Exploit, EXPLOIT),
    (ClassId::Scanner, SCANNER),
    (ClassId::Bruteforce, BRUTEFORCE),
    (ClassId::MalformedRequest, MALFORMED),
];

/// A signature by its id, with its class (for `alf explain ID`).
pub fn by_id(id: &str) -> Option<(ClassId, &'static Signature)> {
    TABLES
        .iter()
        .flat_map(|(c, t)| t.iter().map(move |s| (*c, s)))
        .find(|(_, s)| s.id.eq_ignore_ascii_case(id))
}

/// What `alf explain QUERY` found among the signatures.
#[derive(Debug)]
pub enum Found {
    /// The query names one signature.
    One(ClassId, &'static Signature),
    /// Several signatures answer it (a CVE with two, words of many titles).
    Many(Vec<(ClassId, &'static Signature)>),
    /// None does: the ids closest to it, nearest first.
    Nothing(Vec<&'static str>),
}

fn all() -> impl Iterator<Item = (ClassId, &'static Signature)> {
    TABLES
        .iter()
        .flat_map(|(c, t)| t.iter().map(move |s| (*c, s)))
}

/// The lowercase words (runs of letters and digits) of `s`.
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The title as the report's tables show it: with its first CVE.
pub fn shown_title(s: &Signature) -> String {
    match s.cve() {
        Some(cve) => format!("{} ({cve})", s.title),
        None => s.title.to_string(),
    }
}

/// The signatures `query` names, in catalogue order: by id, by CVE, by its
/// title as shown (a title cut with `…` at a terminal is a prefix), else by
/// words, each of which must be a word of the signature's id, title or
/// family (or start one, for words of four letters or more). Letter case
/// is ignored.
pub fn find(query: &str) -> Found {
    let q = query.trim();
    if let Some((c, s)) = by_id(q) {
        return Found::One(c, s);
    }
    let many = |v: Vec<(ClassId, &'static Signature)>| match v.len() {
        0 => None,
        1 => Some(Found::One(v[0].0, v[0].1)),
        _ => Some(Found::Many(v)),
    };
    let by_cve: Vec<_> = all()
        .filter(|(_, s)| s.cves.iter().any(|c| c.eq_ignore_ascii_case(q)))
        .collect();
    if let Some(f) = many(by_cve) {
        return f;
    }
    let lower = q.to_lowercase();
    let by_title: Vec<_> = all()
        .filter(|(_, s)| {
            let shown = shown_title(s).to_lowercase();
            match lower.strip_suffix('…') {
                Some(cut) => !cut.trim().is_empty() && shown.starts_with(cut),
                None => shown == lower || s.title.to_lowercase() == lower,
            }
        })
        .collect();
    if let Some(f) = many(by_title) {
        return f;
    }
    let want = words(q);
    if !want.is_empty() {
        let by_words: Vec<_> = all()
            .filter(|(_, s)| {
                let have = words(&format!(
                    "{} {} {} {}",
                    s.id,
                    s.title,
                    s.family,
                    s.cves.join(" ")
                ));
                want.iter().all(|w| {
                    have.iter()
                        .any(|h| h == w || (w.chars().count() >= 4 && h.starts_with(w.as_str())))
                })
            })
            .collect();
        if let Some(f) = many(by_words) {
            return f;
        }
    }
    // Nearest by id, or by a word of the title (`log5hell` → Log4Shell).
    let mut near: Vec<(usize, &'static str)> = all()
        .map(|(_, s)| {
            let by_word = words(s.title)
                .iter()
                .map(|w| edit_distance(&lower, w))
                .min()
                .unwrap_or(usize::MAX);
            (edit_distance(&lower, s.id).min(by_word), s.id)
        })
        .collect();
    near.sort();
    Found::Nothing(near.into_iter().take(5).map(|(_, id)| id).collect())
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + (ca != cb) as usize).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_lowercase_and_nonempty() {
        for (_, table) in TABLES {
            for s in *table {
                assert!(!s.patterns.is_empty(), "{}", s.id);
                for p in s.patterns {
                    assert!(!p.is_empty(), "{}", s.id);
                    assert_eq!(
                        p.to_ascii_lowercase(),
                        *p,
                        "{}: {:?}",
                        s.id,
                        String::from_utf8_lossy(p)
                    );
                    assert!(
                        !p.contains(&b'\n'),
                        "{}: newline separates target copies",
                        s.id
                    );
                }
            }
        }
    }

    #[test]
    fn ids_are_unique_and_tables_fit_their_masks() {
        let mut seen = std::collections::HashSet::new();
        for (_, table) in TABLES {
            for s in *table {
                assert!(seen.insert(s.id), "duplicate id {}", s.id);
                assert_eq!(s.id, s.id.to_ascii_lowercase());
                for cve in s.cves {
                    assert!(cve.starts_with("CVE-"), "{}", s.id);
                }
                assert!(!s.kev || !s.cves.is_empty(), "{}", s.id);
            }
        }
    }

    #[test]
    fn sig_sets() {
        let mut a = ExploitSet::default();
        assert_eq!(a.first(), None);
        let last = EXPLOIT.len() - 1;
        a.insert(last);
        a.insert(3);
        assert_eq!(a.first(), Some(3));
        assert!(a.contains(last) && !a.contains(4));
        assert_eq!(a.iter().collect::<Vec<_>>(), [3, last]);
        assert_eq!(a.len(), 2);
    }

    #[test]
    fn only_handshakes_are_anchored() {
        for (class, table) in TABLES {
            for s in *table {
                assert_eq!(
                    s.anchored,
                    *class == super::super::ClassId::MalformedRequest,
                    "{}",
                    s.id
                );
                assert_eq!(s.anchored, s.field == Field::Request, "{}", s.id);
            }
        }
    }

    #[test]
    fn find_by_name_cve_title_and_words() {
        let one = |q: &str| match find(q) {
            Found::One(_, s) => s.id,
            other => panic!("{q}: {other:?}"),
        };
        assert_eq!(one("log4shell"), "cve-2021-44228");
        assert_eq!(one("CVE-2021-44228"), "cve-2021-44228");
        assert_eq!(one("cve-2020-5902"), "cve-2020-5902");
        assert_eq!(one("zgrab"), "zgrab");
        for (_, s) in all() {
            for q in [shown_title(s), s.title.to_string(), s.id.to_uppercase()] {
                match find(&q) {
                    Found::One(_, t) => assert_eq!(t.id, s.id, "{q}"),
                    Found::Many(v) => assert!(v.iter().any(|(_, t)| t.id == s.id), "{q}"),
                    Found::Nothing(_) => panic!("{q}: not found"),
                }
            }
        }
        match find("path traversal") {
            Found::Many(v) => assert!(v.iter().any(|(_, s)| s.id == "path-traversal")),
            other => panic!("{other:?}"),
        }
        match find("nosuchthing") {
            Found::Nothing(near) => assert_eq!(near.len(), 5),
            other => panic!("{other:?}"),
        }
        match find("zgrob") {
            Found::Nothing(near) => assert_eq!(near[0], "zgrab"),
            other => panic!("{other:?}"),
        }
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn lookup_by_id() {
        let (c, s) = by_id("CVE-2020-5902").unwrap();
        assert_eq!(c, super::super::ClassId::Exploit);
        assert_eq!(s.cve(), Some("CVE-2020-5902"));
        assert_eq!(by_id("zgrab").unwrap().0, super::super::ClassId::Scanner);
        assert!(by_id("nope").is_none());
    }
}
