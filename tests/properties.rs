//! Property: any valid answers render to artifacts that parse in their own format, carry every
//! input exactly (escaping included: IAM paths, audiences and directories may hold quotes,
//! backslashes, `${` and `%{`), agree with each other, and replay from the saved answers.

mod common;

use common::*;
use proptest::prelude::*;
use wi_aws::answers::plan::{Plan, validate};
use wi_aws::answers::steps::FieldId;
use wi_aws::answers::{Answer, Answers, FleetAnswers};
use wi_aws::domain::aws::{AccessPreset, Partition};
use wi_aws::domain::teleport::TeleportApi;

fn dns_name() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", 1..4)
        .prop_map(|labels| labels.join("."))
}

fn spiffe_path() -> impl Strategy<Value = String> {
    prop::collection::vec("[A-Za-z0-9_-][A-Za-z0-9._-]{0,10}", 1..6)
        .prop_map(|s| format!("/{}", s.join("/")))
}

fn thumbprint() -> impl Strategy<Value = String> {
    (
        prop::array::uniform20(any::<u8>()),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(bytes, upper, colons)| {
            let hex: Vec<String> = bytes
                .iter()
                .map(|b| {
                    if upper {
                        format!("{b:02X}")
                    } else {
                        format!("{b:02x}")
                    }
                })
                .collect();
            // Quoted below: YAML would read some all-digit runs as numbers.
            hex.join(if colons { ":" } else { "" })
        })
}

fn bucket() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-z0-9][a-z0-9-]{1,12}[a-z0-9]", 1..4)
        .prop_map(|labels| labels.join("."))
        .prop_filter("S3 rules", |b| {
            wi_aws::domain::aws::parse_bucket_name(b).is_ok()
        })
}

/// IAM paths allow any printable ASCII but space: the hardest input for escaping.
fn iam_path() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/".to_owned()),
        prop::collection::vec("[!-.0-~]{1,8}", 1..3).prop_map(|s| format!("/{}/", s.join("/"))),
        Just("/${x}/%{y}/\"q\"/'s'/\\b/".to_owned()),
    ]
}

fn output_dir() -> impl Strategy<Value = String> {
    prop::collection::vec("[A-Za-z0-9 \"'\\\\$%{}#:_-]{1,8}", 1..4)
        .prop_map(|s| format!("/{}", s.join("/")))
        // Answers are trimmed, so a directory ending in a space is not one a user can give.
        .prop_filter("valid and trimmed", |d| {
            wi_aws::domain::tbot::parse_output_dir(d).is_ok() && d.trim() == d
        })
}

fn audience() -> impl Strategy<Value = String> {
    prop_oneof![Just("sts.amazonaws.com".to_owned()), "[!-~]{1,30}"]
}

fn answers() -> impl Strategy<Value = Answers> {
    let teleport = (
        dns_name(),
        prop::option::of(1u16..=65535),
        spiffe_path(),
        "[a-zA-Z0-9][a-zA-Z0-9._@-]{0,20}",
        prop::option::of("[a-zA-Z0-9][a-zA-Z0-9._@-]{0,20}"),
    );
    let aws = (
        prop::sample::select(Partition::ALL.to_vec()),
        "[0-9]{12}",
        prop::collection::vec(thumbprint(), 0..=5),
        bucket(),
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(AccessPreset::ALL.to_vec()),
        prop::collection::vec(
            prop::sample::select(vec!["s3:GetObject", "s3:Put*", "s3:List?ucket", "s3:*"]),
            1..4,
        ),
        iam_path(),
        prop::option::of("[A-Za-z0-9+=,.@_-]{1,64}"),
        prop::option::of("[A-Za-z0-9._-]{1,20}"),
        prop::option::of("[A-Za-z0-9+=,.@_-]{2,64}"),
    );
    let tbot = (
        output_dir(),
        // A legacy JWT file name, or the current generation.
        prop::option::of("[A-Za-z0-9_-][A-Za-z0-9._-]{0,20}"),
        audience(),
    );
    (teleport, aws, tbot).prop_map(|(teleport, aws, tbot)| {
        let (host, port, path, bot, role) = teleport;
        let (
            partition,
            account,
            thumbprints,
            bucket,
            existing,
            create_bucket,
            access,
            actions,
            role_path,
            role_name,
            profile,
            session,
        ) = aws;
        let (dir, jwt_file, audience) = tbot;
        let mut answers = Answers::default();
        answers.set_text(
            FieldId::Proxy,
            match port {
                Some(port) => format!("{host}:{port}"),
                None => host,
            },
        );
        answers.set_text(FieldId::SpiffePath, path);
        answers.set_text(FieldId::Bot, bot);
        if let Some(role) = role {
            answers.set_text(FieldId::TeleportRole, role);
        }
        answers.set_text(FieldId::Partition, partition.id());
        answers.set_text(FieldId::AccountId, account);
        answers.set(FieldId::Thumbprints, Answer::List(thumbprints));
        answers.set_text(FieldId::Bucket, bucket);
        answers.set_text(
            FieldId::OidcProvider,
            if existing { "existing" } else { "create" },
        );
        answers.set(FieldId::CreateBucket, Answer::Flag(create_bucket));
        answers.set_text(FieldId::Access, access.id());
        if access == AccessPreset::Custom {
            answers.set(
                FieldId::Actions,
                Answer::List(actions.into_iter().map(str::to_owned).collect()),
            );
        }
        if access == AccessPreset::None {
            // What access none needs: a policy file, here one the front end read.
            let document = format!(
                r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:{}:dynamodb:*:{}:table/t"}}}}"#,
                partition.id(),
                answers.text(FieldId::AccountId).unwrap_or_default()
            );
            answers.set_text(FieldId::PolicyFile, "table.json");
            answers.read_named_files(&|_| Ok(document.clone()));
        }
        answers.set_text(FieldId::RolePath, role_path);
        if let Some(name) = role_name {
            answers.set_text(FieldId::RoleName, name);
        }
        if let Some(profile) = profile.filter(|p| p != "default") {
            answers.set_text(FieldId::Profile, profile);
        }
        if let Some(session) = session {
            answers.set_text(FieldId::SessionName, session);
        }
        answers.set_text(FieldId::OutputDir, dir);
        if let Some(jwt_file) = jwt_file {
            answers.set_text(FieldId::Api, "legacy-spiffe");
            answers.set_text(FieldId::JwtFile, jwt_file);
        }
        answers.set_text(FieldId::Audience, audience);
        answers
    })
}

