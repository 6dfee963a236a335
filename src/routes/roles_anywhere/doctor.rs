//! `wi-aws doctor` on the Roles Anywhere route: the trust anchor, the profile and the role as
//! AWS holds them, read back with read-only calls (rolesanywhere:GetTrustAnchor, GetProfile;
//! iam:GetRole and the role's policies), and tbot's credentials file on this host, checked
//! link by link against the written files. [`diagnose`] is pure; [`read`] and [`assume`] talk
//! to AWS.

use super::prove::RaSetup;
use super::{ResourceArn, ResourceKind, x509};
use crate::doctor::DeployedRole;
use crate::verify::check::{Check, CheckId};
use aws_sdk_iam::error::DisplayErrorContext;
use std::time::Duration;

/// A trust anchor as Roles Anywhere returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployedAnchor {
    pub arn: String,
    pub enabled: bool,
    pub source_type: String,
    /// The PEM of a CERTIFICATE_BUNDLE source.
    pub pem: Option<String>,
}

/// A profile as Roles Anywhere returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployedProfile {
    pub arn: String,
    pub enabled: bool,
    pub role_arns: Vec<String>,
    pub duration_seconds: Option<i32>,
    pub session_policy: Option<String>,
}

/// tbot's credentials file on this host: how old it is. Its content is never kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostCredentials {
    pub path: String,
    pub age: Duration,
}

/// Everything doctor read; a part that could not be read is diagnosed as such.
#[derive(Debug, Clone)]
pub struct Observed {
    pub anchor: Result<Option<DeployedAnchor>, String>,
    pub profile: Result<Option<DeployedProfile>, String>,
    pub role: Result<Option<DeployedRole>, String>,
    /// `Ok(None)`: no credentials file on this host (doctor runs where the operator is).
    pub credentials: Result<Option<HostCredentials>, String>,
}

fn unreadable(id: CheckId, what: &str, error: &str) -> Check {
    Check::fail_owned(
        id,
        format!("cannot read the {what}: {error}"),
        "unknown: doctor cannot tell what AWS holds".into(),
        "give doctor credentials that may read IAM and Roles Anywhere (rolesanywhere:Get*, iam:Get*, iam:List*), or --profile".into(),
    )
}

/// Every check of the deployed chain, in the order Roles Anywhere walks it: the anchor the SVID
/// must chain to, the profile that must list the role, the role that must trust the session,
/// and the credentials tbot writes.
pub fn diagnose(setup: &RaSetup, observed: &Observed) -> Vec<Check> {
    let mut checks = vec![
        anchor_check(setup, &observed.anchor),
        profile_check(setup, &observed.profile),
    ];
    checks.extend(role_checks(setup, &observed.role));
    checks.push(credentials_check(setup, &observed.credentials));
    checks
}

fn anchor_check(setup: &RaSetup, anchor: &Result<Option<DeployedAnchor>, String>) -> Check {
    let id = CheckId::DeployedAnchor;
    let arn = &setup.tbot.trust_anchor_arn;
    let anchor = match anchor {
        Err(error) => return unreadable(id, "trust anchor", error),
        Ok(None) => {
            return Check::fail_owned(
                id,
                format!("there is no trust anchor {arn}"),
                "ResourceNotFoundException / AccessDeniedException: the trust anchor does not exist (CreateSession)".into(),
                "apply terraform/ (or run aws-cli/setup.sh), then give its ARN in answers.yaml and render again".into(),
            );
        }
        Ok(Some(anchor)) => anchor,
    };
    if !anchor.enabled {
        return Check::fail_owned(
            id,
            format!("the trust anchor {arn} is disabled"),
            "AccessDeniedException: the trust anchor is disabled".into(),
            format!(
                "aws rolesanywhere enable-trust-anchor --trust-anchor-id {}",
                arn.rsplit('/').next().unwrap_or_default()
            ),
        );
    }
    let deployed = anchor
        .pem
        .as_deref()
        .and_then(|pem| x509::anchor_bundle(pem).ok());
    if deployed.as_deref() != Some(setup.ra.ca_bundle.as_str()) {
        return Check::fail_owned(
            id,
            format!(
                "the trust anchor holds {}, not the SPIFFE CA of the files (SHA-1 {})",
                match &anchor.pem {
                    Some(_) => "another CA bundle".to_owned(),
                    None => format!("a {} source", anchor.source_type),
                },
                setup.ra.ca_fingerprints.join(", ")
            ),
            "AccessDeniedException: Untrusted signing certificate".into(),
            "apply the rendered files again (after a CA rotation, render again from the proxy first)".into(),
        );
    }
    Check::pass(
        id,
        format!("{arn} is enabled and holds the cluster's SPIFFE CA"),
    )
}

