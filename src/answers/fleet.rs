//! Answers → a fleet of checked plans: every workload is validated with the rules of one
//! workload (its answers are the shared ones with its own on top), then the workloads are
//! checked against each other — IAM and Teleport names are unique per account and cluster, so
//! two workloads may not share a role, a policy, a profile or a SPIFFE ID.

use crate::answers::plan::{self, Plan};
use crate::answers::problem::{Advice, Location, Problem, Problems};
use crate::answers::steps::{FieldId, Scope};
use crate::answers::{FleetAnswers, Form, WorkloadAnswers};
use crate::domain::quotas::{self, Fit, Quota};
use std::collections::BTreeMap;
use thiserror::Error;

/// The longest workload name: it names a directory, a Terraform map key and a bundle.
pub const MAX_NAME_LEN: usize = 48;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum FleetError {
    #[error(
        "a workload name is 1 to {MAX_NAME_LEN} lowercase letters, digits and '-', starting and ending with a letter or digit"
    )]
    Name,
    #[error("this needs the answers of exactly one workload")]
    NotOne,
    #[error("workloads[{index}] ({name}) has the same {what}")]
    Duplicate {
        what: &'static str,
        index: usize,
        name: String,
    },
    #[error(
        "workloads[{index}] ({name}) has the {what} {theirs:?}, the same but for case, which IAM does not tell apart"
    )]
    DuplicateButCase {
        what: &'static str,
        index: usize,
        name: String,
        theirs: String,
    },
    #[error(
        "the fleet creates {count} {}, more than AWS allows in any account ({})",
        quota.what,
        quota.max
    )]
    OverQuota { quota: Quota, count: usize },
}

impl Advice for FleetError {
    fn fix(&self) -> String {
        match self {
            Self::Name => {
                "name the workload like a host or service, e.g. `api` or `billing-worker`".into()
            }
            Self::NotOne => "give a file with one workload".into(),
            Self::Duplicate { what, .. } | Self::DuplicateButCase { what, .. }
                if what.starts_with("Kubernetes") || what.starts_with("tbot ") =>
            {
                format!(
                    "give each workload its own {what}, or another tbot.namespace: Kubernetes knows one of each name per namespace"
                )
            }
            Self::Duplicate { what, .. } | Self::DuplicateButCase { what, .. }
                if what.starts_with("bot the operator") =>
            {
                "give each workload its own bot, or teleport.manage_bot: false and `tctl bots update --add-roles` for each role".into()
            }
            Self::Duplicate { what, .. } | Self::DuplicateButCase { what, .. } => format!(
                "give each workload its own {what}: IAM and Teleport know one of each name per account and cluster"
            ),
            Self::OverQuota { quota, .. } => format!(
                "split the fleet across accounts: at most {} {} each",
                quota.max, quota.what
            ),
        }
    }
}

/// One workload of a fleet, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetWorkload {
    /// Its name in the fleet (the file's `name:`); empty for a version 1 file.
    pub name: String,
    pub plan: Plan,
}

/// Every workload, checked one by one and against each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fleet {
    pub form: Form,
    pub workloads: Vec<FleetWorkload>,
    /// The plans' warnings, each once (prefixed with the workload when not all have it).
    pub warnings: Vec<String>,
}

impl Fleet {
    /// The first workload's plan: its cluster, account, provider and audience are every
    /// workload's.
    pub fn shared(&self) -> &Plan {
        &self.workloads[0].plan
    }

    pub fn plans(&self) -> impl Iterator<Item = &Plan> {
        self.workloads.iter().map(|w| &w.plan)
    }

    /// The normalized answers, every default written out, for `answers.yaml`.
    pub fn to_answers(&self) -> FleetAnswers {
        match self.form {
            Form::Single => FleetAnswers::single(self.shared().to_answers()),
            Form::Fleet => FleetAnswers {
                form: Form::Fleet,
                shared: self.shared().to_answers().of_scope(Scope::Shared),
                workloads: self
                    .workloads
                    .iter()
                    .map(|w| {
                        let mut answers = w.plan.to_answers().of_scope(Scope::Workload);
                        if w.plan.aws.policy_document.is_some() {
                            let copy = crate::domain::policy_document::copy_path(&w.name);
                            answers.set_text(FieldId::PolicyFile, copy);
                        }
                        WorkloadAnswers {
                            name: Some(w.name.clone()),
                            answers,
                        }
                    })
                    .collect(),
            },
        }
    }
}

