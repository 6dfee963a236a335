//! The artifact set of three answer sets: pinned by snapshots, read back by independent parsers
//! (JSON, YAML, HCL with evaluation, INI, the shell), and checked against the five errors of the
//! upstream guide.

mod common;

use common::*;
use serde_json::json;
use std::path::Path;
use wi_aws::answers::plan::Plan;
use wi_aws::answers::schema::SCHEMA_FILE;
use wi_aws::artifacts::render::{ARTIFACTS, Artifact, Layout};
use wi_aws::domain::aws::AccessPreset;
use wi_aws::domain::aws::ProviderMode;
use wi_aws::domain::teleport::TeleportApi;

#[test]
fn snapshots_of_every_artifact() {
    for (case, file) in CASES {
        let plan = plan_of(file);
        let artifacts = render_plan(&plan);
        // Every artifact of the plan's generation, and answers.yaml.
        let of_generation = ARTIFACTS
            .iter()
            .filter(|kind| kind.api.is_none_or(|api| api == plan.workload.api))
            .filter(|kind| kind.runs_on().is_none_or(|on| on == plan.tbot.runs_on))
            .filter(|kind| {
                kind.as_code()
                    .is_none_or(|code| code == plan.workload.as_code)
            })
            .filter(|kind| kind.layout != Layout::Fleet)
            .count();
        // answers.yaml and its schema; the set's copy of a policy file.
        let copies = usize::from(plan.aws.policy_document.is_some());
        assert_eq!(artifacts.len(), of_generation + 2 + copies);
        // The schema is the same for every set: pinned as schema/answers.schema.json.
        snapshot_every_artifact(case, &artifacts);
    }
}

fn expected_trust_policy(plan: &Plan) -> serde_json::Value {
    let prefix = plan.cluster.proxy.issuer_host_path();
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Federated": plan.provider_arn() },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": { "StringEquals": {
                format!("{prefix}:aud"): plan.tbot.audience,
                format!("{prefix}:sub"): plan.workload.spiffe_id.to_string(),
            }}
        }]
    })
}

#[test]
fn trust_policy_json_carries_the_inputs_exactly() {
    for (case, file) in CASES {
        let plan = plan_of(file);
        let artifacts = render_plan(&plan);
        assert_eq!(
            json(&artifacts, "iam/trust-policy.json"),
            expected_trust_policy(&plan),
            "{case}"
        );
    }
}

#[test]
fn permissions_policy_grants_the_preset_on_bucket_and_objects() {
    for (case, file) in CASES {
        let plan = plan_of(file);
        let Some(bucket_arn) = plan.bucket_arn() else {
            continue;
        };
        let policy = json(&render_plan(&plan), "iam/permissions-policy.json");
        let statements: Vec<&serde_json::Value> = policy["Statement"]
            .as_array()
            .expect("statements")
            .iter()
            .filter(|s| {
                ["BucketAndObjects", "Bucket", "Objects"].contains(&s["Sid"].as_str().unwrap_or(""))
            })
            .collect();
        let granted = |resource: &str| -> Vec<String> {
            statements
                .iter()
                .filter(|s| {
                    s["Resource"]
                        .as_array()
                        .expect("resource list")
                        .iter()
                        .any(|r| r == resource)
                })
                .flat_map(|s| s["Action"].as_array().expect("action list").iter())
                .map(|a| a.as_str().expect("string").to_owned())
                .collect()
        };
        assert_eq!(granted(&bucket_arn), plan.bucket_actions(), "{case}");
        assert_eq!(
            granted(&format!("{bucket_arn}/*")),
            plan.object_actions(),
            "{case}"
        );
        assert!(statements.iter().all(|s| s["Effect"] == "Allow"));
    }
}

#[test]
fn presets_expand_as_documented() {
    let gov = plan_of(CASES[1].1);
    assert_eq!(gov.aws.access, AccessPreset::ReadOnly);
    assert_eq!(gov.object_actions(), ["s3:GetObject"]);
    let deep = plan_of(CASES[2].1);
    // Duplicates are dropped, order kept.
    assert_eq!(
        deep.object_actions(),
        ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]
    );
}

