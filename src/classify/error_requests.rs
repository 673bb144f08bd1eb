//! What an error-log line says about the request behind it: the target or
//! the file the server wrote in a known message shape (searched with the
//! access-log signatures, see [`crate::classify::Classifier::error_hits`]),
//! an authentication failure (a password-guessing candidate), a rate-limit
//! rejection (flood evidence).
//!
//! Attribution and shape both rest on text the server writes itself. The
//! client is the record's client field (the parser's, never an address in
//! the message). A shape is recognised only at the start of the message,
//! which the server writes (`AH10244: invalid URI path (`, `File does not
//! exist: `, nginx's `open() "`), or, for nginx's request line, at the
//! `, server: NAME, request: "` that follows the one client field; the path
//! or request is then read from there up to the first server-written end
//! that can follow it. A client writes the path, so it can only end its own
//! path early there (hiding part of its own probe), never start another
//! shape, another client or another request: `[client 1.2.3.4]`, `, client:
//! `, `AH01630` inside a path are path text. Apache 2.4 writes a code before
//! each message; a known code must then be the shape's own (CGI output,
//! which Apache 2.4 logs under AH01215, cannot pose as one), while Apache
//! 1.3 to 2.2, which write no codes, are read by the text alone.

use crate::record::Record;

/// A message shape that names a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// Apache AH10244 `invalid URI path (URI)`: 2.4.49 and later refuse the
    /// CVE-2021-41773/42013 traversals so, answering 400.
    InvalidUriPath,
    /// Apache AH00126 `Invalid URI in request REQUEST-LINE`.
    InvalidUri,
    /// Apache `File does not exist: FILE` (AH00128 in 2.4).
    FileMissing,
    /// Apache `script 'FILE' not found or unable to stat`, `script not found
    /// or unable to stat: FILE` (AH02811), `stderr from FILE: script not
    /// found or unable to stat`.
    ScriptMissing,
    /// Apache `client denied by server configuration: FILE` (AH01630,
    /// AH01797).
    Denied,
    /// Apache AH01071 `Got error 'Primary script unknown'`: PHP-FPM found no
    /// script; Apache writes no path with it.
    ScriptUnknown,
    /// nginx `open() "FILE" failed`, `"FILE" is not found`.
    NginxMissing,
    /// nginx `"FILE" is forbidden`, `directory index of "FILE" is forbidden`,
    /// `access forbidden by rule`.
    NginxForbidden,
    /// A failed password: Apache AH01617/AH01618 (and 1.3 to 2.2's text),
    /// digest AH01790/AH01792, nginx `user "NAME": password mismatch` and
    /// `user "NAME" was not found in`, nginx mail `client login failed`.
    AuthFailure,
    /// nginx `limiting requests`: limit_req refused the request.
    RateLimited,
    /// Any other nginx message that writes the request line.
    NginxOther,
}

impl Shape {
    /// A password-guessing candidate.
    pub fn is_auth_failure(self) -> bool {
        self == Shape::AuthFailure
    }
}

/// The request an error-log line names. Empty fields were not written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ErrorRequest<'a> {
    pub shape: Option<Shape>,
    /// The request's method, when the server wrote the request line.
    pub method: &'a [u8],
    /// The request target as the client sent it (AH10244, AH00126, nginx's
    /// `request:`), or the decoded path the server checked (Apache's
    /// authentication failures).
    pub uri: &'a [u8],
    /// The file the server mapped the request to.
    pub file: &'a [u8],
}

impl<'a> ErrorRequest<'a> {
    /// What the signatures are searched in: the target when written, else
    /// the file.
    pub fn searched(&self) -> &'a [u8] {
        if self.uri.is_empty() {
            self.file
        } else {
            self.uri
        }
    }
}

/// Apache appends the client's Referer to a message: its text ends there.
const REFERER: &[u8] = b", referer: ";

/// The request an error-log record names (`nginx`: read as nginx's
/// error log, else Apache's). A line whose message has no known shape and
/// (nginx) no request line names none.
pub fn error_request<'a>(rec: &Record<'a>, nginx: bool) -> ErrorRequest<'a> {
    if nginx {
        nginx_request(rec.message)
    } else {
        apache_request(rec.message)
    }
}

