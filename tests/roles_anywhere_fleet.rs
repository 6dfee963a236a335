//! A fleet on the Roles Anywhere route: one trust anchor, a profile per workload or shared by a
//! group, a role per workload. Pinned by snapshots, read back by the HCL evaluator and the shell,
//! proven by verify (each workload's SVID, and the isolation of each from the others, on both
//! the JSON policies and main.tf), and refused when a group's workloads disagree.

mod common;

use common::*;
use wi_aws::answers::fleet::{self, Fleet};
use wi_aws::artifacts::render::{self, Artifact, Templates};
use wi_aws::verify::{self, CheckId, Status};

const FLEET: &str = "examples/roles-anywhere-fleet.yaml";
const NAMES: [&str; 3] = ["reports-writer", "reports-reader", "billing"];
const WRITER: &str = "spiffe://example.teleport.sh/svc/reports/writer";
const BILLING: &str = "spiffe://example.teleport.sh/svc/billing";

fn example_text() -> String {
    std::fs::read_to_string(repo_path(FLEET)).expect("example readable")
}

fn fleet_of(text: &str) -> Fleet {
    fleet::from_answers_file(text).unwrap_or_else(|problems| panic!("{problems}"))
}

fn render_fleet(fleet: &Fleet) -> Vec<Artifact> {
    render::render_fleet(fleet, &Templates::embedded().expect("templates")).expect("renders")
}

fn written_example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let artifacts = render_fleet(&fleet_of(&example_text()));
    wi_aws::artifacts::write::write_all(dir.path(), &artifacts, false).expect("writes");
    dir
}

fn check<'a>(report: &'a verify::Report, workload: &str, id: CheckId) -> &'a verify::Check {
    report
        .workloads
        .iter()
        .find(|w| w.name == workload)
        .and_then(|w| w.checks.iter().find(|c| c.id == id))
        .unwrap_or_else(|| panic!("{workload}: no {id:?} check"))
}

#[test]
fn snapshots_of_the_fleet_example() {
    let artifacts = render_fleet(&fleet_of(&example_text()));
    // Six shared files, seven per workload, NEXT-STEPS.md, answers.yaml and its schema.
    assert_eq!(artifacts.len(), 6 + 7 * NAMES.len() + 3);
    let shared: Vec<&str> = artifacts[..6].iter().map(|a| a.path.as_str()).collect();
    assert_eq!(
        shared,
        [
            "terraform/main.tf",
            "iam/trust-anchor.pem",
            "aws-cli/setup.sh",
            "aws-cli/teardown.sh",
            "teleport/setup.sh",
            "teleport/teardown.sh"
        ]
    );
    for name in NAMES {
        for file in [
            format!("iam/{name}/trust-policy.json"),
            format!("hosts/{name}/tbot/services.yaml"),
            format!("hosts/{name}/aws/env"),
        ] {
            assert!(artifacts.iter().any(|a| a.path == file), "{file}");
        }
    }
    snapshot_every_artifact("ra_fleet", &artifacts);
}

