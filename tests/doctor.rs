//! doctor's diagnosis without a network: each way a deployment breaks, as IAM would return it,
//! must be named with the error AWS answers and its fix; and what cannot be read is a failure.

mod common;

use common::*;
use serde_json::{Value, json};
use std::time::{Duration, SystemTime};
use wi_aws::doctor::{self, Deployed, DeployedProvider, DeployedRole, HostToken, Issuer, Observed};
use wi_aws::domain::jwt_svid;
use wi_aws::verify::Setup;
use wi_aws::verify::check::{Check, CheckId, Status};

/// The guide's example rendered, as the artifacts doctor compares the account with.
fn setup() -> (Setup, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = plan_of("examples/answers.yaml");
    wi_aws::artifacts::write::write_all(dir.path(), &render_plan(&plan), false).expect("writes");
    (Setup::read(dir.path(), None).expect("reads"), dir)
}

/// The account exactly as the artifacts create it, the proxy's issuer, and a fresh token.
fn healthy(setup: &Setup) -> (Observed, jwt_svid::Issuer) {
    let plan = &setup.plan;
    let issuer = jwt_svid::Issuer::generate(&plan.issuer_url()).expect("issuer");
    let token = issuer
        .issue(
            &setup.spiffe_id(),
            &setup.tbot.audience,
            Duration::from_secs(600),
        )
        .expect("token");
    let deployed = Deployed {
        provider: Some(DeployedProvider {
            arn: plan.provider_arn(),
            url: plan.condition_key_prefix(),
            client_ids: vec![setup.tbot.audience.clone()],
            thumbprints: plan.cluster.thumbprints.clone(),
        }),
        other_providers: Vec::new(),
        role: Some(DeployedRole {
            arn: plan.role_arn(),
            trust_policy: setup.trust_policy.clone(),
            max_session_duration: Some(3600),
            boundary: None,
            policies: vec![(plan.policy_arn(), setup.permissions_policy.clone())],
        }),
    };
    let observed = Observed {
        deployed: Ok(deployed),
        issuer: Ok(Issuer {
            issuer: plan.issuer_url(),
            jwks: issuer.jwks(),
            chain_thumbprint: plan.cluster.thumbprints[0].clone(),
            last_certificate: "CN=Example Private CA".into(),
            private_ca: true,
        }),
        token: Ok(Some(HostToken {
            path: setup.tbot_token_file(),
            text: token,
            age: Some(Duration::from_secs(60)),
        })),
    };
    (observed, issuer)
}

fn diagnose(setup: &Setup, observed: &Observed) -> Vec<Check> {
    doctor::diagnose(setup, observed, SystemTime::now())
}

fn failed(checks: &[Check]) -> Vec<&Check> {
    checks.iter().filter(|c| c.status == Status::Fail).collect()
}

/// Whether a check `id` ended `status`.
fn has(checks: &[Check], id: CheckId, status: Status) -> bool {
    checks.iter().any(|c| c.id == id && c.status == status)
}

/// The one failure, with its id, the AWS error and a fix mentioning `fix`.
fn only_failure<'a>(checks: &'a [Check], id: CheckId, aws_error: &str, fix: &str) -> &'a Check {
    let failures = failed(checks);
    assert_eq!(failures.len(), 1, "{failures:#?}");
    let check = failures[0];
    assert_eq!(check.id, id, "{check:#?}");
    let said = check.aws_error.as_deref().unwrap_or_default();
    assert!(said.contains(aws_error), "{said}");
    let how = check.fix.as_deref().unwrap_or_default();
    assert!(how.contains(fix), "{how}");
    check
}

fn deployed(observed: &mut Observed) -> &mut Deployed {
    observed.deployed.as_mut().expect("deployed")
}

