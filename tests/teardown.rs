//! The teardown scripts' rules, run with stand-in `aws` and `tctl` commands that record every
//! call and answer as the test says: what is deleted, in which order, what a refused read does,
//! and that hostile values reach each call as one exact argument. (tests/e2e/run.sh runs them
//! against the AWS emulator.)

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use wi_aws::artifacts::render::{self, Artifact, Templates};

/// A stand-in for `aws` or `tctl`: each call is recorded as its arguments, one a line, then
/// `--`. Its verb is the word after the service (`iam delete-role`, `bots ls`) or the first
/// (`rm role/x`). `sts` answers the account; a call whose verb is `$DENY` fails as a refused
/// call does; every other call answers from `$ANSWERS/<verb>` when that file exists (`missing`
/// in it: the thing does not exist), and with nothing otherwise.
const STUB: &str = r#"#!/bin/sh
printf '%s\n' "$@" -- >> "$CALLS"
case "$1" in iam|s3api|sts|bots) verb=$2 ;; *) verb=$1 ;; esac
if [ "$1" = sts ]; then echo 123456789012; exit 0; fi
if [ "$verb" = "${DENY-}" ]; then
  echo "An error occurred (AccessDenied) when calling the $verb operation: denied" >&2
  exit 255
fi
if [ -f "$ANSWERS/$verb" ]; then
  if [ "$(cat "$ANSWERS/$verb")" = missing ]; then
    echo "An error occurred (NoSuchEntity) when calling the $verb operation: not found" >&2
    echo "ERROR: $verb is not found" >&2
    exit 255
  fi
  cat "$ANSWERS/$verb"
fi
"#;

/// A call's verb (see [`STUB`]) and the arguments after it.
fn verb_and_rest(call: &[String]) -> Option<(&str, &[String])> {
    let at = match call.first()?.as_str() {
        "iam" | "s3api" | "sts" | "bots" => 1,
        _ => 0,
    };
    Some((call.get(at)?.as_str(), call.get(at + 1..)?))
}

struct Stage {
    dir: tempfile::TempDir,
    /// `PATH` with the stand-ins first.
    path: String,
}

impl Stage {
    fn new(artifacts: &[Artifact]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        wi_aws::artifacts::write::write_all(&dir.path().join("out"), artifacts, false)
            .expect("writes");
        std::fs::create_dir_all(dir.path().join("answers")).expect("mkdir");
        let bin = dir.path().join("bin");
        stand_in(&bin, "tctl", STUB);
        stand_in(&bin, "kubectl", STUB);
        stand_in(&bin, "helm", STUB);
        let path = stand_in(&bin, "aws", STUB);
        Self { dir, path }
    }

    fn answer(&self, subcommand: &str, text: &str) -> &Self {
        std::fs::write(self.dir.path().join("answers").join(subcommand), text).expect("write");
        self
    }

    fn run(&self, script: &str, args: &[&str], deny: Option<&str>) -> Output {
        let mut command = Command::new("sh");
        command
            .arg(self.dir.path().join("out").join(script))
            .args(args)
            .env("PATH", &self.path)
            .env("CALLS", self.calls_file())
            .env("ANSWERS", self.dir.path().join("answers"))
            .stdin(Stdio::null());
        if let Some(deny) = deny {
            command.env("DENY", deny);
        }
        command.output().expect("sh runs")
    }

    fn calls_file(&self) -> PathBuf {
        self.dir.path().join("calls")
    }

    /// Every call, as its list of arguments.
    fn calls(&self) -> Vec<Vec<String>> {
        let text = std::fs::read_to_string(self.calls_file()).unwrap_or_default();
        let mut calls = vec![Vec::new()];
        for line in text.lines() {
            if line == "--" {
                calls.push(Vec::new());
            } else if let Some(call) = calls.last_mut() {
                call.push(line.to_owned());
            }
        }
        calls.pop();
        calls
    }

