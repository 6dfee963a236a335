//! `verify`, the local STS simulation: the rendered guide passes; every single edit to an
//! artifact, and every kind of bad token, fails exactly the check that AWS would fail, with the
//! error AWS would give.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use serde_json::json;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use wi_aws::domain::jwt_svid::Issuer;
use wi_aws::verify::check::CheckId;
use wi_aws::verify::{self, Check, Setup, Status};

fn rendered(answers: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let artifacts = render_plan(&plan_of(answers));
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
fn every_rendered_case_passes_every_check() {
    for (case, file) in CASES {
        let dir = rendered(file);
        let report = verify::verify_dir(dir.path()).expect("verifies");
        assert!(report.passed(), "{case}: {:#?}", failed(&report.checks));
        assert!(
            report.checks.len() >= 18,
            "{case}: {} checks",
            report.checks.len()
        );
    }
}

/// One edit in one artifact → exactly one failed check, with the AWS error it causes.
const EDITS: &[(&str, &str, &str, &str, &str)] = &[
    // tbot's timing as the written file says it, under the answers' rules.
    (
        "tbot/services.yaml",
        "renewal_interval: \"20m\"",
        "renewal_interval: \"2h\"",
        "tbot timing",
        "ExpiredTokenException: Token expired",
    ),
    (
        "tbot/services.yaml",
        "renewal_interval: \"20m\"",
        "renewal_interval: \"1h\"",
        "tbot timing",
        "ExpiredTokenException: Token expired",
    ),
    (
        "tbot/services.yaml",
        "credential_ttl: \"1h\"",
        "credential_ttl: \"25h\"",
        "tbot timing",
        "Teleport's cap",
    ),
    (
        "tbot/services.yaml",
        "credential_ttl: \"1h\"",
        "credential_ttl: \"10m\"",
        "tbot timing",
        "ExpiredTokenException: Token expired",
    ),
    (
        "tbot/services.yaml",
        "credential_ttl: \"1h\"",
        "credential_ttl: 3600",
        "tbot timing",
        "cannot read",
    ),
    (
        "tbot/services.yaml",
        "renewal_interval: \"20m\"",
        "renewal_interval: \"soon\"",
        "tbot timing",
        "cannot read",
    ),
    (
        "iam/trust-policy.json",
        "svc/example-service\"",
        "svc/other\"",
        "trust policy",
        "AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity",
    ),
    (
        "tbot/services.yaml",
        "- \"sts.amazonaws.com\"",
        "- \"sts.example.com\"",
        "audience",
        "Incorrect token audience",
    ),
    (
        "tbot/services.yaml",
        "name: \"svc-example-service\"",
        "name: \"svc-other\"",
        "tbot selector",
        "finds no workload_identity of that name",
    ),
    (
        "teleport/workload-identity.yaml",
        "workload: \"svc-example-service\"",
        "workload: \"svc-other\"",
        "teleport role",
        "Teleport refuses to issue the SVID",
    ),
    (
        "teleport/role.yaml",
        "verbs: [list, read]",
        "verbs: [list]",
        "teleport role",
        "Teleport refuses to issue the SVID",
    ),
    (
        "terraform/main.tf",
        "9e99a48a9960b14926bb7f3b02e22da2b0ab7280",
        "9e99a48a9960b14926bb7f3b02e22da2b0ab728",
        "thumbprints",
        "InvalidInput",
    ),
    (
        "aws-cli/setup.sh",
        "thumbprints=9e99a48a9960b14926bb7f3b02e22da2b0ab7280",
        "thumbprints=0123456789abcdef0123456789abcdef01234567",
        "thumbprints",
        "doesn't match configured thumbprint",
    ),
    (
        "aws-cli/setup.sh",
        "provider_arn=arn:aws:iam::123456789012:",
        "provider_arn=arn:aws:iam::210987654321:",
        "aws-cli script",
        "would not match",
    ),
    (
        "aws-cli/setup.sh",
        "region=us-east-1",
        "region=us-gov-west-1",
        "aws-cli script",
        "would not match",
    ),
    (
        "iam/trust-policy.json",
        "\"example.teleport.sh/workload-identity:sub",
        "\"https://example.teleport.sh/workload-identity:sub",
        "trust policy",
        "AccessDenied",
    ),
    (
        "iam/trust-policy.json",
        "\"example.teleport.sh/workload-identity:aud",
        "\"example.teleport.sh:aud",
        "trust policy",
        "AccessDenied",
    ),
    (
        "terraform/main.tf",
        "\"${local.condition_key_prefix}:sub\"",
        "\"https://${local.condition_key_prefix}:sub\"",
        "trust policy (tf)",
        "AccessDenied",
    ),
    (
        "aws/config",
        "role_arn = arn:aws:iam::123456789012",
        "role_arn = arn:aws:iam:123456789012",
        "profile role",
        "ValidationError",
    ),
    (
        "aws/config",
        "role/workload-id-demo",
        "role/someone-else",
        "profile role",
        "AccessDenied",
    ),
    (
        "aws/config",
        "web_identity_token_file = /opt/workload-identity/jwt_svid",
        "web_identity_token_file = /opt/workload-identity/other-jwt",
        "profile token file",
        "No such file",
    ),
    (
        "aws/env",
        "AWS_WEB_IDENTITY_TOKEN_FILE=/opt/workload-identity/jwt_svid",
        "AWS_WEB_IDENTITY_TOKEN_FILE=/tmp/aws-jwt",
        "env token file",
        "No such file",
    ),
    (
        "terraform/main.tf",
        "url             = \"https://example.teleport.sh/workload-identity\"",
        "url             = \"https://example.teleport.sh/workload-identity/\"",
        "issuer",
        "No OpenIDConnect provider found in your account for https://example.teleport.sh/workload-identity",
    ),
    (
        "terraform/main.tf",
        "local.bucket_arn, \"",
        "aws_s3_bucket.workload_id_demo.arn, \"",
        "terraform",
        "undeclared resource",
    ),
    (
        "iam/permissions-policy.json",
        "\"s3:*\"",
        "\"s3:Get*\"",
        "permissions",
        "AccessDenied when calling s3:ListBucket",
    ),
    (
        "teleport/role.yaml",
        "workload: [\"svc-example-service\"]",
        "workload: [\"svc-other\"]",
        "teleport role",
        "Teleport refuses to issue the SVID",
    ),
    (
        "aws-cli/setup.sh",
        "role_arn=arn:aws:iam::123456789012:role/workload-id-demo",
        "role_arn=arn:aws:iam::123456789012:role/typo",
        "aws-cli script",
        "would not match",
    ),
    (
        "aws-cli/setup.sh",
        "provider_url=https://example.teleport.sh/workload-identity",
        "provider_url=https://example.teleport.sh",
        "aws-cli script",
        "would not match",
    ),
];

#[test]
fn one_edit_fails_exactly_the_matching_check() {
    let mut problems = Vec::new();
    for (file, from, to, check, aws_error) in EDITS {
        let dir = rendered("examples/answers.yaml");
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

/// tbot's own defaults (1h, renewed every 20m) stand for settings the file leaves out, in
/// either generation, and are held to the same rules as written ones.
#[test]
fn tbot_timing_left_out_is_tbots_default_and_a_legacy_output_is_checked_too() {
    let dir = rendered("examples/answers.yaml");
    edit(
        dir.path(),
        "tbot/services.yaml",
        "    credential_ttl: \"1h\"\n",
        "",
    );
    edit(
        dir.path(),
        "tbot/services.yaml",
        "    renewal_interval: \"20m\"\n",
        "",
    );
    let report = verify::verify_dir(dir.path()).expect("verifies");
    assert!(report.passed(), "{:#?}", failed(&report.checks));
    let timing = report
        .checks
        .iter()
        .find(|c| c.id == CheckId::TbotTiming)
        .expect("a timing check");
    assert!(timing.detail.contains("tbot's default"), "{timing:?}");
    // Only the TTL given, shorter than tbot's default renewal of 20m.
    let services = dir.path().join("tbot/services.yaml");
    let text = std::fs::read_to_string(&services).expect("read");
    std::fs::write(&services, format!("{text}    credential_ttl: \"15m\"\n")).expect("write");
    let report = verify::verify_dir(dir.path()).expect("verifies");
    let failures = failed(&report.checks);
    assert_eq!(failures.len(), 1, "{failures:#?}");
    assert_eq!(failures[0].id, CheckId::TbotTiming);
    assert!(
        failures[0].detail.contains("20m (tbot's default)"),
        "{failures:#?}"
    );

    let legacy = rendered_legacy();
    let outputs = legacy.path().join("tbot/outputs.yaml");
    let text = std::fs::read_to_string(&outputs).expect("read");
    std::fs::write(&outputs, format!("{text}    renewal_interval: 90m\n")).expect("write");
    let failures = failed_labels(legacy.path());
    assert_eq!(failures, ["tbot timing"]);
}

#[test]
fn an_explicit_deny_overrides_the_allow() {
    let dir = rendered("examples/answers.yaml");
    let path = dir.path().join("iam/trust-policy.json");
    let mut policy: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
    policy["Statement"].as_array_mut().expect("statements").push(json!({
        "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringLike": {"example.teleport.sh/workload-identity:sub": "spiffe://example.teleport.sh/svc/*"}}
    }));
    std::fs::write(&path, serde_json::to_string_pretty(&policy).expect("JSON")).expect("write");
    let report = verify::verify_dir(dir.path()).expect("verifies");
    let failures = failed(&report.checks);
    assert_eq!(failures.len(), 1, "{failures:#?}");
    assert!(
        failures[0].detail.contains("explicitly denies it"),
        "{}",
        failures[0].detail
    );
}

#[test]
fn a_wildcard_under_string_equals_is_explained() {
    let dir = rendered("examples/answers.yaml");
    edit(
        dir.path(),
        "iam/trust-policy.json",
        "svc/example-service\"",
        "svc/*\"",
    );
    let report = verify::verify_dir(dir.path()).expect("verifies");
    let failures = failed(&report.checks);
    assert_eq!(failures.len(), 1);
    assert!(
        failures[0]
            .detail
            .contains("is not a wildcard — use StringLike"),
        "{}",
        failures[0].detail
    );
    // StringLike makes the same wildcard work, for every workload under /svc/: the token is
    // accepted, and the trust scope says who else now is.
    edit(
        dir.path(),
        "iam/trust-policy.json",
        "StringEquals",
        "StringLike",
    );
    let report = verify::verify_dir(dir.path()).expect("verifies");
    let failures = failed(&report.checks);
    assert_eq!(
        failures.iter().map(|c| c.id.label()).collect::<Vec<_>>(),
        ["trust scope"]
    );
    assert!(
        failures[0]
            .detail
            .contains("other workloads of the cluster"),
        "{}",
        failures[0].detail
    );
}

/// The guide's trust policy with `change` applied, verified; the labels of the failed checks
/// and their details.
fn verify_trust_policy(change: impl FnOnce(&mut serde_json::Value)) -> Vec<(String, String)> {
    let dir = rendered("examples/answers.yaml");
    let path = dir.path().join("iam/trust-policy.json");
    let mut policy: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
    change(&mut policy);
    std::fs::write(&path, serde_json::to_string_pretty(&policy).expect("JSON")).expect("write");
    let report = verify::verify_dir(dir.path()).expect("verifies");
    failed(&report.checks)
        .iter()
        .map(|c| (c.id.label().to_owned(), c.detail.clone()))
        .collect()
}

/// A change to a policy document.
type PolicyEdit = Box<dyn FnOnce(&mut serde_json::Value)>;

#[test]
fn over_broad_trust_policies_fail_saying_who_else_gets_in() {
    let sub_key = "example.teleport.sh/workload-identity:sub";
    let cases: [(&str, PolicyEdit, &str); 5] = [
        (
            "AWS * statement",
            Box::new(|p| {
                p["Statement"].as_array_mut().expect("array").push(json!({
                    "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"
                }))
            }),
            "any AWS principal",
        ),
        (
            "no sub condition",
            Box::new(move |p| {
                p["Statement"][0]["Condition"]["StringEquals"]
                    .as_object_mut()
                    .expect("object")
                    .remove(sub_key);
            }),
            "other workloads of the cluster",
        ),
        (
            "StringLike sub *",
            Box::new(move |p| {
                p["Statement"][0]["Condition"]["StringLike"] = json!({sub_key: "*"});
                p["Statement"][0]["Condition"]["StringEquals"]
                    .as_object_mut()
                    .expect("object")
                    .remove(sub_key);
            }),
            "other workloads of the cluster",
        ),
        (
            "no Condition",
            Box::new(|p| {
                p["Statement"][0]
                    .as_object_mut()
                    .expect("object")
                    .remove("Condition");
            }),
            "other workloads of the cluster",
        ),
        (
            "Principal * with IfExists conditions",
            Box::new(|p| {
                let statement = &mut p["Statement"][0];
                statement["Principal"] = json!("*");
                let equals = statement["Condition"]
                    .as_object_mut()
                    .expect("object")
                    .remove("StringEquals")
                    .expect("StringEquals");
                // A token of another provider carries none of these keys: IfExists lets it in.
                statement["Condition"]["StringEqualsIfExists"] = equals;
            }),
            "tokens of any OIDC provider",
        ),
    ];
    for (case, change, who) in cases {
        let failures = verify_trust_policy(change);
        assert_eq!(
            failures
                .iter()
                .map(|(id, _)| id.as_str())
                .collect::<Vec<_>>(),
            ["trust scope"],
            "{case}: {failures:#?}"
        );
        assert!(failures[0].1.contains(who), "{case}: {}", failures[0].1);
    }
}

#[test]
fn a_trust_policy_the_simulation_cannot_read_fails_as_such() {
    // A Deny wi-aws cannot evaluate could apply: cannot evaluate, not "allowed".
    let failures = verify_trust_policy(|p| {
        p["Statement"].as_array_mut().expect("array").push(json!({
            "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
        }))
    });
    assert!(!failures.is_empty());
    assert!(
        failures
            .iter()
            .any(|(id, detail)| id == "trust policy" && detail.contains("cannot evaluate")),
        "{failures:#?}"
    );
    // A statement without Principal: AWS refuses the document.
    let failures = verify_trust_policy(|p| {
        p["Statement"][0]
            .as_object_mut()
            .expect("object")
            .remove("Principal");
    });
    assert!(
        failures
            .iter()
            .any(|(id, detail)| id == "trust policy" && detail.contains("MalformedPolicyDocument")),
        "{failures:#?}"
    );
    // NotPrincipal is not evaluated: never a pass.
    let failures = verify_trust_policy(|p| {
        let statement = p["Statement"][0].as_object_mut().expect("object");
        let principal = statement.remove("Principal").expect("principal");
        statement.insert("NotPrincipal".into(), principal);
    });
    assert!(
        failures
            .iter()
            .any(|(id, detail)| id == "trust policy" && detail.contains("NotPrincipal")),
        "{failures:#?}"
    );
}

/// The token-level suite: a Setup from the rendered guide, and crafted tokens.
struct TokenLab {
    _dir: tempfile::TempDir,
    setup: Setup,
    issuer: Issuer,
}

impl TokenLab {
    fn new() -> Self {
        let dir = rendered("examples/answers.yaml");
        let setup = Setup::read(dir.path(), None).expect("reads");
        let issuer =
            Issuer::generate("https://example.teleport.sh/workload-identity").expect("issuer");
        Self {
            _dir: dir,
            setup,
            issuer,
        }
    }

    fn claims(&self) -> serde_json::Value {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("time")
            .as_secs();
        json!({
            "iss": "https://example.teleport.sh/workload-identity",
            "sub": "spiffe://example.teleport.sh/svc/example-service",
            "aud": "sts.amazonaws.com",
            "iat": now,
            "exp": now + 600,
            "jti": "test",
        })
    }

    fn check(&self, token: &str) -> Vec<Check> {
        verify::verify_token(
            &self.setup,
            token,
            &self.issuer.jwks(),
            SystemTime::now(),
            false,
        )
    }

    /// `token` with its `sub` changed and its signature kept: what a forger would try.
    fn with_other_sub(&self, header: &serde_json::Value, token: &str) -> String {
        let mut claims = self.claims();
        claims["sub"] = json!("spiffe://example.teleport.sh/svc/admin");
        format!(
            "{}.{}.{}",
            b64(header),
            b64(&claims),
            token.rsplit('.').next().expect("signature")
        )
    }

    fn with(&self, change: impl FnOnce(&mut serde_json::Value)) -> Vec<Check> {
        let mut claims = self.claims();
        change(&mut claims);
        self.check(&self.issuer.sign(&claims).expect("signs"))
    }
}

fn assert_fails(checks: &[Check], id: &str, text: &str) {
    let failures = failed(checks);
    assert_eq!(
        failures.iter().map(|c| c.id.label()).collect::<Vec<_>>(),
        [id],
        "{failures:#?}"
    );
    let said = format!(
        "{} {}",
        failures[0].detail,
        failures[0].aws_error.as_deref().unwrap_or_default()
    );
    assert!(said.contains(text), "{id}: {said}");
}

fn b64(value: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

#[test]
fn a_well_formed_token_passes() {
    let lab = TokenLab::new();
    let checks = lab.with(|_| {});
    assert!(failed(&checks).is_empty(), "{:#?}", failed(&checks));
}

#[test]
fn bad_tokens_fail_the_check_sts_would_fail() {
    let lab = TokenLab::new();
    assert_fails(
        &lab.with(|c| c["aud"] = json!("other-audience")),
        "audience",
        "Incorrect token audience",
    );
    // The (tf) twin of the trust policy fails too: both documents refuse a foreign subject.
    let foreign = lab.with(|c| c["sub"] = json!("spiffe://evil.example.com/svc/example-service"));
    assert_eq!(
        failed(&foreign)
            .iter()
            .map(|c| c.id.label())
            .collect::<Vec<_>>(),
        ["trust policy", "trust policy (tf)"]
    );
    assert_fails(
        &lab.with(|c| c["iss"] = json!("https://example.teleport.sh/workload-identity/")),
        "issuer",
        "trailing slash",
    );
    assert_fails(
        &lab.with(|c| c["iss"] = json!("http://example.teleport.sh/workload-identity")),
        "issuer",
        "http://",
    );
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("time")
        .as_secs();
    assert_fails(
        &lab.with(|c| c["exp"] = json!(now - 400)),
        "expiry",
        "ExpiredTokenException: Token expired",
    );
    let within = lab.with(|c| c["exp"] = json!(now - 100));
    assert!(failed(&within).is_empty());
    assert!(
        within
            .iter()
            .any(|c| c.id == CheckId::Expiry && c.status == Status::Warn)
    );
}

#[test]
fn the_sub_of_the_tf_and_json_policies_is_compared_exactly() {
    let lab = TokenLab::new();
    let checks = lab.with(|c| c["sub"] = json!("spiffe://example.teleport.sh/svc/other"));
    let ids: Vec<&str> = failed(&checks).iter().map(|c| c.id.label()).collect();
    assert_eq!(ids, ["trust policy", "trust policy (tf)"]);
}

#[test]
fn forged_and_damaged_tokens_fail_before_the_trust_policy() {
    let lab = TokenLab::new();
    let good = lab.issuer.sign(&lab.claims()).expect("signs");
    let parts: Vec<&str> = good.split('.').collect();

    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        parts[1]
    );
    assert_fails(&lab.check(&none), "algorithm", "\"none\"");

    // HS256 keyed with the RSA public key: the classic algorithm-confusion forgery.
    let public_key = serde_json::to_string(&lab.issuer.jwks()).expect("JSON");
    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &lab.claims(),
        &jsonwebtoken::EncodingKey::from_secret(public_key.as_bytes()),
    )
    .expect("signs");
    assert_fails(&lab.check(&hs256), "algorithm", "\"HS256\"");

    let stranger =
        Issuer::generate("https://example.teleport.sh/workload-identity").expect("issuer");
    assert_fails(
        &lab.check(&stranger.sign(&lab.claims()).expect("signs")),
        "key",
        "Couldn't retrieve verification key",
    );

    let mut claims = lab.claims();
    claims["sub"] = json!("spiffe://example.teleport.sh/svc/admin");
    let tampered = format!("{}.{}.{}", parts[0], b64(&claims), parts[2]);
    assert_fails(&lab.check(&tampered), "signature", "signature is invalid");

    let other = lab.issuer.sign(&json!({"sub": "x"})).expect("signs");
    let bad_signature = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        other.split('.').nth(2).expect("signature")
    );
    assert_fails(
        &lab.check(&bad_signature),
        "signature",
        "signature is invalid",
    );

    let oversized = format!("{}.{}.{}", parts[0], "A".repeat(20_001), parts[2]);
    assert_fails(&lab.check(&oversized), "token", "length");

    assert_fails(&lab.check("not-a-jwt"), "token", "not a valid JWT");

    // Trust policies are not evaluated for a token STS refuses.
    let skipped = lab.check(&tampered);
    assert!(
        skipped
            .iter()
            .filter(|c| c.id.is_trust_policy())
            .all(|c| c.status == Status::Skipped)
    );
}

