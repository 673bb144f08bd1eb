//! Timestamp parsers. The common shapes have fixed-width fast paths (a few ns
//! each); anything else goes through chrono with the format the user gave.
//! Every result is seconds since the epoch, UTC.

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp as i64 + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// Year, month, day of a day number since 1970-01-01: the inverse of
/// [`days_from_civil`] (Howard Hinnant's `civil_from_days`).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Appends `YYYY-MM-DDTHH:MM:SS` for `secs` since the epoch (UTC), written
/// digit by digit; a year outside 0..=9999 is written signed (`+10000`).
pub fn write_utc(out: &mut Vec<u8>, secs: i64) {
    use std::io::Write;
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400) as u32);
    let (y, m, d) = civil_from_days(days);
    let two = |out: &mut Vec<u8>, v: u32| {
        out.extend_from_slice(&[b'0' + (v / 10) as u8, b'0' + (v % 10) as u8])
    };
    if (0..10_000).contains(&y) {
        let y = y as u32;
        two(out, y / 100);
        two(out, y % 100);
    } else {
        let _ = write!(out, "{y:+05}");
    }
    out.push(b'-');
    two(out, m);
    out.push(b'-');
    two(out, d);
    out.push(b'T');
    two(out, sod / 3600);
    out.push(b':');
    two(out, sod / 60 % 60);
    out.push(b':');
    two(out, sod % 60);
}

/// The earliest and latest times alf accepts: 0000-01-01T00:00:00Z and
/// 9999-12-31T23:59:59Z, the span RFC 3339 can write. A time outside it
/// (year 9999 at a western offset, a 12-digit epoch) makes the line's
/// timestamp malformed, rather than a report time no parser reads back.
pub const MIN_TS: i64 = -62_167_219_200;
pub const MAX_TS: i64 = 253_402_300_799;

/// `t` when RFC 3339 can write it (see [`MAX_TS`]).
#[inline(always)]
pub fn in_range(t: i64) -> Option<i64> {
    (MIN_TS..=MAX_TS).contains(&t).then_some(t)
}

/// `b` is `len` bytes long with these separators at these places.
#[inline(always)]
fn shaped(b: &[u8], len: usize, marks: &[(usize, u8)]) -> bool {
    b.len() == len && marks.iter().all(|&(i, c)| b[i] == c)
}

/// Decimal digits; `None` for anything else, or past `u32::MAX` (epoch
/// seconds after 2106 must not wrap round to 1970).
#[inline]
fn num(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u32)?;
    }
    Some(v)
}

