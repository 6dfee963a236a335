//! Helpers shared by the integration tests: render a fixture, find an artifact, and read each
//! artifact back with an independent parser.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use wi_aws::answers::plan::Plan;
use wi_aws::artifacts::render::{self, Artifact, Templates};

pub const CASES: &[(&str, &str)] = &[
    ("guide", "examples/answers.yaml"),
    (
        "gov_readonly_existing",
        "tests/fixtures/gov-readonly-existing.yaml",
    ),
    (
        "deep_path_dotted_bucket",
        "tests/fixtures/deep-path-dotted-bucket.yaml",
    ),
    ("permissions_boundary", "tests/fixtures/boundary.yaml"),
    ("managed_policies", "tests/fixtures/managed-policies.yaml"),
    ("tagged_bounded_4h", "tests/fixtures/tagged-bounded-4h.yaml"),
    (
        "dynamodb_policy_file",
        "tests/fixtures/dynamodb-policy-file.yaml",
    ),
];

pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The plan of an answers file of the repository, reading the files it names (a policy file)
/// next to it, as `render --answers-file` does.
pub fn plan_of(relative: &str) -> Plan {
    let path = repo_path(relative);
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    let base = path.parent().expect("in a directory").to_path_buf();
    let read = wi_aws::artifacts::files::named_file_reader(&base);
    let mut fleet = wi_aws::answers::fleet::from_answers_file_reading(&text, &read)
        .unwrap_or_else(|problems| panic!("{relative}: {problems}"));
    assert_eq!(fleet.workloads.len(), 1, "{relative}: one workload");
    fleet.workloads.remove(0).plan
}

pub fn render_plan(plan: &Plan) -> Vec<Artifact> {
    let templates = Templates::embedded().expect("embedded templates compile");
    render::render(plan, &templates).expect("renders")
}

pub fn artifact<'a>(artifacts: &'a [Artifact], path: &str) -> &'a str {
    &artifacts
        .iter()
        .find(|a| a.path == path)
        .unwrap_or_else(|| panic!("no artifact {path}"))
        .contents
}

