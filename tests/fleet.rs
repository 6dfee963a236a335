//! Many workloads from one answers file (version 2): the artifacts laid out for a fleet, each
//! workload's files carrying its own answers, isolation proven by verify, and a version 1
//! file unchanged.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;
use wi_aws::answers::FleetAnswers;
use wi_aws::answers::fleet::{self, Fleet};
use wi_aws::artifacts::render::{self, Artifact, Templates};
use wi_aws::verify::{self, CheckId, Status};

const FLEET: &str = "examples/fleet.yaml";
const NAMES: [&str; 3] = ["reports-writer", "reports-reader", "billing"];

fn fleet_of(text: &str) -> Fleet {
    fleet::from_answers_file(text).unwrap_or_else(|problems| panic!("{problems}"))
}

fn example() -> Fleet {
    fleet_of(&std::fs::read_to_string(repo_path(FLEET)).expect("example readable"))
}

fn render_fleet(fleet: &Fleet) -> Vec<Artifact> {
    render::render_fleet(fleet, &Templates::embedded().expect("templates")).expect("renders")
}

fn write(artifacts: &[Artifact], dir: &Path) {
    wi_aws::artifacts::write::write_all(dir, artifacts, false).expect("writes");
}

#[test]
fn snapshots_of_the_fleet_example() {
    let artifacts = render_fleet(&example());
    // Five shared files, seven per workload, NEXT-STEPS.md, answers.yaml and its schema.
    assert_eq!(artifacts.len(), 5 + 7 * NAMES.len() + 3);
    // The shared files first, as a reviewer reads them: Terraform, then each script next to
    // the one that undoes it.
    let shared: Vec<&str> = artifacts[..5].iter().map(|a| a.path.as_str()).collect();
    assert_eq!(
        shared,
        [
            "terraform/main.tf",
            "aws-cli/setup.sh",
            "aws-cli/teardown.sh",
            "teleport/setup.sh",
            "teleport/teardown.sh"
        ]
    );
    assert_eq!(artifacts[5 + 7 * NAMES.len()].path, "NEXT-STEPS.md");
    snapshot_every_artifact("fleet", &artifacts);
}

#[test]
fn one_terraform_root_with_one_provider_and_one_map_of_workloads() {
    let fleet = example();
    let artifacts = render_fleet(&fleet);
    let main = artifact(&artifacts, "terraform/main.tf");
    let body = hcl::parse(main).expect("main.tf is HCL");
    let blocks = |kind: &str| {
        body.blocks()
            .filter(|b| b.identifier() == "resource" && b.labels()[0].as_str() == kind)
            .count()
    };
    assert_eq!(blocks("aws_iam_openid_connect_provider"), 1);
    for kind in [
        "aws_iam_role",
        "aws_iam_policy",
        "aws_iam_role_policy_attachment",
    ] {
        assert_eq!(blocks(kind), 1, "{kind}: one block, for_each over the map");
    }
    let values = terraform_values(&artifacts, fleet.shared());
    // The two workloads sharing a bucket create it once; the third's bucket exists already.
    let buckets: Vec<&str> = values
        .keys()
        .filter_map(|k| k.strip_prefix(".resource.aws_s3_bucket.workload[\""))
        .filter_map(|k| k.strip_suffix("\"].bucket"))
        .collect();
    assert_eq!(buckets, ["example-reports"]);
    for workload in &fleet.workloads {
        let plan = &workload.plan;
        let role = format!(".resource.aws_iam_role.workload[{:?}]", workload.name);
        assert_eq!(
            values[&format!("{role}.name")].as_str(),
            Some(plan.aws.role_name.as_str())
        );
        let trust: Value = serde_json::from_str(
            values[&format!("{role}.assume_role_policy")]
                .as_str()
                .expect("a string"),
        )
        .expect("JSON");
        let prefix = plan.condition_key_prefix();
        assert_eq!(
            trust["Statement"][0]["Condition"]["StringEquals"][format!("{prefix}:sub")],
            plan.workload.spiffe_id.to_string()
        );
        // The Terraform policy says what the workload's IAM document says.
        let policy = format!(
            ".resource.aws_iam_policy.workload[{:?}].policy",
            workload.name
        );
        let policy: Value =
            serde_json::from_str(values[&policy].as_str().expect("a string")).expect("JSON");
        let document = json(
            &artifacts,
            &format!("iam/{}/permissions-policy.json", workload.name),
        );
        assert_eq!(
            policy["Statement"], document["Statement"],
            "{}",
            workload.name
        );
    }
}

