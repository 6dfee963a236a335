//! What the files of a Roles Anywhere set must agree on, each file as written: tbot's service
//! and session, the durations of tbot, profile and role, the trust anchor's bundle in every
//! file, main.tf, the AWS CLI script, the profile, tbot's ARNs and the workload's environment.
//! The SVID and the trust policy are [`super::prove`]'s.

use super::plan::PENDING_ARN;
use super::prove::{RaService, RaSetup};
use super::x509;
use super::{ResourceArn, ResourceKind, SessionProblem};
use crate::verify::check::{Check, CheckId};
use crate::verify::terraform;
use serde_json::Value;
use std::time::SystemTime;

pub(super) fn service_check(tbot: &RaService) -> Check {
    if tbot.kind != super::TBOT_SERVICE {
        return Check::fail_owned(
            CheckId::TbotService,
            format!(
                "tbot/services.yaml's service is {:?}, not {}",
                tbot.kind,
                super::TBOT_SERVICE
            ),
            "(before AWS) tbot writes no AWS credentials".into(),
            format!("write type: {}", super::TBOT_SERVICE),
        );
    }
    let (file, profile) = tbot.credentials();
    Check::pass(
        CheckId::TbotService,
        format!("{} writes {file}, section [{profile}]", super::TBOT_SERVICE),
    )
}

/// tbot's own rules for the session it asks for (`super::tbot_session`), on the file as written;
/// the seconds of the session and of its renewal when they hold.
pub(super) fn timing_check(tbot: &RaService) -> (Check, Option<(u64, u64)>) {
    let duration = tbot.session_duration.as_deref();
    let renewal = tbot.session_renewal_interval.as_deref();
    match super::tbot_session(duration, renewal) {
        Ok((seconds, renewal_seconds)) => (
            Check::pass(
                CheckId::TbotTiming,
                format!(
                    "sessions of {} renewed every {}, before they expire",
                    duration.unwrap_or(super::DEFAULT_SESSION_DURATION_TEXT),
                    renewal.unwrap_or(super::DEFAULT_SESSION_RENEWAL_TEXT)
                ),
            ),
            Some((seconds, renewal_seconds)),
        ),
        Err(problem) => {
            use crate::answers::problem::Advice;
            let aws_error = match &problem {
                SessionProblem::RenewalNotShorter { .. } => {
                    "ExpiredToken: The security token included in the request is expired (now and then, until tbot renews)"
                }
                SessionProblem::TooShort(_) => {
                    "ValidationException: durationSeconds must be at least 900"
                }
                SessionProblem::TooLong(_) | SessionProblem::Unreadable { .. } => {
                    "(before AWS) tbot does not start with this service configuration"
                }
            };
            (
                Check::fail_owned(
                    CheckId::TbotTiming,
                    format!("tbot/services.yaml: {problem}"),
                    aws_error.to_owned(),
                    problem.fix(),
                ),
                None,
            )
        }
    }
}

