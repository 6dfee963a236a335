//! A user's own IAM permissions policy (`aws.policy_file`), checked with IAM's grammar before
//! anything is rendered, every problem with its line in that file.
//!
//! The rules and their sources:
//! - the grammar (Version, Id, Statement; Sid, Effect, Action/NotAction, Resource/NotResource,
//!   Condition): <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>;
//! - an identity-based policy names no Principal, and needs a Resource or NotResource:
//!   <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>,
//!   <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>;
//! - a Sid holds ASCII letters and digits and is unique in its policy:
//!   <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html>;
//! - the condition operators:
//!   <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>;
//! - the characters (U+0009, U+000A, U+000D and U+0020 to U+00FF) and the 6,144 characters
//!   without whitespace of a managed policy: "IAM and AWS STS quotas",
//!   <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>.
//!
//! Pure: the front end reads the file and hands its text here.

use crate::answers::advice::Advice;
use crate::domain::aws::Partition;
use crate::domain::quotas;
use serde_json::Value;
use std::fmt;
use thiserror::Error;

/// Where the set keeps a copy of the policy file (in a fleet, under `iam/<workload>/`): the
/// saved answers name it, so a replay of `answers.yaml` reads what was rendered.
pub const POLICY_FILE_COPY: &str = "iam/policy-file.json";

/// Where a set keeps the policy file of `workload` (`""`: the one workload of a version 1
/// set), as its other IAM documents (see `artifacts::render::fleet_path`).
pub fn copy_path(workload: &str) -> String {
    match workload {
        "" => POLICY_FILE_COPY.to_owned(),
        name => format!("iam/{name}/policy-file.json"),
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PolicyFileError {
    #[error("cannot be read: {0}")]
    Unreadable(String),
    #[error("was not read: a policy file is read relative to an answers file")]
    NotRead,
    #[error("{path} {problem}")]
    Document {
        path: String,
        problem: DocumentProblem,
    },
    #[error("access none grants nothing of its own, and no aws.policy_file is given")]
    NoneWithoutPolicy,
    #[error(
        "{path}: Sid {sid:?} is the one of wi-aws's own S3 statement, and IAM wants each Sid unique in a policy"
    )]
    PresetSid { path: String, sid: String },
}

impl Advice for PolicyFileError {
    fn fix(&self) -> String {
        match self {
            Self::Unreadable(_) | Self::NotRead => {
                "give the path of a JSON file, relative to the answers file's directory or absolute"
                    .into()
            }
            Self::Document { problem, .. } if problem.line.is_some() => {
                "correct the policy file at that line".into()
            }
            Self::Document { .. } => "correct the policy file".into(),
            Self::NoneWithoutPolicy => {
                "give aws.policy_file (a JSON permissions policy), or choose an S3 access preset"
                    .into()
            }
            Self::PresetSid { .. } => format!(
                "rename the statement's Sid (wi-aws's are {})",
                PRESET_SIDS.join(", ")
            ),
        }
    }
}

/// The policy language version wi-aws writes; a document of the older 2008-10-17 would read
/// policy variables (`${aws:username}`) as literal text once merged into it.
pub const POLICY_VERSION: &str = "2012-10-17";

/// The most a policy file may hold before it is read at all: far over any policy IAM accepts.
pub const POLICY_FILE_LIMIT: u64 = 64 * 1024;

/// The Sids of wi-aws's own S3 statements, which a policy file merged with a preset may not use.
pub const PRESET_SIDS: [&str; 3] = ["BucketAndObjects", "Bucket", "Objects"];

/// The condition operators IAM knows, without `IfExists` and the set prefixes.
const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// One problem in a policy file, at its 1-based line (none: the file as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentProblem {
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for DocumentProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// A policy file that IAM's grammar accepts: its text as given and its statements, each a
/// JSON object, in order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PolicyDocument {
    #[serde(skip)]
    pub text: String,
    pub statements: Vec<Value>,
}

/// Whether `operator` is one IAM knows: a base operator, with `IfExists` (but not `Null`),
/// under `ForAllValues:` or `ForAnyValue:`.
pub fn known_operator(operator: &str) -> bool {
    let operator = operator
        .strip_prefix("ForAllValues:")
        .or_else(|| operator.strip_prefix("ForAnyValue:"))
        .unwrap_or(operator);
    let base = match operator.strip_suffix("IfExists") {
        Some(base) if base != "Null" => base,
        Some(_) => return false,
        None => operator,
    };
    OPERATORS.contains(&base)
}

