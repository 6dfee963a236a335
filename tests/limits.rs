//! AWS's limits before the apply meets them: a fleet against the account's role and policy
//! quotas when planning, and each IAM document's size when rendering and in verify.

mod common;

use common::*;
use std::path::Path;
use wi_aws::answers::fleet;
use wi_aws::artifacts::render::{self, RenderError, Templates};
use wi_aws::verify::{self, CheckId, Status};

/// A Roles Anywhere fleet of `count` workloads, each with a profile of its own that it creates.
fn roles_anywhere_fleet(count: usize) -> String {
    let example =
        std::fs::read_to_string(repo_path("examples/roles-anywhere-fleet.yaml")).expect("example");
    let shared = &example[..example.find("workloads:").expect("workloads")];
    let mut text = format!("{shared}workloads:\n");
    for n in 0..count {
        text.push_str(&format!(
            "  - name: w{n}\n    teleport: {{spiffe_path: /svc/w{n}, bot: bot-w{n}}}\n    aws: {{bucket: fleet-bucket, access: read-only}}\n"
        ));
    }
    text
}

#[test]
fn a_roles_anywhere_fleet_over_the_regions_profile_quota_is_warned() {
    let profiles = |fleet: &wi_aws::answers::fleet::Fleet| -> Vec<String> {
        fleet
            .warnings
            .iter()
            .filter(|w| w.contains("Roles Anywhere profiles"))
            .cloned()
            .collect()
    };
    let at_the_default = fleet::from_answers_file(&roles_anywhere_fleet(250)).expect("valid");
    assert!(
        profiles(&at_the_default).is_empty(),
        "{:#?}",
        at_the_default.warnings
    );
    let over = fleet::from_answers_file(&roles_anywhere_fleet(251)).expect("valid");
    let warned = profiles(&over);
    assert_eq!(warned.len(), 1, "{:#?}", over.warnings);
    for said in [
        "creates 251",
        "default quota of 250",
        "IAM Roles Anywhere, \"Profiles\")",
    ] {
        assert!(warned[0].contains(said), "{said}: {}", warned[0]);
    }
}

#[test]
fn a_fleet_over_the_default_role_quota_is_warned_and_over_the_maximum_refused() {
    let fleet = fleet::from_answers_file(&numbered_fleet(1200)).expect("valid");
    let roles: Vec<&String> = fleet
        .warnings
        .iter()
        .filter(|w| w.contains("IAM roles in the account"))
        .collect();
    assert_eq!(roles.len(), 1, "{:#?}", fleet.warnings);
    for said in ["1200", "default quota of 1000", "Roles per account", "5000"] {
        assert!(roles[0].contains(said), "{said}: {}", roles[0]);
    }
    // 1,200 policies are within the default 1,500.
    assert!(
        !fleet
            .warnings
            .iter()
            .any(|w| w.contains("customer managed policies")),
        "{:#?}",
        fleet.warnings
    );
    let at_the_default = fleet::from_answers_file(&numbered_fleet(1000)).expect("valid");
    assert!(
        !at_the_default.warnings.iter().any(|w| w.contains("quota")),
        "{:#?}",
        at_the_default.warnings
    );

    let text = numbered_fleet(5001);
    let problems = fleet::from_answers_file(&text).expect_err("over the maximum");
    let over: Vec<String> = problems
        .0
        .iter()
        .filter(|p| p.rule.contains("more than AWS allows"))
        .map(ToString::to_string)
        .collect();
    // Both the roles (max 5,000) and the policies (max 5,000) are over.
    assert_eq!(over.len(), 2, "{over:#?}");
    assert!(
        over.iter().any(|p| p.contains("5001 IAM roles")),
        "{over:#?}"
    );
    let line = text.lines().position(|l| l == "workloads:").expect("key") + 1;
    for problem in problems.0.iter().filter(|p| p.rule.contains("more than")) {
        assert_eq!(problem.line, Some(line), "{problem}");
        assert!(problem.fix.contains("split the fleet"), "{problem}");
    }
}

