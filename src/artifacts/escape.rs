//! Escaping for every output format the artifacts are written in.
//!
//! Validation already keeps quotes, newlines and template markers out of every answer, but the
//! renderers do not rely on it: each value is escaped for the format it lands in, so a rule that
//! is loosened later (or a `--templates` override) cannot turn an answer into code.

use thiserror::Error;

/// The content of a JSON string literal (without the surrounding quotes).
pub fn json_string_content(value: &str) -> String {
    let quoted = serde_json::Value::String(value.to_owned()).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

/// The escapes HCL and YAML double-quoted strings share: a quote, a backslash and the common
/// control characters. `false` when `c` is none of them.
fn push_quoted_escape(c: char, out: &mut String) -> bool {
    let escaped = match c {
        '"' => "\\\"",
        '\\' => "\\\\",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        _ => return false,
    };
    out.push_str(escaped);
    true
}

/// The content of an HCL quoted string (without the surrounding quotes).
///
/// Besides `"` and `\`, HCL treats `${` and `%{` as the start of an interpolation or a template
/// directive even inside quotes; doubling the `$`/`%` makes them literal.
pub fn hcl_string_content(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if push_quoted_escape(c, &mut out) => {}
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The content of a YAML double-quoted scalar (without the surrounding quotes).
pub fn yaml_string_content(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            c if push_quoted_escape(c, &mut out) => {}
            c if c.is_control() || c == '\u{FEFF}' => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A complete POSIX shell word. Words made only of characters no shell treats specially are
/// left bare (as Python's `shlex.quote` does) so the scripts stay readable; anything else is
/// single-quoted, with embedded single quotes closed, escaped and reopened.
pub fn shell_word(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_./:=@%+,-".contains(&b));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum IniError {
    #[error(
        "{value:?} contains a line break or control character, which would start a new INI line"
    )]
    ControlCharacter { value: String },
}

/// An INI value as the AWS CLI and SDKs read it. INI has no escaping at all: a line break would
/// start a new key, so values with control characters are refused rather than altered.
pub fn ini_value(value: &str) -> Result<&str, IniError> {
    if value.chars().any(char::is_control) {
        return Err(IniError::ControlCharacter {
            value: value.to_owned(),
        });
    }
    Ok(value.trim())
}

/// PEM text: only what a PEM certificate is made of (base64, the BEGIN and END lines' letters,
/// dashes, spaces and line breaks). The bundle is written back from DER before it gets here, so
/// nothing is dropped in practice; a value that is not PEM cannot add anything else.
pub fn pem_text(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | ' ' | '\n'))
        .collect()
}

/// Markdown prose: values are validated to plain characters; control characters are dropped so
/// a value cannot break out of the line it is on.
pub fn markdown_text(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hcl_escapes_quotes_backslashes_and_template_markers() {
        assert_eq!(hcl_string_content(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(hcl_string_content("${var.x} %{if}"), "$${var.x} %%{if}");
        assert_eq!(hcl_string_content("$ {x} 100%"), "$ {x} 100%");
        assert_eq!(hcl_string_content("a\nb"), "a\\nb");
    }

    #[test]
    fn json_escapes_like_serde_json() {
        assert_eq!(json_string_content("a\"b\\c\n"), r#"a\"b\\c\n"#);
        assert_eq!(json_string_content("\u{1}"), r"\u0001");
    }

    #[test]
    fn yaml_double_quoted_content_round_trips() {
        for value in [
            "plain",
            "a\"b",
            "back\\slash",
            "line\nbreak",
            ": # - ? {}",
            "\u{7}",
        ] {
            let doc = format!("k: \"{}\"\n", yaml_string_content(value));
            let parsed: std::collections::BTreeMap<String, String> =
                serde_yaml::from_str(&doc).expect("valid yaml");
            assert_eq!(parsed["k"], value, "document was {doc}");
        }
    }

    #[test]
    fn shell_word_survives_single_quotes() {
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word("$(rm -rf /)"), "'$(rm -rf /)'");
        assert_eq!(shell_word("arn:aws:iam::1:role/x"), "arn:aws:iam::1:role/x");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("*"), "'*'");
    }

    #[test]
    fn ini_refuses_line_breaks() {
        assert!(ini_value("ok value").is_ok());
        assert!(ini_value("a\n[profile evil]").is_err());
        assert!(ini_value("a\rb").is_err());
    }
}
