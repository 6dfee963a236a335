//! One check of a proof: what was checked, whether it holds, and, when it does not, the error
//! AWS (or Teleport) would answer and the fix. `discover`, `verify` and the wizards all speak
//! in these.

use serde::{Serialize, Serializer};

/// What a check is about. Its label is what the checklist and `--json` show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckId {
    // What discover checks on the proxy.
    Version,
    Thumbprint,
    /// The discovery document's issuer against the provider URL.
    Issuer,
    Jwks,
    JwksHost,
    /// The cluster's SPIFFE CA, as a Roles Anywhere trust anchor.
    TrustAnchor,
    // What verify checks on the files and the token.
    TeleportRole,
    /// Who gives the bot the role, when teleport/main.tf writes the Teleport side.
    TeleportBot,
    /// The Teleport operator's objects: of its CRDs' kinds and versions.
    TeleportOperator,
    TbotSelector,
    /// tbot's credential lifetime against its renewal interval, as the written file says.
    TbotTiming,
    Issued,
    ProviderUrl,
    Token,
    Algorithm,
    Key,
    Signature,
    Expiry,
    TokenIssuer,
    Audience,
    TrustPolicy,
    TrustPolicyTf,
    TrustScope,
    TrustScopeTf,
    Terraform,
    AwsCliScript,
    ProviderThumbprints,
    ProfileRole,
    ProfileTokenFile,
    EnvRole,
    EnvTokenFile,
    Permissions,
    PermissionsTf,
    TokenFile,
    DiscoveryIssuer,
    /// A fleet: one workload's token against the other workloads' roles.
    Isolation,
    // What verify checks on the Roles Anywhere route's files.
    TbotService,
    SessionDurations,
    AnchorBundle,
    SvidChain,
    RaProfile,
    TbotArns,
    EnvCredentials,
    Boundary,
    /// The IAM documents' sizes against IAM's quotas.
    PolicySize,
    ManagedPolicies,
    MaxSession,
    Tags,
    // What verify checks of a set on Kubernetes.
    KubeJoinToken,
    KubeChart,
    KubeSecret,
    KubeServiceAccount,
    KubeEks,
    KubePatch,
    // What doctor checks on the deployed state.
    DeployedProvider,
    DeployedAudience,
    DeployedThumbprints,
    DeployedRole,
    DeployedTrust,
    DeployedScope,
    DeployedPermissions,
    DeployedBoundary,
    DeployedManagedPolicies,
    DeployedMaxSession,
    TokenAge,
    DeployedAnchor,
    DeployedProfile,
    CredentialsAge,
    /// A running Pod's spec (Kubernetes).
    PodSpec,
    PodEks,
    Drift,
    Assume,
    // What preflight checks of the account before apply.
    QuotaRoles,
    QuotaPolicies,
    NamedPolicies,
    RoleNames,
    PolicyNames,
    ProviderExists,
    AnchorExists,
}