#[inline]
fn month(b: &[u8]) -> Option<u32> {
    if b.len() != 3 {
        return None;
    }
    // Fold case once, then compare whole words.
    let w = [
        b[0].to_ascii_uppercase(),
        b[1].to_ascii_lowercase(),
        b[2].to_ascii_lowercase(),
    ];
    MONTHS.iter().position(|m| **m == w).map(|i| i as u32 + 1)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Seconds since the epoch for a validated civil date-time; a leap second
/// (`:60`) is folded onto the next second.
fn epoch(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<i64> {
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60
    {
        return None;
    }
    in_range(days_from_civil(y, mo, d) * 86400 + (h * 3600 + mi * 60 + s) as i64)
}

/// `yyyy?mm?dd?hh:mm:ss` at the start of `b` (separators checked by the
/// caller, at least 19 bytes) as if at UTC.
fn ymd_hms(b: &[u8]) -> Option<i64> {
    epoch(
        num(&b[0..4])? as i64,
        num(&b[5..7])?,
        num(&b[8..10])?,
        num(&b[11..13])?,
        num(&b[14..16])?,
        num(&b[17..19])?,
    )
}

/// `+hhmm` / `-hhmm` (also `+hh:mm`) to seconds east of UTC.
fn zone(b: &[u8]) -> Option<i64> {
    let (sign, rest) = match b.first()? {
        b'+' => (1, &b[1..]),
        b'-' => (-1, &b[1..]),
        _ => return None,
    };
    let (h, m) = match rest.len() {
        4 => (num(&rest[..2])?, num(&rest[2..])?),
        5 if rest[2] == b':' => (num(&rest[..2])?, num(&rest[3..])?),
        _ => return None,
    };
    // Real offsets run from -12:00 to +14:00; past ±14:00 is no zone.
    if m > 59 || h * 60 + m > 14 * 60 {
        return None;
    }
    Some(sign * (h as i64 * 3600 + m as i64 * 60))
}

/// Apache `%t` / nginx `$time_local` body: `10/Oct/2000:13:55:36 -0700`.
///
/// Lines come in time order, so the date and zone repeat from line to line:
/// the start of the day is kept per thread and only the time of day is parsed
/// when they match the last line's; and a busy log writes the same second on
/// many lines running, so the last time read is kept too, and a line that
/// repeats it byte for byte costs a compare.
#[inline]
pub fn parse_clf(b: &[u8]) -> Option<i64> {
    if b.len() != 26 {
        return None;
    }
    // All 26 bytes, as two overlapping 16-byte words: two compares.
    let word = |i: usize| u128::from_le_bytes(b[i..i + 16].try_into().unwrap_or([0; 16]));
    let key = (word(0), word(10));
    let (last, t) = LAST.get();
    if last == key && t != NONE {
        return Some(t);
    }
    let t = parse_clf_once(b)?;
    LAST.set((key, t));
    Some(t)
}

/// [`parse_clf`] without the last time kept.
#[inline]
fn parse_clf_once(b: &[u8]) -> Option<i64> {
    if !shaped(
        b,
        26,
        &[
            (2, b'/'),
            (6, b'/'),
            (11, b':'),
            (14, b':'),
            (17, b':'),
            (20, b' '),
        ],
    ) {
        return None;
    }
    let mut key = [0u8; 16];
    key[..11].copy_from_slice(&b[..11]);
    key[11..].copy_from_slice(&b[21..26]);
    let (h, mi, s) = (two(&b[12..14])?, two(&b[15..17])?, two(&b[18..20])?);
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let tod = (h * 3600 + mi * 60 + s) as i64;
    let base = DAY.with(|c| {
        let (k, v) = c.get();
        if k == key {
            return Some(v);
        }
        let v = epoch(
            num(&b[7..11])? as i64,
            month(&b[3..6])?,
            num(&b[0..2])?,
            0,
            0,
            0,
        )? - zone(&b[21..])?;
        c.set((key, v));
        Some(v)
    })?;
    in_range(base + tod)
}

thread_local! {
    /// Last `dd/Mon/yyyy` + zone seen by `parse_clf`, and that day's start in UTC.
    static DAY: std::cell::Cell<([u8; 16], i64)> = const { std::cell::Cell::new(([0; 16], 0)) };
    /// The last time `parse_clf` read, as written, and its value ([`NONE`]
    /// before the first).
    static LAST: std::cell::Cell<((u128, u128), i64)> = const { std::cell::Cell::new(((0, 0), NONE)) };
}

/// No time kept (below [`MIN_TS`], so never a time read).
const NONE: i64 = i64::MIN;

#[inline(always)]
fn two(b: &[u8]) -> Option<u32> {
    let (x, y) = (b[0].wrapping_sub(b'0'), b[1].wrapping_sub(b'0'));
    (x < 10 && y < 10).then_some(x as u32 * 10 + y as u32)
}

/// nginx `$time_iso8601`: `2025-12-18T10:00:00+00:00` (also `Z`, fractional seconds).
pub fn parse_iso8601(b: &[u8]) -> Option<i64> {
    let (t, rest) = iso8601_local(b)?;
    in_range(t - iso8601_zone(rest)?)
}

/// An ISO 8601 time as if at UTC, and what follows its seconds (the zone).
fn iso8601_local(b: &[u8]) -> Option<(i64, &[u8])> {
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || (b[10] != b'T' && b[10] != b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let t = ymd_hms(b)?;
    let mut rest = &b[19..];
    if rest.first() == Some(&b'.') {
        let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = &rest[1 + n..];
    }
    Some((t, rest))
}

fn iso8601_zone(rest: &[u8]) -> Option<i64> {
    match rest {
        b"Z" | b"z" => Some(0),
        _ => zone(rest),
    }
}

/// The UTC offset written in an access log's time field (`[%t]`,
/// `$time_local`, ISO 8601), in seconds east; `None` for a time that
/// carries none (epoch seconds, most `strftime` patterns).
pub fn written_offset(field: &[u8]) -> Option<i64> {
    let b = match field {
        [b'[', body @ .., b']'] => body,
        _ => field,
    };
    if parse_clf(b).is_some() {
        return zone(&b[21..]);
    }
    let (_, rest) = iso8601_local(b)?;
    iso8601_zone(rest)
}

/// Epoch seconds with an optional fraction (`$msec`, `%{sec}t`).
pub fn parse_epoch_secs(b: &[u8]) -> Option<i64> {
    let int = match memchr::memchr(b'.', b) {
        Some(p) => {
            // Digits only; the fraction is dropped, however long.
            if !b[p + 1..].iter().all(u8::is_ascii_digit) {
                return None;
            }
            &b[..p]
        }
        None => b,
    };
    if int.is_empty() || int.len() > 12 {
        return None;
    }
    num(int)
        .map(|v| v as i64)
        .or_else(|| std::str::from_utf8(int).ok()?.parse().ok())
        .and_then(in_range)
}

/// Epoch with a fixed sub-second unit (`%{msec}t`, `%{usec}t`).
pub fn parse_epoch_scaled(b: &[u8], per_sec: i64) -> Option<i64> {
    if b.is_empty() || b.len() > 20 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b)
        .ok()?
        .parse::<i64>()
        .ok()
        .and_then(|v| in_range(v / per_sec))
}

/// Error-log stamp: `Wed Oct 11 14:32:52 2000` or `Wed Oct 11 14:32:52.123456 2000`.
/// Error logs carry no zone; the time is taken as UTC.
pub fn parse_ctime(b: &[u8]) -> Option<i64> {
    // Www Mmm dd hh:mm:ss[.frac] yyyy
    if b.len() < 24
        || b[3] != b' '
        || b[7] != b' '
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let day = if b[8] == b' ' {
        num(&b[9..10])?
    } else {
        num(&b[8..10])?
    };
    let mut rest = &b[19..];
    if rest.first() == Some(&b'.') {
        let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        rest = &rest[1 + n..];
    }
    if rest.len() != 5 || rest[0] != b' ' {
        return None;
    }
    epoch(
        num(&rest[1..])? as i64,
        month(&b[4..7])?,
        day,
        num(&b[11..13])?,
        num(&b[14..16])?,
        num(&b[17..19])?,
    )
}

/// nginx error-log stamp: `2025/12/18 10:00:00`, taken as UTC.
pub fn parse_nginx_error(b: &[u8]) -> Option<i64> {
    if !shaped(
        b,
        19,
        &[(4, b'/'), (7, b'/'), (10, b' '), (13, b':'), (16, b':')],
    ) {
        return None;
    }
    ymd_hms(b)
}

/// Any strftime pattern from `%{...}t`, through chrono. Slow path.
pub fn parse_strftime(b: &[u8], pattern: &str) -> Option<i64> {
    let s = std::str::from_utf8(b).ok()?;
    if let Ok(dt) = chrono::DateTime::parse_from_str(s, pattern) {
        // chrono takes any offset under a day: hold it to ±14:00 as the fast paths do.
        if dt.offset().local_minus_utc().abs() > 14 * 3600 {
            return None;
        }
        return in_range(dt.timestamp());
    }
    chrono::NaiveDateTime::parse_from_str(s, pattern)
        .ok()
        .and_then(|dt| in_range(dt.and_utc().timestamp()))
}

/// RFC 3339 UTC text for reports.
/// How the local times of a log that writes no zone map to UTC: one offset,
/// or two and the moment (UTC) the second took over, as at a change to or
/// from summer time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalZone {
    /// Seconds east of UTC before `change`, and from it on.
    pub before: i64,
    pub after: i64,
    pub change: i64,
}

impl Default for LocalZone {
    fn default() -> Self {
        LocalZone::fixed(0)
    }
}

impl LocalZone {
    pub fn fixed(offset: i64) -> LocalZone {
        LocalZone {
            before: offset,
            after: offset,
            change: i64::MIN,
        }
    }

    pub fn is_utc(&self) -> bool {
        self.before == 0 && self.after == 0
    }

    /// The UTC time of a local time. In the hour that a change back to
    /// winter time repeats, the first reading is taken.
    pub fn utc(&self, local: i64) -> i64 {
        let t = local - self.before;
        if t < self.change {
            t
        } else {
            local - self.after
        }
    }
}

/// Seconds east of UTC as `+09:00`.
pub fn offset_text(offset: i64) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let m = offset.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

/// `2020-12-24T09:58:33Z`, by [`write_utc`]: a report writes one for every
/// offender's first and last line, and chrono reads its format string
/// anew each time.
pub fn format_utc(ts: i64) -> String {
    if !(0..10_000).contains(&civil_from_days(ts.div_euclid(86_400)).0) {
        // Signed and wider years, and times past chrono's range: its forms.
        return match chrono::DateTime::from_timestamp(ts, 0) {
            Some(dt) => dt.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            None => ts.to_string(),
        };
    }
    let mut out = Vec::with_capacity(20);
    write_utc(&mut out, ts);
    out.push(b'Z');
    out.into_iter().map(char::from).collect()
}

/// `+0900`, `-07:00`, `Z`, `UTC` → seconds east of UTC.
pub fn parse_offset(s: &str) -> Result<i64, String> {
    let bad = || format!("`{s}` is not a UTC offset like +0900, -07:00 or UTC");
    if s.eq_ignore_ascii_case("utc") || s.eq_ignore_ascii_case("z") {
        return Ok(0);
    }
    // Byte offsets below: text that is not ASCII could put one inside a
    // character.
    if !s.is_ascii() {
        return Err(bad());
    }
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => (1, &s[1..]),
        Some(b'-') => (-1, &s[1..]),
        _ => return Err(bad()),
    };
    let (hh, mm) = match rest.len() {
        4 => (&rest[..2], &rest[2..]),
        5 if rest.as_bytes()[2] == b':' => (&rest[..2], &rest[3..]),
        _ => return Err(bad()),
    };
    let num = |x: &str| {
        x.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| x.parse::<i64>().ok())
            .flatten()
            .ok_or_else(bad)
    };
    let (h, m) = (num(hh)?, num(mm)?);
    if h > 14 || m > 59 {
        return Err(bad());
    }
    Ok(sign * (h * 3600 + m * 60))
}

