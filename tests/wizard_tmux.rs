//! The real binary on a real terminal: `wi-aws --plain --demo` driven through tmux with the
//! guide's example answers, then compared with `wi-aws render` of the answers it saved.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let output = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-J", "-S", "-400", "-t", "wizard"])
    }

    /// Waits until `text` is on screen; panics with the screen after `limit`.
    fn wait_for(&self, text: &str, limit: Duration) {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.screen().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "{text:?} did not appear within {limit:?}; the screen:\n{}",
            self.screen()
        );
    }

    /// Answers the prompt whose label is `label`: waits for it, types `keys` and Enter.
    fn answer(&self, label: &str, keys: &[&str]) {
        self.wait_for(&format!("? {label}"), Duration::from_secs(20));
        for key in keys {
            self.run(&["send-keys", "-t", "wizard", key]);
        }
        self.run(&["send-keys", "-t", "wizard", "Enter"]);
        // The prompt is redrawn as answered ("> label ...") before the next one.
        self.wait_for(&format!("> {label}"), Duration::from_secs(20));
    }
}

impl Tmux {
    /// `wi-aws --plain --demo --out wizard-out` in a detached session in `dir`; the shell then
    /// prints the exit code as WIZARD-EXIT=N.
    fn start_wizard(name: &str, dir: &Path) -> Self {
        Self::start(name, dir, "--plain --demo --out wizard-out", (160, 50))
    }

    /// `wi-aws ARGS` on a terminal of `size` columns × rows.
    fn start(name: &str, dir: &Path, args: &str, size: (u16, u16)) -> Self {
        let binary = env!("CARGO_BIN_EXE_wi-aws");
        Self::start_command(name, dir, &format!("{binary} {args}"), size)
    }

    /// `wi-aws --demo --out wizard-out`, full-screen at 80×24, once the proxy has answered.
    fn start_tui(name: &str, dir: &Path) -> Self {
        let tmux = Self::start(name, dir, "--demo --out wizard-out", (80, 24));
        tmux.wait_for("✓ 127.0.0.1:", Duration::from_secs(20));
        tmux
    }

    fn start_command(name: &str, dir: &Path, command: &str, size: (u16, u16)) -> Self {
        let tmux = Tmux {
            socket: format!("wi-aws-test-{name}-{}", std::process::id()),
        };
        let command = format!("{command}; echo WIZARD-EXIT=$?; sleep 60");
        let (width, height) = (size.0.to_string(), size.1.to_string());
        let dir = dir.display().to_string();
        tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "wizard",
            "-x",
            &width,
            "-y",
            &height,
            "-c",
            &dir,
            &command,
        ]);
        tmux
    }
}

impl Tmux {
    fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.run(&["send-keys", "-t", "wizard", key]);
        }
    }

    fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", "wizard", "-l", text]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

