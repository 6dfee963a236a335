//! The Roles Anywhere route's answers, checked: the trust anchor (the cluster's SPIFFE CA),
//! the profile that lists the role, and tbot's session. Called from `answers::plan::assess`
//! only when `aws.route` is `roles-anywhere`, with the same checker, so its problems are
//! reported with the others, each at its line.

use super::x509;
use super::{
    AnchorMode, ArnError, CREATE_SESSION_SECONDS, FIRST_TELEPORT_VERSION, ResourceArn,
    ResourceKind, SessionProblem,
};
use crate::answers::plan::{AwsSetup, Checker, Cluster, Plan, Workload, derived};
use crate::answers::problem::Advice;
use crate::answers::steps::FieldId;
use crate::domain::teleport::{self, TeleportApi};
use serde::Serialize;
use thiserror::Error;

/// What a written file holds where an ARN that AWS assigns at apply is not known yet. Verify
/// fails on it by name: it is never an ARN.
pub const PENDING_ARN: &str = "PENDING-known-after-apply";

/// The role's maximum session duration: IAM's range is 3,600 to 43,200 seconds (IAM API
/// reference, CreateRole `MaxSessionDuration`), and it must not cut the profile's session
/// short.
pub fn role_max_session_seconds(profile_seconds: u64) -> u64 {
    profile_seconds.clamp(3600, 43_200)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolesAnywherePlan {
    pub trust_anchor: AnchorMode,
    /// The name of the anchor the artifacts create (`create` only).
    pub trust_anchor_name: Option<String>,
    /// Known for an existing anchor, and for a created one after apply.
    pub trust_anchor_arn: Option<String>,
    /// The SPIFFE CA certificates, as one normalized PEM bundle.
    pub ca_bundle: String,
    /// SHA-1 of each certificate, lowercase hex, to compare with `openssl x509 -fingerprint`.
    pub ca_fingerprints: Vec<String>,
    pub profile_name: String,
    pub profile_arn: Option<String>,
    /// The profile's `durationSeconds`.
    pub profile_duration: u64,
    pub role_max_session: u64,
    /// tbot's `session_duration` and `session_renewal_interval`, as written and in seconds.
    pub session_duration: String,
    pub session_renewal_interval: String,
    pub session_seconds: u64,
    pub renewal_seconds: u64,
    pub credential_profile: String,
    pub artifact_name: &'static str,
}

impl RolesAnywherePlan {
    /// The anchor's ARN as the files name it: the known one, or [`PENDING_ARN`].
    pub fn trust_anchor_arn_or_pending(&self) -> &str {
        self.trust_anchor_arn.as_deref().unwrap_or(PENDING_ARN)
    }

    pub fn profile_arn_or_pending(&self) -> &str {
        self.profile_arn.as_deref().unwrap_or(PENDING_ARN)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RouteError {
    #[error(
        "the roles-anywhere route needs tbot's {service} service, which Teleport has from {}.{}.{}; this cluster runs {version}",
        FIRST_TELEPORT_VERSION.0, FIRST_TELEPORT_VERSION.1, FIRST_TELEPORT_VERSION.2
    )]
    TooOld {
        service: &'static str,
        version: String,
    },
    #[error(
        "the roles-anywhere route needs the workload-identity API generation, not the legacy spiffe-svid output"
    )]
    Legacy,
    #[error("an existing trust anchor is named by its ARN")]
    ExistingNeedsArn,
    #[error("the {kind} is in {arn_place}, but the answers put the workload in {planned}")]
    Elsewhere {
        kind: &'static str,
        arn_place: String,
        planned: String,
    },
    #[error(
        "the profile's durationSeconds is {0}; CreateProfile takes 900 to 43200 (API reference, CreateProfile)"
    )]
    ProfileDuration(String),
    #[error(
        "tbot asks for sessions of {session} ({seconds} s), longer than the profile's {profile} s: the credentials would last only the profile's duration"
    )]
    SessionOverProfile {
        session: String,
        seconds: u64,
        profile: u64,
    },
    #[error(
        "tbot asks for sessions of {session} ({seconds} s), longer than the role's longest session ({role} s): CreateSession would refuse them"
    )]
    SessionOverRole {
        session: String,
        seconds: u64,
        role: u64,
    },
    #[error("a profile name in a credentials file is 1 to 64 letters, digits, '.', '_' or '-'")]
    CredentialProfile,
    #[error(
        "the bundle is {0} characters as PEM; a trust anchor holds at most {MAX_BUNDLE_CHARACTERS} (API reference, SourceData x509CertificateData)"
    )]
    BundleTooLong(usize),
}