#[test]
fn a_healthy_deployment_passes_every_check() {
    let (setup, _dir) = setup();
    let (observed, _) = healthy(&setup);
    let checks = diagnose(&setup, &observed);
    assert!(failed(&checks).is_empty(), "{:#?}", failed(&checks));
    assert!(
        checks.iter().all(|c| c.status == Status::Pass),
        "{checks:#?}"
    );
}

#[test]
fn a_missing_provider_is_the_no_provider_error() {
    let (setup, _dir) = setup();
    let (mut observed, _) = healthy(&setup);
    deployed(&mut observed).provider = None;
    let checks = diagnose(&setup, &observed);
    only_failure(
        &checks,
        CheckId::DeployedProvider,
        "No OpenIDConnect provider found in your account for https://example.teleport.sh/workload-identity",
        "aws-cli/setup.sh",
    );
}

#[test]
fn a_provider_with_a_trailing_slash_case_or_port_is_named_as_such() {
    let (setup, _dir) = setup();
    for (url, said) in [
        ("example.teleport.sh/workload-identity/", "a trailing slash"),
        ("Example.Teleport.sh/workload-identity", "letter case"),
        (
            "example.teleport.sh:443/workload-identity",
            "an explicit :443",
        ),
    ] {
        let (mut observed, _) = healthy(&setup);
        let deployed = deployed(&mut observed);
        deployed.provider = None;
        deployed.other_providers = vec!["other.example.com".into(), url.into()];
        let checks = diagnose(&setup, &observed);
        let check = only_failure(
            &checks,
            CheckId::DeployedProvider,
            "No OpenIDConnect provider found",
            url,
        );
        assert!(check.detail.contains(said), "{url}: {}", check.detail);
    }
}

#[test]
fn an_audience_missing_from_the_client_ids_is_incorrect_token_audience() {
    let (setup, _dir) = setup();
    let (mut observed, _) = healthy(&setup);
    deployed(&mut observed)
        .provider
        .as_mut()
        .expect("provider")
        .client_ids = vec!["other".into()];
    let checks = diagnose(&setup, &observed);
    only_failure(
        &checks,
        CheckId::DeployedAudience,
        "Incorrect token audience",
        "add-client-id-to-open-id-connect-provider",
    );
    // And it is drift: the artifacts create the provider with the audience.
    assert!(has(&checks, CheckId::Drift, Status::Warn), "{checks:#?}");
}

#[test]
fn a_rotated_certificate_fails_for_a_private_ca_and_warns_for_a_public_one() {
    let (setup, _dir) = setup();
    let (mut observed, _) = healthy(&setup);
    let rotated = "1111111111111111111111111111111111111111";
    observed.issuer.as_mut().expect("issuer").chain_thumbprint = rotated.into();
    let checks = diagnose(&setup, &observed);
    let check = only_failure(
        &checks,
        CheckId::DeployedThumbprints,
        "HTTPS certificate doesn't match configured thumbprint",
        &format!(
            "update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn {} --thumbprint-list {rotated}",
            setup.plan.provider_arn()
        ),
    );
    assert!(
        check.detail.contains("CN=Example Private CA"),
        "{}",
        check.detail
    );
    observed.issuer.as_mut().expect("issuer").private_ca = false;
    let checks = diagnose(&setup, &observed);
    assert!(failed(&checks).is_empty());
    assert!(
        has(&checks, CheckId::DeployedThumbprints, Status::Warn),
        "{checks:#?}"
    );
}

