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

/// One step of a path into a YAML document: a mapping key or a sequence index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPart<'a> {
    Key(&'a str),
    Index(usize),
}

/// A line that holds something: its 1-based number, its indentation and its text.
#[derive(Debug, Clone, Copy)]
struct Line<'t> {
    number: usize,
    indent: usize,
    content: &'t str,
}

/// The 1-based line of `path` (e.g. `workloads`, 3, `aws`, `bucket`) in a block-style YAML
/// document.
///
/// serde_yaml's values carry no positions, so the line is found in the text by indentation:
/// a key at the block's indentation, then its more-indented children; an index counts the
/// block's `- ` items.
pub fn line_of_path(text: &str, path: &[PathPart<'_>]) -> Option<usize> {
    let lines: Vec<Line<'_>> = text
        .lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let content = line.trim_start();
            (!content.is_empty() && !content.starts_with('#')).then(|| Line {
                number: index + 1,
                indent: line.len() - content.len(),
                content,
            })
        })
        .collect();
    find(&lines, path)
}

fn find(block: &[Line<'_>], path: &[PathPart<'_>]) -> Option<usize> {
    let (first, rest) = path.split_first()?;
    let indent = block.first()?.indent;
    match first {
        PathPart::Key(key) => {
            let at = block
                .iter()
                .position(|l| l.indent == indent && key_of(l.content) == Some(*key))?;
            if rest.is_empty() {
                return Some(block[at].number);
            }
            // A sequence may sit at its key's own indentation (`key:` then `- item`).
            let children = &block[at + 1..];
            let end = children
                .iter()
                .position(|l| l.indent < indent || (l.indent == indent && !is_item(l)))
                .unwrap_or(children.len());
            find(&children[..end], rest)
        }
        PathPart::Index(wanted) => {
            let starts: Vec<usize> = (0..block.len())
                .filter(|&i| block[i].indent == indent && is_item(&block[i]))
                .collect();
            let start = *starts.get(*wanted)?;
            let end = starts.get(wanted + 1).copied().unwrap_or(block.len());
            let item = &block[start];
            if rest.is_empty() {
                return Some(item.number);
            }
            // The item's first line, seen without its dash, is its first child.
            let after_dash = item.content[1..].trim_start();
            let mut inner = Vec::with_capacity(end - start);
            if !after_dash.is_empty() {
                inner.push(Line {
                    number: item.number,
                    indent: item.indent + item.content.len() - after_dash.len(),
                    content: after_dash,
                });
            }
            inner.extend_from_slice(&block[start + 1..end]);
            find(&inner, rest)
        }
    }
}

fn is_item(line: &Line<'_>) -> bool {
    line.content == "-" || line.content.starts_with("- ")
}

fn key_of(content: &str) -> Option<&str> {
    let (key, _) = content.split_once(':')?;
    Some(key.trim().trim_matches(['"', '\'']))
}

#[cfg(test)]
mod tests {
    use super::*;

    use PathPart::{Index, Key};

    #[test]
    fn finds_nested_keys_and_skips_comments() {
        let text = "version: 1\n# aws:\nteleport:\n  proxy: x\naws:\n  # account_id: 1\n  account_id: \"2\"\n";
        assert_eq!(
            line_of_path(text, &[Key("aws"), Key("account_id")]),
            Some(7)
        );
        assert_eq!(
            line_of_path(text, &[Key("teleport"), Key("proxy")]),
            Some(4)
        );
        assert_eq!(line_of_path(text, &[Key("aws")]), Some(5));
        assert_eq!(line_of_path(text, &[Key("tbot"), Key("x")]), None);
        assert_eq!(
            line_of_path(text, &[Key("teleport"), Key("account_id")]),
            None
        );
    }

    #[test]
    fn finds_keys_inside_list_items_at_either_indentation() {
        let text = "version: 2\nworkloads:\n  - name: a\n    aws:\n      bucket: x\n  -\n    name: b\n    aws:\n      # bucket: no\n      bucket: y\ntbot:\n  audience: z\n";
        let bucket = |i| {
            line_of_path(
                text,
                &[Key("workloads"), Index(i), Key("aws"), Key("bucket")],
            )
        };
        assert_eq!(bucket(0), Some(5));
        assert_eq!(bucket(1), Some(10));
        assert_eq!(bucket(2), None);
        assert_eq!(
            line_of_path(text, &[Key("workloads"), Index(1), Key("name")]),
            Some(7)
        );
        assert_eq!(line_of_path(text, &[Key("workloads"), Index(0)]), Some(3));
        assert_eq!(
            line_of_path(text, &[Key("tbot"), Key("audience")]),
            Some(12)
        );
        let flush = "workloads:\n- name: a\n- name: b\n  aws:\n    bucket: q\nversion: 2\n";
        assert_eq!(
            line_of_path(
                flush,
                &[Key("workloads"), Index(1), Key("aws"), Key("bucket")]
            ),
            Some(5)
        );
        assert_eq!(line_of_path(flush, &[Key("version")]), Some(6));
    }
}
