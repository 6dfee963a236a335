//! Micro-benchmarks of the core operations (divan): `cargo bench --bench core`.

use std::hint::black_box;
use std::time::{Duration, SystemTime};
use wi_aws::artifacts::render::{self, Templates};
use wi_aws::domain::jwt_svid::Issuer;
use wi_aws::verify::{policy, sts};

const ANSWERS: &str = include_str!("../examples/answers.yaml");

fn main() {
    divan::main();
}

#[divan::bench]
fn validate_answers_file() -> wi_aws::answers::plan::Plan {
    wi_aws::answers::fleet::single_plan(black_box(ANSWERS)).expect("valid")
}

#[divan::bench]
fn render_full_artifact_set(bencher: divan::Bencher) {
    let plan = wi_aws::answers::fleet::single_plan(ANSWERS).expect("valid");
    let templates = Templates::embedded().expect("templates");
    bencher.bench(|| render::render(black_box(&plan), &templates).expect("renders"));
}

#[divan::bench]
fn compile_embedded_templates() -> Templates {
    Templates::embedded().expect("templates")
}

#[divan::bench]
fn issue_and_validate_jwt(bencher: divan::Bencher) {
    let issuer = Issuer::generate("https://example.teleport.sh/workload-identity").expect("issuer");
    let jwks: sts::VerificationKeys = issuer.jwks().into();
    let provider = sts::Provider {
        url: "https://example.teleport.sh/workload-identity".into(),
        client_ids: Some(vec!["sts.amazonaws.com".into()]),
    };
    bencher.bench(|| {
        let token = issuer
            .issue(
                "spiffe://example.teleport.sh/svc/example-service",
                "sts.amazonaws.com",
                Duration::from_secs(600),
            )
            .expect("token");
        sts::validate(&token, &jwks, &provider, SystemTime::now(), false)
    });
}

#[divan::bench]
fn evaluate_trust_policy(bencher: divan::Bencher) {
    let plan = wi_aws::answers::fleet::single_plan(ANSWERS).expect("valid");
    let artifacts =
        render::render(&plan, &Templates::embedded().expect("templates")).expect("renders");
    let trust = artifacts
        .iter()
        .find(|a| a.path == "iam/trust-policy.json")
        .expect("trust policy");
    let policy: serde_json::Value = serde_json::from_str(&trust.contents).expect("JSON");
    let prefix = plan.condition_key_prefix();
    let mut context = std::collections::BTreeMap::new();
    context.insert(
        format!("{prefix}:sub"),
        vec![plan.workload.spiffe_id.to_string()],
    );
    context.insert(format!("{prefix}:aud"), vec![plan.tbot.audience.clone()]);
    let request = policy::Request {
        action: "sts:AssumeRoleWithWebIdentity".into(),
        federated: Some(plan.provider_arn()),
        context,
        ..policy::Request::default()
    };
    bencher.bench(|| assert!(policy::evaluate(black_box(&policy), &request).allowed()));
}

#[divan::bench]
fn thumbprint_of_a_chain(bencher: divan::Bencher) {
    let pki = wi_aws::discover::demo::DemoPki::generate(&["localhost".into()], 2).expect("pki");
    bencher.bench(|| wi_aws::domain::thumbprint::of_chain(black_box(&pki.chain)));
}