/// CreateTrustAnchor's `x509CertificateData`: 1 to 8,000 characters (API reference, SourceData).
pub const MAX_BUNDLE_CHARACTERS: usize = 8000;

impl Advice for RouteError {
    fn fix(&self) -> String {
        match self {
            Self::TooOld { .. } => format!(
                "upgrade the cluster to {}.{}.{} or later, or take aws.route oidc",
                FIRST_TELEPORT_VERSION.0, FIRST_TELEPORT_VERSION.1, FIRST_TELEPORT_VERSION.2
            ),
            Self::Legacy => "write teleport.api: workload-identity (or auto), or take aws.route oidc".into(),
            Self::ExistingNeedsArn => "give roles_anywhere.trust_anchor_arn (`aws rolesanywhere list-trust-anchors`), or write trust_anchor: create".into(),
            Self::Elsewhere { .. } => "use the ARN of the region and account in aws.region and aws.account_id".into(),
            Self::ProfileDuration(_) => "write seconds between 900 and 43200, e.g. 21600 for 6h".into(),
            Self::SessionOverProfile { seconds, .. } => format!(
                "raise roles_anywhere.profile_duration to at least {seconds}, or shorten tbot.session_duration"
            ),
            Self::SessionOverRole { seconds, .. } => format!(
                "raise aws.max_session_duration to at least {seconds} (or leave it out: it follows the profile), or shorten tbot.session_duration"
            ),
            Self::CredentialProfile => "write a name such as default or reports".into(),
            Self::BundleTooLong(_) => "keep only the cluster's SPIFFE CA certificates (`tctl auth export --type tls-spiffe`); drop others".into(),
        }
    }
}

impl Advice for ArnError {
    fn fix(&self) -> String {
        "copy the ARN as AWS prints it (`aws rolesanywhere list-trust-anchors` or `list-profiles`)"
            .into()
    }
}

impl Advice for SessionProblem {
    fn fix(&self) -> String {
        match self {
            Self::Unreadable { .. } => "write it like 6h, 90m or 1h30m".into(),
            Self::TooLong(_) => "write at most 12h".into(),
            Self::TooShort(_) => "write at least 15m".into(),
            Self::RenewalNotShorter { .. } => {
                "make tbot.session_renewal_interval shorter than tbot.session_duration, e.g. 1h against 6h".into()
            }
        }
    }
}

impl Advice for x509::X509Problem {
    fn fix(&self) -> String {
        "use the cluster's SPIFFE CA: leave roles_anywhere.ca_bundle out and let wi-aws ask the proxy, or paste the PEM of `tctl auth export --type tls-spiffe`".into()
    }
}

/// Why a CA bundle answer is refused: as a trust anchor, or as CreateTrustAnchor's input.
#[derive(Debug, Error)]
enum BundleProblem {
    #[error(transparent)]
    X509(x509::X509Problem),
    #[error(transparent)]
    Route(RouteError),
}

impl Advice for BundleProblem {
    fn fix(&self) -> String {
        match self {
            Self::X509(problem) => problem.fix(),
            Self::Route(problem) => problem.fix(),
        }
    }
}

/// The answers' ARN of `kind`, when given: its shape, and that it is in the answers' region
/// and account, where the role and the workload are.
fn check_arn(
    check: &mut Checker<'_>,
    id: FieldId,
    kind: ResourceKind,
    aws: Option<&AwsSetup>,
) -> Option<Option<String>> {
    let arn = check.optional_text(id, |text| {
        ResourceArn::parse(text, kind).map(|arn| arn.to_string())
    })?;
    if let (Some(text), Some(aws)) = (&arn, aws)
        && let Ok(parsed) = ResourceArn::parse(text, kind)
        && (parsed.region != aws.region
            || parsed.account_id != aws.account_id
            || parsed.partition != aws.partition)
    {
        let error = RouteError::Elsewhere {
            kind: match kind {
                ResourceKind::TrustAnchor => "trust anchor",
                ResourceKind::Profile => "profile",
            },
            arn_place: format!(
                "{} {} {}",
                parsed.partition.id(),
                parsed.region,
                parsed.account_id
            ),
            planned: format!("{} {} {}", aws.partition.id(), aws.region, aws.account_id),
        };
        check.report(id, Some(text), &error);
        return None;
    }
    Some(arn)
}

