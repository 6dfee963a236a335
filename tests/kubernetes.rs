//! `tbot.runs_on: kubernetes` on both routes: the set (snapshots, and every file read back with
//! an independent parser carrying the answers exactly), the answers' rules, and verify, which
//! passes on the examples and fails the check that covers each edit a user could make.

mod common;

use common::*;
use serde_yaml::Value;
use std::path::Path;
use wi_aws::verify::{self, Status};

const OIDC: &str = "examples/kubernetes.yaml";
const ROLES_ANYWHERE: &str = "examples/roles-anywhere-kubernetes.yaml";

#[test]
fn snapshots_of_every_artifact_on_kubernetes() {
    for (case, file) in [
        ("kubernetes", OIDC),
        ("roles_anywhere_kubernetes", ROLES_ANYWHERE),
    ] {
        snapshot_every_artifact(case, &render_plan(&plan_of(file)));
    }
}

#[test]
fn a_set_on_kubernetes_has_no_host_files_and_a_host_set_no_kubernetes_files() {
    for file in [OIDC, ROLES_ANYWHERE] {
        let paths: Vec<String> = render_plan(&plan_of(file))
            .into_iter()
            .map(|a| a.path)
            .collect();
        assert!(
            paths
                .iter()
                .all(|p| !p.starts_with("tbot/") && !p.starts_with("aws/"))
        );
        for expected in [
            "kubernetes/tbot-values.yaml",
            "kubernetes/deployment-patch.yaml",
            "kubernetes/deployment.yaml",
            "kubernetes/secret.yaml",
            "kubernetes/service-account.yaml",
            "kubernetes/setup.sh",
            "kubernetes/teardown.sh",
            "teleport/join-token.yaml",
        ] {
            assert!(paths.iter().any(|p| p == expected), "{file}: {expected}");
        }
    }
    for (_, file) in CASES {
        let paths: Vec<String> = render_plan(&plan_of(file))
            .into_iter()
            .map(|a| a.path)
            .collect();
        assert!(
            paths
                .iter()
                .all(|p| !p.starts_with("kubernetes/") && p != "teleport/join-token.yaml"),
            "{file}"
        );
    }
}

fn yaml_of(artifacts: &[wi_aws::artifacts::render::Artifact], path: &str) -> Value {
    yaml(artifacts, path)
}

fn env_of(container: &Value) -> Vec<(String, String)> {
    container["env"]
        .as_sequence()
        .expect("env")
        .iter()
        .map(|var| {
            (
                var["name"].as_str().expect("name").to_owned(),
                var["value"].as_str().expect("value").to_owned(),
            )
        })
        .collect()
}

