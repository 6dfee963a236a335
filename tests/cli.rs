//! The real binary on real files: modes, exit codes, what is written and what is refused.

mod common;

use common::{RunningDemo, files_under, repo_path, run_wi_aws, running_demo, text};
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn wi_aws(args: &[&str], dir: &Path) -> Output {
    run_wi_aws(args, dir)
}

fn example() -> String {
    repo_path("examples/answers.yaml").display().to_string()
}

/// The paths of the files under `dir`.
fn paths_under(dir: &Path) -> Vec<String> {
    files_under(dir).into_iter().map(|(path, _)| path).collect()
}

#[test]
fn renders_then_reports_every_file_unchanged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = wi_aws(&["--answers-file", &example(), "--out", "out"], dir.path());
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let stdout = text(&first.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("created ")).count(),
        15,
        "{stdout}"
    );
    assert_eq!(paths_under(&dir.path().join("out")).len(), 15);

    let second = wi_aws(
        &["render", "--answers-file", &example(), "--out", "out"],
        dir.path(),
    );
    assert_eq!(second.status.code(), Some(0));
    let stdout = text(&second.stdout);
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.starts_with("unchanged "))
            .count(),
        15,
        "{stdout}"
    );
    assert!(stdout.contains("0 created, 0 updated, 15 unchanged"));
}

#[test]
fn no_verify_writes_and_skips_the_simulation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = wi_aws(
        &["--answers-file", &example(), "--out", "out", "--no-verify"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("15 created"), "{stdout}");
    assert!(!stdout.contains("local simulation of AWS STS"), "{stdout}");
    // With verify, the same render proves the files.
    let output = wi_aws(&["--answers-file", &example(), "--out", "out"], dir.path());
    assert!(text(&output.stdout).contains("local simulation of AWS STS"));
}

#[test]
fn scripts_are_written_executable() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    wi_aws(&["--answers-file", &example(), "--out", "out"], dir.path());
    let mode = |path: &str| {
        fs::metadata(dir.path().join("out").join(path))
            .expect("exists")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("aws-cli/setup.sh"), 0o755);
    assert_eq!(mode("teleport/setup.sh"), 0o755);
    assert_eq!(mode("aws/config"), 0o644);
    // A lost executable bit is restored without --force: the content is the same.
    fs::set_permissions(
        dir.path().join("out/aws-cli/setup.sh"),
        fs::Permissions::from_mode(0o644),
    )
    .expect("chmod");
    let rerun = wi_aws(&["--answers-file", &example(), "--out", "out"], dir.path());
    assert_eq!(rerun.status.code(), Some(0));
    assert!(text(&rerun.stdout).contains("updated   out/aws-cli/setup.sh"));
    assert_eq!(mode("aws-cli/setup.sh"), 0o755);
}

#[test]
fn refuses_to_overwrite_a_changed_file_without_force() {
    let dir = tempfile::tempdir().expect("temp dir");
    wi_aws(&["--answers-file", &example(), "--out", "out"], dir.path());
    let config = dir.path().join("out/aws/config");
    fs::write(&config, "[profile mine]\nregion = eu-west-1\n").expect("edit");
    let answers = dir.path().join("answers.yaml");
    let edited = fs::read_to_string(example())
        .expect("example")
        .replace("region: us-east-1", "region: us-west-2");
    fs::write(&answers, edited).expect("write answers");
    let before: Vec<(String, Vec<u8>)> = paths_under(&dir.path().join("out"))
        .into_iter()
        .map(|f| {
            let bytes = fs::read(dir.path().join("out").join(&f)).expect("read");
            (f, bytes)
        })
        .collect();

    let refused = wi_aws(
        &["--answers-file", "answers.yaml", "--out", "out"],
        dir.path(),
    );
    assert_eq!(refused.status.code(), Some(3));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("differ from what would be written"),
        "{stderr}"
    );
    assert!(
        stderr.contains("aws/config") && stderr.contains("terraform/main.tf"),
        "{stderr}"
    );
    assert!(stderr.contains("--force"), "{stderr}");
    for (file, bytes) in &before {
        assert_eq!(
            &fs::read(dir.path().join("out").join(file)).expect("read"),
            bytes,
            "{file} changed"
        );
    }

    let forced = wi_aws(
        &["--answers-file", "answers.yaml", "--out", "out", "--force"],
        dir.path(),
    );
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced.stderr));
    assert!(text(&forced.stdout).contains("updated   out/aws/config"));
    assert!(
        fs::read_to_string(&config)
            .expect("read")
            .contains("region = us-west-2")
    );
}

