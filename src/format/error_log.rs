//! Error logs: Apache (1.3 to 2.4, including common `ErrorLogFormat` variants)
//! and nginx. These are not field formats but a header followed by free text,
//! and the free text is partly written by the client. The client is taken only
//! from the header, never from the message.

use super::compile::Reason;
use super::time;
use crate::record::{parse_ip_port, Client, Record};

/// Longest bracket group accepted in an Apache header.
const MAX_GROUP: usize = 256;

/// `[time] [module:level] [pid P:tid T] (errno)Text: file.c(12): [client A:port] message`
///
/// The header is the leading run of bracket groups, with at most two server-written
/// prefixes (`(70007)...: ` and `mod_x.c(470): `) between them. A `[client ...]`
/// anywhere after the header is message text and is ignored.
pub fn parse_apache<'a>(line: &'a [u8], rec: &mut Record<'a>) -> Result<(), Reason> {
    let first = group(line, 0).ok_or(Reason::NotARecord)?;
    rec.ts = Some(time::parse_ctime(&line[1..first - 1]).ok_or(Reason::BadTimestamp)?);
    let mut pos = first;
    let mut groups = 0;
    let mut prefixes = 0;
    loop {
        while line.get(pos) == Some(&b' ') {
            pos += 1;
        }
        if let Some(end) = group(line, pos) {
            let body = &line[pos + 1..end - 1];
            if groups == 0 {
                rec.level = body;
            } else if let Some(addr) = body.strip_prefix(b"client ") {
                if rec.client == Client::None {
                    rec.client = match parse_ip_port(addr) {
                        Some(ip) => Client::Ip(ip),
                        None => Client::Other(addr),
                    };
                }
            }
            groups += 1;
            pos = end;
            continue;
        }
        if prefixes < 2 {
            if let Some(n) = server_prefix(&line[pos..]) {
                prefixes += 1;
                pos += n;
                continue;
            }
        }
        break;
    }
    if groups == 0 {
        return Err(Reason::NotARecord);
    }
    rec.message = &line[pos..];
    Ok(())
}

/// End (exclusive) of a `[...]` group starting at `pos`, if there is one.
fn group(line: &[u8], pos: usize) -> Option<usize> {
    if line.get(pos) != Some(&b'[') {
        return None;
    }
    let lim = (pos + MAX_GROUP).min(line.len());
    // `[client [2001:db8::1]:443]`: a bracketed IPv6 client is the one nested group.
    let mut from = pos + 1;
    if line[from..lim].starts_with(b"client [") {
        from += 8 + memchr::memchr(b']', &line[from + 8..lim])? + 1;
    }
    let close = from + memchr::memchr(b']', &line[from..lim])?;
    if memchr::memchr(b'[', &line[from..close]).is_some() {
        return None;
    }
    Some(close + 1)
}

/// `(70007)The timeout specified has expired: ` or `mod_rewrite.c(470): `:
/// text Apache writes itself before `[client ...]`. Returns its length.
fn server_prefix(s: &[u8]) -> Option<usize> {
    let colon = memchr::memmem::find(&s[..s.len().min(160)], b": ")?;
    let head = &s[..colon];
    let ok = if head.first() == Some(&b'(') {
        // (errno)Description
        let close = memchr::memchr(b')', head)?;
        close > 1
            && head[1..close]
                .iter()
                .all(|c| c.is_ascii_digit() || *c == b'-')
            && !head.iter().any(|&c| c == b'[' || c == b']')
    } else {
        // source file and line: name.c(123)
        head.ends_with(b")")
            && head
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || b"._-()".contains(&c))
            && memchr::memchr(b'(', head).is_some()
    };
    ok.then_some(colon + 2)
}

