//! The answers: what the user chose, keyed by field, loaded from and saved to `answers.yaml`.
//!
//! Answers are raw (what was typed); [`crate::plan::validate`] turns them into a checked plan.
//! Loading never stops at the first problem: unknown keys and values of the wrong shape are all
//! collected, with their line numbers, so one run shows everything to fix.

use crate::problem::{Advice, Location, Problem};
use crate::steps::{FIELDS, Field, FieldId, FieldKind, SECTIONS, Shown, field, field_by_key};
use crate::teleport::{self, ApiChoice, TeleportApi};
use crate::yaml::{self, Mapping, Value};
use std::collections::BTreeMap;
use thiserror::Error;

/// The only version of the answers format so far.
pub const FORMAT_VERSION: u64 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Text(String),
    Flag(bool),
    List(Vec<String>),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    values: BTreeMap<FieldId, Answer>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum LoadError {
    #[error("the file is not valid YAML: {0}")]
    Syntax(String),
    #[error("the answers file must be a mapping of sections (teleport, aws, tbot)")]
    NotAMapping,
    #[error("unknown key")]
    UnknownKey {
        suggestion: Option<String>,
        /// The keys that are valid where this one stands.
        known: Vec<&'static str>,
    },
    #[error("this section must be a mapping of keys to values")]
    SectionNotAMapping,
    #[error("expected {expected}")]
    WrongKind { expected: &'static str },
    #[error(
        "the answers format version is missing or unsupported (this wi-aws reads version {FORMAT_VERSION})"
    )]
    Version,
}

impl Advice for LoadError {
    fn fix(&self) -> String {
        match self {
            Self::Syntax(_) => {
                "fix the YAML syntax at the line shown (indent with spaces, `key: value`)".into()
            }
            Self::NotAMapping | Self::SectionNotAMapping => {
                "start from examples/answers.yaml".into()
            }
            Self::UnknownKey {
                suggestion: Some(key),
                ..
            } => format!("did you mean `{key}`?"),
            Self::UnknownKey {
                suggestion: None,
                known,
            } => format!("remove it; the keys here are {}", known.join(", ")),
            Self::WrongKind { expected } => format!("write {expected}"),
            Self::Version => format!("add `version: {FORMAT_VERSION}` at the top"),
        }
    }
}