/// The session tbot asks for against the profile's duration and the role's maximum, as
/// main.tf and setup.sh write them: the credentials last no longer than any of the three, so
/// tbot must renew them before the shortest ends.
pub(super) fn durations_check(setup: &RaSetup, session: Option<(u64, u64)>) -> Check {
    let id = CheckId::SessionDurations;
    let Some((session, renewal)) = session else {
        return Check::skipped(id, "not evaluated: tbot's session settings fail first");
    };
    let script = |name: &str| {
        setup
            .setup_script
            .get(name)
            .and_then(|v| v.parse::<u64>().ok())
    };
    let sources = [
        (
            "main.tf's profile duration_seconds",
            setup.terraform_number(&format!("{}.duration_seconds", terraform::RA_PROFILE)),
        ),
        ("setup.sh's profile_duration", script("profile_duration")),
        (
            "main.tf's role max_session_duration",
            setup.terraform_number(&format!("{}.max_session_duration", terraform::ROLE)),
        ),
        ("setup.sh's role_max_session", script("role_max_session")),
    ];
    let mut limits = Vec::new();
    for (what, value) in sources {
        match value {
            Some(seconds) => limits.push((what, seconds)),
            None => {
                return Check::fail_owned(
                    id,
                    format!("{what} cannot be read"),
                    "unknown: wi-aws cannot tell how long the credentials last".into(),
                    "re-render the artifacts instead of editing them by hand".into(),
                );
            }
        }
    }
    let Some((shortest_what, shortest)) = limits.iter().min_by_key(|(_, s)| *s).copied() else {
        return Check::skipped(id, "no limits to compare");
    };
    if renewal >= shortest.min(session) {
        return Check::fail_owned(
            id,
            format!(
                "the credentials last {} s ({shortest_what}, tbot asks {session} s), but tbot renews them every {renewal} s",
                shortest.min(session)
            ),
            "ExpiredToken: The security token included in the request is expired (until tbot renews)".into(),
            format!(
                "make tbot.session_renewal_interval shorter than {} s, or raise roles_anywhere.profile_duration",
                shortest.min(session)
            ),
        );
    }
    if session > shortest {
        return Check::fail_owned(
            id,
            format!("tbot asks for sessions of {session} s, longer than {shortest_what} ({shortest} s)"),
            "ValidationException or a shorter session than asked: the profile and the role bound the session".into(),
            format!("raise roles_anywhere.profile_duration to at least {session}, or shorten tbot.session_duration"),
        );
    }
    // Each file holds the answers' durations (the role's maximum is aws.max_session_duration
    // when given): a file edited to a longer one fits tbot but is not what was proven.
    let (profile, role) = (setup.ra.profile_duration, setup.ra.role_max_session);
    let answered = [profile, profile, role, role];
    if let Some(((what, found), planned)) = limits
        .iter()
        .zip(answered)
        .find(|((_, found), planned)| found != planned)
    {
        return Check::fail_owned(
            id,
            format!("{what} is {found} s, the answers {planned} s"),
            "none at once: the deployed durations would not be those verify proved".into(),
            "set roles_anywhere.profile_duration or aws.max_session_duration and render again instead of editing the file".into(),
        );
    }
    Check::pass(
        id,
        format!(
            "sessions of {session} s fit the profile's {} s and the role's maximum of {} s; renewed every {renewal} s",
            setup.ra.profile_duration, setup.ra.role_max_session
        ),
    )
}

/// The bundle every file gives the trust anchor is the one the answers hold (read from the
/// proxy), and each of its certificates can anchor Roles Anywhere now.
pub(super) fn anchor_bundle_check(setup: &RaSetup, now: SystemTime) -> Check {
    let id = CheckId::AnchorBundle;
    let expected = &setup.ra.ca_bundle;
    let source_json: Option<String> = setup
        .setup_script
        .get("trust_anchor_source")
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .and_then(|source| {
            source["sourceData"]["x509CertificateData"]
                .as_str()
                .map(str::to_owned)
        });
    let mut written = vec![
        ("iam/trust-anchor.pem", Some(setup.anchor_pem.clone())),
        ("aws-cli/setup.sh's trust_anchor_source", source_json),
    ];
    if setup.ra.trust_anchor == super::AnchorMode::Create {
        written.push((
            "main.tf's trust anchor",
            setup.terraform_string(&format!(
                "{}.source.source_data.x509_certificate_data",
                terraform::TRUST_ANCHOR
            )),
        ));
    }
    for (what, bundle) in written {
        let same = bundle
            .as_deref()
            .and_then(|pem| x509::anchor_bundle(pem).ok())
            .is_some_and(|normalized| normalized == *expected);
        if !same {
            return Check::fail_owned(
                id,
                format!(
                    "{what} is not the SPIFFE CA bundle of answers.yaml (fingerprints {})",
                    setup.ra.ca_fingerprints.join(", ")
                ),
                "AccessDeniedException: Untrusted signing certificate (the anchor holds another CA)".into(),
                "re-render the artifacts from the proxy's bundle instead of editing one file".into(),
            );
        }
    }
    let judged = match x509::judge_anchor(expected, now) {
        Ok(judged) => judged,
        Err(problem) => {
            return Check::fail_owned(
                id,
                problem.to_string(),
                "ValidationException when creating the trust anchor".into(),
                "give the cluster's SPIFFE CA (`tctl auth export --type tls-spiffe`)".into(),
            );
        }
    };
    let mut fit = Vec::new();
    for certificate in judged {
        match certificate {
            Ok(certificate) => fit.push(format!(
                "{} (until {}, SHA-1 {})",
                certificate.subject, certificate.not_after, certificate.fingerprint
            )),
            Err(problem) => {
                return Check::fail_owned(
                    id,
                    problem.to_string(),
                    "AccessDeniedException: Untrusted signing certificate".into(),
                    "render again from the proxy's current SPIFFE CA and apply (after a CA rotation, the anchor must hold the new CA)".into(),
                );
            }
        }
    }
    Check::pass(
        id,
        format!(
            "main.tf, setup.sh and trust-anchor.pem hold the cluster's SPIFFE CA: {}",
            fit.join("; ")
        ),
    )
}