/// Apache 2.4 codes and the shape each stands for.
const APACHE_CODES: &[(u16, Shape)] = &[
    (10244, Shape::InvalidUriPath),
    (126, Shape::InvalidUri),
    (128, Shape::FileMissing),
    (2811, Shape::ScriptMissing),
    (1630, Shape::Denied),
    (1797, Shape::Denied),
    (1071, Shape::ScriptUnknown),
    (1617, Shape::AuthFailure),
    (1618, Shape::AuthFailure),
    (1790, Shape::AuthFailure),
    (1792, Shape::AuthFailure),
];

fn apache_request(message: &[u8]) -> ErrorRequest<'_> {
    let none = ErrorRequest::default();
    let (code, msg) = match ah_code(message) {
        Some((code, rest)) => {
            let Some(&(_, shape)) = APACHE_CODES.iter().find(|(c, _)| *c == code) else {
                return none;
            };
            (Some(shape), rest)
        }
        None => (None, message),
    };
    // The server's text, without the Referer it appends.
    let own = &msg[..find(msg, REFERER).unwrap_or(msg.len())];
    match apache_shape(own) {
        // A code must be the shape's own; without one (Apache 1.3 to 2.2,
        // or 2.4 modules that write none), the text decides.
        Some((shape, method, uri, file)) if code.is_none_or(|c| c == shape) => ErrorRequest {
            shape: Some(shape),
            method,
            uri,
            file,
        },
        _ => none,
    }
}

/// The shape of Apache's message text `own`, with the method, target and
/// file it names.
#[allow(clippy::type_complexity)]
fn apache_shape(own: &[u8]) -> Option<(Shape, &[u8], &[u8], &[u8])> {
    let e: &[u8] = &[];
    if let Some(rest) = own.strip_prefix(b"invalid URI path (") {
        // The URI is all up to the `)` that ends the message.
        let uri = rest.strip_suffix(b")")?;
        Some((Shape::InvalidUriPath, e, uri, e))
    } else if let Some(line) = own.strip_prefix(b"Invalid URI in request ") {
        let (method, target) = request_line(line);
        Some((Shape::InvalidUri, method, target, e))
    } else if let Some(file) = own.strip_prefix(b"File does not exist: ") {
        Some((Shape::FileMissing, e, e, file))
    } else if let Some(rest) = own.strip_prefix(b"script '") {
        let end = find(rest, b"' not found or unable to stat")?;
        Some((Shape::ScriptMissing, e, e, &rest[..end]))
    } else if let Some(file) = own.strip_prefix(b"script not found or unable to stat: ") {
        Some((Shape::ScriptMissing, e, e, file))
    } else if let Some(rest) = own.strip_prefix(b"stderr from ") {
        let end = find(rest, b": script not found or unable to stat")?;
        Some((Shape::ScriptMissing, e, e, &rest[..end]))
    } else if let Some(file) = own.strip_prefix(b"client denied by server configuration: ") {
        Some((Shape::Denied, e, e, file))
    } else if own.starts_with(b"Got error 'Primary script unknown") {
        Some((Shape::ScriptUnknown, e, e, e))
    } else {
        apache_auth(own).map(|uri| (Shape::AuthFailure, e, uri, e))
    }
}

/// The path of an Apache authentication failure: `user NAME:
/// authentication failure for "PATH": REASON` (AH01617), `user NAME not
/// found: PATH` (AH01618), digest `Digest: user NAME: password mismatch:
/// PATH` (AH01792) and `Digest: user `NAME' in realm `REALM' not found:
/// PATH` (AH01790).
///
/// A Basic user name cannot hold `:` (the client's credentials are split at
/// the first), so the first `:` after `user ` ends the name or its
/// ` not found`.
fn apache_auth(own: &[u8]) -> Option<&[u8]> {
    let own = own.strip_prefix(b"Digest: ").unwrap_or(own);
    let rest = own.strip_prefix(b"user ")?;
    if rest.starts_with(b"`") {
        // Digest: the name and realm are quoted `...'; the path follows the
        // last `' not found: `.
        let at = rfind(rest, b"' not found: ")?;
        return Some(&rest[at + 13..]);
    }
    let colon = memchr::memchr(b':', rest)?;
    let (name, after) = (&rest[..colon], &rest[colon..]);
    if name.ends_with(b" not found") {
        return after.strip_prefix(b": ");
    }
    if let Some(p) = after.strip_prefix(b": authentication failure for \"") {
        let end = find(p, b"\": ")?;
        return Some(&p[..end]);
    }
    if let Some(p) = after.strip_prefix(b": password mismatch: ") {
        return Some(p);
    }
    None
}

