//! `aws.managed_policies`: managed policy ARNs of the role's partition, within the quota of
//! managed policies one role carries; attached exactly by main.tf and the AWS CLI script on
//! both routes, one workload or some workloads of a fleet; detached (never deleted) by the
//! teardown; held to by verify, which says what it cannot see of them.

mod common;

use common::*;
use std::path::Path;
use wi_aws::answers::fleet;
use wi_aws::artifacts::render::{self, Templates};
use wi_aws::verify::{self, CheckId, Status, terraform};

const FIXTURE: &str = "tests/fixtures/managed-policies.yaml";
const DYNAMODB: &str = "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess";
const SECRET: &str = "arn:aws:iam::123456789012:policy/teams/orders/read-orders-secret";

fn fixture() -> String {
    std::fs::read_to_string(repo_path(FIXTURE)).expect("fixture")
}

/// The fixture with `arns` as its managed policies.
fn with_policies(arns: &[String]) -> String {
    let given = format!("  managed_policies:\n    - {DYNAMODB}\n    - {SECRET}\n");
    let list: String = arns.iter().map(|arn| format!("    - {arn}\n")).collect();
    fixture().replace(&given, &format!("  managed_policies:\n{list}"))
}

fn numbered(count: usize) -> Vec<String> {
    (0..count)
        .map(|n| format!("arn:aws:iam::123456789012:policy/p{n}"))
        .collect()
}

#[test]
fn each_is_a_managed_policy_arn_of_the_roles_partition_and_the_role_holds_at_most_20() {
    for (bad, rule) in [
        (
            "arn:aws:iam::123456789012:role/orders",
            "a managed policy ARN reads",
        ),
        ("arn:aws:s3:::orders-data", "a managed policy ARN reads"),
        (
            "arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess",
            "the policy is in partition aws-us-gov, but aws.partition is aws",
        ),
    ] {
        let text = with_policies(&[DYNAMODB.to_owned(), bad.to_owned()]);
        let problems = fleet::from_answers_file(&text).expect_err(bad).to_string();
        assert!(
            problems.contains("aws.managed_policies") && problems.contains(rule),
            "{bad}: {problems}"
        );
        assert!(
            problems.contains("line 16: aws.managed_policies"),
            "{bad}: {problems}"
        );
    }
    // 19 and the role's own are 20, the most; 20 are one too many.
    assert!(fleet::from_answers_file(&with_policies(&numbered(19))).is_ok());
    let problems = fleet::from_answers_file(&with_policies(&numbered(20)))
        .expect_err("21 attached")
        .to_string();
    assert!(
        problems.contains("21 managed policies") && problems.contains("(20)"),
        "{problems}"
    );
    // Over the default 10 the account must have raised its quota: a warning says which.
    let fleet = fleet::from_answers_file(&with_policies(&numbered(10))).expect("valid");
    assert!(
        fleet
            .warnings
            .iter()
            .any(|w| w.contains("11 managed policies attached to one role")
                && w.contains("Managed policies per role")),
        "{:#?}",
        fleet.warnings
    );
    let fleet = fleet::from_answers_file(&with_policies(&numbered(9))).expect("valid");
    assert!(
        !fleet
            .warnings
            .iter()
            .any(|w| w.contains("managed policies")),
        "{:#?}",
        fleet.warnings
    );
}

/// The managed policy ARNs main.tf attaches, by the role they go to.
fn attached_in_terraform(values: &terraform::Values) -> Vec<(String, String)> {
    let prefix = format!("{}[", terraform::MANAGED_ATTACHMENT);
    values
        .iter()
        .filter(|(key, _)| key.contains(&prefix) && key.ends_with(".policy_arn"))
        .map(|(key, arn)| {
            let role = values[&key.replace(".policy_arn", ".role")]
                .as_str()
                .expect("a role name")
                .to_owned();
            (role, arn.as_str().expect("an ARN").to_owned())
        })
        .collect()
}

#[test]
fn main_tf_the_scripts_and_the_answers_carry_them_exactly_and_only_when_given() {
    let plan = plan_of(FIXTURE);
    let artifacts = render_plan(&plan);
    let values = terraform_values(&artifacts, &plan);
    let mut attached = attached_in_terraform(&values);
    attached.sort();
    assert_eq!(
        attached,
        vec![
            ("svc-orders".to_owned(), SECRET.to_owned()),
            ("svc-orders".to_owned(), DYNAMODB.to_owned())
        ]
    );
    let script = verify::shell_assignments(artifact(&artifacts, "aws-cli/setup.sh"));
    assert_eq!(script["managed_policies"], format!("{DYNAMODB} {SECRET}"));
    // The teardown detaches what setup.sh attached, and tells it from someone else's.
    let teardown = artifact(&artifacts, "aws-cli/teardown.sh");
    assert!(
        teardown.contains(&format!(
            "remove_workload svc-orders arn:aws:iam::123456789012:policy/svc-orders-s3-read-only {DYNAMODB} {SECRET}\n"
        )),
        "{teardown}"
    );
    assert!(
        artifact(&artifacts, "answers.yaml").contains(&format!(
            "  managed_policies:\n  - {DYNAMODB}\n  - {SECRET}\n"
        )),
        "{}",
        artifact(&artifacts, "answers.yaml")
    );
    // Without the answer no file names one.
    let plain = render_plan(&plan_of("examples/answers.yaml"));
    for file in [
        "terraform/main.tf",
        "aws-cli/setup.sh",
        "aws-cli/teardown.sh",
    ] {
        assert!(!artifact(&plain, file).contains("managed"), "{file}");
    }
}