#[test]
fn the_plain_wizard_in_demo_mode_writes_what_render_writes() {
    if !tmux_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let tmux = Tmux::start_wizard("write", dir.path());

    // The guide's example, where the demo does not fix the answer (proxy, cluster, thumbprint).
    tmux.answer("Teleport proxy public address", &[]);
    tmux.wait_for("Found 127.0.0.1:", Duration::from_secs(20));
    tmux.answer("Cluster name (SPIFFE trust domain)", &[]);
    tmux.answer("Teleport version", &[]);
    tmux.answer("Route to AWS", &[]);
    tmux.answer("SPIFFE ID path of the workload", &[]);
    tmux.answer("TLS thumbprints of the proxy", &[]);
    tmux.answer("AWS partition", &[]);
    tmux.answer("AWS account ID", &[]);
    tmux.answer("AWS region", &[]);
    tmux.answer("OIDC provider", &[]);
    tmux.answer("S3 bucket name", &[]);
    tmux.answer("Create the bucket?", &[]);
    tmux.answer("Access to the bucket", &["Up", "Up"]);
    tmux.answer("Your own policy file (optional)", &[]);
    tmux.answer("IAM policy name", &["workload-id-s3-full-access"]);
    tmux.answer("IAM role name", &["workload-id-demo"]);
    tmux.answer("IAM role path", &[]);
    tmux.answer("AWS CLI profile name", &[]);
    tmux.answer("Role session name (optional)", &[]);
    tmux.answer("Permissions boundary ARN (optional)", &[]);
    tmux.answer("Managed policies to attach (optional)", &[]);
    tmux.answer("Role's longest session, seconds (optional)", &[]);
    tmux.answer("Tags for everything created (optional)", &[]);
    // Not asked: the demo proxy's version decided the API generation.
    tmux.answer("workload_identity resource name", &[]);
    tmux.answer("Teleport role name", &["my-workload-aws"]);
    tmux.answer("Bot name", &[]);
    tmux.answer("How the Teleport side is written", &[]);
    tmux.answer("tbot output directory", &[]);
    tmux.answer("JWT SVID lifetime", &[]);
    tmux.answer("tbot renewal interval", &[]);
    tmux.answer("JWT audience", &[]);
    tmux.answer("Where the workload runs", &[]);
    tmux.answer("Add another workload?", &[]);
    tmux.wait_for("Write 15 files to wizard-out?", Duration::from_secs(20));
    tmux.run(&["send-keys", "-t", "wizard", "y", "Enter"]);
    // Once written it offers the profile for ~/.aws/config: no is the default.
    tmux.answer("Also put the AWS profile into", &[]);
    tmux.wait_for("WIZARD-EXIT=", Duration::from_secs(30));
    let screen = tmux.screen();
    assert!(screen.contains("WIZARD-EXIT=0"), "{screen}");
    assert!(screen.contains("✓ trust policy "), "{screen}");
    assert!(screen.contains("> Access to the bucket full"), "{screen}");
    assert!(
        screen.contains("Teleport API: workload-identity (Teleport 18.3.0 is 17.2.7 or later)"),
        "{screen}"
    );

    assert_replays(dir.path());
}

/// The Roles Anywhere route in the demo: chosen early, the thumbprint never asked, the SPIFFE
/// CA filled from the demo proxy's bundle, no second workload offered; the ARNs a real apply
/// assigns are simulated (and said so), so the files are complete and verify passes.
#[test]
fn the_plain_wizard_in_demo_mode_on_roles_anywhere_passes_verify() {
    if !tmux_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let tmux = Tmux::start_wizard("ra", dir.path());
    tmux.answer("Teleport proxy public address", &[]);
    tmux.wait_for("Found 127.0.0.1:", Duration::from_secs(20));
    tmux.answer("Cluster name (SPIFFE trust domain)", &[]);
    tmux.answer("Teleport version", &[]);
    tmux.answer("Route to AWS", &["Down"]);
    for label in [
        "SPIFFE ID path of the workload",
        "AWS partition",
        "AWS account ID",
        "AWS region",
        "S3 bucket name",
        "Create the bucket?",
        "Access to the bucket",
        "Your own policy file (optional)",
        "IAM policy name",
        "IAM role name",
        "IAM role path",
        "AWS CLI profile name",
        "Permissions boundary ARN (optional)",
        "Managed policies to attach (optional)",
        "Role's longest session, seconds (optional)",
        "Tags for everything created (optional)",
        "Roles Anywhere trust anchor",
        "Trust anchor name",
        "Trust anchor ARN",
        "SPIFFE CA bundle (PEM)",
        "Roles Anywhere profile name",
        "Roles Anywhere profile ARN",
        "Profile session duration (seconds)",
        "workload_identity resource name",
        "Teleport role name",
        "Bot name",
        "How the Teleport side is written",
        "tbot output directory",
        "AWS session duration",
        "Session renewal interval",
        "Profile in the credentials file",
        "Where the workload runs",
        "Add another workload?",
    ] {
        tmux.answer(label, &[]);
    }
    tmux.wait_for("Write 16 files to wizard-out?", Duration::from_secs(20));
    tmux.run(&["send-keys", "-t", "wizard", "y", "Enter"]);
    tmux.answer("Also put the AWS profile into", &[]);
    tmux.wait_for("WIZARD-EXIT=", Duration::from_secs(30));
    let screen = tmux.screen();
    assert!(screen.contains("WIZARD-EXIT=0"), "{screen}");
    assert!(
        screen.contains("DEMO: the ARNs a real apply would assign are simulated"),
        "{screen}"
    );
    assert!(screen.contains("all 20 checks passed"), "{screen}");
    assert!(!screen.contains("TLS thumbprints of the proxy"), "{screen}");
    let saved = std::fs::read_to_string(dir.path().join("wizard-out/answers.yaml")).expect("saved");
    assert!(saved.contains("route: roles-anywhere"), "{saved}");
    assert!(saved.contains("BEGIN CERTIFICATE"), "{saved}");
}