/// Checks a policy file's text: every problem found, or the document.
pub fn check(text: &str, partition: Partition) -> Result<PolicyDocument, Vec<DocumentProblem>> {
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if let Some(bad) = line.chars().find(|c| !allowed_char(*c)) {
            problems.push(DocumentProblem {
                line: Some(index + 1),
                message: format!(
                    "{:?} (U+{:04X}) is not a character IAM accepts in a policy (tab, line breaks and U+0020 to U+00FF only)",
                    bad, bad as u32
                ),
            });
        }
    }
    let size = quotas::policy_size(text);
    if quotas::MANAGED_POLICY_CHARS.fit(size) == quotas::Fit::OverMax {
        problems.push(DocumentProblem {
            line: None,
            message: format!(
                "{size} characters without whitespace, over the {} of a managed policy in any account",
                quotas::MANAGED_POLICY_CHARS.max
            ),
        });
    }
    let node = match Parser::new(text).document() {
        Ok(node) => node,
        Err(problem) => {
            problems.push(problem);
            return Err(problems);
        }
    };
    let mut grammar = Grammar {
        partition,
        problems,
        sids: Vec::new(),
    };
    let statements = grammar.policy(&node);
    match grammar.problems.is_empty() {
        true => Ok(PolicyDocument {
            text: text.to_owned(),
            statements,
        }),
        false => Err(grammar.problems),
    }
}

fn allowed_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}')
}

/// A JSON value with the line it starts on.
#[derive(Debug, Clone)]
struct Node {
    line: usize,
    value: NodeValue,
}

#[derive(Debug, Clone)]
enum NodeValue {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Node>),
    /// Members in order, each key with its line.
    Object(Vec<(String, usize, Node)>),
}

impl Node {
    fn to_value(&self) -> Value {
        match &self.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Number(n) => serde_json::from_str(n).unwrap_or(Value::Null),
            NodeValue::String(s) => Value::String(s.clone()),
            NodeValue::Array(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            NodeValue::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(key, _, node)| (key.clone(), node.to_value()))
                    .collect(),
            ),
        }
    }

    fn kind(&self) -> &'static str {
        match self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Number(_) => "a number",
            NodeValue::String(_) => "a string",
            NodeValue::Array(_) => "a list",
            NodeValue::Object(_) => "an object",
        }
    }
}

/// A JSON reader that keeps each value's line (serde_json keeps none), refuses duplicate keys
/// (which JSON parsers resolve differently, so what IAM reads would be a guess) and nests at
/// most 64 deep.
struct Parser<'a> {
    text: &'a [u8],
    at: usize,
    line: usize,
}

