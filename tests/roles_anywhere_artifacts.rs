//! The Roles Anywhere route's artifact sets: pinned by snapshots, read back by independent
//! parsers (HCL with evaluation, JSON, YAML, INI, the shell), replayed from the saved answers,
//! and accepted by `terraform fmt`.

mod common;

use common::*;
use std::path::Path;
use wi_aws::answers::plan::Plan;
use wi_aws::answers::schema::SCHEMA_FILE;
use wi_aws::artifacts::render::Artifact;
use wi_aws::verify::terraform;

const RA_CASES: &[(&str, &str)] = &[
    ("roles_anywhere", "examples/roles-anywhere.yaml"),
    (
        "roles_anywhere_existing_gov",
        "tests/fixtures/roles-anywhere-existing.yaml",
    ),
];

#[test]
fn snapshots_of_every_artifact() {
    for (case, file) in RA_CASES {
        let artifacts = render_plan(&plan_of(file));
        let paths: Vec<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "terraform/main.tf",
                "iam/trust-policy.json",
                "iam/trust-anchor.pem",
                "iam/permissions-policy.json",
                "aws-cli/setup.sh",
                "aws-cli/teardown.sh",
                "teleport/workload-identity.yaml",
                "teleport/role.yaml",
                "teleport/setup.sh",
                "teleport/teardown.sh",
                "tbot/services.yaml",
                "aws/config",
                "aws/env",
                "NEXT-STEPS.md",
                SCHEMA_FILE,
                "answers.yaml",
            ],
            "{case}"
        );
        snapshot_every_artifact(case, &artifacts);
    }
}

fn ra(plan: &Plan) -> &wi_aws::routes::roles_anywhere::plan::RolesAnywherePlan {
    plan.roles_anywhere
        .as_ref()
        .expect("the roles-anywhere route")
}

#[test]
fn main_tf_evaluates_to_the_inputs_exactly() {
    for (case, file) in RA_CASES {
        let plan = plan_of(file);
        let ra = ra(&plan);
        let artifacts = render_plan(&plan);
        let values = terraform::evaluate(
            artifact(&artifacts, "terraform/main.tf"),
            plan.aws.partition,
            &plan.aws.account_id,
        )
        .unwrap_or_else(|e| panic!("{case}: {e}"));
        let get = |key: &str| terraform::string_attribute(&values, key);
        let anchor = terraform::TRUST_ANCHOR;
        match ra.trust_anchor_name.as_deref() {
            Some(name) => {
                assert_eq!(
                    get(&format!("{anchor}.name")).as_deref(),
                    Some(name),
                    "{case}"
                );
                assert_eq!(
                    get(&format!("{anchor}.source.source_type")).as_deref(),
                    Some("CERTIFICATE_BUNDLE")
                );
                assert_eq!(
                    get(&format!(
                        "{anchor}.source.source_data.x509_certificate_data"
                    ))
                    .as_deref(),
                    Some(ra.ca_bundle.as_str()),
                    "{case}: the PEM survives HCL escaping byte for byte"
                );
            }
            None => assert!(get(&format!("{anchor}.name")).is_none(), "{case}"),
        }
        let profile = terraform::RA_PROFILE;
        assert_eq!(
            get(&format!("{profile}.name")).as_deref(),
            Some(ra.profile_name.as_str())
        );
        assert_eq!(
            terraform::list_attribute(&values, &format!("{profile}.role_arns")),
            Some(vec![plan.role_arn()]),
            "{case}"
        );
        let trust =
            terraform::json_attribute(&values, &format!("{}.assume_role_policy", terraform::ROLE))
                .expect("a trust policy");
        let json_trust = json(&artifacts, "iam/trust-policy.json");
        assert_eq!(
            trust["Statement"][0]["Condition"]["StringEquals"]["aws:PrincipalTag/x509SAN/URI"],
            plan.workload.spiffe_id.to_string()
        );
        assert_eq!(
            trust["Statement"][0]["Principal"],
            json_trust["Statement"][0]["Principal"]
        );
        assert_eq!(
            trust["Statement"][0]["Action"],
            json_trust["Statement"][0]["Action"]
        );
        if let Some(arn) = &ra.trust_anchor_arn {
            assert_eq!(
                json_trust["Statement"][0]["Condition"]["StringEquals"]["aws:SourceArn"],
                arn.as_str()
            );
        }
    }
}

