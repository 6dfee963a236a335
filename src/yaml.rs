//! The one place that touches the YAML library, so it can be swapped for a maintained fork by
//! changing this file alone.

pub use serde_yaml::{Mapping, Value};

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    pub message: String,
    pub line: Option<usize>,
}

pub fn parse(text: &str) -> Result<Value, SyntaxError> {
    serde_yaml::from_str(text).map_err(|error| SyntaxError {
        line: error.location().map(|l| l.line()),
        message: error.to_string(),
    })
}

pub fn to_string<T: serde::Serialize>(value: &T) -> Result<String, SyntaxError> {
    serde_yaml::to_string(value).map_err(|error| SyntaxError {
        message: error.to_string(),
        line: None,
    })
}

pub fn from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, SyntaxError> {
    serde_yaml::from_str(text).map_err(|error| SyntaxError {
        line: error.location().map(|l| l.line()),
        message: error.to_string(),
    })
}

/// The 1-based line of `section.key` (or of `section` alone) in a block-style YAML document.
///
/// serde_yaml's values carry no positions, so the line is found in the text: the first line
/// `section:` at the left margin, then the first more-indented `key:` beneath it.
pub fn line_of(text: &str, section: &str, key: Option<&str>) -> Option<usize> {
    let mut in_section = false;
    for (index, line) in text.lines().enumerate() {
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indented = content.len() != line.len();
        if !indented {
            in_section = key_of(content) == Some(section);
            if in_section && key.is_none() {
                return Some(index + 1);
            }
        } else if in_section && key.is_some() && key_of(content) == key {
            return Some(index + 1);
        }
    }
    None
}

fn key_of(content: &str) -> Option<&str> {
    let (key, _) = content.split_once(':')?;
    Some(key.trim().trim_matches(['"', '\'']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_keys_and_skips_comments() {
        let text = "version: 1\n# aws:\nteleport:\n  proxy: x\naws:\n  # account_id: 1\n  account_id: \"2\"\n";
        assert_eq!(line_of(text, "aws", Some("account_id")), Some(7));
        assert_eq!(line_of(text, "teleport", Some("proxy")), Some(4));
        assert_eq!(line_of(text, "aws", None), Some(5));
        assert_eq!(line_of(text, "tbot", Some("x")), None);
    }
}