/// A workload name as the rule wants it.
pub fn parse_name(name: &str) -> Result<String, FleetError> {
    let edge_ok = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let ok = name.len() <= MAX_NAME_LEN
        && edge_ok(name.as_bytes().first())
        && edge_ok(name.as_bytes().last())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    ok.then(|| name.to_owned()).ok_or(FleetError::Name)
}

/// A name for a workload from its SPIFFE path: the last segment, made a valid name
/// (`/svc/Billing_Worker` → `billing-worker`); `workload` when nothing is left.
pub fn default_name(spiffe_path: &str) -> String {
    let last = spiffe_path
        .rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or("");
    let name: String = last
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9') => c,
            _ => '-',
        })
        .take(MAX_NAME_LEN)
        .collect();
    let name = name.trim_matches('-').to_owned();
    if name.is_empty() {
        "workload".into()
    } else {
        name
    }
}

/// The answers a copy of a workload must not keep: those no two workloads may share (see
/// [`duplicates`]), the bot, which each workload's host has its own of, and the Roles
/// Anywhere profile: a copy gets its own (sharing one is a choice written in the file).
pub const OWN_ANSWERS: &[FieldId] = &[
    FieldId::SpiffePath,
    FieldId::RoleName,
    FieldId::PolicyName,
    FieldId::Profile,
    FieldId::TeleportRole,
    FieldId::WorkloadIdentity,
    FieldId::Bot,
    FieldId::RaProfileName,
    FieldId::RaProfileArn,
];

/// A name for a new workload: [`default_name`] of its SPIFFE path, with `-2`, `-3`, … when
/// another workload has it.
pub fn unused_name(spiffe_path: &str, taken: &[&str]) -> String {
    let base = default_name(spiffe_path);
    let stem: String = base.chars().take(MAX_NAME_LEN - 4).collect();
    (1..)
        .map(|n| match n {
            1 => base.clone(),
            n => format!("{stem}-{n}"),
        })
        .find(|name| !taken.contains(&name.as_str()))
        .unwrap_or(base)
}