/// The files the wizard wrote to `wizard-out` are exactly what `render` makes of the answers it
/// saved there, which are the guide's typed ones.
fn assert_replays(dir: &Path) {
    let wizard_out = dir.join("wizard-out");
    let saved = std::fs::read_to_string(wizard_out.join("answers.yaml")).expect("answers saved");
    for typed in [
        "role_name: workload-id-demo",
        "access: full",
        "policy_name: workload-id-s3-full-access",
        "role: my-workload-aws",
    ] {
        assert!(saved.contains(typed), "{typed:?} not in\n{saved}");
    }
    let render = common::run_wi_aws(
        &[
            "render",
            "--answers-file",
            "wizard-out/answers.yaml",
            "--out",
            "render-out",
            "--no-verify",
        ],
        dir,
    );
    assert!(
        render.status.success(),
        "{}",
        String::from_utf8_lossy(&render.stderr)
    );
    assert_eq!(
        common::files_under(&wizard_out),
        common::files_under(&dir.join("render-out"))
    );
}

fn tmux_or_skip() -> bool {
    if Command::new("tmux").arg("-V").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must run the tmux tests: .ci/run installs tmux"
    );
    eprintln!("tmux is not installed: skipping the terminal test");
    false
}

#[test]
fn leaving_the_wizard_writes_nothing_and_saves_the_answers_on_request() {
    if !tmux_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let tmux = Tmux::start_wizard("leave", dir.path());
    tmux.answer("Teleport proxy public address", &[]);
    tmux.wait_for("? Cluster name", Duration::from_secs(20));
    tmux.run(&["send-keys", "-t", "wizard", "Escape"]);
    tmux.wait_for("Save the answers given so far", Duration::from_secs(10));
    tmux.run(&["send-keys", "-t", "wizard", "y", "Enter"]);
    tmux.wait_for("WIZARD-EXIT=", Duration::from_secs(10));
    let screen = tmux.screen();
    assert!(screen.contains("WIZARD-EXIT=130"), "{screen}");
    assert!(screen.contains("no artifact was written"), "{screen}");
    assert!(!dir.path().join("wizard-out").exists());
    let saved = std::fs::read_to_string(dir.path().join("wi-aws-answers.partial.yaml"))
        .expect("partial answers saved");
    let (fleet, problems) = wi_aws::answers::FleetAnswers::from_yaml(&saved);
    let answers = fleet.shared;
    assert!(problems.is_empty(), "{problems:?}");
    assert!(
        answers
            .text(wi_aws::answers::steps::FieldId::Proxy)
            .is_some_and(|p| p.starts_with("127.0.0.1:"))
    );
}

