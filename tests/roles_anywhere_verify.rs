//! verify on the Roles Anywhere route: the example passes every check, and each edit a user
//! (or an attacker) could make to one file fails exactly the check that covers it, with the
//! AWS error it would cause. OpenSSL confirms the written trust anchor bundle chains an SVID.

mod common;

use common::*;
use std::path::Path;
use std::time::{Duration, SystemTime};
use wi_aws::routes::roles_anywhere::x509::SimulatedSpiffeCa;
use wi_aws::verify::{self, Check, Status};

const EXAMPLE: &str = "examples/roles-anywhere.yaml";

fn example_text() -> String {
    std::fs::read_to_string(repo_path(EXAMPLE)).expect("example readable")
}

/// The example's answers with its CA bundle replaced by `pem`.
fn with_bundle(pem: &str) -> String {
    let text = example_text();
    let start = text
        .find("    -----BEGIN CERTIFICATE-----")
        .expect("a bundle");
    let end = text
        .find("    -----END CERTIFICATE-----\n")
        .expect("its end")
        + 30;
    let indented: String = pem.lines().map(|line| format!("    {line}\n")).collect();
    format!("{}{indented}{}", &text[..start], &text[end..])
}

fn rendered_text(answers: &str) -> tempfile::TempDir {
    let plan = wi_aws::answers::fleet::single_plan(answers)
        .unwrap_or_else(|problems| panic!("answers: {problems}"));
    let dir = tempfile::tempdir().expect("temp dir");
    let artifacts = render_plan(&plan);
    wi_aws::artifacts::write::write_all(dir.path(), &artifacts, false).expect("writes");
    dir
}