fn nginx_request(message: &[u8]) -> ErrorRequest<'_> {
    // The request line sits after the one client field (the parser made
    // sure there is only one): `, client: A, server: NAME, request: "..."`.
    let (own, tail) = match find(message, b", client: ") {
        Some(at) => (&message[..at], &message[at + 10..]),
        None => (message, &[][..]),
    };
    let (method, uri) = nginx_request_line(tail);
    let (shape, file) = if let Some(rest) = own.strip_prefix(b"open() \"") {
        match find(rest, b"\" failed") {
            Some(end) => (Some(Shape::NginxMissing), &rest[..end]),
            None => (None, &[][..]),
        }
    } else if let Some(rest) = own.strip_prefix(b"\"") {
        if let Some(end) = find(rest, b"\" is forbidden") {
            (Some(Shape::NginxForbidden), &rest[..end])
        } else if let Some(end) = find(rest, b"\" is not found") {
            (Some(Shape::NginxMissing), &rest[..end])
        } else {
            (None, &[][..])
        }
    } else if let Some(rest) = own.strip_prefix(b"directory index of \"") {
        match find(rest, b"\" is forbidden") {
            Some(end) => (Some(Shape::NginxForbidden), &rest[..end]),
            None => (None, &[][..]),
        }
    } else if own.starts_with(b"access forbidden by rule") {
        (Some(Shape::NginxForbidden), &[][..])
    } else if own.starts_with(b"limiting requests") {
        (Some(Shape::RateLimited), &[][..])
    } else if nginx_auth(own) || own.starts_with(b"client login failed") {
        (Some(Shape::AuthFailure), &[][..])
    } else if !uri.is_empty() {
        (Some(Shape::NginxOther), &[][..])
    } else {
        (None, &[][..])
    };
    ErrorRequest {
        shape,
        method,
        uri,
        file,
    }
}

/// nginx's basic-auth failures: `user "NAME": password mismatch`, `user
/// "NAME" was not found in "FILE"`.
fn nginx_auth(own: &[u8]) -> bool {
    own.starts_with(b"user \"")
        && (own.ends_with(b"\": password mismatch")
            || find(own, b"\" was not found in \"").is_some())
}

/// The method and target of nginx's request field: `A, server: NAME,
/// request: "METHOD TARGET PROTOCOL"` (`tail` starts at the client's
/// address). The server name is nginx's configuration, and holds no comma.
fn nginx_request_line(tail: &[u8]) -> (&[u8], &[u8]) {
    let none: (&[u8], &[u8]) = (&[], &[]);
    let Some(comma) = memchr::memchr(b',', tail) else {
        return none;
    };
    let Some(rest) = tail[comma..].strip_prefix(b", server: ") else {
        return none;
    };
    let Some(comma) = memchr::memchr(b',', rest) else {
        return none;
    };
    let Some(line) = rest[comma..].strip_prefix(b", request: \"") else {
        return none;
    };
    let (method, target) = request_line(line);
    // HTTP/0.9 writes no protocol: the target then ends at the quote.
    let target = &target[..memchr::memchr(b'"', target).unwrap_or(target.len())];
    (method, target)
}

/// `METHOD TARGET ...` → method and target, each ending at a space.
fn request_line(line: &[u8]) -> (&[u8], &[u8]) {
    let Some(sp) = memchr::memchr(b' ', line) else {
        return (&[], &[]);
    };
    let rest = &line[sp + 1..];
    let end = memchr::memchr(b' ', rest).unwrap_or(rest.len());
    (&line[..sp], &rest[..end])
}

