//! `aws.policy_file` and `aws.access: none`: the user's own permissions policy, checked with
//! IAM's grammar (each problem at its line in that file), merged after the preset's statements
//! into iam/permissions-policy.json, which main.tf reads with file(); kept in the set for
//! replays; held to exactly by verify, on both routes, for one workload or a fleet.

mod common;

use common::*;
use std::path::Path;
use wi_aws::verify::{self, CheckId, Status};

const FIXTURE: &str = "tests/fixtures/dynamodb-policy-file.yaml";
const POLICY: &str = "tests/fixtures/orders-table.json";

/// An answers file and the files it names, in a fresh directory.
struct Answers {
    dir: tempfile::TempDir,
}

impl Answers {
    fn new(answers: &str, policy: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("answers.yaml"), answers).expect("writes");
        std::fs::write(dir.path().join("orders-table.json"), policy).expect("writes");
        Self { dir }
    }

    fn fixture() -> Self {
        Self::new(&fixture(), &policy())
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `render --answers-file answers.yaml --out out`, run in the answers' directory.
    fn render(&self) -> std::process::Output {
        run_wi_aws(
            &["render", "--answers-file", "answers.yaml", "--out", "out"],
            self.path(),
        )
    }

    fn out(&self) -> std::path::PathBuf {
        self.path().join("out")
    }
}

fn fixture() -> String {
    std::fs::read_to_string(repo_path(FIXTURE)).expect("fixture")
}

fn policy() -> String {
    std::fs::read_to_string(repo_path(POLICY)).expect("policy")
}

/// What `render` says, and that it wrote nothing and exited 2.
fn refused(answers: &Answers) -> String {
    let output = answers.render();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!answers.out().exists(), "nothing is written: {stderr}");
    stderr
}

#[test]
fn a_dynamodb_only_workload_renders_and_verifies_without_a_bucket() {
    let answers = Answers::fixture();
    let output = answers.render();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let out = answers.out();
    let report = verify::verify_dir(&out).expect("verifies");
    assert!(report.passed(), "{report:?}");
    let permissions = verified_check(&out, CheckId::Permissions);
    assert!(
        permissions.detail.contains(
            "allows dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query, dynamodb:UpdateItem on arn:aws:dynamodb:eu-west-2:123456789012:table/orders"
        ) && permissions.detail.contains("denies dynamodb:DeleteTable on *"),
        "{permissions:?}"
    );
    assert_eq!(
        verified_check(&out, CheckId::PermissionsTf).status,
        Status::Pass
    );
    // The role's own policy is the file's, exactly; nothing of S3, nothing created for it.
    let written: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("iam/permissions-policy.json")).expect("written"),
    )
    .expect("JSON");
    let given: serde_json::Value = serde_json::from_str(&policy()).expect("JSON");
    assert_eq!(written["Statement"], given["Statement"]);
    let main = std::fs::read_to_string(out.join("terraform/main.tf")).expect("main.tf");
    assert!(!main.contains("aws_s3_bucket"), "{main}");
    assert!(main.contains("policy = file(\"${path.module}/../iam/permissions-policy.json\")"));
    let script = std::fs::read_to_string(out.join("aws-cli/setup.sh")).expect("setup.sh");
    assert!(!script.contains("create-bucket"), "{script}");
    // The set keeps the file as given, and its answers name that copy.
    assert_eq!(
        std::fs::read_to_string(out.join("iam/policy-file.json")).expect("copy"),
        policy()
    );
    let saved = std::fs::read_to_string(out.join("answers.yaml")).expect("answers");
    assert!(
        saved.contains("  policy_file: iam/policy-file.json\n"),
        "{saved}"
    );
    assert!(saved.contains("  create_bucket: false\n"), "{saved}");
    // A replay from the set's own answers changes nothing.
    let replay = run_wi_aws(
        &[
            "render",
            "--answers-file",
            "out/answers.yaml",
            "--out",
            "out",
        ],
        answers.path(),
    );
    assert!(replay.status.success(), "{}", text(&replay.stderr));
    assert!(
        text(&replay.stdout).contains("0 created, 0 updated"),
        "{}",
        text(&replay.stdout)
    );
}