#[test]
fn every_kubernetes_file_reads_back_with_the_answers_exactly() {
    for file in [OIDC, ROLES_ANYWHERE] {
        let plan = plan_of(file);
        let kube = plan.tbot.kubernetes.clone().expect("on kubernetes");
        let artifacts = render_plan(&plan);
        let values = yaml_of(&artifacts, "kubernetes/tbot-values.yaml");
        assert_eq!(
            values["clusterName"].as_str(),
            Some(plan.cluster.cluster_name.as_str())
        );
        assert_eq!(
            values["teleportProxyAddress"].as_str(),
            Some(format!("{}:443", plan.cluster.proxy.host()).as_str())
        );
        assert_eq!(values["joinMethod"].as_str(), Some("kubernetes"));
        assert_eq!(values["token"].as_str(), Some(kube.join_token.as_str()));
        assert_eq!(values["defaultOutput"]["enabled"].as_bool(), Some(false));
        assert_eq!(
            values["serviceAccount"]["name"].as_str(),
            Some(kube.bot_service_account.as_str())
        );
        let service = &values["services"][0];
        assert_eq!(
            service["destination"]["type"].as_str(),
            Some("kubernetes_secret")
        );
        assert_eq!(
            service["destination"]["name"].as_str(),
            Some(kube.secret_name.as_str())
        );
        assert_eq!(
            service["selector"]["name"].as_str(),
            plan.workload.resource_name.as_deref()
        );

        let token = yaml_of(&artifacts, "teleport/join-token.yaml");
        assert_eq!(token["kind"].as_str(), Some("token"));
        assert_eq!(
            token["metadata"]["name"].as_str(),
            Some(kube.join_token.as_str())
        );
        assert_eq!(
            token["spec"]["bot_name"].as_str(),
            Some(plan.workload.bot.as_str())
        );
        assert_eq!(token["spec"]["join_method"].as_str(), Some("kubernetes"));
        assert_eq!(
            token["spec"]["kubernetes"]["type"].as_str(),
            Some("in_cluster")
        );
        assert_eq!(
            token["spec"]["kubernetes"]["allow"][0]["service_account"].as_str(),
            Some(format!("{}:{}", kube.namespace, kube.bot_service_account).as_str())
        );

        let deployment = yaml_of(&artifacts, "kubernetes/deployment.yaml");
        let patch = yaml_of(&artifacts, "kubernetes/deployment-patch.yaml");
        assert_eq!(
            deployment["metadata"]["namespace"].as_str(),
            Some(kube.namespace.as_str())
        );
        for document in [&deployment, &patch] {
            let pod = &document["spec"]["template"];
            assert_eq!(
                pod["spec"]["serviceAccountName"].as_str(),
                Some(kube.service_account.as_str())
            );
            assert_eq!(
                pod["metadata"]["annotations"]["eks.amazonaws.com/skip-containers"].as_str(),
                Some(kube.container.as_str())
            );
            assert_eq!(
                pod["spec"]["volumes"][0]["secret"]["secretName"].as_str(),
                Some(kube.secret_name.as_str())
            );
            let container = &pod["spec"]["containers"][0];
            assert_eq!(container["name"].as_str(), Some(kube.container.as_str()));
            let mount = &container["volumeMounts"][0];
            assert_eq!(
                mount["mountPath"].as_str(),
                Some(plan.tbot.output_dir.as_str())
            );
            assert_eq!(mount["readOnly"].as_bool(), Some(true));
            let env = env_of(container);
            let file = format!("{}/{}", plan.tbot.output_dir, plan.written_file_name());
            let expected: Vec<(&str, String)> = match &plan.roles_anywhere {
                Some(ra) => vec![
                    ("AWS_SHARED_CREDENTIALS_FILE", file.clone()),
                    ("AWS_PROFILE", ra.credential_profile.clone()),
                    ("AWS_REGION", plan.aws.region.clone()),
                ],
                None => vec![
                    ("AWS_ROLE_ARN", plan.role_arn()),
                    ("AWS_WEB_IDENTITY_TOKEN_FILE", file.clone()),
                    ("AWS_REGION", plan.aws.region.clone()),
                ],
            };
            for (name, value) in expected {
                assert!(
                    env.contains(&(name.to_owned(), value.clone())),
                    "{file}: {name}={value} in {env:?}"
                );
            }
        }
        for path in ["kubernetes/secret.yaml", "kubernetes/service-account.yaml"] {
            let document = yaml_of(&artifacts, path);
            assert_eq!(
                document["metadata"]["namespace"].as_str(),
                Some(kube.namespace.as_str())
            );
        }
        let service_account = yaml_of(&artifacts, "kubernetes/service-account.yaml");
        assert!(service_account["metadata"]["annotations"].is_null());
        assert_eq!(
            service_account["metadata"]["name"].as_str(),
            Some(kube.service_account.as_str())
        );
        let setup = artifact(&artifacts, "kubernetes/setup.sh");
        assert!(setup.contains(&format!(
            "helm upgrade --install {} teleport/tbot",
            kube.bot_service_account
        )));
        assert!(
            setup.contains("--version 17.4.2"),
            "the chart at the cluster's version"
        );
        let teleport_setup = artifact(&artifacts, "teleport/setup.sh");
        assert!(teleport_setup.contains("tctl create -f \"$here/join-token.yaml\""));
        let teardown = artifact(&artifacts, "teleport/teardown.sh");
        assert!(teardown.contains(&format!("remove_token {}", kube.join_token)));
    }
}