#[test]
fn dry_run_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = wi_aws(
        &["--answers-file", &example(), "--out", "out", "--dry-run"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(text(&output.stdout).contains("would create"));
    assert!(!dir.path().join("out").exists());
}

#[test]
fn dry_run_shows_the_difference_it_would_replace() {
    let dir = tempfile::tempdir().expect("temp dir");
    let render = |extra: &str| {
        wi_aws(
            &[
                "--answers-file",
                &example(),
                "--out",
                "out",
                "--no-verify",
                extra,
            ],
            dir.path(),
        )
    };
    assert_eq!(render("--force").status.code(), Some(0));
    let env = dir.path().join("out/aws/env");
    let original = fs::read_to_string(&env).expect("read");
    fs::write(&env, original.replace("workload-id-demo", "hand-edited")).expect("edit");
    let output = render("--dry-run");
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout.contains("out/aws/env (there now)"), "{stdout}");
    assert!(
        stdout.contains("-export AWS_ROLE_ARN=arn:aws:iam::123456789012:role/hand-edited"),
        "{stdout}"
    );
    assert!(
        stdout.contains("+export AWS_ROLE_ARN=arn:aws:iam::123456789012:role/workload-id-demo"),
        "{stdout}"
    );
    // Nothing was written.
    assert!(
        fs::read_to_string(&env)
            .expect("read")
            .contains("hand-edited")
    );
}

#[test]
fn an_output_path_that_is_a_file_is_named_as_such() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("out"), "").expect("write");
    let output = wi_aws(&["--answers-file", &example(), "--out", "out"], dir.path());
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("out: a file, where wi-aws needs a directory"),
        "{stderr}"
    );
    // The rule once, not "Not a directory … : Not a directory".
    assert_eq!(stderr.matches("directory").count(), 2, "{stderr}");
}

#[test]
fn timeout_zero_says_the_range() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = wi_aws(
        &["discover", "--proxy", "x.example", "--timeout", "0"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("--timeout 0: give more than 0 and at most 3600 seconds")
    );
}

