//! Clients past the cap (`--max-clients`), counted by network.
//!
//! A log can name more distinct clients than memory should hold: millions of
//! addresses rotating through one IPv6 /48, or spoofed sources scattered over
//! all of IPv4. Once a worker's client table holds the cap, a client it does
//! not already hold is counted under its network instead: the IPv4 /24 or
//! IPv6 /64 first; when a quarter of the cap's worth of networks are held,
//! /16 and /48 (as many again), then /8 and /32, then the whole family: the
//! networks are no more than the cap. Totals stay exact; a network's row is the
//! sum of the clients that fell into it after the table filled, and which
//! clients those were depends on the order lines were read in, so the report
//! calls per-client counts approximate once anything was folded.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::clients::{ClientStats, ClientTable};
use crate::record::is_v4_key;

/// Prefix lengths by fold level, for IPv4 and IPv6.
const PREFIX: [[u32; 2]; 4] = [[24, 64], [16, 48], [8, 32], [0, 0]];

/// Networks past the cap: keys made by [`fold`].
#[derive(Clone, Debug, Default)]
pub struct Folded {
    table: ClientTable,
    /// The coarsest level in use.
    level: usize,
}

/// The key of the network that holds address key `key` at `level`: the
/// address with its host bits cleared and the prefix length written in its
/// lowest byte (always a host byte, so a key names one network).
pub fn fold(key: u128, level: usize) -> u128 {
    let v4 = is_v4_key(key);
    let len = PREFIX[level][usize::from(!v4)];
    let host = if v4 { 32 - len } else { 128 - len };
    let net = key & !(u128::MAX.checked_shl(host).map_or(u128::MAX, |m| !m));
    net | u128::from(len)
}

/// The network a folded key stands for.
pub fn net(k: u128) -> IpNet {
    let len = k as u8;
    let net = k & !0xff;
    if is_v4_key(net) {
        IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::from(net as u32), len))
    } else {
        IpNet::V6(Ipv6Net::new_assert(Ipv6Addr::from(net), len))
    }
}

impl Folded {
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Networks held.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Networks and their counts.
    pub fn iter(&self) -> impl Iterator<Item = (u128, &ClientStats)> + '_ {
        self.table.iter()
    }

    /// Requests counted by network.
    pub fn requests(&self) -> u64 {
        self.iter().map(|(_, s)| s.requests).sum()
    }

    /// The counters of the network that takes address key `key`: the one
    /// already held, finest first, or a new one at the current level; each
    /// level may add a quarter of `cap` networks, then the next one is used.
    pub fn entry(&mut self, key: u128, cap: usize) -> &mut ClientStats {
        let table = &self.table;
        let k = network(key, &mut self.level, table.len(), cap, |k| {
            table.get(k).is_some()
        });
        self.table.entry(k)
    }

    /// The counters of a network, by its key.
    pub fn get(&self, key: u128) -> Option<&ClientStats> {
        self.table.get(key)
    }

    /// The finest network held that address key `key` falls in: where its
    /// requests went, if it was past the cap.
    pub fn holder(&self, key: u128) -> Option<u128> {
        (0..PREFIX.len())
            .map(|l| fold(key, l))
            .find(|&k| self.get(k).is_some())
    }

    /// Adds `o`'s networks.
    pub fn merge(&mut self, o: Folded) {
        self.level = self.level.max(o.level);
        self.table.merge(o.table);
    }
}

/// The network that takes address key `key` in a table of `len` networks
/// of which `held` says which it has: the one already held, finest first,
/// or a new one at `level`; each level may add a quarter of `cap` networks,
/// then `level` moves to the next.
pub fn network(
    key: u128,
    level: &mut usize,
    len: usize,
    cap: usize,
    held: impl Fn(u128) -> bool,
) -> u128 {
    loop {
        if let Some(k) = (0..=*level).map(|l| fold(key, l)).find(|&k| held(k)) {
            return k;
        }
        if len < (cap / 4).max(1) * (*level + 1) || *level + 1 == PREFIX.len() {
            return fold(key, *level);
        }
        *level += 1;
    }
}

/// The counters for address key `key`: its own in `table` while the table
/// holds fewer than `cap` clients or holds it already, else its network's in
/// `folded`.
#[inline]
pub fn entry<'a>(
    table: &'a mut ClientTable,
    folded: &'a mut Folded,
    key: u128,
    cap: usize,
) -> &'a mut ClientStats {
    match table.entry_within(key, cap) {
        Some(s) => s,
        None => folded.entry(key, cap),
    }
}

/// Adds a table and its networks (`o`) to `table` and `folded`, keeping `cap`.
pub fn merge(table: &mut ClientTable, folded: &mut Folded, o: (ClientTable, Folded), cap: usize) {
    folded.merge(o.1);
    table.merge_within(o.0, cap, |k, s| folded.entry(k, cap).merge(s));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::ip_key;

    fn key(s: &str) -> u128 {
        ip_key(s.parse().unwrap())
    }

    #[test]
    fn networks_by_level() {
        let f = |s: &str, l| net(fold(key(s), l)).to_string();
        assert_eq!(f("198.51.100.77", 0), "198.51.100.0/24");
        assert_eq!(f("198.51.100.77", 1), "198.51.0.0/16");
        assert_eq!(f("198.51.100.77", 2), "198.0.0.0/8");
        assert_eq!(f("198.51.100.77", 3), "0.0.0.0/0");
        assert_eq!(f("2001:db8:48:1:2:3:4:5", 0), "2001:db8:48:1::/64");
        assert_eq!(f("2001:db8:48:1:2:3:4:5", 1), "2001:db8:48::/48");
        assert_eq!(f("2001:db8:48:1:2:3:4:5", 2), "2001:db8::/32");
        assert_eq!(f("2001:db8:48:1:2:3:4:5", 3), "::/0");
        // A /24 and the /16 or /8 of the same bits are different keys.
        assert_ne!(fold(key("10.0.0.1"), 0), fold(key("10.0.0.1"), 1));
        assert_ne!(fold(key("10.0.0.1"), 1), fold(key("10.0.0.1"), 2));
    }

    #[test]
    fn levels_rise_when_the_networks_fill() {
        let mut f = Folded::default();
        for c in 0..4u8 {
            f.entry(key(&format!("10.{c}.0.1")), 8).requests += 1;
        }
        // Two /24s, then /16s.
        let mut rows: Vec<(String, u64)> = f
            .iter()
            .map(|(k, s)| (net(k).to_string(), s.requests))
            .collect();
        rows.sort();
        assert_eq!(
            rows,
            [
                ("10.0.0.0/24".to_string(), 1),
                ("10.1.0.0/24".to_string(), 1),
                ("10.2.0.0/16".to_string(), 1),
                ("10.3.0.0/16".to_string(), 1)
            ]
        );
        // A client of a network already held goes there, at any level.
        f.entry(key("10.0.0.9"), 8).requests += 1;
        f.entry(key("10.3.7.7"), 8).requests += 1;
        assert_eq!(f.requests(), 6);
        assert_eq!(f.iter().count(), 4);
        // The last level takes anything.
        for c in 0..50u8 {
            f.entry(key(&format!("{}.1.1.1", c + 11)), 8).requests += 1;
        }
        assert_eq!(f.requests(), 56);
        assert!(f.iter().any(|(k, _)| net(k).to_string() == "0.0.0.0/0"));
    }
}