#[test]
fn tbot_env_and_config_carry_the_plan() {
    for (case, file) in RA_CASES {
        let plan = plan_of(file);
        let ra = ra(&plan);
        let artifacts = render_plan(&plan);
        let services = yaml(&artifacts, "tbot/services.yaml");
        let service = &services["services"][0];
        assert_eq!(
            service["type"], "workload-identity-aws-roles-anywhere",
            "{case}"
        );
        assert_eq!(service["role_arn"].as_str(), Some(plan.role_arn().as_str()));
        assert_eq!(
            service["trust_anchor_arn"].as_str(),
            Some(ra.trust_anchor_arn_or_pending())
        );
        assert_eq!(
            service["profile_arn"].as_str(),
            Some(ra.profile_arn_or_pending())
        );
        assert_eq!(service["region"].as_str(), Some(plan.aws.region.as_str()));
        assert_eq!(
            service["session_duration"].as_str(),
            Some(ra.session_duration.as_str())
        );
        assert_eq!(
            service["credential_profile_name"].as_str(),
            Some(ra.credential_profile.as_str())
        );
        let dir = tempfile::tempdir().expect("temp dir");
        write_to(dir.path(), &artifacts);
        let env = sourced(
            dir.path(),
            "aws/env",
            "$AWS_SHARED_CREDENTIALS_FILE|$AWS_PROFILE",
        );
        assert_eq!(
            env,
            format!(
                "{}/aws_credentials|{}",
                plan.tbot.output_dir, ra.credential_profile
            ),
            "{case}"
        );
        let config = ini(artifact(&artifacts, "aws/config"));
        assert_eq!(
            config[&format!("profile {}", ra.credential_profile)]["region"],
            plan.aws.region
        );
    }
}

fn write_to(dir: &Path, artifacts: &[Artifact]) {
    wi_aws::artifacts::write::write_all(dir, artifacts, false).expect("writes");
}

/// What `sh` prints for `printf FORMAT` after sourcing `file`.
fn sourced(dir: &Path, file: &str, format: &str) -> String {
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(". ./{file} && printf '%s' \"{format}\""))
        .current_dir(dir)
        .output()
        .expect("sh runs");
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_setup_script_passes_the_anchor_source_as_json_and_parses() {
    for (case, file) in RA_CASES {
        let plan = plan_of(file);
        let artifacts = render_plan(&plan);
        let dir = tempfile::tempdir().expect("temp dir");
        write_to(dir.path(), &artifacts);
        for script in ["aws-cli/setup.sh", "aws-cli/teardown.sh"] {
            let status = std::process::Command::new("sh")
                .args(["-n", script])
                .current_dir(dir.path())
                .status()
                .expect("sh runs");
            assert!(status.success(), "{case}: {script} does not parse");
        }
        // The value the script hands the AWS CLI's --source, as the shell reads it.
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg("eval \"$(grep '^trust_anchor_source=' aws-cli/setup.sh)\" && printf '%s' \"$trust_anchor_source\"")
            .current_dir(dir.path())
            .output()
            .expect("sh runs");
        let source: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("the source is JSON");
        assert_eq!(source["sourceType"], "CERTIFICATE_BUNDLE");
        assert_eq!(
            source["sourceData"]["x509CertificateData"].as_str(),
            Some(ra(&plan).ca_bundle.as_str()),
            "{case}"
        );
        assert_eq!(
            artifact(&artifacts, "iam/trust-anchor.pem"),
            ra(&plan).ca_bundle,
            "{case}"
        );
    }
}

#[test]
fn saved_answers_replay_to_the_same_plan_and_artifacts() {
    for (case, file) in RA_CASES {
        let plan = plan_of(file);
        let artifacts = render_plan(&plan);
        let replayed = wi_aws::answers::fleet::single_plan(artifact(&artifacts, "answers.yaml"))
            .unwrap_or_else(|p| panic!("{case}: saved answers do not load: {p}"));
        assert_eq!(replayed, plan, "{case}");
        assert_eq!(render_plan(&replayed), artifacts, "{case}");
    }
}

#[test]
fn terraform_fmt_accepts_main_tf() {
    if std::process::Command::new("terraform")
        .arg("version")
        .output()
        .is_err()
    {
        eprintln!("terraform not on PATH: skipping `terraform fmt -check`");
        return;
    }
    for (case, file) in RA_CASES {
        let dir = tempfile::tempdir().expect("temp dir");
        write_to(dir.path(), &render_plan(&plan_of(file)));
        let output = std::process::Command::new("terraform")
            .args(["fmt", "-check", "-diff", "main.tf"])
            .current_dir(dir.path().join("terraform"))
            .output()
            .expect("terraform runs");
        assert!(
            output.status.success(),
            "{case}: terraform fmt would change main.tf:\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}

#[test]
fn an_oidc_file_renders_none_of_the_routes_files() {
    let artifacts = render_plan(&plan_of("examples/answers.yaml"));
    assert!(artifacts.iter().all(|a| a.path != "iam/trust-anchor.pem"));
    assert!(!artifact(&artifacts, "terraform/main.tf").contains("rolesanywhere"));
}