#[test]
fn the_issued_token_passes_an_independent_jwt_implementation() {
    let python = repo_path(".build/venv/bin/python");
    if !python.exists() {
        // .ci/run builds this venv (with PyJWT); `cargo test` alone cannot.
        eprintln!(
            "{} missing: run .ci/run to cross-check with PyJWT",
            python.display()
        );
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the PyJWT cross-check"
        );
        return;
    }
    let issuer = Issuer::generate("https://example.teleport.sh/workload-identity").expect("issuer");
    let token = issuer
        .issue(
            "spiffe://example.teleport.sh/svc/example-service",
            "sts.amazonaws.com",
            Duration::from_secs(600),
        )
        .expect("token");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("token"), &token).expect("write");
    std::fs::write(
        dir.path().join("jwks.json"),
        serde_json::to_string(&issuer.jwks()).expect("JSON"),
    )
    .expect("write");
    let output = std::process::Command::new(python)
        .arg(repo_path("tests/crosscheck_jwt.py"))
        .arg(dir.path().join("token"))
        .arg(dir.path().join("jwks.json"))
        .args([
            "https://example.teleport.sh/workload-identity",
            "sts.amazonaws.com",
            "spiffe://example.teleport.sh/svc/example-service",
        ])
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A fresh key for `alg` (RS256/384/512 share one RSA-2048 key, the slow part) that signs
/// `header.payload`; returns the token and the public key as a JWK, without `alg`.
fn signed_token(
    alg: &str,
    header: &serde_json::Value,
    claims: &serde_json::Value,
) -> (String, serde_json::Value) {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};
    thread_local! {
        static RSA: (Vec<u8>, serde_json::Value) = {
            let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("RSA key");
            let encoding = jsonwebtoken::EncodingKey::from_rsa_pem(key.serialize_pem().as_bytes())
                .expect("PEM");
            let jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(
                &encoding,
                jsonwebtoken::Algorithm::RS256,
            )
            .expect("JWK");
            let jwk = serde_json::to_value(jwk).expect("JSON");
            (key.serialize_der(), json!({"kty": "RSA", "n": jwk["n"], "e": jwk["e"]}))
        };
    }
    let rng = SystemRandom::new();
    let message = format!("{}.{}", b64(header), b64(claims));
    let (signature, mut jwk) = if let Some(bits) = alg.strip_prefix("RS") {
        let padding: &dyn signature::RsaEncoding = match bits {
            "256" => &signature::RSA_PKCS1_SHA256,
            "384" => &signature::RSA_PKCS1_SHA384,
            _ => &signature::RSA_PKCS1_SHA512,
        };
        RSA.with(|(der, jwk)| {
            let pair = RsaKeyPair::from_pkcs8(der).expect("pair");
            let mut signature = vec![0; pair.public_modulus_len()];
            pair.sign(padding, &rng, message.as_bytes(), &mut signature)
                .expect("signs");
            (signature, jwk.clone())
        })
    } else {
        let (curve, signing, size) = match alg {
            "ES256" => ("P-256", &signature::ECDSA_P256_SHA256_FIXED_SIGNING, 32),
            "ES384" => ("P-384", &signature::ECDSA_P384_SHA384_FIXED_SIGNING, 48),
            _ => ("P-521", &signature::ECDSA_P521_SHA512_FIXED_SIGNING, 66),
        };
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(signing, &rng).expect("key");
        let pair = EcdsaKeyPair::from_pkcs8(signing, pkcs8.as_ref()).expect("pair");
        let signature = pair.sign(&rng, message.as_bytes()).expect("signs");
        // The uncompressed point: 0x04 || x || y.
        let point = pair.public_key().as_ref();
        let jwk = json!({
            "kty": "EC",
            "crv": curve,
            "x": URL_SAFE_NO_PAD.encode(&point[1..=size]),
            "y": URL_SAFE_NO_PAD.encode(&point[size + 1..]),
        });
        (signature.as_ref().to_vec(), jwk)
    };
    jwk["kid"] = header["kid"].clone();
    (
        format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature)),
        jwk,
    )
}

