//! Every command that prints, with its stdout a pipe whose reader has already gone (as after
//! `| head -1`): no panic text, the run goes to its end (a render writes its whole set) and
//! the exit code is the one the run has with a reader (0 when it passed, 1 when a check
//! failed).

mod common;

use common::{repo_path, running_demo, text};
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs wi-aws in `dir` with stdout a pipe nobody reads: its read end is closed before the
/// process starts, so the first write already fails.
fn with_closed_stdout(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let output = Command::new(env!("CARGO_BIN_EXE_wi-aws"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("binary runs");
    (output.status.code(), text(&output.stderr))
}

fn assert_quiet(what: &str, code: Option<i32>, stderr: &str, expected: i32) {
    assert_eq!(code, Some(expected), "{what}: {stderr}");
    for noise in ["panicked", "Broken pipe", "failed printing", "cannot write"] {
        assert!(!stderr.contains(noise), "{what} says {noise:?}: {stderr}");
    }
}

#[test]
fn every_printing_command_stops_quietly_with_its_own_exit_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    let example = repo_path("examples/answers.yaml").display().to_string();
    let fleet = repo_path("examples/fleet.yaml").display().to_string();
    let ok: &[&[&str]] = &[
        &["--answers-file", &example, "--out", "out"],
        &["render", "--answers-file", &fleet, "--out", "fleet"],
        &[
            "render",
            "--answers-file",
            &example,
            "--out",
            "out",
            "--dry-run",
        ],
        &["verify", "--out", "out"],
        &["verify", "--out", "fleet", "--json"],
        &["migrate", &example],
        &["schema"],
        &["man"],
        &["completions", "bash"],
        &["--help"],
        &["render", "--help"],
        &["--version"],
    ];
    for args in ok {
        let (code, stderr) = with_closed_stdout(args, dir.path(), &[]);
        assert_quiet(&args.join(" "), code, &stderr, 0);
    }
    // The renders went to their end: every file of each set is there, and a rerun (with a
    // reader) finds each unchanged.
    for (out, answers, files) in [("out", &example, 15), ("fleet", &fleet, 29)] {
        let rerun = common::run_wi_aws(
            &["--answers-file", answers, "--out", out, "--no-verify"],
            dir.path(),
        );
        let stdout = text(&rerun.stdout);
        assert_eq!(
            stdout
                .lines()
                .filter(|l| l.starts_with("unchanged"))
                .count(),
            files,
            "{stdout}"
        );
    }

    // A failing verify keeps its exit code 1 without a reader.
    let policy = dir.path().join("out/iam/trust-policy.json");
    let text_now = std::fs::read_to_string(&policy).expect("read");
    std::fs::write(
        &policy,
        text_now.replace("svc/example-service\"", "svc/other\""),
    )
    .expect("write");
    let (code, stderr) = with_closed_stdout(&["verify", "--out", "out"], dir.path(), &[]);
    assert_quiet("failing verify", code, &stderr, 1);
    // Bad input keeps its 2, and says so on stderr.
    let (code, stderr) = with_closed_stdout(&["verify", "--out", "missing"], dir.path(), &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("missing"), "{stderr}");
}

#[test]
fn profile_discover_and_doctor_stop_quietly_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let example = repo_path("examples/answers.yaml").display().to_string();
    let rendered = common::run_wi_aws(
        &["--answers-file", &example, "--out", "out", "--no-verify"],
        dir.path(),
    );
    assert!(rendered.status.success(), "{}", text(&rendered.stderr));
    let config = dir.path().join("aws-config").display().to_string();
    for verb in ["install", "remove"] {
        let args = ["profile", verb, "--out", "out", "--aws-config", &config];
        let (code, stderr) = with_closed_stdout(&args, dir.path(), &[]);
        assert_quiet(&format!("profile {verb}"), code, &stderr, 0);
    }
    // The install and the removal both happened: the file is back to no block at all.
    let left = std::fs::read_to_string(&config).expect("the config file");
    assert!(!left.contains("BEGIN wi-aws"), "{left}");

    let ca = dir.path().join("ca.pem");
    let demo = running_demo(&ca, wi_aws::discover::demo::DemoOptions::default());
    let authority = demo.proxy.authority();
    let discover = ["discover", "--proxy", &authority, "--ca-file", "ca.pem"];
    let (code, stderr) = with_closed_stdout(&discover, dir.path(), &[]);
    assert_quiet("discover", code, &stderr, 0);

    // doctor with nothing answering: its failures keep exit 1.
    let doctor = [
        "doctor",
        "--out",
        "out",
        "--proxy",
        "127.0.0.1:1",
        "--timeout",
        "2",
        "--endpoint-url",
        "http://127.0.0.1:1",
    ];
    let (code, stderr) = with_closed_stdout(&doctor, dir.path(), &common::OFFLINE_AWS_ENV);
    assert_quiet("doctor", code, &stderr, 1);
}

/// Output lost for another reason than a reader that left (a full disk) is a failure that
/// says so, once.
#[test]
fn stdout_on_a_full_device_is_a_failure_that_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let output = Command::new(env!("CARGO_BIN_EXE_wi-aws"))
        .arg("schema")
        .current_dir(dir.path())
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .expect("binary runs");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.trim(),
        "wi-aws: cannot write to standard output: No space left on device (os error 28)"
    );
}

/// The demo proxy keeps serving with its stdout gone, and stops on Ctrl-C as it does with a
/// reader.
#[test]
fn the_demo_proxy_serves_on_without_a_reader() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let mut child = Command::new(env!("CARGO_BIN_EXE_wi-aws"))
        .args([
            "demo-proxy",
            "--listen",
            "127.0.0.1:0",
            "--ca-out",
            "ca.pem",
        ])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let ca = dir.path().join("ca.pem");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !ca.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(ca.exists(), "the demo proxy wrote no CA");
    // It printed its banner into the closed pipe by now; it must still be running.
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(child.try_wait().expect("wait").is_none(), "it stopped");
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let output = child.wait_with_output().expect("waits");
    let stderr = text(&output.stderr);
    assert_quiet("demo-proxy", output.status.code(), &stderr, 0);
}