const MAX_DEPTH: usize = 64;

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, DocumentProblem> {
        Err(DocumentProblem {
            line: Some(self.line),
            message: format!("not valid JSON: {}", message.into()),
        })
    }

    fn document(&mut self) -> Result<Node, DocumentProblem> {
        // A byte order mark is not JSON, and IAM refuses U+FEFF.
        let node = self.value(0)?;
        self.blank();
        match self.peek() {
            None => Ok(node),
            Some(_) => self.error("more after the document's end"),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn blank(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => break,
            }
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), DocumentProblem> {
        self.blank();
        match self.peek() {
            Some(b) if b == byte => {
                self.at += 1;
                Ok(())
            }
            Some(b) => self.error(format!(
                "expected '{}', found '{}'",
                byte as char, b as char
            )),
            None => self.error(format!("expected '{}', found the end", byte as char)),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, DocumentProblem> {
        if depth > MAX_DEPTH {
            return self.error(format!("nested more than {MAX_DEPTH} deep"));
        }
        self.blank();
        let line = self.line;
        let value = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => NodeValue::String(self.string()?),
            Some(b't') => self.word("true", NodeValue::Bool(true))?,
            Some(b'f') => self.word("false", NodeValue::Bool(false))?,
            Some(b'n') => self.word("null", NodeValue::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(b) => return self.error(format!("unexpected '{}'", b as char)),
            None => return self.error("the document ends early"),
        };
        Ok(Node { line, value })
    }

    fn word(&mut self, word: &str, value: NodeValue) -> Result<NodeValue, DocumentProblem> {
        match self.text[self.at..].starts_with(word.as_bytes()) {
            true => {
                self.at += word.len();
                Ok(value)
            }
            false => self.error("unexpected word (JSON knows true, false and null)"),
        }
    }

    fn number(&mut self) -> Result<NodeValue, DocumentProblem> {
        let start = self.at;
        while matches!(
            self.peek(),
            Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
        ) {
            self.at += 1;
        }
        let text = String::from_utf8_lossy(&self.text[start..self.at]).into_owned();
        match serde_json::from_str::<serde_json::Number>(&text) {
            Ok(_) => Ok(NodeValue::Number(text)),
            Err(_) => self.error(format!("{text} is not a number")),
        }
    }

    fn string(&mut self) -> Result<String, DocumentProblem> {
        self.at += 1; // the opening quote
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return self.error("a string is not closed");
            };
            self.at += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let Some(escape) = self.peek() else {
                        return self.error("a string is not closed");
                    };
                    self.at += 1;
                    let decoded = match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return self.error("an unknown escape in a string"),
                    };
                    let mut buffer = [0; 4];
                    out.extend_from_slice(decoded.encode_utf8(&mut buffer).as_bytes());
                }
                0x00..=0x1f => {
                    return self.error("a control character (a line break?) inside a string");
                }
                _ => out.push(b),
            }
        }
        // The input is a &str, and escapes decode to whole characters.
        String::from_utf8(out).or_else(|_| self.error("a string is not UTF-8"))
    }

    fn hex4(&mut self) -> Result<u32, DocumentProblem> {
        let digits = self.text.get(self.at..self.at + 4).unwrap_or_default();
        let parsed = std::str::from_utf8(digits)
            .ok()
            .filter(|d| d.len() == 4)
            .and_then(|d| u32::from_str_radix(d, 16).ok());
        match parsed {
            Some(value) => {
                self.at += 4;
                Ok(value)
            }
            None => self.error("\\u needs four hex digits"),
        }
    }

    fn unicode_escape(&mut self) -> Result<char, DocumentProblem> {
        let high = self.hex4()?;
        let code = if (0xd800..0xdc00).contains(&high) {
            if !self.text[self.at..].starts_with(b"\\u") {
                return self.error("a lone surrogate in a \\u escape");
            }
            self.at += 2;
            let low = self.hex4()?;
            if !(0xdc00..0xe000).contains(&low) {
                return self.error("a lone surrogate in a \\u escape");
            }
            0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00)
        } else {
            high
        };
        match char::from_u32(code) {
            Some(c) => Ok(c),
            None => self.error("a lone surrogate in a \\u escape"),
        }
    }

    fn array(&mut self, depth: usize) -> Result<NodeValue, DocumentProblem> {
        self.at += 1;
        let mut items = Vec::new();
        self.blank();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(NodeValue::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.blank();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(NodeValue::Array(items));
                }
                _ => return self.error("expected ',' or ']' in a list"),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<NodeValue, DocumentProblem> {
        self.at += 1;
        let mut members: Vec<(String, usize, Node)> = Vec::new();
        self.blank();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(NodeValue::Object(members));
        }
        loop {
            self.blank();
            if self.peek() != Some(b'"') {
                return self.error("expected a key in quotes");
            }
            let line = self.line;
            let key = self.string()?;
            if members.iter().any(|(earlier, ..)| *earlier == key) {
                return Err(DocumentProblem {
                    line: Some(line),
                    message: format!(
                        "{key:?} appears twice in one object: which one IAM reads is not defined"
                    ),
                });
            }
            self.expect(b':')?;
            let value = self.value(depth + 1)?;
            members.push((key, line, value));
            self.blank();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(NodeValue::Object(members));
                }
                _ => return self.error("expected ',' or '}' in an object"),
            }
        }
    }
}

/// IAM's grammar over the parsed document, collecting every problem.
struct Grammar {
    partition: Partition,
    problems: Vec<DocumentProblem>,
    sids: Vec<String>,
}

impl Grammar {
    fn report(&mut self, line: usize, message: impl Into<String>) {
        self.problems.push(DocumentProblem {
            line: Some(line),
            message: message.into(),
        });
    }