#[test]
fn terraform_references_resolve_and_policies_equal_the_json_files() {
    for (case, file) in CASES {
        let plan = plan_of(file);
        let artifacts = render_plan(&plan);
        let values = terraform_values(&artifacts, &plan);
        let decoded = |key: &str| -> serde_json::Value {
            wi_aws::verify::terraform::json_attribute(&values, key)
                .unwrap_or_else(|error| panic!("{case}: {error}"))
        };
        assert_eq!(
            decoded(".resource.aws_iam_role.workload.assume_role_policy"),
            json(&artifacts, "iam/trust-policy.json"),
            "{case}: Terraform's trust policy differs from iam/trust-policy.json"
        );
        assert_eq!(
            decoded(".resource.aws_iam_policy.workload.policy"),
            json(&artifacts, "iam/permissions-policy.json"),
            "{case}: Terraform's permissions policy differs from iam/permissions-policy.json"
        );
        let string = |key: &str| {
            values[key]
                .as_str()
                .unwrap_or_else(|| panic!("{case}: {key}"))
                .to_owned()
        };
        assert_eq!(
            string(".resource.aws_iam_role.workload.name"),
            plan.aws.role_name
        );
        assert_eq!(
            string(".resource.aws_iam_role.workload.path"),
            plan.aws.role_path
        );
        assert_eq!(
            string(".resource.aws_iam_policy.workload.name"),
            plan.aws.policy_name
        );
        assert_eq!(string(".provider.aws.region"), plan.aws.region);
        match plan.aws.provider {
            ProviderMode::Create => {
                let key = ".resource.aws_iam_openid_connect_provider.teleport";
                assert_eq!(string(&format!("{key}.url")), plan.issuer_url());
                let thumbprints: Vec<String> = values[&format!("{key}.thumbprint_list")]
                    .as_array()
                    .expect("list")
                    .iter()
                    .map(|v| v.as_str().expect("string").to_owned())
                    .collect();
                assert_eq!(thumbprints, plan.cluster.thumbprints);
                assert_eq!(
                    values[&format!("{key}.client_id_list")],
                    hcl::Value::Array(vec![plan.tbot.audience.clone().into()])
                );
            }
            ProviderMode::Existing => {
                assert_eq!(
                    string(".data.aws_iam_openid_connect_provider.teleport.url"),
                    plan.issuer_url()
                );
            }
        }
        let declares_bucket = values.contains_key(".resource.aws_s3_bucket.workload.bucket");
        assert_eq!(declares_bucket, plan.aws.create_bucket, "{case}");
        if plan.aws.create_bucket {
            assert_eq!(
                Some(string(".resource.aws_s3_bucket.workload.bucket")),
                plan.aws.bucket
            );
        }
    }
}

#[test]
fn teleport_role_and_tbot_output_carry_the_spiffe_path() {
    let mut generations = Vec::new();
    for (case, file) in CASES {
        let plan = plan_of(file);
        let artifacts = render_plan(&plan);
        let role = yaml(&artifacts, "teleport/role.yaml");
        assert_eq!(role["kind"], "role", "{case}");
        assert_eq!(role["version"], "v6");
        assert_eq!(
            role["metadata"]["name"].as_str(),
            Some(plan.workload.teleport_role.as_str())
        );
        generations.push(plan.workload.api);
        match plan.workload.api {
            TeleportApi::LegacySpiffe => legacy_artifacts_carry_the_plan(&plan, &artifacts, &role),
            TeleportApi::WorkloadIdentity => {
                current_artifacts_carry_the_plan(&plan, &artifacts, &role)
            }
        }
    }
    // The fixtures cover both generations.
    assert!(generations.contains(&TeleportApi::LegacySpiffe));
    assert!(generations.contains(&TeleportApi::WorkloadIdentity));
}

fn legacy_artifacts_carry_the_plan(plan: &Plan, artifacts: &[Artifact], role: &serde_yaml::Value) {
    assert_eq!(
        role["spec"]["allow"]["spiffe"][0]["path"].as_str(),
        Some(plan.workload.spiffe_id.path())
    );
    assert!(
        !artifacts
            .iter()
            .any(|a| a.path == "teleport/workload-identity.yaml")
    );
    let outputs = yaml(artifacts, "tbot/outputs.yaml");
    let output = &outputs["outputs"][0];
    assert_eq!(output["type"], "spiffe-svid");
    assert_eq!(output["destination"]["type"], "directory");
    assert_eq!(
        output["destination"]["path"].as_str(),
        Some(plan.tbot.output_dir.as_str())
    );
    assert_eq!(
        output["svid"]["path"].as_str(),
        Some(plan.workload.spiffe_id.path())
    );
    assert_eq!(
        output["jwts"][0]["audience"].as_str(),
        Some(plan.tbot.audience.as_str())
    );
    assert_eq!(
        output["jwts"][0]["file_name"].as_str(),
        plan.tbot.jwt_file.as_deref()
    );
}

