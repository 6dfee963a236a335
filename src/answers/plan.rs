//! Answers → a validated plan: every rule and every default, applied in one place.
//!
//! All three front ends call [`validate`]; the wizard calls it on every keystroke and shows the
//! problems of the field under the cursor. Defaults are derived from earlier answers (the role
//! name from the SPIFFE path, the region from the partition, …) and written back by
//! [`Plan::to_answers`], so a saved `answers.yaml` replays exactly.

use crate::answers::problem::{Advice, Location, Problem};
use crate::answers::steps::{FieldDefault, FieldId, FieldKind, field};
use crate::answers::{Answer, Answers};
use crate::domain::aws::{self, AccessPreset, Partition, ProviderMode};
use crate::domain::kubernetes::{self, KubernetesError, RunsOn};
use crate::domain::policy_document::{self, PolicyDocument, PolicyFileError};
use crate::domain::quotas;
use crate::domain::spiffe::{self, SpiffeId};
use crate::domain::tbot;
use crate::domain::teleport::{self, ApiChoice, AsCode, ProxyAddress, TeleportApi};
use crate::domain::thumbprint::{self, MAX_THUMBPRINTS};
use crate::routes::Route;
use crate::routes::roles_anywhere::plan::RolesAnywherePlan;
use serde::Serialize;
use std::collections::BTreeMap;
use thiserror::Error;

pub use crate::domain::aws::DEFAULT_AUDIENCE;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PlanError {
    #[error("this answer is required")]
    Required { hint: &'static str },
    #[error("expected one of: {}", choices.join(", "))]
    NotAChoice { choices: &'static [&'static str] },
    #[error("an empty value")]
    Empty { default: Option<String> },
    #[error("the {field} derived from it, {value:?}, is not valid: {rule}")]
    DerivedInvalid {
        field: &'static str,
        value: String,
        rule: String,
    },
}

impl Advice for PlanError {
    fn fix(&self) -> String {
        match self {
            Self::Required { hint } => (*hint).to_owned(),
            Self::NotAChoice { choices } => format!("write one of {}", choices.join(", ")),
            Self::Empty {
                default: Some(default),
            } => format!("leave the key out (or write null) to use the default, {default}"),
            Self::Empty { default: None } => {
                "leave the key out (or write null): it is optional".into()
            }
            Self::DerivedInvalid { field, .. } => format!("give {field} explicitly"),
        }
    }
}

/// The Teleport cluster the workload's identity comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cluster {
    pub proxy: ProxyAddress,
    /// The SPIFFE trust domain.
    pub cluster_name: String,
    /// SHA-1 of the certificate AWS pins for the proxy, lowercase hex.
    pub thumbprints: Vec<String>,
    /// The cluster's Teleport version, when known (from the proxy).
    pub version: Option<String>,
}

/// The workload: its SPIFFE ID and what lets its bot issue it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Workload {
    pub spiffe_id: SpiffeId,
    pub teleport_role: String,
    pub bot: String,
    /// How Teleport grants the SPIFFE ID, and why this generation.
    pub api: TeleportApi,
    pub api_reason: String,
    /// Why the chosen generation may be a bad idea (legacy on a cluster that deprecated it).
    #[serde(skip)]
    pub api_warning: Option<String>,
    /// The `workload_identity` resource's name (current generation only); the role selects it
    /// by the label `workload: <name>`, tbot by its name.
    pub resource_name: Option<String>,
    /// How the Teleport side is written (shared by a fleet).
    pub as_code: AsCode,
    /// Whether Terraform (or the operator) creates the bot and sets its roles.
    pub manage_bot: bool,
    /// The namespace of the operator's resources, with `as_code: operator`.
    pub operator_namespace: Option<String>,
}

/// The AWS side: the account, the provider, the bucket, the role and the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AwsSetup {
    pub partition: Partition,
    pub account_id: String,
    pub region: String,
    pub provider: ProviderMode,
    /// The bucket the preset grants access to; optional (and then none) with access none.
    pub bucket: Option<String>,
    pub create_bucket: bool,
    pub access: AccessPreset,
    /// The actions of a custom preset, empty otherwise.
    pub custom_actions: Vec<String>,
    /// The user's own permissions policy (`aws.policy_file`), merged into the role's.
    pub policy_document: Option<PolicyDocument>,
    pub policy_name: String,
    pub role_name: String,
    pub role_path: String,
    pub profile: String,
    pub session_name: Option<String>,
    /// The managed policy that caps the role (CreateRole `PermissionsBoundary`).
    pub permissions_boundary: Option<String>,
    /// Managed policies attached to the role besides its own (AttachRolePolicy), each once.
    pub managed_policies: Vec<String>,
    /// The role's `MaxSessionDuration` in seconds, when the answers set one.
    pub max_session_duration: Option<u64>,
    /// The tags of everything the set creates, besides wi-aws's `created-by`.
    pub tags: Vec<aws::Tag>,
}

/// Where tbot writes the token on the workload's host, and for which audience.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TbotSetup {
    pub output_dir: String,
    /// The legacy generation's file name; the current one always writes `jwt_svid`.
    pub jwt_file: Option<String>,
    pub audience: String,
    /// The current generation's `credential_ttl` and `renewal_interval`.
    pub credential_ttl: Option<String>,
    pub renewal_interval: Option<String>,
    pub runs_on: RunsOn,
    /// Where on Kubernetes, with `runs_on: kubernetes`.
    pub kubernetes: Option<KubernetesSetup>,
}

/// The workload on Kubernetes: its namespace (also tbot's and the Secret's), its Deployment,
/// container and service account, the Secret tbot writes, and tbot's own service account,
/// which is its Helm release's name and what the join token allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KubernetesSetup {
    pub namespace: String,
    pub deployment: String,
    pub container: String,
    pub service_account: String,
    pub secret_name: String,
    pub bot_service_account: String,
    /// The join token's name ([`kubernetes::join_token_name`]).
    pub join_token: String,
}

