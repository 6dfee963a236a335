//! The ARNs AWS assigned at apply, read back from what the apply printed, into the answers:
//! `terraform output -json` of the route's root module, or the log of `aws-cli/setup.sh`. The
//! trust anchor's ARN goes to the top level; each workload's profile ARN to the workload. Pure:
//! the caller reads the files and renders again.

use super::{ArnError, ResourceArn, ResourceKind};
use crate::answers::fleet::Fleet;
use crate::answers::steps::FieldId;
use crate::answers::{FleetAnswers, Form};
use std::collections::BTreeMap;
use thiserror::Error;

/// What an apply printed about the resources it created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assigned {
    pub trust_anchor: Option<String>,
    /// A one-workload set's profile.
    pub profile: Option<String>,
    /// A fleet's profiles by profile name (Terraform's `profile_arns`).
    pub by_profile: BTreeMap<String, String>,
    /// A fleet's profiles by workload name (setup.sh's `profile_arn: WORKLOAD ARN` lines).
    pub by_workload: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AssignedError {
    #[error("{source_name} is not the JSON of `terraform output -json`: {why}")]
    NotTerraformOutput { source_name: String, why: String },
    #[error("{source_name}: {what} {value:?}: {problem}")]
    BadArn {
        source_name: String,
        what: String,
        value: String,
        problem: ArnError,
    },
    #[error("{source_name} names no trust anchor ARN and no profile ARN")]
    Nothing { source_name: String },
    #[error("{source_name} names no profile ARN for workload {workload} (profile {profile:?})")]
    NoProfile {
        source_name: String,
        workload: String,
        profile: String,
    },
    #[error("the answers are on the oidc route, which has no ARNs assigned at apply")]
    NotRolesAnywhere,
}

