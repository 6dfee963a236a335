//! `verify --svid FILE [--proxy HOST]` on the Roles Anywhere route: a real X.509 SVID from
//! tbot against the written trust anchor and trust policy, and the written anchor against the
//! SPIFFE bundle the cluster serves now.

use super::prove::{RaSetup, session_trust_check};
use super::{ResourceArn, ResourceKind, x509};
use crate::verify::check::{Check, CheckId};
use std::time::SystemTime;

/// A real X.509 SVID from tbot against the written files, as Roles Anywhere would take it: the
/// chain to the trust anchor's bundle, its validity and shape, the session tags it makes and
/// the role's trust policy for them. With `live_bundle` (the proxy's bundle now), whether the
/// anchor still holds every CA the cluster signs with: after a rotation it must.
pub fn live_checks(
    setup: &RaSetup,
    svid_pem: &str,
    live_bundle: Option<&str>,
    now: SystemTime,
) -> Vec<Check> {
    let mut checks = Vec::new();
    if let Some(live) = live_bundle {
        checks.push(rotation_check(setup, live));
    }
    let accepted = match x509::accept_svid(svid_pem, &setup.anchor_pem, now) {
        Ok(accepted) => accepted,
        Err(problem) => {
            let rotated =
                live_bundle.is_some_and(|live| x509::accept_svid(svid_pem, live, now).is_ok());
            let (aws_error, fix) = match (&problem, rotated) {
                (_, true) => (
                    "AccessDeniedException: Untrusted signing certificate (the cluster rotated its SPIFFE CA; the anchor holds the old one)",
                    "render again from the proxy (its bundle holds the new CA) and apply, so the trust anchor holds it",
                ),
                (x509::X509Problem::OutsideValidity { .. }, _) => (
                    "AccessDeniedException: the certificate is expired or not yet valid",
                    "check that tbot is running and renewing, and the host's clock",
                ),
                _ => (
                    "AccessDeniedException: Untrusted signing certificate",
                    "give the SVID tbot wrote for this workload, and the anchor the cluster's SPIFFE CA",
                ),
            };
            checks.push(Check::fail_owned(
                CheckId::SvidChain,
                problem.to_string(),
                aws_error.into(),
                fix.into(),
            ));
            return checks;
        }
    };
    checks.push(Check::pass(
        CheckId::SvidChain,
        format!(
            "Roles Anywhere accepts the SVID of {} (serial {}) through iam/trust-anchor.pem",
            accepted.spiffe_id, accepted.serial
        ),
    ));
    let anchor = ResourceArn::parse(&setup.tbot.trust_anchor_arn, ResourceKind::TrustAnchor)
        .map(|arn| arn.to_string());
    checks.push(match anchor {
        Ok(anchor) => session_trust_check(
            CheckId::TrustPolicy,
            &setup.trust_policy,
            &accepted.tags,
            &anchor,
        ),
        Err(_) => Check::fail_owned(
            CheckId::TbotArns,
            format!(
                "tbot's trust_anchor_arn {:?} is not an ARN",
                setup.tbot.trust_anchor_arn
            ),
            "ValidationException: the trust anchor ARN is invalid".into(),
            "after apply, give roles_anywhere.trust_anchor_arn in answers.yaml and render again"
                .into(),
        ),
    });
    checks
}

/// Whether the written anchor holds every CA certificate the proxy's bundle has now.
fn rotation_check(setup: &RaSetup, live: &str) -> Check {
    let fingerprints = |pem: &str| -> Vec<String> {
        x509::pem_certificates(pem, "the bundle")
            .map(|ders| {
                ders.iter()
                    .map(|der| crate::domain::thumbprint::of_certificate(der))
                    .collect()
            })
            .unwrap_or_default()
    };
    let held = fingerprints(&setup.anchor_pem);
    let served = fingerprints(live);
    if served.is_empty() {
        return Check::fail_owned(
            CheckId::AnchorBundle,
            "the proxy's SPIFFE bundle holds no X.509 authority".into(),
            "unknown: there is nothing to compare the trust anchor with".into(),
            "check the proxy address; Teleport serves its bundle at /webapi/spiffe/bundle.json"
                .into(),
        );
    }
    let missing: Vec<&String> = served.iter().filter(|f| !held.contains(f)).collect();
    if !missing.is_empty() {
        return Check::fail_owned(
            CheckId::AnchorBundle,
            format!(
                "the cluster's SPIFFE CA has certificates the trust anchor does not hold (SHA-1 {}): the CA was rotated after the files were rendered",
                missing
                    .iter()
                    .map(|f| f.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "AccessDeniedException: Untrusted signing certificate, for SVIDs of the new CA".into(),
            "render again from the proxy and apply, so the trust anchor holds the new CA".into(),
        );
    }
    Check::pass(
        CheckId::AnchorBundle,
        format!(
            "the trust anchor holds every SPIFFE CA certificate the proxy serves ({})",
            served.join(", ")
        ),
    )
}