/// Everything the artifacts need, checked and with defaults filled in. Templates see each
/// section under its name (`{{aws.bucket}}`); `answers.yaml` is the answers as checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub cluster: Cluster,
    pub workload: Workload,
    pub aws: AwsSetup,
    pub tbot: TbotSetup,
    /// The route to AWS credentials, and what the Roles Anywhere route adds (`None` on OIDC).
    pub route: Route,
    /// Boxed: a fleet holds a plan per workload, most of them on the OIDC route.
    pub roles_anywhere: Option<Box<RolesAnywherePlan>>,
    /// The answers as checked, every default written out.
    #[serde(skip)]
    answers: Answers,
    /// Things that are valid but likely to surprise; shown, never fatal.
    pub warnings: Vec<String>,
}

impl Plan {
    pub fn issuer_url(&self) -> String {
        self.cluster.proxy.issuer_url()
    }

    /// The prefix of the trust policy's condition keys: the issuer without `https://`.
    pub fn condition_key_prefix(&self) -> String {
        self.cluster.proxy.issuer_host_path()
    }

    pub fn provider_arn(&self) -> String {
        aws::oidc_provider_arn(
            self.aws.partition,
            &self.aws.account_id,
            &self.cluster.proxy.issuer_host_path(),
        )
    }

    pub fn role_arn(&self) -> String {
        let aws = &self.aws;
        aws::role_arn(
            aws.partition,
            &aws.account_id,
            &aws.role_path,
            &aws.role_name,
        )
    }

    pub fn policy_arn(&self) -> String {
        let aws = &self.aws;
        aws::policy_arn(
            aws.partition,
            &aws.account_id,
            &aws.role_path,
            &aws.policy_name,
        )
    }

    /// The bucket's ARN; `None` with access none and no bucket.
    pub fn bucket_arn(&self) -> Option<String> {
        let bucket = self.aws.bucket.as_deref()?;
        Some(aws::bucket_arn(self.aws.partition, bucket))
    }

    /// The file the AWS profile reads: tbot's output directory joined with the JWT file name.
    pub fn token_file(&self) -> String {
        let file = match (&self.workload.api, &self.tbot.jwt_file) {
            (TeleportApi::LegacySpiffe, Some(file)) => file.as_str(),
            _ => tbot::WORKLOAD_IDENTITY_JWT_FILE,
        };
        format!("{}/{file}", self.tbot.output_dir)
    }

    /// The name of the file tbot writes, which on Kubernetes is the key of the Secret: the
    /// JWT SVID's, or on Roles Anywhere the credentials file's.
    pub fn written_file_name(&self) -> &str {
        match (
            &self.roles_anywhere,
            &self.workload.api,
            &self.tbot.jwt_file,
        ) {
            (Some(ra), ..) => ra.artifact_name,
            (None, TeleportApi::LegacySpiffe, Some(file)) => file,
            _ => tbot::WORKLOAD_IDENTITY_JWT_FILE,
        }
    }

    pub fn bucket_actions(&self) -> Vec<String> {
        self.actions(AccessPreset::bucket_actions)
    }

    pub fn object_actions(&self) -> Vec<String> {
        self.actions(AccessPreset::object_actions)
    }

    fn actions(&self, of_preset: fn(AccessPreset) -> &'static [&'static str]) -> Vec<String> {
        match self.aws.access {
            AccessPreset::Custom => self.aws.custom_actions.clone(),
            preset => of_preset(preset).iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    /// The normalized answers, every default written out, for `answers.yaml`.
    pub fn to_answers(&self) -> Answers {
        self.answers.clone()
    }
}

/// A default derived from another answer, and which one.
pub(crate) struct Derived {
    value: String,
    from: FieldId,
}

pub(crate) fn derived(from: FieldId, value: Option<String>) -> Option<Derived> {
    value.map(|value| Derived { value, from })
}

/// A parsed answer written back as it is saved (normalized: trimmed, lowercase hex, …).
pub(crate) trait Normalized {
    fn answer(&self) -> Answer;
}

impl Normalized for String {
    fn answer(&self) -> Answer {
        Answer::Text(self.clone())
    }
}

impl Normalized for u64 {
    fn answer(&self) -> Answer {
        Answer::Text(self.to_string())
    }
}

impl Normalized for ProxyAddress {
    fn answer(&self) -> Answer {
        Answer::Text(self.authority())
    }
}

impl Normalized for SpiffeId {
    fn answer(&self) -> Answer {
        Answer::Text(self.path().to_owned())
    }
}

/// Collects problems while validating, so one run reports all of them, and the normalized
/// answer and default of every field on the way.
pub(crate) struct Checker<'a> {
    pub(crate) answers: &'a Answers,
    problems: Vec<Problem>,
    defaults: BTreeMap<FieldId, Answer>,
    normalized: Answers,
    route: Route,
}