/// What a `terraform output -json` of either of the route's root modules says: `trust_anchor_arn`
/// and `profile_arn` (one workload) or `profile_arns` (a fleet, by profile name).
pub fn from_terraform_output(text: &str, source_name: &str) -> Result<Assigned, AssignedError> {
    let not = |why: String| AssignedError::NotTerraformOutput {
        source_name: source_name.to_owned(),
        why,
    };
    let outputs: serde_json::Value = serde_json::from_str(text).map_err(|e| not(e.to_string()))?;
    let outputs = outputs
        .as_object()
        .ok_or_else(|| not("not an object of outputs".into()))?;
    let value = |name: &str| outputs.get(name).map(|output| &output["value"]);
    let string = |name: &str| -> Result<Option<String>, AssignedError> {
        match value(name) {
            None => Ok(None),
            Some(serde_json::Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(not(format!("output {name}'s value is not a string"))),
        }
    };
    let mut assigned = Assigned {
        trust_anchor: string("trust_anchor_arn")?,
        profile: string("profile_arn")?,
        ..Assigned::default()
    };
    if let Some(profiles) = value("profile_arns") {
        let profiles = profiles
            .as_object()
            .ok_or_else(|| not("output profile_arns's value is not a map".into()))?;
        for (name, arn) in profiles {
            let arn = arn
                .as_str()
                .ok_or_else(|| not(format!("profile_arns[{name:?}] is not a string")))?;
            assigned.by_profile.insert(name.clone(), arn.to_owned());
        }
    }
    checked(assigned, source_name)
}

/// What `aws-cli/setup.sh` printed: `trust_anchor_arn: ARN`, and `profile_arn: ARN` (one
/// workload) or `profile_arn: WORKLOAD ARN` (a fleet). Other lines are ignored.
pub fn from_setup_log(text: &str, source_name: &str) -> Result<Assigned, AssignedError> {
    let mut assigned = Assigned::default();
    for line in text.lines().map(str::trim) {
        if let Some(arn) = line.strip_prefix("trust_anchor_arn: ") {
            assigned.trust_anchor = Some(arn.trim().to_owned());
        } else if let Some(rest) = line.strip_prefix("profile_arn: ") {
            match rest.trim().split_once(' ') {
                Some((workload, arn)) => {
                    assigned
                        .by_workload
                        .insert(workload.to_owned(), arn.trim().to_owned());
                }
                None => assigned.profile = Some(rest.trim().to_owned()),
            }
        }
    }
    checked(assigned, source_name)
}

/// Every ARN read is one of its kind; something must have been read.
fn checked(assigned: Assigned, source_name: &str) -> Result<Assigned, AssignedError> {
    let bad = |what: String, value: &str, problem: ArnError| AssignedError::BadArn {
        source_name: source_name.to_owned(),
        what,
        value: value.to_owned(),
        problem,
    };
    if let Some(arn) = &assigned.trust_anchor {
        ResourceArn::parse(arn, ResourceKind::TrustAnchor)
            .map_err(|problem| bad("trust_anchor_arn".into(), arn, problem))?;
    }
    let profiles = assigned
        .profile
        .iter()
        .map(|arn| ("profile_arn".to_owned(), arn))
        .chain(
            assigned
                .by_profile
                .iter()
                .map(|(name, arn)| (format!("profile_arns[{name:?}]"), arn)),
        )
        .chain(
            assigned
                .by_workload
                .iter()
                .map(|(name, arn)| (format!("profile_arn of {name}"), arn)),
        );
    for (what, arn) in profiles {
        ResourceArn::parse(arn, ResourceKind::Profile)
            .map_err(|problem| bad(what, arn, problem))?;
    }
    let nothing = assigned.trust_anchor.is_none()
        && assigned.profile.is_none()
        && assigned.by_profile.is_empty()
        && assigned.by_workload.is_empty();
    match nothing {
        true => Err(AssignedError::Nothing {
            source_name: source_name.to_owned(),
        }),
        false => Ok(assigned),
    }
}

/// Puts the assigned ARNs into `answers` (which `fleet` was validated from), and says each
/// change as `KEY: ARN`. The anchor's goes to the top level; every workload must find its
/// profile's, which goes to the workload (workloads of one profile get the same).
pub fn apply(
    assigned: &Assigned,
    fleet: &Fleet,
    answers: &mut FleetAnswers,
    source_name: &str,
) -> Result<Vec<String>, AssignedError> {
    if fleet.shared().roles_anywhere.is_none() {
        return Err(AssignedError::NotRolesAnywhere);
    }
    let mut said = Vec::new();
    if let Some(anchor) = &assigned.trust_anchor {
        answers
            .shared
            .set_text(FieldId::TrustAnchorArn, anchor.clone());
        said.push(format!("roles_anywhere.trust_anchor_arn: {anchor}"));
    }
    let mut profiles = Vec::with_capacity(fleet.workloads.len());
    for workload in &fleet.workloads {
        let Some(ra) = &workload.plan.roles_anywhere else {
            continue;
        };
        let found = match fleet.form {
            Form::Single => assigned.profile.clone(),
            Form::Fleet => assigned
                .by_workload
                .get(&workload.name)
                .or_else(|| assigned.by_profile.get(&ra.profile_name))
                .cloned(),
        };
        let arn = found.ok_or_else(|| AssignedError::NoProfile {
            source_name: source_name.to_owned(),
            workload: match workload.name.is_empty() {
                true => "of this set".to_owned(),
                false => workload.name.clone(),
            },
            profile: ra.profile_name.clone(),
        })?;
        profiles.push(arn);
    }
    if fleet.form == Form::Single {
        if let Some(arn) = profiles.first() {
            answers.shared.set_text(FieldId::RaProfileArn, arn.clone());
            said.push(format!("roles_anywhere.profile_arn: {arn}"));
        }
        return Ok(said);
    }
    // A fleet's saved answers give each workload its own (every default written out).
    answers.shared.clear(FieldId::RaProfileArn);
    for ((index, workload), arn) in fleet.workloads.iter().enumerate().zip(profiles) {
        answers.workloads[index]
            .answers
            .set_text(FieldId::RaProfileArn, arn.clone());
        said.push(format!(
            "workloads[{index}] ({}) roles_anywhere.profile_arn: {arn}",
            workload.name
        ));
    }
    Ok(said)
}

impl crate::answers::problem::Advice for AssignedError {
    fn fix(&self) -> String {
        match self {
            Self::NotTerraformOutput { .. } => "save it with `terraform -chdir=terraform output -json > outputs.json`".into(),
            Self::BadArn { .. } => "give the output of this set's own apply".into(),
            Self::Nothing { .. } => "give the output of this set's terraform apply (--terraform-output) or of aws-cli/setup.sh (--setup-log)".into(),
            Self::NoProfile { .. } => "apply this set's terraform/main.tf or aws-cli/setup.sh first, and give its whole output".into(),
            Self::NotRolesAnywhere => "only the roles-anywhere route needs this step".into(),
        }
    }
}
