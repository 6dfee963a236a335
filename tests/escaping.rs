//! Escaping does not rely on validation: a plan holding hostile values (which validation would
//! refuse) still renders to files that carry each value exactly, or refuses to render.

mod common;

use common::*;
use wi_aws::artifacts::render::{self, RenderError, Templates};

#[test]
fn hostile_values_arrive_intact_in_every_format() {
    let plan = hostile_plan();
    let artifacts = render_plan(&plan);

    let trust = json(&artifacts, "iam/trust-policy.json");
    let prefix = plan.cluster.proxy.issuer_host_path();
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringEquals"][format!("{prefix}:aud")],
        plan.tbot.audience
    );

    let values = terraform_values(&artifacts, &plan);
    assert_eq!(
        values[".resource.aws_s3_bucket.workload.bucket"].as_str(),
        plan.aws.bucket.as_deref()
    );
    assert_eq!(
        values[".resource.aws_iam_role.workload.name"].as_str(),
        Some(plan.aws.role_name.as_str())
    );
    assert_eq!(
        values[".provider.aws.region"].as_str(),
        Some(plan.aws.region.as_str())
    );
    assert_eq!(
        values[".locals.audience"].as_str(),
        Some(plan.tbot.audience.as_str())
    );

    let role = yaml(&artifacts, "teleport/role.yaml");
    assert_eq!(
        role["metadata"]["name"].as_str(),
        Some(plan.workload.teleport_role.as_str())
    );
    let resource = yaml(&artifacts, "teleport/workload-identity.yaml");
    assert_eq!(
        resource["metadata"]["name"].as_str(),
        plan.workload.resource_name.as_deref()
    );
    assert_eq!(
        role["spec"]["allow"]["workload_identity_labels"]["workload"][0].as_str(),
        plan.workload.resource_name.as_deref()
    );
    let tbot = yaml(&artifacts, "tbot/services.yaml");
    let service = &tbot["services"][0];
    assert_eq!(
        service["destination"]["path"].as_str(),
        Some(plan.tbot.output_dir.as_str())
    );
    assert_eq!(
        service["audiences"][0].as_str(),
        Some(plan.tbot.audience.as_str())
    );
    assert_eq!(
        service["selector"]["name"].as_str(),
        plan.workload.resource_name.as_deref()
    );
    assert_eq!(
        service["credential_ttl"].as_str(),
        plan.tbot.credential_ttl.as_deref()
    );

    let dir = tempfile::tempdir().expect("temp dir");
    wi_aws::artifacts::write::write_all(dir.path(), &artifacts, false).expect("writes");
    let env = dir.path().join("aws/env");
    assert_eq!(shell_value(&env, "AWS_ROLE_ARN"), plan.role_arn());
    assert_eq!(
        shell_value(&env, "AWS_WEB_IDENTITY_TOKEN_FILE"),
        plan.token_file()
    );
    assert_eq!(shell_value(&env, "AWS_REGION"), plan.aws.region);
    // The setup script's variables hold the values, not the result of running them.
    let setup = dir.path().join("aws-cli/setup.sh");
    let assignments: String = std::fs::read_to_string(&setup)
        .expect("read")
        .lines()
        .filter(|l| {
            l.starts_with("bucket=") || l.starts_with("role_name=") || l.starts_with("audience=")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let vars = dir.path().join("vars.sh");
    std::fs::write(&vars, assignments).expect("write");
    assert_eq!(Some(shell_value(&vars, "bucket")), plan.aws.bucket);
    assert_eq!(shell_value(&vars, "role_name"), plan.aws.role_name);
    assert_eq!(shell_value(&vars, "audience"), plan.tbot.audience);
    assert!(!std::path::Path::new("/tmp/pwned").exists());
}

#[test]
fn a_line_break_never_reaches_the_ini_profile() {
    let mut plan = plan_of("examples/answers.yaml");
    plan.aws.profile = "ok]\n[profile evil]\ncredential_process = /bin/sh -c id\n[x".to_owned();
    let templates = Templates::embedded().expect("templates");
    match render::render(&plan, &templates) {
        Err(RenderError::Ini { path, .. }) => assert_eq!(path, "aws/config"),
        other => panic!("expected the INI renderer to refuse, got {other:?}"),
    }
}
