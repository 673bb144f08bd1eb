//! Compiles an Apache `LogFormat` or nginx `log_format` string, once, into a
//! list of steps, and runs those steps over each line.
//!
//! A field ends at the first byte of the literal that follows it in the format.
//! A field between two `"` literals is quoted: it honours `\` escapes, and since
//! Apache 1.3 wrote raw `"` inside the request line, its end is the first closing
//! quote after which the rest of the line still parses (tried a bounded number
//! of times). Unquoted fields never backtrack, so a client field cannot swallow
//! text from the rest of the line.

use nom::branch::alt;
use nom::bytes::complete::{tag, take, take_until, take_while, take_while1};
use nom::combinator::{opt, recognize};
use nom::sequence::{delimited, pair};
use nom::{IResult, Parser};

use super::{time, Parsed};
use crate::error::FormatError;
use crate::record::{client_from_field, Client, Record};

/// What a field of the format holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    Client,
    Time(TimeKind),
    Request,
    Method,
    /// `$request_uri`: path and query.
    Target,
    /// `%U`, `$uri`: path only.
    Path,
    Query,
    Protocol,
    Status,
    /// Bytes sent; `-` means none.
    Bytes,
    Referer,
    UserAgent,
    Vhost,
    Duration(DurScale),
    Xff,
    /// Logged but not used by alf (ident, user, pid, ports, cookies...).
    Ignore,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TimeKind {
    /// Apache `%t`: `[10/Oct/2000:13:55:36 -0700]`, brackets included.
    ClfBracketed,
    /// nginx `$time_local`: the same without brackets.
    Clf,
    Iso8601,
    EpochSecs,
    EpochScaled(i64),
    Strftime(String),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DurScale {
    Micros,
    Millis,
    Secs,
    /// Seconds with a fraction (`$request_time`: `0.123`).
    SecsFrac,
}

#[derive(Clone, Debug, PartialEq)]
enum Op {
    Lit(Vec<u8>),
    Field(Field),
}

/// Why a line did not parse. Kept small: these are the report's reasons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// The line's shape does not match the format (a literal is missing).
    Shape,
    BadTimestamp,
    BadStatus,
    BadBytes,
    /// Error logs: the line does not start like a log record.
    NotARecord,
}

impl Reason {
    pub const ALL: [Reason; 5] = [
        Reason::Shape,
        Reason::BadTimestamp,
        Reason::BadStatus,
        Reason::BadBytes,
        Reason::NotARecord,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Shape => "does not match the format",
            Reason::BadTimestamp => "bad timestamp",
            Reason::BadStatus => "bad status",
            Reason::BadBytes => "bad byte count",
            Reason::NotARecord => "not a log record",
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Reason::Shape => "shape",
            Reason::BadTimestamp => "timestamp",
            Reason::BadStatus => "status",
            Reason::BadBytes => "bytes",
            Reason::NotARecord => "not_a_record",
        }
    }
}

/// How many closing-quote candidates a quoted field may try before the line
/// is declared malformed; bounds the work an attacker can force per line.
const MAX_QUOTE_TRIES: usize = 16;

/// How a field finds its end.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// At the first occurrence of the following literal.
    Plain,
    /// Between quotes: at a closing quote followed by the literal, trying later
    /// candidates if the rest of the line does not parse.
    Quoted,
    /// The last field, followed by a final literal: at the line's end.
    Suffix,
    /// The last field, with nothing after it: the rest of the line.
    ToEnd,
    /// Apache `%t`: its own `[...]`.
    Bracketed,
}

/// One field with the literal that follows it: the unit the parser loops over.
#[derive(Clone, Debug)]
struct Step {
    field: Field,
    mode: Mode,
    delim: Vec<u8>,
}

/// A compiled access-log format.
#[derive(Clone, Debug)]
pub struct AccessFormat {
    /// Literal text before the first field.
    prefix: Vec<u8>,
    steps: Vec<Step>,
    /// The format starts with `%h %l %u %t "%r" %>s ` (Common Log Format), which
    /// [`clf_head`] parses in straight-line code (or nginx's spelling of it,
    /// [`nginx_head`]).
    head: Option<Head>,
    /// After the head, the format is `combined`'s `%b "%{Referer}i"
    /// "%{User-Agent}i"`, perhaps with nginx `main`'s `"$http_x_forwarded_for"`
    /// after it, which [`combined_tail`] parses in straight-line code.
    tail: Option<Tail>,
    /// The client's step, when a field before it may hold the client's own
    /// text (nginx `$host`): a space in it would shift the fields and make
    /// an address the client wrote into the client. See [`AccessFormat::read`].
    shift_guard: Option<usize>,
}

/// The fused heads: the Common Log Format's and nginx's spelling of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Head {
    /// `%h %l %u %t "%r" %>s ` ([`clf_head`]).
    Clf,
    /// `$remote_addr - $remote_user [$time_local] "$request" $status `
    /// ([`nginx_head`]).
    Nginx,
}

impl Head {
    /// The steps it covers, as the general parser compiles them.
    fn steps(self) -> &'static [(Field, Mode, &'static [u8])] {
        match self {
            Head::Clf => &[
                (Field::Client, Mode::Plain, b" "),
                (Field::Ignore, Mode::Plain, b" "),
                (Field::Ignore, Mode::Plain, b" "),
                (Field::Time(TimeKind::ClfBracketed), Mode::Bracketed, b" \""),
                (Field::Request, Mode::Quoted, b"\" "),
                (Field::Status, Mode::Plain, b" "),
            ],
            Head::Nginx => &[
                (Field::Client, Mode::Plain, b" - "),
                (Field::Ignore, Mode::Plain, b" ["),
                (Field::Time(TimeKind::Clf), Mode::Plain, b"] \""),
                (Field::Request, Mode::Quoted, b"\" "),
                (Field::Status, Mode::Plain, b" "),
            ],
        }
    }

    fn read<'a>(self, line: &'a [u8], rec: &mut Record<'a>) -> Option<usize> {
        match self {
            Head::Clf => clf_head(line, rec),
            Head::Nginx => nginx_head(line, rec),
        }
    }
}

/// The fused tails (see [`combined_tail`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tail {
    /// `%b "%{Referer}i" "%{User-Agent}i"`.
    Combined,
    /// The same, then ` "$http_x_forwarded_for"` (nginx `main`).
    CombinedXff,
}