fn profile_check(setup: &RaSetup, profile: &Result<Option<DeployedProfile>, String>) -> Check {
    let id = CheckId::DeployedProfile;
    let arn = &setup.tbot.profile_arn;
    let profile = match profile {
        Err(error) => return unreadable(id, "profile", error),
        Ok(None) => {
            return Check::fail_owned(
                id,
                format!("there is no profile {arn}"),
                "ResourceNotFoundException: the profile does not exist (CreateSession)".into(),
                "apply terraform/ (or run aws-cli/setup.sh), then give its ARN in answers.yaml and render again".into(),
            );
        }
        Ok(Some(profile)) => profile,
    };
    let role = &setup.tbot.role_arn;
    let problem = if !profile.enabled {
        Some((
            format!("the profile {arn} is disabled"),
            "AccessDeniedException: the profile is disabled",
            format!(
                "aws rolesanywhere enable-profile --profile-id {}",
                arn.rsplit('/').next().unwrap_or_default()
            ),
        ))
    } else if !profile.role_arns.contains(role) {
        Some((
            format!("the profile lists {:?}, not {role}", profile.role_arns),
            "AccessDeniedException: the profile does not allow the role",
            format!(
                "aws rolesanywhere update-profile --profile-id {} --role-arns {role}",
                arn.rsplit('/').next().unwrap_or_default()
            ),
        ))
    } else {
        None
    };
    if let Some((detail, aws_error, fix)) = problem {
        return Check::fail_owned(id, detail, aws_error.into(), fix);
    }
    let seconds = profile.duration_seconds.unwrap_or(3600);
    let renewal = setup.ra.renewal_seconds;
    if i64::from(seconds) <= i64::try_from(renewal).unwrap_or(i64::MAX) {
        return Check::fail_owned(
            id,
            format!("the profile's sessions last {seconds} s, but tbot renews every {renewal} s"),
            "ExpiredToken: The security token included in the request is expired (until tbot renews)".into(),
            format!(
                "aws rolesanywhere update-profile --profile-id {} --duration-seconds {}",
                arn.rsplit('/').next().unwrap_or_default(),
                setup.ra.profile_duration
            ),
        );
    }
    let mut check = Check::pass(
        id,
        format!("{arn} is enabled, lists {role}, sessions of {seconds} s"),
    );
    if profile.session_policy.is_some() {
        check = Check::warn(
            id,
            format!(
                "{}; it has a session policy, which narrows what the credentials may do beyond the role's policies",
                check.detail
            ),
        );
    }
    check
}

fn role_checks(setup: &RaSetup, role: &Result<Option<DeployedRole>, String>) -> Vec<Check> {
    let role = match role {
        Err(error) => return vec![unreadable(CheckId::DeployedRole, "role", error)],
        Ok(None) => {
            return vec![Check::fail_owned(
                CheckId::DeployedRole,
                format!("there is no role {}", setup.tbot.role_arn),
                "AccessDeniedException: the role does not exist".into(),
                "apply terraform/ (or run aws-cli/setup.sh)".into(),
            )];
        }
        Ok(Some(role)) => role,
    };
    let mut checks = vec![Check::pass(
        CheckId::DeployedRole,
        format!(
            "{} exists (maximum session {} s)",
            role.arn,
            role.max_session_duration.unwrap_or(3600)
        ),
    )];
    // The tags Roles Anywhere would derive from tbot's SVID for this SPIFFE ID.
    let mut tags = std::collections::BTreeMap::new();
    tags.insert(
        "x509SAN/URI".to_owned(),
        setup.plan.workload.spiffe_id.to_string(),
    );
    let anchor = ResourceArn::parse(&setup.tbot.trust_anchor_arn, ResourceKind::TrustAnchor)
        .map(|arn| arn.to_string())
        .unwrap_or_default();
    checks.push(super::prove::session_trust_check(
        CheckId::DeployedTrust,
        &role.trust_policy,
        &tags,
        &anchor,
    ));
    checks.extend(crate::doctor::permission_checks(&setup.plan, role));
    checks
}