#[test]
fn the_cli_refuses_a_fleet_over_the_maximum_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let answers = dir.path().join("fleet.yaml");
    std::fs::write(&answers, numbered_fleet(5001)).expect("written");
    let out = dir.path().join("out");
    let run = run_wi_aws(
        &[
            "--answers-file",
            answers.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
        ],
        dir.path(),
    );
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    assert!(text(&run.stderr).contains("5001 IAM roles"));
    assert!(!out.exists(), "nothing is written");
}

/// The example with `aws.actions` of `count` distinct custom actions.
fn custom_actions(count: usize) -> String {
    let example = std::fs::read_to_string(repo_path("examples/answers.yaml")).expect("example");
    let actions: Vec<String> = (0..count)
        .map(|n| format!("s3:GetObjectVersionAttributesOfPart{n:04}"))
        .collect();
    example.replace(
        "  access: full\n",
        &format!("  access: custom\n  actions: [{}]\n", actions.join(", ")),
    )
}

#[test]
fn a_permissions_policy_over_what_iam_accepts_is_not_rendered() {
    let plan = fleet::single_plan(&custom_actions(200)).expect("valid answers");
    let error =
        render::render(&plan, &Templates::embedded().expect("templates")).expect_err("too large");
    assert!(
        matches!(&error, RenderError::PolicyTooLarge { path, size, .. } if path == "iam/permissions-policy.json" && *size > 6144),
        "{error}"
    );
    let said = error.to_string();
    for part in ["6144", "LimitExceeded", "managed policy"] {
        assert!(said.contains(part), "{part}: {said}");
    }
    // Within the limit it renders.
    let plan = fleet::single_plan(&custom_actions(20)).expect("valid answers");
    render::render(&plan, &Templates::embedded().expect("templates")).expect("renders");
}

fn policy_size(dir: &Path) -> verify::Check {
    let report = verify::verify_dir(dir).expect("verifies");
    report
        .checks
        .iter()
        .find(|c| c.id == CheckId::PolicySize)
        .cloned()
        .expect("checked")
}

fn rendered_example(relative: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = plan_of(relative);
    wi_aws::artifacts::write::write_all(dir.path(), &render_plan(&plan), false).expect("writes");
    dir
}

/// Adds a statement of `padding` characters to the trust policy's conditions that changes
/// nothing of what it admits (a second, equal value of the `aud` condition).
fn pad_trust_policy(dir: &Path, padding: usize) {
    let path = dir.join("iam/trust-policy.json");
    let mut policy: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    policy["Statement"]
        .as_array_mut()
        .expect("statements")
        .push(serde_json::json!({
            "Sid": "x".repeat(padding),
            "Effect": "Deny",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "sts:AssumeRole",
        }));
    std::fs::write(&path, serde_json::to_string_pretty(&policy).expect("json")).expect("written");
}

#[test]
fn verify_holds_each_policy_to_iams_size_quotas_on_both_routes() {
    for example in ["examples/answers.yaml", "examples/roles-anywhere.yaml"] {
        let dir = rendered_example(example);
        let check = policy_size(dir.path());
        assert_eq!(check.status, Status::Pass, "{example}: {check:?}");
        assert!(
            check.detail.contains("iam/trust-policy.json"),
            "{example}: {check:?}"
        );

        // Over the default 2,048: the account may have raised it, so a warning naming it.
        pad_trust_policy(dir.path(), 2000);
        let check = policy_size(dir.path());
        assert_eq!(check.status, Status::Warn, "{example}: {check:?}");
        assert!(
            check.detail.contains("Role trust policy length"),
            "{check:?}"
        );

        // Over the 4,096 no account has: a failure with IAM's own answer.
        let dir = rendered_example(example);
        pad_trust_policy(dir.path(), 4100);
        let check = policy_size(dir.path());
        assert_eq!(check.status, Status::Fail, "{example}: {check:?}");
        assert!(
            check
                .aws_error
                .as_deref()
                .is_some_and(|e| e.contains("ACLSizePerRole")),
            "{check:?}"
        );
    }
}
