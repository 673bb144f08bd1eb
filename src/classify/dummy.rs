//! The dummy-connection detector: the requests Apache sends to itself to
//! wake idle children.
//!
//! It looks only at the method, target, client and User-Agent. That a line
//! hitting an exploit or scanner signature is never dummy, whatever its
//! User-Agent says, is the classifier's rule, not this file's: only the
//! classifier knows the signature hits.

use crate::record::{Client, Record};

/// How Apache's User-Agent for its own dummy connections ends.
const DUMMY_UA: &[u8] = b"(internal dummy connection)";

/// Whether `rec` has the shape of a dummy connection: `OPTIONS *` from
/// loopback, or `OPTIONS *` or `GET /` with Apache's User-Agent.
pub(super) fn is_dummy(rec: &Record) -> bool {
    let options_star = rec.method == b"OPTIONS" && rec.target == b"*";
    if options_star && matches!(rec.client, Client::Ip(ip) if ip.is_loopback()) {
        return true;
    }
    let get_root = rec.method == b"GET" && rec.target == b"/";
    (options_star || get_root) && rec.user_agent.ends_with(DUMMY_UA)
}

#[cfg(test)]
mod tests {
    use crate::classify::line::{combined, run};
    use crate::classify::registry::{ClassId, ClassSet};

    #[test]
    fn dummy_cannot_hide_an_attack() {
        let ua = "Apache/2.4.39 () (internal dummy connection)";
        let (lc, ..) = run("combined", "::1 - - [24/Dec/2020:18:58:33 +0900] \"OPTIONS * HTTP/1.0\" 200 - \"-\" \"Apache/2.4.39 () (internal dummy connection)\"");
        assert_eq!(lc.classes(), ClassSet::of(&[ClassId::Dummy]));
        let (lc, ..) = run("combined", &combined("GET / HTTP/1.0", 200, ua));
        assert_eq!(lc.classes(), ClassSet::of(&[ClassId::Dummy]));
        let (lc, ..) = run("combined", &combined("GET /.env HTTP/1.0", 200, ua));
        assert!(!lc.has(ClassId::Dummy) && lc.has(ClassId::Exploit));
        let (lc, ..) = run(
            "combined",
            &combined(
                "GET / HTTP/1.0",
                200,
                "${jndi:ldap://x} (internal dummy connection)",
            ),
        );
        assert!(!lc.has(ClassId::Dummy) && lc.has(ClassId::Exploit));
        let (lc, ..) = run("combined", &combined("OPTIONS * HTTP/1.0", 200, "-"));
        assert!(!lc.has(ClassId::Dummy), "not loopback, no marker");
    }
}
