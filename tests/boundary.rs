//! `aws.permissions_boundary`: checked in the answers (a managed policy's ARN, in the role's
//! partition), carried exactly into main.tf and the AWS CLI script on both routes and in a
//! fleet where only some roles have one, held to by verify (a file that disagrees fails; what
//! the boundary allows is said to be out of its sight) and by doctor (a deployed role without
//! it fails).

mod common;

use common::*;
use wi_aws::answers::fleet;
use wi_aws::artifacts::render::{self, Templates};
use wi_aws::verify::{self, CheckId, Status, terraform};

const FIXTURE: &str = "tests/fixtures/boundary.yaml";
const BOUNDARY: &str = "arn:aws:iam::123456789012:policy/boundaries/workload-boundary";

fn fixture() -> String {
    std::fs::read_to_string(repo_path(FIXTURE)).expect("fixture")
}

fn problems_of(text: &str) -> String {
    match fleet::from_answers_file(text) {
        Ok(_) => panic!("accepted: {text}"),
        Err(problems) => problems.to_string(),
    }
}

#[test]
fn the_answer_is_a_managed_policy_arn_in_the_roles_partition() {
    for (bad, rule) in [
        (
            "arn:aws:iam::123456789012:role/boundaries/workload-boundary",
            "a managed policy ARN reads",
        ),
        ("arn:aws:iam::12345:policy/b", "a managed policy ARN reads"),
        ("arn:aws:s3:::bucket", "a managed policy ARN reads"),
        (
            "arn:aws-cn:iam::123456789012:policy/b",
            "the policy is in partition aws-cn, but aws.partition is aws",
        ),
    ] {
        let problems = problems_of(&fixture().replace(BOUNDARY, bad));
        assert!(
            problems.contains("aws.permissions_boundary") && problems.contains(rule),
            "{bad}: {problems}"
        );
        assert!(
            problems.contains("line 16: aws.permissions_boundary"),
            "{bad}: {problems}"
        );
    }
    // An AWS managed policy is one.
    let aws_managed = fixture().replace(BOUNDARY, "arn:aws:iam::aws:policy/PowerUserAccess");
    assert!(fleet::from_answers_file(&aws_managed).is_ok());
}

#[test]
fn main_tf_and_the_script_carry_it_exactly_and_only_when_given() {
    let plan = plan_of(FIXTURE);
    let artifacts = render_plan(&plan);
    let values = terraform_values(&artifacts, &plan);
    assert_eq!(
        terraform::string_attribute(
            &values,
            &format!("{}.permissions_boundary", terraform::ROLE)
        )
        .as_deref(),
        Some(BOUNDARY)
    );
    let script = verify::shell_assignments(artifact(&artifacts, "aws-cli/setup.sh"));
    assert_eq!(script["permissions_boundary"], BOUNDARY);
    assert!(
        artifact(&artifacts, "aws-cli/setup.sh")
            .contains("--permissions-boundary \"$permissions_boundary\"")
    );
    // Without the answer, neither file names a boundary.
    let plain = render_plan(&plan_of("examples/answers.yaml"));
    for file in ["terraform/main.tf", "aws-cli/setup.sh"] {
        assert!(
            !artifact(&plain, file).contains("permissions_boundary"),
            "{file}"
        );
    }
}