/// Every algorithm STS accepts, through `wi-aws verify --token-file T --jwks J` on the rendered
/// guide, with the key's `alg` present and absent: each passes, and each altered token fails
/// on its signature. A key whose `alg` is unknown is named by its real value.
#[test]
fn a_valid_token_of_each_sts_algorithm_passes_with_or_without_the_keys_alg() {
    let lab = TokenLab::new();
    let dir = lab._dir.path();
    let run = |token: &str, jwk: &serde_json::Value| {
        std::fs::write(dir.join("token"), token).expect("write");
        std::fs::write(dir.join("jwks.json"), json!({"keys": [jwk]}).to_string()).expect("write");
        let output = common::run_wi_aws(
            &[
                "verify",
                "--token-file",
                "token",
                "--jwks",
                "jwks.json",
                "--out",
                ".",
            ],
            dir,
        );
        (output.status.code(), common::text(&output.stdout))
    };
    for alg in wi_aws::domain::jwk::STS_ALGORITHMS {
        let header = json!({"alg": alg, "typ": "JWT", "kid": format!("key-{alg}")});
        let (token, jwk) = signed_token(alg, &header, &lab.claims());
        for with_alg in [false, true] {
            let mut jwk = jwk.clone();
            if with_alg {
                jwk["alg"] = json!(alg);
            }
            let (code, stdout) = run(&token, &jwk);
            assert_eq!(code, Some(0), "{alg}, key alg {with_alg}: {stdout}");
            assert!(
                stdout.contains(&format!("valid {alg} signature")),
                "{alg}: {stdout}"
            );
        }
        let altered = lab.with_other_sub(&header, &token);
        let (code, stdout) = run(&altered, &jwk);
        assert_eq!(code, Some(1), "{alg}: {stdout}");
        assert!(stdout.contains("does not verify"), "{alg}: {stdout}");
    }
    let header = json!({"alg": "ES512", "kid": "k"});
    let (token, mut jwk) = signed_token("ES512", &header, &lab.claims());
    jwk["alg"] = json!("EdDSA");
    let (code, stdout) = run(&token, &jwk);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("alg \"EdDSA\""), "{stdout}");
    assert!(!stdout.contains("UNKNOWN"), "{stdout}");
}

