//! The answers: what the user chose, keyed by field, loaded from and saved to `answers.yaml`.
//!
//! Answers are raw (what was typed); [`crate::answers::plan::validate`] turns them into a checked plan.
//! Loading never stops at the first problem: unknown keys and values of the wrong shape are all
//! collected, with their line numbers, so one run shows everything to fix.

pub mod advice;
pub mod fleet;
pub mod plan;
pub mod problem;
pub mod schema;
pub mod steps;

use crate::answers::problem::{Advice, Location, Problem};
use crate::answers::steps::{
    FIELDS, Field, FieldId, FieldKind, SECTIONS, Scope, Shown, field, field_by_key,
};
use crate::artifacts::yaml::{self, Mapping, Value};
use crate::domain::teleport::{self, ApiChoice, TeleportApi};
use std::collections::BTreeMap;
use thiserror::Error;

/// The answers format of one workload: the sections at the top level.
pub const FORMAT_VERSION: u64 = 1;
/// The answers format of a fleet: shared sections at the top level and a `workloads:` list.
pub const FLEET_FORMAT_VERSION: u64 = 2;

/// The shape of an answers file, which also decides the layout of the artifacts: version 1
/// renders the files of one workload exactly as before; version 2 renders a fleet (one
/// Terraform root with a `for_each` map, a bundle per workload host), even of one workload.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Form {
    #[default]
    Single,
    Fleet,
}

/// One workload of a fleet: its name and its own answers (workload fields only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkloadAnswers {
    pub name: Option<String>,
    pub answers: Answers,
}

/// The answers of a whole file: for version 1 everything is in `shared` and `workloads` is
/// empty; for version 2 `shared` holds the shared fields and the defaults of workload fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FleetAnswers {
    pub form: Form,
    pub shared: Answers,
    pub workloads: Vec<WorkloadAnswers>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Text(String),
    Flag(bool),
    List(Vec<String>),
}

#[derive(Debug, Clone, Default)]
pub struct Answers {
    values: BTreeMap<FieldId, Answer>,
    /// The files the answers name (`aws.policy_file`), by the path as written, as the front
    /// end read them: the text, or why it could not be read. Validation reads them here, so
    /// it stays free of I/O; they are never saved.
    files: BTreeMap<String, Result<String, String>>,
}

/// Answers are equal when they say the same: the files read are what they name, read.
impl PartialEq for Answers {
    fn eq(&self, other: &Self) -> bool {
        self.values == other.values
    }
}

impl Eq for Answers {}

