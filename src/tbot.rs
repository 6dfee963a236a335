//! Where tbot writes the JWT SVID on the workload's host.

use crate::advice::Advice;
use thiserror::Error;

pub const DEFAULT_OUTPUT_DIR: &str = "/opt/workload-identity";
pub const DEFAULT_JWT_FILE: &str = "aws-jwt";

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
}

impl Advice for TbotError {
    fn fix(&self) -> String {
        match self {
            Self::NotAbsolute | Self::BadDirectory => {
                format!("use a plain absolute path such as {DEFAULT_OUTPUT_DIR}")
            }
            Self::BadFileName => format!("use a name such as {DEFAULT_JWT_FILE}"),
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