    fn policy(&mut self, node: &Node) -> Vec<Value> {
        let NodeValue::Object(members) = &node.value else {
            self.report(
                node.line,
                format!(
                    "a policy is an object with Version and Statement, not {}",
                    node.kind()
                ),
            );
            return Vec::new();
        };
        let mut statements = Vec::new();
        let mut version = None;
        let mut statement_seen = false;
        for (key, line, value) in members {
            match key.as_str() {
                "Version" => version = Some((*line, value)),
                "Id" => {
                    if !matches!(value.value, NodeValue::String(_)) {
                        self.report(*line, "Id must be a string");
                    }
                }
                "Statement" => {
                    statement_seen = true;
                    statements = self.statements(*line, value);
                }
                other => self.report(
                    *line,
                    format!(
                        "{other:?} is not a policy element: IAM knows Version, Id and Statement"
                    ),
                ),
            }
        }
        match version {
            Some((_, Node {
                value: NodeValue::String(v),
                ..
            })) if v == POLICY_VERSION => {}
            Some((line, value)) => self.report(
                line,
                format!(
                    "Version is {}, and wi-aws writes \"{POLICY_VERSION}\" (policy variables need it)",
                    value.to_value()
                ),
            ),
            None => self.report(
                node.line,
                format!(
                    "no Version: IAM would read the document as 2008-10-17; write \"Version\": \"{POLICY_VERSION}\""
                ),
            ),
        }
        if !statement_seen {
            self.report(
                node.line,
                "no Statement: a policy grants nothing without one",
            );
        }
        statements
    }

    fn statements(&mut self, line: usize, node: &Node) -> Vec<Value> {
        let items: Vec<&Node> = match &node.value {
            NodeValue::Object(_) => vec![node],
            NodeValue::Array(items) if !items.is_empty() => items.iter().collect(),
            NodeValue::Array(_) => {
                self.report(line, "Statement is an empty list: it grants nothing");
                return Vec::new();
            }
            _ => {
                self.report(
                    line,
                    format!(
                        "Statement must be an object or a list of objects, not {}",
                        node.kind()
                    ),
                );
                return Vec::new();
            }
        };
        let mut statements = Vec::new();
        for item in items {
            if self.statement(item) {
                statements.push(item.to_value());
            }
        }
        statements
    }

    /// Whether one statement is well formed (every problem reported).
    fn statement(&mut self, node: &Node) -> bool {
        let NodeValue::Object(members) = &node.value else {
            self.report(
                node.line,
                format!("a statement is an object, not {}", node.kind()),
            );
            return false;
        };
        let before = self.problems.len();
        let mut effect = false;
        let mut actions = 0;
        let mut resources = 0;
        for (key, line, value) in members {
            let line = *line;
            match key.as_str() {
                "Sid" => self.sid(line, value),
                "Effect" => {
                    effect = true;
                    if !matches!(&value.value, NodeValue::String(e) if e == "Allow" || e == "Deny")
                    {
                        self.report(
                            line,
                            format!(
                                "Effect is {}: it must be exactly \"Allow\" or \"Deny\"",
                                value.to_value()
                            ),
                        );
                    }
                }
                "Action" | "NotAction" => {
                    actions += 1;
                    for (line, action) in self.string_list(key, line, value) {
                        if !action_shaped(&action) {
                            self.report(
                                line,
                                format!(
                                    "{key} {action:?} is not service:Action (e.g. dynamodb:GetItem, s3:Get*) or \"*\""
                                ),
                            );
                        }
                    }
                }
                "Resource" | "NotResource" => {
                    resources += 1;
                    for (line, resource) in self.string_list(key, line, value) {
                        if let Err(message) = resource_shaped(&resource, self.partition) {
                            self.report(line, format!("{key} {resource:?} {message}"));
                        }
                    }
                }
                "Condition" => self.condition(line, value),
                "Principal" | "NotPrincipal" => self.report(
                    line,
                    format!(
                        "{key} has no place in a permissions policy (IAM: \"Policy document should not specify a principal\"): the role it is attached to is the principal"
                    ),
                ),
                other => self.report(
                    line,
                    format!(
                        "{other:?} is not a statement element: IAM knows Sid, Effect, Action, NotAction, Resource, NotResource and Condition"
                    ),
                ),
            }
        }
        if !effect {
            self.report(
                node.line,
                "a statement without Effect (\"Allow\" or \"Deny\")",
            );
        }
        match actions {
            0 => self.report(node.line, "a statement without Action or NotAction"),
            1 => {}
            _ => self.report(node.line, "a statement with both Action and NotAction"),
        }
        match resources {
            0 => self.report(
                node.line,
                "a statement without Resource or NotResource, which a permissions policy needs",
            ),
            1 => {}
            _ => self.report(node.line, "a statement with both Resource and NotResource"),
        }
        self.problems.len() == before
    }