#[test]
fn without_a_terminal_the_wizard_refuses_at_once() {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_wi-aws"))
        .arg("--plain")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("binary runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("render --answers-file"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn the_full_screen_wizard_in_demo_mode_writes_what_render_writes() {
    if !tmux_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    // Discovery runs in the background and fills the cluster name and the thumbprint.
    let tmux = Tmux::start_tui("tui", dir.path());
    let wait = |text: &str| tmux.wait_for(text, Duration::from_secs(20));
    tmux.keys(&["Enter"]);
    wait("spiffe://demo.wi-aws.invalid/svc/example-service");
    tmux.keys(&["Enter"]);
    wait("◂ the TLS chain's (AWS's rule) ▸");
    tmux.keys(&["Enter"]);
    wait("4/11 AWS");
    // The guide's answers where the defaults differ: access full, its policy and role names.
    tmux.keys(&["Tab", "Tab", "Tab", "Tab", "Tab", "Tab", "Left", "Left"]);
    wait("◂ full ▸");
    tmux.keys(&["Tab", "Tab"]); // past the policy file: none
    tmux.type_text("workload-id-s3-full-access");
    tmux.keys(&["Tab"]);
    tmux.type_text("workload-id-demo");
    wait("workload-id-demo (default)");
    tmux.keys(&["Enter"]);
    wait("5/11 Teleport");
    // The demo announces a current Teleport: the generation is decided, not asked.
    wait("Generation workload-identity (Teleport 18.3.0 is 17.2.7 or");
    tmux.keys(&["Tab"]);
    tmux.type_text("my-workload-aws");
    tmux.keys(&["Enter"]);
    wait("6/11 tbot");
    tmux.keys(&["Enter"]);
    // One workload: the list says how to add another, and Enter goes on to the review.
    wait("7/11 Workloads");
    wait("Press a to add another");
    tmux.keys(&["Enter"]);
    wait("+15 new");
    wait("Teleport API workload-identity (Teleport 18.3.0 is 17.2.7");
    tmux.keys(&["Enter"]);
    wait("Write 15 files to wizard-out?");
    tmux.keys(&["Enter"]);
    wait("checks passed");
    let screen = tmux.screen();
    assert!(
        screen.contains("10/11 Verify") && !screen.contains("✗"),
        "{screen}"
    );
    tmux.keys(&["Enter"]);
    wait("11/11 Done");
    tmux.keys(&["Enter"]);
    wait("WIZARD-EXIT=");
    let screen = tmux.screen();
    // The terminal is back to normal: the closing words are on the shell's screen.
    assert!(screen.contains("WIZARD-EXIT=0"), "{screen}");
    assert!(screen.contains("every verify check passed"), "{screen}");
    assert_replays(dir.path());
}

#[test]
fn the_full_screen_wizard_asks_before_losing_answers_and_saves_them() {
    if !tmux_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let tmux = Tmux::start_tui("tui-leave", dir.path());
    // It follows the terminal's size, down to a note when too small, and back.
    tmux.run(&["resize-window", "-t", "wizard", "-x", "50", "-y", "12"]);
    tmux.wait_for(
        "needs a terminal of at least 60×16",
        Duration::from_secs(10),
    );
    tmux.run(&["resize-window", "-t", "wizard", "-x", "80", "-y", "24"]);
    tmux.wait_for("1/11 Cluster", Duration::from_secs(10));
    tmux.keys(&["Enter", "BSpace"]);
    tmux.wait_for("2/11 SPIFFE ID", Duration::from_secs(10));
    tmux.keys(&["C-c"]);
    tmux.wait_for("Leave the wizard?", Duration::from_secs(10));
    tmux.keys(&["s"]);
    tmux.wait_for("WIZARD-EXIT=", Duration::from_secs(10));
    let screen = tmux.screen();
    assert!(screen.contains("WIZARD-EXIT=130"), "{screen}");
    assert!(
        screen.contains("wi-aws --edit wi-aws-answers.partial.yaml"),
        "{screen}"
    );
    assert!(!dir.path().join("wizard-out").exists());
    let saved = std::fs::read_to_string(dir.path().join("wi-aws-answers.partial.yaml"))
        .expect("partial answers saved");
    assert!(
        saved.contains("spiffe_path: /svc/example-servic\n"),
        "{saved}"
    );
}

#[test]
fn a_dumb_terminal_gets_the_line_prompts() {
    if !tmux_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let binary = env!("CARGO_BIN_EXE_wi-aws");
    let tmux = Tmux::start_command(
        "dumb",
        dir.path(),
        &format!("env TERM=dumb {binary} --demo --out wizard-out"),
        (80, 24),
    );
    tmux.wait_for("? Teleport proxy public address", Duration::from_secs(20));
    assert!(!tmux.screen().contains("1/11 Cluster"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("Save the answers given so far", Duration::from_secs(10));
    tmux.keys(&["n", "Enter"]);
    tmux.wait_for("WIZARD-EXIT=130", Duration::from_secs(10));
}

#[test]
fn sigterm_restores_the_terminal_and_writes_nothing() {
    if !tmux_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let tmux = Tmux::start_tui("tui-term", dir.path());
    tmux.signal_wizard("TERM");
    tmux.wait_for("WIZARD-EXIT=", Duration::from_secs(10));
    let screen = tmux.screen();
    assert!(screen.contains("WIZARD-EXIT=130"), "{screen}");
    assert!(screen.contains("no artifact was written"), "{screen}");
    // Back on the normal screen, not the wizard's.
    assert!(!screen.contains("1/11 Cluster"), "{screen}");
    assert!(!dir.path().join("wizard-out").exists());
}

impl Tmux {
    /// The wizard's process: the child of the pane's shell.
    fn wizard_pid(&self) -> String {
        let shell = self.run(&["list-panes", "-t", "wizard", "-F", "#{pane_pid}"]);
        let wizard = Command::new("pgrep")
            .args(["-P", shell.trim()])
            .output()
            .expect("pgrep runs");
        let pid = String::from_utf8_lossy(&wizard.stdout).trim().to_owned();
        assert!(!pid.is_empty(), "no wizard process under the pane's shell");
        pid
    }

    fn signal_wizard(&self, signal: &str) {
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &self.wizard_pid()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
    }
}

/// `wi-aws ARGS` with its own TMPDIR, then the terminal's mode as the shell sees it afterwards
/// (`STTY=icanon` when restored, `STTY=-icanon` when left raw).
fn start_with_private_tmp(name: &str, dir: &Path, args: &str, size: (u16, u16)) -> Tmux {
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).expect("mkdir");
    let binary = env!("CARGO_BIN_EXE_wi-aws");
    let command = format!(
        "env TMPDIR={} {binary} {args}; code=$?; stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon' | sed 's/^/STTY=/'; (exit $code)",
        tmp.display()
    );
    Tmux::start_command(name, dir, &command, size)
}

#[test]
fn signals_from_outside_restore_the_terminal_and_remove_the_demo_ca() {
    if !tmux_or_skip() {
        return;
    }
    let tui = ("--demo --out wizard-out", "✓ 127.0.0.1:");
    let plain = (
        "--plain --demo --out wizard-out",
        "? Teleport proxy public address",
    );
    for (name, (args, ready), signal, code) in [
        ("sig-int-tui", tui, "INT", 130),
        ("sig-quit-tui", tui, "QUIT", 130),
        ("sig-int-plain", plain, "INT", 130),
        ("sig-quit-plain", plain, "QUIT", 131),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let tmux = start_with_private_tmp(name, dir.path(), args, (80, 24));
        tmux.wait_for(ready, Duration::from_secs(20));
        // The demo's CA is in the private TMPDIR while the wizard runs.
        let tmp = dir.path().join("tmp");
        assert_eq!(std::fs::read_dir(&tmp).expect("tmp").count(), 1, "{name}");
        tmux.signal_wizard(signal);
        tmux.wait_for("WIZARD-EXIT=", Duration::from_secs(10));
        let screen = tmux.screen();
        assert!(
            screen.contains(&format!("WIZARD-EXIT={code}")),
            "{name}: {screen}"
        );
        assert!(
            screen.contains("STTY=icanon"),
            "{name}: terminal left raw: {screen}"
        );
        assert!(!screen.contains("1/11 Cluster"), "{name}: {screen}");
        let left: Vec<_> = std::fs::read_dir(&tmp).expect("tmp").collect();
        assert!(left.is_empty(), "{name}: left behind {left:?}");
        assert!(!dir.path().join("wizard-out").exists());
    }
}

#[test]
fn a_closed_terminal_ends_both_wizards() {
    if !tmux_or_skip() {
        return;
    }
    for (name, args, ready) in [
        (
            "hup-plain",
            "--plain --demo --out wizard-out",
            "? Teleport proxy public address",
        ),
        ("hup-tui", "--demo --out wizard-out", "✓ 127.0.0.1:"),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let tmux = Tmux::start(name, dir.path(), args, (80, 24));
        tmux.wait_for(ready, Duration::from_secs(20));
        let pid = tmux.wizard_pid();
        // Closing the terminal: the server and its pane go, the wizard gets SIGHUP.
        tmux.run(&["kill-server"]);
        let started = Instant::now();
        let alive = || {
            Command::new("kill")
                .args(["-0", &pid])
                .status()
                .is_ok_and(|s| s.success())
        };
        while alive() && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(100));
        }
        let outlived = alive();
        if outlived {
            // Do not leave it spinning behind the test.
            let _ = Command::new("kill").args(["-9", &pid]).status();
        }
        assert!(!outlived, "{name}: the wizard {pid} outlived its terminal");
    }
}