#[test]
fn both_examples_verify_with_the_kubernetes_checks() {
    for file in [OIDC, ROLES_ANYWHERE] {
        let dir = written_set(&plan_of(file));
        let report = verify::verify_dir(dir.path()).expect("verifies");
        let failed: Vec<_> = report.failed().collect();
        assert!(failed.is_empty(), "{file}: {failed:#?}");
        let labels: Vec<&str> = report.checks.iter().map(|c| c.id.label()).collect();
        for expected in [
            "join token",
            "tbot chart",
            "secret mount",
            "service account",
            "eks webhook",
            "deployment patch",
        ] {
            assert!(
                labels.contains(&expected),
                "{file}: {expected} in {labels:?}"
            );
        }
    }
}

/// Each edit, in the OIDC example's set, and the checks it must fail (at least these).
const OIDC_EDITS: &[(&str, &str, &str, &[&str])] = &[
    // The join token allows another service account: tbot cannot join.
    (
        "teleport/join-token.yaml",
        "service_account: \"payments:tbot-payments-api\"",
        "service_account: \"payments:tbot-other\"",
        &["join token"],
    ),
    // ... the workload's own: it could join as the bot.
    (
        "teleport/join-token.yaml",
        "service_account: \"payments:tbot-payments-api\"",
        "service_account: \"payments:payments-api\"",
        &["join token", "service account"],
    ),
    (
        "teleport/join-token.yaml",
        "bot_name: \"payments-bot\"",
        "bot_name: \"other-bot\"",
        &["join token"],
    ),
    (
        "teleport/join-token.yaml",
        "type: in_cluster",
        "type: static_jwks",
        &["join token"],
    ),
    (
        "teleport/join-token.yaml",
        "join_method: kubernetes",
        "join_method: token",
        &["join token"],
    ),
    (
        "kubernetes/tbot-values.yaml",
        "token: \"payments-bot",
        "token: \"other",
        &["join token"],
    ),
    (
        "kubernetes/tbot-values.yaml",
        "example.teleport.sh:443",
        "example.teleport.sh",
        &["tbot chart"],
    ),
    (
        "kubernetes/tbot-values.yaml",
        "clusterName: \"example.teleport.sh\"",
        "clusterName: \"other.example.com\"",
        &["tbot chart"],
    ),
    // tbot writes another Secret than the one the workload mounts.
    (
        "kubernetes/tbot-values.yaml",
        "name: \"payments-api-workload-identity\"",
        "name: \"other-secret\"",
        &["secret mount", "env token file"],
    ),
    (
        "kubernetes/tbot-values.yaml",
        "type: kubernetes_secret",
        "type: directory",
        &["secret mount", "env token file"],
    ),
    // The mount moved: the token file the environment names is not where the Secret is.
    (
        "kubernetes/deployment.yaml",
        "mountPath: \"/var/run/secrets/workload-identity\"",
        "mountPath: \"/etc/aws\"",
        &["env token file", "deployment patch"],
    ),
    // Another Secret in the volume than the one tbot writes.
    (
        "kubernetes/deployment.yaml",
        "secretName: \"payments-api-workload-identity\"",
        "secretName: \"other\"",
        &["secret mount", "env token file", "deployment patch"],
    ),
    (
        "kubernetes/deployment.yaml",
        "value: \"/var/run/secrets/workload-identity/jwt_svid\"",
        "value: \"/var/run/secrets/workload-identity/token\"",
        &["env token file", "deployment patch"],
    ),
    (
        "kubernetes/deployment.yaml",
        "serviceAccountName: \"payments-api\"",
        "serviceAccountName: \"tbot-payments-api\"",
        &["service account", "deployment patch"],
    ),
    (
        "kubernetes/deployment.yaml",
        "eks.amazonaws.com/skip-containers: \"api\"",
        "eks.amazonaws.com/skip-containers: \"sidecar\"",
        &["eks webhook", "deployment patch"],
    ),
    (
        "kubernetes/service-account.yaml",
        "  labels:",
        "  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/irsa\n  labels:",
        &["eks webhook"],
    ),
    (
        "kubernetes/secret.yaml",
        "namespace: \"payments\"",
        "namespace: \"default\"",
        &["secret mount"],
    ),
    (
        "kubernetes/secret.yaml",
        "name: \"payments-api-workload-identity\"",
        "name: \"other\"",
        &["secret mount"],
    ),
    (
        "kubernetes/service-account.yaml",
        "name: \"payments-api\"\n",
        "name: \"other\"\n",
        &["service account"],
    ),
    // The patch gives the user's Deployment another role than the example proven here.
    (
        "kubernetes/deployment-patch.yaml",
        "role/ns-payments-sa-payments-api",
        "role/other",
        &["deployment patch"],
    ),
    (
        "kubernetes/deployment-patch.yaml",
        "secretName: \"payments-api-workload-identity\"",
        "secretName: \"other\"",
        &["deployment patch"],
    ),
];