fn managed_check(dir: &Path, workload: Option<&str>) -> Option<verify::Check> {
    let report = verify::verify_dir(dir).expect("verifies");
    assert_eq!(
        report.passed(),
        report.failed().next().is_none(),
        "passed means no failure"
    );
    let checks: Vec<&verify::Check> = match workload {
        None => report.checks.iter().collect(),
        Some(name) => report
            .workloads
            .iter()
            .filter(|w| w.name == name)
            .flat_map(|w| w.checks.iter())
            .collect(),
    };
    checks
        .into_iter()
        .find(|c| c.id == CheckId::ManagedPolicies)
        .cloned()
}

#[test]
fn verify_says_what_it_cannot_see_and_fails_a_file_that_disagrees() {
    let written = || {
        let dir = tempfile::tempdir().expect("temp dir");
        let plan = plan_of(FIXTURE);
        wi_aws::artifacts::write::write_all(dir.path(), &render_plan(&plan), false)
            .expect("writes");
        dir
    };
    let dir = written();
    let check = managed_check(dir.path(), None).expect("checked");
    assert_eq!(check.status, Status::Warn, "{check:?}");
    assert!(check.detail.contains("verify does not read"), "{check:?}");

    // main.tf attaches one less.
    edit_file(
        &dir.path().join("terraform/main.tf"),
        &format!("\"{DYNAMODB}\", "),
        "",
    );
    let check = managed_check(dir.path(), None).expect("checked");
    assert_eq!(check.status, Status::Fail, "{check:?}");
    assert!(check.detail.starts_with("main.tf attaches"), "{check:?}");

    // setup.sh attaches one more.
    let dir = written();
    edit_file(
        &dir.path().join("aws-cli/setup.sh"),
        &format!("managed_policies='{DYNAMODB} "),
        &format!("managed_policies='arn:aws:iam::aws:policy/AdministratorAccess {DYNAMODB} "),
    );
    let check = managed_check(dir.path(), None).expect("checked");
    assert_eq!(check.status, Status::Fail, "{check:?}");
    assert!(check.detail.contains("AdministratorAccess"), "{check:?}");

    // main.tf attaches one to another role.
    let dir = written();
    edit_file(
        &dir.path().join("terraform/main.tf"),
        "  role       = aws_iam_role.workload.name\n  policy_arn = each.value",
        "  role       = \"someone-else\"\n  policy_arn = each.value",
    );
    let check = managed_check(dir.path(), None).expect("checked");
    assert_eq!(check.status, Status::Fail, "{check:?}");
}

#[test]
fn in_a_roles_anywhere_fleet_only_the_workload_given_them_has_them() {
    let text = std::fs::read_to_string(repo_path("examples/roles-anywhere-fleet.yaml"))
        .expect("example")
        .replace(
            "      create_bucket: false\n      access: read-write\n",
            &format!("      create_bucket: false\n      access: read-write\n      managed_policies: [{DYNAMODB}]\n"),
        );
    let fleet = fleet::from_answers_file(&text).expect("valid");
    let artifacts =
        render::render_fleet(&fleet, &Templates::embedded().expect("templates")).expect("renders");
    let values = terraform_values(&artifacts, fleet.shared());
    assert_eq!(
        attached_in_terraform(&values),
        vec![("svc-billing".to_owned(), DYNAMODB.to_owned())]
    );
    let dir = tempfile::tempdir().expect("temp dir");
    wi_aws::artifacts::write::write_all(dir.path(), &artifacts, false).expect("writes");
    let check = managed_check(dir.path(), Some("billing")).expect("checked");
    assert_eq!(check.status, Status::Warn, "{check:?}");
    assert!(managed_check(dir.path(), Some("reports-writer")).is_none());

    // The attachment moved to another workload's role in main.tf: billing's check fails.
    edit_file(
        &dir.path().join("terraform/main.tf"),
        "{ workload = \"billing\",",
        "{ workload = \"reports-reader\",",
    );
    let check = managed_check(dir.path(), Some("billing")).expect("checked");
    assert_eq!(check.status, Status::Fail, "{check:?}");
    let check = managed_check(dir.path(), Some("reports-reader")).expect("checked");
    assert_eq!(check.status, Status::Fail, "{check:?}");
}