#[test]
fn the_four_mistakes_of_a_hand_edited_file_are_reported_together() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = fs::read_to_string(example())
        .expect("example")
        .replace(
            "account_id: \"123456789012\"",
            "account_id: \"12345678901\"",
        )
        .replace(
            "spiffe_path: /svc/example-service",
            "spiffe_path: spiffe://example.teleport.sh/svc/../example-service",
        )
        .replace("bucket: workload-id-demo", "bucket: My_Bucket")
        .replace(
            "  create_bucket: true",
            "  create_bucket: true\n  colour: blue",
        );
    fs::write(dir.path().join("bad.yaml"), bad).expect("write");
    let output = wi_aws(&["--answers-file", "bad.yaml", "--out", "out"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(!dir.path().join("out").exists(), "nothing may be written");
    let stderr = text(&output.stderr);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(repo_path("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("cli__four_mistakes", stderr));
}

#[test]
fn no_answers_and_unreadable_answers_are_usage_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let none = wi_aws(&[], dir.path());
    assert_eq!(none.status.code(), Some(2));
    assert!(text(&none.stderr).contains("--answers-file"));
    let missing = wi_aws(&["--answers-file", "nope.yaml"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing.stderr).contains("--answers-file nope.yaml: No such file"),
        "{}",
        text(&missing.stderr)
    );
}

/// `wi-aws ARGS` must fail at once with exit `code`, saying `said`.
fn refuses(dir: &Path, args: &[&str], code: i32, said: &str) {
    let started = std::time::Instant::now();
    let output = wi_aws(args, dir);
    let said_all = text(&output.stderr) + &text(&output.stdout);
    assert_eq!(output.status.code(), Some(code), "{args:?}: {said_all}");
    assert!(said_all.contains(said), "{args:?}: {said_all}");
    // At once: nothing was read whole, nothing waited on a FIFO.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{args:?}"
    );
}

#[test]
fn devices_fifos_and_huge_files_are_refused_by_every_option_that_reads_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    let fifo = fifo.display().to_string();
    let huge = dir.path().join("huge.yaml");
    fs::write(&huge, format!("# {}\n", "x".repeat(1 << 20))).expect("write");
    let huge = huge.display().to_string();
    let device = "a character device, not a regular file";
    refuses(dir.path(), &["--answers-file", "/dev/zero"], 2, device);
    refuses(
        dir.path(),
        &["--answers-file", &fifo],
        2,
        "a FIFO, not a regular file",
    );
    refuses(
        dir.path(),
        &["--answers-file", &huge],
        2,
        "larger than 1048576 bytes",
    );
    refuses(
        dir.path(),
        &["verify", "--token-file", "/dev/zero", "--jwks", "/dev/zero"],
        2,
        device,
    );
    let jwks = dir.path().join("jwks.json");
    fs::write(&jwks, r#"{"keys": []}"#).expect("write");
    let jwks = jwks.display().to_string();
    refuses(
        dir.path(),
        &["verify", "--token-file", "/dev/zero", "--jwks", &jwks],
        1,
        device,
    );
    refuses(
        dir.path(),
        &["verify", "--token-file", &fifo, "--jwks", &jwks],
        1,
        "a FIFO",
    );
    refuses(
        dir.path(),
        &[
            "discover",
            "--proxy",
            "127.0.0.1:9",
            "--ca-file",
            "/dev/zero",
        ],
        1,
        device,
    );
}

#[test]
fn links_out_of_the_output_directory_are_refused_naming_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outside = tempfile::tempdir().expect("temp dir");
    let example = example();
    let render = |extra: &[&str]| {
        let mut args = vec!["--answers-file", &example, "--out", "out", "--no-verify"];
        args.extend_from_slice(extra);
        wi_aws(&args, dir.path())
    };
    assert_eq!(render(&[]).status.code(), Some(0));
    // An artifact replaced by a link to /dev/zero: refused at once, even in a dry run.
    let config = dir.path().join("out/aws/config");
    fs::remove_file(&config).expect("remove");
    std::os::unix::fs::symlink("/dev/zero", &config).expect("link");
    for extra in [&["--dry-run"][..], &["--force"][..]] {
        let output = render(extra);
        let stderr = text(&output.stderr);
        assert_ne!(output.status.code(), Some(0), "{extra:?}");
        assert!(stderr.contains("out/aws/config"), "{stderr}");
        assert!(stderr.contains("symbolic link"), "{stderr}");
    }
    fs::remove_file(&config).expect("remove");
    // A directory inside the output replaced by a link elsewhere: --force does not write
    // through it.
    fs::remove_dir_all(dir.path().join("out/iam")).expect("remove");
    std::os::unix::fs::symlink(outside.path(), dir.path().join("out/iam")).expect("link");
    let output = render(&["--force"]);
    let stderr = text(&output.stderr);
    assert_ne!(output.status.code(), Some(0));
    assert!(
        stderr.contains("out/iam") && stderr.contains("symbolic link"),
        "{stderr}"
    );
    assert!(fs::read_dir(outside.path()).expect("read").next().is_none());
}