#[test]
fn main_tf_has_one_anchor_and_a_profile_per_group_listing_its_roles() {
    let fleet = fleet_of(&example_text());
    let artifacts = render_fleet(&fleet);
    let main = artifact(&artifacts, "terraform/main.tf");
    assert_eq!(
        main.matches("resource \"aws_rolesanywhere_trust_anchor\"")
            .count(),
        1
    );
    let values = terraform_values(&artifacts, fleet.shared());
    let role = |name: &str| format!("arn:aws:iam::123456789012:role/svc-{name}");
    let profile_roles = |profile: &str| {
        wi_aws::verify::terraform::list_attribute(
            &values,
            &format!(".resource.aws_rolesanywhere_profile.workload[{profile:?}].role_arns"),
        )
        .unwrap_or_else(|| panic!("profile {profile}"))
    };
    // Two workloads named the profile `reports`: it lists both roles; billing has its own.
    assert_eq!(
        profile_roles("reports"),
        [role("reports-writer"), role("reports-reader")]
    );
    assert_eq!(profile_roles("svc-billing"), [role("billing")]);
    // Each role trusts its own SPIFFE ID through the one anchor.
    for (name, workload) in NAMES.iter().zip(&fleet.workloads) {
        let policy = wi_aws::verify::terraform::json_attribute(
            &values,
            &format!(".resource.aws_iam_role.workload[{name:?}].assume_role_policy"),
        )
        .expect("trust policy");
        let equals = &policy["Statement"][0]["Condition"]["StringEquals"];
        assert_eq!(
            equals["aws:PrincipalTag/x509SAN/URI"],
            workload.plan.workload.spiffe_id.to_string()
        );
        assert_eq!(
            equals["aws:SourceArn"].as_str(),
            values
                .get(".locals.trust_anchor_arn")
                .and_then(|v| v.as_str())
        );
    }
    if which("terraform") {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("main.tf"), main).expect("write");
        let fmt = std::process::Command::new("terraform")
            .args(["fmt", "-check", "-diff", "main.tf"])
            .current_dir(dir.path())
            .output()
            .expect("terraform runs");
        assert!(fmt.status.success(), "{}", text(&fmt.stdout));
    }
}