impl Checker<'_> {
    /// Whether `id` belongs to the route these answers do not take: it is neither checked nor
    /// saved, and reads as its fixed default.
    fn foreign(&self, id: FieldId) -> bool {
        id.route().is_some_and(|route| route != self.route)
    }

    pub(crate) fn report(&mut self, id: FieldId, value: Option<&str>, error: &dyn Advice) {
        self.problems
            .push(Problem::new(Location::Field(id), value, error));
    }

    /// Checks a text answer, or falls back to the field's default (`derived`, for a default
    /// derived from other answers: `None` when those are broken or missing). `None` if it is
    /// missing without a default, or broken (both reported), or if its default depends on a
    /// broken answer (reported there, not again here). An answer given empty is an error that
    /// names the default, whatever the field: the key is left out to mean "the default".
    pub(crate) fn text<T: Normalized, E: Advice>(
        &mut self,
        id: FieldId,
        derived: Option<Derived>,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        if self.foreign(id) {
            return match field(id).default {
                FieldDefault::Text(text) => parse(text).ok(),
                _ => None,
            };
        }
        let derived_from = derived.as_ref().map(|d| d.from);
        let fallback = match field(id).default {
            FieldDefault::Text(text) => Some(text.to_owned()),
            FieldDefault::Derived => derived.map(|d| d.value),
            FieldDefault::Required(_) | FieldDefault::Optional(_) | FieldDefault::Flag(_) => None,
        };
        if let Some(value) = &fallback {
            self.defaults.insert(id, Answer::Text(value.clone()));
        }
        let value = match (self.answers.text(id).map(str::trim), fallback) {
            (Some(""), default) => return self.empty(id, default),
            (Some(given), _) => given.to_owned(),
            (None, Some(value)) => {
                return self.parse_default(id, value, derived_from, parse);
            }
            (None, None) => return self.missing(id),
        };
        let parsed = parse(&value)
            .map_err(|error| self.report(id, Some(&value), &error))
            .ok()?;
        self.normalized.set(id, parsed.answer());
        Some(parsed)
    }

    /// A default that does not pass its own rule is reported on the answer it was derived
    /// from (the proxy, for a cluster name), where the user can see it and its line.
    fn parse_default<T: Normalized, E: Advice>(
        &mut self,
        id: FieldId,
        value: String,
        derived_from: Option<FieldId>,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        match (parse(&value), derived_from) {
            (Ok(parsed), _) => {
                self.normalized.set(id, parsed.answer());
                Some(parsed)
            }
            (Err(error), Some(from)) => {
                let given = self.answers.line(from);
                let derived = PlanError::DerivedInvalid {
                    field: field(id).key,
                    value,
                    rule: error.to_string(),
                };
                self.report(from, given.as_deref(), &derived);
                None
            }
            (Err(error), None) => {
                self.report(id, Some(&value), &error);
                None
            }
        }
    }

    fn empty<T>(&mut self, id: FieldId, default: Option<String>) -> Option<T> {
        match field(id).default {
            FieldDefault::Required(hint) => {
                self.report(id, Some(""), &PlanError::Required { hint })
            }
            _ => self.report(id, Some(""), &PlanError::Empty { default }),
        }
        None
    }

    fn missing<T>(&mut self, id: FieldId) -> Option<T> {
        if let FieldDefault::Required(hint) = field(id).default {
            self.report(id, None, &PlanError::Required { hint });
        }
        None
    }

    /// An optional text answer: `Some(None)` when it is not given.
    pub(crate) fn optional_text<T: Normalized, E: Advice>(
        &mut self,
        id: FieldId,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<Option<T>> {
        if self.foreign(id) {
            return Some(None);
        }
        let given = self.answers.text(id).is_some();
        match self.text(id, None, parse) {
            None if given => None,
            parsed => Some(parsed),
        }
    }

    /// A choice: the id given or the field's default, if it is one of the field's choices.
    pub(crate) fn choice<T>(
        &mut self,
        id: FieldId,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        let (FieldKind::Choice(choices), FieldDefault::Text(default)) =
            (field(id).kind, field(id).default)
        else {
            unreachable!("{id:?} is declared as a choice with a default in steps::FIELDS");
        };
        if self.foreign(id) {
            return parse(default);
        }
        self.defaults.insert(id, Answer::Text(default.to_owned()));
        let value = self.answers.text(id).map(str::trim).unwrap_or(default);
        if value.is_empty() {
            return self.empty(id, Some(default.to_owned()));
        }
        match choices.iter().find(|c| **c == value) {
            Some(choice) => {
                self.normalized.set(id, Answer::Text((*choice).to_owned()));
                parse(choice)
            }
            None => {
                self.report(id, Some(value), &PlanError::NotAChoice { choices });
                None
            }
        }
    }

    fn flag(&mut self, id: FieldId) -> bool {
        let FieldDefault::Flag(default) = field(id).default else {
            unreachable!("{id:?} is declared as a flag with a default in steps::FIELDS");
        };
        self.defaults.insert(id, Answer::Flag(default));
        let value = self.answers.flag(id).unwrap_or(default);
        self.normalized.set(id, Answer::Flag(value));
        value
    }

    /// A list whose items are each checked and normalized; duplicates are dropped.
    /// Whether the answers list anything for `id`. An optional list none gave is none saved:
    /// answers.yaml keeps no empty list.
    fn given_list(&self, id: FieldId) -> bool {
        self.answers.list(id).is_some_and(|given| !given.is_empty())
    }

    fn list<E: Advice>(
        &mut self,
        id: FieldId,
        parse: impl Fn(&str) -> Result<String, E>,
    ) -> Vec<String> {
        if self.foreign(id) {
            return Vec::new();
        }
        let mut items = Vec::new();
        for raw in self.answers.list(id).unwrap_or_default() {
            match parse(raw) {
                Ok(item) if !items.contains(&item) => items.push(item),
                Ok(_) => {}
                Err(error) => self.report(id, Some(raw), &error),
            }
        }
        self.normalized.set(id, Answer::List(items.clone()));
        items
    }
}

/// Validates every answer, filling defaults; returns all problems if any.
pub fn validate(answers: &Answers) -> Result<Plan, Vec<Problem>> {
    assess(answers).result
}

/// The verdict on a set of answers, and the default of every field that has one given the
/// other answers (what a front end offers when the user has not answered yet).
#[derive(Debug, Clone)]
pub struct Assessment {
    pub result: Result<Plan, Vec<Problem>>,
    pub defaults: BTreeMap<FieldId, Answer>,
}

impl Assessment {
    /// The problems of one field (empty when it is fine, or when only other fields are wrong).
    pub fn problems_of(&self, id: FieldId) -> Vec<&Problem> {
        match &self.result {
            Ok(_) => Vec::new(),
            Err(problems) => problems
                .iter()
                .filter(|p| p.location == Location::Field(id))
                .collect(),
        }
    }

    /// The default of a text or choice field, as it is shown.
    pub fn default_text(&self, id: FieldId) -> Option<&str> {
        match self.defaults.get(&id) {
            Some(Answer::Text(text)) => Some(text),
            _ => None,
        }
    }