#[test]
fn an_es512_header_never_passes_without_a_verified_signature() {
    let lab = TokenLab::new();
    let good = lab.issuer.sign(&lab.claims()).expect("signs");
    let payload = good.split('.').nth(1).expect("payload");
    let kid = lab.issuer.kid();
    // ES512 in the header, the RSA key's kid, and no (or any) signature.
    for signature in ["", "AAAA", good.split('.').nth(2).expect("signature")] {
        let forged = format!(
            "{}.{payload}.{signature}",
            b64(&json!({"alg": "ES512", "kid": kid}))
        );
        assert_fails(
            &lab.check(&forged),
            "signature",
            "cannot be verified with this key",
        );
    }
    // A real ES512 token verifies with its P-521 key, and fails once altered.
    let header = json!({"alg": "ES512", "kid": "p521"});
    let (token, jwk) = signed_token("ES512", &header, &lab.claims());
    let jwks: wi_aws::domain::jwk::Jwks =
        serde_json::from_value(json!({"keys": [jwk]})).expect("JWKS");
    let checks = verify::verify_token(&lab.setup, &token, &jwks, SystemTime::now(), false);
    assert!(failed(&checks).is_empty(), "{:#?}", failed(&checks));
    assert!(
        checks
            .iter()
            .any(|c| c.detail.contains("valid ES512 signature"))
    );
    let altered = lab.with_other_sub(&header, &token);
    let checks = verify::verify_token(&lab.setup, &altered, &jwks, SystemTime::now(), false);
    assert_fails(&checks, "signature", "does not verify");
}