fn which(command: &str) -> bool {
    std::process::Command::new("sh")
        .args(["-c", &format!("command -v {command}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_scripts_set_each_workloads_profile_and_remove_a_shared_one_once() {
    let dir = written_example();
    let setup = std::fs::read_to_string(dir.path().join("aws-cli/setup.sh")).expect("read");
    let section = |name: &str| {
        let start = setup
            .find(&format!("# --- workload: {name}\n"))
            .expect("section");
        setup[start..].lines().skip(1).take(12).collect::<Vec<_>>()
    };
    assert!(section("reports-reader").contains(&"profile_name=reports"));
    assert!(section("reports-reader").contains(&"profile_duration=21600"));
    assert!(section("billing").contains(&"profile_name=svc-billing"));
    let teardown = std::fs::read_to_string(dir.path().join("aws-cli/teardown.sh")).expect("read");
    assert_eq!(teardown.matches("\nremove_profile reports\n").count(), 1);
    assert_eq!(
        teardown.matches("\nremove_profile svc-billing\n").count(),
        1
    );
    for script in [
        "aws-cli/setup.sh",
        "aws-cli/teardown.sh",
        "teleport/setup.sh",
    ] {
        let parsed = std::process::Command::new("sh")
            .arg("-n")
            .arg(dir.path().join(script))
            .output()
            .expect("sh runs");
        assert!(
            parsed.status.success(),
            "{script}: {}",
            text(&parsed.stderr)
        );
    }
}

#[test]
fn verify_proves_each_workload_and_that_a_shared_profile_opens_no_other_role() {
    let dir = written_example();
    let report = verify::verify_dir(dir.path()).expect("verifies");
    assert!(
        report.passed(),
        "{}",
        report.lines(|s| s.mark().into()).join("\n")
    );
    assert!(
        report.checks[0]
            .detail
            .contains("all 6 ordered pairs of 3 workloads"),
        "{}",
        report.checks[0].detail
    );
    // The two workloads of `reports` are refused by each other's roles.
    let writer = check(&report, "reports-writer", CheckId::Isolation);
    assert_eq!(writer.status, Status::Pass);
    assert!(writer.detail.contains("SVID"), "{}", writer.detail);
    assert_eq!(
        check(&report, "reports-reader", CheckId::RaProfile).status,
        Status::Pass
    );
}

#[test]
fn a_copied_trust_policy_fails_isolation_on_each_side_it_is_in() {
    // billing's JSON trust policy admits the writer: the writer's SVID opens billing's role.
    let dir = written_example();
    let path = dir.path().join("iam/billing/trust-policy.json");
    let policy = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, policy.replace(BILLING, WRITER)).expect("write");
    let report = verify::verify_dir(dir.path()).expect("verifies");
    assert_eq!(report.checks[0].status, Status::Fail);
    assert!(
        report.checks[0].detail.contains("reports-writer → billing"),
        "{}",
        report.checks[0].detail
    );
    let writer = check(&report, "reports-writer", CheckId::Isolation);
    assert_eq!(writer.status, Status::Fail);
    assert!(
        writer.detail.contains("trust-policy.json"),
        "{}",
        writer.detail
    );
    assert_eq!(
        check(&report, "billing", CheckId::TrustPolicy).status,
        Status::Fail
    );

    // The same copy in main.tf's map is caught in main.tf's instance of billing's role.
    let dir = written_example();
    let main = dir.path().join("terraform/main.tf");
    let text = std::fs::read_to_string(&main).expect("read");
    let copied = text.replace(
        &format!("spiffe_id            = \"{BILLING}\""),
        &format!("spiffe_id            = \"{WRITER}\""),
    );
    assert_ne!(copied, text, "the edit applies");
    std::fs::write(&main, copied).expect("write");
    let report = verify::verify_dir(dir.path()).expect("verifies");
    let writer = check(&report, "reports-writer", CheckId::Isolation);
    assert_eq!(writer.status, Status::Fail);
    assert!(writer.detail.contains("main.tf"), "{}", writer.detail);
    assert!(
        writer.detail.contains("workload billing"),
        "{}",
        writer.detail
    );
}

#[test]
fn a_profile_left_out_of_main_tf_fails_the_workload_it_should_list() {
    let dir = written_example();
    let main = dir.path().join("terraform/main.tf");
    let text = std::fs::read_to_string(&main).expect("read");
    let edited = text.replace(
        "workloads        = [\"reports-writer\", \"reports-reader\"]",
        "workloads        = [\"reports-writer\"]",
    );
    assert_ne!(edited, text, "the edit applies");
    std::fs::write(&main, edited).expect("write");
    let report = verify::verify_dir(dir.path()).expect("verifies");
    assert_eq!(
        check(&report, "reports-writer", CheckId::RaProfile).status,
        Status::Pass
    );
    let reader = check(&report, "reports-reader", CheckId::RaProfile);
    assert_eq!(reader.status, Status::Fail);
    assert!(
        reader.detail.contains("svc-reports-reader"),
        "{}",
        reader.detail
    );
}

#[test]
fn arns_not_known_yet_fail_verify_for_each_workload_without_them() {
    let text = example_text().replace(
        "      profile_arn: arn:aws:rolesanywhere:eu-west-1:123456789012:profile/2f8e6a1c-5d3b-4c7e-9a0f-6b1d8e2c4a59\n",
        "",
    );
    let fleet = fleet_of(&text);
    assert!(
        fleet
            .warnings
            .iter()
            .any(|w| w.starts_with("billing: roles_anywhere.profile_arn not known")),
        "{:?}",
        fleet.warnings
    );
    let dir = tempfile::tempdir().expect("temp dir");
    wi_aws::artifacts::write::write_all(dir.path(), &render_fleet(&fleet), false).expect("writes");
    let services =
        std::fs::read_to_string(dir.path().join("hosts/billing/tbot/services.yaml")).expect("read");
    assert!(services.contains("PENDING-known-after-apply"));
    let report = verify::verify_dir(dir.path()).expect("verifies");
    assert!(!report.passed());
    assert_eq!(
        check(&report, "billing", CheckId::TbotArns).status,
        Status::Fail
    );
    assert_eq!(
        check(&report, "reports-writer", CheckId::TbotArns).status,
        Status::Pass
    );
}

/// The example with one answer of `workload` (0-based) replaced.
fn with_answer(workload: usize, from: &str, to: &str) -> String {
    let text = example_text();
    let start = text
        .match_indices("  - name: ")
        .nth(workload)
        .expect("workload")
        .0;
    let end = text[start + 1..]
        .find("  - name: ")
        .map_or(text.len(), |at| at + start + 1);
    let edited = text[start..end].replacen(from, to, 1);
    assert_ne!(edited, text[start..end], "{from} is in workload {workload}");
    format!("{}{edited}{}", &text[..start], &text[end..])
}

fn problems_of(text: &str) -> String {
    match fleet::from_answers_file(text) {
        Ok(_) => panic!("accepted"),
        Err(problems) => problems.to_string(),
    }
}

#[test]
fn workloads_of_one_profile_must_agree_on_it() {
    let problems = problems_of(&with_answer(
        1,
        "profile_duration: 21600",
        "profile_duration: 43200",
    ));
    assert!(
        problems.contains("workloads[1].roles_anywhere.profile_duration = \"43200\""),
        "{problems}"
    );
    assert!(
        problems.contains(
            "workloads[0] (reports-writer) names the same profile with durationSeconds 21600"
        ),
        "{problems}"
    );
    assert!(problems.contains("line "), "{problems}");

    let problems = problems_of(&with_answer(
        1,
        "profile/9b0d2f61-3c4e-4a8b-b7d5-2e6f1a9c3b47",
        "profile/00000000-3c4e-4a8b-b7d5-2e6f1a9c3b47",
    ));
    assert!(
        problems.contains("workloads[1].roles_anywhere.profile_arn"),
        "{problems}"
    );
    assert!(
        problems.contains("names the same profile with the ARN"),
        "{problems}"
    );
}

#[test]
fn a_profile_lists_at_most_fifty_roles() {
    let mut text = String::from(
        "version: 2\nteleport: {proxy: teleport.internal.example.com, cluster_name: example.teleport.sh, version: 17.4.2}\naws: {route: roles-anywhere, account_id: \"123456789012\", region: eu-west-1, bucket: fleet-bucket, access: read-only}\n",
    );
    let example = example_text();
    let bundle_start = example.find("roles_anywhere:\n").expect("section");
    let bundle_end = example.find("\ntbot:").expect("tbot");
    text.push_str(&example[bundle_start..bundle_end]);
    text.push_str("\n  profile_name: everyone\nworkloads:\n");
    for n in 0..51 {
        text.push_str(&format!(
            "  - name: w{n}\n    teleport: {{spiffe_path: /svc/w{n}, bot: bot-w{n}}}\n"
        ));
    }
    let problems = problems_of(&text);
    assert!(
        problems.contains(
            "51 workloads name the profile \"everyone\"; a profile lists at most 50 roles"
        ),
        "{problems}"
    );
    // Fifty share it.
    let fifty: String = text
        .split("  - name: w50\n")
        .next()
        .expect("before the 51st")
        .to_owned();
    let fleet = fleet_of(&fifty);
    assert_eq!(fleet.workloads.len(), 50);
}

#[test]
fn one_workloads_files_are_read_by_name() {
    let dir = written_example();
    let setup = wi_aws::routes::roles_anywhere::prove::RaSetup::read(dir.path(), Some("billing"))
        .expect("reads");
    assert_eq!(
        setup.tbot.role_arn,
        "arn:aws:iam::123456789012:role/svc-billing"
    );
    assert_eq!(setup.ra.profile_name, "svc-billing");
    let error = wi_aws::routes::roles_anywhere::prove::RaSetup::read(dir.path(), None)
        .expect_err("a fleet needs a name")
        .to_string();
    assert!(error.contains("--workload"), "{error}");
}

#[test]
fn the_rendered_answers_replay_to_the_same_files() {
    let first = render_fleet(&fleet_of(&example_text()));
    let saved = artifact(&first, "answers.yaml");
    let again = render_fleet(&fleet_of(saved));
    assert_eq!(first, again);
}

/// A fleet rendered before apply: no ARNs in its answers.
fn rendered_pending() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let text: String = example_text()
        .lines()
        .filter(|line| !line.contains("profile_arn:") && !line.contains("trust_anchor_arn:"))
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(dir.path().join("pending.yaml"), text).expect("write");
    let out = run_wi_aws(
        &["--answers-file", "pending.yaml", "--out", "out"],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "verify fails on the placeholders"
    );
    dir
}

const ANCHOR: &str = "arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/33333333-7f3a-4d53-9b25-8c1f0a6d2e91";
const REPORTS: &str =
    "arn:aws:rolesanywhere:eu-west-1:123456789012:profile/11111111-3c4e-4a8b-b7d5-2e6f1a9c3b47";
const OWN: &str =
    "arn:aws:rolesanywhere:eu-west-1:123456789012:profile/22222222-3c4e-4a8b-b7d5-2e6f1a9c3b47";

#[test]
fn arns_from_terraform_output_complete_the_files_and_verify_passes() {
    let dir = rendered_pending();
    let output = serde_json::json!({
        "trust_anchor_arn": {"sensitive": false, "type": "string", "value": ANCHOR},
        "profile_arns": {"sensitive": false, "type": ["map", "string"],
                          "value": {"reports": REPORTS, "svc-billing": OWN}},
        "role_arns": {"sensitive": false, "type": ["map", "string"], "value": {}},
    });
    std::fs::write(dir.path().join("outputs.json"), output.to_string()).expect("write");
    let run = run_wi_aws(
        &["arns", "--out", "out", "--terraform-output", "outputs.json"],
        dir.path(),
    );
    let said = text(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{said}{}", text(&run.stderr));
    assert!(said.contains("all 3 workloads passed"), "{said}");
    let services = |name: &str| {
        std::fs::read_to_string(
            dir.path()
                .join(format!("out/hosts/{name}/tbot/services.yaml")),
        )
        .expect("read")
    };
    assert!(services("reports-reader").contains(REPORTS));
    assert!(services("billing").contains(OWN));
    assert!(services("billing").contains(ANCHOR));
    // Again: nothing changes.
    let again = run_wi_aws(
        &["arns", "--out", "out", "--terraform-output", "outputs.json"],
        dir.path(),
    );
    assert!(
        text(&again.stdout).contains("0 created, 0 updated"),
        "{}",
        text(&again.stdout)
    );
}

#[test]
fn arns_from_the_setup_log_go_to_each_workload() {
    let dir = rendered_pending();
    let log = format!(
        "created: trust anchor {ANCHOR}\nrole_arn: billing arn:aws:iam::123456789012:role/svc-billing\nprofile_arn: reports-writer {REPORTS}\nprofile_arn: reports-reader {REPORTS}\nprofile_arn: billing {OWN}\ntrust_anchor_arn: {ANCHOR}\n  roles_anywhere.trust_anchor_arn: {ANCHOR} (at the top)\n"
    );
    std::fs::write(dir.path().join("setup.log"), log).expect("write");
    let run = run_wi_aws(
        &["arns", "--out", "out", "--setup-log", "setup.log"],
        dir.path(),
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stdout));
    let answers = std::fs::read_to_string(dir.path().join("out/answers.yaml")).expect("read");
    assert_eq!(answers.matches(REPORTS).count(), 2, "{answers}");
    assert_eq!(answers.matches(OWN).count(), 1);
}

#[test]
fn arns_refuse_what_is_not_this_sets_and_write_nothing() {
    let dir = rendered_pending();
    let before = files_under(&dir.path().join("out"));
    let cases = [
        // A profile of another region: the plan's rule, at its field.
        (
            format!(
                "trust_anchor_arn: {ANCHOR}\nprofile_arn: reports-writer {REPORTS}\nprofile_arn: reports-reader {REPORTS}\nprofile_arn: billing {}\n",
                OWN.replace("eu-west-1", "us-east-1")
            ),
            "workloads[2].roles_anywhere.profile_arn",
        ),
        // A workload the log says nothing of.
        (
            format!("trust_anchor_arn: {ANCHOR}\nprofile_arn: reports-writer {REPORTS}\n"),
            "no profile ARN for workload reports-reader",
        ),
        // Not an ARN of its kind.
        (format!("trust_anchor_arn: {REPORTS}\n"), "trust_anchor_arn"),
        ("nothing here\n".to_owned(), "names no trust anchor ARN"),
    ];
    for (log, expected) in cases {
        std::fs::write(dir.path().join("setup.log"), &log).expect("write");
        let run = run_wi_aws(
            &["arns", "--out", "out", "--setup-log", "setup.log"],
            dir.path(),
        );
        let said = text(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{log}: {said}");
        assert!(said.contains(expected), "{log}: {said}");
        assert_eq!(
            files_under(&dir.path().join("out")),
            before,
            "{log}: nothing written"
        );
    }
    let run = run_wi_aws(
        &["arns", "--out", "out", "--terraform-output", "setup.log"],
        dir.path(),
    );
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("terraform output -json"),
        "{}",
        text(&run.stderr)
    );
}

#[test]
fn a_one_workload_file_migrates_to_a_fleet_that_verifies_and_names_the_profiles_state_move() {
    let dir = tempfile::tempdir().expect("temp dir");
    let example = repo_path("examples/roles-anywhere.yaml")
        .display()
        .to_string();
    let migrated = run_wi_aws(&["migrate", &example], dir.path());
    assert!(migrated.status.success(), "{}", text(&migrated.stderr));
    let said = text(&migrated.stderr);
    assert!(
        said.contains("terraform state mv 'aws_rolesanywhere_profile.workload' 'aws_rolesanywhere_profile.workload[\"svc-reports\"]'"),
        "{said}"
    );
    std::fs::write(dir.path().join("fleet.yaml"), &migrated.stdout).expect("write");
    let rendered = run_wi_aws(
        &["--answers-file", "fleet.yaml", "--out", "out"],
        dir.path(),
    );
    assert_eq!(
        rendered.status.code(),
        Some(0),
        "{}",
        text(&rendered.stdout)
    );
    assert!(
        text(&rendered.stdout).contains("✓ reports  all 20 checks passed"),
        "{}",
        text(&rendered.stdout)
    );
    assert!(
        dir.path()
            .join("out/hosts/reports/tbot/services.yaml")
            .exists()
    );
}

#[test]
fn arns_for_a_profile_every_workload_shares_reach_every_workload() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Every workload takes the top level's profile: one profile listing the three roles.
    let shared: String = example_text()
        .lines()
        .filter(|line| {
            !line.contains("profile_arn:")
                && !line.contains("profile_name:")
                && !line.contains("profile_duration:")
                && !line.trim_start().starts_with("roles_anywhere:")
                || line.starts_with("roles_anywhere:")
        })
        .map(|line| format!("{line}\n"))
        .collect::<String>()
        .replacen(
            "  trust_anchor: create\n",
            &format!(
                "  trust_anchor: create\n  profile_name: everyone\n  profile_arn: {REPORTS}\n"
            ),
            1,
        );
    std::fs::write(dir.path().join("shared.yaml"), &shared).expect("write");
    let first = run_wi_aws(
        &["--answers-file", "shared.yaml", "--out", "out"],
        dir.path(),
    );
    assert_eq!(first.status.code(), Some(0), "{}", text_of(&first));
    let output = serde_json::json!({
        "trust_anchor_arn": {"value": ANCHOR},
        "profile_arns": {"value": {"everyone": OWN}},
    });
    std::fs::write(dir.path().join("outputs.json"), output.to_string()).expect("write");
    let run = run_wi_aws(
        &["arns", "--out", "out", "--terraform-output", "outputs.json"],
        dir.path(),
    );
    assert_eq!(run.status.code(), Some(0), "{}", text_of(&run));
    assert!(text(&run.stdout).contains(&format!("(billing) roles_anywhere.profile_arn: {OWN}")));
    let answers = std::fs::read_to_string(dir.path().join("out/answers.yaml")).expect("read");
    assert_eq!(
        answers.matches(OWN).count(),
        3,
        "each workload's: {answers}"
    );
    assert!(!answers.contains(REPORTS), "{answers}");
    for name in NAMES {
        let services = std::fs::read_to_string(
            dir.path()
                .join(format!("out/hosts/{name}/tbot/services.yaml")),
        )
        .expect("read");
        assert!(services.contains(OWN), "{name}");
    }
}

fn text_of(output: &std::process::Output) -> String {
    format!("{}{}", text(&output.stdout), text(&output.stderr))
}