#[test]
fn each_edit_of_a_kubernetes_file_fails_the_check_that_covers_it() {
    for (file, from, to, expected) in OIDC_EDITS {
        let dir = written_set(&plan_of(OIDC));
        assert_edit_fails(dir.path(), file, (from, to), expected);
    }
}

#[test]
fn roles_anywhere_on_kubernetes_fails_an_environment_that_misses_the_credentials() {
    for (from, to) in [
        ("value: \"svc-reports\"", "value: \"default\""),
        ("value: \"eu-west-1\"", "value: \"us-east-1\""),
        (
            "value: \"/var/run/secrets/workload-identity/aws_credentials\"",
            "value: \"/root/.aws/credentials\"",
        ),
    ] {
        let dir = written_set(&plan_of(ROLES_ANYWHERE));
        edit_in(dir.path(), "kubernetes/deployment.yaml", from, to);
        let failing = failing_checks(dir.path());
        assert!(
            failing.contains(&"env credentials"),
            "{from} -> {to}: {failing:?}"
        );
        assert!(
            failing.contains(&"deployment patch"),
            "{from} -> {to}: {failing:?}"
        );
    }
    let dir = written_set(&plan_of(ROLES_ANYWHERE));
    edit_in(
        dir.path(),
        "kubernetes/tbot-values.yaml",
        "session_renewal_interval: \"1h\"",
        "session_renewal_interval: \"7h\"",
    );
    assert!(failing_checks(dir.path()).contains(&"tbot timing"));
}

fn example_with(tbot_lines: &str) -> String {
    let text = std::fs::read_to_string(repo_path(OIDC)).expect("example");
    let start = text.find("\ntbot:\n").expect("a tbot section");
    format!("{}\ntbot:\n{tbot_lines}", &text[..start])
}

#[test]
fn kubernetes_answers_follow_kubernetes_rules_and_all_are_reported_at_once() {
    let problems = answers_problems(&example_with(
        "  runs_on: kubernetes\n  namespace: Payments\n  container: api.v1\n  secret_name: -secret\n  bot_service_account: tbot-the-payments-api-of-the-example-company-in-production\n",
    ));
    for expected in [
        "line 23: tbot.namespace = \"Payments\"",
        "line 24: tbot.container = \"api.v1\"",
        "line 25: tbot.secret_name = \"-secret\"",
        "line 26: tbot.bot_service_account",
        "is 1-53 lowercase letters",
    ] {
        assert!(problems.contains(expected), "{expected} in:\n{problems}");
    }
}

#[test]
fn the_workload_and_tbot_may_not_share_a_service_account() {
    let problems = answers_problems(&example_with(
        "  runs_on: kubernetes\n  service_account: shared\n  bot_service_account: shared\n",
    ));
    assert!(
        problems.contains("tbot.bot_service_account = \"shared\""),
        "{problems}"
    );
    assert!(
        problems.contains("could join Teleport as the bot"),
        "{problems}"
    );
}

#[test]
fn kubernetes_answers_on_a_host_are_refused_not_ignored() {
    let problems = answers_problems(&example_with("  namespace: payments\n"));
    assert!(
        problems.contains("tbot.namespace = \"payments\": tbot.namespace only applies with tbot.runs_on: kubernetes"),
        "{problems}"
    );
}