impl Tail {
    fn steps(self) -> &'static [(Field, Mode, &'static [u8])] {
        match self {
            Tail::Combined => &[
                (Field::Bytes, Mode::Plain, b" \""),
                (Field::Referer, Mode::Quoted, b"\" \""),
                (Field::UserAgent, Mode::Suffix, b"\""),
            ],
            Tail::CombinedXff => &[
                (Field::Bytes, Mode::Plain, b" \""),
                (Field::Referer, Mode::Quoted, b"\" \""),
                (Field::UserAgent, Mode::Quoted, b"\" \""),
                (Field::Xff, Mode::Suffix, b"\""),
            ],
        }
    }
}

/// The Common Log Format head, fused: `%h %l %u %t "%r" %>s `, as nearly every
/// access format begins. It takes only the natural reading (the first `" ` closes
/// the request) and returns the position after the status; on anything unusual
/// it returns `None` and the general parser, which this must agree with, takes
/// the line from the start. Returns `None` rather than an error on purpose: the
/// general parser decides what is malformed and why.
#[inline]
fn clf_head<'a>(line: &'a [u8], rec: &mut Record<'a>) -> Option<usize> {
    let a = find_byte(line, b' ')?;
    set(&Field::Client, &line[..a], rec).ok()?;
    let mut p = a + 1;
    p += find_byte(&line[p..], b' ')? + 1;
    p += find_byte(&line[p..], b' ')? + 1;
    if line.get(p) != Some(&b'[')
        || line.get(p + 27) != Some(&b']')
        || !has_at(line, p + 28, b" \"")
    {
        return None;
    }
    rec.ts = Some(time::parse_clf(&line[p + 1..p + 27])?);
    rec.time = &line[p..p + 28];
    request_status(line, p + 30, rec)
}

/// nginx's head, fused as [`clf_head`] is: `$remote_addr - $remote_user
/// [$time_local] "$request" $status `. The first space must open ` - ` and
/// the next ` [` (as the general parser's first reading finds them), and the
/// time is the 26 bytes before `] "`: a time that parses holds no `]`.
#[inline]
fn nginx_head<'a>(line: &'a [u8], rec: &mut Record<'a>) -> Option<usize> {
    let a = find_byte(line, b' ')?;
    if !has_at(line, a, b" - ") {
        return None;
    }
    set(&Field::Client, &line[..a], rec).ok()?;
    let p = a + 3;
    let p = p + find_byte(&line[p..], b' ')?;
    if line.get(p + 1) != Some(&b'[') || !has_at(line, p + 28, b"] \"") {
        return None;
    }
    let time = &line[p + 2..p + 28];
    rec.ts = Some(time::parse_clf(time)?);
    rec.time = time;
    request_status(line, p + 31, rec)
}

/// The end of both heads: the request, up to the first `" `, and a status of
/// three digits and a space. `p` is just inside the request's opening quote.
#[inline(always)]
fn request_status<'a>(line: &'a [u8], mut p: usize, rec: &mut Record<'a>) -> Option<usize> {
    let rest = line.get(p..)?;
    let mut from = 0;
    let q = loop {
        let q = next_quote(rest, from)?;
        if has_at(rest, q, b"\" ") {
            break q;
        }
        from = q + 1;
    };
    set(&Field::Request, &rest[..q], rec).ok()?;
    p += q + 2;
    let st = line.get(p..p + 4)?;
    let d = |c: u8| c.wrapping_sub(b'0') as u16;
    if d(st[0]) > 9 || d(st[1]) > 9 || d(st[2]) > 9 || st[3] != b' ' || st[0] == b'0' {
        return None;
    }
    rec.status = Some(d(st[0]) * 100 + d(st[1]) * 10 + d(st[2]));
    Some(p + 4)
}

/// The rest of a `combined` line after its head (at `p`): `%b "%{Referer}i"
/// "%{User-Agent}i"`, and with `xff` nginx `main`'s ` "$http_x_forwarded_for"`,
/// read as the general parser's first reading would read it, and only when no
/// quoted field holds a `"` (raw or escaped): the line is then clean. `None`
/// on anything else, and the general parser takes the line from the tail.
#[inline]
fn combined_tail<'a>(line: &'a [u8], p: usize, rec: &mut Record<'a>, xff: bool) -> Option<()> {
    let rest = &line[p..];
    // The first ` "` ends the bytes (as `find(rest, " \"")` would find it).
    let sp = find_byte(rest, b' ')?;
    if rest.get(sp + 1) != Some(&b'"') {
        return None;
    }
    set(&Field::Bytes, &rest[..sp], rec).ok()?;
    // A quoted field ends at its first `"`, which must be the first `"` or
    // `\\` (an escape would make `next_quote` look past it), followed by `" "`.
    let quoted = |r: &'a [u8]| {
        let q = next_quote_or_escape(r)?;
        if !has_at(r, q, b"\" \"") {
            return None;
        }
        Some((&r[..q], &r[q + 3..]))
    };
    let (referer, r) = quoted(&rest[sp + 2..])?;
    let (ua, r) = if xff { quoted(r)? } else { (&b""[..], r) };
    let (&last, body) = r.split_last()?;
    if last != b'"' || memchr::memchr(b'"', body).is_some() {
        return None;
    }
    rec.referer = referer;
    if xff {
        rec.user_agent = ua;
        rec.xff = body;
    } else {
        rec.user_agent = body;
    }
    Some(())
}

/// Which dialect a format string is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Apache,
    Nginx,
}

/// Choice points kept per line: one per quoted field, as many as real formats have.
const MAX_CHOICES: usize = 8;

impl AccessFormat {
    /// The format ends in a figure (the client, a time, the status, the
    /// bytes, a duration, X-Forwarded-For) with no literal after it: a line
    /// cut inside that field still parses, with a wrong figure.
    pub fn ends_in_open_figure(&self) -> bool {
        self.steps.last().is_some_and(|s| {
            s.mode == Mode::ToEnd
                && matches!(
                    s.field,
                    Field::Client
                        | Field::Time(_)
                        | Field::Status
                        | Field::Bytes
                        | Field::Duration(_)
                        | Field::Xff
                )
        })
    }

    /// Compiles a format string (or a whole pasted `LogFormat` / `log_format` line).
    pub fn compile(src: &str, dialect: Dialect) -> Result<AccessFormat, FormatError> {
        let ops = match dialect {
            Dialect::Apache => compile_apache(&strip_apache_directive(src)?)?,
            Dialect::Nginx => compile_nginx(&strip_nginx_directive(src)?)?,
        };
        steps(ops)
    }