    /// The default of a yes/no field.
    pub fn default_flag(&self, id: FieldId) -> Option<bool> {
        match self.defaults.get(&id) {
            Some(Answer::Flag(flag)) => Some(*flag),
            _ => None,
        }
    }
}

/// The workload's SPIFFE ID as the answers stand, for a live preview: the cluster name (or its
/// default) and the path, when both are valid; the plan may still lack later answers.
pub fn spiffe_id_preview(answers: &Answers) -> Option<String> {
    let assessment;
    let trust_domain = match answers.text(FieldId::ClusterName) {
        Some(name) => name,
        None => {
            assessment = assess(answers);
            assessment.default_text(FieldId::ClusterName)?
        }
    };
    let trust_domain = spiffe::parse_trust_domain(trust_domain).ok()?;
    let path = answers.text(FieldId::SpiffePath)?;
    SpiffeId::for_workload(&trust_domain, path)
        .ok()
        .map(|id| id.to_string())
}

pub fn assess(answers: &Answers) -> Assessment {
    let mut check = Checker {
        answers,
        problems: Vec::new(),
        defaults: BTreeMap::new(),
        normalized: Answers::default(),
        route: answers.route(),
    };
    // Each section is checked in full even when an earlier one is broken, so every problem
    // is reported at once; a default derived from a broken answer is simply not offered.
    let route = check_route(&mut check);
    let cluster = check_cluster(&mut check);
    let spiffe_id = check_spiffe_id(&mut check, cluster.as_ref());
    let aws = check_aws(&mut check, spiffe_id.as_ref());
    let workload = check_workload(&mut check, spiffe_id, aws.as_ref(), cluster.as_ref());
    let api = workload.as_ref().map(|w| w.api);
    let tbot = check_tbot(&mut check, api, workload.as_ref());
    let roles_anywhere = match route {
        Some(Route::RolesAnywhere) => crate::routes::roles_anywhere::plan::check(
            &mut check,
            cluster.as_ref(),
            workload.as_ref(),
            aws.as_ref(),
        )
        .map(|ra| Some(Box::new(ra))),
        _ => Some(None),
    };
    let result = match (cluster, workload, aws, tbot, route, roles_anywhere) {
        (
            Some(cluster),
            Some(workload),
            Some(aws),
            Some(tbot),
            Some(route),
            Some(roles_anywhere),
        ) if check.problems.is_empty() => {
            let mut plan = Plan {
                cluster,
                workload,
                aws,
                tbot,
                route,
                roles_anywhere,
                answers: std::mem::take(&mut check.normalized),
                warnings: Vec::new(),
            };
            plan.warnings = warnings(&plan);
            plan.warnings.extend(foreign_answers(answers, route));
            Ok(plan)
        }
        // Every section that is None pushed a problem.
        _ => Err(std::mem::take(&mut check.problems)),
    };
    Assessment {
        result,
        defaults: check.defaults,
    }
}

/// The route. Its default, OIDC, is never written out, so the answers of a file from before
/// routes existed, or of a wizard that took the default, save exactly as they did.
fn check_route(check: &mut Checker<'_>) -> Option<Route> {
    let route = check.choice(FieldId::Route, Route::parse);
    if route == Some(Route::Oidc) {
        check.normalized.clear(FieldId::Route);
    }
    route
}

fn check_cluster(check: &mut Checker<'_>) -> Option<Cluster> {
    let proxy = check.text(FieldId::Proxy, None, ProxyAddress::parse);
    let cluster_name = check.text(
        FieldId::ClusterName,
        derived(
            FieldId::Proxy,
            proxy
                .as_ref()
                .map(|p| p.host().trim_matches(['[', ']']).to_owned()),
        ),
        spiffe::parse_trust_domain,
    );
    let thumbprints = check.list(FieldId::Thumbprints, thumbprint::normalize);
    if thumbprints.len() > MAX_THUMBPRINTS {
        check.report(
            FieldId::Thumbprints,
            None,
            &thumbprint::ThumbprintError::TooMany,
        );
    }
    let version = check.optional_text(FieldId::Version, teleport::parse_version_answer);
    Some(Cluster {
        proxy: proxy?,
        cluster_name: cluster_name?,
        thumbprints,
        version: version?,
    })
}

/// The SPIFFE ID, checked against the cluster's trust domain (so only once that is valid).
fn check_spiffe_id(check: &mut Checker<'_>, cluster: Option<&Cluster>) -> Option<SpiffeId> {
    let trust_domain = match cluster {
        Some(cluster) => cluster.cluster_name.clone(),
        // The proxy may be broken while the cluster name is fine: still check the path.
        None => {
            spiffe::parse_trust_domain(check.answers.text(FieldId::ClusterName)?.trim()).ok()?
        }
    };
    check.text(FieldId::SpiffePath, None, |path| {
        SpiffeId::for_workload(&trust_domain, path)
    })
}

/// The IAM role name: as given when valid, else derived from the SPIFFE ID. The Teleport role
/// and the profile derive their defaults from it.
fn effective_role_name(answers: &Answers, spiffe_id: Option<&SpiffeId>) -> Option<String> {
    match answers.text(FieldId::RoleName).map(str::trim) {
        Some(given) if !given.is_empty() => aws::parse_role_name(given).ok(),
        _ => spiffe_id.map(default_role_name),
    }
}