fn credentials_check(
    setup: &RaSetup,
    credentials: &Result<Option<HostCredentials>, String>,
) -> Check {
    let id = CheckId::CredentialsAge;
    let renewal = Duration::from_secs(setup.ra.renewal_seconds);
    match credentials {
        Err(error) => Check::fail_owned(
            id,
            error.clone(),
            "(in the SDK) Unable to locate credentials".into(),
            "run doctor as a user that may read tbot's destination".into(),
        ),
        Ok(None) => Check::skipped(
            id,
            "no credentials file on this host: run doctor where tbot writes it to check its age",
        ),
        // Twice the renewal interval: one missed renewal is tbot retrying, two are tbot stopped.
        Ok(Some(file)) if file.age > renewal * 2 => Check::fail_owned(
            id,
            format!(
                "{} was last written {} s ago; tbot renews every {} s",
                file.path,
                file.age.as_secs(),
                renewal.as_secs()
            ),
            "ExpiredToken: The security token included in the request is expired".into(),
            "check that tbot is running (its log names Roles Anywhere's answer to CreateSession)"
                .into(),
        ),
        Ok(Some(file)) => Check::pass(
            id,
            format!(
                "{} was written {} s ago, within tbot's renewal of {} s",
                file.path,
                file.age.as_secs(),
                renewal.as_secs()
            ),
        ),
    }
}

fn said<E: std::error::Error>(call: &str, error: E) -> String {
    format!("{call}: {}", DisplayErrorContext(error))
}

/// The anchor and the profile tbot names, and the role: read-only calls. An ARN that is not
/// one (a placeholder) reads as absent.
pub async fn read(config: &aws_config::SdkConfig, setup: &RaSetup) -> Observed {
    let client = aws_sdk_rolesanywhere::Client::new(config);
    let iam = aws_sdk_iam::Client::new(config);
    let anchor_id = ResourceArn::parse(&setup.tbot.trust_anchor_arn, ResourceKind::TrustAnchor)
        .ok()
        .map(|arn| arn.id);
    let profile_id = ResourceArn::parse(&setup.tbot.profile_arn, ResourceKind::Profile)
        .ok()
        .map(|arn| arn.id);
    let anchor = async {
        let Some(id) = anchor_id else {
            return Ok(None);
        };
        match client.get_trust_anchor().trust_anchor_id(id).send().await {
            Ok(answer) => Ok(answer.trust_anchor().map(|anchor| {
                let source = anchor.source();
                DeployedAnchor {
                    arn: anchor.trust_anchor_arn().unwrap_or_default().to_owned(),
                    enabled: anchor.enabled().unwrap_or(false),
                    source_type: source
                        .and_then(|s| s.source_type())
                        .map(|t| t.as_str().to_owned())
                        .unwrap_or_default(),
                    pem: source
                        .and_then(|s| s.source_data())
                        .and_then(|data| match data {
                            aws_sdk_rolesanywhere::types::SourceData::X509CertificateData(pem) => {
                                Some(pem.clone())
                            }
                            _ => None,
                        }),
                }
            })),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(error) => Err(said("rolesanywhere:GetTrustAnchor", error)),
        }
    };
    let profile = async {
        let Some(id) = profile_id else {
            return Ok(None);
        };
        match client.get_profile().profile_id(id).send().await {
            Ok(answer) => Ok(answer.profile().map(|profile| DeployedProfile {
                arn: profile.profile_arn().unwrap_or_default().to_owned(),
                enabled: profile.enabled().unwrap_or(false),
                role_arns: profile.role_arns().to_vec(),
                duration_seconds: profile.duration_seconds(),
                session_policy: profile.session_policy().map(str::to_owned),
            })),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(error) => Err(said("rolesanywhere:GetProfile", error)),
        }
    };
    let role_name = setup.plan.aws.role_name.clone();
    let (anchor, profile, role) =
        tokio::join!(anchor, profile, crate::doctor::read::role(&iam, &role_name));
    Observed {
        anchor,
        profile,
        role,
        credentials: Ok(None),
    }
}

/// `sts:GetCallerIdentity` with the credentials of tbot's file (section `profile`): the ARN AWS
/// says they belong to. The credentials are read here and dropped; nothing is printed.
pub async fn assume(
    config: &aws_config::SdkConfig,
    file_text: &str,
    profile: &str,
) -> Result<String, String> {
    let sections = crate::verify::parse_ini(file_text);
    let section = sections
        .get(profile)
        .ok_or_else(|| format!("the credentials file has no [{profile}] section"))?;
    let get = |key: &str| {
        section
            .get(key)
            .cloned()
            .ok_or_else(|| format!("the credentials file's [{profile}] has no {key}"))
    };
    let credentials = aws_sdk_sts::config::Credentials::new(
        get("aws_access_key_id")?,
        get("aws_secret_access_key")?,
        section.get("aws_session_token").cloned(),
        None,
        "tbot's credentials file",
    );
    let sts_config = aws_sdk_sts::config::Builder::from(config)
        .credentials_provider(credentials)
        .build();
    let sts = aws_sdk_sts::Client::from_conf(sts_config);
    match sts.get_caller_identity().send().await {
        Ok(answer) => Ok(answer.arn().unwrap_or_default().to_owned()),
        Err(error) => Err(crate::doctor::read::sts_said(
            "sts:GetCallerIdentity",
            error,
        )),
    }
}