#[test]
fn defaults_come_from_the_spiffe_path_and_replay_unchanged() {
    let plan = wi_aws::answers::fleet::single_plan(&example_with("  runs_on: kubernetes\n"))
        .unwrap_or_else(|problems| panic!("{problems}"));
    let kube = plan.tbot.kubernetes.clone().expect("kubernetes");
    assert_eq!(kube.namespace, "default");
    assert_eq!(kube.deployment, "payments-api");
    assert_eq!(kube.container, "payments-api");
    assert_eq!(kube.service_account, "payments-api");
    assert_eq!(kube.secret_name, "payments-api-workload-identity");
    assert_eq!(kube.bot_service_account, "tbot-payments-api");
    assert_eq!(kube.join_token, "payments-bot-default-tbot-payments-api");
    let saved = plan.to_answers().to_yaml();
    let replayed = wi_aws::answers::fleet::single_plan(&saved).expect("replays");
    assert_eq!(replayed, plan);
    // A host set saves no Kubernetes key, not even runs_on.
    let host = plan_of("examples/answers.yaml").to_answers().to_yaml();
    assert!(
        !host.contains("runs_on") && !host.contains("namespace"),
        "{host}"
    );
}

#[test]
fn a_fleet_on_kubernetes_verifies_and_refuses_two_workloads_with_one_secret() {
    let fleet = r#"version: 2
teleport: {proxy: example.teleport.sh, version: 17.4.2}
aws: {account_id: "123456789012", bucket: example-shared-data}
tbot: {runs_on: kubernetes, namespace: apps, output_dir: /var/run/secrets/workload-identity}
workloads:
  - name: writer
    teleport: {spiffe_path: /svc/writer, bot: writer}
  - name: reader
    teleport: {spiffe_path: /svc/reader, bot: reader}
"#;
    let fleet_plan = wi_aws::answers::fleet::from_answers_file(fleet).expect("valid");
    let templates = wi_aws::artifacts::render::Templates::embedded().expect("templates");
    let artifacts =
        wi_aws::artifacts::render::render_fleet(&fleet_plan, &templates).expect("renders");
    let dir = tempfile::tempdir().expect("temp dir");
    wi_aws::artifacts::write::write_all(dir.path(), &artifacts, false).expect("writes");
    let report = verify::verify_dir(dir.path()).expect("verifies");
    assert!(
        report.passed(),
        "{:#?}",
        report.failed().collect::<Vec<_>>()
    );
    assert!(
        dir.path()
            .join("kubernetes/reader/deployment-patch.yaml")
            .is_file()
    );
    assert!(dir.path().join("teleport/writer/join-token.yaml").is_file());
    let setup = std::fs::read_to_string(dir.path().join("teleport/setup.sh")).expect("setup");
    assert!(setup.contains("tctl create -f \"$here\"/reader/join-token.yaml"));

    let clash = fleet.replace(
        "    teleport: {spiffe_path: /svc/reader, bot: reader}\n",
        "    teleport: {spiffe_path: /svc/reader, bot: reader}\n    tbot: {secret_name: writer-workload-identity}\n",
    );
    let problems = answers_problems(&clash);
    assert!(
        problems.contains("workloads[1].tbot.secret_name = \"apps/writer-workload-identity\": workloads[0] (writer) has the same Kubernetes Secret"),
        "{problems}"
    );
}

#[test]
fn a_failed_kubernetes_check_is_a_failure_not_a_warning() {
    let dir = written_set(&plan_of(OIDC));
    edit_in(
        dir.path(),
        "kubernetes/deployment.yaml",
        "secretName: \"payments-api-workload-identity\"",
        "secretName: \"other\"",
    );
    let report = verify::verify_dir(dir.path()).expect("verify reads the set");
    let check = report
        .checks
        .iter()
        .find(|c| c.id.label() == "secret mount")
        .expect("the check");
    assert_eq!(check.status, Status::Fail);
    assert!(check.fix.is_some() && check.aws_error.is_some());
}

