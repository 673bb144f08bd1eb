//! Checks on the names a user passes for rules (chains, sets, tables, AWS
//! ids): they end up inside shell commands and rule files, so only plain
//! identifiers within each tool's limits pass, and a bad one is refused
//! before anything is written.

use crate::escape::escape;

fn plain(s: &str, extra: &[u8]) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
}

fn bad(option: &'static str, s: &str, why: &str) -> crate::error::OptionError {
    crate::error::OptionError::Value {
        option,
        message: format!("`{}`: {why}", escape(s.as_bytes())),
    }
}

type Checked = Result<String, crate::error::OptionError>;

/// An iptables chain: letters, digits, `-` and `_`, at most 28 bytes (the
/// kernel's limit), not a built-in chain or target.
pub fn chain(s: &str) -> Checked {
    const BUILT_IN: [&str; 9] = [
        "INPUT",
        "OUTPUT",
        "FORWARD",
        "PREROUTING",
        "POSTROUTING",
        "ACCEPT",
        "DROP",
        "REJECT",
        "RETURN",
    ];
    if s.is_empty() || s.len() > 28 || !plain(s, b"-_") {
        return Err(bad(
            "--chain",
            s,
            "a chain name is 1 to 28 letters, digits, `-` or `_`",
        ));
    }
    if BUILT_IN.iter().any(|b| b.eq_ignore_ascii_case(s)) {
        return Err(bad(
            "--chain",
            s,
            "that is a built-in chain or target; alf writes only to a chain of its own",
        ));
    }
    Ok(s.to_string())
}

/// An nftables table: a letter, then letters, digits and `_`, at most 32 bytes.
pub fn table(s: &str) -> Checked {
    if s.is_empty() || s.len() > 32 || !s.as_bytes()[0].is_ascii_alphabetic() || !plain(s, b"_") {
        return Err(bad(
            "--table",
            s,
            "a table name is a letter, then up to 31 letters, digits or `_`",
        ));
    }
    Ok(s.to_string())
}

/// An ipset/firewalld set stem: letters, digits, `-` and `_`, at most 24 bytes,
/// so that `STEM-v4-new` stays within ipset's 31.
pub fn set_name(s: &str) -> Checked {
    if s.is_empty() || s.len() > 24 || !s.as_bytes()[0].is_ascii_alphabetic() || !plain(s, b"-_") {
        return Err(bad(
            "--set-name",
            s,
            "a set name is a letter, then up to 23 letters, digits, `-` or `_`",
        ));
    }
    Ok(s.to_string())
}

/// An AWS network ACL id: `acl-` and 8 or 17 hex digits.
pub fn nacl_id(s: &str) -> Checked {
    let hex = s.strip_prefix("acl-").unwrap_or("");
    if !matches!(hex.len(), 8 | 17) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad(
            "--nacl-id",
            s,
            "an ACL id is `acl-` and 8 or 17 hex digits",
        ));
    }
    Ok(s.to_ascii_lowercase())
}

/// An AWS security group id: `sg-` and 8 or 17 hex digits.
pub fn security_group(s: &str) -> Checked {
    let hex = s.strip_prefix("sg-").unwrap_or("");
    if !matches!(hex.len(), 8 | 17) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad(
            "--lb-sg",
            s,
            "a security group id is `sg-` and 8 or 17 hex digits",
        ));
    }
    Ok(s.to_ascii_lowercase())
}

/// An AWS WAF name: 1 to 128 letters, digits, `-` and `_`.
pub fn waf_name(s: &str) -> Checked {
    if s.is_empty() || s.len() > 128 || !plain(s, b"-_") {
        return Err(bad(
            "--waf-current",
            s,
            "an IP set name is 1 to 128 letters, digits, `-` or `_`",
        ));
    }
    Ok(s.to_string())
}

/// An AWS WAF id or lock token: 1 to 64 letters, digits and `-`.
pub fn waf_id(s: &str) -> Checked {
    if s.is_empty() || s.len() > 64 || !plain(s, b"-") {
        return Err(bad(
            "--waf-current",
            s,
            "an IP set id or lock token is 1 to 64 letters, digits or `-`",
        ));
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injection_is_refused() {
        for s in [
            "x; rm -rf ~",
            "$(id)",
            "a\nb",
            "",
            &"A".repeat(29),
            "INPUT",
            "drop",
            "a b",
        ] {
            assert!(chain(s).is_err(), "{s:?}");
        }
        assert!(chain("ALF-BLOCK").is_ok());
        assert!(chain(&"A".repeat(28)).is_ok());
        for s in ["x; rm -rf ~", "1abc", "a-b", "", &"a".repeat(33)] {
            assert!(table(s).is_err(), "{s:?}");
        }
        assert!(table("alf").is_ok());
        for s in ["x'y", "$(id)", &"a".repeat(25), "-x"] {
            assert!(set_name(s).is_err(), "{s:?}");
        }
        assert!(set_name("alf").is_ok());
        for s in ["acl-12", "acl-1234567g", "acl-123456789; ls", "12345678"] {
            assert!(nacl_id(s).is_err(), "{s:?}");
        }
        assert_eq!(nacl_id("acl-0123ABCD").unwrap(), "acl-0123abcd");
        assert!(nacl_id("acl-0123456789abcdef0").is_ok());
        assert!(security_group("sg-0123456789abcdef0").is_ok());
        assert!(security_group("sg-x").is_err());
        let e = chain("\x1b[2J").unwrap_err().to_string();
        assert!(!e.contains('\x1b'), "{e:?}");
    }
}