#[test]
fn every_grammar_problem_is_reported_with_its_line_in_the_policy_file() {
    let bad = policy()
        .replace("\"Effect\": \"Allow\"", "\"Effect\": \"allow\"")
        .replace("\"dynamodb:Query\"", "\"dynamodb Query\"")
        .replace(
            "arn:aws:dynamodb:eu-west-2:123456789012:table/orders\",",
            "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/orders\",",
        )
        .replace(
            "\"Resource\": \"*\"",
            "\"Resource\": \"*\",\n      \"Condition\": {\"StringEqualz\": {\"aws:SourceIp\": \"x\"}}",
        );
    let stderr = refused(&Answers::new(&fixture(), &bad));
    for expected in [
        "line 16: aws.policy_file: orders-table.json line 6: Effect is \"allow\"",
        "orders-table.json line 10: Action \"dynamodb Query\" is not service:Action",
        "orders-table.json line 14: Resource \"arn:aws-cn:dynamodb",
        "orders-table.json line 23: \"StringEqualz\" is not a condition operator",
    ] {
        assert!(stderr.contains(expected), "{expected:?} in {stderr}");
    }
    assert!(stderr.contains("4 problems in the answers"), "{stderr}");
}

#[test]
fn files_iam_or_wi_aws_would_refuse_are_refused_before_anything_is_written() {
    // Not JSON, a principal, and a character IAM does not take.
    let cases = [
        ("{\"Version\": \"2012-10-17\",", "not valid JSON"),
        (
            &policy().replace(
                "\"Effect\": \"Deny\",",
                "\"Effect\": \"Deny\",\n      \"Principal\": \"*\",",
            ),
            "Principal has no place in a permissions policy",
        ),
        (
            &policy().replace("table/orders\"", "table/ordérs\u{2019}\""),
            "is not a character IAM accepts",
        ),
        (&policy().replace("2012-10-17", "2008-10-17"), "Version is"),
    ];
    for (document, rule) in cases {
        let stderr = refused(&Answers::new(&fixture(), document));
        assert!(stderr.contains(rule), "{rule}: {stderr}");
    }
    // Access none with no policy file; a file that is not there, or a directory.
    let none = fixture().replace("  policy_file: orders-table.json\n", "");
    let stderr = refused(&Answers::new(&none, &policy()));
    assert!(
        stderr.contains("access none grants nothing of its own"),
        "{stderr}"
    );
    for path in ["missing.json", "."] {
        let answers = fixture().replace("orders-table.json", path);
        let stderr = refused(&Answers::new(&answers, &policy()));
        assert!(
            stderr.contains("aws.policy_file") && stderr.contains("cannot be read"),
            "{path}: {stderr}"
        );
    }
    // A bucket to create with none named.
    let create = fixture().replace(
        "  access: none\n",
        "  access: none\n  create_bucket: true\n",
    );
    let stderr = refused(&Answers::new(&create, &policy()));
    assert!(stderr.contains("there is no bucket to create"), "{stderr}");
    // With a preset, the file may not take the preset's Sid.
    let preset = fixture().replace(
        "  access: none\n",
        "  bucket: orders-data\n  access: read-only\n",
    );
    let stderr = refused(&Answers::new(
        &preset,
        &policy().replace("ReadWriteOrders", "Objects"),
    ));
    assert!(
        stderr.contains("Sid \"Objects\" is the one of wi-aws's own"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_named_as_the_policy_file_is_refused_without_a_hang() {
    let answers = Answers::new(&fixture().replace("orders-table.json", "fifo"), "");
    let fifo = answers.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let stderr = refused(&answers);
    assert!(stderr.contains("not a regular file"), "{stderr}");
}

#[test]
fn a_preset_and_a_policy_file_grant_both_and_the_s3_statements_come_first() {
    let preset = fixture().replace(
        "  access: none\n",
        "  bucket: orders-data\n  access: read-only\n",
    );
    let answers = Answers::new(&preset, &policy());
    assert!(answers.render().status.success());
    let written: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(answers.out().join("iam/permissions-policy.json"))
            .expect("written"),
    )
    .expect("JSON");
    let sids: Vec<&str> = written["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .filter_map(|s| s["Sid"].as_str())
        .collect();
    assert_eq!(
        sids,
        ["Bucket", "Objects", "ReadWriteOrders", "NeverDropTheTable"]
    );
    let permissions = verified_check(&answers.out(), CheckId::Permissions);
    assert_eq!(permissions.status, Status::Pass, "{permissions:?}");
    assert!(
        permissions
            .detail
            .starts_with("access read-only grants s3:ListBucket")
    );
}

#[test]
fn verify_fails_a_policy_that_is_not_the_files_exactly() {
    let written = || {
        let answers = Answers::fixture();
        assert!(answers.render().status.success());
        answers
    };
    // A statement taken out of the JSON: what the file allows is then refused by AWS.
    let answers = written();
    edit_file(
        &answers.out().join("iam/permissions-policy.json"),
        "\"dynamodb:PutItem\",",
        "",
    );
    let check = verified_check(&answers.out(), CheckId::Permissions);
    assert_eq!(check.status, Status::Fail, "{check:?}");
    assert!(
        check
            .detail
            .contains("dynamodb:PutItem on arn:aws:dynamodb"),
        "{check:?}"
    );
    // The Deny dropped: nothing the simulation of the Allows sees, but not the file's.
    let answers = written();
    edit_file(
        &answers.out().join("iam/permissions-policy.json"),
        "\"Effect\": \"Deny\"",
        "\"Effect\": \"Allow\"",
    );
    let check = verified_check(&answers.out(), CheckId::Permissions);
    assert_eq!(check.status, Status::Fail, "{check:?}");
    assert!(
        check
            .detail
            .starts_with("statement 2 of the policy file's is"),
        "{check:?}"
    );
    // main.tf reading another file, or one outside the set.
    for (to, said) in [
        (
            "../iam/trust-policy.json",
            "the policy does not grant: dynamodb:GetItem",
        ),
        ("../../etc/passwd", "outside the set"),
    ] {
        let answers = written();
        edit_file(
            &answers.out().join("terraform/main.tf"),
            "../iam/permissions-policy.json",
            to,
        );
        let report = verify::verify_dir(&answers.out()).expect("verifies");
        assert!(!report.passed(), "{to}");
        let failed: Vec<String> = report.failed().map(|c| c.detail.clone()).collect();
        assert!(failed.iter().any(|d| d.contains(said)), "{to}: {failed:#?}");
    }
    // The set's copy edited: the answers now say other than the policy that was rendered.
    let answers = written();
    edit_file(
        &answers.out().join("iam/policy-file.json"),
        "dynamodb:UpdateItem",
        "dynamodb:BatchWriteItem",
    );
    let check = verified_check(&answers.out(), CheckId::Permissions);
    assert_eq!(check.status, Status::Fail, "{check:?}");
}

#[test]
fn a_fleet_reads_each_workloads_own_document_on_both_routes() {
    for example in ["examples/fleet.yaml", "examples/roles-anywhere-fleet.yaml"] {
        let text = std::fs::read_to_string(repo_path(example)).expect("example");
        // The first workload reads the table besides its bucket; the others are as they were.
        let text = text.replacen(
            "    aws:\n",
            "    aws:\n      policy_file: orders-table.json\n",
            1,
        );
        let answers = Answers::new(&text, &policy());
        let output = answers.render();
        assert!(
            output.status.success(),
            "{example}: {}",
            common::text(&output.stderr)
        );
        let out = answers.out();
        let main = std::fs::read_to_string(out.join("terraform/main.tf")).expect("main.tf");
        assert!(
            main.contains("file(\"${path.module}/../iam/${each.key}/permissions-policy.json\")"),
            "{example}"
        );
        let saved = std::fs::read_to_string(out.join("answers.yaml")).expect("answers");
        let first = saved
            .split("- name: ")
            .nth(1)
            .and_then(|w| w.split('\n').next())
            .expect("a workload")
            .to_owned();
        assert!(
            saved.contains(&format!("policy_file: iam/{first}/policy-file.json")),
            "{saved}"
        );
        assert!(out.join(format!("iam/{first}/policy-file.json")).is_file());
        let report = verify::verify_dir(&out).expect("verifies");
        assert!(report.passed(), "{example}: {report:?}");
    }
}