/// Splits "a, b c" into items: lists are typed on one line.
pub fn split_list(input: &str) -> Vec<String> {
    input
        .split([',', ' '])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Answer {
    /// The answer as one line to edit or show (a list as `a, b`, a flag as `true`).
    pub fn line(&self) -> String {
        match self {
            Answer::Text(text) => text.clone(),
            Answer::Flag(flag) => flag.to_string(),
            Answer::List(list) => list.join(", "),
        }
    }
}

impl Answers {
    /// Whether a wizard asks `field` given the other answers; a hidden field stays unanswered.
    pub fn shows(&self, field: &Field) -> bool {
        match field.shown {
            Shown::Always => true,
            Shown::When(choice, id) => self.text(choice) == Some(id),
            Shown::WithoutAnswer(other) => self.get(other).is_none(),
            Shown::ForApi(api) => self.api() == api,
        }
    }

    /// The Teleport API generation these answers ask for: the one chosen, or for `auto` the
    /// one the cluster's version calls for (the current one when the version is unknown or
    /// predates JWT SVIDs, which the plan reports).
    pub fn api(&self) -> TeleportApi {
        let choice = self
            .text(FieldId::Api)
            .and_then(ApiChoice::parse)
            .unwrap_or(ApiChoice::Auto);
        match choice {
            ApiChoice::WorkloadIdentity => TeleportApi::WorkloadIdentity,
            ApiChoice::LegacySpiffe => TeleportApi::LegacySpiffe,
            ApiChoice::Auto => teleport::resolve_api(choice, self.text(FieldId::Version))
                .map_or(TeleportApi::WorkloadIdentity, |(api, ..)| api),
        }
    }

    /// Clears the answers a choice hides: they would be errors (actions without the custom
    /// preset), and the user cannot see them to fix them. Answers hidden for another reason
    /// keep their value: an API generation decided by the version, or the other generation's
    /// settings, which the plan ignores.
    pub fn clear_hidden(&mut self) {
        for field in FIELDS {
            if matches!(field.shown, Shown::When(..)) && !self.shows(field) {
                self.clear(field.id);
            }
        }
    }

    pub fn get(&self, id: FieldId) -> Option<&Answer> {
        self.values.get(&id)
    }

    /// The answer as text; flags and lists have no text.
    pub fn text(&self, id: FieldId) -> Option<&str> {
        match self.values.get(&id) {
            Some(Answer::Text(text)) => Some(text),
            _ => None,
        }
    }

    pub fn flag(&self, id: FieldId) -> Option<bool> {
        match self.values.get(&id) {
            Some(Answer::Flag(flag)) => Some(*flag),
            _ => None,
        }
    }

    pub fn list(&self, id: FieldId) -> Option<&[String]> {
        match self.values.get(&id) {
            Some(Answer::List(list)) => Some(list),
            _ => None,
        }
    }

    pub fn set(&mut self, id: FieldId, answer: Answer) {
        self.values.insert(id, answer);
    }

    pub fn set_text(&mut self, id: FieldId, text: impl Into<String>) {
        self.set(id, Answer::Text(text.into()));
    }

    pub fn clear(&mut self, id: FieldId) {
        self.values.remove(&id);
    }

    /// A text or list answer as one line to edit (a list as `a, b`); `None` when unanswered.
    pub fn line(&self, id: FieldId) -> Option<String> {
        match self.values.get(&id) {
            Some(Answer::Flag(_)) | None => None,
            Some(Answer::List(list)) if list.is_empty() => None,
            Some(answer) => Some(answer.line()),
        }
    }

    /// Sets a text or list answer from one typed line; an empty line clears it, so the
    /// default applies.
    pub fn set_line(&mut self, id: FieldId, line: &str) {
        let answer = match field(id).kind {
            FieldKind::List => Answer::List(split_list(line)),
            _ => Answer::Text(line.trim().to_owned()),
        };
        match &answer {
            Answer::Text(text) if text.is_empty() => self.clear(id),
            Answer::List(list) if list.is_empty() => self.clear(id),
            _ => self.set(id, answer),
        }
    }

    /// Reads an answers file. Returns the answers that could be read together with every
    /// problem found, each with its line number.
    pub fn from_yaml(text: &str) -> (Answers, Vec<Problem>) {
        let mut reader = Reader {
            text,
            answers: Answers::default(),
            problems: Vec::new(),
        };
        let document = match yaml::parse(text) {
            Ok(document) => document,
            Err(error) => {
                let mut problem =
                    Problem::new(Location::File, None, &LoadError::Syntax(error.message));
                problem.line = error.line;
                return (reader.answers, vec![problem]);
            }
        };
        let Value::Mapping(top) = document else {
            return (
                reader.answers,
                vec![Problem::new(Location::File, None, &LoadError::NotAMapping)],
            );
        };
        match top.get("version") {
            Some(Value::Number(n)) if n.as_u64() == Some(FORMAT_VERSION) => {}
            other => reader.located(
                Location::Key("version".into()),
                other.map(scalar_text),
                LoadError::Version,
            ),
        }
        for (key, value) in &top {
            let section = key_text(key);
            if section != "version" {
                reader.section(section, value);
            }
        }
        (reader.answers, reader.problems)
    }

    /// The answers as `answers.yaml`: `version` first, then each section's fields in the order
    /// they are asked.
    pub fn to_yaml(&self) -> String {
        let mut top = Mapping::new();
        top.insert("version".into(), Value::Number(FORMAT_VERSION.into()));
        for section in SECTIONS {
            let mut entries = Mapping::new();
            for (id, answer) in &self.values {
                let field = field(*id);
                if field.section() != *section {
                    continue;
                }
                let value = match answer {
                    Answer::Text(text) => Value::String(text.clone()),
                    Answer::Flag(flag) => Value::Bool(*flag),
                    Answer::List(list) => {
                        Value::Sequence(list.iter().cloned().map(Value::String).collect())
                    }
                };
                entries.insert(field.name().into(), value);
            }
            if !entries.is_empty() {
                top.insert((*section).into(), Value::Mapping(entries));
            }
        }
        // Serializing a mapping of strings, bools and lists of strings cannot fail.
        yaml::to_string(&Value::Mapping(top)).unwrap_or_default()
    }
}

/// The line of `location` in the answers file `text`, when it is there.
pub fn line_of(text: &str, location: &Location) -> Option<usize> {
    let (section, name) = location.section_and_name()?;
    yaml::line_of(text, section, name)
}

/// Reads the answers of a file, collecting every problem with its line.
struct Reader<'a> {
    text: &'a str,
    answers: Answers,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    fn located(&mut self, location: Location, value: Option<String>, error: LoadError) {
        let mut problem = Problem::new(location, value.as_deref(), &error);
        problem.line = line_of(self.text, &problem.location);
        self.problems.push(problem);
    }

    fn section(&mut self, section: String, value: &Value) {
        if !SECTIONS.contains(&section.as_str()) {
            let suggestion = suggest(&section, SECTIONS.iter().copied());
            let mut known = vec!["version"];
            known.extend_from_slice(SECTIONS);
            let error = LoadError::UnknownKey { suggestion, known };
            return self.located(Location::Key(section), None, error);
        }
        let entries = match value {
            Value::Mapping(entries) => entries,
            Value::Null => return,
            _ => return self.located(Location::Key(section), None, LoadError::SectionNotAMapping),
        };
        for (name, value) in entries {
            self.entry(&section, &key_text(name), value);
        }
    }

    fn entry(&mut self, section: &str, name: &str, value: &Value) {
        let key = format!("{section}.{name}");
        let Some(field) = field_by_key(&key) else {
            let suggestion = suggest(&key, FIELDS.iter().map(|f| f.key)).or_else(|| {
                suggest(name, FIELDS.iter().map(|f| f.name())).map(|name| {
                    FIELDS
                        .iter()
                        .find(|f| f.name() == name)
                        .map_or(name, |f| f.key.to_owned())
                })
            });
            let known = FIELDS
                .iter()
                .filter(|f| f.section() == section)
                .map(|f| f.name())
                .collect();
            let error = LoadError::UnknownKey { suggestion, known };
            return self.located(Location::Key(key), None, error);
        };
        match read_value(field.kind, value) {
            Ok(Some(answer)) => self.answers.set(field.id, answer),
            Ok(None) => {}
            Err(expected) => self.located(
                Location::Field(field.id),
                Some(scalar_text(value)),
                LoadError::WrongKind { expected },
            ),
        }
    }
}