/// `AH01075: rest` → (1075, rest).
fn ah_code(s: &[u8]) -> Option<(u16, &[u8])> {
    let d = s.strip_prefix(b"AH")?;
    if d.len() < 7 || !d[..5].iter().all(u8::is_ascii_digit) || &d[5..7] != b": " {
        return None;
    }
    let code = d[..5].iter().fold(0u16, |v, c| v * 10 + (c - b'0') as u16);
    Some((code, &d[7..]))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::rfind(hay, needle)
}

/// Keys of a request path for telling the same request in the access and
/// the error log: a hash of the path with its query cut, percent-decoded
/// once, lowercased, its dot segments removed, repeated slashes merged and
/// trailing slashes dropped. The access log's target and the error log's
/// target or checked path have one key each; a file the server mapped the
/// request to has one per `/` in it (the last [`MAX_SUFFIXES`]), since it
/// ends with the request's path under a document root alf does not know.
pub fn path_key(target: &[u8]) -> u64 {
    hash(&normalize(target))
}

/// At most this many tails of a file path are keyed.
pub const MAX_SUFFIXES: usize = 16;

/// The keys of every tail of `file` that starts at a `/` (see [`path_key`]),
/// the shortest first.
pub fn file_keys(file: &[u8]) -> Vec<u64> {
    let n = normalize(file);
    memchr::memrchr_iter(b'/', &n)
        .take(MAX_SUFFIXES)
        .map(|p| hash(&n[p..]))
        .collect()
}

fn hash(b: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(b);
    h.write_u8(0xff);
    h.finish()
}