pub fn json(artifacts: &[Artifact], path: &str) -> serde_json::Value {
    serde_json::from_str(artifact(artifacts, path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn yaml(artifacts: &[Artifact], path: &str) -> serde_yaml::Value {
    serde_yaml::from_str(artifact(artifacts, path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `aws/config` as the AWS CLI reads it: section → key → value.
pub fn ini(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut sections = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(name.to_owned());
            sections
                .entry(name.to_owned())
                .or_insert_with(BTreeMap::new);
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("not key = value: {line}"));
        let section = current.clone().expect("key before any section");
        sections
            .get_mut(&section)
            .expect("section exists")
            .insert(key.trim().to_owned(), value.trim().to_owned());
    }
    sections
}

/// Characters each output format must escape (HCL's `${` and `%{`, shell's `$(`, backticks and
/// globs, quotes, YAML's `#` and `: `), none of which validation would let through.
pub const HOSTILE: &str =
    "q\"uote'\\back ${var.x} %{if true}x%{endif} $(touch /tmp/pwned) `id` #c: - * [x] {y}";

/// The guide's plan with every free-text value made hostile (see [`HOSTILE`]).
pub fn hostile_plan() -> Plan {
    let mut plan = plan_of("examples/answers.yaml");
    plan.aws.bucket = Some(format!("bucket-{HOSTILE}"));
    plan.aws.role_name = format!("role-{HOSTILE}");
    plan.aws.policy_name = format!("policy-{HOSTILE}");
    plan.workload.teleport_role = format!("trole-{HOSTILE}");
    plan.workload.bot = format!("bot-{HOSTILE}");
    plan.workload.resource_name = Some(format!("wi-{HOSTILE}"));
    plan.tbot.credential_ttl = Some(format!("ttl-{HOSTILE}"));
    plan.tbot.output_dir = format!("/dir-{HOSTILE}");
    plan.tbot.audience = format!("aud-{HOSTILE}");
    plan.aws.region = format!("region-{HOSTILE}");
    plan
}

/// Writes an executable `bin/NAME` running `script`, to stand in for a real command, and
/// returns a `PATH` that finds it first.
pub fn stand_in(bin: &Path, name: &str, script: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(bin).expect("mkdir");
    let path = bin.join(name);
    std::fs::write(&path, script).expect("write stand-in");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Runs `sh -c '. FILE; printf %s "$VAR"'` and returns the value the shell sees.
pub fn shell_value(file: &Path, variable: &str) -> String {
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(". \"$1\"; printf %s \"${variable}\""))
        .arg("sh")
        .arg(file)
        .output()
        .expect("sh runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

/// Every attribute of main.tf, evaluated as Terraform would plan it (see
/// `wi_aws::verify::terraform`); panics on a reference that does not resolve.
/// Reads a file of a rendered set by its path in the set, as `verify` reads the directory.
pub fn set_reader(artifacts: &[Artifact]) -> impl Fn(&str) -> Result<String, String> + '_ {
    |path: &str| {
        artifacts
            .iter()
            .find(|a| a.path == path)
            .map(|a| a.contents.clone())
            .ok_or_else(|| format!("the set has no {path}"))
    }
}

/// The files main.tf reads (`file(…)`) are the set's, from `artifacts`.
pub fn terraform_values(artifacts: &[Artifact], plan: &Plan) -> wi_aws::verify::terraform::Values {
    let read = set_reader(artifacts);
    wi_aws::verify::terraform::evaluate_in(
        artifact(artifacts, "terraform/main.tf"),
        plan.aws.partition,
        &plan.aws.account_id,
        &read,
    )
    .unwrap_or_else(|error| panic!("main.tf: {error}"))
}

/// Runs the real `wi-aws` with `args` in `dir`, colour off.
pub fn run_wi_aws(args: &[&str], dir: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_wi-aws"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every file under `dir`, by its path relative to `dir`, with its bytes; sorted by path.
pub fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).expect("readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .expect("inside")
                    .display()
                    .to_string();
                found.push((relative, std::fs::read(&path).expect("read")));
            }
        }
    }
    found.sort();
    found
}

/// A demo proxy on 127.0.0.1 (any free port) for as long as this lives, with its own runtime.
pub struct RunningDemo {
    _runtime: tokio::runtime::Runtime,
    pub proxy: wi_aws::discover::demo::DemoProxy,
}

/// Starts a demo proxy with `options` and writes its CA to `ca_file`.
pub fn running_demo(ca_file: &Path, options: wi_aws::discover::demo::DemoOptions) -> RunningDemo {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let proxy = runtime
        .block_on(wi_aws::discover::demo::DemoProxy::start(
            "127.0.0.1:0".parse().expect("address"),
            options,
        ))
        .expect("demo proxy starts");
    std::fs::write(ca_file, &proxy.ca_pem).expect("write CA");
    RunningDemo {
        _runtime: runtime,
        proxy,
    }
}

/// An AWS SDK's environment that finds no real credentials or configuration: doctor then reads
/// only what a test points it at.
pub const OFFLINE_AWS_ENV: [(&str, &str); 4] = [
    ("AWS_ACCESS_KEY_ID", "doctor-test"),
    ("AWS_SECRET_ACCESS_KEY", "doctor-test"),
    ("AWS_CONFIG_FILE", "/dev/null"),
    ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
];

/// A fleet of `count` workloads, numbered, sharing one bucket.
pub fn numbered_fleet(count: usize) -> String {
    let mut text = String::from(
        "version: 2\nteleport: {proxy: example.teleport.sh}\naws: {account_id: \"123456789012\", bucket: fleet-bucket, access: read-only}\nworkloads:\n",
    );
    for n in 0..count {
        text.push_str(&format!(
            "  - name: w{n}\n    teleport: {{spiffe_path: /svc/w{n}, bot: bot-w{n}}}\n"
        ));
    }
    text
}

/// The artifacts of `plan`, written to a fresh directory.
pub fn written_set(plan: &Plan) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    wi_aws::artifacts::write::write_all(dir.path(), &render_plan(plan), false).expect("writes");
    dir
}

/// The check `id` of `verify` on the set in `dir` (of its one workload).
pub fn verified_check(dir: &Path, id: wi_aws::verify::CheckId) -> wi_aws::verify::Check {
    wi_aws::verify::verify_dir(dir)
        .expect("verifies")
        .checks
        .into_iter()
        .find(|c| c.id == id)
        .expect("checked")
}

/// Replaces the first `from` in the file at `path`, which must hold it.
pub fn edit_file(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{from} in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

/// Where every artifact snapshot lives: `snapshots/`, named without the test's module.
pub fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(repo_path("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings
}

/// Pins every artifact of a set but the schema (the same for every set, pinned as
/// schema/answers.schema.json) as the snapshot `{case}__{path with / and . as _}`.
pub fn snapshot_every_artifact(case: &str, artifacts: &[wi_aws::artifacts::render::Artifact]) {
    let settings = snapshot_settings();
    for artifact in artifacts
        .iter()
        .filter(|a| a.path != wi_aws::answers::schema::SCHEMA_FILE)
    {
        let name = format!("{case}__{}", artifact.path.replace(['/', '.'], "_"));
        settings.bind(|| insta::assert_snapshot!(name, &artifact.contents));
    }
}

/// Replaces the first `from` in the set's file `file` by `to`, and asserts that verify then
/// fails every check labelled in `expected`.
pub fn assert_edit_fails(dir: &Path, file: &str, (from, to): (&str, &str), expected: &[&str]) {
    edit_in(dir, file, from, to);
    let failing = failing_checks(dir);
    for label in expected {
        assert!(
            failing.contains(label),
            "{file}: {from:?} -> {to:?} should fail {label}, failed {failing:?}"
        );
    }
}

/// The set of an answers file's text (one workload or a fleet), written to a fresh directory.
pub fn written_answers(answers: &str) -> tempfile::TempDir {
    let fleet = wi_aws::answers::fleet::from_answers_file(answers)
        .unwrap_or_else(|problems| panic!("{problems}"));
    let templates = Templates::embedded().expect("templates");
    let artifacts = render::render_fleet(&fleet, &templates).expect("renders");
    let dir = tempfile::tempdir().expect("temp dir");
    wi_aws::artifacts::write::write_all(dir.path(), &artifacts, false).expect("writes");
    dir
}

/// Replaces the first `from` in the set's file `file`, which must hold it.
pub fn edit_in(dir: &Path, file: &str, from: &str, to: &str) {
    edit_file(&dir.join(file), from, to);
}

/// The labels of the checks `verify` fails on the set in `dir`, the fleet's and each workload's.
pub fn failing_checks(dir: &Path) -> Vec<&'static str> {
    let report = wi_aws::verify::verify_dir(dir).expect("verify reads the set");
    report.failed().map(|check| check.id.label()).collect()
}

/// The problems of an answers file's text, as the CLI says them; empty when it is valid.
pub fn answers_problems(answers: &str) -> String {
    match wi_aws::answers::fleet::from_answers_file(answers) {
        Ok(_) => String::new(),
        Err(problems) => problems.to_string(),
    }
}
