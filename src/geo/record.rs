//! The one record type decoded from every database: each field optional, so
//! a GeoIP2 City record, a GeoLite2-ASN record and a DB-IP country record
//! all decode into it, and fields of other layouts are skipped unread.

use std::net::IpAddr;

use maxminddb::{LookupResult, MaxMindDbError, Reader};
use serde::Deserialize;

use crate::escape::escape;

#[derive(Deserialize)]
struct Record<'a> {
    /// GeoIP2/GeoLite2 Country and City: where the address is used.
    #[serde(borrow)]
    country: Option<Country<'a>>,
    /// ... and where it is registered, used when `country` is missing.
    #[serde(borrow)]
    registered_country: Option<Country<'a>>,
    /// DB-IP's country layout: `{"country_code": "US"}`.
    country_code: Option<&'a str>,
    /// GeoLite2-ASN and GeoIP2-ISP.
    autonomous_system_number: Option<u32>,
    autonomous_system_organization: Option<&'a str>,
}

#[derive(Deserialize)]
struct Country<'a> {
    iso_code: Option<&'a str>,
}

/// A record's answer, checked: what [`super::GeoInfo`] is made of.
pub(super) struct Found {
    pub country: Option<String>,
    pub asn: Option<u32>,
    pub as_org: Option<String>,
}

/// Looks `ip` up in one database: `Ok(None)` when it holds no record there.
pub(super) fn read(
    reader: &Reader<memmap2::Mmap>,
    ip: IpAddr,
) -> Result<Option<Found>, MaxMindDbError> {
    decode(&reader.lookup(ip)?)
}

pub(super) fn decode<S: AsRef<[u8]>>(
    result: &LookupResult<'_, S>,
) -> Result<Option<Found>, MaxMindDbError> {
    let Some(record) = result.decode::<Record>()? else {
        return Ok(None);
    };
    let country = [
        record.country.and_then(|c| c.iso_code),
        record.registered_country.and_then(|c| c.iso_code),
        record.country_code,
    ]
    .into_iter()
    .flatten()
    .find_map(iso_code);
    let asn = record.autonomous_system_number.filter(|&n| n != 0);
    let as_org = asn
        .and(record.autonomous_system_organization)
        .filter(|o| !o.is_empty())
        .map(|o| escape(o.as_bytes()));
    Ok(Some(Found {
        country,
        asn,
        as_org,
    }))
}

/// A country code as ISO 3166-1 alpha-2 writes it (two letters, upper case),
/// or none: a database's text is not trusted to be one.
fn iso_code(code: &str) -> Option<String> {
    (code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic()))
        .then(|| code.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::iso_code;

    #[test]
    fn country_codes_are_two_letters() {
        assert_eq!(iso_code("US").as_deref(), Some("US"));
        assert_eq!(iso_code("gb").as_deref(), Some("GB"));
        for bad in ["", "U", "USA", "U1", "\u{1b}[", "É"] {
            assert_eq!(iso_code(bad), None, "{bad:?}");
        }
    }
}