/// See [`path_key`].
fn normalize(target: &[u8]) -> Vec<u8> {
    let path = &target[..memchr::memchr(b'?', target).unwrap_or(target.len())];
    let mut decoded = Vec::with_capacity(path.len());
    let mut i = 0;
    while i < path.len() {
        let b = path[i];
        if b == b'%' {
            if let (Some(h), Some(l)) = (
                path.get(i + 1).and_then(|c| (*c as char).to_digit(16)),
                path.get(i + 2).and_then(|c| (*c as char).to_digit(16)),
            ) {
                decoded.push(((h << 4 | l) as u8).to_ascii_lowercase());
                i += 3;
                continue;
            }
        }
        decoded.push(b.to_ascii_lowercase());
        i += 1;
    }
    let mut segs: Vec<&[u8]> = Vec::new();
    for s in decoded.split(|&c| c == b'/') {
        match s {
            b"" | b"." => {}
            b".." => {
                segs.pop();
            }
            s => segs.push(s),
        }
    }
    let mut out = Vec::with_capacity(decoded.len() + 1);
    for s in &segs {
        out.push(b'/');
        out.extend_from_slice(s);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{preset, Format};

    fn parse<'a>(f: &Format, line: &'a str) -> Record<'a> {
        let mut r = Record::default();
        f.parse(line.as_bytes(), &mut r)
            .unwrap_or_else(|_| panic!("parses: {line}"));
        r
    }

    fn apache(line: &str) -> (Option<Shape>, String, String, String) {
        let f = preset("apache_error").unwrap();
        let r = parse(&f, line);
        let q = error_request(&r, false);
        let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (q.shape, s(q.method), s(q.uri), s(q.file))
    }

    fn nginx(line: &str) -> (Option<Shape>, String, String, String) {
        let f = preset("nginx_error").unwrap();
        let r = parse(&f, line);
        let q = error_request(&r, true);
        let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (q.shape, s(q.method), s(q.uri), s(q.file))
    }

    fn t(
        shape: Shape,
        method: &str,
        uri: &str,
        file: &str,
    ) -> (Option<Shape>, String, String, String) {
        (Some(shape), method.into(), uri.into(), file.into())
    }

    #[test]
    fn apache_shapes() {
        use Shape::*;
        let cases = [
            ("[Tue Oct 05 06:32:19.123456 2021] [core:error] [pid 1:tid 2] [client 198.51.100.7:52274] AH10244: invalid URI path (/cgi-bin/.%2e/.%2e/.%2e/bin/sh)", t(InvalidUriPath, "", "/cgi-bin/.%2e/.%2e/.%2e/bin/sh", "")),
            ("[Fri Oct 08 17:08:41.203277 2021] [core:error] [pid 7005:tid 140667133085440] [client 88.168.206.87:14532] AH00126: Invalid URI in request GET /cgi-bin/.%2E/%2E%2E/etc/passwd HTTP/1.1 ", t(InvalidUri, "GET", "/cgi-bin/.%2E/%2E%2E/etc/passwd", "")),
            ("[Tue Jul 22 06:48:30 2008] [error] [client 198.51.100.86] File does not exist: /home/southern/public_html/azenv.php", t(FileMissing, "", "", "/home/southern/public_html/azenv.php")),
            ("[Mon Dec 23 21:21:39 2013] [error] [client 183.60.244.49] File does not exist: /var/www/extmail, referer: http://www.baidu.com", t(FileMissing, "", "", "/var/www/extmail")),
            ("[Sun Jun 09 07:57:47 2013] [error] [client 192.0.43.10] script '/usr/lib/cgi-bin/gitweb.cgiwp-login.php' not found or unable to stat", t(ScriptMissing, "", "", "/usr/lib/cgi-bin/gitweb.cgiwp-login.php")),
            ("[Tue Aug 11 08:56:17.580412 2020] [cgi:error] [pid 27550:tid 140110750279424] [client 192.0.2.1:18071] AH02811: script not found or unable to stat: /usr/lib/cgi-bin/kerbynet", t(ScriptMissing, "", "", "/usr/lib/cgi-bin/kerbynet")),
            ("[Wed Dec 18 23:58:03.148113 2024] [cgi:error] [pid 16720:tid 1878] [client 192.0.2.74:35092] AH02811: stderr from /usr/lib/cgi-bin/luci: script not found or unable to stat", t(ScriptMissing, "", "", "/usr/lib/cgi-bin/luci")),
            ("[Sun Sep 14 21:44:43.008606 2014] [authz_core:error] [pid 10691] [client 192.3.9.178:44271] AH01630: client denied by server configuration: /var/www/html/noentry/cant_get_me.html", t(Denied, "", "", "/var/www/html/noentry/cant_get_me.html")),
            ("[Sun Mar 11 08:56:20.913548 2018] [proxy_fcgi:error] [pid 742:tid 140142593419008] [client 192.0.2.106:50900] AH01071: Got error 'Primary script unknown\\n'", t(ScriptUnknown, "", "", "")),
            ("[Sat Jul 20 21:39:11.978080 2013] [auth_basic:error] [pid 17512:tid 140123053950720] [client 127.0.0.1:51390] AH01617: user username: authentication failure for \"/basic/file\": Password Mismatch", t(AuthFailure, "", "/basic/file", "")),
            ("[Sat Jul 20 21:37:32.266605 2013] [auth_basic:error] [pid 17512:tid 140123079128832] [client 127.0.0.1:51386] AH01618: user  not found: /basic/file/cant_get_me.html", t(AuthFailure, "", "/basic/file/cant_get_me.html", "")),
            ("[Mon Nov 18 22:39:33 2013] [error] [client 91.49.82.139] user gg not found: /, referer: http://sj.hopto.org/management.html", t(AuthFailure, "", "/", "")),
            ("[Sat Jul 20 21:44:06.867985 2013] [auth_digest:error] [pid 17540:tid 140123070736128] [client 127.0.0.1:51406] AH01792: user username: password mismatch: /digest/cant_get_me.html", t(AuthFailure, "", "/digest/cant_get_me.html", "")),
            ("[Thu Jul 18 00:08:39 2013] [error] [client 127.0.0.1] Digest: user `username' in realm `digest private area' not found: /digest_wrongrelm/cant_get_me.html", t(AuthFailure, "", "/digest_wrongrelm/cant_get_me.html", "")),
        ];
        for (line, want) in cases {
            assert_eq!(apache(line), want, "{line}");
        }
    }

    #[test]
    fn apache_lines_that_name_no_probe() {
        for line in [
            // Authorization, not authentication: the user's password was right.
            "[Sat Jul 20 21:42:44.304159 2013] [authz_core:error] [pid 17484:tid 140123095914240] [client 127.0.0.1:51397] AH01631: user username: authorization failure for \"/basic/authz_owner/cant_get_me.html\": ",
            // CGI output under its own code cannot pose as a shape.
            "[Thu Dec 24 18:58:33.123456 2020] [cgi:error] [pid 1:tid 2] [client 1.2.3.4:5] AH01215: File does not exist: /etc/passwd",
            // A known code with another shape's text.
            "[Thu Dec 24 18:58:33.123456 2020] [core:error] [pid 1:tid 2] [client 1.2.3.4:5] AH00128: client denied by server configuration: /x",
            // The shape must open the message.
            "[Sat Jun 01 02:17:42 2013] [error] [client 192.168.33.1] Oops: File does not exist: /srv/x",
            "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties",
        ] {
            assert_eq!(apache(line).0, None, "{line}");
        }
    }

    #[test]
    fn hostile_paths_end_early_and_never_move_the_client() {
        // A path holding another client, another code and another shape:
        // the client is the header's, the shape the server's, the path the
        // client's own text.
        let f = preset("apache_error").unwrap();
        let line = "[Sat Jun 01 02:17:42 2013] [error] [client 203.0.113.7] File does not exist: /srv/[client 198.51.100.9] AH01630: client denied by server configuration: /x";
        let r = parse(&f, line);
        assert_eq!(
            r.client,
            crate::record::Client::Ip("203.0.113.7".parse().unwrap())
        );
        let q = error_request(&r, false);
        assert_eq!(q.shape, Some(Shape::FileMissing));
        assert_eq!(
            q.file,
            b"/srv/[client 198.51.100.9] AH01630: client denied by server configuration: /x"
        );
        // A URI that closes the parenthesis early: it only shortens itself.
        let (_, _, uri, _) = apache("[Tue Oct 05 06:32:19.123456 2021] [core:error] [pid 1:tid 2] [client 198.51.100.7:52274] AH10244: invalid URI path (/a/.%2e/) AH00126: Invalid URI in request GET /b HTTP/1.1 x)");
        assert_eq!(
            uri,
            "/a/.%2e/) AH00126: Invalid URI in request GET /b HTTP/1.1 x"
        );
        // A user name cannot start the path early: `:` ends it.
        let (shape, _, uri, _) = apache("[Sat Jul 20 21:37:32.266605 2013] [auth_basic:error] [pid 1:tid 2] [client 127.0.0.1:51386] AH01618: user a not found: /real, referer: /fake");
        assert_eq!((shape, uri.as_str()), (Some(Shape::AuthFailure), "/real"));
        // nginx: a request line written inside the file path is path text;
        // the request is the one after the one client field.
        let (shape, method, uri, file) = nginx("2015/01/21 10:56:10 [error] 2833#0: *16336 open() \"/var/www/x, server: y, request: \"GET /.env HTTP/1.1\" failed (2: No such file or directory), client: 5.7.9.2, server: localhost, request: \"GET /cgi-bin/php4 HTTP/1.1\", host: \"1.2.3.4\"");
        assert_eq!(shape, Some(Shape::NginxMissing));
        assert_eq!((method.as_str(), uri.as_str()), ("GET", "/cgi-bin/php4"));
        assert_eq!(file, "/var/www/x, server: y, request: \"GET /.env HTTP/1.1");
        // A message without the client field writes no request: text that
        // looks like one is not taken.
        let (_, _, uri, _) = nginx("2015/01/21 10:56:10 [error] 2833#0: *1 open() \"/x\" failed, server: a, request: \"GET /.env HTTP/1.1\"");
        assert_eq!(uri, "");
    }

    #[test]
    fn nginx_shapes() {
        use Shape::*;
        let cases = [
            ("2015/01/21 10:56:10 [error] 2833#0: *16336 open() \"/var/www/site/cgi-bin/php4\" failed (2: No such file or directory), client: 5.7.9.2, server: localhost, request: \"GET /cgi-bin/php4 HTTP/1.1\", host: \"1.2.3.4\"", t(NginxMissing, "GET", "/cgi-bin/php4", "/var/www/site/cgi-bin/php4")),
            ("2015/01/21 15:02:27 [error] 2833#0: *16813 \"/var/www/site/roundcube/\" is not found (2: No such file or directory), client: 5.7.9.2, server: localhost, request: \"GET /roundcube/ HTTP/1.1\", host: \"1.2.3.4\"", t(NginxMissing, "GET", "/roundcube/", "/var/www/site/roundcube/")),
            ("2014/01/01 00:00:00 [error] 1#0: *1 directory index of \"/var/www/\" is forbidden, client: 1.2.3.4, server: , request: \"GET / HTTP/1.1\", host: \"x\"", t(NginxForbidden, "GET", "/", "/var/www/")),
            ("2018/09/13 15:42:05 [error] 2035#2035: *287 access forbidden by rule, client: 12.34.56.78, server: www.example.com, request: \"GET /wp-config.php~ HTTP/1.1\", host: \"www.example.com\"", t(NginxForbidden, "GET", "/wp-config.php~", "")),
            ("2015/10/29 20:01:02 [error] 256554#0: *99927 limiting requests, excess: 1.852 by zone \"one\", client: 1.2.3.4, server: example.com, request: \"POST /index.htm HTTP/1.0\", host: \"exmaple.com\"", t(RateLimited, "POST", "/index.htm", "")),
            ("2012/04/09 11:53:36 [error] 2865#0: *66647 user \"xyz\": password mismatch, client: 192.0.43.10, server: www.myhost.com, request: \"GET / HTTP/1.1\", host: \"www.myhost.com\"", t(AuthFailure, "GET", "/", "")),
            ("2012/04/09 11:53:29 [error] 2865#0: *66647 user \"xyz\" was not found in \"/var/www/.htpasswd\", client: 192.0.43.10, server: www.myhost.com, request: \"GET / HTTP/1.1\", host: \"www.myhost.com\"", t(AuthFailure, "GET", "/", "")),
            ("2020/11/25 16:02:45 [error] 76952#76952: *5645766 connect() failed (111: Connection refused) while connecting to upstream, client: 5.126.32.148, server: www.google.de, request: \"GET /admin/config HTTP/2.0\", upstream: \"http://127.0.0.1:3000/admin/config\", host: \"www.google.de\"", t(NginxOther, "GET", "/admin/config", "")),
            ("2015/01/01 00:00:00 [info] 1#0: *1 client login failed, client: 1.2.3.4, server: 0.0.0.0:143, login: \"bob\"", t(AuthFailure, "", "", "")),
            ("2000/01/01 00:00:00 [error] 1#0: *1 open() \"/x\" failed, client: 1.2.3.4, server: s, request: \"GET /${jndi:ldap://x}\"", t(NginxMissing, "GET", "/${jndi:ldap://x}", "/x")),
        ];
        for (line, want) in cases {
            assert_eq!(nginx(line), want, "{line}");
        }
        // No request field, no known shape.
        let line = "2020/11/25 14:42:16 [crit] 76952#76952: *2454307 SSL_do_handshake() failed (SSL: error) while SSL handshaking, client: 142.93.180.14, server: 0.0.0.0:443";
        assert_eq!(nginx(line).0, None);
    }

    #[test]
    fn keys_tell_the_same_path() {
        let k = path_key;
        assert_eq!(
            k(b"/cgi-bin/.%2e/.%2e/bin/sh"),
            k(b"/cgi-bin/.%2E/%2e%2E/bin/sh")
        );
        assert_eq!(k(b"/bin/sh"), k(b"/cgi-bin/.%2e/.%2e/bin/sh"));
        assert_eq!(k(b"/pma/?x=1"), k(b"/pma"));
        assert_eq!(k(b"//a///b"), k(b"/a/b"));
        assert_ne!(k(b"/a/b"), k(b"/a/c"));
        let keys = file_keys(b"/var/www/html/.git/config");
        assert!(keys.contains(&k(b"/.git/config")));
        assert!(keys.contains(&k(b"/var/www/html/.git/config")));
        assert!(!keys.contains(&k(b"/config/x")));
        assert_eq!(keys.len(), 5);
        assert_eq!(file_keys(&b"/a".repeat(40)).len(), MAX_SUFFIXES);
    }
}