/// The second workload a wizard added: its own files next to the first's, every check passed,
/// and `render` of the saved answers (version 2) makes the same files.
fn assert_fleet_of_two(dir: &Path, second: &str) {
    let out = dir.join("wizard-out");
    let saved = std::fs::read_to_string(out.join("answers.yaml")).expect("answers saved");
    let fleet = wi_aws::answers::fleet::from_answers_file(&saved).unwrap_or_else(|p| panic!("{p}"));
    let names: Vec<&str> = fleet.workloads.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["example-service", second], "{saved}");
    assert_eq!(
        fleet.workloads[1].plan.workload.spiffe_id.to_string(),
        "spiffe://demo.wi-aws.invalid/svc/second"
    );
    for file in [
        format!("iam/{second}/trust-policy.json"),
        format!("hosts/{second}/aws/config"),
        "iam/example-service/trust-policy.json".into(),
    ] {
        assert!(out.join(&file).is_file(), "no {file}");
    }
    let render = common::run_wi_aws(
        &[
            "render",
            "--answers-file",
            "wizard-out/answers.yaml",
            "--out",
            "render-out",
        ],
        dir,
    );
    assert!(render.status.success(), "{}", common::text(&render.stdout));
    assert!(common::text(&render.stdout).contains("all 2 workloads passed"));
    assert_eq!(
        common::files_under(&out),
        common::files_under(&dir.join("render-out"))
    );
}