pub(crate) fn check(
    check: &mut Checker<'_>,
    cluster: Option<&Cluster>,
    workload: Option<&Workload>,
    aws: Option<&AwsSetup>,
) -> Option<RolesAnywherePlan> {
    if let Some(version) = cluster.and_then(|c| c.version.as_deref())
        && teleport::parse_version(version).is_some_and(|v| v < FIRST_TELEPORT_VERSION)
    {
        let error = RouteError::TooOld {
            service: super::TBOT_SERVICE,
            version: version.to_owned(),
        };
        check.report(FieldId::Version, Some(version), &error);
    }
    if workload.is_some_and(|w| w.api == TeleportApi::LegacySpiffe) {
        check.report(FieldId::Route, Some("roles-anywhere"), &RouteError::Legacy);
    }
    let mode = check.choice(FieldId::TrustAnchor, AnchorMode::parse);
    let anchor_name = match mode {
        Some(AnchorMode::Create) => check
            .text(
                FieldId::TrustAnchorName,
                derived(
                    FieldId::ClusterName,
                    cluster.map(|c| default_anchor_name(&c.cluster_name)),
                ),
                |v| super::parse_name(v, "trust anchor"),
            )
            .map(Some),
        _ => Some(None),
    };
    let anchor_arn = check_arn(
        check,
        FieldId::TrustAnchorArn,
        ResourceKind::TrustAnchor,
        aws,
    );
    if mode == Some(AnchorMode::Existing) && anchor_arn == Some(None) {
        check.report(FieldId::TrustAnchorArn, None, &RouteError::ExistingNeedsArn);
    }
    let bundle = check.text(FieldId::CaBundle, None, |text| {
        let bundle = x509::anchor_bundle(text).map_err(BundleProblem::X509)?;
        match bundle.len() > MAX_BUNDLE_CHARACTERS {
            true => Err(BundleProblem::Route(RouteError::BundleTooLong(
                bundle.len(),
            ))),
            false => Ok(bundle),
        }
    });
    let profile_name = check.text(
        FieldId::RaProfileName,
        derived(FieldId::RoleName, aws.map(|a| a.role_name.clone())),
        |v| super::parse_name(v, "profile"),
    );
    let profile_arn = check_arn(check, FieldId::RaProfileArn, ResourceKind::Profile, aws);
    let session = check_session(check);
    let profile_duration = check.text(
        FieldId::ProfileDuration,
        derived(
            FieldId::SessionDuration,
            session.as_ref().map(|s| s.2.to_string()),
        ),
        |v| match v.parse::<u64>() {
            Ok(seconds) if CREATE_SESSION_SECONDS.contains(&seconds) => Ok(seconds.to_string()),
            _ => Err(RouteError::ProfileDuration(v.to_owned())),
        },
    );
    let profile_duration: Option<u64> = profile_duration.and_then(|v| v.parse().ok());
    if let (Some((duration, _, seconds, _)), Some(profile)) = (&session, profile_duration)
        && *seconds > profile
    {
        let error = RouteError::SessionOverProfile {
            session: duration.clone(),
            seconds: *seconds,
            profile,
        };
        check.report(FieldId::ProfileDuration, Some(&profile.to_string()), &error);
    }
    let credential_profile = check.text(
        FieldId::CredentialProfile,
        derived(FieldId::Profile, aws.map(|a| a.profile.clone())),
        |v| {
            let fits = !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
            fits.then(|| v.to_owned())
                .ok_or(RouteError::CredentialProfile)
        },
    );
    let bundle = bundle?;
    let ca_fingerprints = x509::pem_certificates(&bundle, "the trust anchor bundle")
        .ok()?
        .iter()
        .map(|der| crate::domain::thumbprint::of_certificate(der))
        .collect();
    // The role's longest session: the answer when given (never shorter than tbot's sessions),
    // else the profile's.
    let given_role_max = aws.and_then(|aws| aws.max_session_duration);
    if let (Some((duration, _, seconds, _)), Some(role)) = (&session, given_role_max)
        && *seconds > role
    {
        let error = RouteError::SessionOverRole {
            session: duration.clone(),
            seconds: *seconds,
            role,
        };
        check.report(FieldId::MaxSessionDuration, Some(&role.to_string()), &error);
    }
    let (session_duration, session_renewal_interval, session_seconds, renewal_seconds) = session?;
    let profile_duration = profile_duration?;
    Some(RolesAnywherePlan {
        trust_anchor: mode?,
        trust_anchor_name: anchor_name?,
        trust_anchor_arn: anchor_arn?,
        ca_bundle: bundle,
        ca_fingerprints,
        profile_name: profile_name?,
        profile_arn: profile_arn?,
        profile_duration,
        role_max_session: given_role_max
            .unwrap_or_else(|| role_max_session_seconds(profile_duration)),
        session_duration,
        session_renewal_interval,
        session_seconds,
        renewal_seconds,
        credential_profile: credential_profile?,
        artifact_name: super::DEFAULT_ARTIFACT_NAME,
    })
}

