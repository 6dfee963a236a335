//! Answers → a validated plan: every rule and every default, applied in one place.
//!
//! All three front ends call [`validate`]; the wizard calls it on every keystroke and shows the
//! problems of the field under the cursor. Defaults are derived from earlier answers (the role
//! name from the SPIFFE path, the region from the partition, …) and written back by
//! [`Plan::to_answers`], so a saved `answers.yaml` replays exactly.

use crate::answers::{Answer, Answers, FILE_PROBLEM};
use crate::aws::{self, AccessPreset, Partition};
use crate::problem::{Advice, Problem, Problems};
use crate::spiffe::{self, SpiffeId};
use crate::steps::{FieldId, field};
use crate::tbot;
use crate::teleport::{self, ProxyAddress};
use crate::thumbprint::{self, MAX_THUMBPRINTS};
use std::collections::BTreeMap;
use thiserror::Error;

pub const DEFAULT_AUDIENCE: &str = "sts.amazonaws.com";
pub const DEFAULT_ROLE_PATH: &str = "/";
const DEFAULT_ACCESS: AccessPreset = AccessPreset::ReadWrite;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderMode {
    /// The artifacts create the IAM OIDC provider.
    Create,
    /// The account already has a provider for this issuer; the artifacts only refer to it.
    Existing,
}

impl ProviderMode {
    pub fn id(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Existing => "existing",
        }
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PlanError {
    #[error("this answer is required")]
    Required { hint: &'static str },
    #[error("expected one of: {}", choices.join(", "))]
    NotAChoice { choices: &'static [&'static str] },
}

impl Advice for PlanError {
    fn fix(&self) -> String {
        match self {
            Self::Required { hint } => (*hint).to_owned(),
            Self::NotAChoice { choices } => format!("write one of {}", choices.join(", ")),
        }
    }
}

/// Everything the artifacts need, checked and with defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub proxy: ProxyAddress,
    pub cluster_name: String,
    pub spiffe_id: SpiffeId,
    pub thumbprints: Vec<String>,
    pub partition: Partition,
    pub account_id: String,
    pub region: String,
    pub provider: ProviderMode,
    pub bucket: String,
    pub create_bucket: bool,
    pub access: AccessPreset,
    /// The actions of a custom preset, empty otherwise.
    pub custom_actions: Vec<String>,
    pub policy_name: String,
    pub role_name: String,
    pub role_path: String,
    pub profile: String,
    pub session_name: Option<String>,
    pub teleport_role: String,
    pub bot: String,
    pub output_dir: String,
    pub jwt_file: String,
    pub audience: String,
    /// Things that are valid but likely to surprise; shown, never fatal.
    pub warnings: Vec<String>,
}

impl Plan {
    pub fn issuer_url(&self) -> String {
        self.proxy.issuer_url()
    }

    /// The prefix of the trust policy's condition keys: the issuer without `https://`.
    pub fn condition_key_prefix(&self) -> String {
        self.proxy.issuer_host_path()
    }

    pub fn provider_arn(&self) -> String {
        aws::oidc_provider_arn(
            self.partition,
            &self.account_id,
            &self.proxy.issuer_host_path(),
        )
    }

    pub fn role_arn(&self) -> String {
        aws::role_arn(
            self.partition,
            &self.account_id,
            &self.role_path,
            &self.role_name,
        )
    }

    pub fn policy_arn(&self) -> String {
        aws::policy_arn(
            self.partition,
            &self.account_id,
            &self.role_path,
            &self.policy_name,
        )
    }

    pub fn bucket_arn(&self) -> String {
        aws::bucket_arn(self.partition, &self.bucket)
    }

    /// The file the AWS profile reads: tbot's output directory joined with the JWT file name.
    pub fn token_file(&self) -> String {
        format!("{}/{}", self.output_dir, self.jwt_file)
    }

    pub fn bucket_actions(&self) -> Vec<String> {
        match self.access {
            AccessPreset::Custom => self.custom_actions.clone(),
            preset => preset
                .bucket_actions()
                .iter()
                .map(|a| (*a).to_owned())
                .collect(),
        }
    }

    pub fn object_actions(&self) -> Vec<String> {
        match self.access {
            AccessPreset::Custom => self.custom_actions.clone(),
            preset => preset
                .object_actions()
                .iter()
                .map(|a| (*a).to_owned())
                .collect(),
        }
    }