#[test]
fn a_trust_policy_for_another_sub_or_provider_is_access_denied() {
    let (setup, _dir) = setup();
    let prefix = setup.plan.condition_key_prefix();
    for (what, edit) in [
        (
            "sub",
            json!({format!("{prefix}:sub"): "spiffe://example.teleport.sh/svc/other"}),
        ),
        ("provider", json!(null)),
    ] {
        let (mut observed, _) = healthy(&setup);
        let role = deployed(&mut observed).role.as_mut().expect("role");
        match edit {
            Value::Null => {
                role.trust_policy["Statement"][0]["Principal"]["Federated"] =
                    json!("arn:aws:iam::123456789012:oidc-provider/elsewhere.example.com");
            }
            sub => {
                let equals = &mut role.trust_policy["Statement"][0]["Condition"]["StringEquals"];
                for (key, value) in sub.as_object().expect("object") {
                    equals[key] = value.clone();
                }
            }
        }
        let checks = diagnose(&setup, &observed);
        only_failure(
            &checks,
            CheckId::DeployedTrust,
            "AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity",
            "sts:AssumeRoleWithWebIdentity",
        );
        let drift = checks
            .iter()
            .find(|c| c.id == CheckId::Drift)
            .expect("drift");
        assert_eq!(drift.status, Status::Warn, "{what}");
        assert!(
            drift.detail.contains("trust policy"),
            "{what}: {}",
            drift.detail
        );
    }
}

#[test]
fn a_detached_policy_or_a_cutting_boundary_is_access_denied_at_s3() {
    let (setup, _dir) = setup();
    let (mut observed, _) = healthy(&setup);
    deployed(&mut observed)
        .role
        .as_mut()
        .expect("role")
        .policies
        .clear();
    let checks = diagnose(&setup, &observed);
    let check = only_failure(
        &checks,
        CheckId::DeployedPermissions,
        "AccessDenied when calling s3:",
        "aws iam attach-role-policy --role-name workload-id-demo",
    );
    assert!(check.detail.contains("no policy is attached"));

    let (mut observed, _) = healthy(&setup);
    let boundary = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]});
    deployed(&mut observed)
        .role
        .as_mut()
        .expect("role")
        .boundary = Some(("arn:aws:iam::123456789012:policy/boundary".into(), boundary));
    let checks = diagnose(&setup, &observed);
    let check = only_failure(
        &checks,
        CheckId::DeployedBoundary,
        "AccessDenied",
        "delete-role-permissions-boundary",
    );
    assert!(check.detail.contains("cuts them"), "{}", check.detail);
}

#[test]
fn a_stale_or_expired_token_says_tbot_stopped() {
    let (setup, _dir) = setup();
    let (mut observed, issuer) = healthy(&setup);
    let token = observed
        .token
        .as_mut()
        .expect("read")
        .as_mut()
        .expect("token");
    token.age = Some(Duration::from_secs(3 * 3600));
    let checks = diagnose(&setup, &observed);
    only_failure(
        &checks,
        CheckId::TokenAge,
        "ExpiredTokenException",
        "restart tbot",
    );

    // A token whose exp has passed is refused by STS itself.
    let expired = issuer
        .sign(&jwt_svid::Claims {
            iss: setup.plan.issuer_url(),
            sub: setup.spiffe_id(),
            aud: setup.tbot.audience.clone(),
            iat: 1_000_000,
            exp: 1_000_600,
            jti: "x".into(),
        })
        .expect("signs");
    let token = observed
        .token
        .as_mut()
        .expect("read")
        .as_mut()
        .expect("token");
    token.text = expired;
    token.age = Some(Duration::from_secs(60));
    let checks = diagnose(&setup, &observed);
    let failures = failed(&checks);
    assert!(
        failures.iter().any(|c| c.id == CheckId::Expiry),
        "{failures:#?}"
    );
}