fn check_aws(check: &mut Checker<'_>, spiffe_id: Option<&SpiffeId>) -> Option<AwsSetup> {
    let partition = check.choice(FieldId::Partition, |id| Partition::parse(id).ok());
    let account_id = check.text(FieldId::AccountId, None, aws::parse_account_id);
    let region = check.text(
        FieldId::Region,
        derived(
            FieldId::Partition,
            partition.map(|p| p.default_region().to_owned()),
        ),
        |region| match partition {
            Some(partition) => aws::parse_region(region, partition),
            // The partition is broken and reported; the region cannot be checked against it.
            None => Ok(region.to_owned()),
        },
    );
    let provider = check.choice(FieldId::OidcProvider, ProviderMode::parse);
    let access = check.choice(FieldId::Access, AccessPreset::parse);
    let (bucket, create_bucket) = check_bucket(check, access);
    let custom_actions = check_actions(check, access);
    let policy_document = check_policy_file(check, partition, access);
    let role_name = check.text(
        FieldId::RoleName,
        derived(FieldId::SpiffePath, spiffe_id.map(default_role_name)),
        aws::parse_role_name,
    );
    let role_path = check.text(FieldId::RolePath, None, aws::parse_iam_path);
    let policy_name = check.text(
        FieldId::PolicyName,
        derived(
            FieldId::RoleName,
            role_name
                .as_ref()
                .zip(access)
                .map(|(role, access)| match access {
                    AccessPreset::None => format!("{role}-policy"),
                    access => format!("{role}-s3-{}", access.id()),
                }),
        ),
        aws::parse_policy_name,
    );
    let profile = check.text(
        FieldId::Profile,
        derived(FieldId::RoleName, role_name.as_deref().map(default_profile)),
        aws::parse_profile_name,
    );
    let session_name = check.optional_text(FieldId::SessionName, aws::parse_session_name);
    let permissions_boundary = check.optional_text(FieldId::PermissionsBoundary, |arn| {
        aws::parse_policy_arn(arn, partition)
    });
    let managed_policies = check_managed_policies(check, partition);
    let max_session_duration =
        check.optional_text(FieldId::MaxSessionDuration, aws::parse_max_session_duration);
    let tags = check_tags(check);
    Some(AwsSetup {
        partition: partition?,
        account_id: account_id?,
        region: region?,
        provider: provider?,
        bucket: bucket?,
        create_bucket,
        access: access?,
        custom_actions,
        policy_document: policy_document?,
        policy_name: policy_name?,
        role_name: role_name?,
        role_path: role_path?,
        profile: profile?,
        session_name: session_name?,
        permissions_boundary: permissions_boundary?,
        managed_policies,
        max_session_duration: max_session_duration?,
        tags,
    })
}

/// `aws.tags`: each `KEY=VALUE` as IAM takes it, each key once, and with wi-aws's own
/// `created-by` at most the 50 tags a resource holds.
fn check_tags(check: &mut Checker<'_>) -> Vec<aws::Tag> {
    if !check.given_list(FieldId::Tags) {
        return Vec::new();
    }
    let normalized = check.list(FieldId::Tags, |raw| {
        aws::parse_tag(raw).map(|tag| format!("{}={}", tag.key, tag.value))
    });
    let tags: Vec<aws::Tag> = normalized
        .iter()
        .filter_map(|tag| aws::parse_tag(tag).ok())
        .collect();
    for (at, tag) in tags.iter().enumerate() {
        if tags[..at].iter().any(|earlier| earlier.key == tag.key) {
            check.report(
                FieldId::Tags,
                None,
                &aws::AwsError::TagTwice(tag.key.clone()),
            );
        }
    }
    if tags.len() + 1 > aws::MAX_TAGS {
        check.report(FieldId::Tags, None, &aws::AwsError::TooManyTags(tags.len()));
    }
    tags
}

/// `aws.managed_policies`: managed policy ARNs of the role's partition. With the role's own
/// policy they must fit the quota of managed policies attached to one role: over its most,
/// AttachRolePolicy is refused in any account (over its default, a warning: see [`warnings`]).
fn check_managed_policies(check: &mut Checker<'_>, partition: Option<Partition>) -> Vec<String> {
    if !check.given_list(FieldId::ManagedPolicies) {
        return Vec::new();
    }
    let arns = check.list(FieldId::ManagedPolicies, |arn| {
        aws::parse_policy_arn(arn.trim(), partition)
    });
    let attached = arns.len() + 1;
    if quotas::MANAGED_POLICIES_PER_ROLE.fit(attached) == quotas::Fit::OverMax {
        let error = aws::AwsError::TooManyManagedPolicies { attached };
        check.report(FieldId::ManagedPolicies, None, &error);
    }
    arns
}

/// `aws.bucket` and `aws.create_bucket`: required by every S3 preset; with access none the
/// bucket is optional, and without one nothing is created (saved as `create_bucket: false`).
fn check_bucket(
    check: &mut Checker<'_>,
    access: Option<AccessPreset>,
) -> (Option<Option<String>>, bool) {
    let without_bucket =
        access == Some(AccessPreset::None) && check.answers.text(FieldId::Bucket).is_none();
    if !without_bucket {
        let bucket = check.text(FieldId::Bucket, None, aws::parse_bucket_name);
        return (bucket.map(Some), check.flag(FieldId::CreateBucket));
    }
    if check.answers.flag(FieldId::CreateBucket) == Some(true) {
        check.report(
            FieldId::CreateBucket,
            Some("true"),
            &aws::AwsError::CreateWithoutBucket,
        );
    }
    check
        .normalized
        .set(FieldId::CreateBucket, Answer::Flag(false));
    (Some(None), false)
}