#[test]
fn a_token_not_yet_valid_fails_and_a_future_iat_is_a_warning() {
    let lab = TokenLab::new();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("time")
        .as_secs();
    assert_fails(
        &lab.with(|c| c["nbf"] = json!(now + 3600)),
        "expiry",
        "not yet valid",
    );
    // Within the leeway, nbf is accepted, as STS accepts it.
    assert!(failed(&lab.with(|c| c["nbf"] = json!(now + 60))).is_empty());
    let future = lab.with(|c| c["iat"] = json!(now + 120));
    assert!(failed(&future).is_empty());
    assert!(
        future
            .iter()
            .any(|c| c.status == Status::Warn && c.detail.contains("in the future"))
    );
}

#[test]
fn an_rsa_key_under_2048_bits_is_called_too_small() {
    let lab = TokenLab::new();
    let mut jwks = serde_json::to_value(lab.issuer.jwks()).expect("json");
    // The same token against a JWKS whose key is cut to 1024 bits.
    let n = URL_SAFE_NO_PAD
        .decode(jwks["keys"][0]["n"].as_str().expect("n"))
        .expect("base64");
    jwks["keys"][0]["n"] = json!(URL_SAFE_NO_PAD.encode(&n[..128]));
    let jwks: wi_aws::domain::jwk::Jwks = serde_json::from_value(jwks).expect("JWKS");
    let token = lab.issuer.sign(&lab.claims()).expect("signs");
    let checks = verify::verify_token(&lab.setup, &token, &jwks, SystemTime::now(), false);
    assert_fails(&checks, "key", "1024 bits; STS needs at least 2048");
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(64))]

    /// Whatever the header says (alg, kid) and whatever the signature bytes, a token not signed
    /// by the issuer's key never gets past the signature check.
    #[test]
    fn arbitrary_headers_and_signatures_never_pass(
        alg in proptest::sample::select(vec![
            "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "HS256", "none", "EdDSA",
        ]),
        use_kid in proptest::bool::ANY,
        signature in proptest::collection::vec(proptest::num::u8::ANY, 0..600),
    ) {
        let lab = LAB.with(|lab| lab.clone());
        let mut header = json!({"alg": alg, "typ": "JWT"});
        if use_kid {
            header["kid"] = json!(lab.1.clone());
        }
        let token = format!(
            "{}.{}.{}",
            b64(&header),
            b64(&lab.2),
            URL_SAFE_NO_PAD.encode(&signature)
        );
        let keys: wi_aws::verify::sts::VerificationKeys = lab.0.clone().into();
        let provider = wi_aws::verify::sts::Provider {
            url: "https://example.teleport.sh/workload-identity".into(),
            client_ids: Some(vec!["sts.amazonaws.com".into()]),
        };
        let (checks, _) =
            wi_aws::verify::sts::validate(&token, &keys, &provider, SystemTime::now(), true);
        proptest::prop_assert!(
            checks.iter().any(|c| c.status == Status::Fail),
            "{alg} passed: {checks:#?}"
        );
        proptest::prop_assert!(
            !checks.iter().any(|c| c.id == CheckId::Signature && c.status != Status::Fail),
            "{checks:#?}"
        );
    }
}