#[test]
fn what_cannot_be_read_is_a_failure_that_says_so() {
    let (setup, _dir) = setup();
    let (mut observed, _) = healthy(&setup);
    observed.deployed =
        Err("iam:GetRole: AccessDenied: not authorized to perform iam:GetRole".into());
    let checks = diagnose(&setup, &observed);
    let check = failed(&checks)[0];
    assert_eq!(check.id, CheckId::DeployedProvider);
    assert!(check.detail.contains("iam:GetRole"), "{}", check.detail);

    let (mut observed, _) = healthy(&setup);
    observed.issuer = Err("connection refused".into());
    let checks = diagnose(&setup, &observed);
    let failures = failed(&checks);
    assert!(
        failures
            .iter()
            .any(|c| c.id == CheckId::DiscoveryIssuer && c.detail.contains("connection refused"))
    );
    // Without the proxy's keys the signature cannot be checked: a failure, not a pass.
    assert!(
        failures.iter().any(|c| c.id == CheckId::Key),
        "{failures:#?}"
    );

    let (mut observed, _) = healthy(&setup);
    observed.token = Err(format!(
        "cannot read {}: permission denied",
        setup.tbot_token_file()
    ));
    let checks = diagnose(&setup, &observed);
    only_failure(
        &checks,
        CheckId::TokenFile,
        "unable to read the web identity token file",
        "tbot",
    );

    // No token on an operator's machine: the token checks are skipped and say why.
    let (mut observed, _) = healthy(&setup);
    observed.token = Ok(None);
    let checks = diagnose(&setup, &observed);
    assert!(failed(&checks).is_empty());
    assert!(
        has(&checks, CheckId::TokenFile, Status::Skipped),
        "{checks:#?}"
    );

    // On Kubernetes the token is in a Secret: the skip says how to take it out.
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = plan_of("examples/kubernetes.yaml");
    wi_aws::artifacts::write::write_all(dir.path(), &render_plan(&plan), false).expect("writes");
    let kubernetes = Setup::read(dir.path(), None).expect("reads");
    // The account and proxy do not matter here: only where the token comes from.
    let (mut observed, _) = healthy(&setup);
    observed.token = Ok(None);
    let checks = diagnose(&kubernetes, &observed);
    let skipped = checks
        .iter()
        .find(|c| c.id == CheckId::TokenFile)
        .expect("the token check");
    assert_eq!(skipped.status, Status::Skipped);
    assert!(
        skipped.detail.contains("kubectl get secret payments-api-workload-identity --namespace payments -o jsonpath='{.data.jwt_svid}' | base64 -d > token"),
        "{}",
        skipped.detail
    );
}

#[test]
fn iam_documents_are_url_decoded_strictly() {
    assert_eq!(
        doctor::policy_document("%7B%22a%22%3A%20%22b%2Bc%20d%22%7D").expect("decodes"),
        json!({"a": "b+c d"})
    );
    assert!(doctor::url_decode("%7").is_err());
    assert!(doctor::url_decode("%ff%fe").is_err());
    assert_eq!(doctor::url_decode("a+b").expect("plain"), "a+b");
}

#[test]
fn doctor_on_a_fleet_needs_a_workload_and_says_what_it_cannot_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fleet = repo_path("examples/fleet.yaml").display().to_string();
    let rendered = run_wi_aws(
        &["--answers-file", &fleet, "--out", "out", "--no-verify"],
        dir.path(),
    );
    assert!(rendered.status.success(), "{}", text(&rendered.stderr));
    let doctor = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_wi-aws"))
            .args([
                "doctor",
                "--out",
                "out",
                "--proxy",
                "127.0.0.1:1",
                "--timeout",
                "2",
            ])
            .args(["--endpoint-url", "http://127.0.0.1:1"])
            .args(extra)
            .current_dir(dir.path())
            .envs(OFFLINE_AWS_ENV)
            .env("NO_COLOR", "1")
            .output()
            .expect("runs")
    };
    let which = doctor(&[]);
    assert_eq!(which.status.code(), Some(2));
    assert!(
        text(&which.stderr).contains("reports-writer, reports-reader, billing"),
        "{}",
        text(&which.stderr)
    );
    // Nothing answers: each part that could not be read is a failure that says why.
    let started = std::time::Instant::now();
    let output = doctor(&["--workload", "billing", "--json"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let failed: Vec<&str> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(failed, ["discovery issuer", "provider (aws)"], "{report:#}");
    let detail = report["checks"][1]["detail"].as_str().expect("detail");
    assert!(
        detail.starts_with("cannot read the deployed state"),
        "{detail}"
    );
}
