//! The runner host's local time zone, so a kid's `datetime.now()` shows the school's
//! clock rather than UTC: the runner's `TZ` when it names a zone, else the zone that
//! `/etc/localtime` links to. Only a plain zone name (`Asia/Shanghai`) leaves this
//! module; the sandbox links its own /etc/localtime to that zone's file in the
//! read-only zone data, if the policy binds it.

use sandpit_sandbox::spec::ZONEINFO;
use std::path::Path;

/// The host's zone name, if one can be told and its data exists here.
pub fn host_zone() -> Option<String> {
    let from_env = std::env::var("TZ")
        .ok()
        .and_then(|tz| zone_from_tz(&tz).map(str::to_string));
    let zone = from_env.or_else(|| {
        let target = std::fs::read_link("/etc/localtime").ok()?;
        zone_from_link(&target.to_string_lossy()).map(str::to_string)
    })?;
    // A name that only looked right (or a zone whose data is not installed) gives UTC,
    // as a Python with no time zone would.
    Path::new(ZONEINFO).join(&zone).is_file().then_some(zone)
}

/// `TZ=Asia/Shanghai` or `TZ=:Asia/Shanghai` name a zone. A POSIX rule string such as
/// `CST-8` has no zone file, so `host_zone` drops it.
fn zone_from_tz(tz: &str) -> Option<&str> {
    let name = tz.strip_prefix(':').unwrap_or(tz);
    valid_zone_name(name).then_some(name)
}

/// `/usr/share/zoneinfo/Europe/London` (or `../usr/share/zoneinfo/…`) → `Europe/London`.
fn zone_from_link(target: &str) -> Option<&str> {
    let (_, name) = target.rsplit_once("zoneinfo/")?;
    valid_zone_name(name).then_some(name)
}

/// Letters, digits, `_`, `+`, `-` in `/`-separated parts, none of them `.` or `..`
/// (names like `Etc/GMT+8` and `America/Port-au-Prince` pass; paths don't).
fn valid_zone_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.split('/').all(|part| {
            !part.is_empty()
                && part.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_names_from_tz() {
        assert_eq!(zone_from_tz("Asia/Shanghai"), Some("Asia/Shanghai"));
        assert_eq!(zone_from_tz(":Europe/London"), Some("Europe/London"));
        assert_eq!(zone_from_tz("Etc/GMT+8"), Some("Etc/GMT+8"));
        assert_eq!(zone_from_tz("UTC"), Some("UTC"));
        for bad in [
            "",
            ":",
            "<+08>-8",
            "../../etc/passwd",
            "/etc/passwd",
            "Asia//Shanghai",
            "Asia/./Shanghai",
            "Asia/Shanghai\0",
            "Europe/London ",
        ] {
            assert_eq!(zone_from_tz(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn zone_names_from_the_localtime_link() {
        assert_eq!(
            zone_from_link("/usr/share/zoneinfo/Europe/London"),
            Some("Europe/London")
        );
        assert_eq!(
            zone_from_link("../usr/share/zoneinfo/America/Port-au-Prince"),
            Some("America/Port-au-Prince")
        );
        assert_eq!(zone_from_link("/etc/some-file"), None);
        assert_eq!(zone_from_link("/usr/share/zoneinfo/../../etc/passwd"), None);
    }
}