    fn sid(&mut self, line: usize, value: &Node) {
        let NodeValue::String(sid) = &value.value else {
            self.report(line, "Sid must be a string");
            return;
        };
        if !sid.chars().all(|c| c.is_ascii_alphanumeric()) {
            self.report(
                line,
                format!("Sid {sid:?}: IAM accepts ASCII letters and digits only"),
            );
        }
        if self.sids.contains(sid) {
            self.report(
                line,
                format!("Sid {sid:?} is used twice: IAM wants each unique in a policy"),
            );
        }
        self.sids.push(sid.clone());
    }

    /// A string or a non-empty list of strings, each with its line.
    fn string_list(&mut self, key: &str, line: usize, value: &Node) -> Vec<(usize, String)> {
        match &value.value {
            NodeValue::String(text) => vec![(value.line, text.clone())],
            NodeValue::Array(items) if !items.is_empty() => {
                let mut strings = Vec::new();
                for item in items {
                    match &item.value {
                        NodeValue::String(text) => strings.push((item.line, text.clone())),
                        _ => self.report(
                            item.line,
                            format!("{key} lists {}: each must be a string", item.kind()),
                        ),
                    }
                }
                strings
            }
            NodeValue::Array(_) => {
                self.report(line, format!("{key} is an empty list"));
                Vec::new()
            }
            _ => {
                self.report(
                    line,
                    format!(
                        "{key} must be a string or a list of strings, not {}",
                        value.kind()
                    ),
                );
                Vec::new()
            }
        }
    }

    fn condition(&mut self, line: usize, value: &Node) {
        let NodeValue::Object(operators) = &value.value else {
            self.report(
                line,
                format!(
                    "Condition must be an object of operators, not {}",
                    value.kind()
                ),
            );
            return;
        };
        for (operator, line, keys) in operators {
            if !known_operator(operator) {
                self.report(
                    *line,
                    format!(
                        "{operator:?} is not a condition operator IAM knows (StringEquals, ArnLike, NumericLessThan, …, with IfExists or ForAllValues:/ForAnyValue:)"
                    ),
                );
            }
            let NodeValue::Object(keys) = &keys.value else {
                self.report(
                    *line,
                    format!(
                        "{operator} must map condition keys to values, not be {}",
                        keys.kind()
                    ),
                );
                continue;
            };
            for (key, line, values) in keys {
                let scalar = |node: &Node| {
                    matches!(
                        node.value,
                        NodeValue::String(_) | NodeValue::Bool(_) | NodeValue::Number(_)
                    )
                };
                let ok = match &values.value {
                    NodeValue::Array(items) => !items.is_empty() && items.iter().all(scalar),
                    _ => scalar(values),
                };
                if !ok {
                    self.report(
                        *line,
                        format!(
                            "{operator} {key}: a value is a string, number or boolean, or a non-empty list of them"
                        ),
                    );
                }
            }
        }
    }
}

/// `*`, or `service:Action` with `*` and `?` wildcards.
fn action_shaped(action: &str) -> bool {
    if action == "*" {
        return true;
    }
    let Some((service, name)) = action.split_once(':') else {
        return false;
    };
    let service_ok = !service.is_empty()
        && service
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-*?".contains(c));
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "*?-_".contains(c));
    service_ok && name_ok
}