/// `2025/12/18 10:00:00 [error] 123#0: *5 message, client: 1.2.3.4, server: ...`
///
/// Returns `Ok(true)` when attribution is ambiguous: the message holds `, client: `
/// more than once, so text the client wrote could pose as the real field.
pub fn parse_nginx<'a>(line: &'a [u8], rec: &mut Record<'a>) -> Result<bool, Reason> {
    if line.len() < 22 || line[19] != b' ' || line[20] != b'[' {
        return Err(Reason::NotARecord);
    }
    rec.ts = Some(time::parse_nginx_error(&line[..19]).ok_or(Reason::BadTimestamp)?);
    let close = memchr::memchr(b']', &line[21..]).ok_or(Reason::NotARecord)? + 21;
    rec.level = &line[21..close];
    let mut rest = line.get(close + 2..).unwrap_or(&[]);
    // pid#tid:
    if let Some(c) = memchr::memmem::find(rest, b": ") {
        if rest[..c].iter().all(|b| b.is_ascii_digit() || *b == b'#') {
            rest = &rest[c + 2..];
        }
    }
    // *connection_id
    if rest.first() == Some(&b'*') {
        let n = rest[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if rest.get(n + 1) == Some(&b' ') {
            rest = &rest[n + 2..];
        }
    }
    rec.message = rest;
    const KEY: &[u8] = b", client: ";
    let mut hits = memchr::memmem::find_iter(rest, KEY);
    let Some(at) = hits.next() else {
        return Ok(false);
    };
    if hits.next().is_some() {
        return Ok(true);
    }
    let v = &rest[at + KEY.len()..];
    let v = &v[..memchr::memchr(b',', v).unwrap_or(v.len())];
    rec.client = match parse_ip_port(v) {
        Some(ip) => Client::Ip(ip),
        None => Client::Other(v),
    };
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apache(line: &str) -> Result<Record<'_>, Reason> {
        let mut r = Record::default();
        parse_apache(line.as_bytes(), &mut r).map(|_| r)
    }

    fn ip(s: &str) -> Client<'static> {
        Client::Ip(s.parse().unwrap())
    }

    #[test]
    fn apache_24_proxy_timeout() {
        let r = apache("[Thu Dec 24 18:58:33.123456 2020] [proxy_fcgi:error] [pid 32350:tid 1234] (70007)The timeout specified has expired: [client 136.175.9.211:41736] AH01075: Error dispatching request to : (polling), referer: http://x/").unwrap();
        assert_eq!(r.client, ip("136.175.9.211"));
        assert_eq!(r.level, b"proxy_fcgi:error");
        assert!(r.message.starts_with(b"AH01075"));
    }

    #[test]
    fn apache_22_and_injection() {
        let r = apache("[Sat Jun 01 02:17:42 2013] [error] [client 203.0.113.7] File does not exist: /srv/http/site/[client 198.51.100.9] user root not found").unwrap();
        assert_eq!(r.client, ip("203.0.113.7"));
        let r = apache(
            "[Sat Jun 01 02:17:42 2013] [error] File does not exist: /x/[client 198.51.100.9] y",
        )
        .unwrap();
        assert_eq!(r.client, Client::None);
        let r = apache("[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties").unwrap();
        assert_eq!(r.client, Client::None);
        let r = apache("[Wed Oct 09 10:00:00.000000 2024] [rewrite:trace3] [pid 1] mod_rewrite.c(470): [client 10.1.2.3:5] x").unwrap();
        assert_eq!(r.client, ip("10.1.2.3"));
        assert!(apache("not a record").is_err());
    }

    #[test]
    fn nginx_client_and_ambiguity() {
        let mut r = Record::default();
        let l = b"2025/12/18 10:00:00 [error] 12#12: *5 connect() failed (111: Connection refused) while connecting to upstream, client: 5.7.9.2, server: localhost, request: \"GET / HTTP/1.1\", host: \"1.2.3.4\"";
        assert_eq!(parse_nginx(l, &mut r), Ok(false));
        assert_eq!(r.client, ip("5.7.9.2"));
        assert_eq!(r.level, b"error");
        let mut r = Record::default();
        let l = b"2025/12/18 10:00:00 [error] 12#12: *5 open() \"/x, client: 198.51.100.9, server: x, request: \" failed, client: 203.0.113.7, server: y";
        assert_eq!(parse_nginx(l, &mut r), Ok(true));
    }
}