    /// Parses one line (without its terminator).
    #[inline]
    pub fn parse<'a>(&self, line: &'a [u8], rec: &mut Record<'a>) -> Result<(), Reason> {
        self.read(line, rec).map(|_| ())
    }

    /// Parses one line; `Parsed::Ambiguous` when the client field cannot be
    /// trusted (see [`AccessFormat::shifted`]): such a line is counted as
    /// ambiguous, never attributed. True beside it when the line is clean
    /// (see [`combined_tail`]).
    #[inline]
    pub fn read<'a>(&self, line: &'a [u8], rec: &mut Record<'a>) -> Result<(Parsed, bool), Reason> {
        if let Some(head) = self.head {
            if let Some(pos) = head.read(line, rec) {
                if let Some(tail) = self.tail {
                    if combined_tail(line, pos, rec, tail == Tail::CombinedXff).is_some() {
                        return Ok((Parsed::Ok, true));
                    }
                }
                if self.run(line, rec, None, head.steps().len(), pos).is_ok() {
                    return Ok((Parsed::Ok, false));
                }
            }
        }
        let ends = self.run(line, rec, None, 0, 0)?;
        let shifted = self.shift_guard.is_some() && self.shifted(line, rec, ends);
        Ok((
            if shifted {
                Parsed::Ambiguous
            } else {
                Parsed::Ok
            },
            false,
        ))
    }

    /// Whether text the client wrote before its address (nginx `$host`, a
    /// logged `Host` header) could have moved the address: the field after
    /// the address holds the address's own delimiter (`Host: evil
    /// 198.51.100.9 -` leaves the real address in `$remote_user`), or
    /// another reading, with the first field taking more of the line, finds
    /// another address. `ends`: where the client's field and the next ended.
    fn shifted(&self, line: &[u8], rec: &Record, ends: [usize; 2]) -> bool {
        let Some(c) = self.shift_guard else {
            return false;
        };
        let delim = &self.steps[c].delim;
        if find(line.get(ends[0]..ends[1]).unwrap_or_default(), delim).is_some() {
            return true;
        }
        // No second delimiter after the address: no other reading.
        let (Client::Ip(ip), Some(_)) = (rec.client, find(&line[ends[0]..], delim)) else {
            return false;
        };
        // Each later delimiter could end another address: if the text just
        // before it (after the first field's delimiter) is one, a reading in
        // which the first field ran that far names another client. Bounded:
        // an attacker may repeat the delimiter.
        let first = &self.steps[0].delim;
        let mut at = ends[0];
        for _ in 0..256 {
            let Some(d) = find(&line[at..], delim).map(|d| at + d) else {
                return false;
            };
            at = d + delim.len();
            let head = &line[self.prefix.len()..d];
            let start = rfind(head, first).map_or(0, |s| s + first.len());
            if matches!(client_from_field(&head[start..]), Client::Ip(a) if a != ip) {
                return true;
            }
        }
        true
    }

    /// Parses one line and counts the raw quotes that quoted fields had to
    /// absorb: detection prefers the format that needs fewest.
    pub fn parse_measured<'a>(&self, line: &'a [u8], rec: &mut Record<'a>) -> Result<u32, Reason> {
        let mut sloppy = 0;
        self.run(line, rec, Some(&mut sloppy), 0, 0).map(|_| sloppy)
    }

    /// The general parser, from step `start` at byte `start_pos` (0, 0 for a
    /// whole line).
    fn run<'a>(
        &self,
        line: &'a [u8],
        rec: &mut Record<'a>,
        mut sloppy: Option<&mut u32>,
        start: usize,
        start_pos: usize,
    ) -> Result<[usize; 2], Reason> {
        if start == 0 && !has_at(line, 0, &self.prefix) {
            return Err(Reason::Shape);
        }
        // Backtracking state: (step, field start, where to look for the next
        // closing quote, raw quotes passed so far).
        let mut choices = [(0usize, 0usize, 0usize, 0u32); MAX_CHOICES];
        let mut depth = 0;
        let mut tries = 0;
        let mut first_err: Option<Reason> = None;
        let mut i = start;
        let mut pos = if start == 0 {
            self.prefix.len()
        } else {
            start_pos
        };
        // A resumed choice point: search from this offset, with these raw quotes.
        let mut resume: Option<(usize, u32)> = None;
        // Where the client's field ended and the one after it ended.
        let mut ends = [0usize; 2];
        loop {
            let Some(st) = self.steps.get(i) else {
                if pos == line.len() {
                    return Ok(ends);
                }
                // Trailing text: fail and try another reading.
                let e = Reason::Shape;
                first_err.get_or_insert(e);
                match pop(&mut choices, &mut depth) {
                    Some((si, sp, from, raw)) => {
                        (i, pos, resume) = (si, sp, Some((from, raw)));
                        continue;
                    }
                    None => return Err(first_err.unwrap_or(e)),
                }
            };
            let rest = &line[pos..];
            let step: Result<usize, Reason> = match st.mode {
                Mode::Plain => match find(rest, &st.delim) {
                    Some(end) => set(&st.field, &rest[..end], rec).map(|_| end + st.delim.len()),
                    None => Err(Reason::Shape),
                },
                Mode::ToEnd => set(&st.field, rest, rec).map(|_| rest.len()),
                Mode::Suffix => {
                    if rest.len() >= st.delim.len()
                        && has_at(rest, rest.len() - st.delim.len(), &st.delim)
                    {
                        let body = &rest[..rest.len() - st.delim.len()];
                        if let Some(s) = sloppy.as_deref_mut() {
                            *s += raw_quotes(body);
                        }
                        set(&st.field, body, rec).map(|_| rest.len())
                    } else {
                        Err(Reason::Shape)
                    }
                }
                Mode::Bracketed => {
                    // Fixed width in practice: `[dd/Mon/yyyy:hh:mm:ss +zzzz]` is 28 bytes.
                    let end = if rest.get(27) == Some(&b']') {
                        Some(28)
                    } else {
                        find_byte(rest, b']').map(|e| e + 1)
                    };
                    match end {
                        Some(end) if rest.first() == Some(&b'[') => {
                            match set(&st.field, &rest[..end], rec) {
                                Ok(()) if has_at(rest, end, &st.delim) => Ok(end + st.delim.len()),
                                Ok(()) => Err(Reason::Shape),
                                Err(e) => Err(e),
                            }
                        }
                        _ => Err(Reason::BadTimestamp),
                    }
                }
                Mode::Quoted => {
                    let (mut from, mut raw) = resume.take().unwrap_or((0, 0));
                    let mut found = None;
                    while let Some(q) = next_quote(rest, from) {
                        if has_at(rest, q, &st.delim) {
                            found = Some(q);
                            break;
                        }
                        raw += 1;
                        from = q + 1;
                    }
                    match found {
                        Some(q) => {
                            tries += 1;
                            if tries > MAX_QUOTE_TRIES {
                                return Err(first_err.unwrap_or(Reason::Shape));
                            }
                            if depth < MAX_CHOICES {
                                choices[depth] = (i, pos, q + 1, raw + 1);
                                depth += 1;
                            }
                            if let Some(s) = sloppy.as_deref_mut() {
                                // Approximate after backtracking; only detection reads it.
                                *s += raw;
                            }
                            set(&st.field, &rest[..q], rec).map(|_| q + st.delim.len())
                        }
                        None => Err(Reason::Shape),
                    }
                }
            };
            match step {
                Ok(n) => {
                    pos += n;
                    if let Some(c) = self.shift_guard {
                        if i == c {
                            ends[0] = pos;
                        } else if i == c + 1 {
                            // The field alone, without its delimiter.
                            ends[1] = pos - st.delim.len();
                        }
                    }
                    i += 1;
                }
                Err(e) => {
                    first_err.get_or_insert(e);
                    match pop(&mut choices, &mut depth) {
                        Some((si, sp, from, raw)) => (i, pos, resume) = (si, sp, Some((from, raw))),
                        None => return Err(first_err.unwrap_or(e)),
                    }
                }
            }
        }
    }
}