#[test]
fn each_workload_gets_its_own_files_with_its_own_answers() {
    let fleet = example();
    let artifacts = render_fleet(&fleet);
    for workload in &fleet.workloads {
        let (name, plan) = (&workload.name, &workload.plan);
        let trust = json(&artifacts, &format!("iam/{name}/trust-policy.json"));
        let prefix = plan.condition_key_prefix();
        assert_eq!(
            trust["Statement"][0]["Condition"]["StringEquals"][format!("{prefix}:sub")],
            plan.workload.spiffe_id.to_string()
        );
        let config = ini(artifact(&artifacts, &format!("hosts/{name}/aws/config")));
        let profile = &config[&format!("profile {}", plan.aws.profile)];
        assert_eq!(profile["role_arn"], plan.role_arn());
        assert_eq!(profile["web_identity_token_file"], plan.token_file());
        let services = yaml(&artifacts, &format!("hosts/{name}/tbot/services.yaml"));
        assert_eq!(
            services["services"][0]["selector"]["name"].as_str(),
            plan.workload.resource_name.as_deref()
        );
        let role = yaml(&artifacts, &format!("teleport/{name}/role.yaml"));
        assert_eq!(
            role["metadata"]["name"].as_str(),
            Some(plan.workload.teleport_role.as_str())
        );
    }
    let next_steps = artifact(&artifacts, "NEXT-STEPS.md");
    for workload in &fleet.workloads {
        let row = format!(
            "| {} | `{}` | `{}` |",
            workload.name,
            workload.plan.workload.spiffe_id,
            workload.plan.role_arn()
        );
        assert!(next_steps.contains(&row), "NEXT-STEPS.md lacks {row}");
    }
}

#[test]
fn the_answers_of_a_fleet_replay_exactly() {
    let fleet = example();
    let artifacts = render_fleet(&fleet);
    let replayed = fleet_of(artifact(&artifacts, "answers.yaml"));
    assert_eq!(replayed, fleet);
    let (read, problems) = FleetAnswers::from_yaml(&fleet.to_answers().to_yaml());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(read, fleet.to_answers());
}

#[test]
fn a_version_1_file_keeps_its_layout_and_migrated_keeps_its_content() {
    let text = std::fs::read_to_string(repo_path("examples/answers.yaml")).expect("readable");
    let single = fleet_of(&text);
    let templates = Templates::embedded().expect("templates");
    assert_eq!(
        render::render_fleet(&single, &templates).expect("renders"),
        render::render(single.shared(), &templates).expect("renders")
    );
    let (answers, _) = FleetAnswers::from_yaml(&text);
    let migrated = fleet_of(&fleet::migrate(&answers).to_yaml());
    assert_eq!(migrated.workloads.len(), 1);
    assert_eq!(migrated.workloads[0].plan, *single.shared());
    let before = render::render(single.shared(), &templates).expect("renders");
    let after = render_fleet(&migrated);
    let name = &migrated.workloads[0].name;
    for (old, new) in [
        (
            "iam/trust-policy.json",
            format!("iam/{name}/trust-policy.json"),
        ),
        (
            "iam/permissions-policy.json",
            format!("iam/{name}/permissions-policy.json"),
        ),
        ("teleport/role.yaml", format!("teleport/{name}/role.yaml")),
        (
            "tbot/services.yaml",
            format!("hosts/{name}/tbot/services.yaml"),
        ),
        ("aws/config", format!("hosts/{name}/aws/config")),
        ("aws/env", format!("hosts/{name}/aws/env")),
    ] {
        assert_eq!(
            artifact(&before, old),
            artifact(&after, &new),
            "{old} → {new}"
        );
    }
}

#[test]
fn verify_proves_each_workload_and_their_isolation() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(&render_fleet(&example()), dir.path());
    let report = verify::verify_dir(dir.path()).expect("verifies");
    assert!(
        report.passed(),
        "{}",
        report.lines(|s| s.mark().into()).join("\n")
    );
    assert_eq!(report.workloads.len(), 3);
    assert_eq!(report.checks[0].id, CheckId::Isolation);
    assert!(report.checks[0].detail.contains("all 6 ordered pairs"));
    for workload in &report.workloads {
        let isolation = workload
            .checks
            .iter()
            .find(|c| c.id == CheckId::Isolation)
            .expect("an isolation check per workload");
        assert_eq!(isolation.status, Status::Pass);
        assert!(isolation.detail.contains("all 2 other workloads"));
        // Every check one workload alone gets, with a token issued for it.
        assert!(
            workload
                .checks
                .iter()
                .any(|c| c.id == CheckId::TrustPolicyTf)
        );
    }
}