pub(super) fn terraform_check(setup: &RaSetup) -> Check {
    match &setup.terraform {
        Ok(_) => Check::pass(
            CheckId::Terraform,
            "main.tf resolves every reference: the anchor, the role, its policy and the profile",
        ),
        Err(error) => crate::verify::terraform_unresolved(error),
    }
}

/// The AWS CLI script creates the role, the profile and the anchor of the answers.
pub(super) fn setup_script_check(setup: &RaSetup) -> Check {
    let plan = &setup.plan;
    let ra = &setup.ra;
    let expected = [
        ("account", plan.aws.account_id.clone()),
        ("region", plan.aws.region.clone()),
        ("spiffe_id", plan.workload.spiffe_id.to_string()),
        ("role_arn", plan.role_arn()),
        ("profile_name", ra.profile_name.clone()),
        (
            "trust_anchor_name",
            ra.trust_anchor_name.clone().unwrap_or_default(),
        ),
    ];
    for (name, value) in expected {
        if setup.setup_script.get(name) != Some(&value) {
            return Check::fail_owned(
                CheckId::AwsCliScript,
                format!(
                    "aws-cli/setup.sh sets {name}={:?}, but the other artifacts need {value:?}",
                    setup.setup_script.get(name).cloned().unwrap_or_default()
                ),
                "resources created with the AWS CLI would not match tbot's file".into(),
                "re-render instead of editing one file by hand".into(),
            );
        }
    }
    Check::pass(
        CheckId::AwsCliScript,
        "creates the trust anchor, role and profile the answers and tbot's file name",
    )
}

/// The profile lists the role, is enabled, and main.tf gives it the answers' name.
pub(super) fn profile_check(setup: &RaSetup) -> Check {
    let id = CheckId::RaProfile;
    let key = |attribute: &str| format!("{}.{attribute}", terraform::RA_PROFILE);
    let Ok(values) = &setup.terraform else {
        return Check::skipped(id, "not evaluated: main.tf does not evaluate");
    };
    let roles = terraform::list_attribute(values, &key("role_arns")).unwrap_or_default();
    let role = setup.role_arn();
    let enabled = matches!(
        setup.terraform_value(&key("enabled")),
        Some(hcl::Value::Bool(true))
    );
    let name = terraform::string_attribute(values, &key("name"));
    let problem = if !roles.contains(&role) {
        Some(format!(
            "main.tf's profile lists {roles:?}, not the role {role}"
        ))
    } else if roles.len() > super::MAX_PROFILE_ROLES {
        Some(format!(
            "main.tf's profile lists {} roles; a profile holds at most {}",
            roles.len(),
            super::MAX_PROFILE_ROLES
        ))
    } else if !enabled {
        Some("main.tf's profile is not enabled".to_owned())
    } else if name.as_deref() != Some(setup.ra.profile_name.as_str()) {
        Some(format!(
            "main.tf's profile is named {name:?}, the answers say {:?}",
            setup.ra.profile_name
        ))
    } else {
        None
    };
    verdict(
        id,
        problem,
        "AccessDeniedException: the profile does not allow the role (CreateSession)",
        "re-render: the profile lists the workload's role and is enabled",
        format!("the profile lists {role} and is enabled"),
    )
}

/// The first problem found, failing with AWS's error and the fix; else a pass.
fn verdict(
    id: CheckId,
    problem: Option<String>,
    aws_error: &str,
    fix: &str,
    holds: String,
) -> Check {
    match problem {
        Some(problem) => Check::fail(id, problem, aws_error, fix),
        None => Check::pass(id, holds),
    }
}