/// A Pod of the example Deployment as `kubectl get pod -o json` prints it, after `mutate`.
fn pod_of(dir: &Path, mutate: impl FnOnce(&mut serde_json::Value)) -> std::path::PathBuf {
    let text = std::fs::read_to_string(dir.join("kubernetes/deployment.yaml")).expect("read");
    let deployment: serde_json::Value = serde_yaml::from_str(&text).expect("yaml");
    let template = &deployment["spec"]["template"];
    let mut metadata = template["metadata"].clone();
    metadata["namespace"] = deployment["metadata"]["namespace"].clone();
    metadata["name"] = "payments-api-7d4b9c-x2x7q".into();
    let mut pod = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": template["spec"].clone(),
    });
    mutate(&mut pod);
    let path = dir.join("pod.json");
    std::fs::write(
        &path,
        serde_json::to_string(&serde_json::json!({"kind": "List", "items": [pod]})).expect("json"),
    )
    .expect("write");
    path
}

/// `wi-aws doctor --out SET --pod-spec POD`.
fn doctor_pod(set: &Path, pod: &Path) -> std::process::Output {
    let path = |p: &Path| p.to_str().expect("utf-8").to_owned();
    run_wi_aws(
        &["doctor", "--out", &path(set), "--pod-spec", &path(pod)],
        set,
    )
}

#[test]
fn doctor_reads_a_running_pod_and_names_the_eks_webhooks_second_identity() {
    let dir = written_set(&plan_of(OIDC));
    let pod = pod_of(dir.path(), |_| {});
    let output = doctor_pod(dir.path(), &pod);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );

    // What EKS's webhook adds for a service account annotated with an IRSA role, when the Pod
    // does not tell it to skip the container.
    let pod = pod_of(dir.path(), |pod| {
        let container = &mut pod["spec"]["containers"][0];
        container["env"].as_array_mut().expect("env").retain(|var| {
            var["name"] != "AWS_ROLE_ARN" && var["name"] != "AWS_WEB_IDENTITY_TOKEN_FILE"
        });
        container["env"].as_array_mut().expect("env").extend([
            serde_json::json!({"name": "AWS_ROLE_ARN", "value": "arn:aws:iam::123456789012:role/irsa-role"}),
            serde_json::json!({"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}),
        ]);
        container["volumeMounts"].as_array_mut().expect("mounts").push(serde_json::json!({"name": "aws-iam-token", "mountPath": "/var/run/secrets/eks.amazonaws.com/serviceaccount", "readOnly": true}));
    });
    let output = doctor_pod(dir.path(), &pod);
    let said = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(
        said.contains("second AWS identity: AWS_ROLE_ARN=arn:aws:iam::123456789012:role/irsa-role"),
        "{said}"
    );
    assert!(said.contains("pod identity webhook"), "{said}");
    assert!(said.contains("AWS_WEB_IDENTITY_TOKEN_FILE is Some(\"/var/run/secrets/eks.amazonaws.com/serviceaccount/token\")"), "{said}");

    // Another service account, another mount path: named; a host set or a non-Pod: refused.
    let pod = pod_of(dir.path(), |pod| {
        pod["spec"]["serviceAccountName"] = "default".into();
        pod["spec"]["containers"][0]["volumeMounts"][0]["mountPath"] = "/etc/aws".into();
    });
    let output = doctor_pod(dir.path(), &pod);
    let said = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(
        said.contains("the Pod runs as \"default\", not payments-api")
            && said.contains("mounts the Secret at \"/etc/aws\""),
        "{said}"
    );
    std::fs::write(dir.path().join("pod.json"), "{\"kind\": \"Deployment\"}").expect("write");
    let output = doctor_pod(dir.path(), &pod);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("not a Pod"),
        "{}",
        text(&output.stderr)
    );
    let host = written_set(&plan_of("examples/answers.yaml"));
    let output = doctor_pod(host.path(), &pod);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("not on Kubernetes"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn a_set_on_kubernetes_has_no_profile_to_install_and_says_why() {
    let dir = written_set(&plan_of(OIDC));
    let config = dir.path().join("aws-config");
    let output = run_wi_aws(
        &[
            "profile",
            "install",
            "--out",
            dir.path().to_str().expect("utf-8"),
            "--aws-config",
            config.to_str().expect("utf-8"),
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("runs on Kubernetes"),
        "{}",
        text(&output.stderr)
    );
    assert!(!config.exists(), "nothing written");
}