#[test]
fn in_a_fleet_only_the_roles_given_one_have_it() {
    let text = std::fs::read_to_string(repo_path(
        "tests/fixtures/roles-anywhere-fleet-boundary.yaml",
    ))
    .expect("fixture");
    let fleet = fleet::from_answers_file(&text).expect("valid");
    let artifacts =
        render::render_fleet(&fleet, &Templates::embedded().expect("templates")).expect("renders");
    let values = terraform_values(&artifacts, fleet.shared());
    let boundary = |name: &str| {
        terraform::string_attribute(
            &values,
            &format!(".resource.aws_iam_role.workload[{name:?}].permissions_boundary"),
        )
    };
    assert_eq!(
        boundary("billing").as_deref(),
        Some("arn:aws:iam::aws:policy/PowerUserAccess")
    );
    assert_eq!(boundary("reports-writer"), None);
    let dir = tempfile::tempdir().expect("temp dir");
    wi_aws::artifacts::write::write_all(dir.path(), &artifacts, false).expect("writes");
    let report = verify::verify_dir(dir.path()).expect("verifies");
    assert!(
        report.passed(),
        "{}",
        report.lines(|s| s.mark().into()).join("\n")
    );
    let has_boundary_check = |name: &str| {
        report
            .workloads
            .iter()
            .find(|w| w.name == name)
            .is_some_and(|w| w.checks.iter().any(|c| c.id == CheckId::Boundary))
    };
    assert!(has_boundary_check("billing"));
    assert!(!has_boundary_check("reports-writer"));
}

fn boundary_check(dir: &std::path::Path) -> verify::Check {
    let report = verify::verify_dir(dir).expect("verifies");
    report
        .checks
        .iter()
        .chain(report.workloads.iter().flat_map(|w| w.checks.iter()))
        .find(|c| c.id == CheckId::Boundary)
        .cloned()
        .expect("a boundary check")
}

#[test]
fn verify_says_what_it_cannot_see_and_fails_a_file_that_disagrees() {
    let written = |text: &str| {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("a.yaml"), text).expect("write");
        let out = run_wi_aws(
            &["--answers-file", "a.yaml", "--out", "out", "--no-verify"],
            dir.path(),
        );
        assert!(out.status.success(), "{}", text_of(&out));
        dir
    };
    let dir = written(&fixture());
    let out = dir.path().join("out");
    let check = boundary_check(&out);
    assert_eq!(check.status, Status::Warn, "{check:?}");
    assert!(
        check.detail.contains("verify does not read"),
        "{}",
        check.detail
    );

    // main.tf edited to another boundary; setup.sh edited; a boundary added by hand.
    let main = out.join("terraform/main.tf");
    let text = std::fs::read_to_string(&main).expect("read");
    std::fs::write(&main, text.replace("workload-boundary", "other-boundary")).expect("write");
    let check = boundary_check(&out);
    assert_eq!(check.status, Status::Fail);
    assert!(
        check.detail.starts_with("main.tf puts the boundary"),
        "{}",
        check.detail
    );
    std::fs::write(&main, text).expect("write");
    let script = out.join("aws-cli/setup.sh");
    let text = std::fs::read_to_string(&script).expect("read");
    std::fs::write(
        &script,
        text.replace(
            &format!("permissions_boundary={BOUNDARY}"),
            "permissions_boundary=",
        ),
    )
    .expect("write");
    let check = boundary_check(&out);
    assert_eq!(check.status, Status::Fail);
    assert!(
        check
            .detail
            .starts_with("aws-cli/setup.sh puts the boundary (none)"),
        "{}",
        check.detail
    );

    let dir = written(&fixture().replace(&format!("  permissions_boundary: {BOUNDARY}\n"), ""));
    let main = dir.path().join("out/terraform/main.tf");
    let text = std::fs::read_to_string(&main).expect("read");
    let role = text.find("resource \"aws_iam_role\"").expect("the role");
    let end = role + text[role..].find("  })\n}").expect("its end");
    let edited = format!(
        "{}  }})\n  permissions_boundary = \"{BOUNDARY}\"\n{}",
        &text[..end],
        &text[end + "  })\n".len()..]
    );
    assert_ne!(edited, text);
    std::fs::write(&main, edited).expect("write");
    let check = boundary_check(&dir.path().join("out"));
    assert_eq!(check.status, Status::Fail);
    assert!(
        check.detail.contains("the answers (none)"),
        "{}",
        check.detail
    );
}

fn text_of(output: &std::process::Output) -> String {
    format!("{}{}", text(&output.stdout), text(&output.stderr))
}