/// tbot's three ARNs: the role main.tf creates, and the anchor and profile AWS assigned, in
/// the answers' partition, region and account; a placeholder is a failure.
pub(super) fn arns_check(setup: &RaSetup, tf_anchor: Option<&str>) -> Check {
    let id = CheckId::TbotArns;
    let tbot = &setup.tbot;
    let plan = &setup.plan;
    let pending_fix = "after apply, give roles_anywhere.trust_anchor_arn and roles_anywhere.profile_arn (terraform output, or what aws-cli/setup.sh printed) in answers.yaml and render again";
    let fail = |detail: String, fix: &str| {
        Check::fail_owned(
            id,
            detail,
            "(before AWS) tbot's CreateSession names a trust anchor, profile or role that does not exist: ValidationException or AccessDeniedException".into(),
            fix.to_owned(),
        )
    };
    let pending: Vec<&str> = [
        ("trust_anchor_arn", tbot.trust_anchor_arn.as_str()),
        ("profile_arn", tbot.profile_arn.as_str()),
    ]
    .into_iter()
    .filter(|(_, value)| value.contains(PENDING_ARN))
    .map(|(key, _)| key)
    .collect();
    if !pending.is_empty() {
        return fail(
            format!(
                "tbot/services.yaml names {PENDING_ARN} for {}: the ARNs are known only after apply",
                pending.join(" and ")
            ),
            pending_fix,
        );
    }
    if tbot.role_arn != setup.role_arn() {
        return fail(
            format!(
                "tbot asks for the role {:?}, but main.tf creates {}",
                tbot.role_arn,
                setup.role_arn()
            ),
            "re-render instead of editing tbot/services.yaml",
        );
    }
    if tbot.region != plan.aws.region {
        return fail(
            format!(
                "tbot asks region {:?}, the answers are for {}",
                tbot.region, plan.aws.region
            ),
            "re-render instead of editing tbot/services.yaml",
        );
    }
    for (key, value, kind) in [
        (
            "trust_anchor_arn",
            &tbot.trust_anchor_arn,
            ResourceKind::TrustAnchor,
        ),
        ("profile_arn", &tbot.profile_arn, ResourceKind::Profile),
    ] {
        let arn = match ResourceArn::parse(value, kind) {
            Ok(arn) => arn,
            Err(problem) => return fail(format!("tbot's {key} {value:?}: {problem}"), pending_fix),
        };
        if arn.partition != plan.aws.partition
            || arn.region != plan.aws.region
            || arn.account_id != plan.aws.account_id
        {
            return fail(
                format!(
                    "tbot's {key} {value} is not in {} {} {}",
                    plan.aws.partition.id(),
                    plan.aws.region,
                    plan.aws.account_id
                ),
                "give the ARN of the anchor and profile in the answers' account and region",
            );
        }
    }
    if setup.ra.trust_anchor == super::AnchorMode::Existing
        && tf_anchor.is_some_and(|anchor| anchor != tbot.trust_anchor_arn)
    {
        return fail(
            format!(
                "tbot names the trust anchor {}, but the role trusts {}",
                tbot.trust_anchor_arn,
                tf_anchor.unwrap_or_default()
            ),
            "re-render instead of editing one file",
        );
    }
    Check::pass(
        id,
        format!(
            "tbot names the role {}, the trust anchor {} and the profile {}",
            tbot.role_arn, tbot.trust_anchor_arn, tbot.profile_arn
        ),
    )
}

/// The workload's environment reads the credentials file tbot writes, at the section it writes.
pub(super) fn environment_check(setup: &RaSetup) -> Check {
    let id = CheckId::EnvCredentials;
    let (file, profile) = setup.tbot.credentials();
    let env_file = setup.env.get("AWS_SHARED_CREDENTIALS_FILE");
    let env_profile = setup.env.get("AWS_PROFILE");
    let section = match profile.as_str() {
        "default" => "default".to_owned(),
        name => format!("profile {name}"),
    };
    let source = &setup.env_source;
    let problem = if env_file != Some(&file) {
        Some(format!(
            "{source}'s AWS_SHARED_CREDENTIALS_FILE is {env_file:?}, but tbot writes {file}"
        ))
    } else if env_profile != Some(&profile) {
        Some(format!(
            "{source}'s AWS_PROFILE is {env_profile:?}, but tbot writes the section [{profile}]"
        ))
    } else if setup.kubernetes.is_some() {
        // No aws/config on Kubernetes: the region comes from the container's environment.
        let region = setup.env.get("AWS_REGION");
        (region != Some(&setup.plan.aws.region)).then(|| {
            format!(
                "{source}'s AWS_REGION is {region:?}, not {}",
                setup.plan.aws.region
            )
        })
    } else if !setup.config.contains_key(&section) {
        Some(format!("aws/config has no [{section}] section"))
    } else {
        None
    };
    verdict(
        id,
        problem,
        "(in the SDK) Unable to locate credentials, or another profile's",
        "re-render: the workload's environment names tbot's credentials file and its section",
        format!("AWS_SHARED_CREDENTIALS_FILE={file}, AWS_PROFILE={profile}"),
    )
}