#[test]
fn demo_proxy_does_not_write_its_ca_through_a_link() {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("target");
    fs::write(&target, "mine").expect("write");
    std::os::unix::fs::symlink(&target, dir.path().join("ca.pem")).expect("link");
    let output = wi_aws(
        &[
            "demo-proxy",
            "--listen",
            "127.0.0.1:0",
            "--ca-out",
            "ca.pem",
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("--ca-out ca.pem: a symbolic link"));
    assert_eq!(fs::read_to_string(&target).expect("read"), "mine");
}

#[test]
fn help_explains_modes_artifacts_and_exit_codes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let help = text(&wi_aws(&["--help"], dir.path()).stdout);
    for needle in [
        "--answers-file",
        "--force",
        "--dry-run",
        "--templates",
        "Exit codes",
        "NO_COLOR",
        "terraform/main.tf",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
}

/// Writes `tpl/<name>` with `template` and renders the example with `--templates tpl`.
fn render_with_template(dir: &Path, name: &str, template: &str, out: &str) -> Output {
    let path = dir.join("tpl").join(name);
    fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
    fs::write(path, template).expect("write template");
    wi_aws(
        &[
            "--answers-file",
            &example(),
            "--out",
            out,
            "--templates",
            "tpl",
        ],
        dir,
    )
}

#[test]
fn templates_dir_overrides_by_relative_path_and_rejects_unknown_names() {
    let dir = tempfile::tempdir().expect("temp dir");
    let template = "# ours\nexport AWS_ROLE_ARN={{role_arn}}\nexport AWS_WEB_IDENTITY_TOKEN_FILE={{token_file}}\n";
    let output = render_with_template(dir.path(), "aws/env.hbs", template, "out");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        fs::read_to_string(dir.path().join("out/aws/env")).expect("read"),
        "# ours\nexport AWS_ROLE_ARN=arn:aws:iam::123456789012:role/workload-id-demo\nexport AWS_WEB_IDENTITY_TOKEN_FILE=/opt/workload-identity/jwt_svid\n"
    );

    let output = render_with_template(dir.path(), "unknown.hbs", "x", "out2");
    assert_refused_writing_nothing(
        &output,
        &dir.path().join("out2"),
        "unknown.hbs is not a template wi-aws uses",
    );
}

/// Bad input: exit 2, `message` on stderr, and no `out`.
fn assert_refused_writing_nothing(output: &Output, out: &Path, message: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stdout));
    assert!(
        text(&output.stderr).contains(message),
        "{}",
        text(&output.stderr)
    );
    assert!(!out.exists());
}

#[test]
fn an_override_may_use_its_formats_partials_and_one_that_does_not_compile_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = render_with_template(
        dir.path(),
        "aws-cli/teardown.sh.hbs",
        "#!/usr/bin/env bash\n# ours\n{{> teardown_prelude}}\n",
        "out",
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let teardown = fs::read_to_string(dir.path().join("out/aws-cli/teardown.sh")).expect("read");
    let prelude = include_str!("../templates/partials/teardown-prelude.sh.hbs");
    let first_line_of_prelude = prelude.lines().next().expect("a line");
    assert!(
        teardown.starts_with("#!/usr/bin/env bash\n# ours\n")
            && teardown.contains(first_line_of_prelude),
        "{teardown}"
    );

    let output = render_with_template(
        dir.path(),
        "aws/env.hbs",
        "export AWS_ROLE_ARN={{#if role_arn}}{{role_arn}}\n",
        "out2",
    );
    assert_refused_writing_nothing(&output, &dir.path().join("out2"), "template aws/env.hbs:");
}

#[test]
fn verify_after_render_catches_an_override_that_breaks_the_setup() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = render_with_template(
        dir.path(),
        "aws/env.hbs",
        "export AWS_ROLE_ARN={{role_arn}}\n",
        "out",
    );
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("✗ env token file") && stdout.contains("1 of "),
        "{stdout}"
    );
}

#[test]
fn a_template_with_a_missing_value_fails_in_strict_mode() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = render_with_template(
        dir.path(),
        "aws/env.hbs",
        "export X={{no_such_value}}\n",
        "out",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("aws/env.hbs"),
        "{}",
        text(&output.stderr)
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn a_template_producing_invalid_json_is_caught() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = render_with_template(
        dir.path(),
        "iam/trust-policy.json.hbs",
        "{\"a\": {{aws.role_name}}}\n",
        "out",
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("iam/trust-policy.json would not be valid Json"),
        "{stderr}"
    );
    assert!(!dir.path().join("out").exists());
}

/// A demo proxy on 127.0.0.1 for the duration of a test, with its CA written to `dir/ca.pem`.
fn demo_in(dir: &Path) -> RunningDemo {
    running_demo(&dir.join("ca.pem"), Default::default())
}

