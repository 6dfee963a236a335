//! One problem with one answer: which field, what value, which rule it breaks and how to fix it.
//!
//! Every validator in the domain modules returns a `thiserror` enum whose `Display` is the rule
//! and which implements [`Advice`] for the fix; this is where they meet the field they were
//! checking, so the answers file, the line prompts and the wizard all say the same thing.

use crate::answers::steps::{FieldId, field};
use crate::artifacts::yaml::PathPart;
use std::fmt;

pub use crate::answers::advice::Advice;

/// Where in the answers a problem is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    /// The file as a whole (not YAML, not a mapping).
    File,
    /// A known field.
    Field(FieldId),
    /// A key path that is not a field: `version`, a section, an unknown key.
    Key(String),
    /// Somewhere in one workload of a fleet (`workloads[3].aws.bucket`), counted from 0.
    Workload(usize, Box<Location>),
}

impl Location {
    /// `location` inside workload `index` of a fleet.
    pub fn in_workload(index: usize, location: Location) -> Self {
        Self::Workload(index, Box::new(location))
    }

    /// The key path in `answers.yaml`: `aws.account_id`, `workloads[3].aws.bucket`,
    /// `version`, or `(file)`.
    pub fn key(&self) -> String {
        match self {
            Self::File => "(file)".into(),
            Self::Field(id) => field(*id).key.into(),
            Self::Key(key) => key.clone(),
            Self::Workload(index, inner) => match &**inner {
                Self::File => format!("workloads[{index}]"),
                inner => format!("workloads[{index}].{}", inner.key()),
            },
        }
    }

    /// The field the problem is about, wherever it stands.
    pub fn field(&self) -> Option<FieldId> {
        match self {
            Self::Field(id) => Some(*id),
            Self::Workload(_, inner) => inner.field(),
            _ => None,
        }
    }

    /// The 1-based line of this location in the answers file `text`, when it is there.
    pub fn line_in(&self, text: &str) -> Option<usize> {
        let key = self.key();
        if matches!(self, Self::File) {
            return None;
        }
        let mut path = Vec::new();
        for part in key.split('.') {
            match part.split_once('[') {
                Some((name, index)) => {
                    path.push(PathPart::Key(name));
                    path.push(PathPart::Index(index.trim_end_matches(']').parse().ok()?));
                }
                None => path.push(PathPart::Key(part)),
            }
        }
        crate::artifacts::yaml::line_of_path(text, &path)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub location: Location,
    /// The value as the user gave it (empty when the field was missing).
    pub value: Option<String>,
    pub rule: String,
    pub fix: String,
    /// 1-based line in the answers file, when the problem came from one.
    pub line: Option<usize>,
}

impl Problem {
    pub fn new(location: Location, value: Option<&str>, error: &dyn Advice) -> Self {
        Self {
            location,
            value: value.map(str::to_owned),
            rule: error.to_string(),
            fix: error.fix(),
            line: None,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.location)?,
            None => write!(f, "{}", self.location)?,
        }
        match &self.value {
            Some(value) => write!(f, " = {value:?}: {}", self.rule)?,
            None => write!(f, ": {}", self.rule)?,
        }
        write!(f, "\n    fix: {}", self.fix)
    }
}

/// All problems found in one set of answers, reported together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        writeln!(
            f,
            "{count} problem{} in the answers:",
            if count == 1 { "" } else { "s" }
        )?;
        for problem in &self.0 {
            writeln!(f, "  {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}
