//! `teleport.as_code`: the Teleport side as teleport/main.tf for Teleport's Terraform provider,
//! or as the Teleport Kubernetes operator's objects. Their snapshots, the files read back with
//! the answers exactly, verify's Teleport checks made on them as on tctl's files (each edit
//! failing its check), the answers' rules, and a fleet on Kubernetes whose bots the file owns.

mod common;

use common::*;
use wi_aws::verify;

const EXAMPLE: &str = "examples/teleport-terraform.yaml";
const OPERATOR: &str = "tests/fixtures/kubernetes-operator.yaml";

fn example_text() -> String {
    std::fs::read_to_string(repo_path(EXAMPLE)).expect("example")
}

#[test]
fn snapshots_of_the_teleport_terraform_set() {
    snapshot_every_artifact("teleport_terraform", &render_plan(&plan_of(EXAMPLE)));
}

#[test]
fn teleport_main_tf_replaces_tctls_files_and_reads_back_with_the_answers_exactly() {
    let plan = plan_of(EXAMPLE);
    let artifacts = render_plan(&plan);
    let paths: Vec<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
    for tctl_only in [
        "teleport/role.yaml",
        "teleport/workload-identity.yaml",
        "teleport/setup.sh",
        "teleport/teardown.sh",
    ] {
        assert!(!paths.contains(&tctl_only), "{tctl_only}");
    }
    let body: hcl::Body = hcl::from_str(artifact(&artifacts, "teleport/main.tf")).expect("HCL");
    let block = |kind: &str| {
        body.blocks()
            .find(|b| b.identifier() == "resource" && b.labels()[0].as_str() == kind)
            .unwrap_or_else(|| panic!("no {kind}"))
    };
    let attribute = |block: &hcl::Block, name: &str| -> hcl::Expression {
        block
            .body()
            .attributes()
            .find(|a| a.key() == name)
            .map(|a| a.expr().clone())
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let resource = plan.workload.resource_name.clone().expect("a resource");
    let identity = block("teleport_workload_identity");
    let metadata = hcl::to_string(&attribute(identity, "metadata")).expect("text");
    assert!(
        metadata.contains(&format!("name = \"{resource}\"")),
        "{metadata}"
    );
    assert!(
        metadata.contains(&format!("workload = \"{resource}\"")),
        "{metadata}"
    );
    let spec = hcl::to_string(&attribute(identity, "spec")).expect("text");
    assert!(spec.contains("id = \"/svc/ledger\""), "{spec}");
    let role = block("teleport_role");
    let role_meta = hcl::to_string(&attribute(role, "metadata")).expect("text");
    assert!(role_meta.contains("name = \"ledger-aws\""), "{role_meta}");
    let role_spec = hcl::to_string(&attribute(role, "spec")).expect("text");
    assert!(
        role_spec.contains("teleport_workload_identity.workload.metadata.name"),
        "{role_spec}"
    );
    assert!(role_spec.contains("\"workload_identity\""), "{role_spec}");
    assert!(!body.blocks().any(|b| {
        b.labels()
            .first()
            .is_some_and(|l| l.as_str() == "teleport_bot")
    }));
    let text = artifact(&artifacts, "teleport/main.tf");
    assert!(
        text.contains("version = \">= 17.2.7, < 18.0.0\""),
        "capped like the AWS provider"
    );
    assert!(text.contains("addr = \"example.teleport.sh:443\""));
    assert!(text.contains("tctl bots update ledger-bot --add-roles ledger-aws"));
    let next_steps = artifact(&artifacts, "NEXT-STEPS.md");
    assert!(next_steps.contains("terraform -chdir=teleport apply"));
    assert!(next_steps.contains("tctl bots update ledger-bot --add-roles ledger-aws"));
    assert!(next_steps.contains("terraform -chdir=teleport destroy"));
    assert!(!next_steps.contains("sh teleport/setup.sh"));
}

#[test]
fn the_example_verifies_with_the_teleport_checks_made_on_main_tf() {
    let dir = written_answers(&example_text());
    let report = verify::verify_dir(dir.path()).expect("verifies");
    let failed: Vec<_> = report.failed().collect();
    assert!(failed.is_empty(), "{failed:#?}");
    let labels: Vec<&str> = report.checks.iter().map(|c| c.id.label()).collect();
    for expected in [
        "teleport role",
        "tbot selector",
        "teleport bot",
        "trust policy",
    ] {
        assert!(labels.contains(&expected), "{expected} in {labels:?}");
    }
}

#[test]
fn each_edit_of_teleport_main_tf_fails_the_check_that_covers_it() {
    let owned = example_text().replace("manage_bot: false", "manage_bot: true");
    let cases: &[(&str, &str, &str, &[&str])] = &[
        // The role selects another resource by its label.
        (
            "workload = [teleport_workload_identity.workload.metadata.name]",
            "workload = [\"other\"]",
            &example_text(),
            &["teleport role"],
        ),
        // The rule to read workload_identity resources is gone.
        (
            "verbs     = [\"list\", \"read\"]",
            "verbs     = [\"list\"]",
            &example_text(),
            &["teleport role"],
        ),
        // The resource issues another SPIFFE ID than the trust policy trusts.
        (
            "id = \"/svc/ledger\"",
            "id = \"/svc/other\"",
            &example_text(),
            &["trust policy"],
        ),
        // tbot selects a resource by a name the file no longer gives it.
        (
            "    name = \"svc-ledger\"\n    labels",
            "    name = \"svc-other\"\n    labels",
            &example_text(),
            &["tbot selector"],
        ),
        // A bot the answers say is not Terraform's: its roles would be replaced.
        (
            "# The bot ledger-bot exists",
            "resource \"teleport_bot\" \"workload\" {\n  metadata = {\n    name = \"ledger-bot\"\n  }\n  spec = {\n    roles = [\"ledger-aws\"]\n  }\n}\n# The bot ledger-bot exists",
            &example_text(),
            &["teleport bot"],
        ),
        // The owned bot lacks the role.
        (
            "roles = [teleport_role.workload.metadata.name]",
            "roles = [\"access\"]",
            &owned,
            &["teleport bot"],
        ),
    ];
    for (from, to, answers, expected) in cases {
        let dir = written_answers(answers);
        assert_edit_fails(dir.path(), "teleport/main.tf", (from, to), expected);
    }
    // A file that does not evaluate is no pass: verify stops, naming it.
    let dir = written_answers(&example_text());
    edit_in(
        dir.path(),
        "teleport/main.tf",
        "teleport_workload_identity.workload.metadata.name",
        "teleport_workload_identity.missing.metadata.name",
    );
    let error = verify::verify_dir(dir.path()).expect_err("no verdict");
    assert!(error.to_string().contains("teleport/main.tf"), "{error}");
}

#[test]
fn as_code_rules_are_reported_with_the_fix() {
    let legacy = example_text().replace(
        "  as_code: terraform",
        "  api: legacy-spiffe\n  as_code: terraform",
    );
    let problems = answers_problems(&legacy);
    assert!(
        problems.contains("teleport.as_code = \"terraform\": teleport.as_code terraform writes the workload_identity resource"),
        "{problems}"
    );
    let tctl = example_text().replace("  as_code: terraform\n", "");
    let problems = answers_problems(&tctl);
    assert!(
        problems.contains("teleport.manage_bot = \"false\": teleport.manage_bot only applies with teleport.as_code terraform"),
        "{problems}"
    );
    let unknown = example_text().replace("as_code: terraform", "as_code: pulumi");
    assert!(answers_problems(&unknown).contains("expected one of: tctl, terraform, operator"));
    // tctl, the default, and manage_bot with it, are not written out: older sets save as before.
    let saved = plan_of("examples/answers.yaml").to_answers().to_yaml();
    assert!(
        !saved.contains("as_code") && !saved.contains("manage_bot"),
        "{saved}"
    );
    let saved = plan_of(EXAMPLE).to_answers().to_yaml();
    let replayed = wi_aws::answers::fleet::single_plan(&saved).expect("replays");
    assert_eq!(replayed, plan_of(EXAMPLE));
}

#[test]
fn a_fleet_on_kubernetes_whose_bots_main_tf_owns_verifies_and_a_shared_bot_gets_both_roles() {
    let fleet = r#"version: 2
teleport: {proxy: example.teleport.sh, version: 17.4.2, as_code: terraform, manage_bot: true}
aws: {account_id: "123456789012", bucket: example-shared-data}
tbot: {runs_on: kubernetes, output_dir: /var/run/secrets/workload-identity}
workloads:
  - name: writer
    teleport: {spiffe_path: /svc/writer, bot: data-bot}
    tbot: {namespace: writers}
  - name: reader
    teleport: {spiffe_path: /svc/reader, bot: data-bot}
    tbot: {namespace: readers}
"#;
    let dir = written_answers(fleet);
    let report = verify::verify_dir(dir.path()).expect("verifies");
    assert!(
        report.passed(),
        "{:#?}",
        report.failed().collect::<Vec<_>>()
    );
    let main_tf = std::fs::read_to_string(dir.path().join("teleport/main.tf")).expect("main.tf");
    hcl::parse(&main_tf).expect("HCL");
    snapshot_settings()
        .bind(|| insta::assert_snapshot!("teleport_terraform_fleet__teleport_main_tf", &main_tf));
    assert!(main_tf.contains("workload.bot => teleport_role.workload[name].metadata.name..."));
    assert!(main_tf.contains("service_account = \"writers:tbot-writer\""));
    assert!(!dir.path().join("teleport/setup.sh").exists());
    let values = wi_aws::verify::terraform::evaluate(
        &main_tf,
        wi_aws::domain::aws::Partition::Aws,
        "123456789012",
    )
    .expect("evaluates");
    let roles = values
        .get(".resource.teleport_bot.workload[\"data-bot\"].spec")
        .and_then(|spec| spec.as_object())
        .and_then(|spec| spec.get("roles"))
        .cloned()
        .expect("the bot's roles");
    assert_eq!(
        serde_json::to_value(roles).expect("json"),
        serde_json::json!(["svc-writer-aws", "svc-reader-aws"])
    );
    // The token of the reader's tbot allows the writer's service account: it cannot join.
    edit_in(
        dir.path(),
        "teleport/main.tf",
        "service_account = \"readers:tbot-reader\"",
        "service_account = \"writers:tbot-writer\"",
    );
    let report = verify::verify_dir(dir.path()).expect("verifies");
    let reader = report
        .workloads
        .iter()
        .find(|w| w.name == "reader")
        .expect("the reader");
    assert!(
        reader
            .checks
            .iter()
            .any(|c| c.id.label() == "join token" && !c.ok()),
        "{:#?}",
        reader.checks
    );
}

#[test]
fn snapshots_of_the_operator_set() {
    snapshot_every_artifact("teleport_operator", &render_plan(&plan_of(OPERATOR)));
}

#[test]
fn the_operators_objects_read_back_with_the_answers_and_verify() {
    let plan = plan_of(OPERATOR);
    let artifacts = render_plan(&plan);
    let paths: Vec<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
    assert!(!paths.contains(&"teleport/setup.sh") && !paths.contains(&"teleport/main.tf"));
    for (path, api_version, kind) in [
        (
            "teleport/operator/workload-identity.yaml",
            "resources.teleport.dev/v1",
            "TeleportWorkloadIdentityV1",
        ),
        (
            "teleport/operator/role.yaml",
            "resources.teleport.dev/v1",
            "TeleportRoleV7",
        ),
        (
            "teleport/operator/join-token.yaml",
            "resources.teleport.dev/v2",
            "TeleportProvisionToken",
        ),
        (
            "teleport/operator/bot.yaml",
            "resources.teleport.dev/v1",
            "TeleportBotV1",
        ),
    ] {
        let object = yaml(&artifacts, path);
        assert_eq!(object["apiVersion"].as_str(), Some(api_version), "{path}");
        assert_eq!(object["kind"].as_str(), Some(kind), "{path}");
        assert_eq!(
            object["metadata"]["namespace"].as_str(),
            Some("teleport-iac"),
            "{path}"
        );
    }
    let identity = yaml(&artifacts, "teleport/operator/workload-identity.yaml");
    let resource = plan.workload.resource_name.clone().expect("a resource");
    assert_eq!(
        identity["metadata"]["name"].as_str(),
        Some(resource.as_str())
    );
    assert_eq!(
        identity["metadata"]["labels"]["workload"].as_str(),
        Some(resource.as_str())
    );
    assert_eq!(
        identity["spec"]["spiffe"]["id"].as_str(),
        Some("/ns/payments/sa/payments-api")
    );
    let bot = yaml(&artifacts, "teleport/operator/bot.yaml");
    assert_eq!(bot["spec"]["roles"][0].as_str(), Some("payments-api-aws"));
    let next_steps = artifact(&artifacts, "NEXT-STEPS.md");
    assert!(next_steps.contains("kubectl apply --namespace teleport-iac --recursive -f teleport/"));
    assert!(
        next_steps.contains("kubectl delete --namespace teleport-iac --recursive -f teleport/")
    );

    let dir = written_answers(&std::fs::read_to_string(repo_path(OPERATOR)).expect("fixture"));
    let report = verify::verify_dir(dir.path()).expect("verifies");
    assert!(
        report.passed(),
        "{:#?}",
        report.failed().collect::<Vec<_>>()
    );
    let labels: Vec<&str> = report.checks.iter().map(|c| c.id.label()).collect();
    assert!(labels.contains(&"operator objects") && labels.contains(&"teleport bot"));
}

#[test]
fn each_edit_of_an_operator_object_fails_the_check_that_covers_it() {
    let answers = std::fs::read_to_string(repo_path(OPERATOR)).expect("fixture");
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (
            "teleport/operator/role.yaml",
            "kind: TeleportRoleV7",
            "kind: TeleportRoleV6",
            &["operator objects"],
        ),
        (
            "teleport/operator/workload-identity.yaml",
            "apiVersion: resources.teleport.dev/v1",
            "apiVersion: resources.teleport.dev/v2",
            &["operator objects"],
        ),
        (
            "teleport/operator/bot.yaml",
            "namespace: \"teleport-iac\"",
            "namespace: \"default\"",
            &["operator objects"],
        ),
        // The object's label is what the role selects: the operator copies it to the resource.
        (
            "teleport/operator/workload-identity.yaml",
            "    workload: \"ns-payments-sa-payments-api\"",
            "    workload: \"other\"",
            &["teleport role"],
        ),
        (
            "teleport/operator/role.yaml",
            "workload: [\"ns-payments-sa-payments-api\"]",
            "workload: [\"other\"]",
            &["teleport role"],
        ),
        (
            "teleport/operator/bot.yaml",
            "roles: [\"payments-api-aws\"]",
            "roles: [\"access\"]",
            &["teleport bot"],
        ),
        (
            "teleport/operator/join-token.yaml",
            "payments:tbot-payments-api\"",
            "payments:payments-api\"",
            &["join token", "service account"],
        ),
        (
            "teleport/operator/workload-identity.yaml",
            "id: \"/ns/payments/sa/payments-api\"",
            "id: \"/ns/payments/sa/other\"",
            &["trust policy"],
        ),
    ];
    for (file, from, to, expected) in cases {
        let dir = written_answers(&answers);
        assert_edit_fails(dir.path(), file, (from, to), expected);
    }
}