/// `aws.policy_file`: a JSON permissions policy the front end read (see
/// [`crate::answers::Answers::read_named_files`]), checked with IAM's grammar, each problem at
/// its line in that file. Required with access none; its Sids must not be the preset's. Saved
/// as the set's copy of it, [`policy_document::POLICY_FILE_COPY`].
fn check_policy_file(
    check: &mut Checker<'_>,
    partition: Option<Partition>,
    access: Option<AccessPreset>,
) -> Option<Option<PolicyDocument>> {
    let path = match check.answers.text(FieldId::PolicyFile).map(str::trim) {
        None if access == Some(AccessPreset::None) => {
            check.report(
                FieldId::PolicyFile,
                None,
                &PolicyFileError::NoneWithoutPolicy,
            );
            return None;
        }
        None => return Some(None),
        Some("") => return check.empty(FieldId::PolicyFile, None),
        Some(path) => path.to_owned(),
    };
    let text = match check.answers.file(&path) {
        Some(Ok(text)) => text.clone(),
        Some(Err(error)) => {
            let error = PolicyFileError::Unreadable(error.clone());
            check.report(FieldId::PolicyFile, Some(&path), &error);
            return None;
        }
        None => {
            check.report(FieldId::PolicyFile, Some(&path), &PolicyFileError::NotRead);
            return None;
        }
    };
    // Resources are checked against the partition: reported there when it is broken.
    let document = match policy_document::check(&text, partition?) {
        Ok(document) => document,
        Err(problems) => {
            for problem in problems {
                let path = path.clone();
                let error = PolicyFileError::Document { path, problem };
                check.report(FieldId::PolicyFile, None, &error);
            }
            return None;
        }
    };
    if access != Some(AccessPreset::None) {
        for sid in document.statements.iter().filter_map(|s| s["Sid"].as_str()) {
            if policy_document::PRESET_SIDS
                .iter()
                .any(|own| own.eq_ignore_ascii_case(sid))
            {
                let error = PolicyFileError::PresetSid {
                    path: path.clone(),
                    sid: sid.to_owned(),
                };
                check.report(FieldId::PolicyFile, None, &error);
            }
        }
    }
    check.normalized.set(
        FieldId::PolicyFile,
        Answer::Text(policy_document::POLICY_FILE_COPY.into()),
    );
    Some(Some(document))
}

