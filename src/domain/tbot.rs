//! Where tbot writes the JWT SVID on the workload's host.

use crate::answers::advice::Advice;
use thiserror::Error;

pub const DEFAULT_OUTPUT_DIR: &str = "/opt/workload-identity";
pub const DEFAULT_JWT_FILE: &str = "aws-jwt";
/// The file tbot's `workload-identity-jwt` service writes in its destination; not configurable.
pub const WORKLOAD_IDENTITY_JWT_FILE: &str = "jwt_svid";
/// How long each JWT SVID lives, and how often tbot renews it: Teleport's defaults.
pub const DEFAULT_CREDENTIAL_TTL: &str = "1h";
pub const DEFAULT_RENEWAL_INTERVAL: &str = "20m";
/// Teleport caps a JWT SVID's lifetime at 24 hours.
pub const MAX_CREDENTIAL_TTL_SECS: u64 = 24 * 3600;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum TbotError {
    #[error(
        "the output directory must be an absolute path (it is read on the workload's host, not here)"
    )]
    NotAbsolute,
    #[error(
        "the output directory may not contain '.' or '..' segments, empty segments or control characters"
    )]
    BadDirectory,
    #[error(
        "a file name is 1-255 characters of letters, digits, '.', '_' and '-', and not '.' or '..'"
    )]
    BadFileName,
    #[error("a duration is numbers with units h, m or s, like 1h, 20m or 1h30m")]
    Duration,
    #[error("a JWT SVID lives at most 24h (Teleport's cap), and at least 1m")]
    TtlRange,
    #[error(
        "tbot must renew the JWT SVID before it expires: the renewal interval {renewal} is not shorter than the credential TTL {ttl}"
    )]
    RenewalNotShorter { renewal: String, ttl: String },
}

impl Advice for TbotError {
    fn fix(&self) -> String {
        match self {
            Self::NotAbsolute | Self::BadDirectory => {
                format!("use a plain absolute path such as {DEFAULT_OUTPUT_DIR}")
            }
            Self::BadFileName => format!("use a name such as {DEFAULT_JWT_FILE}"),
            Self::Duration => {
                format!("write e.g. {DEFAULT_CREDENTIAL_TTL} or {DEFAULT_RENEWAL_INTERVAL}")
            }
            Self::TtlRange => {
                format!("use a TTL between 1m and 24h, e.g. {DEFAULT_CREDENTIAL_TTL}")
            }
            Self::RenewalNotShorter { .. } => format!(
                "renew well before expiry, e.g. tbot.credential_ttl {DEFAULT_CREDENTIAL_TTL} with tbot.renewal_interval {DEFAULT_RENEWAL_INTERVAL}"
            ),
        }
    }
}

/// An absolute directory, returned without a trailing slash so joining a file name gives the
/// exact path the AWS profile must name.
pub fn parse_output_dir(value: &str) -> Result<String, TbotError> {
    if !value.starts_with('/') {
        return Err(TbotError::NotAbsolute);
    }
    let trimmed = value.trim_end_matches('/');
    if trimmed.is_empty() {
        // The root directory itself: tbot would write the JWT to /<file>.
        return Err(TbotError::BadDirectory);
    }
    let segments_ok = trimmed[1..]
        .split('/')
        .all(|s| !s.is_empty() && s != "." && s != "..");
    if !segments_ok || trimmed.chars().any(char::is_control) {
        return Err(TbotError::BadDirectory);
    }
    Ok(trimmed.to_owned())
}

pub fn parse_file_name(value: &str) -> Result<String, TbotError> {
    let chars_ok = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if value.is_empty() || value.len() > 255 || !chars_ok || value == "." || value == ".." {
        return Err(TbotError::BadFileName);
    }
    Ok(value.to_owned())
}

/// Seconds in a duration written as tbot reads it (`1h`, `20m`, `1h30m`, `90s`).
pub fn duration_secs(value: &str) -> Result<u64, TbotError> {
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in value.chars() {
        match c {
            '0'..='9' => number.push(c),
            'h' | 'm' | 's' if !number.is_empty() => {
                let unit = match c {
                    'h' => 3600,
                    'm' => 60,
                    _ => 1,
                };
                let amount: u64 = number.parse().map_err(|_| TbotError::Duration)?;
                total = amount
                    .checked_mul(unit)
                    .and_then(|secs| total.checked_add(secs))
                    .ok_or(TbotError::Duration)?;
                number.clear();
            }
            _ => return Err(TbotError::Duration),
        }
    }
    match number.is_empty() && !value.is_empty() {
        true => Ok(total),
        false => Err(TbotError::Duration),
    }
}

/// A credential TTL: a duration from 1 minute to 24 hours.
pub fn parse_credential_ttl(value: &str) -> Result<String, TbotError> {
    match duration_secs(value)? {
        60..=MAX_CREDENTIAL_TTL_SECS => Ok(value.to_owned()),
        _ => Err(TbotError::TtlRange),
    }
}

/// A renewal interval: a duration, shorter than `ttl` when that is known.
pub fn parse_renewal_interval(value: &str, ttl: Option<&str>) -> Result<String, TbotError> {
    let renewal = duration_secs(value)?;
    if let Some(ttl) = ttl
        && duration_secs(ttl).is_ok_and(|ttl_secs| renewal >= ttl_secs)
    {
        return Err(TbotError::RenewalNotShorter {
            renewal: value.to_owned(),
            ttl: ttl.to_owned(),
        });
    }
    match renewal {
        0 => Err(TbotError::Duration),
        _ => Ok(value.to_owned()),
    }
}

#[cfg(test)]
mod duration_tests {
    use super::*;

    #[test]
    fn durations_as_tbot_writes_them() {
        assert_eq!(duration_secs("1h30m"), Ok(5400));
        assert_eq!(duration_secs("20m"), Ok(1200));
        assert!(duration_secs("20").is_err());
        assert!(duration_secs("1d").is_err());
        assert!(duration_secs("").is_err());
        assert_eq!(parse_credential_ttl("25h"), Err(TbotError::TtlRange));
        assert!(matches!(
            parse_renewal_interval("1h", Some("1h")),
            Err(TbotError::RenewalNotShorter { .. })
        ));
        assert!(parse_renewal_interval("20m", Some("1h")).is_ok());
    }
}