    /// The normalized answers, every default written out, for `answers.yaml`.
    pub fn to_answers(&self) -> Answers {
        let mut answers = Answers::default();
        let mut text = |id, value: &str| answers.set_text(id, value);
        text(FieldId::Proxy, &self.proxy.authority());
        text(FieldId::ClusterName, &self.cluster_name);
        text(FieldId::SpiffePath, self.spiffe_id.path());
        text(FieldId::Partition, self.partition.id());
        text(FieldId::AccountId, &self.account_id);
        text(FieldId::Region, &self.region);
        text(FieldId::OidcProvider, self.provider.id());
        text(FieldId::Bucket, &self.bucket);
        text(FieldId::Access, self.access.id());
        text(FieldId::PolicyName, &self.policy_name);
        text(FieldId::RoleName, &self.role_name);
        text(FieldId::RolePath, &self.role_path);
        text(FieldId::Profile, &self.profile);
        if let Some(session) = &self.session_name {
            text(FieldId::SessionName, session);
        }
        text(FieldId::TeleportRole, &self.teleport_role);
        text(FieldId::Bot, &self.bot);
        text(FieldId::OutputDir, &self.output_dir);
        text(FieldId::JwtFile, &self.jwt_file);
        text(FieldId::Audience, &self.audience);
        answers.set(FieldId::Thumbprints, Answer::List(self.thumbprints.clone()));
        answers.set(FieldId::CreateBucket, Answer::Flag(self.create_bucket));
        if self.access == AccessPreset::Custom {
            answers.set(FieldId::Actions, Answer::List(self.custom_actions.clone()));
        }
        answers
    }
}

/// What to use when an answer is missing.
enum Fallback {
    /// There is no default; the hint says what to give.
    Required(&'static str),
    Default(String),
    /// The default is derived from another answer that is itself broken or missing.
    Blocked,
}

impl Fallback {
    fn derived<T>(from: Option<&T>, derive: impl FnOnce(&T) -> String) -> Self {
        from.map_or(Self::Blocked, |value| Self::Default(derive(value)))
    }
}

/// Collects problems while validating, so one run reports all of them.
struct Checker<'a> {
    answers: &'a Answers,
    problems: Vec<Problem>,
    defaults: BTreeMap<FieldId, String>,
}