/// `90`, `90s`, `5m`, `2h`, `1d` → seconds.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 30s, 5m, 1h, 1d"))?;
    let k = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return Err(format!("`{s}`: unknown unit (use s, m, h or d)")),
    };
    n.checked_mul(k)
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("`{s}` is not a positive duration"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_utc_writes_what_chrono_writes() {
        let chrono_form = |ts: i64| match chrono::DateTime::from_timestamp(ts, 0) {
            Some(dt) => dt.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            None => ts.to_string(),
        };
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut cases = vec![
            0,
            -1,
            1_608_803_913,
            253_402_300_799,
            253_402_300_800,
            -62_167_219_200,
            -62_167_219_201,
            i64::MAX,
            i64::MIN,
        ];
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cases.push((x % 600_000_000_000) as i64 - 300_000_000_000);
        }
        for ts in cases {
            assert_eq!(format_utc(ts), chrono_form(ts), "{ts}");
        }
    }

    #[test]
    fn clf() {
        // Before any time was kept, and after: a time that did not parse is
        // never the one kept.
        assert_eq!(parse_clf(&[0; 26]), None);
        assert_eq!(parse_clf(b"10/Oct/2000:13:55:36 -0700"), Some(971211336));
        assert_eq!(parse_clf(b"10/Oct/2000:13:55:36 -0700"), Some(971211336));
        assert_eq!(parse_clf(b"10/Oct/2000:13:55:37 -0700"), Some(971211337));
        assert_eq!(parse_clf(b"10/Oct/2000:13:55:36 -0700"), Some(971211336));
        assert_eq!(parse_clf(&[0; 26]), None);
        assert_eq!(parse_clf(b"24/Dec/2020:18:58:33 +0900"), Some(1608803913));
        assert_eq!(parse_clf(b"01/Jan/1970:00:00:00 +0000"), Some(0));
        assert_eq!(parse_clf(b"29/Feb/2021:00:00:00 +0000"), None);
        assert_eq!(parse_clf(b"10/Foo/2000:13:55:36 -0700"), None);
        assert_eq!(parse_clf(b"10/Oct/2000:13:55:36"), None);
        assert_eq!(parse_clf(b"31/Dec/9999:23:59:59 +1400"), Some(253402250399));
        assert_eq!(parse_clf(b"31/Dec/2016:23:59:60 +0000"), Some(1483228800));
        // Past 9999-12-31T23:59:59Z in UTC, or an offset past ±14:00: no time.
        assert_eq!(parse_clf(b"31/Dec/9999:23:59:59 -0100"), None);
        assert_eq!(parse_clf(b"01/Jan/0000:00:30:00 +0100"), None);
        assert_eq!(
            parse_clf(b"01/Jan/0000:00:30:00 +0000"),
            Some(MIN_TS + 1800)
        );
        assert_eq!(parse_clf(b"10/Oct/2000:13:55:36 +1401"), None);
        assert_eq!(parse_clf(b"10/Oct/2000:13:55:36 -1459"), None);
        assert_eq!(parse_clf(b"10/Oct/2000:13:55:36 -1200"), Some(971229336));
    }

    #[test]
    fn every_accepted_time_is_rfc3339() {
        assert_eq!(format_utc(MAX_TS), "9999-12-31T23:59:59Z");
        assert_eq!(format_utc(MIN_TS), "0000-01-01T00:00:00Z");
        assert_eq!(parse_iso8601(b"9999-12-31T23:59:59-00:01"), None);
        assert_eq!(parse_iso8601(b"9999-12-31T23:59:59Z"), Some(MAX_TS));
        assert_eq!(parse_iso8601(b"2000-10-11T20:55:36+15:00"), None);
        assert_eq!(parse_epoch_secs(b"253402300800"), None);
        assert_eq!(parse_epoch_secs(b"253402300799.5"), Some(MAX_TS));
        assert_eq!(parse_epoch_scaled(b"99999999999999999999", 1000), None);
        assert_eq!(parse_ctime(b"Fri Dec 31 23:59:59 9999"), Some(MAX_TS));
        assert_eq!(
            parse_strftime(b"10000-01-01 00:00:00", "%Y-%m-%d %H:%M:%S"),
            None
        );
        assert_eq!(
            parse_strftime(b"2000-01-01 00:00:00 +2300", "%Y-%m-%d %H:%M:%S %z"),
            None
        );
    }

    #[test]
    fn iso_and_epoch() {
        assert_eq!(parse_iso8601(b"2000-10-11T20:55:36+00:00"), Some(971297736));
        assert_eq!(parse_iso8601(b"2000-10-11T13:55:36-07:00"), Some(971297736));
        assert_eq!(parse_iso8601(b"2000-10-11T20:55:36.123Z"), Some(971297736));
        assert_eq!(parse_epoch_secs(b"971297736.123"), Some(971297736));
        assert_eq!(parse_epoch_scaled(b"971297736123", 1000), Some(971297736));
    }

    #[test]
    fn error_stamps() {
        assert_eq!(parse_ctime(b"Wed Oct 11 20:55:36 2000"), Some(971297736));
        assert_eq!(
            parse_ctime(b"Wed Oct 11 20:55:36.123456 2000"),
            Some(971297736)
        );
        assert_eq!(parse_ctime(b"Sun Dec  4 04:47:44 2005"), Some(1133671664));
        assert_eq!(parse_nginx_error(b"2000/10/11 20:55:36"), Some(971297736));
    }

    #[test]
    fn local_times_across_a_change() {
        // Winter time from 2025-10-26T01:00:00Z (03:00 +0200 = 02:00 +0100).
        let z = LocalZone {
            before: 7200,
            after: 3600,
            change: 1_761_440_400,
        };
        let local = |h: i64, m: i64| 1_761_436_800 + h * 3600 + m * 60; // 26 Oct, as if UTC
        assert_eq!(z.utc(local(1, 30)), 1_761_436_800 - 1800); // 25 Oct 23:30Z
        assert_eq!(z.utc(local(2, 30)), 1_761_438_600); // the first 02:30, at +0200
        assert_eq!(z.utc(local(3, 30)), 1_761_445_800); // 02:30Z, at +0100
        assert_eq!(LocalZone::fixed(-3600).utc(0), 3600);
        assert!(LocalZone::default().is_utc() && !z.is_utc());
    }

    #[test]
    fn offsets_as_written() {
        assert_eq!(
            written_offset(b"[10/Oct/2000:13:55:36 -0700]"),
            Some(-25200)
        );
        assert_eq!(written_offset(b"10/Oct/2000:13:55:36 +0930"), Some(34200));
        assert_eq!(written_offset(b"2000-10-11T13:55:36.5+09:00"), Some(32400));
        assert_eq!(written_offset(b"2000-10-11T20:55:36Z"), Some(0));
        assert_eq!(written_offset(b"971297736"), None);
        assert_eq!(written_offset(b"[10/Oct/2000:13:55:36 +9999]"), None);
        assert_eq!(offset_text(32400), "+09:00");
        assert_eq!(offset_text(-34200), "-09:30");
        assert_eq!(offset_text(0), "+00:00");
    }

    #[test]
    fn strftime_and_civil() {
        assert_eq!(days_from_civil(2000, 3, 1), 11017);
        assert_eq!(
            parse_strftime(b"2000-10-11 20:55:36", "%Y-%m-%d %H:%M:%S"),
            Some(971297736)
        );
        assert_eq!(format_utc(971297736), "2000-10-11T20:55:36Z");
    }

    #[test]
    fn offsets() {
        let p = parse_offset;
        assert_eq!(p("+0900"), Ok(32400));
        assert_eq!(p("-07:00"), Ok(-25200));
        assert_eq!(p("+05:45"), Ok(20700));
        assert_eq!(p("UTC"), Ok(0));
        for bad in ["0900", "+9", "+0:900", "+2500", "+09:60", "+09x00", ""] {
            assert!(p(bad).is_err(), "{bad}");
        }
    }
}