#[test]
fn the_plain_wizard_adds_a_second_workload() {
    if !tmux_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    // The user's AWS config file, for the profile the wizard offers once it has written.
    let config = dir.path().join("aws-config");
    std::fs::write(&config, "[default]\nregion = eu-west-1\n").expect("write");
    let binary = env!("CARGO_BIN_EXE_wi-aws");
    let tmux = Tmux::start_command(
        "fleet",
        dir.path(),
        &format!(
            "env AWS_CONFIG_FILE={} {binary} --plain --demo --out wizard-out",
            config.display()
        ),
        (160, 50),
    );
    tmux.answer("Teleport proxy public address", &[]);
    tmux.wait_for("Found 127.0.0.1:", Duration::from_secs(20));
    for label in [
        "Cluster name (SPIFFE trust domain)",
        "Teleport version",
        "Route to AWS",
        "SPIFFE ID path of the workload",
        "TLS thumbprints of the proxy",
        "AWS partition",
        "AWS account ID",
        "AWS region",
        "OIDC provider",
        "S3 bucket name",
        "Create the bucket?",
        "Access to the bucket",
        "Your own policy file (optional)",
        "IAM policy name",
        "IAM role name",
        "IAM role path",
        "AWS CLI profile name",
        "Role session name (optional)",
        "Permissions boundary ARN (optional)",
        "Managed policies to attach (optional)",
        "Role's longest session, seconds (optional)",
        "Tags for everything created (optional)",
        "workload_identity resource name",
        "Teleport role name",
        "Bot name",
        "How the Teleport side is written",
        "tbot output directory",
        "JWT SVID lifetime",
        "tbot renewal interval",
        "JWT audience",
        "Where the workload runs",
    ] {
        tmux.answer(label, &[]);
    }
    tmux.answer("Add another workload?", &["y"]);
    // The first workload is named after its SPIFFE path; the second gets its own answers
    // (the cluster, account and provider are asked once, for both).
    tmux.answer("Workload name", &[]);
    tmux.wait_for("── Workload 2 ──", Duration::from_secs(10));
    tmux.answer("Workload name", &["second"]);
    tmux.answer("SPIFFE ID path of the workload", &["/svc/second"]);
    tmux.answer("S3 bucket name", &["second-bucket"]);
    for label in [
        "Create the bucket?",
        "Access to the bucket",
        "Your own policy file (optional)",
        "IAM policy name",
        "IAM role name",
        "IAM role path",
        "AWS CLI profile name",
        "Role session name (optional)",
        "Permissions boundary ARN (optional)",
        "Managed policies to attach (optional)",
        "Role's longest session, seconds (optional)",
        "workload_identity resource name",
        "Teleport role name",
    ] {
        tmux.answer(label, &[]);
    }
    tmux.answer("Bot name", &["second-bot"]);
    for label in [
        "tbot output directory",
        "JWT SVID lifetime",
        "tbot renewal interval",
    ] {
        tmux.answer(label, &[]);
    }
    tmux.wait_for("> tbot renewal interval", Duration::from_secs(10));
    tmux.wait_for("Add another workload?", Duration::from_secs(10));
    tmux.keys(&["n", "Enter"]);
    tmux.wait_for("Write 22 files to wizard-out?", Duration::from_secs(20));
    tmux.keys(&["y", "Enter"]);
    tmux.answer("Also put the AWS profile into", &["y"]);
    tmux.wait_for("WIZARD-EXIT=", Duration::from_secs(30));
    let screen = tmux.screen();
    assert!(screen.contains("WIZARD-EXIT=0"), "{screen}");
    assert!(screen.contains("all 2 workloads passed"), "{screen}");
    assert!(
        screen.contains("installed profile svc-second in"),
        "{screen}"
    );
    let merged = std::fs::read_to_string(&config).expect("read");
    assert!(
        merged.starts_with("[default]\nregion = eu-west-1\n"),
        "{merged}"
    );
    for profile in ["svc-example-service", "svc-second"] {
        assert!(
            merged.contains(&format!("# BEGIN wi-aws {profile}\n")),
            "{merged}"
        );
        assert!(
            merged.contains(&format!("[profile {profile}]\n")),
            "{merged}"
        );
    }
    assert_fleet_of_two(dir.path(), "second");
}

