//! What the fuzz targets share: the checks every parsed record must pass, and
//! a reader that hands its bytes out in pieces the fuzzer chooses.

use std::io::{self, Read};
use std::net::IpAddr;

use alf::record::{parse_ip, Client, Record};

/// A client that is an address must be canonical (IPv4-mapped IPv6 is
/// IPv4) and read back from its own text as itself: what reaches a report
/// or a rule is an address, never text the client wrote.
pub fn check_client(c: &Client) {
    match c {
        Client::Ip(ip) => check_ip(*ip),
        Client::Other(text) => assert!(
            parse_ip(text).is_none(),
            "an address left as text: {text:?}"
        ),
        Client::None => {}
    }
}

pub fn check_ip(ip: IpAddr) {
    if let IpAddr::V6(v6) = ip {
        assert!(v6.to_ipv4_mapped().is_none(), "not canonical: {ip}");
    }
    assert_eq!(parse_ip(ip.to_string().as_bytes()), Some(ip), "{ip}");
}

/// Every field of a record is a slice of the line it came from (or empty):
/// the parsers copy nothing and invent nothing.
pub fn check_fields(line: &[u8], rec: &Record) {
    let range = line.as_ptr_range();
    let inside = |name: &str, f: &[u8]| {
        if !f.is_empty() {
            let r = f.as_ptr_range();
            assert!(
                range.start <= r.start && r.end <= range.end,
                "field {name} is not a slice of the line"
            );
        }
    };
    for (name, f) in [
        ("time", rec.time),
        ("method", rec.method),
        ("target", rec.target),
        ("protocol", rec.protocol),
        ("request", rec.request),
        ("referer", rec.referer),
        ("user_agent", rec.user_agent),
        ("vhost", rec.vhost),
        ("xff", rec.xff),
        ("level", rec.level),
        ("message", rec.message),
        ("host", rec.host),
    ] {
        inside(name, f);
    }
    if let Client::Other(t) = rec.client {
        inside("client", t);
    }
    check_client(&rec.client);
}

/// Reads `data` in pieces whose sizes come from `sizes` (cycled; a zero
/// becomes one byte), as a pipe delivers them.
pub struct Pieces {
    data: Vec<u8>,
    pos: usize,
    sizes: Vec<u8>,
    at: usize,
}

impl Pieces {
    pub fn new(data: &[u8], sizes: &[u8]) -> Pieces {
        Pieces {
            data: data.to_vec(),
            pos: 0,
            sizes: sizes.to_vec(),
            at: 0,
        }
    }
}

impl Read for Pieces {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = match self.sizes.len() {
            0 => buf.len(),
            k => usize::from(self.sizes[self.at % k]).max(1),
        };
        self.at += 1;
        let rest = &self.data[self.pos..];
        let n = want.min(buf.len()).min(rest.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }
}

/// Splits fuzz input at the first `sep`: (head, rest); no `sep`, all head.
pub fn split_at_byte(data: &[u8], sep: u8) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == sep) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}