/// `aws.actions`: required with the custom preset, refused with any other.
fn check_actions(check: &mut Checker<'_>, access: Option<AccessPreset>) -> Vec<String> {
    let given = check.answers.list(FieldId::Actions).unwrap_or_default();
    match access {
        Some(AccessPreset::Custom) if given.is_empty() => {
            check.report(FieldId::Actions, None, &aws::AwsError::NoActions);
            Vec::new()
        }
        Some(AccessPreset::Custom) => {
            check.list(FieldId::Actions, |raw| aws::parse_s3_action(raw.trim()))
        }
        Some(_) if !given.is_empty() => {
            check.report(FieldId::Actions, None, &aws::AwsError::ActionsWithoutCustom);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn check_workload(
    check: &mut Checker<'_>,
    spiffe_id: Option<SpiffeId>,
    aws: Option<&AwsSetup>,
    cluster: Option<&Cluster>,
) -> Option<Workload> {
    let choice = check.choice(FieldId::Api, ApiChoice::parse);
    let version = cluster.and_then(|c| c.version.as_deref());
    let api = choice.and_then(|choice| {
        teleport::resolve_api(choice, version)
            .map_err(|error| check.report(FieldId::Api, Some(choice.id()), &error))
            .ok()
    });
    let resource_name = match api {
        Some((TeleportApi::LegacySpiffe, ..)) => Some(None),
        _ => check
            .text(
                FieldId::WorkloadIdentity,
                derived(
                    FieldId::SpiffePath,
                    spiffe_id.as_ref().map(default_resource_name),
                ),
                |v| teleport::parse_resource_name(v, "workload_identity"),
            )
            .map(Some),
    };
    let role_name = match aws {
        Some(aws) => Some(aws.role_name.clone()),
        None => effective_role_name(check.answers, spiffe_id.as_ref()),
    };
    let teleport_role = check.text(
        FieldId::TeleportRole,
        derived(
            FieldId::RoleName,
            role_name.as_deref().map(default_teleport_role),
        ),
        |v| teleport::parse_resource_name(v, "role"),
    );
    let bot = check.text(FieldId::Bot, None, |v| {
        teleport::parse_resource_name(v, "bot")
    });
    let (as_code, manage_bot) = check_as_code(check, api.as_ref().map(|(api, ..)| *api));
    if as_code == Some(AsCode::Operator) {
        let resource = resource_name.as_ref().and_then(Option::as_deref);
        check_operator_names(check, resource, teleport_role.as_deref(), bot.as_deref());
    }
    let operator_namespace = match as_code {
        Some(AsCode::Operator) => check
            .text(FieldId::OperatorNamespace, None, |v| {
                crate::domain::kubernetes::parse_label(v, "namespace")
            })
            .map(Some),
        _ => {
            if let Some(given) = check.answers.text(FieldId::OperatorNamespace) {
                let given = given.to_owned();
                check.report(
                    FieldId::OperatorNamespace,
                    Some(&given),
                    &teleport::TeleportError::OperatorNamespaceWithoutOperator,
                );
            }
            Some(None)
        }
    };
    let (api, api_reason, api_warning) = api?;
    Some(Workload {
        spiffe_id: spiffe_id?,
        teleport_role: teleport_role?,
        bot: bot?,
        api,
        api_reason,
        api_warning,
        resource_name: resource_name?,
        as_code: as_code?,
        manage_bot,
        operator_namespace: operator_namespace?,
    })
}

/// The operator's resources are Kubernetes objects named like the Teleport resources they
/// make, so those names must also be Kubernetes names (RFC 1123 subdomains: lowercase), and the
/// workload_identity resource's name, a label value of its object, at most 63 characters
/// (kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set).
fn check_operator_names(
    check: &mut Checker<'_>,
    resource: Option<&str>,
    role: Option<&str>,
    bot: Option<&str>,
) {
    let names = [
        (FieldId::WorkloadIdentity, resource, 63),
        (FieldId::TeleportRole, role, 253),
        (FieldId::Bot, bot, 253),
    ];
    for (id, name, max) in names {
        let Some(name) = name else { continue };
        if let Err(error) = crate::domain::kubernetes::parse_subdomain(
            name,
            "object name (teleport.as_code operator)",
            max,
        ) {
            check.report(id, Some(name), &error);
        }
    }
}

/// `teleport.as_code` and `teleport.manage_bot`. tctl, the default, is never written out, so a
/// set from before the choice saves as it did; Terraform and the operator write the
/// workload_identity resource, which the legacy generation has not.
fn check_as_code(check: &mut Checker<'_>, api: Option<TeleportApi>) -> (Option<AsCode>, bool) {
    let as_code = check.choice(FieldId::AsCode, AsCode::parse);
    match as_code {
        Some(AsCode::Tctl) | None => {
            check.normalized.clear(FieldId::AsCode);
            if let Some(flag) = check.answers.flag(FieldId::ManageBot) {
                let given = Some(flag.to_string());
                check.report(
                    FieldId::ManageBot,
                    given.as_deref(),
                    &teleport::TeleportError::ManageBotWithTctl,
                );
            }
            (as_code, false)
        }
        Some(code) => {
            if api == Some(TeleportApi::LegacySpiffe) {
                check.report(
                    FieldId::AsCode,
                    Some(code.id()),
                    &teleport::TeleportError::AsCodeNeedsWorkloadIdentity { as_code: code.id() },
                );
                return (None, false);
            }
            (Some(code), check.flag(FieldId::ManageBot))
        }
    }
}

/// tbot's settings; which apply depends on the API generation (`None`: not known, broken).
fn check_tbot(
    check: &mut Checker<'_>,
    api: Option<TeleportApi>,
    workload: Option<&Workload>,
) -> Option<TbotSetup> {
    let output_dir = check.text(FieldId::OutputDir, None, tbot::parse_output_dir);
    let audience = check.text(FieldId::Audience, None, aws::parse_audience);
    let legacy = api == Some(TeleportApi::LegacySpiffe);
    let jwt_file = match legacy {
        true => check
            .text(FieldId::JwtFile, None, tbot::parse_file_name)
            .map(Some),
        false => Some(None),
    };
    let (credential_ttl, renewal_interval) = match legacy {
        true => (Some(None), Some(None)),
        false => {
            let ttl = check.text(FieldId::CredentialTtl, None, tbot::parse_credential_ttl);
            let renewal = check.text(FieldId::RenewalInterval, None, |v| {
                tbot::parse_renewal_interval(v, ttl.as_deref())
            });
            (ttl.map(Some), renewal.map(Some))
        }
    };
    let runs_on = check.choice(FieldId::RunsOn, RunsOn::parse);
    let kubernetes = match runs_on {
        Some(RunsOn::Kubernetes) => check_kubernetes(check, workload).map(Some),
        Some(RunsOn::Host) => {
            refuse_kubernetes_answers(check);
            Some(None)
        }
        // An unreadable runs_on is reported; its names wait until it says where.
        None => None,
    };
    Some(TbotSetup {
        output_dir: output_dir?,
        jwt_file: jwt_file?,
        audience: audience?,
        credential_ttl: credential_ttl?,
        renewal_interval: renewal_interval?,
        runs_on: runs_on?,
        kubernetes: kubernetes?,
    })
}

/// The answers only `runs_on: kubernetes` reads.
const KUBERNETES_FIELDS: [FieldId; 6] = [
    FieldId::Namespace,
    FieldId::Deployment,
    FieldId::Container,
    FieldId::ServiceAccount,
    FieldId::SecretName,
    FieldId::BotServiceAccount,
];

/// On a host, the default, nothing of Kubernetes is saved and `runs_on` itself is not
/// written, so a set from before the choice saves exactly as it did; a Kubernetes answer
/// given there is an error, as it would otherwise be silently ignored.
fn refuse_kubernetes_answers(check: &mut Checker<'_>) {
    check.normalized.clear(FieldId::RunsOn);
    for id in KUBERNETES_FIELDS {
        if let Some(given) = check.answers.text(id) {
            let given = given.to_owned();
            let key = field(id).key;
            check.report(id, Some(&given), &KubernetesError::OnlyOnKubernetes { key });
        }
    }
}

/// The names of `runs_on: kubernetes`, each by Kubernetes' rule for its kind, with defaults
/// derived from the Deployment, itself from the SPIFFE path.
fn check_kubernetes(
    check: &mut Checker<'_>,
    workload: Option<&Workload>,
) -> Option<KubernetesSetup> {
    let namespace = check.text(FieldId::Namespace, None, |v| {
        kubernetes::parse_label(v, "namespace")
    });
    let spiffe_path = workload
        .map(|w| w.spiffe_id.path().to_owned())
        .or_else(|| check.answers.text(FieldId::SpiffePath).map(str::to_owned));
    let deployment = check.text(
        FieldId::Deployment,
        derived(
            FieldId::SpiffePath,
            spiffe_path
                .as_deref()
                .and_then(kubernetes::default_deployment),
        ),
        |v| kubernetes::parse_subdomain(v, "Deployment name", 253),
    );
    let from_deployment =
        |value: fn(&str) -> String| derived(FieldId::Deployment, deployment.as_deref().map(value));
    let container = check.text(FieldId::Container, from_deployment(str::to_owned), |v| {
        kubernetes::parse_label(v, "container name")
    });
    let service_account = check.text(
        FieldId::ServiceAccount,
        from_deployment(str::to_owned),
        |v| kubernetes::parse_subdomain(v, "service account name", 253),
    );
    let secret_name = check.text(
        FieldId::SecretName,
        from_deployment(kubernetes::default_secret),
        |v| kubernetes::parse_subdomain(v, "Secret name", 253),
    );
    let bot_service_account = check.text(
        FieldId::BotServiceAccount,
        from_deployment(kubernetes::default_bot_service_account),
        |v| {
            kubernetes::parse_subdomain(
                v,
                "service account (and Helm release) name",
                kubernetes::MAX_RELEASE_NAME,
            )
        },
    );
    if let (Some(workload_account), Some(bot_account)) = (&service_account, &bot_service_account)
        && workload_account == bot_account
    {
        let given = bot_account.clone();
        check.report(
            FieldId::BotServiceAccount,
            Some(&given),
            &KubernetesError::SharedServiceAccount,
        );
        return None;
    }
    let (namespace, bot_service_account) = (namespace?, bot_service_account?);
    Some(KubernetesSetup {
        join_token: kubernetes::join_token_name(&workload?.bot, &namespace, &bot_service_account),
        namespace,
        deployment: deployment?,
        container: container?,
        service_account: service_account?,
        secret_name: secret_name?,
        bot_service_account,
    })
}

/// Valid choices that are likely to surprise.
/// Answers given for the route the file does not take: ignored, and said so.
fn foreign_answers(answers: &Answers, route: Route) -> Option<String> {
    let ignored: Vec<&str> = crate::answers::steps::FIELDS
        .iter()
        .filter(|f| f.route().is_some_and(|of| of != route))
        .filter(|f| answers.get(f.id).is_some())
        .map(|f| f.key)
        .collect();
    (!ignored.is_empty()).then(|| {
        format!(
            "{} apply to another route than aws.route {}, and are ignored",
            ignored.join(", "),
            route.id()
        )
    })
}

fn warnings(plan: &Plan) -> Vec<String> {
    let mut warnings = Vec::new();
    warnings.extend(plan.workload.api_warning.clone());
    let attached = plan.aws.managed_policies.len() + 1;
    let quota = quotas::MANAGED_POLICIES_PER_ROLE;
    if quota.fit(attached) == quotas::Fit::OverDefault {
        warnings.push(format!(
            "role {} carries {attached} {} (its own and aws.managed_policies): over AWS's default quota of {}; {}",
            plan.aws.role_name,
            quota.what,
            quota.default,
            quota.raise()
        ));
    }
    if plan.route == Route::RolesAnywhere {
        warnings.extend(crate::routes::roles_anywhere::plan::warnings(plan));
        return warnings;
    }
    if plan.workload.api == TeleportApi::WorkloadIdentity
        && plan.answers.get(FieldId::JwtFile).is_some()
    {
        warnings.push(format!(
            "tbot.jwt_file applies to the legacy generation only: the workload-identity-jwt service writes {}",
            plan.token_file()
        ));
    }
    let proxy = &plan.cluster.proxy;
    if let Some(port) = proxy.port() {
        warnings.push(format!(
            "the issuer {} carries port {port}: AWS documents that an OIDC provider URL should not contain a port, and AWS fetches the JWKS over HTTPS on 443 — serve the proxy's public address on 443 for real federation",
            proxy.issuer_url()
        ));
    }
    let provider = plan.aws.provider;
    if plan.cluster.thumbprints.is_empty() && provider == ProviderMode::Create {
        warnings.push("no thumbprint given: AWS accepts that only when the proxy's certificate chains to a public CA it trusts; for a private CA add the thumbprint (`curl https://PROXY/webapi/thumbprint`)".into());
    }
    if provider == ProviderMode::Existing {
        warnings.push(format!(
            "the existing OIDC provider for {} must list {:?} among its audiences (client IDs); aws-cli/setup.sh checks this",
            proxy.issuer_url(),
            plan.tbot.audience
        ));
    }
    if plan.aws.access == AccessPreset::Full {
        warnings.push("access `full` grants s3:* on the bucket, including deleting it and changing its policy; prefer read-write or a custom list in production".into());
    }
    warnings
}

/// The IAM role name derived from a SPIFFE ID: its path segments joined with '-', cut to the
/// 64 characters IAM allows (SPIFFE path characters are all legal in role names).
pub fn default_role_name(spiffe_id: &SpiffeId) -> String {
    let joined = spiffe_id.segments().collect::<Vec<_>>().join("-");
    joined.chars().take(64).collect()
}

/// The `workload_identity` resource's name derived from a SPIFFE ID: its path segments joined
/// with '-', made a valid Teleport name.
pub fn default_resource_name(spiffe_id: &SpiffeId) -> String {
    let joined = spiffe_id.segments().collect::<Vec<_>>().join("-");
    teleport_name(&joined, 64).unwrap_or_else(|| "workload".into())
}

/// `name` as a Teleport resource name: starting with a letter or digit, other characters
/// Teleport refuses turned to '-', cut to `max`; `None` when nothing is left.
fn teleport_name(name: &str, max: usize) -> Option<String> {
    let name: String = name
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-@".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(max)
        .collect();
    (!name.is_empty()).then_some(name)
}

/// The profile name derived from the IAM role name: characters a profile name cannot hold
/// (`+ = , @`) become '-'.
pub fn default_profile(role_name: &str) -> String {
    let profile: String = role_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    if profile == "default" {
        "default-workload".into()
    } else {
        profile
    }
}

/// The Teleport role name derived from the IAM role name: `<role>-aws`, starting with a letter
/// or digit and cut to the 64 characters Teleport names may have.
pub fn default_teleport_role(role_name: &str) -> String {
    match teleport_name(role_name, 60) {
        Some(base) => format!("{base}-aws"),
        None => "workload-aws".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(path: &str) -> SpiffeId {
        SpiffeId::for_workload("example.com", path).expect("valid")
    }

    #[test]
    fn derived_names_are_always_valid() {
        // Found by the property tests: paths of punctuation only.
        for path in ["/-", "/_", "/.a", "/a/b", "/-/_/."] {
            let Ok(spiffe_id) = SpiffeId::for_workload("example.com", path) else {
                continue;
            };
            let role = default_role_name(&spiffe_id);
            assert!(aws::parse_role_name(&role).is_ok(), "{path}: role {role:?}");
            let teleport_role = default_teleport_role(&role);
            assert!(
                teleport::parse_resource_name(&teleport_role, "role").is_ok(),
                "{path}: {teleport_role:?}"
            );
            assert!(
                aws::parse_profile_name(&default_profile(&role)).is_ok(),
                "{path}"
            );
        }
        assert_eq!(
            default_role_name(&id("/svc/example-service")),
            "svc-example-service"
        );
        assert_eq!(default_teleport_role("+=,"), "workload-aws");
        assert_eq!(default_profile("a+b@c"), "a-b-c");
        assert_eq!(
            default_role_name(&id(&format!("/{}", "x".repeat(100)))).len(),
            64
        );
    }
}