fn failed(checks: &[Check]) -> Vec<&Check> {
    checks.iter().filter(|c| c.status == Status::Fail).collect()
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{file} does not contain {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

#[test]
fn the_example_renders_and_passes_every_check() {
    let dir = rendered_text(&example_text());
    let report = verify::verify_dir(dir.path()).expect("verifies");
    assert!(report.passed(), "{:#?}", failed(&report.checks));
    let labels: Vec<&str> = report.checks.iter().map(|c| c.id.label()).collect();
    for expected in [
        "teleport role",
        "tbot service",
        "tbot timing",
        "session durations",
        "anchor bundle",
        "svid chain",
        "trust policy",
        "trust scope",
        "trust policy (tf)",
        "trust scope (tf)",
        "ra profile",
        "tbot arns",
        "env credentials",
        "permissions",
    ] {
        assert!(
            labels.contains(&expected),
            "no {expected} check: {labels:?}"
        );
    }
}

const SPIFFE_ID: &str = "spiffe://example.teleport.sh/svc/reports";
const ANCHOR_ID: &str = "4e5c5b57-7f3a-4d53-9b25-8c1f0a6d2e91";

/// (file, from, to, the one check that fails, a part of the AWS error it names)
const EDITS: &[(&str, &str, &str, &str, &str)] = &[
    // A SAN mismatch: the role trusts another workload's SPIFFE ID.
    (
        "iam/trust-policy.json",
        "\"spiffe://example.teleport.sh/svc/reports\"",
        "\"spiffe://example.teleport.sh/svc/other\"",
        "trust policy",
        "AccessDeniedException",
    ),
    // Without sts:TagSession Roles Anywhere cannot tag the session with the SVID's attributes.
    (
        "iam/trust-policy.json",
        "\"sts:TagSession\",",
        "",
        "trust policy",
        "sts:TagSession",
    ),
    // aws:SourceArn names another trust anchor.
    (
        "iam/trust-policy.json",
        ANCHOR_ID,
        "00000000-1111-4222-8333-444444444444",
        "trust policy",
        "AccessDeniedException",
    ),
    // The same in main.tf: the Terraform role trusts a wildcard SPIFFE ID.
    (
        "terraform/main.tf",
        "\"aws:PrincipalTag/x509SAN/URI\" = local.spiffe_id",
        "\"aws:PrincipalTag/x509SAN/URI\" = \"*\"",
        "trust policy (tf)",
        "AccessDeniedException",
    ),
    // The profile does not list the role.
    (
        "terraform/main.tf",
        "role_arns        = [aws_iam_role.workload.arn]",
        "role_arns        = []",
        "ra profile",
        "the profile does not allow the role",
    ),
    // tbot asks for longer sessions than the profile gives.
    (
        "tbot/services.yaml",
        "session_duration: \"6h\"",
        "session_duration: \"8h\"",
        "session durations",
        "shorter session",
    ),
    // tbot renews no sooner than the session ends.
    (
        "tbot/services.yaml",
        "session_renewal_interval: \"1h\"",
        "session_renewal_interval: \"6h\"",
        "tbot timing",
        "ExpiredToken",
    ),
    // The profile's duration in main.tf is shorter than tbot's renewal.
    (
        "terraform/main.tf",
        "duration_seconds = 21600",
        "duration_seconds = 3600",
        "session durations",
        "ExpiredToken",
    ),
    // A wrong anchor: another CA's bundle in the file openssl and reviewers read.
    (
        "iam/trust-anchor.pem",
        "-----BEGIN CERTIFICATE-----\nMII",
        "-----BEGIN CERTIFICATE-----\nMIX",
        "anchor bundle",
        "Untrusted signing certificate",
    ),
    // tbot names a profile in another region.
    (
        "tbot/services.yaml",
        "rolesanywhere:eu-west-1:123456789012:profile",
        "rolesanywhere:us-east-1:123456789012:profile",
        "tbot arns",
        "ValidationException",
    ),
    // The workload reads another section of the credentials file.
    (
        "aws/env",
        "AWS_PROFILE=svc-reports",
        "AWS_PROFILE=default",
        "env credentials",
        "Unable to locate credentials",
    ),
    // The AWS CLI script would create another role.
    (
        "aws-cli/setup.sh",
        "role_arn=arn:aws:iam::123456789012:role/svc-reports",
        "role_arn=arn:aws:iam::123456789012:role/svc-other",
        "aws-cli script",
        "would not match",
    ),
];

#[test]
fn one_edit_fails_exactly_the_matching_check() {
    let mut problems = Vec::new();
    for (file, from, to, check, aws_error) in EDITS {
        let dir = rendered_text(&example_text());
        edit(dir.path(), file, from, to);
        let report = verify::verify_dir(dir.path()).expect("verifies");
        let failures = failed(&report.checks);
        let ids: Vec<&str> = failures.iter().map(|c| c.id.label()).collect();
        if ids != [*check] {
            problems.push(format!(
                "{file} {from:?} -> {to:?}: failed {ids:?}, expected [{check:?}]"
            ));
        } else if !failures[0]
            .aws_error
            .as_deref()
            .unwrap_or_default()
            .contains(aws_error)
            || failures[0].fix.is_none()
        {
            problems.push(format!(
                "{file}: {check} says {:?}, expected {aws_error:?}",
                failures[0].aws_error
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_tbot_file_with_placeholder_arns_never_passes() {
    let text = example_text()
        .lines()
        .filter(|line| !line.contains("trust_anchor_arn:") && !line.contains("profile_arn:"))
        .map(|line| format!("{line}\n"))
        .collect::<String>();
    let dir = rendered_text(&text);
    let services = std::fs::read_to_string(dir.path().join("tbot/services.yaml")).expect("read");
    assert!(services.contains("PENDING-known-after-apply"), "{services}");
    let report = verify::verify_dir(dir.path()).expect("verifies");
    assert!(!report.passed());
    let ids: Vec<&str> = failed(&report.checks)
        .iter()
        .map(|c| c.id.label())
        .collect();
    assert_eq!(ids, ["tbot arns"], "{:#?}", report.checks);
    let failure = failed(&report.checks)[0];
    assert!(
        failure.detail.contains("known only after apply"),
        "{failure:?}"
    );
    assert!(
        failure
            .fix
            .as_deref()
            .unwrap_or_default()
            .contains("roles_anywhere.trust_anchor_arn"),
        "{failure:?}"
    );
    // Main.tf needs no ARN given: it refers to what it creates.
    assert!(
        report
            .checks
            .iter()
            .any(|c| c.id.label() == "trust policy (tf)" && c.status == Status::Pass)
    );
}

#[test]
fn an_expired_ca_fails_the_anchor_bundle() {
    let two_years_ago = SystemTime::now() - Duration::from_secs(2 * 365 * 24 * 3600);
    let ca = SimulatedSpiffeCa::generate("example.teleport.sh", two_years_ago).expect("a CA");
    let dir = rendered_text(&with_bundle(ca.certificate_pem()));
    let report = verify::verify_dir(dir.path()).expect("verifies");
    let failures = failed(&report.checks);
    let ids: Vec<&str> = failures.iter().map(|c| c.id.label()).collect();
    assert_eq!(ids, ["anchor bundle"], "{:#?}", report.checks);
    assert!(
        failures[0].detail.contains("not valid now"),
        "{:?}",
        failures[0]
    );
}

#[test]
fn the_written_bundle_chains_an_svid_for_openssl() {
    let now = SystemTime::now();
    let ca = SimulatedSpiffeCa::generate("example.teleport.sh", now).expect("a CA");
    let dir = rendered_text(&with_bundle(ca.certificate_pem()));
    let svid = ca
        .issue(SPIFFE_ID, now, Duration::from_secs(600))
        .expect("an SVID");
    std::fs::write(dir.path().join("svid.pem"), &svid.certificate_pem).expect("write");
    let output = std::process::Command::new("openssl")
        .args(["verify", "-CAfile", "iam/trust-anchor.pem", "svid.pem"])
        .current_dir(dir.path())
        .output()
        .expect("openssl runs");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // And another cluster's CA does not.
    let other = SimulatedSpiffeCa::generate("example.teleport.sh", now).expect("a CA");
    std::fs::write(
        dir.path().join("iam/trust-anchor.pem"),
        other.certificate_pem(),
    )
    .expect("w");
    let refused = std::process::Command::new("openssl")
        .args(["verify", "-CAfile", "iam/trust-anchor.pem", "svid.pem"])
        .current_dir(dir.path())
        .output()
        .expect("openssl runs");
    assert!(!refused.status.success());
}

#[test]
fn answers_that_the_route_refuses_are_reported_with_their_fields() {
    let cases: &[(&str, &str, &str)] = &[
        ("version: 17.4.2", "version: 17.3.0", "teleport.version"),
        (
            "profile_duration: 21600",
            "profile_duration: 3600",
            "roles_anywhere.profile_duration",
        ),
        (
            "profile_duration: 21600",
            "profile_duration: 60",
            "roles_anywhere.profile_duration",
        ),
        (
            "session_duration: 6h",
            "session_duration: 13h",
            "tbot.session_duration",
        ),
        (
            "session_renewal_interval: 1h",
            "session_renewal_interval: 7h",
            "tbot.session_renewal_interval",
        ),
        (
            "trust-anchor/4e5c5b57-7f3a-4d53-9b25-8c1f0a6d2e91",
            "trust-anchor/0000000-0000-0000-0000-000000000000",
            "roles_anywhere.trust_anchor_arn",
        ),
        (
            "rolesanywhere:eu-west-1:123456789012:profile",
            "rolesanywhere:us-west-2:123456789012:profile",
            "roles_anywhere.profile_arn",
        ),
        (
            "trust_anchor_name: example-teleport-sh-spiffe",
            "trust_anchor_name: bad/name",
            "roles_anywhere.trust_anchor_name",
        ),
        (
            "    -----BEGIN CERTIFICATE-----",
            "    -----BEGIN CERTIFICATE-----\n    !!!",
            "roles_anywhere.ca_bundle",
        ),
    ];
    let mut problems = Vec::new();
    for (from, to, key) in cases {
        let text = example_text();
        assert!(text.contains(from), "the example lacks {from:?}");
        let edited = text.replacen(from, to, 1);
        match wi_aws::answers::fleet::single_plan(&edited) {
            Ok(_) => problems.push(format!("{from:?} -> {to:?}: accepted")),
            Err(found) => {
                let said = found.to_string();
                if !said.contains(key) {
                    problems.push(format!("{from:?} -> {to:?}: {said} does not name {key}"));
                }
            }
        }
    }
    // A bundle past CreateTrustAnchor's 8,000 characters: 12 copies of the CA.
    let ca = SimulatedSpiffeCa::generate("example.teleport.sh", SystemTime::now()).expect("a CA");
    let long = ca.certificate_pem().repeat(12);
    assert!(long.len() > 8000);
    match wi_aws::answers::fleet::single_plan(&with_bundle(&long)) {
        Ok(_) => problems.push("a bundle over 8,000 characters: accepted".into()),
        Err(found) if !found.to_string().contains("at most 8000") => {
            problems.push(format!("a bundle over 8,000 characters: {found}"))
        }
        Err(_) => {}
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `verify --svid` (and `--proxy`): a real SVID against the written anchor and trust policy,
/// and the written anchor against the bundle the cluster serves now.
#[test]
fn a_real_svid_is_checked_against_the_anchor_and_a_rotation_is_named() {
    use wi_aws::routes::roles_anywhere::live::live_checks;
    use wi_aws::routes::roles_anywhere::prove::RaSetup;
    let now = SystemTime::now();
    let old_ca = SimulatedSpiffeCa::generate("example.teleport.sh", now).expect("a CA");
    let dir = rendered_text(&with_bundle(old_ca.certificate_pem()));
    let setup = RaSetup::read(dir.path(), None).expect("reads");
    let ttl = Duration::from_secs(600);
    let svid = old_ca.issue(SPIFFE_ID, now, ttl).expect("an SVID");

    let checks = live_checks(
        &setup,
        &svid.certificate_pem,
        Some(old_ca.certificate_pem()),
        now,
    );
    assert!(
        checks.iter().all(|c| c.status == Status::Pass),
        "{checks:#?}"
    );
    assert_eq!(checks.len(), 3);

    // Another workload's SVID from the same CA: the chain holds, the trust policy refuses.
    let other = old_ca
        .issue("spiffe://example.teleport.sh/svc/other", now, ttl)
        .expect("an SVID");
    let checks = live_checks(&setup, &other.certificate_pem, None, now);
    let ids: Vec<&str> = failed(&checks).iter().map(|c| c.id.label()).collect();
    assert_eq!(ids, ["trust policy"], "{checks:#?}");

    // The cluster rotated its SPIFFE CA: the anchor lacks the new one, and the new CA's SVIDs
    // are refused, naming the rotation.
    let new_ca = SimulatedSpiffeCa::generate("example.teleport.sh", now).expect("a CA");
    let fresh = new_ca.issue(SPIFFE_ID, now, ttl).expect("an SVID");
    let checks = live_checks(
        &setup,
        &fresh.certificate_pem,
        Some(new_ca.certificate_pem()),
        now,
    );
    let failures = failed(&checks);
    let ids: Vec<&str> = failures.iter().map(|c| c.id.label()).collect();
    assert_eq!(ids, ["anchor bundle", "svid chain"], "{checks:#?}");
    assert!(failures[0].detail.contains("rotated"), "{:?}", failures[0]);
    assert!(
        failures[1]
            .aws_error
            .as_deref()
            .unwrap_or_default()
            .contains("rotated"),
        "{:?}",
        failures[1]
    );

    // An expired SVID.
    let checks = live_checks(
        &setup,
        &svid.certificate_pem,
        None,
        now + Duration::from_secs(3600),
    );
    let failures = failed(&checks);
    assert_eq!(failures.len(), 1, "{checks:#?}");
    assert!(
        failures[0]
            .aws_error
            .as_deref()
            .unwrap_or_default()
            .contains("expired")
    );
}

/// doctor's diagnosis on this route, from what AWS would return: each deployed fault is
/// named by its check, with AWS's error.
#[test]
fn doctor_names_each_deployed_fault() {
    use wi_aws::doctor::DeployedRole;
    use wi_aws::routes::roles_anywhere::doctor::{
        DeployedAnchor, DeployedProfile, HostCredentials, Observed, diagnose,
    };
    use wi_aws::routes::roles_anywhere::prove::RaSetup;
    let dir = rendered_text(&example_text());
    let setup = RaSetup::read(dir.path(), None).expect("reads");
    let read_json = |file: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(file)).expect("read"))
            .expect("json")
    };
    let healthy = Observed {
        anchor: Ok(Some(DeployedAnchor {
            arn: setup.tbot.trust_anchor_arn.clone(),
            enabled: true,
            source_type: "CERTIFICATE_BUNDLE".into(),
            pem: Some(setup.ra.ca_bundle.clone()),
        })),
        profile: Ok(Some(DeployedProfile {
            arn: setup.tbot.profile_arn.clone(),
            enabled: true,
            role_arns: vec![setup.tbot.role_arn.clone()],
            duration_seconds: Some(21600),
            session_policy: None,
        })),
        role: Ok(Some(DeployedRole {
            arn: setup.tbot.role_arn.clone(),
            trust_policy: read_json("iam/trust-policy.json"),
            max_session_duration: Some(21600),
            boundary: None,
            policies: vec![(
                "arn:aws:iam::123456789012:policy/svc-reports-s3-read-write".into(),
                read_json("iam/permissions-policy.json"),
            )],
        })),
        credentials: Ok(Some(HostCredentials {
            path: "/opt/workload-identity/aws_credentials".into(),
            age: Duration::from_secs(600),
        })),
    };
    let checks = diagnose(&setup, &healthy);
    assert!(
        checks.iter().all(|c| c.status == Status::Pass),
        "{checks:#?}"
    );

    type Break = fn(&mut Observed);
    let breakages: &[(&str, Break, &str, &str)] = &[
        (
            "no anchor",
            |o| o.anchor = Ok(None),
            "trust anchor (aws)",
            "ResourceNotFoundException",
        ),
        (
            "disabled anchor",
            |o| {
                if let Ok(Some(a)) = &mut o.anchor {
                    a.enabled = false
                }
            },
            "trust anchor (aws)",
            "disabled",
        ),
        (
            "another CA",
            |o| {
                if let Ok(Some(a)) = &mut o.anchor {
                    a.pem = Some(
                        SimulatedSpiffeCa::generate("x", SystemTime::now())
                            .expect("ca")
                            .certificate_pem()
                            .to_owned(),
                    )
                }
            },
            "trust anchor (aws)",
            "Untrusted signing certificate",
        ),
        (
            "profile without the role",
            |o| {
                if let Ok(Some(p)) = &mut o.profile {
                    p.role_arns = vec!["arn:aws:iam::123456789012:role/other".into()]
                }
            },
            "profile (aws)",
            "does not allow the role",
        ),
        (
            "short profile",
            |o| {
                if let Ok(Some(p)) = &mut o.profile {
                    p.duration_seconds = Some(900)
                }
            },
            "profile (aws)",
            "ExpiredToken",
        ),
        (
            "no role",
            |o| o.role = Ok(None),
            "role (aws)",
            "does not exist",
        ),
        (
            "stale credentials",
            |o| {
                if let Ok(Some(c)) = &mut o.credentials {
                    c.age = Duration::from_secs(3 * 3600)
                }
            },
            "credentials age",
            "ExpiredToken",
        ),
        (
            "unreadable anchor",
            |o| o.anchor = Err("AccessDeniedException".into()),
            "trust anchor (aws)",
            "unknown",
        ),
    ];
    let mut problems = Vec::new();
    for (what, breaks, check, aws_error) in breakages {
        let mut observed = healthy.clone();
        breaks(&mut observed);
        let checks = diagnose(&setup, &observed);
        let failures = failed(&checks);
        let ids: Vec<&str> = failures.iter().map(|c| c.id.label()).collect();
        if ids != [*check]
            || !failures[0]
                .aws_error
                .as_deref()
                .unwrap_or_default()
                .contains(aws_error)
        {
            problems.push(format!("{what}: failed {ids:?} {:?}", failures.first()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