fn pop(
    choices: &mut [(usize, usize, usize, u32)],
    depth: &mut usize,
) -> Option<(usize, usize, usize, u32)> {
    if *depth == 0 {
        return None;
    }
    *depth -= 1;
    Some(choices[*depth])
}

/// Pairs each field with the literal after it and picks how it finds its end.
fn steps(ops: Vec<Op>) -> Result<AccessFormat, FormatError> {
    let mut merged: Vec<Op> = Vec::with_capacity(ops.len());
    for op in ops {
        match (merged.last_mut(), op) {
            (Some(Op::Lit(prev)), Op::Lit(next)) => prev.extend_from_slice(&next),
            (_, op) => merged.push(op),
        }
    }
    let mut it = merged.into_iter().peekable();
    let prefix = match it.peek() {
        Some(Op::Lit(_)) => match it.next() {
            Some(Op::Lit(l)) => l,
            _ => unreachable!(),
        },
        _ => Vec::new(),
    };
    let mut steps: Vec<Step> = Vec::new();
    let mut prev_lit: Vec<u8> = prefix.clone();
    while let Some(op) = it.next() {
        let Op::Field(field) = op else {
            unreachable!("literals are merged")
        };
        let delim = match it.peek() {
            Some(Op::Lit(_)) => match it.next() {
                Some(Op::Lit(l)) => l,
                _ => unreachable!(),
            },
            Some(Op::Field(_)) => {
                return Err(FormatError::Syntax {
                    column: 0,
                    message: "two fields with nothing between them cannot be told apart".into(),
                })
            }
            None => Vec::new(),
        };
        let last = it.peek().is_none();
        let quoted = prev_lit.last() == Some(&b'"') && delim.first() == Some(&b'"');
        let mode = if field == Field::Time(TimeKind::ClfBracketed) {
            Mode::Bracketed
        } else if delim.is_empty() {
            Mode::ToEnd
        } else if last {
            Mode::Suffix
        } else if quoted {
            Mode::Quoted
        } else {
            Mode::Plain
        };
        prev_lit = delim.clone();
        steps.push(Step { field, mode, delim });
    }
    if steps.is_empty() {
        return Err(FormatError::Syntax {
            column: 0,
            message: "the format has no fields".into(),
        });
    }
    let same = |want: &[(Field, Mode, &[u8])], have: &[Step]| {
        want.len() == have.len()
            && want
                .iter()
                .zip(have)
                .all(|((f, m, d), s)| s.field == *f && s.mode == *m && s.delim == *d)
    };
    let head = [Head::Clf, Head::Nginx].into_iter().find(|h| {
        let n = h.steps().len();
        prefix.is_empty() && steps.len() > n && same(h.steps(), &steps[..n])
    });
    let tail = head.and_then(|h| {
        [Tail::Combined, Tail::CombinedXff]
            .into_iter()
            .find(|t| same(t.steps(), &steps[h.steps().len()..]))
    });
    // A first field ended by a space (nginx `$host `, `%{Host}i `) can hold
    // spaces its writer chose; one ended by `:` (Apache's `%v:%p`, the
    // server's own name) cannot shift anything.
    let client = steps.iter().position(|s| s.field == Field::Client);
    let shift_guard = client.filter(|&c| {
        c > 0
            && steps[c].mode == Mode::Plain
            && steps[0].mode == Mode::Plain
            && steps[0].delim.contains(&b' ')
            && steps.get(c + 1).is_some_and(|s| s.mode == Mode::Plain)
    });
    Ok(AccessFormat {
        prefix,
        steps,
        head,
        tail,
        shift_guard,
    })
}

/// Position of the next `"` at or after `from` that is not escaped by `\`.
#[inline]
fn next_quote(s: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let p = quote_or_escape(s, from)?;
        if s[p] == b'"' {
            return Some(p);
        }
        from = p + 2;
    }
}

/// Position of the first `"` in `s`, when no `\` comes before it.
#[inline(always)]
fn next_quote_or_escape(s: &[u8]) -> Option<usize> {
    quote_or_escape(s, 0).filter(|&p| s[p] == b'"')
}

/// Position of the first `"` or `\` at or after `from`: eight bytes at a
/// time while the field is short (`"-"` is common), then a vectorised search.
#[inline(always)]
fn quote_or_escape(s: &[u8], from: usize) -> Option<usize> {
    if from + 8 <= s.len() {
        let w = word(s, from);
        let m = eq_mask(w, b'"') | eq_mask(w, b'\\');
        if m == 0 {
            memchr::memchr2(b'"', b'\\', &s[from + 8..]).map(|p| from + 8 + p)
        } else {
            Some(from + (m.trailing_zeros() / 8) as usize)
        }
    } else {
        s.get(from..)?
            .iter()
            .position(|&c| c == b'"' || c == b'\\')
            .map(|p| from + p)
    }
}