    /// The calls that change something, as `verb arguments…`.
    fn changes(&self) -> Vec<String> {
        self.calls()
            .iter()
            .filter_map(|call| verb_and_rest(call))
            .filter(|(verb, _)| {
                verb.starts_with("delete-")
                    || verb.starts_with("detach-")
                    || ["rm", "update"].contains(verb)
            })
            .map(|(verb, rest)| format!("{verb} {}", rest.join(" ")))
            .collect()
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn guide() -> Vec<Artifact> {
    render_plan(&plan_of("examples/answers.yaml"))
}

/// Answers for a deployment setup.sh made and left as it was: everything tagged, nothing more
/// attached, the bucket empty, no other role trusting the provider.
fn as_setup_left_it(stage: &Stage) -> &Stage {
    for tags in [
        "list-role-tags",
        "list-policy-tags",
        "list-open-id-connect-provider-tags",
        "get-bucket-tagging",
    ] {
        stage.answer(tags, "wi-aws\n");
    }
    stage.answer("list-object-versions", "0\t0\n")
}

#[test]
fn without_a_terminal_or_yes_nothing_is_asked_and_nothing_called() {
    let stage = Stage::new(&guide());
    for script in ["aws-cli/teardown.sh", "teleport/teardown.sh"] {
        let output = stage.run(script, &[], None);
        assert_eq!(output.status.code(), Some(2), "{script}");
        assert!(
            stderr(&output).contains("pass --yes"),
            "{}",
            stderr(&output)
        );
        let bad = stage.run(script, &["--force"], None);
        assert_eq!(bad.status.code(), Some(2), "{script}");
        assert!(stderr(&bad).contains("unknown argument --force"));
    }
    assert!(stage.calls().is_empty(), "{:?}", stage.calls());
}

#[test]
fn the_aws_teardown_deletes_what_setup_made_in_reverse_order() {
    let stage = Stage::new(&guide());
    as_setup_left_it(&stage);
    stage.answer("list-policy-versions", "v1\tv2\n");
    let output = stage.run("aws-cli/teardown.sh", &["--yes"], None);
    assert!(output.status.success(), "{}", stderr(&output));
    let plan = plan_of("examples/answers.yaml");
    let (role, policy) = (plan.aws.role_name.clone(), plan.policy_arn());
    assert_eq!(
        stage.changes(),
        [
            format!("detach-role-policy --role-name {role} --policy-arn {policy}"),
            format!("delete-role --role-name {role}"),
            format!("detach-role-policy --role-name {role} --policy-arn {policy}"),
            format!("delete-policy-version --policy-arn {policy} --version-id v1"),
            format!("delete-policy-version --policy-arn {policy} --version-id v2"),
            format!("delete-policy --policy-arn {policy}"),
            format!(
                "delete-bucket --bucket {}",
                plan.aws.bucket.as_deref().expect("a bucket")
            ),
            format!(
                "delete-open-id-connect-provider --open-id-connect-provider-arn {}",
                plan.provider_arn()
            ),
        ]
    );
    assert!(stdout(&output).ends_with("teardown.sh: deleted 4, kept 0.\n"));
}

#[test]
fn what_setup_did_not_make_or_others_use_is_kept_saying_why() {
    let stage = Stage::new(&guide());
    as_setup_left_it(&stage);
    let plan = plan_of("examples/answers.yaml");
    // The role holds more; the policy is attached to a user; the bucket has data; another
    // role trusts the provider (and one whose provider ARN merely starts the same does not count).
    stage
        .answer("list-role-policies", "inline-by-hand\n")
        .answer("list-entities-for-policy", "alice\n")
        .answer("list-object-versions", "1\t0\n")
        .answer(
            "list-roles",
            &format!(
                "someone-else\t{{\"Principal\":{{\"Federated\":\"{arn}\"}}}}\nlookalike\t{{\"Principal\":{{\"Federated\":\"{arn}-2\"}}}}\n",
                arn = plan.provider_arn()
            ),
        );
    let output = stage.run("aws-cli/teardown.sh", &["--yes"], None);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stage.changes().is_empty(), "{:?}", stage.changes());
    let out = stdout(&output);
    assert!(
        out.contains("(it also holds what setup.sh did not give it: inline policy inline-by-hand)"),
        "{out}"
    );
    assert!(
        out.contains("(it is also attached to role alice, user alice, group alice)"),
        "{out}"
    );
    assert!(out.contains("it holds objects or object versions"), "{out}");
    assert!(
        out.contains("(roles still trust it: someone-else)"),
        "{out}"
    );
    assert!(out.ends_with("deleted 0, kept 4.\n"), "{out}");

    // Nothing tagged: nothing of it was setup.sh's.
    let untagged = Stage::new(&guide());
    untagged.answer("list-object-versions", "0\t0\n");
    let output = untagged.run("aws-cli/teardown.sh", &["--yes"], None);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(untagged.changes().is_empty(), "{:?}", untagged.changes());
    assert_eq!(
        stdout(&output)
            .matches("setup.sh did not create it: no created-by=wi-aws tag")
            .count(),
        4
    );
}

#[test]
fn gone_already_is_absent_and_a_refused_read_stops_before_any_change() {
    let stage = Stage::new(&guide());
    for missing in [
        "list-role-tags",
        "list-policy-tags",
        "list-open-id-connect-provider-tags",
        "head-bucket",
    ] {
        stage.answer(missing, "missing");
    }
    let output = stage.run("aws-cli/teardown.sh", &["--yes"], None);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).matches("absent:  ").count(), 4);

    // A read AWS refuses is not "gone": the script stops, naming the call, and changes nothing.
    let stage = Stage::new(&guide());
    as_setup_left_it(&stage);
    let output = stage.run("aws-cli/teardown.sh", &["--yes"], Some("list-policy-tags"));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("AccessDenied"),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("stopped at: aws iam list-policy-tags"));
    assert!(!stdout(&output).contains("absent"), "{}", stdout(&output));
    // The role was deleted before; nothing after the refused read.
    assert!(
        stage
            .changes()
            .last()
            .is_some_and(|c| c.starts_with("delete-role"))
    );

    let stage = Stage::new(&guide());
    let output = stage.run("teleport/teardown.sh", &["--yes"], Some("ls"));
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("stopped at: tctl bots ls"));
    assert!(stage.changes().is_empty());
}