fn current_artifacts_carry_the_plan(plan: &Plan, artifacts: &[Artifact], role: &serde_yaml::Value) {
    let name = plan
        .workload
        .resource_name
        .as_deref()
        .expect("a resource name");
    let resource = yaml(artifacts, "teleport/workload-identity.yaml");
    assert_eq!(resource["kind"], "workload_identity");
    assert_eq!(resource["version"], "v1");
    assert_eq!(resource["metadata"]["name"].as_str(), Some(name));
    assert_eq!(
        resource["spec"]["spiffe"]["id"].as_str(),
        Some(plan.workload.spiffe_id.path())
    );
    // The role's labels select exactly the resource's labels.
    let labels = resource["metadata"]["labels"].as_mapping().expect("labels");
    let selects = role["spec"]["allow"]["workload_identity_labels"]
        .as_mapping()
        .expect("workload_identity_labels");
    assert_eq!(labels.len(), selects.len());
    for (key, value) in labels {
        assert_eq!(selects[key][0], *value);
    }
    let rule = &role["spec"]["allow"]["rules"][0];
    assert_eq!(rule["resources"][0], "workload_identity");
    assert_eq!(rule["verbs"][0], "list");
    assert_eq!(rule["verbs"][1], "read");
    assert!(role["spec"]["allow"].get("spiffe").is_none());
    assert!(!artifacts.iter().any(|a| a.path == "tbot/outputs.yaml"));
    let services = yaml(artifacts, "tbot/services.yaml");
    let service = &services["services"][0];
    assert_eq!(service["type"], "workload-identity-jwt");
    assert_eq!(service["selector"]["name"].as_str(), Some(name));
    assert_eq!(
        service["audiences"][0].as_str(),
        Some(plan.tbot.audience.as_str())
    );
    assert_eq!(service["destination"]["type"], "directory");
    assert_eq!(
        service["destination"]["path"].as_str(),
        Some(plan.tbot.output_dir.as_str())
    );
    assert_eq!(
        service["credential_ttl"].as_str(),
        plan.tbot.credential_ttl.as_deref()
    );
    assert_eq!(
        service["renewal_interval"].as_str(),
        plan.tbot.renewal_interval.as_deref()
    );
    assert_eq!(
        plan.token_file(),
        format!("{}/jwt_svid", plan.tbot.output_dir)
    );
}

#[test]
fn aws_profile_points_at_the_role_and_tbots_token_file() {
    for (case, file) in CASES {
        let plan = plan_of(file);
        let artifacts = render_plan(&plan);
        let config = ini(artifact(&artifacts, "aws/config"));
        let profile = &config[&format!("profile {}", plan.aws.profile)];
        assert_eq!(profile["role_arn"], plan.role_arn(), "{case}");
        assert_eq!(profile["web_identity_token_file"], plan.token_file());
        assert_eq!(profile["region"], plan.aws.region);
        assert_eq!(
            profile.get("role_session_name"),
            plan.aws.session_name.as_ref()
        );
    }
}

fn write_to(dir: &Path, artifacts: &[Artifact]) {
    wi_aws::artifacts::write::write_all(dir, artifacts, false).expect("writes");
}

#[test]
fn shell_artifacts_parse_and_export_the_exact_values() {
    for (case, file) in CASES {
        let plan = plan_of(file);
        let artifacts = render_plan(&plan);
        let dir = tempfile::tempdir().expect("temp dir");
        write_to(dir.path(), &artifacts);
        for script in [
            "aws-cli/setup.sh",
            "aws-cli/teardown.sh",
            "teleport/setup.sh",
            "teleport/teardown.sh",
            "aws/env",
        ] {
            let status = std::process::Command::new("sh")
                .arg("-n")
                .arg(dir.path().join(script))
                .status()
                .expect("sh runs");
            assert!(
                status.success(),
                "{case}: {script} has a shell syntax error"
            );
        }
        let env = dir.path().join("aws/env");
        assert_eq!(shell_value(&env, "AWS_ROLE_ARN"), plan.role_arn());
        assert_eq!(
            shell_value(&env, "AWS_WEB_IDENTITY_TOKEN_FILE"),
            plan.token_file()
        );
        let setup = artifact(&artifacts, "aws-cli/setup.sh");
        assert!(
            setup.contains(&format!("provider_arn={}\n", plan.provider_arn())),
            "{case}"
        );
        assert!(
            setup.contains(&format!("role_arn={}\n", plan.role_arn())),
            "{case}"
        );
    }
}

#[test]
fn scripts_are_executable_and_nothing_else_is() {
    let artifacts = render_plan(&plan_of(CASES[0].1));
    let executable: Vec<&str> = artifacts
        .iter()
        .filter(|a| a.executable)
        .map(|a| a.path.as_str())
        .collect();
    assert_eq!(
        executable,
        [
            "aws-cli/setup.sh",
            "aws-cli/teardown.sh",
            "teleport/setup.sh",
            "teleport/teardown.sh"
        ]
    );
    for script in executable {
        assert!(artifact(&artifacts, script).starts_with("#!/bin/sh\n"));
    }
}