/// How a front end reads a file an answer names: its text, or why it cannot.
pub type ReadFile<'a> = &'a dyn Fn(&str) -> Result<String, String>;

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
        "the answers format version is missing or unsupported (this wi-aws reads versions {FORMAT_VERSION} and {FLEET_FORMAT_VERSION})"
    )]
    Version,
    #[error("a `workloads:` list is part of answers format version {FLEET_FORMAT_VERSION}")]
    WorkloadsNeedFleetVersion,
    #[error(
        "version {FLEET_FORMAT_VERSION} lists its workloads under `workloads:`, and there are none"
    )]
    NoWorkloads,
    #[error("`workloads:` must be a list of workloads, each a mapping with a name")]
    WorkloadsNotAList,
    #[error("{key} is shared by every workload of the fleet")]
    SharedInWorkload { key: &'static str },
    #[error("every workload needs a name")]
    NoName,
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
            Self::Version => format!(
                "add `version: {FORMAT_VERSION}` at the top (`version: {FLEET_FORMAT_VERSION}` for a file with `workloads:`)"
            ),
            Self::WorkloadsNeedFleetVersion => format!(
                "write `version: {FLEET_FORMAT_VERSION}` at the top (`wi-aws migrate FILE` prints a version 1 file in that form)"
            ),
            Self::NoWorkloads | Self::WorkloadsNotAList => {
                "list them, e.g. `workloads:` then `  - name: api` with its `teleport:` and `aws:` sections".into()
            }
            Self::SharedInWorkload { key } => {
                format!("move {key} to the top level of the file, out of `workloads:`")
            }
            Self::NoName => {
                "add `name:` (lowercase letters, digits and '-', e.g. `name: api`)".into()
            }
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
        if field.route().is_some_and(|route| route != self.route()) {
            return false;
        }
        match field.shown {
            Shown::Always => true,
            Shown::When(choice, id) => self.text(choice) == Some(id),
            Shown::WithoutAnswer(other) => self.get(other).is_none(),
            Shown::ForApi(api) => self.api() == api,
            Shown::Unless(choice, id) => self.text(choice).is_some_and(|given| given != id),
        }
    }

    /// The route these answers take; an unreadable answer counts as the default, which the
    /// plan reports.
    pub fn route(&self) -> crate::routes::Route {
        self.text(FieldId::Route)
            .and_then(crate::routes::Route::parse)
            .unwrap_or_default()
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
    /// preset) or ignored with a warning (the other route's settings), and the user cannot see
    /// them to fix them. Answers hidden for another reason keep their value: an API generation
    /// decided by the version, or the other generation's settings, which the plan ignores.
    pub fn clear_hidden(&mut self) {
        let route = self.route();
        for field in FIELDS {
            let other_route = field.route().is_some_and(|of| of != route);
            let by_choice = matches!(field.shown, Shown::When(..) | Shown::Unless(..));
            if other_route || (by_choice && !self.shows(field)) {
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

    /// Reads the file an answer names (`aws.policy_file`) with `read`, unless it was read
    /// already, for validation to find with [`Self::file`].
    pub fn read_named_files(&mut self, read: ReadFile<'_>) {
        if let Some(path) = self.text(FieldId::PolicyFile).map(str::trim)
            && !path.is_empty()
            && !self.files.contains_key(path)
        {
            let path = path.to_owned();
            let read = read(&path);
            self.files.insert(path, read);
        }
    }

    /// Forgets the files read: a wizard reads the one its answer names again on every edit, so
    /// a file made or changed after a first try is seen, and a path typed half-way is not kept.
    pub fn forget_files(&mut self) {
        self.files.clear();
    }

    /// The text of a file an answer names, as read by [`Self::read_named_files`]; `None` when
    /// no front end read it.
    pub fn file(&self, path: &str) -> Option<&Result<String, String>> {
        self.files.get(path)
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

    /// The answers as `answers.yaml` of one workload (format version 1).
    pub fn to_yaml(&self) -> String {
        FleetAnswers {
            form: Form::Single,
            shared: self.clone(),
            workloads: Vec::new(),
        }
        .to_yaml()
    }

    /// Each section's fields in the order they are asked.
    fn sections(&self, top: &mut Mapping) {
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
    }

    /// These answers with `over`'s answers replacing them.
    pub fn overlaid(&self, over: &Answers) -> Answers {
        let mut merged = self.clone();
        merged
            .values
            .extend(over.values.iter().map(|(id, answer)| (*id, answer.clone())));
        merged.files.extend(
            over.files
                .iter()
                .map(|(path, read)| (path.clone(), read.clone())),
        );
        merged
    }

    /// Only the answers of fields of `scope`.
    pub fn of_scope(&self, scope: Scope) -> Answers {
        Answers {
            values: self
                .values
                .iter()
                .filter(|(id, _)| id.scope() == scope)
                .map(|(id, answer)| (*id, answer.clone()))
                .collect(),
            files: self.files.clone(),
        }
    }
}

impl FleetAnswers {
    /// One workload's answers.
    pub fn single(answers: Answers) -> Self {
        Self {
            form: Form::Single,
            shared: answers,
            workloads: Vec::new(),
        }
    }

    /// How many workloads the answers describe (a version 1 file: one).
    pub fn count(&self) -> usize {
        match self.form {
            Form::Single => 1,
            Form::Fleet => self.workloads.len(),
        }
    }

    /// The answers of workload `index` as one set: the top level with the workload's own
    /// answers replacing it. A version 1 file has one workload, the whole file.
    pub fn merged(&self, index: usize) -> Answers {
        match (self.form, self.workloads.get(index)) {
            (Form::Fleet, Some(workload)) => self.shared.overlaid(&workload.answers),
            _ => self.shared.clone(),
        }
    }

    /// Stores one workload's answers as a wizard collected them (as one set, like
    /// [`Self::merged`]): shared fields at the top level, the workload's own under it.
    pub fn store(&mut self, index: usize, merged: &Answers) {
        match (self.form, self.workloads.get_mut(index)) {
            (Form::Fleet, Some(workload)) => {
                let shared = merged.of_scope(Scope::Shared);
                let defaults = self.shared.of_scope(Scope::Workload);
                self.shared = defaults.overlaid(&shared);
                workload.answers = merged.of_scope(Scope::Workload);
            }
            _ => self.shared = merged.clone(),
        }
    }

    /// Reads every file the answers name, at the top level and in each workload.
    pub fn read_named_files(&mut self, read: ReadFile<'_>) {
        self.shared.read_named_files(read);
        for workload in &mut self.workloads {
            workload.answers.read_named_files(read);
        }
    }

    /// Reads an answers file of either version. Returns the answers that could be read
    /// together with every problem found, each with its line number.
    pub fn from_yaml(text: &str) -> (FleetAnswers, Vec<Problem>) {
        let mut reader = Reader::new(text, None);
        let mut fleet = FleetAnswers::default();
        let document = match yaml::parse(text) {
            Ok(document) => document,
            Err(error) => {
                let mut problem =
                    Problem::new(Location::File, None, &LoadError::Syntax(error.message));
                problem.line = error.line;
                return (fleet, vec![problem]);
            }
        };
        let Value::Mapping(top) = document else {
            let problem = Problem::new(Location::File, None, &LoadError::NotAMapping);
            return (fleet, vec![problem]);
        };
        let version = top.get("version");
        fleet.form = match version {
            Some(Value::Number(n)) if n.as_u64() == Some(FORMAT_VERSION) => Form::Single,
            Some(Value::Number(n)) if n.as_u64() == Some(FLEET_FORMAT_VERSION) => Form::Fleet,
            other => {
                let location = Location::Key("version".into());
                reader.located(location, other.map(scalar_text), LoadError::Version);
                match top.contains_key("workloads") {
                    true => Form::Fleet,
                    false => Form::Single,
                }
            }
        };
        for (key, value) in &top {
            match key_text(key).as_str() {
                "version" => {}
                "workloads" if fleet.form == Form::Fleet => {
                    fleet.workloads = reader.workloads(value);
                }
                "workloads" => reader.located(
                    Location::Key("workloads".into()),
                    None,
                    LoadError::WorkloadsNeedFleetVersion,
                ),
                section => reader.section(section.to_owned(), value),
            }
        }
        if fleet.form == Form::Fleet && !top.contains_key("workloads") {
            reader.located(Location::File, None, LoadError::NoWorkloads);
        }
        fleet.shared = reader.answers;
        (fleet, reader.problems)
    }

    /// The answers as `answers.yaml`: `version` first, then each section's fields in the
    /// order they are asked, then (version 2) each workload's name and its own fields.
    pub fn to_yaml(&self) -> String {
        let mut top = Mapping::new();
        let version = match self.form {
            Form::Single => FORMAT_VERSION,
            Form::Fleet => FLEET_FORMAT_VERSION,
        };
        top.insert("version".into(), Value::Number(version.into()));
        self.shared.sections(&mut top);
        if self.form == Form::Fleet {
            let workloads = self.workloads.iter().map(|workload| {
                let mut entry = Mapping::new();
                if let Some(name) = &workload.name {
                    entry.insert("name".into(), Value::String(name.clone()));
                }
                workload.answers.sections(&mut entry);
                Value::Mapping(entry)
            });
            top.insert("workloads".into(), Value::Sequence(workloads.collect()));
        }
        // Serializing a mapping of strings, bools and lists of strings cannot fail.
        yaml::to_string(&Value::Mapping(top)).unwrap_or_default()
    }
}

/// The line of `location` in the answers file `text`, when it is there.
pub fn line_of(text: &str, location: &Location) -> Option<usize> {
    location.line_in(text)
}

/// Reads the answers of a file (or of one workload in it), collecting every problem with its
/// line.
struct Reader<'a> {
    text: &'a str,
    /// The workload being read, for a fleet's `workloads:` entries.
    workload: Option<usize>,
    answers: Answers,
    problems: Vec<Problem>,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, workload: Option<usize>) -> Self {
        Self {
            text,
            workload,
            answers: Answers::default(),
            problems: Vec::new(),
        }
    }

    fn located(&mut self, location: Location, value: Option<String>, error: LoadError) {
        let location = match self.workload {
            Some(index) => Location::in_workload(index, location),
            None => location,
        };
        let mut problem = Problem::new(location, value.as_deref(), &error);
        problem.line = line_of(self.text, &problem.location);
        self.problems.push(problem);
    }

    /// A fleet's `workloads:` list, each entry a name and its sections.
    fn workloads(&mut self, value: &Value) -> Vec<WorkloadAnswers> {
        let Value::Sequence(items) = value else {
            let location = Location::Key("workloads".into());
            self.located(location, None, LoadError::WorkloadsNotAList);
            return Vec::new();
        };
        if items.is_empty() {
            let location = Location::Key("workloads".into());
            self.located(location, None, LoadError::NoWorkloads);
        }
        let mut workloads = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let mut reader = Reader::new(self.text, Some(index));
            let mut workload = WorkloadAnswers::default();
            match item {
                Value::Mapping(entries) => {
                    for (key, value) in entries {
                        match key_text(key).as_str() {
                            "name" => match value {
                                Value::String(_) | Value::Number(_) => {
                                    workload.name = Some(scalar_text(value));
                                }
                                other => reader.located(
                                    Location::Key("name".into()),
                                    Some(scalar_text(other)),
                                    LoadError::WrongKind {
                                        expected: "a name, e.g. `name: api`",
                                    },
                                ),
                            },
                            section => reader.section(section.to_owned(), value),
                        }
                    }
                    if !entries.contains_key("name") {
                        reader.located(Location::File, None, LoadError::NoName);
                    }
                }
                _ => reader.located(Location::File, None, LoadError::WorkloadsNotAList),
            }
            workload.answers = reader.answers;
            self.problems.append(&mut reader.problems);
            workloads.push(workload);
        }
        workloads
    }

    fn section(&mut self, section: String, value: &Value) {
        if !SECTIONS.contains(&section.as_str()) {
            let suggestion = suggest(&section, SECTIONS.iter().copied());
            let mut known = match self.workload {
                Some(_) => vec!["name"],
                None => vec!["version", "workloads"],
            };
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
        if self.workload.is_some() && field.id.scope() == Scope::Shared {
            let error = LoadError::SharedInWorkload { key: field.key };
            return self.located(Location::Field(field.id), None, error);
        }
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
        use crate::answers::steps::field;
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
        let (loaded, problems) = FleetAnswers::from_yaml(&answers.to_yaml());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(loaded, FleetAnswers::single(answers));
    }
}