/// `*`, or an ARN of the route's partition: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
fn resource_shaped(resource: &str, partition: Partition) -> Result<(), String> {
    if resource == "*" {
        return Ok(());
    }
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", arn_partition, service, _region, _account, rest]
            if !service.is_empty() && !rest.is_empty() =>
        {
            if *arn_partition == partition.id() {
                Ok(())
            } else {
                Err(format!(
                    "is in partition {arn_partition:?}, and the role is in {partition}: write arn:{partition}:…"
                ))
            }
        }
        _ => Err("is not \"*\" or an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DYNAMODB: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadOrders",
      "Effect": "Allow",
      "Action": ["dynamodb:GetItem", "dynamodb:Query"],
      "Resource": "arn:aws:dynamodb:eu-west-2:123456789012:table/orders"
    },
    {
      "Effect": "Deny",
      "NotAction": "dynamodb:Get*",
      "Resource": "*",
      "Condition": {"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["x*"]}}
    }
  ]
}"#;

    fn problems(text: &str) -> Vec<String> {
        match check(text, Partition::Aws) {
            Ok(_) => Vec::new(),
            Err(problems) => problems.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn a_valid_document_keeps_its_statements() {
        let document = check(DYNAMODB, Partition::Aws).expect("valid");
        assert_eq!(document.statements.len(), 2);
        assert_eq!(document.statements[0]["Sid"], "ReadOrders");
        assert_eq!(
            document.statements[1]["Condition"]["ForAnyValue:StringLikeIfExists"]["aws:TagKeys"][0],
            "x*"
        );
        // One statement on its own, not in a list.
        let single = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
        assert_eq!(
            check(single, Partition::Aws)
                .expect("valid")
                .statements
                .len(),
            1
        );
    }

    #[test]
    fn every_problem_is_reported_at_its_line() {
        let bad = r#"{
  "Version": "2008-10-17",
  "Statement": [
    {
      "Sid": "Read-Orders",
      "Effect": "allow",
      "Action": ["dynamodb GetItem", 7],
      "Resource": "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/orders",
      "Principal": {"AWS": "*"},
      "Condition": {"StringEqualz": {"aws:SourceIp": "1.2.3.4"}}
    },
    {"Effect": "Allow", "Action": "s3:GetObject"},
    {"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    {"Sid": "A", "Effect": "Deny", "Action": "s3:*", "NotAction": "s3:x", "Resource": "*", "Extra": 1}
  ],
  "Other": true
}"#;
        let found = problems(bad);
        for expected in [
            "line 2: Version is \"2008-10-17\"",
            "line 5: Sid \"Read-Orders\"",
            "line 6: Effect is \"allow\"",
            "line 7: Action \"dynamodb GetItem\"",
            "line 7: Action lists a number",
            "line 8: Resource \"arn:aws-cn:dynamodb",
            "line 9: Principal has no place",
            "line 10: \"StringEqualz\" is not a condition operator",
            "line 12: a statement without Resource",
            "line 14: Sid \"A\" is used twice",
            "line 14: a statement with both Action and NotAction",
            "line 14: \"Extra\" is not a statement element",
            "line 16: \"Other\" is not a policy element",
        ] {
            assert!(
                found.iter().any(|p| p.starts_with(expected)),
                "missing {expected:?} in {found:#?}"
            );
        }
    }

    #[test]
    fn json_and_characters_iam_refuses() {
        assert!(
            problems("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n}")[0]
                .starts_with("line 4: not valid JSON")
        );
        let twice = "{\"Version\": \"2012-10-17\",\n\"Version\": \"2012-10-17\"}";
        assert!(problems(twice)[0].starts_with("line 2: \"Version\" appears twice"));
        let wide = DYNAMODB.replace("orders\"\n", "orders\u{4e2d}\"\n");
        assert!(problems(&wide)[0].starts_with("line 8: '中' (U+4E2D) is not a character"));
        assert!(problems("[]")[0].starts_with("line 1: a policy is an object"));
        assert!(
            problems("{\"Statement\": []}")
                .iter()
                .any(|p| p.contains("no Version"))
        );
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(problems(&deep)[0].contains("nested more than 64 deep"));
        let actions: Vec<String> = (0..400)
            .map(|i| format!("\"dynamodb:Action{i:04}\""))
            .collect();
        let big = format!(
            "{{\"Version\":\"2012-10-17\",\"Statement\":{{\"Effect\":\"Allow\",\"Action\":[{}],\"Resource\":\"*\"}}}}",
            actions.join(",")
        );
        assert!(problems(&big)[0].contains("over the 6144 of a managed policy"));
    }

    #[test]
    fn operators_iam_knows() {
        for known in [
            "StringEquals",
            "StringLikeIfExists",
            "ForAllValues:StringEquals",
            "ForAnyValue:ArnLikeIfExists",
            "Null",
            "NumericLessThanEquals",
        ] {
            assert!(known_operator(known), "{known}");
        }
        for unknown in [
            "NullIfExists",
            "StringEqualz",
            "ForAll:StringEquals",
            "",
            "stringequals",
        ] {
            assert!(!known_operator(unknown), "{unknown}");
        }
    }
}