#[test]
fn none_of_the_upstream_guides_errors_appear() {
    for (case, file) in CASES {
        let plan = plan_of(file);
        let artifacts = render_plan(&plan);
        let everything: String = artifacts.iter().map(|a| a.contents.as_str()).collect();
        // 1 and 2: references to resources the guide never declared.
        assert!(
            !everything.contains("aws_s3_bucket.workload_id_demo"),
            "{case}"
        );
        assert!(
            !everything.contains("aws_iam_openid_connect_provider.example."),
            "{case}"
        );
        // 3: condition keys built from the provider URL keep "https://".
        assert!(!everything.contains(".url}:"), "{case}");
        assert!(
            !everything.contains(&format!(
                "https://{}:",
                plan.cluster.proxy.issuer_host_path()
            )),
            "{case}"
        );
        // 4: a role ARN without the empty region field.
        assert!(
            !everything.contains(&format!(
                "arn:{}:iam:{}",
                plan.aws.partition, plan.aws.account_id
            )),
            "{case}"
        );
        // 5: a condition key without /workload-identity.
        assert!(
            !everything.contains(&format!("{}:sub", plan.cluster.proxy.authority())),
            "{case}"
        );
        assert!(
            !everything.contains(&format!("{}:aud", plan.cluster.proxy.authority())),
            "{case}"
        );
    }
}

#[test]
fn terraform_fmt_accepts_main_tf() {
    let Ok(version) = std::process::Command::new("terraform")
        .arg("version")
        .output()
    else {
        // CI installs nothing for this: the image has terraform; .ci/run says loudly when not.
        eprintln!("terraform not on PATH: skipping `terraform fmt -check`");
        return;
    };
    assert!(version.status.success());
    for (case, file) in CASES {
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
fn saved_answers_replay_to_the_same_plan_and_artifacts() {
    for (case, file) in CASES {
        let plan = plan_of(file);
        let artifacts = render_plan(&plan);
        let read = set_reader(&artifacts);
        let replayed = wi_aws::answers::fleet::from_answers_file_reading(
            artifact(&artifacts, "answers.yaml"),
            &read,
        )
        .unwrap_or_else(|p| panic!("{case}: saved answers do not load: {p}"))
        .workloads
        .remove(0)
        .plan;
        assert_eq!(replayed, plan, "{case}");
        assert_eq!(render_plan(&replayed), artifacts, "{case}");
    }
}

#[test]
fn the_aws_cli_script_sends_every_call_to_the_answers_region() {
    // A stand-in `aws` records the region each call would use; the script stops at the first
    // call (the account check), which is enough: every later call sees the same environment.
    let dir = tempfile::tempdir().expect("temp dir");
    write_to(
        dir.path(),
        &render_plan(&plan_of("tests/fixtures/gov-readonly-existing.yaml")),
    );
    let path = stand_in(
        &dir.path().join("bin"),
        "aws",
        "#!/bin/sh\necho \"$AWS_REGION $AWS_DEFAULT_REGION $*\" >> \"$CALLS\"\nexit 1\n",
    );
    let calls = dir.path().join("calls");
    let status = std::process::Command::new("sh")
        .arg(dir.path().join("aws-cli/setup.sh"))
        .env("PATH", path)
        .env("CALLS", &calls)
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_DEFAULT_REGION")
        .status()
        .expect("sh runs");
    assert!(!status.success());
    let recorded = std::fs::read_to_string(&calls).expect("the script called aws");
    assert!(
        recorded.starts_with("us-gov-east-1 us-gov-east-1 sts get-caller-identity"),
        "{recorded}"
    );
}

#[test]
fn every_saved_answers_file_names_its_schema_which_is_the_repositorys() {
    let artifacts = render_plan(&plan_of("examples/answers.yaml"));
    let schema = artifact(&artifacts, SCHEMA_FILE);
    let pinned = std::fs::read_to_string(repo_path("schema/answers.schema.json")).expect("pinned");
    assert_eq!(
        schema, pinned,
        "schema/answers.schema.json is stale: cargo run -- schema > schema/answers.schema.json"
    );
    let answers = artifact(&artifacts, "answers.yaml");
    assert_eq!(
        answers.lines().next(),
        Some("# yaml-language-server: $schema=answers.schema.json")
    );
    let value: serde_json::Value = serde_json::from_str(schema).expect("JSON");
    assert_eq!(
        value["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    // Every field of the list is in the version 1 form, with its help.
    let one = &value["$defs"]["one"]["properties"];
    for field in wi_aws::answers::steps::FIELDS {
        let property = &one[field.section()]["properties"][field.name()];
        assert!(property["description"].is_string(), "{}", field.key);
    }
    assert_eq!(
        value["$defs"]["one"]["properties"]["aws"]["required"],
        serde_json::json!(["account_id", "bucket"])
    );
}