thread_local! {
    /// One issuer for every case: RSA key generation takes ~100 ms.
    static LAB: (wi_aws::domain::jwk::Jwks, String, serde_json::Value) = {
        let issuer = Issuer::generate("https://example.teleport.sh/workload-identity").expect("issuer");
        let claims = json!({
            "iss": "https://example.teleport.sh/workload-identity",
            "sub": "spiffe://example.teleport.sh/svc/example-service",
            "aud": "sts.amazonaws.com",
            "exp": 4_000_000_000u64,
        });
        (issuer.jwks(), issuer.kid().to_owned(), claims)
    };
}

/// The guide's answers in the legacy generation, rendered.
fn rendered_legacy() -> tempfile::TempDir {
    let text = std::fs::read_to_string(repo_path("examples/answers.yaml"))
        .expect("example")
        .replace("  api: auto", "  api: legacy-spiffe");
    let plan = wi_aws::answers::fleet::single_plan(&text).expect("valid");
    assert_eq!(
        plan.workload.api,
        wi_aws::domain::teleport::TeleportApi::LegacySpiffe
    );
    let dir = tempfile::tempdir().expect("temp dir");
    wi_aws::artifacts::write::write_all(dir.path(), &render_plan(&plan), false).expect("writes");
    dir
}

fn failed_labels(dir: &Path) -> Vec<String> {
    let report = verify::verify_dir(dir).expect("verifies");
    failed(&report.checks)
        .iter()
        .map(|c| c.id.label().to_owned())
        .collect()
}

