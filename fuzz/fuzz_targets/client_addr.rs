//! The client-address canonicaliser, against the standard library: a field
//! without brackets, port or zone is an address for alf exactly when it is
//! one for `std` (whose IPv4 parser refuses leading zeros too), and then the
//! same address, made canonical. Also `parse_v4`, `addr:port`, the client
//! of a field, the address keys, and the CIDR parser (each result reads
//! back from its own text as itself).
#![no_main]

use std::net::{IpAddr, Ipv4Addr};

use alf::net::{canonical, parse_net};
use alf::record::{
    client_from_field, ip_from_key, ip_key, parse_ip, parse_ip_port, parse_v4, Client,
};
use alf_fuzz::check_ip;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ours = parse_ip(data);
    if let Some(ip) = ours {
        check_ip(ip);
        assert_eq!(ip_from_key(ip_key(ip)), ip);
    }
    let plain = !data.iter().any(|b| matches!(b, b'[' | b']' | b'%'));
    if plain {
        let std = std::str::from_utf8(data)
            .ok()
            .and_then(|s| s.parse::<IpAddr>().ok())
            .map(canonical);
        assert_eq!(ours, std, "{:?}", String::from_utf8_lossy(data));
    }
    let v4 = parse_v4(data);
    let std_v4 = std::str::from_utf8(data)
        .ok()
        .and_then(|s| s.parse::<Ipv4Addr>().ok())
        .map(u32::from);
    assert_eq!(v4, std_v4, "{:?}", String::from_utf8_lossy(data));

    match client_from_field(data) {
        Client::Ip(ip) => assert_eq!(Some(ip), ours),
        Client::Other(t) => assert!(ours.is_none() && t == data && !data.is_empty()),
        Client::None => assert!(data.is_empty()),
    }
    if let Some(ip) = parse_ip_port(data) {
        check_ip(ip);
        if ours.is_none() {
            // `addr:port`: the address is what precedes the last colon.
            let colon = data.iter().rposition(|&b| b == b':').unwrap();
            assert_eq!(parse_ip(&data[..colon]), Some(ip));
        }
    }
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(net) = parse_net(s) {
            assert_eq!(net, net.trunc());
            assert_eq!(parse_net(&net.to_string()), Ok(net), "{s:?}");
            check_ip(net.addr());
        }
    }
});
