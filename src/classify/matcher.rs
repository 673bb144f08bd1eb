//! The signature search: one Aho-Corasick automaton per searched field, and
//! the lowercasing and percent-decoding that prepare a field for it.
//!
//! The one automaton per field (target, User-Agent, Referer) holds every
//! unanchored pattern of every table that applies to that field, so a field is
//! searched once however many classes look at it. At each byte where some
//! pattern starts, the longest pattern starting there counts (patterns are
//! added longest first to a leftmost-first automaton). One matcher for every
//! table, rather than one per detector, is what keeps a field to one pass.

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};

use super::log4j::{hex, log4j_jndi};
use super::signatures::{
    Confirm, ExploitSet, Field, ScannerSet, Signature, BRUTEFORCE, EXPLOIT, SCANNER,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Table {
    Exploit,
    Scanner,
    Bruteforce,
}

#[derive(Clone, Copy, Debug)]
struct Hit {
    table: Table,
    sig: u16,
    /// The signature's `then` strings must follow the match.
    then: bool,
}

/// One field's automaton and what each of its patterns stands for.
#[derive(Debug)]
pub(super) struct FieldMatcher {
    ac: AhoCorasick,
    hits: Vec<Hit>,
    /// The length of its shortest pattern: a shorter field is not read.
    pub(super) min_len: usize,
    /// Openers of the signatures confirmed by reading (Log4Shell's `${`),
    /// with the signature's index. Kept out of the automaton: a two-byte
    /// pattern would cost its SIMD prefilter most of its speed.
    lookups: Vec<(u16, &'static [u8])>,
}

impl FieldMatcher {
    pub(super) fn build(field: Field) -> FieldMatcher {
        let tables = [
            (Table::Exploit, EXPLOIT),
            (Table::Scanner, SCANNER),
            (Table::Bruteforce, BRUTEFORCE),
        ];
        let mut pats: Vec<(&'static [u8], Hit)> = Vec::new();
        let mut lookups = Vec::new();
        for (table, sigs) in tables {
            for (i, s) in sigs.iter().enumerate() {
                if s.anchored || !s.field.covers(field) {
                    continue;
                }
                let hit = Hit {
                    table,
                    sig: u16::try_from(i).expect("a table holds fewer than 65536 signatures"),
                    then: !s.then.is_empty(),
                };
                match s.confirm {
                    Confirm::None => pats.extend(s.patterns.iter().map(|p| (*p, hit))),
                    Confirm::Log4jLookup => {
                        assert_eq!(table, Table::Exploit);
                        lookups.extend(s.patterns.iter().map(|p| (hit.sig, *p)));
                    }
                }
            }
        }
        // Stable: table order is kept among patterns of equal length.
        pats.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        // A DFA whatever the number of patterns (past about a hundred the
        // builder would pick an NFA, which costs more per byte searched).
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(AhoCorasickKind::DFA))
            .build(pats.iter().map(|(p, _)| p))
            .expect("the signature tables compile");
        FieldMatcher {
            ac,
            min_len: pats
                .iter()
                .map(|(p, _)| p.len())
                .chain(lookups.iter().map(|(_, p)| p.len()))
                .min()
                .unwrap_or(usize::MAX),
            hits: pats.into_iter().map(|(_, h)| h).collect(),
            lookups,
        }
    }

    /// The hits in `hay`, whose first `raw_len` bytes are the field as
    /// written (lowercased) and the rest, when `decoded`, its decoded copy.
    /// Login endpoints count only in the path of the field as written.
    ///
    /// After a match the search resumes one byte after its start, not at its
    /// end, so a match does not hide another that starts inside it
    /// (`../../etc/passwd` is traversal and an LFI probe). Patterns are short,
    /// so this stays linear in the field.
    #[inline]
    pub(super) fn scan(&self, hay: &[u8], raw_len: usize, decoded: bool) -> FieldHits {
        let mut h = FieldHits::default();
        let mut at = 0;
        while let Some(m) = self.ac.find(Input::new(hay).range(at..)) {
            at = m.start() + 1;
            let hit = self.hits[m.pattern().as_usize()];
            if hit.then && !then_follows(hay, m.end(), &table(hit.table)[hit.sig as usize]) {
                continue;
            }
            match hit.table {
                Table::Exploit => h.exploits.insert(hit.sig as usize),
                Table::Scanner => h.scanners.insert(hit.sig as usize),
                Table::Bruteforce => {
                    let raw = &hay[..raw_len];
                    if m.end() <= memchr::memchr(b'?', raw).unwrap_or(raw_len) {
                        h.endpoints |= 1 << hit.sig;
                    }
                }
            }
        }
        // One reading from the first opener settles every later one. An
        // encoded opener (`%24%7b`) can only be in a field that was decoded.
        for (sig, opener) in &self.lookups {
            let sig = *sig as usize;
            if !h.exploits.contains(sig) && (decoded || opener[0] != b'%') {
                if let Some(p) = find_opener(hay, opener) {
                    if log4j_jndi(&hay[p..]) {
                        h.exploits.insert(sig);
                    }
                }
            }
        }
        h
    }
}

fn table(t: Table) -> &'static [Signature] {
    match t {
        Table::Exploit => EXPLOIT,
        Table::Scanner => SCANNER,
        Table::Bruteforce => BRUTEFORCE,
    }
}

/// Whether one of `sig`'s `then` strings is in `hay` after `at`, in the same
/// copy of the field (the copies are separated by a newline).
fn then_follows(hay: &[u8], at: usize, sig: &Signature) -> bool {
    let rest = &hay[at..];
    let rest = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
    sig.then
        .iter()
        .any(|t| memchr::memmem::find(rest, t).is_some())
}

/// The first `opener` in `hay`. Openers start with a byte that ordinary
/// fields rarely hold (`$`), so a memchr and a compare beat a memmem finder.
#[inline]
fn find_opener(hay: &[u8], opener: &[u8]) -> Option<usize> {
    let (&first, rest) = opener.split_first()?;
    memchr::memchr_iter(first, hay).find(|&p| hay[p + 1..].starts_with(rest))
}

/// What one field contributed: exploit and scanner signatures, and the login
/// endpoints in its path (which count only on a POST).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(super) struct FieldHits {
    pub(super) exploits: ExploitSet,
    pub(super) scanners: ScannerSet,
    pub(super) endpoints: u8,
}