/// The sub condition of `iam/<name>/trust-policy.json`, replaced.
/// Tokens signed ahead (while the files were written) stand only for the claims the written
/// files ask for: a workload whose file names another SPIFFE ID than its plan gets a token for
/// that ID, which its trust policy then refuses, exactly as without signing ahead.
#[test]
fn tokens_signed_ahead_serve_only_the_claims_the_files_ask_for() {
    use std::sync::atomic::AtomicBool;
    let fleet = example();
    let dir = tempfile::tempdir().expect("temp dir");
    write(&render_fleet(&fleet), dir.path());
    let ahead = || {
        verify::SimulatedIssuer::signed_ahead_for(&fleet, &AtomicBool::new(false)).expect("signs")
    };
    let (_, report) = verify::verify_dir_with(
        dir.path(),
        Some(verify::Signer::start_with(&fleet, Some(ahead()))),
    )
    .expect("verifies");
    assert!(
        report.passed(),
        "{}",
        report.lines(|s| s.mark().into()).join("\n")
    );
    let name = &fleet.workloads[0].name;
    let resource = dir
        .path()
        .join(format!("teleport/{name}/workload-identity.yaml"));
    let text = std::fs::read_to_string(&resource).expect("read");
    let planned = fleet.workloads[0].plan.workload.spiffe_id.path().to_owned();
    assert!(text.contains(&planned), "{text}");
    std::fs::write(&resource, text.replace(&planned, "/svc/someone-else")).expect("write");
    for issuer in [
        Some(verify::Signer::start_with(&fleet, Some(ahead()))),
        None,
    ] {
        let (_, report) = verify::verify_dir_with(dir.path(), issuer).expect("verifies");
        let failed: Vec<(String, &str)> = report
            .workloads
            .iter()
            .flat_map(|w| {
                w.checks
                    .iter()
                    .filter(|c| c.status == Status::Fail)
                    .map(|c| (w.name.clone(), c.id.label()))
            })
            .collect();
        assert_eq!(
            failed,
            [
                (name.clone(), "trust policy"),
                (name.clone(), "trust policy (tf)")
            ]
        );
    }
}

/// A signer verify finishes itself (never begun: the write had nothing to write) still makes
/// the issuer, and the fleet is proven with it as with a fresh one.
#[test]
fn a_signer_never_begun_is_finished_by_verify() {
    let fleet = example();
    let dir = tempfile::tempdir().expect("temp dir");
    write(&render_fleet(&fleet), dir.path());
    let signer = verify::Signer::start(&fleet);
    let (_, report) = verify::verify_dir_with(dir.path(), Some(signer)).expect("verifies");
    assert!(
        report.passed(),
        "{}",
        report.lines(|s| s.mark().into()).join("\n")
    );
    assert_eq!(report.workloads.len(), NAMES.len());
}

fn set_trust_sub(dir: &Path, name: &str, sub: &str) {
    let path = dir.join(format!("iam/{name}/trust-policy.json"));
    let mut policy: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
    let equals = &mut policy["Statement"][0]["Condition"]["StringEquals"];
    let key = equals
        .as_object()
        .and_then(|o| o.keys().find(|k| k.ends_with(":sub")).cloned())
        .expect("a sub condition");
    equals[key] = Value::String(sub.into());
    std::fs::write(&path, serde_json::to_string_pretty(&policy).expect("JSON")).expect("write");
}

#[test]
fn a_shared_sub_fails_isolation_naming_the_pair() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(&render_fleet(&example()), dir.path());
    // billing's role copied the writer's trust policy: the writer's token opens it.
    let writer = "spiffe://example.teleport.sh/svc/reports/writer";
    set_trust_sub(dir.path(), "billing", writer);
    let report = verify::verify_dir(dir.path()).expect("verifies");
    assert!(!report.passed());
    assert_eq!(report.checks[0].status, Status::Fail);
    assert!(
        report.checks[0].detail.contains("reports-writer → billing"),
        "{}",
        report.checks[0].detail
    );
    let of = |name: &str| {
        report
            .workloads
            .iter()
            .find(|w| w.name == name)
            .expect("workload")
    };
    let writer_isolation = of("reports-writer")
        .checks
        .iter()
        .find(|c| c.id == CheckId::Isolation)
        .expect("isolation");
    assert_eq!(writer_isolation.status, Status::Fail);
    assert!(writer_isolation.detail.contains("workload billing"));
    assert!(writer_isolation.detail.contains("trust-policy.json"));
    // billing's own token is refused by its own role, and the reader stays isolated.
    let billing_trust = of("billing")
        .checks
        .iter()
        .find(|c| c.id == CheckId::TrustPolicy)
        .expect("trust policy");
    assert_eq!(billing_trust.status, Status::Fail);
    assert!(of("reports-reader").passed);

    // The same copy in Terraform's map is caught in main.tf's instance.
    let dir = tempfile::tempdir().expect("temp dir");
    write(&render_fleet(&example()), dir.path());
    let main = dir.path().join("terraform/main.tf");
    let text = std::fs::read_to_string(&main).expect("read");
    let billing = "spiffe://example.teleport.sh/svc/billing";
    std::fs::write(&main, text.replace(billing, writer)).expect("write");
    let report = verify::verify_dir(dir.path()).expect("verifies");
    assert_eq!(report.checks[0].status, Status::Fail);
    let writer_isolation = report.workloads[0]
        .checks
        .iter()
        .find(|c| c.id == CheckId::Isolation)
        .expect("isolation");
    assert!(
        writer_isolation.detail.contains("main.tf"),
        "{}",
        writer_isolation.detail
    );
}