/// YAML reads digits with an `e` (or a `.`) as a floating-point number and drops digits, so
/// such a value cannot be trusted to be what was typed.
const QUOTE_NUMBER: &str =
    "the value in quotes: YAML read it as a decimal number and may have changed its digits";

/// `Ok(None)` for an explicit `null`, which means "use the default".
fn read_value(kind: FieldKind, value: &Value) -> Result<Option<Answer>, &'static str> {
    if value.is_null() {
        return Ok(None);
    }
    match kind {
        FieldKind::Text | FieldKind::Choice(_) => match value {
            Value::Number(n) if n.is_f64() => Err(QUOTE_NUMBER),
            Value::String(_) | Value::Number(_) => Ok(Some(Answer::Text(scalar_text(value)))),
            _ => Err("a single value, e.g. `key: value`"),
        },
        FieldKind::Flag => match value {
            Value::Bool(flag) => Ok(Some(Answer::Flag(*flag))),
            _ => Err("true or false"),
        },
        FieldKind::List => match value {
            Value::Sequence(items) => items
                .iter()
                .map(|item| match item {
                    Value::Number(n) if n.is_f64() => Err(QUOTE_NUMBER),
                    Value::String(_) | Value::Number(_) => Ok(scalar_text(item)),
                    _ => Err("a list of values, e.g. `[a, b]`"),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|list| Some(Answer::List(list))),
            Value::String(_) => Ok(Some(Answer::List(vec![scalar_text(value)]))),
            _ => Err("a list of values, e.g. `[a, b]`"),
        },
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        Value::Null => String::new(),
        other => yaml::to_string(other)
            .map(|text| text.trim_end().to_owned())
            .unwrap_or_default(),
    }
}