fn raw_quotes(s: &[u8]) -> u32 {
    let mut n = 0;
    let mut from = 0;
    while let Some(q) = next_quote(s, from) {
        n += 1;
        from = q + 1;
    }
    n
}

/// `lit` occurs in `h` at `at`. Literals are a few bytes: a plain loop beats
/// a call to `memcmp`.
#[inline(always)]
fn has_at(h: &[u8], at: usize, lit: &[u8]) -> bool {
    match h.get(at..at + lit.len()) {
        Some(w) => w.iter().zip(lit).all(|(a, b)| a == b),
        None => false,
    }
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Bytes of `w` equal to `b`, as a mask with the high bit of each such byte set.
/// Bits above the lowest set one may be false positives; only the lowest is used.
#[inline(always)]
fn eq_mask(w: u64, b: u8) -> u64 {
    let x = w ^ (LO * b as u64);
    x.wrapping_sub(LO) & !x & HI
}

#[inline(always)]
fn word(h: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(h[i..i + 8].try_into().expect("8 bytes"))
}

/// Most fields are short (`-`, a status, an address): look at the first 16
/// bytes eight at a time before paying for a call to a vectorised search.
#[inline(always)]
fn find_byte(h: &[u8], b: u8) -> Option<usize> {
    let mut i = 0;
    while i + 8 <= h.len() && i < 16 {
        let m = eq_mask(word(h, i), b);
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    if h.len() - i < 8 {
        return h[i..].iter().position(|&c| c == b).map(|p| p + i);
    }
    memchr::memchr(b, &h[i..]).map(|p| p + i)
}

/// The last `b` in `h`, looking at the last bytes first (protocols are short).
#[inline(always)]
fn rfind_byte(h: &[u8], b: u8) -> Option<usize> {
    let n = h.len().saturating_sub(16);
    if let Some(i) = h[n..].iter().rposition(|&c| c == b) {
        return Some(n + i);
    }
    memchr::memrchr(b, &h[..n])
}

/// First occurrence of a format literal. Literals are a few bytes long, so a
/// memchr for the first byte plus a compare beats building a memmem finder.
#[inline]
fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::rfind(hay, needle)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, tail) = needle.split_first()?;
    let mut from = 0;
    while let Some(p) = find_byte(&hay[from..], first) {
        let at = from + p;
        if has_at(hay, at + 1, tail) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[inline]
fn digits(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 19 {
        return None;
    }
    let mut v = 0u64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u64;
    }
    Some(v)
}

#[inline(always)]
fn set<'a>(field: &Field, v: &'a [u8], rec: &mut Record<'a>) -> Result<(), Reason> {
    match field {
        Field::Client => {
            rec.client = client_from_field(v);
            // No server writes a space into a client field; one that holds a
            // space means the line was split in the wrong place.
            if matches!(rec.client, Client::Other(_)) && memchr::memchr(b' ', v).is_some() {
                return Err(Reason::Shape);
            }
        }
        Field::Time(kind) => {
            let ts = match kind {
                TimeKind::ClfBracketed => match v {
                    [b'[', body @ .., b']'] => time::parse_clf(body),
                    _ => None,
                },
                TimeKind::Clf => time::parse_clf(v),
                TimeKind::Iso8601 => time::parse_iso8601(v),
                TimeKind::EpochSecs => time::parse_epoch_secs(v),
                TimeKind::EpochScaled(per) => time::parse_epoch_scaled(v, *per),
                TimeKind::Strftime(p) => time::parse_strftime(v, p),
            };
            rec.ts = Some(ts.ok_or(Reason::BadTimestamp)?);
            rec.time = v;
        }
        Field::Request => {
            rec.request = v;
            // METHOD SP target SP protocol; the target may hold raw spaces.
            match find_byte(v, b' ') {
                Some(a) => {
                    rec.method = &v[..a];
                    let tail = &v[a + 1..];
                    match rfind_byte(tail, b' ') {
                        Some(b) if has_at(tail, b + 1, b"HTTP/") => {
                            rec.target = &tail[..b];
                            rec.protocol = &tail[b + 1..];
                        }
                        _ => rec.target = tail,
                    }
                }
                None => rec.method = v,
            }
        }
        Field::Method => rec.method = v,
        Field::Target | Field::Path => rec.target = v,
        Field::Query | Field::Ignore => {}
        Field::Protocol => rec.protocol = v,
        Field::Status => {
            if v != b"-" {
                match digits(v) {
                    Some(s @ 100..=999) if v.len() == 3 => rec.status = Some(s as u16),
                    _ => return Err(Reason::BadStatus),
                }
            }
        }
        Field::Bytes => {
            rec.bytes = if v == b"-" {
                Some(0)
            } else {
                Some(digits(v).ok_or(Reason::BadBytes)?)
            }
        }
        Field::Referer => rec.referer = v,
        Field::UserAgent => rec.user_agent = v,
        Field::Vhost => rec.vhost = v,
        Field::Xff => rec.xff = v,
        Field::Duration(scale) => {
            rec.duration_us = match scale {
                DurScale::Micros => digits(v),
                DurScale::Millis => digits(v).map(|x| x.saturating_mul(1000)),
                DurScale::Secs => digits(v).map(|x| x.saturating_mul(1_000_000)),
                DurScale::SecsFrac => frac_secs_us(v),
            };
        }
    }
    Ok(())
}

fn frac_secs_us(v: &[u8]) -> Option<u64> {
    let (int, frac) = match memchr::memchr(b'.', v) {
        Some(p) => (&v[..p], &v[p + 1..]),
        None => (v, &b""[..]),
    };
    let mut us = digits(int)?.saturating_mul(1_000_000);
    let mut scale = 100_000;
    for &c in frac.iter().take(6) {
        if !c.is_ascii_digit() {
            return None;
        }
        us = us.saturating_add((c - b'0') as u64 * scale);
        scale /= 10;
    }
    Some(us)
}

// ---------------------------------------------------------------- Apache