#[test]
fn the_legacy_generation_is_verified_from_its_own_files() {
    let dir = rendered_legacy();
    assert!(failed_labels(dir.path()).is_empty());
    edit(
        dir.path(),
        "teleport/role.yaml",
        "path: \"/svc/example-service\"",
        "path: \"/svc/other\"",
    );
    assert_eq!(failed_labels(dir.path()), ["teleport role"]);
    let dir = rendered_legacy();
    edit(
        dir.path(),
        "tbot/outputs.yaml",
        "audience: \"sts.amazonaws.com\"",
        "audience: \"sts.example.com\"",
    );
    assert_eq!(failed_labels(dir.path()), ["audience"]);
}

#[test]
fn the_resource_spiffe_id_is_the_sub_and_the_destination_the_token_path() {
    let dir = rendered("examples/answers.yaml");
    edit(
        dir.path(),
        "teleport/workload-identity.yaml",
        "id: \"/svc/example-service\"",
        "id: \"/svc/other\"",
    );
    assert_eq!(
        failed_labels(dir.path()),
        ["trust policy", "trust policy (tf)"]
    );
    let dir = rendered("examples/answers.yaml");
    edit(
        dir.path(),
        "tbot/services.yaml",
        "path: \"/opt/workload-identity\"",
        "path: \"/var/lib/tbot\"",
    );
    assert_eq!(
        failed_labels(dir.path()),
        ["profile token file", "env token file"]
    );
}