fn key_text(key: &Value) -> String {
    scalar_text(key)
}

/// The closest known key within a small edit distance, for "did you mean".
fn suggest<'a>(given: &str, known: impl Iterator<Item = &'a str>) -> Option<String> {
    known
        .map(|candidate| (edit_distance(given, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= 2.max(candidate.len() / 4))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate.to_owned())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_on_commas_and_spaces() {
        assert_eq!(split_list(" a, b  c,,"), ["a", "b", "c"]);
        assert!(split_list("  ").is_empty());
    }

    #[test]
    fn a_line_sets_and_clears_text_and_list_answers() {
        let mut answers = Answers::default();
        answers.set_line(FieldId::Thumbprints, "a, b");
        assert_eq!(answers.line(FieldId::Thumbprints).as_deref(), Some("a, b"));
        answers.set_line(FieldId::Bucket, "  my-bucket ");
        assert_eq!(answers.text(FieldId::Bucket), Some("my-bucket"));
        answers.set_line(FieldId::Bucket, " ");
        answers.set_line(FieldId::Thumbprints, ",");
        assert_eq!(answers, Answers::default());
    }

    #[test]
    fn the_generation_decides_which_fields_are_asked_and_nothing_decided_is_lost() {
        use crate::steps::field;
        let mut answers = Answers::default();
        // No version: the API generation is asked, and auto means the current generation.
        assert!(answers.shows(field(FieldId::Api)));
        assert!(answers.shows(field(FieldId::CredentialTtl)));
        assert!(!answers.shows(field(FieldId::JwtFile)));
        // A version from the proxy decides it: not asked; 17.1.0 gets the legacy questions.
        answers.set_text(FieldId::Version, "17.1.0");
        assert!(!answers.shows(field(FieldId::Api)));
        assert!(answers.shows(field(FieldId::JwtFile)));
        assert!(!answers.shows(field(FieldId::WorkloadIdentity)));
        // Clearing what a choice hides keeps an explicit generation and the other
        // generation's settings; it clears actions without the custom preset.
        answers.set_text(FieldId::Api, "workload-identity");
        answers.set_text(FieldId::JwtFile, "aws-jwt");
        answers.set_text(FieldId::Access, "read-only");
        answers.set(FieldId::Actions, Answer::List(vec!["s3:GetObject".into()]));
        answers.clear_hidden();
        assert_eq!(answers.text(FieldId::Api), Some("workload-identity"));
        assert_eq!(answers.text(FieldId::JwtFile), Some("aws-jwt"));
        assert_eq!(answers.list(FieldId::Actions), None);
    }

    #[test]
    fn suggests_near_keys() {
        assert_eq!(
            suggest("aws.acount_id", FIELDS.iter().map(|f| f.key)).as_deref(),
            Some("aws.account_id")
        );
        assert_eq!(suggest("zzzzzz", FIELDS.iter().map(|f| f.key)), None);
    }

    #[test]
    fn round_trips_through_yaml() {
        let mut answers = Answers::default();
        answers.set_text(FieldId::AccountId, "012345678901");
        answers.set(FieldId::CreateBucket, Answer::Flag(false));
        answers.set(FieldId::Thumbprints, Answer::List(vec!["ab".into()]));
        let (loaded, problems) = Answers::from_yaml(&answers.to_yaml());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(loaded, answers);
    }
}