impl CheckId {
    pub fn label(self) -> &'static str {
        match self {
            Self::Version => "version",
            Self::Thumbprint => "thumbprint",
            Self::Issuer => "issuer",
            Self::Jwks => "jwks",
            Self::JwksHost => "jwks host",
            Self::TrustAnchor => "trust anchor",
            Self::TeleportRole => "teleport role",
            Self::TeleportBot => "teleport bot",
            Self::TeleportOperator => "operator objects",
            Self::TbotSelector => "tbot selector",
            Self::TbotTiming => "tbot timing",
            Self::Issued => "issued",
            Self::ProviderUrl => "provider url",
            Self::Token => "token",
            Self::Algorithm => "algorithm",
            Self::Key => "key",
            Self::Signature => "signature",
            Self::Expiry => "expiry",
            Self::TokenIssuer => "issuer",
            Self::Audience => "audience",
            Self::TrustPolicy => "trust policy",
            Self::TrustPolicyTf => "trust policy (tf)",
            Self::TrustScope => "trust scope",
            Self::TrustScopeTf => "trust scope (tf)",
            Self::Terraform => "terraform",
            Self::AwsCliScript => "aws-cli script",
            Self::ProviderThumbprints => "thumbprints",
            Self::ProfileRole => "profile role",
            Self::ProfileTokenFile => "profile token file",
            Self::EnvRole => "env role",
            Self::EnvTokenFile => "env token file",
            Self::Permissions => "permissions",
            Self::PermissionsTf => "permissions (tf)",
            Self::TokenFile => "token file",
            Self::DiscoveryIssuer => "discovery issuer",
            Self::Isolation => "isolation",
            Self::TbotService => "tbot service",
            Self::SessionDurations => "session durations",
            Self::AnchorBundle => "anchor bundle",
            Self::SvidChain => "svid chain",
            Self::RaProfile => "ra profile",
            Self::TbotArns => "tbot arns",
            Self::EnvCredentials => "env credentials",
            Self::Boundary => "boundary",
            Self::PolicySize => "policy size",
            Self::ManagedPolicies => "managed policies",
            Self::MaxSession => "max session",
            Self::Tags => "tags",
            Self::KubeJoinToken => "join token",
            Self::KubeChart => "tbot chart",
            Self::KubeSecret => "secret mount",
            Self::KubeServiceAccount => "service account",
            Self::KubeEks => "eks webhook",
            Self::KubePatch => "deployment patch",
            Self::DeployedProvider => "provider (aws)",
            Self::DeployedAudience => "audience (aws)",
            Self::DeployedThumbprints => "thumbprint (aws)",
            Self::DeployedRole => "role (aws)",
            Self::DeployedTrust => "trust policy (aws)",
            Self::DeployedScope => "trust scope (aws)",
            Self::DeployedPermissions => "permissions (aws)",
            Self::DeployedBoundary => "boundary (aws)",
            Self::DeployedManagedPolicies => "managed policies (aws)",
            Self::DeployedMaxSession => "max session (aws)",
            Self::TokenAge => "token age",
            Self::DeployedAnchor => "trust anchor (aws)",
            Self::DeployedProfile => "profile (aws)",
            Self::CredentialsAge => "credentials age",
            Self::PodSpec => "pod (k8s)",
            Self::PodEks => "second identity (k8s)",
            Self::Drift => "drift",
            Self::Assume => "assume",
            Self::QuotaRoles => "roles quota",
            Self::QuotaPolicies => "policies quota",
            Self::NamedPolicies => "named policies",
            Self::RoleNames => "role names",
            Self::PolicyNames => "policy names",
            Self::ProviderExists => "oidc provider",
            Self::AnchorExists => "trust anchor name",
        }
    }

    /// Whether this is one of the trust policy's evaluations (JSON or Terraform).
    pub fn is_trust_policy(self) -> bool {
        matches!(self, Self::TrustPolicy | Self::TrustPolicyTf)
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

impl Serialize for CheckId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.label())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    /// Not evaluated, because AWS would stop at an earlier failure.
    Skipped,
    Warn,
    Fail,
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub id: CheckId,
    pub status: Status,
    pub detail: String,
    /// The error AWS would answer with, for a failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    /// A check that holds, or fails without a specific AWS error (discover's).
    pub fn holds(id: CheckId, ok: bool, detail: impl Into<String>) -> Self {
        let mut check = Self::pass(id, detail);
        if !ok {
            check.status = Status::Fail;
        }
        check
    }

    pub fn ok(&self) -> bool {
        self.status != Status::Fail
    }

    pub fn pass(id: CheckId, detail: impl Into<String>) -> Self {
        Self {
            id,
            status: Status::Pass,
            detail: detail.into(),
            aws_error: None,
            fix: None,
        }
    }

    pub fn skipped(id: CheckId, detail: impl Into<String>) -> Self {
        Self {
            id,
            status: Status::Skipped,
            detail: detail.into(),
            aws_error: None,
            fix: None,
        }
    }

    pub fn warn(id: CheckId, detail: impl Into<String>) -> Self {
        Self {
            id,
            status: Status::Warn,
            detail: detail.into(),
            aws_error: None,
            fix: None,
        }
    }

    pub fn fail(id: CheckId, detail: String, aws_error: &str, fix: &str) -> Self {
        Self::fail_owned(id, detail, aws_error.to_owned(), fix.to_owned())
    }

    pub fn fail_owned(id: CheckId, detail: String, aws_error: String, fix: String) -> Self {
        Self {
            id,
            status: Status::Fail,
            detail,
            aws_error: Some(aws_error),
            fix: Some(fix),
        }
    }
}

/// The checks of one proof: for a fleet, the fleet's own checks and each workload's.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub checks: Vec<Check>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workloads: Vec<WorkloadReport>,
}

/// The checks of one workload of a fleet.
#[derive(Debug, Clone, Serialize)]
pub struct WorkloadReport {
    pub name: String,
    pub passed: bool,
    pub checks: Vec<Check>,
}

impl WorkloadReport {
    pub fn new(name: String, checks: Vec<Check>) -> Self {
        Self {
            name,
            passed: checks.iter().all(Check::ok),
            checks,
        }
    }
}

impl Report {
    pub fn of(checks: Vec<Check>) -> Self {
        Self {
            checks,
            workloads: Vec::new(),
        }
    }