impl FieldHits {
    #[inline(always)]
    pub(super) fn add(&mut self, o: &FieldHits) {
        self.exploits |= o.exploits;
        self.scanners |= o.scanners;
        self.endpoints |= o.endpoints;
    }
}

/// The three searched fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Which {
    Target,
    UserAgent,
    Referer,
}

/// The bytes to search for `field`, and whether they include a decoded copy:
/// the field itself when it is already lowercase and needs no decoding; else,
/// in `scratch`, the lowercased field, and when `decode` and it holds `%` or
/// `+`, a newline and the lowercased field percent-decoded once. No pattern
/// holds a newline, so no match spans the two copies, and the first
/// `field.len()` bytes are always the field as written, lowercased.
#[inline]
pub(super) fn prepare<'a>(
    field: &'a [u8],
    decode: bool,
    scratch: &'a mut Vec<u8>,
) -> (&'a [u8], bool) {
    let decode = decode && memchr::memchr2(b'%', b'+', field).is_some();
    if !decode && !has_upper(field) {
        return (field, false);
    }
    scratch.clear();
    scratch.extend_from_slice(field);
    lower_in_place(scratch);
    if decode {
        scratch.push(b'\n');
        percent_decode_lower(field, scratch);
    }
    (scratch, decode)
}

/// The ASCII upper-case letters among the eight bytes of `w`, as `0x20` in
/// their byte (SWAR: eight bytes per step; bytes >= 0x80 are left alone).
#[inline(always)]
fn upper_bits(w: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let h = w & LOW7;
    let at_least_a = h.wrapping_add(0x3f3f_3f3f_3f3f_3f3f);
    let past_z = h.wrapping_add(0x2525_2525_2525_2525);
    (at_least_a & !past_z & !w & HIGH) >> 2
}

fn has_upper(s: &[u8]) -> bool {
    let mut chunks = s.chunks_exact(8);
    chunks.any(|c| upper_bits(u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))) != 0)
        || chunks.remainder().iter().any(u8::is_ascii_uppercase)
}

fn lower_in_place(s: &mut [u8]) {
    let mut chunks = s.chunks_exact_mut(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes((&*c).try_into().unwrap_or([0; 8]));
        c.copy_from_slice(&(w | upper_bits(w)).to_le_bytes());
    }
    chunks.into_remainder().make_ascii_lowercase();
}

/// Appends `src` percent-decoded once and lowercased: `%xx` → the byte (an
/// encoded tab, newline, CR, VT or FF → space, as SQL reads them, which also
/// keeps the newline that separates the two copies unique), `+` → space, a
/// `%` without two hex digits after it stays. Linear; the output is never
/// longer than the input.
fn percent_decode_lower(src: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < src.len() {
        let b = src[i];
        if b == b'%' {
            if let (Some(h), Some(l)) = (src.get(i + 1).and_then(hex), src.get(i + 2).and_then(hex))
            {
                let d = h << 4 | l;
                out.push(match d {
                    b'\t' | b'\n' | 0x0b | 0x0c | b'\r' => b' ',
                    _ => d.to_ascii_lowercase(),
                });
                i += 3;
                continue;
            }
        }
        out.push(if b == b'+' {
            b' '
        } else {
            b.to_ascii_lowercase()
        });
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swar_lowercase_agrees_with_std() {
        let all: Vec<u8> = (0..=255u8).collect();
        for shift in 0..9 {
            let s: Vec<u8> = all
                .iter()
                .cycle()
                .skip(shift)
                .take(300 - shift)
                .copied()
                .collect();
            let mut mine = s.clone();
            lower_in_place(&mut mine);
            assert_eq!(mine, s.to_ascii_lowercase());
            assert!(has_upper(&s));
        }
        for b in 0..=255u8 {
            let s = [b; 11];
            assert_eq!(has_upper(&s), b.is_ascii_uppercase(), "{b:#x}");
            assert_eq!(has_upper(&s[..3]), b.is_ascii_uppercase(), "{b:#x}");
        }
    }

    #[test]
    fn decoding_is_once_and_bounded() {
        let mut out = Vec::new();
        percent_decode_lower(b"%2E%2e%2F+%252e%zz%4", &mut out);
        assert_eq!(out, b"../ %2e%zz%4");
        out.clear();
        percent_decode_lower(b"UNION%0aSELECT%09%0D%41", &mut out);
        assert_eq!(out, b"union select  a");
        let mut s = Vec::new();
        assert_eq!(
            prepare(b"/plain/path", true, &mut s),
            (&b"/plain/path"[..], false)
        );
        assert!(
            s.is_empty(),
            "no copy for a lowercase field without escapes"
        );
        assert_eq!(prepare(b"/A%2f", true, &mut s), (&b"/a%2f\n/a/"[..], true));
        assert_eq!(
            prepare(b"Mozilla %41", false, &mut s),
            (&b"mozilla %41"[..], false)
        );
    }
}