#[test]
fn a_large_fleet_stays_one_map_and_samples_isolation_saying_how_many() {
    let fleet = fleet_of(&numbered_fleet(100));
    let artifacts = render_fleet(&fleet);
    let main = artifact(&artifacts, "terraform/main.tf");
    assert_eq!(main.matches("resource \"aws_iam_role\"").count(), 1);
    assert_eq!(
        main.matches("resource \"aws_iam_openid_connect_provider\"")
            .count(),
        1
    );
    assert_eq!(
        main.matches("    \"w").count(),
        100,
        "one map entry per workload"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    write(&artifacts, dir.path());
    let report = verify::verify_dir(dir.path()).expect("verifies");
    assert!(
        report.passed(),
        "{}",
        report.lines(|s| s.mark().into()).join("\n")
    );
    assert!(
        report.checks[0]
            .detail
            .contains("800 sampled of 9900 ordered pairs"),
        "{}",
        report.checks[0].detail
    );
}

#[test]
fn verify_json_keeps_each_workloads_results() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let rendered = run_wi_aws(
        &[
            "--answers-file",
            &repo_path(FLEET).display().to_string(),
            "--out",
            "out",
            "--no-verify",
        ],
        dir.path(),
    );
    assert!(rendered.status.success(), "{}", text(&rendered.stderr));
    let verified = run_wi_aws(
        &["verify", "--out", &out.display().to_string(), "--json"],
        dir.path(),
    );
    assert_eq!(
        verified.status.code(),
        Some(0),
        "{}",
        text(&verified.stdout)
    );
    let report: Value = serde_json::from_slice(&verified.stdout).expect("JSON");
    let names: Vec<&str> = report["workloads"]
        .as_array()
        .expect("workloads")
        .iter()
        .map(|w| w["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, NAMES);
    assert!(
        report["workloads"]
            .as_array()
            .expect("list")
            .iter()
            .all(|w| {
                w["passed"] == Value::Bool(true)
                    && w["checks"].as_array().is_some_and(|c| c.len() > 20)
            })
    );
    assert_eq!(report["checks"][0]["id"], "isolation");

    // A fleet's token check needs to know which workload's files the token is for.
    let token = dir.path().join("token");
    std::fs::write(&token, "x.y.z").expect("write");
    let live = run_wi_aws(
        &[
            "verify",
            "--out",
            "out",
            "--token-file",
            "token",
            "--jwks",
            "token",
        ],
        dir.path(),
    );
    assert_eq!(live.status.code(), Some(2));
    assert!(
        text(&live.stderr).contains("--workload"),
        "{}",
        text(&live.stderr)
    );
}

#[test]
fn migrate_prints_the_fleet_form_and_the_state_moves() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = run_wi_aws(
        &[
            "migrate",
            &repo_path("examples/answers.yaml").display().to_string(),
        ],
        dir.path(),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let migrated = fleet_of(&text(&output.stdout));
    assert_eq!(migrated.workloads.len(), 1);
    assert_eq!(migrated.workloads[0].name, "example-service");
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(
            "terraform state mv 'aws_iam_role.workload' 'aws_iam_role.workload[\"example-service\"]'"
        ),
        "{stderr}"
    );
    // A broken file is refused with its problems, not half-migrated.
    std::fs::write(
        dir.path().join("bad.yaml"),
        "version: 1\nteleport: {proxy: x}\n",
    )
    .expect("write");
    let bad = run_wi_aws(&["migrate", "bad.yaml"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("teleport.spiffe_path"),
        "{}",
        text(&bad.stderr)
    );
    assert!(bad.stdout.is_empty());
}

#[test]
fn a_fleet_of_more_files_than_open_descriptors_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("fleet.yaml"), numbered_fleet(40)).expect("write");
    // 40 workloads make 285 files; the process may have 64 open at once.
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg("ulimit -n 64; exec \"$0\" --answers-file fleet.yaml --out out")
        .arg(env!("CARGO_BIN_EXE_wi-aws"))
        .current_dir(dir.path())
        .output()
        .expect("bash runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(files_under(&dir.path().join("out")).len(), 5 + 7 * 40 + 3);
    assert!(text(&output.stdout).contains("all 40 workloads passed"));
}