#[test]
fn the_full_screen_wizard_adds_a_second_workload() {
    if !tmux_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let tmux = Tmux::start_tui("tui-fleet", dir.path());
    let wait = |text: &str| tmux.wait_for(text, Duration::from_secs(20));
    for screen in [
        "2/11 SPIFFE ID",
        "3/11 Thumbprint",
        "4/11 AWS",
        "5/11 Teleport",
        "6/11 tbot",
    ] {
        tmux.keys(&["Enter"]);
        wait(screen);
    }
    tmux.keys(&["Enter"]);
    wait("7/11 Workloads");
    // `a` adds a workload and opens its questions, from its SPIFFE ID.
    tmux.keys(&["a"]);
    wait("2/11 SPIFFE ID — workload 2 of 2");
    tmux.type_text("/svc/second");
    wait("spiffe://demo.wi-aws.invalid/svc/second");
    tmux.keys(&["Enter"]);
    wait("3/11 Thumbprint");
    tmux.keys(&["Enter"]);
    wait("4/11 AWS — workload 2 of 2");
    // Its bucket is its own: empty until given (the cursor goes to it).
    tmux.keys(&["Enter"]);
    wait("S3 bucket name");
    tmux.type_text("second-bucket");
    tmux.keys(&["Enter"]);
    wait("5/11 Teleport — workload 2 of 2");
    tmux.keys(&["Enter"]);
    tmux.type_text("second-bot");
    tmux.keys(&["Enter"]);
    wait("6/11 tbot — workload 2 of 2");
    tmux.keys(&["Enter"]);
    wait("7/11 Workloads");
    wait("✓ second");
    wait("spiffe://demo.wi-aws.invalid/svc/second");
    tmux.keys(&["Enter"]);
    wait("+22 new");
    tmux.keys(&["Enter"]);
    wait("Write 22 files to wizard-out?");
    tmux.keys(&["Enter"]);
    wait("workloads passed");
    tmux.keys(&["Enter"]);
    wait("11/11 Done");
    tmux.keys(&["Enter"]);
    wait("WIZARD-EXIT=");
    let screen = tmux.screen();
    assert!(screen.contains("WIZARD-EXIT=0"), "{screen}");
    assert_fleet_of_two(dir.path(), "second");
}