fn fleet_artifacts() -> Vec<Artifact> {
    let text = std::fs::read_to_string(repo_path("examples/fleet.yaml")).expect("example");
    let fleet = wi_aws::answers::fleet::from_answers_file(&text).expect("valid");
    render::render_fleet(&fleet, &Templates::embedded().expect("templates")).expect("renders")
}

#[test]
fn a_fleets_teardown_removes_every_role_before_the_buckets_and_the_provider() {
    let text = std::fs::read_to_string(repo_path("examples/fleet.yaml")).expect("example");
    let fleet = wi_aws::answers::fleet::from_answers_file(&text).expect("valid");
    let stage = Stage::new(&fleet_artifacts());
    as_setup_left_it(&stage);
    let output = stage.run("aws-cli/teardown.sh", &["--yes"], None);
    assert!(output.status.success(), "{}", stderr(&output));
    let deleted: Vec<String> = stage
        .changes()
        .into_iter()
        .filter(|c| c.starts_with("delete-") && !c.starts_with("delete-policy-version"))
        .map(|c| {
            c.split_whitespace()
                .take(1)
                .chain(c.split_whitespace().last())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let mut expected = Vec::new();
    for workload in &fleet.workloads {
        expected.push(format!("delete-role {}", workload.plan.aws.role_name));
        expected.push(format!("delete-policy {}", workload.plan.policy_arn()));
    }
    let mut buckets: Vec<&str> = Vec::new();
    for plan in fleet.plans().filter(|p| p.aws.create_bucket) {
        let bucket = plan
            .aws
            .bucket
            .as_deref()
            .expect("a created bucket is named");
        if !buckets.contains(&bucket) {
            buckets.push(bucket);
        }
    }
    expected.extend(buckets.iter().map(|b| format!("delete-bucket {b}")));
    expected.push(format!(
        "delete-open-id-connect-provider {}",
        fleet.shared().provider_arn()
    ));
    assert_eq!(deleted, expected);
}

#[test]
fn the_teleport_teardown_takes_the_role_off_the_bot_before_deleting_it() {
    let plan = plan_of("examples/answers.yaml");
    let (bot, role) = (&plan.workload.bot, &plan.workload.teleport_role);
    let identity = plan.workload.resource_name.clone().expect("current API");
    let stage = Stage::new(&guide());
    stage.answer("ls", &format!("Bot User Roles\n--- ---- -----\nother bot-other {role}\n{bot} bot-{bot} ops,{role},audit\n"));
    let output = stage.run("teleport/teardown.sh", &["--yes"], None);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stage.changes(),
        [
            format!("update {bot} --set-roles ops,audit"),
            format!("rm role/{role}"),
            format!("rm workload_identity/{identity}"),
        ]
    );

    // The bot's only role cannot be taken off (tctl reads an empty list as "unchanged"): the
    // role stays, and so the bot keeps working until the operator decides.
    let stage = Stage::new(&guide());
    stage.answer(
        "ls",
        &format!("Bot User Roles\n--- ---- -----\n{bot} bot-{bot} {role}\n"),
    );
    let output = stage.run("teleport/teardown.sh", &["--yes"], None);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stage.changes(),
        [format!("rm workload_identity/{identity}")]
    );
    let out = stdout(&output);
    assert!(
        out.contains(&format!(
            "kept:    Teleport role {role} (bot {bot} still holds it)"
        )),
        "{out}"
    );
    assert!(out.contains(&format!("tctl bots rm {bot}")), "{out}");
}