    pub fn passed(&self) -> bool {
        self.failed().next().is_none()
    }

    /// Every failed check, the fleet's and every workload's.
    pub fn failed(&self) -> impl Iterator<Item = &Check> {
        self.checks
            .iter()
            .chain(self.workloads.iter().flat_map(|w| &w.checks))
            .filter(|c| c.status == Status::Fail)
    }

    /// The report's rows. One workload: its checklist. A fleet: its own checks, then a row
    /// per workload, with the checklist of the failures of those that fail, indented.
    pub fn rows(&self, mark: impl Fn(Status) -> String) -> Vec<ChecklistRow> {
        let mut rows = checklist_rows(&self.checks, &mark);
        let width = self
            .workloads
            .iter()
            .map(|w| w.name.len())
            .max()
            .unwrap_or(0);
        for workload in &self.workloads {
            let status = match workload.passed {
                true => Status::Pass,
                false => Status::Fail,
            };
            rows.push(ChecklistRow {
                status: Some(status),
                lead: format!("  {} {:<width$}  ", mark(status), workload.name),
                text: checklist_summary(&workload.checks),
            });
            let failures: Vec<Check> = workload
                .checks
                .iter()
                .filter(|c| c.status == Status::Fail)
                .cloned()
                .collect();
            rows.extend(
                checklist_rows(&failures, &mark)
                    .into_iter()
                    .map(|row| ChecklistRow {
                        lead: format!("    {}", row.lead),
                        ..row
                    }),
            );
        }
        rows
    }

    /// The closing count.
    pub fn summary(&self) -> String {
        if self.workloads.is_empty() {
            return checklist_summary(&self.checks);
        }
        let failed = self.workloads.iter().filter(|w| !w.passed).count();
        let fleet_failed = self
            .checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .count();
        match (failed, fleet_failed) {
            (0, 0) if self.workloads.len() == 1 => "the workload passed".into(),
            (0, 0) => format!("all {} workloads passed", self.workloads.len()),
            (0, _) => format!(
                "every workload passed on its own, but {fleet_failed} fleet check(s) failed"
            ),
            _ => format!("{failed} of {} workloads failed", self.workloads.len()),
        }
    }

    /// The report as a person reads it: its rows and the closing count.
    pub fn lines(&self, mark: impl Fn(Status) -> String) -> Vec<String> {
        let mut lines: Vec<String> = self
            .rows(mark)
            .into_iter()
            .map(|row| row.lead + &row.text)
            .collect();
        lines.push(self.summary());
        lines
    }
}

impl Status {
    /// The checklist mark: ✓, !, - or ✗.
    pub fn mark(self) -> &'static str {
        match self {
            Self::Pass => "✓",
            Self::Warn => "!",
            Self::Skipped => "-",
            Self::Fail => "✗",
        }
    }
}

/// One row of the checklist before it is printed: `lead` is the mark and id on a check's own
/// row (then `status` is the check's) or the indentation of its AWS error and fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistRow {
    pub status: Option<Status>,
    pub lead: String,
    pub text: String,
}

/// The rows of the checklist: one per check, then the AWS error and the fix of each failure;
/// `mark` may colour the marks.
pub fn checklist_rows(checks: &[Check], mark: impl Fn(Status) -> String) -> Vec<ChecklistRow> {
    let mut rows = Vec::new();
    let note = |text: String| ChecklistRow {
        status: None,
        lead: "      ".into(),
        text,
    };
    for check in checks {
        rows.push(ChecklistRow {
            status: Some(check.status),
            lead: format!("  {} {:<18} ", mark(check.status), check.id.label()),
            text: check.detail.clone(),
        });
        if let Some(error) = &check.aws_error {
            rows.push(note(format!("AWS would answer: {error}")));
        }
        if let Some(fix) = &check.fix {
            rows.push(note(format!("fix: {fix}")));
        }
    }
    rows
}

/// The closing count: all passed, or how many failed.
pub fn checklist_summary(checks: &[Check]) -> String {
    let failed = checks.iter().filter(|c| c.status == Status::Fail).count();
    match failed {
        0 => format!("all {} checks passed", checks.len()),
        _ => format!("{failed} of {} checks failed", checks.len()),
    }
}

/// The checklist as a person reads it, one line per row and the closing count.
pub fn checklist(checks: &[Check], mark: impl Fn(Status) -> String) -> Vec<String> {
    let mut lines: Vec<String> = checklist_rows(checks, mark)
        .into_iter()
        .map(|row| row.lead + &row.text)
        .collect();
    lines.push(checklist_summary(checks));
    lines
}