fn check_artifacts(plan: &Plan) -> Result<(), TestCaseError> {
    let artifacts = render_plan(plan);

    let trust = json(&artifacts, "iam/trust-policy.json");
    let conditions = &trust["Statement"][0]["Condition"]["StringEquals"];
    let prefix = plan.cluster.proxy.issuer_host_path();
    prop_assert_eq!(
        &conditions[format!("{prefix}:aud")],
        &serde_json::json!(plan.tbot.audience)
    );
    prop_assert_eq!(
        &conditions[format!("{prefix}:sub")],
        &serde_json::json!(plan.workload.spiffe_id.to_string())
    );
    prop_assert_eq!(
        &trust["Statement"][0]["Principal"]["Federated"],
        &serde_json::json!(plan.provider_arn())
    );

    let values = terraform_values(&artifacts, plan);
    let decoded = |key: &str| -> serde_json::Value {
        serde_json::from_str(values[key].as_str().expect("jsonencode string")).expect("JSON")
    };
    prop_assert_eq!(
        decoded(".resource.aws_iam_role.workload.assume_role_policy"),
        trust
    );
    prop_assert_eq!(
        decoded(".resource.aws_iam_policy.workload.policy"),
        json(&artifacts, "iam/permissions-policy.json")
    );
    prop_assert_eq!(
        values[".resource.aws_iam_role.workload.path"].as_str(),
        Some(plan.aws.role_path.as_str())
    );

    let role = yaml(&artifacts, "teleport/role.yaml");
    let (tbot_file, directory, audience) = match plan.workload.api {
        TeleportApi::LegacySpiffe => {
            prop_assert_eq!(
                role["spec"]["allow"]["spiffe"][0]["path"].as_str(),
                Some(plan.workload.spiffe_id.path())
            );
            (
                "tbot/outputs.yaml",
                "/outputs/0/destination/path",
                "/outputs/0/jwts/0/audience",
            )
        }
        TeleportApi::WorkloadIdentity => {
            let resource = yaml(&artifacts, "teleport/workload-identity.yaml");
            prop_assert_eq!(
                resource["spec"]["spiffe"]["id"].as_str(),
                Some(plan.workload.spiffe_id.path())
            );
            (
                "tbot/services.yaml",
                "/services/0/destination/path",
                "/services/0/audiences/0",
            )
        }
    };
    let tbot: serde_json::Value =
        serde_yaml::from_str(artifact(&artifacts, tbot_file)).expect("YAML");
    prop_assert_eq!(
        tbot.pointer(directory).and_then(|v| v.as_str()),
        Some(plan.tbot.output_dir.as_str())
    );
    prop_assert_eq!(
        tbot.pointer(audience).and_then(|v| v.as_str()),
        Some(plan.tbot.audience.as_str())
    );

    let config = ini(artifact(&artifacts, "aws/config"));
    let profile = &config[&format!("profile {}", plan.aws.profile)];
    prop_assert_eq!(&profile["role_arn"], &plan.role_arn());
    prop_assert_eq!(&profile["web_identity_token_file"], &plan.token_file());

    let dir = tempfile::tempdir().expect("temp dir");
    wi_aws::artifacts::write::write_all(dir.path(), &artifacts, false).expect("writes");
    let env = dir.path().join("aws/env");
    prop_assert_eq!(shell_value(&env, "AWS_ROLE_ARN"), plan.role_arn());
    prop_assert_eq!(
        shell_value(&env, "AWS_WEB_IDENTITY_TOKEN_FILE"),
        plan.token_file()
    );

    let read = set_reader(&artifacts);
    let replayed = wi_aws::answers::fleet::from_answers_file_reading(
        artifact(&artifacts, "answers.yaml"),
        &read,
    )
    .map(|mut fleet| fleet.workloads.remove(0).plan);
    prop_assert_eq!(replayed.as_ref(), Ok(plan));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn valid_answers_render_to_artifacts_that_parse_and_round_trip(answers in answers()) {
        let plan = validate(&answers).map_err(|p| TestCaseError::fail(format!("{p:#?}")))?;
        check_artifacts(&plan)?;
    }

    #[test]
    fn answers_survive_yaml_unchanged(answers in answers()) {
        let (loaded, problems) = FleetAnswers::from_yaml(&answers.to_yaml());
        prop_assert!(problems.is_empty(), "{:?}", problems);
        prop_assert_eq!(loaded, FleetAnswers::single(answers));
    }
}