#[test]
fn hostile_values_reach_every_call_as_one_exact_argument() {
    let plan = hostile_plan();
    let stage = Stage::new(&render_plan(&plan));
    as_setup_left_it(&stage);
    let output = stage.run("aws-cli/teardown.sh", &["--yes"], None);
    assert!(output.status.success(), "{}", stderr(&output));
    let calls = stage.calls();
    let argument_after = |flag: &str, of: &str| -> Vec<String> {
        calls
            .iter()
            .filter_map(|call| verb_and_rest(call))
            .filter(|(verb, _)| *verb == of)
            .filter_map(|(_, rest)| {
                let at = rest.iter().position(|a| a == flag)?;
                rest.get(at + 1).cloned()
            })
            .collect()
    };
    assert_eq!(
        argument_after("--role-name", "delete-role"),
        std::slice::from_ref(&plan.aws.role_name)
    );
    assert_eq!(
        argument_after("--policy-arn", "delete-policy"),
        [plan.policy_arn()]
    );
    assert_eq!(
        argument_after("--bucket", "delete-bucket"),
        plan.aws.bucket.as_slice()
    );

    let stage = Stage::new(&render_plan(&plan));
    let (bot, role) = (&plan.workload.bot, &plan.workload.teleport_role);
    stage.answer("ls", &format!("Bot User Roles\n{bot} x ops,{role}\n"));
    let output = stage.run("teleport/teardown.sh", &["--yes"], None);
    assert!(output.status.success(), "{}", stderr(&output));
    let identity = plan.workload.resource_name.clone().unwrap_or_default();
    let rm: Vec<String> = stage
        .calls()
        .into_iter()
        .filter(|c| c.first().is_some_and(|s| s == "rm"))
        .map(|c| c[1].clone())
        .collect();
    assert_eq!(
        rm,
        [
            format!("role/{role}"),
            format!("workload_identity/{identity}")
        ]
    );
    assert!(!Path::new("/tmp/pwned").exists());
}

#[test]
fn the_kubernetes_teardown_asks_uninstalls_tbot_and_deletes_what_setup_made_once() {
    let plan = plan_of("examples/kubernetes.yaml");
    let stage = Stage::new(&render_plan(&plan));
    let script = "kubernetes/teardown.sh";

    // Without --yes and without a terminal to ask on, nothing happens.
    let output = stage.run(script, &[], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(stage.calls().is_empty());

    let output = stage.run(script, &["--yes"], None);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let changes: Vec<String> = stage
        .calls()
        .iter()
        .filter(|call| ["uninstall", "delete"].contains(&call[0].as_str()))
        .map(|call| call.join(" "))
        .collect();
    assert_eq!(
        changes,
        [
            "uninstall tbot-payments-api --namespace payments",
            "delete secret payments-api-workload-identity --namespace payments",
            "delete serviceaccount payments-api --namespace payments",
        ]
    );
    assert!(stdout(&output).contains("teardown.sh: changed 3, kept 0."));

    // Gone already: reported absent, nothing deleted.
    std::fs::remove_file(stage.calls_file()).expect("reset");
    stage.answer("status", "missing").answer("get", "missing");
    let output = stage.run(script, &["--yes"], None);
    assert!(output.status.success());
    assert!(
        stdout(&output).contains("teardown.sh: changed 0, kept 0."),
        "{}",
        stdout(&output)
    );
    assert!(
        !stage
            .calls()
            .iter()
            .any(|call| ["uninstall", "delete"].contains(&call[0].as_str()))
    );

    // A refused read is not "gone already": the script stops before deleting.
    std::fs::remove_file(stage.dir.path().join("answers/get")).expect("reset");
    std::fs::remove_file(stage.calls_file()).expect("reset");
    let output = stage.run(script, &["--yes"], Some("get"));
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("stopped at: kubectl get secret"));
    assert!(!stage.calls().iter().any(|call| call[0] == "delete"));
}