#[test]
fn operator_names_are_kubernetes_names_and_a_fleet_may_not_share_an_owned_bot() {
    let answers = std::fs::read_to_string(repo_path(OPERATOR)).expect("fixture");
    let problems =
        answers_problems(&answers.replace("role: payments-api-aws", "role: Payments_AWS"));
    assert!(
        problems.contains(
            "teleport.role = \"Payments_AWS\": a Kubernetes object name (teleport.as_code operator)"
        ),
        "{problems}"
    );
    let problems = answers_problems(&answers.replace("  as_code: operator\n", ""));
    assert!(
        problems.contains("teleport.manage_bot only applies"),
        "{problems}"
    );
    let fleet = r#"version: 2
teleport: {proxy: example.teleport.sh, version: 17.4.2, as_code: operator, manage_bot: true}
aws: {account_id: "123456789012", bucket: example-shared-data}
workloads:
  - name: writer
    teleport: {spiffe_path: /svc/writer, bot: data-bot}
  - name: reader
    teleport: {spiffe_path: /svc/reader, bot: data-bot}
"#;
    let problems = answers_problems(fleet);
    assert!(
        problems.contains("workloads[0] (writer) has the same bot the operator owns"),
        "{problems}"
    );
    let separate = fleet.replace("bot: data-bot}\n  - name: reader\n    teleport: {spiffe_path: /svc/reader, bot: data-bot}", "bot: writer-bot}\n  - name: reader\n    teleport: {spiffe_path: /svc/reader, bot: reader-bot}");
    let dir = written_answers(&separate);
    let report = verify::verify_dir(dir.path()).expect("verifies");
    assert!(
        report.passed(),
        "{:#?}",
        report.failed().collect::<Vec<_>>()
    );
    assert!(
        dir.path()
            .join("teleport/reader/operator/bot.yaml")
            .is_file()
    );
}