/// tbot's session and renewal, each reported on its own field.
fn check_session(check: &mut Checker<'_>) -> Option<(String, String, u64, u64)> {
    let duration = check.text(FieldId::SessionDuration, None, |v| {
        super::tbot_session(Some(v), Some("1s"))
            .map(|_| v.to_owned())
            .or_else(|problem| match problem {
                SessionProblem::RenewalNotShorter { .. } => Ok(v.to_owned()),
                other => Err(other),
            })
    });
    let renewal = check.text(
        FieldId::SessionRenewalInterval,
        None,
        |v| match super::tbot_session(duration.as_deref().or(Some("12h")), Some(v)) {
            Err(problem @ SessionProblem::Unreadable { .. })
            | Err(problem @ SessionProblem::RenewalNotShorter { .. }) => Err(problem),
            _ => Ok(v.to_owned()),
        },
    );
    let (duration, renewal) = (duration?, renewal?);
    let (seconds, renewal_seconds) = super::tbot_session(Some(&duration), Some(&renewal)).ok()?;
    Some((duration, renewal, seconds, renewal_seconds))
}

/// The anchor's default name: the cluster's, which names its SPIFFE CA, in the characters a
/// trust anchor's name allows.
pub fn default_anchor_name(cluster_name: &str) -> String {
    let name: String = cluster_name
        .chars()
        .map(|c| match c.is_ascii_alphanumeric() || c == '_' {
            true => c,
            false => '-',
        })
        .collect();
    format!("{name}-spiffe")
        .chars()
        .take(super::MAX_NAME_LENGTH)
        .collect()
}

/// What the route's plan may surprise a user with.
pub(crate) fn warnings(plan: &Plan) -> Vec<String> {
    let mut warnings = Vec::new();
    let Some(ra) = &plan.roles_anywhere else {
        return warnings;
    };
    let pending: Vec<&str> = [
        (
            ra.trust_anchor_arn.is_none(),
            "roles_anywhere.trust_anchor_arn",
        ),
        (ra.profile_arn.is_none(), "roles_anywhere.profile_arn"),
    ]
    .into_iter()
    .filter_map(|(missing, key)| missing.then_some(key))
    .collect();
    if !pending.is_empty() {
        warnings.push(format!(
            "{} not known until apply: tbot's file names {PENDING_ARN} instead, and verify fails on it until they are given and the files rendered again (NEXT-STEPS.md)",
            pending.join(" and ")
        ));
    }
    if ra.ca_fingerprints.len() == 1 {
        warnings.push("the trust anchor holds one SPIFFE CA certificate: after a CA rotation, SVIDs from the new CA are refused until the anchor holds it too (render again from the proxy and apply)".into());
    }
    warnings
}