impl Checker<'_> {
    fn report(&mut self, id: FieldId, value: Option<&str>, error: &dyn Advice) {
        self.problems
            .push(Problem::new(field(id).key, value, error));
    }

    /// Checks a text answer, or falls back as `fallback` says. `None` if it is missing without
    /// a default, or broken (both reported), or if its default depends on a broken answer
    /// (reported there, not again here).
    fn text<T, E: Advice>(
        &mut self,
        id: FieldId,
        fallback: Fallback,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        if let Fallback::Default(value) = &fallback {
            self.defaults.insert(id, value.clone());
        }
        let given = self
            .answers
            .text(id)
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let value = match (given, fallback) {
            (Some(given), _) => given.to_owned(),
            (None, Fallback::Default(value)) => value,
            (None, Fallback::Blocked) => return None,
            (None, Fallback::Required(hint)) => {
                self.report(id, None, &PlanError::Required { hint });
                return None;
            }
        };
        match parse(&value) {
            Ok(parsed) => Some(parsed),
            Err(error) => {
                self.report(id, Some(&value), &error);
                None
            }
        }
    }

    fn choice(&mut self, id: FieldId, default: &'static str) -> Option<&'static str> {
        let crate::steps::FieldKind::Choice(choices) = field(id).kind else {
            unreachable!("{id:?} is declared as a choice in steps::FIELDS");
        };
        self.defaults.insert(id, default.to_owned());
        let value = self.answers.text(id).map(str::trim).unwrap_or(default);
        match choices.iter().find(|c| **c == value) {
            Some(choice) => Some(*choice),
            None => {
                self.report(id, Some(value), &PlanError::NotAChoice { choices });
                None
            }
        }
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
    pub defaults: BTreeMap<FieldId, String>,
}

impl Assessment {
    /// The problems of one field (empty when it is fine, or when only other fields are wrong).
    pub fn problems_of(&self, id: FieldId) -> Vec<&Problem> {
        let key = field(id).key;
        match &self.result {
            Ok(_) => Vec::new(),
            Err(problems) => problems.iter().filter(|p| p.field == key).collect(),
        }
    }
}

/// The workload's SPIFFE ID as the answers stand, for a live preview: the cluster name (or its
/// default) and the path, when both are valid; the plan may still lack later answers.
pub fn spiffe_id_preview(answers: &Answers) -> Option<String> {
    let defaults;
    let trust_domain = match answers.text(FieldId::ClusterName) {
        Some(name) => name,
        None => {
            defaults = assess(answers).defaults;
            defaults.get(&FieldId::ClusterName)?
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
    };
    let result = check_all(&mut check);
    Assessment {
        result,
        defaults: check.defaults,
    }
}

fn check_all(check: &mut Checker<'_>) -> Result<Plan, Vec<Problem>> {
    let answers = check.answers;
    let mut warnings = Vec::new();

    let proxy = check.text(
        FieldId::Proxy,
        Fallback::Required("give the proxy's public address, e.g. example.teleport.sh"),
        ProxyAddress::parse,
    );
    let cluster_name = check.text(
        FieldId::ClusterName,
        Fallback::derived(proxy.as_ref(), |p| {
            p.host().trim_matches(['[', ']']).to_owned()
        }),
        spiffe::parse_trust_domain,
    );
    let spiffe_id = match &cluster_name {
        Some(trust_domain) => check.text(
            FieldId::SpiffePath,
            Fallback::Required("name the workload, e.g. /svc/example-service"),
            |path| SpiffeId::for_workload(trust_domain, path),
        ),
        None => None,
    };

    let mut thumbprints = Vec::new();
    let given_thumbprints = answers.list(FieldId::Thumbprints).unwrap_or_default();
    for raw in given_thumbprints {
        match thumbprint::normalize(raw) {
            Ok(normalized) if !thumbprints.contains(&normalized) => thumbprints.push(normalized),
            Ok(_) => {}
            Err(error) => check.report(FieldId::Thumbprints, Some(raw), &error),
        }
    }
    if thumbprints.len() > MAX_THUMBPRINTS {
        check.report(
            FieldId::Thumbprints,
            None,
            &thumbprint::ThumbprintError::TooMany,
        );
    }

    let partition = check
        .choice(FieldId::Partition, Partition::Aws.id())
        .and_then(|id| Partition::parse(id).ok());
    let account_id = check.text(
        FieldId::AccountId,
        Fallback::Required("give the 12-digit account ID (`aws sts get-caller-identity`)"),
        aws::parse_account_id,
    );
    let region = check
        .text(
            FieldId::Region,
            Fallback::derived(partition.as_ref(), |p| p.default_region().to_owned()),
            |region| match partition {
                Some(partition) => aws::parse_region(region, partition).map(Some),
                // The partition is broken and reported; the region cannot be checked against it.
                None => Ok(None),
            },
        )
        .flatten();
    let provider = check
        .choice(FieldId::OidcProvider, ProviderMode::Create.id())
        .map(|mode| {
            if mode == ProviderMode::Existing.id() {
                ProviderMode::Existing
            } else {
                ProviderMode::Create
            }
        });
    let bucket = check.text(
        FieldId::Bucket,
        Fallback::Required("name the S3 bucket the workload may use"),
        aws::parse_bucket_name,
    );
    check.defaults.insert(FieldId::CreateBucket, "true".into());
    let create_bucket = answers.flag(FieldId::CreateBucket).unwrap_or(true);
    let access = check
        .choice(FieldId::Access, DEFAULT_ACCESS.id())
        .and_then(AccessPreset::parse);

    let mut custom_actions = Vec::new();
    let given_actions = answers.list(FieldId::Actions).unwrap_or_default();
    match access {
        Some(AccessPreset::Custom) if given_actions.is_empty() => {
            check.report(FieldId::Actions, None, &aws::AwsError::NoActions);
        }
        Some(AccessPreset::Custom) => {
            for raw in given_actions {
                match aws::parse_s3_action(raw.trim()) {
                    Ok(action) if !custom_actions.contains(&action) => custom_actions.push(action),
                    Ok(_) => {}
                    Err(error) => check.report(FieldId::Actions, Some(raw), &error),
                }
            }
        }
        Some(_) if !given_actions.is_empty() => {
            check.report(FieldId::Actions, None, &aws::AwsError::ActionsWithoutCustom);
        }
        _ => {}
    }

    let role_name = check.text(
        FieldId::RoleName,
        Fallback::derived(spiffe_id.as_ref(), default_role_name),
        aws::parse_role_name,
    );
    let role_path = check.text(
        FieldId::RolePath,
        Fallback::Default(DEFAULT_ROLE_PATH.to_owned()),
        aws::parse_iam_path,
    );
    let policy_name = check.text(
        FieldId::PolicyName,
        Fallback::derived(role_name.as_ref().zip(access).as_ref(), |(role, access)| {
            format!("{role}-s3-{}", access.id())
        }),
        aws::parse_policy_name,
    );
    let profile = check.text(
        FieldId::Profile,
        Fallback::derived(role_name.as_ref(), |role| default_profile(role)),
        aws::parse_profile_name,
    );
    let session_name = check.text(
        FieldId::SessionName,
        Fallback::Blocked,
        aws::parse_session_name,
    );
    let teleport_role = check.text(
        FieldId::TeleportRole,
        Fallback::derived(role_name.as_ref(), |role| default_teleport_role(role)),
        |v| teleport::parse_resource_name(v, "role"),
    );
    let bot = check.text(
        FieldId::Bot,
        Fallback::Required("give the name of the bot tbot runs as (`tctl bots ls`)"),
        |v| teleport::parse_resource_name(v, "bot"),
    );
    let output_dir = check.text(
        FieldId::OutputDir,
        Fallback::Default(tbot::DEFAULT_OUTPUT_DIR.to_owned()),
        tbot::parse_output_dir,
    );
    let jwt_file = check.text(
        FieldId::JwtFile,
        Fallback::Default(tbot::DEFAULT_JWT_FILE.to_owned()),
        tbot::parse_file_name,
    );
    let audience = check.text(
        FieldId::Audience,
        Fallback::Default(DEFAULT_AUDIENCE.to_owned()),
        aws::parse_audience,
    );

    if !check.problems.is_empty() {
        return Err(std::mem::take(&mut check.problems));
    }
    // Every value is Some here: each None above pushed a problem.
    let (
        Some(proxy),
        Some(cluster_name),
        Some(spiffe_id),
        Some(partition),
        Some(account_id),
        Some(region),
        Some(provider),
        Some(bucket),
        Some(access),
        Some(policy_name),
        Some(role_name),
        Some(role_path),
        Some(profile),
        Some(teleport_role),
        Some(bot),
        Some(output_dir),
        Some(jwt_file),
        Some(audience),
    ) = (
        proxy,
        cluster_name,
        spiffe_id,
        partition,
        account_id,
        region,
        provider,
        bucket,
        access,
        policy_name,
        role_name,
        role_path,
        profile,
        teleport_role,
        bot,
        output_dir,
        jwt_file,
        audience,
    )
    else {
        unreachable!("a missing value always records a problem");
    };

    if let Some(port) = proxy.port() {
        warnings.push(format!(
            "the issuer {} carries port {port}: AWS documents that an OIDC provider URL should not contain a port, and AWS fetches the JWKS over HTTPS on 443 — serve the proxy's public address on 443 for real federation",
            proxy.issuer_url()
        ));
    }
    if thumbprints.is_empty() && provider == ProviderMode::Create {
        warnings.push("no thumbprint given: AWS accepts that only when the proxy's certificate chains to a public CA it trusts; for a private CA add the thumbprint (`curl https://PROXY/webapi/thumbprint`)".into());
    }
    if provider == ProviderMode::Existing {
        warnings.push(format!(
            "the existing OIDC provider for {} must list {audience:?} among its audiences (client IDs); aws-cli/setup.sh checks this",
            proxy.issuer_url()
        ));
    }
    if access == AccessPreset::Full {
        warnings.push("access `full` grants s3:* on the bucket, including deleting it and changing its policy; prefer read-write or a custom list in production".into());
    }
    Ok(Plan {
        proxy,
        cluster_name,
        spiffe_id,
        thumbprints,
        partition,
        account_id,
        region,
        provider,
        bucket,
        create_bucket,
        access,
        custom_actions,
        policy_name,
        role_name,
        role_path,
        profile,
        session_name,
        teleport_role,
        bot,
        output_dir,
        jwt_file,
        audience,
        warnings,
    })
}

/// The IAM role name derived from a SPIFFE ID: its path segments joined with '-', cut to the
/// 64 characters IAM allows (SPIFFE path characters are all legal in role names).
pub fn default_role_name(spiffe_id: &SpiffeId) -> String {
    let joined = spiffe_id.segments().collect::<Vec<_>>().join("-");
    joined.chars().take(64).collect()
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
    let base: String = role_name
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-@".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(60)
        .collect();
    if base.is_empty() {
        "workload-aws".into()
    } else {
        format!("{base}-aws")
    }
}

/// Reads and validates an answers file: load problems and rule problems together, each with
/// its line number when the field is in the file.
pub fn from_answers_file(text: &str) -> Result<Plan, Problems> {
    from_answers_file_filled(text, |_| {})
}

/// Like [`from_answers_file`], with `fill` completing the answers (from discovery) before they
/// are validated.
pub fn from_answers_file_filled(
    text: &str,
    fill: impl FnOnce(&mut Answers),
) -> Result<Plan, Problems> {
    let (mut answers, mut problems) = Answers::from_yaml(text);
    if problems.iter().any(|p| p.field == FILE_PROBLEM) {
        // Nothing could be read: every field would be reported missing.
        return Err(Problems(problems));
    }
    fill(&mut answers);
    match validate(&answers) {
        Ok(plan) if problems.is_empty() => return Ok(plan),
        Ok(_) => {}
        Err(rule_problems) => {
            for mut problem in rule_problems {
                // A value of the wrong shape was already reported, and then read as missing.
                if problems.iter().any(|p| p.field == problem.field) {
                    continue;
                }
                if let Some((section, name)) = problem.field.split_once('.') {
                    problem.line = crate::yaml::line_of(text, section, Some(name));
                }
                problems.push(problem);
            }
        }
    }
    problems.sort_by_key(|p| (p.line.unwrap_or(usize::MAX), p.field.clone()));
    Err(Problems(problems))
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