/// Accepts `LogFormat "..." name` as pasted from a config, or the bare string.
fn strip_apache_directive(src: &str) -> Result<String, FormatError> {
    let t = src.trim();
    let body = match t
        .strip_prefix("LogFormat")
        .or_else(|| t.strip_prefix("CustomLog"))
    {
        Some(rest) => {
            let rest = rest.trim_start();
            // CustomLog takes a path first.
            let rest = if t.starts_with("CustomLog") {
                rest.split_once(char::is_whitespace)
                    .map(|x| x.1.trim_start())
                    .unwrap_or("")
            } else {
                rest
            };
            quoted_arg(rest).ok_or_else(|| FormatError::Syntax {
                column: src.len() - rest.len() + 1,
                message: "expected a quoted format string".into(),
            })?
        }
        None => t.to_string(),
    };
    // Config-file escapes: `\"` and `\\`, plus mod_log_config's `\t` and `\n`.
    let mut out = String::with_capacity(body.len());
    let mut it = body.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some(o) => out.push(o),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// The text of a leading `"..."` argument, escapes kept as written.
fn quoted_arg(s: &str) -> Option<String> {
    let s = s.strip_prefix('"')?;
    let b = s.as_bytes();
    let end = next_quote(b, 0)?;
    Some(s[..end].to_string())
}

/// `%` `[!]N,N` `{arg}` `<|>` letter(s)
fn apache_directive(i: &str) -> IResult<&str, (Option<&str>, &str)> {
    let (i, _) = tag("%")(i)?;
    let (i, _) =
        take_while(|c: char| c == '!' || c == ',' || c == '<' || c == '>' || c.is_ascii_digit())(
            i,
        )?;
    let (i, arg) = opt(delimited(tag("{"), take_until("}"), tag("}"))).parse(i)?;
    let (i, _) = take_while(|c: char| c == '<' || c == '>')(i)?;
    let (i, letter) = alt((recognize(pair(tag("^"), take(2usize))), take(1usize))).parse(i)?;
    Ok((i, (arg, letter)))
}

fn compile_apache(fmt: &str) -> Result<Vec<Op>, FormatError> {
    let mut ops = Vec::new();
    let mut rest = fmt;
    while !rest.is_empty() {
        let column = fmt.len() - rest.len() + 1;
        if let Some(after) = rest.strip_prefix("%%") {
            ops.push(Op::Lit(b"%".to_vec()));
            rest = after;
            continue;
        }
        if !rest.starts_with('%') {
            let n = rest.find('%').unwrap_or(rest.len());
            ops.push(Op::Lit(rest.as_bytes()[..n].to_vec()));
            rest = &rest[n..];
            continue;
        }
        let (after, (arg, letter)) = apache_directive(rest).map_err(|_| FormatError::Syntax {
            column,
            message: "incomplete directive".into(),
        })?;
        let field = apache_field(arg, letter).ok_or_else(|| FormatError::UnknownDirective {
            directive: rest[..rest.len() - after.len()].to_string(),
            column,
        })?;
        ops.push(Op::Field(field));
        rest = after;
    }
    Ok(ops)
}

fn apache_field(arg: Option<&str>, letter: &str) -> Option<Field> {
    let arg_lc = arg.map(|a| a.to_ascii_lowercase());
    Some(match (letter, arg_lc.as_deref()) {
        ("h", _) | ("a", _) => Field::Client,
        ("t", None) => Field::Time(TimeKind::ClfBracketed),
        ("t", Some(a)) => {
            let a = a.trim_start_matches("begin:").trim_start_matches("end:");
            match a {
                "sec" => Field::Time(TimeKind::EpochSecs),
                "msec" => Field::Time(TimeKind::EpochScaled(1000)),
                "usec" => Field::Time(TimeKind::EpochScaled(1_000_000)),
                "msec_frac" | "usec_frac" => Field::Ignore,
                _ => {
                    let orig = arg.unwrap();
                    let orig = orig.trim_start_matches("begin:").trim_start_matches("end:");
                    Field::Time(TimeKind::Strftime(orig.to_string()))
                }
            }
        }
        ("r", None) => Field::Request,
        ("m", None) => Field::Method,
        ("U", None) => Field::Path,
        ("q", None) => Field::Query,
        ("H", None) => Field::Protocol,
        ("s", None) => Field::Status,
        ("b", None) | ("B", None) | ("O", None) => Field::Bytes,
        ("D", None) => Field::Duration(DurScale::Micros),
        ("T", None) | ("T", Some("s")) => Field::Duration(DurScale::Secs),
        ("T", Some("ms")) => Field::Duration(DurScale::Millis),
        ("T", Some("us")) => Field::Duration(DurScale::Micros),
        ("v", None) | ("V", None) => Field::Vhost,
        ("i", Some("referer")) => Field::Referer,
        ("i", Some("user-agent")) => Field::UserAgent,
        ("i", Some("x-forwarded-for")) => Field::Xff,
        ("i", Some(_)) | ("o", Some(_)) | ("e", Some(_)) | ("C", Some(_)) | ("n", Some(_)) => {
            Field::Ignore
        }
        ("l", None)
        | ("u", None)
        | ("I", None)
        | ("S", None)
        | ("L", None)
        | ("k", None)
        | ("X", None)
        | ("f", None)
        | ("R", None)
        | ("A", None) => Field::Ignore,
        ("p", _) | ("P", _) => Field::Ignore,
        ("^FB", None) | ("^FU", None) | ("^ti", Some(_)) | ("^to", Some(_)) => Field::Ignore,
        _ => return None,
    })
}

// ---------------------------------------------------------------- nginx

/// Accepts `log_format name [escape=...] '...' '...';` or the bare string(s).
fn strip_nginx_directive(src: &str) -> Result<String, FormatError> {
    let mut t = src.trim().trim_end_matches(';').trim();
    if let Some(rest) = t.strip_prefix("log_format") {
        let rest = rest.trim_start();
        // the format's name
        let n = rest.find(char::is_whitespace).unwrap_or(rest.len());
        t = rest[n..].trim_start();
        if let Some(r) = t.strip_prefix("escape=") {
            let n = r.find(char::is_whitespace).unwrap_or(r.len());
            t = r[n..].trim_start();
        }
    }
    if !(t.starts_with('\'') || t.starts_with('"')) {
        return Ok(t.to_string());
    }
    // Adjacent quoted strings are concatenated, as nginx does.
    let mut out = String::new();
    let mut rest = t;
    while let Some(q) = rest.chars().next() {
        if q.is_whitespace() {
            // Not always one byte: U+0085 and U+00A0 are whitespace too.
            rest = &rest[q.len_utf8()..];
            continue;
        }
        if q != '\'' && q != '"' {
            return Err(FormatError::Syntax {
                column: src.len() - rest.len() + 1,
                message: "expected a quoted string".into(),
            });
        }
        let body = &rest[1..];
        let mut end = None;
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            if c == '\\' {
                if let Some((_, e)) = chars.next() {
                    out.push(e);
                }
            } else if c == q {
                end = Some(i);
                break;
            } else {
                out.push(c);
            }
        }
        let end = end.ok_or(FormatError::Syntax {
            column: src.len() - rest.len() + 1,
            message: "unterminated quoted string".into(),
        })?;
        rest = &body[end + 1..];
    }
    Ok(out)
}

