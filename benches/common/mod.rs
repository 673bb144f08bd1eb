//! What the benchmarks share: a reproducible random stream and the
//! combined-log line they write.

/// xorshift64: the next value of a reproducible stream.
pub fn next(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

/// One combined-log line.
pub struct Line<'a> {
    /// An IPv4 address as a number.
    pub client: u32,
    /// Seconds into 24 Dec 2020 (modulo a day).
    pub second: usize,
    pub request: &'a str,
    pub status: u16,
    pub bytes: u64,
    pub referer: &'a str,
    pub ua: &'a str,
}

impl Line<'_> {
    pub fn write(&self, out: &mut Vec<u8>) {
        let (c, i) = (self.client, self.second);
        let line = format!(
            "{}.{}.{}.{} - - [24/Dec/2020:{:02}:{:02}:{:02} +0000] \"{}\" {} {} \"{}\" \"{}\"\n",
            c >> 24,
            (c >> 16) & 255,
            (c >> 8) & 255,
            c & 255,
            (i / 3600) % 24,
            (i / 60) % 60,
            i % 60,
            self.request,
            self.status,
            self.bytes,
            self.referer,
            self.ua,
        );
        out.extend_from_slice(line.as_bytes());
    }
}