#[test]
fn discover_reports_the_demo_proxy_and_exits_zero() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = demo_in(dir.path());
    let authority = demo.proxy.authority();
    let output = wi_aws(
        &["discover", "--proxy", &authority, "--ca-file", "ca.pem"],
        dir.path(),
    );
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        text(&output.stderr)
    );
    for check in ["version", "thumbprint", "issuer", "jwks", "jwks host"] {
        assert!(
            stdout.contains(&format!("✓ {check} ")),
            "{check} missing in\n{stdout}"
        );
    }
    let json = wi_aws(
        &[
            "discover",
            "--proxy",
            &authority,
            "--ca-file",
            "ca.pem",
            "--json",
        ],
        dir.path(),
    );
    let findings: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let last = demo.proxy.served_chain.last().expect("chain");
    assert_eq!(
        findings["chain_thumbprint"],
        wi_aws::domain::thumbprint::of_certificate(last)
    );
    assert_eq!(
        findings["cluster_name"],
        wi_aws::discover::demo::DEMO_CLUSTER_NAME
    );
}

#[test]
fn discover_without_the_ca_says_why_in_one_line_and_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = demo_in(dir.path());
    let output = wi_aws(
        &[
            "discover",
            "--proxy",
            &demo.proxy.authority(),
            "--timeout",
            "2",
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("--ca-file"), "{stderr}");
}

#[test]
fn discover_refuses_a_url_for_an_address() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = wi_aws(
        &["discover", "--proxy", "https://example.teleport.sh"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("without a scheme"));
}

#[test]
fn render_with_proxy_fills_cluster_name_and_thumbprint() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = demo_in(dir.path());
    fs::write(
        dir.path().join("answers.yaml"),
        "version: 1\nteleport:\n  spiffe_path: /svc/example-service\n  bot: my-bot\naws:\n  account_id: \"123456789012\"\n  bucket: workload-id-demo\n",
    )
    .expect("write");
    let authority = demo.proxy.authority();
    let output = wi_aws(
        &[
            "render",
            "--answers-file",
            "answers.yaml",
            "--proxy",
            &authority,
            "--ca-file",
            "ca.pem",
            "--out",
            "out",
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let saved = fs::read_to_string(dir.path().join("out/answers.yaml")).expect("saved answers");
    let last = demo.proxy.served_chain.last().expect("chain");
    assert!(
        saved.contains(&wi_aws::domain::thumbprint::of_certificate(last)),
        "{saved}"
    );
    assert!(
        saved.contains(&format!(
            "cluster_name: {}",
            wi_aws::discover::demo::DEMO_CLUSTER_NAME
        )),
        "{saved}"
    );
    assert!(saved.contains(&format!("proxy: {authority}")), "{saved}");
    // A demo proxy listens on a port other than 443, which AWS cannot use: said, not hidden.
    assert!(
        text(&output.stderr).contains("carries port"),
        "{}",
        text(&output.stderr)
    );
}

/// Renders minimal answers against the running demo proxy into `dir/out`.
fn render_against_demo(dir: &Path, demo: &RunningDemo) {
    fs::write(
        dir.join("answers.yaml"),
        "version: 1\nteleport:\n  spiffe_path: /svc/example-service\n  bot: my-bot\naws:\n  account_id: \"123456789012\"\n  bucket: workload-id-demo\n",
    )
    .expect("write");
    let output = wi_aws(
        &[
            "render",
            "--answers-file",
            "answers.yaml",
            "--proxy",
            &demo.proxy.authority(),
            "--ca-file",
            "ca.pem",
            "--out",
            "out",
        ],
        dir,
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    assert!(
        text(&output.stdout).contains("checks passed"),
        "render runs verify: {}",
        text(&output.stdout)
    );
}

fn demo_token(demo: &RunningDemo, spiffe_path: &str, ttl: u64) -> String {
    let spiffe_id = format!(
        "spiffe://{}{spiffe_path}",
        wi_aws::discover::demo::DEMO_CLUSTER_NAME
    );
    demo.proxy
        .issuer
        .issue(
            &spiffe_id,
            "sts.amazonaws.com",
            std::time::Duration::from_secs(ttl),
        )
        .expect("token")
}

#[test]
fn verify_live_accepts_the_demo_proxys_real_token() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = demo_in(dir.path());
    render_against_demo(dir.path(), &demo);
    fs::write(
        dir.path().join("aws-jwt"),
        demo_token(&demo, "/svc/example-service", 3600),
    )
    .expect("write");
    let authority = demo.proxy.authority();
    let args = [
        "verify",
        "--token-file",
        "aws-jwt",
        "--proxy",
        &authority,
        "--ca-file",
        "ca.pem",
        "--out",
        "out",
    ];
    let output = wi_aws(&args, dir.path());
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        text(&output.stderr)
    );
    assert!(stdout.contains("✓ discovery issuer"), "{stdout}");
    assert!(stdout.contains("✓ trust policy "), "{stdout}");

    // The same with the JWKS from a file and JSON output.
    let jwks = serde_json::to_string(&demo.proxy.issuer.jwks()).expect("JSON");
    fs::write(dir.path().join("jwks.json"), jwks).expect("write");
    let output = wi_aws(
        &[
            "verify",
            "--token-file",
            "aws-jwt",
            "--jwks",
            "jwks.json",
            "--out",
            "out",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert!(
        report["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .all(|c| c["status"] != "fail")
    );
}

#[test]
fn verify_live_explains_bad_real_tokens() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = demo_in(dir.path());
    render_against_demo(dir.path(), &demo);
    let authority = demo.proxy.authority();
    let run = |token: &str| {
        fs::write(dir.path().join("token"), token).expect("write");
        let output = wi_aws(
            &[
                "verify",
                "--token-file",
                "token",
                "--proxy",
                &authority,
                "--ca-file",
                "ca.pem",
                "--out",
                "out",
            ],
            dir.path(),
        );
        (output.status.code(), text(&output.stdout))
    };
    let (code, stdout) = run(&demo_token(&demo, "/svc/example-service", 0).replace("\n", ""));
    // A token whose exp is now is within the 5-minute leeway: a warning, not a failure.
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("! expiry"), "{stdout}");
    let (code, stdout) = run(&demo_token(&demo, "/svc/other", 3600));
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains("✗ trust policy ") && stdout.contains("AccessDenied"),
        "{stdout}"
    );
    let (code, stdout) = run("this is not a token");
    assert_eq!(code, Some(1));
    assert!(stdout.contains("not a valid JWT"), "{stdout}");
    let stranger =
        wi_aws::domain::jwt_svid::Issuer::generate(demo.proxy.issuer.issuer_url()).expect("issuer");
    let (code, stdout) = run(&stranger
        .issue(
            "spiffe://demo.wi-aws.invalid/svc/example-service",
            "sts.amazonaws.com",
            std::time::Duration::from_secs(60),
        )
        .expect("token"));
    assert_eq!(code, Some(1));
    assert!(stdout.contains("is not in the issuer's JWKS"), "{stdout}");

    let missing = wi_aws(
        &[
            "verify",
            "--token-file",
            "nope",
            "--proxy",
            &authority,
            "--ca-file",
            "ca.pem",
        ],
        dir.path(),
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stdout).contains("cannot read nope"));
}