/// Validates every workload and the fleet as a whole; returns all problems if any.
pub fn validate(answers: &FleetAnswers) -> Result<Fleet, Vec<Problem>> {
    let mut problems: Vec<Problem> = Vec::new();
    let mut workloads = Vec::with_capacity(answers.count());
    for index in 0..answers.count() {
        let own = answers.workloads.get(index);
        let name = match (answers.form, own.and_then(|w| w.name.as_deref())) {
            (Form::Single, _) => Some(String::new()),
            (Form::Fleet, None) => None, // reported when the file was read
            (Form::Fleet, Some(name)) => match parse_name(name) {
                Ok(name) => Some(name),
                Err(error) => {
                    let location = Location::in_workload(index, Location::Key("name".into()));
                    push_once(&mut problems, Problem::new(location, Some(name), &error));
                    None
                }
            },
        };
        match plan::validate(&answers.merged(index)) {
            Ok(plan) => {
                if let Some(name) = name {
                    workloads.push((index, FleetWorkload { name, plan }));
                }
            }
            Err(found) => {
                for mut problem in found {
                    problem.location = where_answered(answers, index, problem.location);
                    push_once(&mut problems, problem);
                }
            }
        }
    }
    if answers.form == Form::Fleet {
        problems.extend(duplicates(answers, &workloads));
        for (quota, count, fit) in account_quotas(workloads.len()) {
            if fit == Fit::OverMax {
                let error = FleetError::OverQuota { quota, count };
                let location = Location::Key("workloads".into());
                problems.push(Problem::new(location, Some(&count.to_string()), &error));
            }
        }
        for (index, mut problem) in answers.shared.route().fleet_problems(&workloads) {
            problem.location = where_answered(answers, index, problem.location);
            push_once(&mut problems, problem);
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let workloads: Vec<FleetWorkload> = workloads.into_iter().map(|(_, w)| w).collect();
    Ok(Fleet {
        form: answers.form,
        warnings: warnings(&workloads),
        workloads,
    })
}

/// Where the answer a rule problem is about was given: a shared field at the top; a workload
/// field in the workload when it has its own answer (or when none was given anywhere, since
/// the workload needs it), at the top when the workload took the top level's.
fn where_answered(answers: &FleetAnswers, index: usize, location: Location) -> Location {
    let Location::Field(id) = location else {
        return location;
    };
    if answers.form == Form::Single || id.scope() == Scope::Shared {
        return location;
    }
    let own = answers
        .workloads
        .get(index)
        .is_some_and(|w| w.answers.get(id).is_some());
    match own || answers.shared.get(id).is_none() {
        true => Location::in_workload(index, location),
        false => location,
    }
}

/// Adds a problem unless the same one is there (a shared answer is checked once per workload).
fn push_once(problems: &mut Vec<Problem>, problem: Problem) {
    let same = |p: &Problem| {
        p.location == problem.location && p.value == problem.value && p.rule == problem.rule
    };
    if !problems.iter().any(same) {
        problems.push(problem);
    }
}

/// Whether two values of `what` are the same name to their owner. IAM role and policy names
/// are not distinguished by case (IAM API, CreateRole and CreatePolicy: "IAM user, group,
/// role, and policy names must be unique within the account. Names are not distinguished by
/// case."): AWS refuses the second of `Reports` and `reports`.
fn same_name_key(what: &str, value: &str) -> String {
    match what {
        "IAM role name" | "IAM policy name" => value.to_ascii_lowercase(),
        _ => value.to_owned(),
    }
}

/// What must be unique per workload, by the field that sets it.
fn unique_values(plan: &Plan) -> Vec<(FieldId, &'static str, String)> {
    let mut values = vec![
        (
            FieldId::SpiffePath,
            "SPIFFE ID",
            plan.workload.spiffe_id.to_string(),
        ),
        // IAM role and policy names are unique in an account whatever their path.
        (
            FieldId::RoleName,
            "IAM role name",
            plan.aws.role_name.clone(),
        ),
        (
            FieldId::PolicyName,
            "IAM policy name",
            plan.aws.policy_name.clone(),
        ),
        (FieldId::Profile, "AWS profile", plan.aws.profile.clone()),
        (
            FieldId::TeleportRole,
            "Teleport role",
            plan.workload.teleport_role.clone(),
        ),
    ];
    if let Some(resource) = &plan.workload.resource_name {
        values.push((
            FieldId::WorkloadIdentity,
            "workload_identity resource",
            resource.clone(),
        ));
    }
    // The operator's bot object sets the bot's roles to its workload's role: two workloads'
    // objects of one bot would take each other's role away.
    if plan.workload.manage_bot
        && plan.workload.as_code == crate::domain::teleport::AsCode::Operator
    {
        values.push((
            FieldId::Bot,
            "bot the operator owns",
            plan.workload.bot.clone(),
        ));
    }
    // Kubernetes names are unique in their namespace: two workloads with one Secret would
    // read each other's credentials, with one Helm release would replace each other's tbot.
    if let Some(kube) = &plan.tbot.kubernetes {
        let namespaced = |name: &str| format!("{}/{name}", kube.namespace);
        values.extend([
            (
                FieldId::Deployment,
                "Kubernetes Deployment",
                namespaced(&kube.deployment),
            ),
            (
                FieldId::SecretName,
                "Kubernetes Secret",
                namespaced(&kube.secret_name),
            ),
            (
                FieldId::BotServiceAccount,
                "tbot Helm release",
                namespaced(&kube.bot_service_account),
            ),
        ]);
    }
    values
}

/// Values two workloads may not share. Once one is reported for a workload, values it did
/// not give itself are not: they were derived from the one reported (a copied SPIFFE path
/// makes the same role name).
fn duplicates(answers: &FleetAnswers, workloads: &[(usize, FleetWorkload)]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut seen: BTreeMap<(&str, String), (usize, &str, String)> = BTreeMap::new();
    for (index, workload) in workloads {
        let own = answers.merged(*index);
        let mut reported = false;
        let mut values = vec![(None, "name", workload.name.clone())];
        values.extend(
            unique_values(&workload.plan)
                .into_iter()
                .map(|(id, what, value)| (Some(id), what, value)),
        );
        for (id, what, value) in values {
            let key = (what, same_name_key(what, &value));
            let Some((first, first_name, theirs)) = seen.get(&key) else {
                seen.insert(key, (*index, &workload.name, value));
                continue;
            };
            let given = id.is_none_or(|id| own.get(id).is_some());
            if reported && !given {
                continue;
            }
            reported = true;
            let (index_of_first, name) = (*first, (*first_name).to_owned());
            let error = match *theirs == value {
                true => FleetError::Duplicate {
                    what,
                    index: index_of_first,
                    name,
                },
                false => FleetError::DuplicateButCase {
                    what,
                    index: index_of_first,
                    name,
                    theirs: theirs.clone(),
                },
            };
            let location = match id {
                Some(id) => Location::Field(id),
                None => Location::Key("name".into()),
            };
            let location = Location::in_workload(*index, location);
            problems.push(Problem::new(location, Some(&value), &error));
        }
    }
    problems
}

/// What a fleet of `count` workloads adds to the account, against IAM's quotas: each workload
/// creates its own role and its own customer managed policy, on either route (the OIDC
/// provider or the trust anchor is one for the whole fleet).
fn account_quotas(count: usize) -> Vec<(Quota, usize, Fit)> {
    [quotas::ROLES_PER_ACCOUNT, quotas::CUSTOMER_MANAGED_POLICIES]
        .into_iter()
        .map(|quota| (quota, count, quota.fit(count)))
        .collect()
}

/// Every plan's warnings once: a warning all workloads share is said once, others name their
/// workload. A bot serving two workloads is one too: either host could take the other's
/// identity.
fn warnings(workloads: &[FleetWorkload]) -> Vec<String> {
    let mut warnings: Vec<String> = Vec::new();
    for workload in workloads {
        for warning in &workload.plan.warnings {
            let everyone = workloads.iter().all(|w| w.plan.warnings.contains(warning));
            let text = match everyone || workloads.len() == 1 {
                true => warning.clone(),
                false => format!("{}: {warning}", workload.name),
            };
            if !warnings.contains(&text) {
                warnings.push(text);
            }
        }
    }
    for (quota, count, fit) in account_quotas(workloads.len()) {
        if fit == Fit::OverDefault {
            warnings.push(format!(
                "the fleet creates {count} {}: over AWS's default quota of {}, so the apply stops part way unless the account's was raised; {}",
                quota.what,
                quota.default,
                quota.raise()
            ));
        }
    }
    if let Some(first) = workloads.first() {
        warnings.extend(first.plan.route.fleet_warnings(workloads));
    }
    let mut bots: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for workload in workloads {
        bots.entry(&workload.plan.workload.bot)
            .or_default()
            .push(&workload.name);
    }
    for (bot, names) in bots.into_iter().filter(|(_, names)| names.len() > 1) {
        warnings.push(format!(
            "bot {bot} serves workloads {}: each host running it can obtain every one of their identities; give each workload host its own bot",
            names.join(", ")
        ));
    }
    warnings
}

/// Reads and validates an answers file of either version: load problems and rule problems
/// together, each with its line number when it is in the file.
/// A file an answer names (`aws.policy_file`) is not read: see [`from_answers_file_reading`].
pub fn from_answers_file(text: &str) -> Result<Fleet, Problems> {
    from_answers_file_filled(text, |_| {}, &|_| Err("no file is read here".into()))
}

/// Like [`from_answers_file`], reading the files the answers name with `read`.
pub fn from_answers_file_reading(
    text: &str,
    read: crate::answers::ReadFile<'_>,
) -> Result<Fleet, Problems> {
    from_answers_file_filled(text, |_| {}, read)
}

/// Like [`from_answers_file_reading`], with `fill` completing the shared answers (from
/// discovery) before they are validated.
pub fn from_answers_file_filled(
    text: &str,
    fill: impl FnOnce(&mut crate::answers::Answers),
    read: crate::answers::ReadFile<'_>,
) -> Result<Fleet, Problems> {
    let (mut answers, mut problems) = FleetAnswers::from_yaml(text);
    if problems.iter().any(|p| p.location == Location::File) {
        // Nothing could be read: every field would be reported missing.
        return Err(Problems(problems));
    }
    fill(&mut answers.shared);
    answers.read_named_files(read);
    match validate(&answers) {
        Ok(fleet) if problems.is_empty() => return Ok(fleet),
        Ok(_) => {}
        Err(rule_problems) => {
            let loaded = problems.len();
            for mut problem in rule_problems {
                // A value of the wrong shape was already reported, and then read as missing.
                if problems[..loaded]
                    .iter()
                    .any(|p| p.location == problem.location)
                {
                    continue;
                }
                problem.line = problem.location.line_in(text);
                problems.push(problem);
            }
        }
    }
    problems.sort_by_key(|p| (p.line.unwrap_or(usize::MAX), p.location.clone()));
    Err(Problems(problems))
}

/// The plan of an answers file of one workload (version 1, or version 2 with one workload).
pub fn single_plan(text: &str) -> Result<Plan, Problems> {
    let mut fleet = from_answers_file(text)?;
    match fleet.workloads.len() {
        1 => Ok(fleet.workloads.remove(0).plan),
        count => Err(Problems(vec![Problem::new(
            Location::Key("workloads".into()),
            Some(&count.to_string()),
            &FleetError::NotOne,
        )])),
    }
}

/// A version 1 file's answers in the version 2 form: its workload named after its SPIFFE
/// path. Answers that do not validate are carried over as they are.
pub fn migrate(answers: &FleetAnswers) -> FleetAnswers {
    if answers.form == Form::Fleet {
        return answers.clone();
    }
    let name = answers
        .shared
        .text(FieldId::SpiffePath)
        .map_or_else(|| "workload".into(), default_name);
    FleetAnswers {
        form: Form::Fleet,
        shared: answers.shared.of_scope(Scope::Shared),
        workloads: vec![WorkloadAnswers {
            name: Some(name),
            answers: answers.shared.of_scope(Scope::Workload),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rule_and_defaults_always_do() {
        for good in ["api", "a", "billing-worker", "w2"] {
            assert!(parse_name(good).is_ok(), "{good}");
        }
        for bad in ["", "-a", "a-", "Api", "a_b", "a.b", "a/b", &"x".repeat(49)] {
            assert_eq!(parse_name(bad), Err(FleetError::Name), "{bad:?}");
        }
        for path in [
            "/svc/Billing_Worker",
            "/",
            "/a/--/",
            "/x/é",
            &format!("/{}", "y".repeat(99)),
        ] {
            let name = default_name(path);
            assert!(parse_name(&name).is_ok(), "{path}: {name:?}");
        }
        assert_eq!(default_name("/svc/Billing_Worker"), "billing-worker");
        assert_eq!(unused_name("/svc/api", &["api", "api-2"]), "api-3");
        let long = format!("/{}", "x".repeat(60));
        let taken = unused_name(&long, &[]);
        assert!(parse_name(&unused_name(&long, &[taken.as_str()])).is_ok());
    }

    #[test]
    fn a_copy_drops_every_answer_two_workloads_may_not_share() {
        let plan = crate::answers::fleet::single_plan(include_str!("../../examples/answers.yaml"))
            .expect("valid");
        for (id, what, _) in unique_values(&plan) {
            assert!(OWN_ANSWERS.contains(&id), "{what}");
        }
    }
}
