//! Times on the wire: Infisical's ISO-8601 UTC with milliseconds, from the unix
//! milliseconds storage keeps.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Unix milliseconds as ISO-8601 UTC with milliseconds (`2025-04-23T19:46:34.831Z`).
pub fn iso(ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let base = t.replace_millisecond(0).unwrap_or(t).format(&Rfc3339).unwrap_or_default();
    // Rfc3339 without fractional seconds ends in "Z"; add the milliseconds back.
    match base.strip_suffix('Z') {
        Some(b) => format!("{b}.{:03}Z", ms.rem_euclid(1000)),
        None => base,
    }
}

pub fn iso_opt(ms: Option<i64>) -> Option<String> {
    ms.map(iso)
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_has_millis() {
        assert_eq!(super::iso(1_745_437_594_831), "2025-04-23T19:46:34.831Z");
        assert_eq!(super::iso(0), "1970-01-01T00:00:00.000Z");
    }
}