#[test]
fn verify_live_catches_a_discovery_issuer_that_is_not_the_provider() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = demo_in(dir.path());
    render_against_demo(dir.path(), &demo);
    let moved = running_demo(
        &dir.path().join("ca2.pem"),
        wi_aws::discover::demo::DemoOptions {
            issuer_override: Some("https://moved.example.com/workload-identity".into()),
            ..Default::default()
        },
    );
    let token = moved
        .proxy
        .issuer
        .issue(
            "spiffe://demo.wi-aws.invalid/svc/example-service",
            "sts.amazonaws.com",
            std::time::Duration::from_secs(600),
        )
        .expect("token");
    fs::write(dir.path().join("token"), token).expect("write");
    let output = wi_aws(
        &[
            "verify",
            "--token-file",
            "token",
            "--proxy",
            &moved.proxy.authority(),
            "--ca-file",
            "ca2.pem",
            "--out",
            "out",
        ],
        dir.path(),
    );
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("✗ discovery issuer"), "{stdout}");
    assert!(stdout.contains("No OpenIDConnect provider found in your account for https://moved.example.com/workload-identity"), "{stdout}");
}

#[test]
fn verify_without_rendered_files_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = wi_aws(&["verify", "--out", "nothing-here"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("render the artifacts first"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn a_second_run_into_a_locked_directory_says_who_holds_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::create_dir_all(dir.path().join("out")).expect("mkdir");
    let held = fs::File::open(dir.path().join("out")).expect("open");
    fs4::FileExt::try_lock(&held).expect("lock");
    let output = wi_aws(&["--answers-file", &example(), "--out", "out"], dir.path());
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "is being written by process {}",
            std::process::id()
        )),
        "{stderr}"
    );
    assert!(paths_under(&dir.path().join("out")).is_empty());
    drop(held);
    let output = wi_aws(&["--answers-file", &example(), "--out", "out"], dir.path());
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn temporary_files_left_by_a_killed_run_are_cleaned_up() {
    let dir = tempfile::tempdir().expect("temp dir");
    let stale = dir.path().join("out/terraform/.wi-aws-Ab12Cd");
    fs::create_dir_all(stale.parent().expect("parent")).expect("mkdir");
    fs::write(&stale, "half a main.tf").expect("write");
    let output = wi_aws(
        &["--answers-file", &example(), "--out", "out", "--no-verify"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(!stale.exists());
    assert_eq!(paths_under(&dir.path().join("out")).len(), 15);
}

#[test]
fn a_write_that_fails_half_way_changes_no_file_and_says_which_failed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let render = |shell_prefix: &str| {
        Command::new("bash")
            .arg("-c")
            .arg(format!(
                "{shell_prefix} exec \"$0\" --answers-file \"$1\" --out out --no-verify"
            ))
            .arg(env!("CARGO_BIN_EXE_wi-aws"))
            .arg(example())
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .output()
            .expect("bash runs")
    };
    assert_eq!(render("").status.code(), Some(0));
    // Keep the large files (unchanged, so not written again); the rest are written anew
    // under a 1 KiB file size limit, which NEXT-STEPS.md (about 3 KiB) exceeds, as a full disk.
    const LARGE: [&str; 4] = [
        "aws-cli/setup.sh",
        "aws-cli/teardown.sh",
        "teleport/teardown.sh",
        "terraform/main.tf",
    ];
    for file in paths_under(&dir.path().join("out")) {
        if !LARGE.contains(&file.as_str()) {
            fs::remove_file(dir.path().join("out").join(&file)).expect("remove");
        }
    }
    let output = render("ulimit -f 1; trap '' XFSZ;");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("out/NEXT-STEPS.md"), "{stderr}");
    assert!(stderr.contains("Nothing was written."), "{stderr}");
    // Every file is staged before any is renamed: the smaller files that fitted were not put
    // in place either, and the ones kept are as they were.
    assert_eq!(paths_under(&dir.path().join("out")), LARGE);
    // No temporary file is left behind.
    assert!(
        paths_under(&dir.path().join("out"))
            .iter()
            .all(|p| !p.contains(".wi-aws-"))
    );
    // Into a new directory: the directories made for the set are taken away again, so the
    // output directory is as empty as it was.
    let fresh = render("ulimit -f 1; trap '' XFSZ; mkdir fresh; cd fresh;");
    assert_eq!(fresh.status.code(), Some(1), "{}", text(&fresh.stderr));
    let left: Vec<_> = fs::read_dir(dir.path().join("fresh/out"))
        .expect("the output directory")
        .map(|entry| entry.expect("entry").file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// What bash completes for `words`, with the script `wi-aws completions bash` prints.
fn bash_completes(dir: &Path, words: &[&str]) -> String {
    let script = wi_aws(&["completions", "bash"], dir);
    assert!(script.status.success(), "{}", text(&script.stderr));
    fs::write(dir.join("wi-aws.bash"), &script.stdout).expect("write");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let (cur, prev) = (words[words.len() - 1], words[words.len() - 2]);
    let program = format!(
        "source ./wi-aws.bash; COMP_WORDS=({}); COMP_CWORD={}; _wi__aws wi-aws '{cur}' '{prev}'; echo \"${{COMPREPLY[*]}}\"",
        quoted.join(" "),
        words.len() - 1
    );
    let output = Command::new("bash")
        .arg("-c")
        .arg(program)
        .current_dir(dir)
        .output()
        .expect("bash runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout).trim().to_owned()
}

#[test]
fn bash_completes_subcommands_and_their_options() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert_eq!(bash_completes(dir.path(), &["wi-aws", "do"]), "doctor");
    assert_eq!(
        bash_completes(dir.path(), &["wi-aws", "doctor", "--wo"]),
        "--workload"
    );
    assert_eq!(
        bash_completes(dir.path(), &["wi-aws", "verify", "--tok"]),
        "--token-file"
    );
    assert_eq!(
        bash_completes(dir.path(), &["wi-aws", "completions", "z"]),
        "zsh"
    );
    for shell in ["zsh", "fish", "powershell"] {
        let script = wi_aws(&["completions", shell], dir.path());
        assert!(script.status.success());
        let script = text(&script.stdout);
        assert!(
            script.contains("doctor") && script.contains("workload"),
            "{shell}"
        );
    }
    let unknown = wi_aws(&["completions", "tcsh"], dir.path());
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn the_manual_page_renders_with_every_command_and_the_exit_codes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = wi_aws(&["man"], dir.path());
    assert!(page.status.success());
    fs::write(dir.path().join("wi-aws.1"), &page.stdout).expect("write");
    let rendered = Command::new("man")
        .args(["-l", "wi-aws.1"])
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .current_dir(dir.path())
        .output();
    // Without man(1), the roff itself is checked.
    let shown = match rendered {
        Ok(output) if output.status.success() => text(&output.stdout),
        _ => text(&page.stdout).replace("\\-", "-"),
    };
    // man justifies its lines: two spaces may stand between any two words.
    let shown = shown.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "wi-aws",
        "doctor",
        "migrate",
        "completions",
        "Exit codes",
        "NO_COLOR",
    ] {
        assert!(
            shown.contains(expected),
            "{expected} not in the manual:\n{shown}"
        );
    }
}

#[test]
fn render_install_profile_merges_every_workloads_profile() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config");
    fs::write(&config, "[profile mine]\nregion = eu-west-1\n").expect("write");
    let render = |answers: &str| {
        Command::new(env!("CARGO_BIN_EXE_wi-aws"))
            .args([
                "--answers-file",
                answers,
                "--out",
                "out",
                "--install-profile",
            ])
            .current_dir(dir.path())
            .env("AWS_CONFIG_FILE", &config)
            .output()
            .expect("runs")
    };
    let fleet = repo_path("examples/fleet.yaml").display().to_string();
    let output = render(&fleet);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let merged = fs::read_to_string(&config).expect("read");
    assert!(
        merged.starts_with("[profile mine]\nregion = eu-west-1\n"),
        "{merged}"
    );
    for profile in ["svc-reports-writer", "svc-reports-reader", "svc-billing"] {
        assert!(
            merged.contains(&format!("[profile {profile}]\n")),
            "{merged}"
        );
    }
    assert!(dir.path().join("config.wi-aws-backup").exists());
    // Again: every block unchanged, the file untouched.
    let output = render(&fleet);
    assert_eq!(
        text(&output.stdout).matches("unchanged: profile").count(),
        3
    );
    assert_eq!(fs::read_to_string(&config).expect("read"), merged);
}

/// Ctrl-C while a fleet's files are staged: the process exits as a shell reports SIGINT, and
/// leaves no temporary file or staged directory behind, nor a file put in place.
#[test]
fn a_signal_while_writing_removes_what_was_staged() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("fleet.yaml"), common::numbered_fleet(1000)).expect("write");
    let out = dir.path().join("out");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wi-aws"))
        .args(["--answers-file", "fleet.yaml", "--out", "out"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("binary runs");
    let staged = |dir: &Path| {
        fs::read_dir(dir).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|entry| entry.file_name().to_string_lossy().starts_with(".wi-aws-"))
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !staged(&out) {
        assert!(
            std::time::Instant::now() < deadline && child.try_wait().expect("wait").is_none(),
            "nothing was staged in {}",
            out.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    // SAFETY: kill only sends a signal to the child this test started and has not reaped.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("stopped by signal 2"),
        "{}",
        text(&output.stderr)
    );
    let left: Vec<String> = files_under(&out)
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    assert!(!staged(&out), "{left:?}");
    assert!(left.is_empty(), "put in place or left behind: {left:?}");
}