fn nginx_var(i: &str) -> IResult<&str, &str> {
    let name = |i| take_while1(|c: char| c.is_ascii_alphanumeric() || c == '_')(i);
    let (i, _) = tag("$")(i)?;
    alt((delimited(tag("{"), name, tag("}")), name)).parse(i)
}

fn compile_nginx(fmt: &str) -> Result<Vec<Op>, FormatError> {
    let mut ops = Vec::new();
    let mut rest = fmt;
    while !rest.is_empty() {
        let column = fmt.len() - rest.len() + 1;
        if !rest.starts_with('$') {
            let n = rest.find('$').unwrap_or(rest.len());
            ops.push(Op::Lit(rest.as_bytes()[..n].to_vec()));
            rest = &rest[n..];
            continue;
        }
        let (after, name) = nginx_var(rest).map_err(|_| FormatError::Syntax {
            column,
            message: "`$` not followed by a variable name".into(),
        })?;
        let field = nginx_field(name).ok_or_else(|| FormatError::UnknownDirective {
            directive: format!("${name}"),
            column,
        })?;
        ops.push(Op::Field(field));
        rest = after;
    }
    Ok(ops)
}

/// nginx variables alf knows. Prefixed families (`$http_*`, `$upstream_*`...) are
/// all accepted; any other name is an error, so that a typo is caught.
fn nginx_field(name: &str) -> Option<Field> {
    Some(match name {
        "remote_addr" | "binary_remote_addr" | "realip_remote_addr" => Field::Client,
        "time_local" => Field::Time(TimeKind::Clf),
        "time_iso8601" => Field::Time(TimeKind::Iso8601),
        "msec" => Field::Time(TimeKind::EpochSecs),
        "request" => Field::Request,
        "request_method" => Field::Method,
        "request_uri" => Field::Target,
        "uri" | "document_uri" => Field::Path,
        "args" | "query_string" => Field::Query,
        "server_protocol" => Field::Protocol,
        "status" => Field::Status,
        "body_bytes_sent" | "bytes_sent" => Field::Bytes,
        "request_time" => Field::Duration(DurScale::SecsFrac),
        "http_referer" => Field::Referer,
        "http_user_agent" => Field::UserAgent,
        "http_x_forwarded_for" | "proxy_add_x_forwarded_for" => Field::Xff,
        "host" | "server_name" | "http_host" => Field::Vhost,
        "remote_user"
        | "remote_port"
        | "request_length"
        | "server_port"
        | "server_addr"
        | "scheme"
        | "https"
        | "connection"
        | "connection_requests"
        | "pipe"
        | "request_id"
        | "pid"
        | "hostname"
        | "gzip_ratio"
        | "content_length"
        | "content_type"
        | "document_root"
        | "realpath_root"
        | "request_body"
        | "request_completion"
        | "request_filename"
        | "is_args"
        | "nginx_version"
        | "tcpinfo_rtt"
        | "tcpinfo_rttvar"
        | "tcpinfo_snd_cwnd"
        | "tcpinfo_rcv_space"
        | "limit_rate"
        | "realip_remote_port"
        | "proxy_host"
        | "proxy_port"
        | "proxy_protocol_addr"
        | "proxy_protocol_port"
        | "server_name_port"
        | "time_msec"
        | "bytes_received"
        | "session_time"
        | "protocol"
        | "ssl_protocol"
        | "ssl_cipher" => Field::Ignore,
        n if [
            "http_",
            "sent_http_",
            "upstream_",
            "ssl_",
            "cookie_",
            "arg_",
            "geoip_",
            "sent_trailer_",
            "jwt_",
        ]
        .iter()
        .any(|p| n.starts_with(p)) =>
        {
            Field::Ignore
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Client;

    const COMBINED: &str = r#"%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i""#;

    fn parse<'a>(f: &AccessFormat, line: &'a str) -> Result<Record<'a>, Reason> {
        let mut r = Record::default();
        f.parse(line.as_bytes(), &mut r).map(|_| r)
    }

    #[test]
    fn combined_line() {
        let f = AccessFormat::compile(COMBINED, Dialect::Apache).unwrap();
        let r = parse(&f, r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 "http://x/" "Moz \"q\" 4""#).unwrap();
        assert_eq!(r.client, Client::Ip("127.0.0.1".parse().unwrap()));
        assert_eq!(r.ts, Some(971211336));
        assert_eq!(r.method, b"GET");
        assert_eq!(r.target, b"/a.gif");
        assert_eq!(r.protocol, b"HTTP/1.0");
        assert_eq!(r.status, Some(200));
        assert_eq!(r.bytes, Some(2326));
        assert_eq!(r.referer, b"http://x/");
        assert_eq!(r.user_agent, br#"Moz \"q\" 4"#);
    }

    #[test]
    fn apache13_raw_quote_in_request() {
        let f = AccessFormat::compile(COMBINED, Dialect::Apache).unwrap();
        let r = parse(
            &f,
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a"b" c HTTP/1.0" 404 - "-" "-""#,
        )
        .unwrap();
        assert_eq!(r.target, br#"/a"b" c"#);
        assert_eq!(r.status, Some(404));
        assert_eq!(r.bytes, Some(0));
    }

    #[test]
    fn pasted_directives_and_escapes() {
        let a = AccessFormat::compile(
            r#"LogFormat "%h %l %u %t \"%r\" %>s %b" common"#,
            Dialect::Apache,
        )
        .unwrap();
        let r = parse(
            &a,
            r#"::1 - - [10/Oct/2000:13:55:36 -0700] "OPTIONS * HTTP/1.0" 200 -"#,
        )
        .unwrap();
        assert_eq!(r.client, Client::Ip("::1".parse().unwrap()));
        let n = AccessFormat::compile(
            "log_format main '$remote_addr - $remote_user [$time_local] \"$request\" '\n  '$status $body_bytes_sent';",
            Dialect::Nginx,
        )
        .unwrap();
        let r = parse(
            &n,
            r#"10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "\x16\x03\x01" 400 0"#,
        )
        .unwrap();
        assert_eq!(r.status, Some(400));
        assert_eq!(r.method, br"\x16\x03\x01");
    }

    #[test]
    fn unknown_directive_points_at_column() {
        match AccessFormat::compile("%h %Z", Dialect::Apache) {
            Err(FormatError::UnknownDirective { directive, column }) => {
                assert_eq!(directive, "%Z");
                assert_eq!(column, 4);
            }
            other => panic!("{other:?}"),
        }
        match AccessFormat::compile("$remote_addr $bogus", Dialect::Nginx) {
            Err(FormatError::UnknownDirective { column: 14, .. }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn csv_custom_format() {
        let f = AccessFormat::compile(
            r#"%v,%p,%h,%l,%u,%t,%I,%O,%S,%B,%{ms}T,%D,%^FB,%>s,\"%H\",\"%m\",\"%U\",\"%q\",\"%{Referer}i\",\"%{User-Agent}i\",\"%{VARNAME}C\",%L"#,
            Dialect::Apache,
        )
        .unwrap();
        let line = r#"farmwork.app,443,1.2.3.4,-,-,[05/Dec/2024:10:00:00 +0000],500,600,1100,300,12,12345,100,200,"HTTP/2.0","GET","/x","","-","Mozilla/5.0 (KHTML, like Gecko)","-",Z1"#;
        let r = parse(&f, line).unwrap();
        assert_eq!(r.client, Client::Ip("1.2.3.4".parse().unwrap()));
        assert_eq!(r.status, Some(200));
        assert_eq!(r.duration_us, Some(12345));
        assert_eq!(r.user_agent, b"Mozilla/5.0 (KHTML, like Gecko)");
    }

    #[test]
    fn malformed_reasons() {
        let f = AccessFormat::compile(COMBINED, Dialect::Apache).unwrap();
        assert_eq!(parse(&f, "garbage").unwrap_err(), Reason::Shape);
        assert_eq!(
            parse(
                &f,
                r#"1.2.3.4 - - [10/Foo/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1 "-" "-""#
            )
            .unwrap_err(),
            Reason::BadTimestamp
        );
        assert_eq!(
            parse(
                &f,
                r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 2000 1 "-" "-""#
            )
            .unwrap_err(),
            Reason::BadStatus
        );
        // truncated: user agent lacks its closing quote
        assert!(parse(
            &f,
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1 "-" "Moz"#
        )
        .is_err());
    }

    /// The fused CLF head must agree with the general parser on every line:
    /// same outcome, same reason, same fields.
    #[test]
    fn clf_head_agrees_with_general_parser() {
        let seeds = [
            r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 "http://x/" "Moz""#,
            r#"::1 - - [10/Oct/2000:13:55:36 -0700] "OPTIONS * HTTP/1.0" 200 - "-" "Apache (internal dummy connection)""#,
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a"b" c HTTP/1.0" 404 - "-" "-""#,
            r#"h.example - u [10/Oct/2000:13:55:36 +0000] "-" 408 0 "-" "-""#,
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5 "http://a/\"x" "Moz \"q\" z""#,
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 - "-" "Mozilla/5.0 (X11)" "203.0.113.9""#,
            r#"2001:db8::1 - - [10/Oct/2000:13:55:36 +0000] "GET /x HTTP/2.0" 200 0 "https://a/" "Moz \"q" "10.0.0.1, 203.0.113.9""#,
        ];
        let alphabet = [b' ', b'"', b'\\', b'[', b']', b'-', b'0', b'5', b'x'];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        // Each format, with the head and tail it must be given.
        let nginx = "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\"";
        let nginx_main = format!("{nginx} \"$http_x_forwarded_for\"");
        let formats = [
            (COMBINED, Dialect::Apache, Head::Clf, Some(Tail::Combined)),
            (
                r#"%h %l %u %t "%r" %>s %b"#,
                Dialect::Apache,
                Head::Clf,
                None,
            ),
            (
                r#"%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D"#,
                Dialect::Apache,
                Head::Clf,
                None,
            ),
            (nginx, Dialect::Nginx, Head::Nginx, Some(Tail::Combined)),
            (
                &nginx_main,
                Dialect::Nginx,
                Head::Nginx,
                Some(Tail::CombinedXff),
            ),
        ];
        for (fmt, dialect, head, tail) in formats {
            let f = AccessFormat::compile(fmt, dialect).unwrap();
            assert_eq!((f.head, f.tail), (Some(head), tail), "{fmt}");
            let mut clean = 0;
            for seed in seeds {
                for _ in 0..3000 {
                    let mut line = seed.as_bytes().to_vec();
                    for _ in 0..(x % 3) {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        let at = (x >> 8) as usize % (line.len() + 1);
                        match x % 3 {
                            0 if at < line.len() => {
                                line.remove(at);
                            }
                            1 if at < line.len() => {
                                line[at] = alphabet[(x >> 40) as usize % alphabet.len()]
                            }
                            _ => line.insert(at, alphabet[(x >> 40) as usize % alphabet.len()]),
                        }
                    }
                    let (mut a, mut b) = (Record::default(), Record::default());
                    let read = f.read(&line, &mut a);
                    let fast = read.map(|_| ());
                    let general = f.run(&line, &mut b, None, 0, 0).map(|_| ());
                    assert_eq!(fast, general, "{}", String::from_utf8_lossy(&line));
                    if matches!(read, Ok((_, true))) {
                        // What lets the scan skip `Agg::swallowed`.
                        assert!(!a.referer.contains(&b'"') && !a.user_agent.contains(&b'"'));
                        assert_eq!(f.parse_measured(&line, &mut Record::default()), Ok(0));
                        clean += 1;
                    }
                    if fast.is_ok() {
                        assert_eq!(
                            format!("{a:?}"),
                            format!("{b:?}"),
                            "{}",
                            String::from_utf8_lossy(&line)
                        );
                    }
                }
            }
            // The fast paths are taken, not only agreed with.
            assert!(tail.is_none() || clean > 1000, "{fmt}: {clean} clean lines");
        }
    }

    #[test]
    fn quote_tries_are_bounded() {
        let f = AccessFormat::compile(COMBINED, Dialect::Apache).unwrap();
        let mut line = String::from(r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] ""#);
        for _ in 0..100_000 {
            line.push_str(r#"" "#);
        }
        assert!(parse(&f, &line).is_err());
    }
}
