//! Command line: parse, run the chosen job, map every failure to a message and an exit code.

use crate::demo::{DemoOptions, DemoProxy, DemoSession};
use crate::discover;
use crate::plan::{self, Plan};
use crate::problem::Advice;
use crate::render::{self, Templates};
use crate::teleport::ProxyAddress;
use crate::write::{self, Outcome, WriteError};
use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit codes, as documented in `--help`.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILURE: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
    pub const WOULD_OVERWRITE: u8 = 3;
    /// The user left the wizard (Esc, Ctrl-C), as shells report SIGINT.
    pub const INTERRUPTED: u8 = 130;
}

const AFTER_HELP: &str = "\
Modes:
  wi-aws                          the full-screen wizard: asks, checks, writes, verifies
  wi-aws --demo                   the wizard against a local DEMO proxy
  wi-aws --edit F                 the wizard, starting from saved answers
  wi-aws --plain                  the wizard, one question per line (also when TERM=dumb)
  wi-aws --answers-file F         render every artifact, no prompts (CI)
  wi-aws render --answers-file F  the same, as a subcommand
    … --proxy HOST                with cluster name and thumbprint from the proxy
  wi-aws discover --proxy HOST    what the proxy says, checked as AWS would
  wi-aws verify [--out DIR]       prove the written files work together
  wi-aws demo-proxy               a local DEMO Teleport proxy to try all this

Artifacts written to DIR: terraform/main.tf, iam/trust-policy.json, iam/permissions-policy.json,
aws-cli/setup.sh, teleport/role.yaml, teleport/setup.sh, tbot/outputs.yaml, aws/config, aws/env,
NEXT-STEPS.md and answers.yaml (the normalized answers, for replay).

After writing, render runs `verify` on the files (unless --no-verify).

Exit codes: 0 success; 1 failure (I/O, network, or a verify check failed); 2 invalid answers
or usage, or no terminal for the wizard (nothing written); 3 an existing file differs and
--force was not given (nothing written); 130 the wizard was left (nothing written).

Environment: NO_COLOR disables colour.";

#[derive(Debug, Parser)]
#[command(
    name = "wi-aws",
    version,
    about = "Set up Teleport Workload Identity -> AWS OIDC federation: ask (or read) the answers, render every artifact, write them safely, prove they work.",
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    render: RenderArgs,

    #[command(flatten)]
    wizard: WizardArgs,
}

/// Without --answers-file, `wi-aws` asks its questions on the terminal.
#[derive(Debug, Args)]
struct WizardArgs {
    /// Ask one question per line instead of the full-screen wizard (for plain terminals, logs
    /// and screen readers; chosen by itself when TERM=dumb or the terminal cannot go full-screen).
    #[arg(long)]
    plain: bool,

    /// Try everything against a local DEMO Teleport proxy started for the run (not Teleport).
    #[arg(long, conflicts_with = "answers_file")]
    demo: bool,

    /// Open the wizard with the answers of this file filled in.
    #[arg(long, value_name = "FILE", conflicts_with = "answers_file")]
    edit: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render the artifacts from an answers file (the same as `wi-aws --answers-file F`).
    Render(RenderArgs),
    /// Ask a Teleport proxy for its cluster name, version and thumbprint, and check its OIDC
    /// issuer and JWKS the way AWS will use them. Exit 0 when every check passes, 1 otherwise.
    Discover(DiscoverArgs),
    /// Prove the rendered files work together: a local simulation of AWS STS (nothing is sent
    /// to AWS). With --token-file, check a real token from tbot against the live issuer.
    /// Exit 0 when every check passes, 1 when one fails, 2 when files are missing.
    Verify(VerifyArgs),
    /// Run a local DEMO Teleport proxy (HTTPS, Workload Identity issuer, JWT SVIDs) for trying
    /// wi-aws without a cluster. It is not Teleport and grants nothing.
    DemoProxy(DemoProxyArgs),
}

#[derive(Debug, Args)]
struct ConnectionArgs {
    /// PEM file of CA certificates to trust besides this machine's (private PKI, demo proxy).
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,

    /// Seconds allowed for each connection, handshake and request.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    timeout: f64,
}

impl ConnectionArgs {
    fn options(&self) -> Result<discover::Options, String> {
        if !(self.timeout.is_finite() && self.timeout > 0.0 && self.timeout <= 3600.0) {
            return Err(format!(
                "--timeout {} must be a number of seconds between 0 and 3600",
                self.timeout
            ));
        }
        Ok(discover::Options {
            ca_file: self.ca_file.clone(),
            timeout: std::time::Duration::from_secs_f64(self.timeout),
            ..discover::Options::default()
        })
    }
}

#[derive(Debug, Args)]
struct DiscoverArgs {
    /// The proxy's public address, host[:port].
    #[arg(long, value_name = "HOST[:PORT]")]
    proxy: String,

    #[command(flatten)]
    connection: ConnectionArgs,

    /// Print the findings as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// The directory the artifacts were rendered to [default: wi-aws-out, unless --token-file].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// A real JWT SVID written by tbot, to check instead of a simulated one.
    #[arg(long, value_name = "PATH")]
    token_file: Option<PathBuf>,

    /// With --token-file: fetch the issuer and JWKS from this proxy.
    #[arg(
        long,
        value_name = "HOST[:PORT]",
        requires = "token_file",
        conflicts_with = "jwks"
    )]
    proxy: Option<String>,

    /// With --token-file: the issuer's JWKS, from a file.
    #[arg(long, value_name = "FILE", requires = "token_file")]
    jwks: Option<PathBuf>,

    #[command(flatten)]
    connection: ConnectionArgs,

    /// Print the checks as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct DemoProxyArgs {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:3443")]
    listen: std::net::SocketAddr,

    /// Where to write the demo root CA, to pass as --ca-file.
    #[arg(long, value_name = "FILE", default_value = "wi-aws-demo-ca.pem")]
    ca_out: PathBuf,
}

#[derive(Debug, Args)]
struct RenderArgs {
    /// The answers (YAML; see examples/answers.yaml). Every problem in it is reported at once.
    #[arg(long, value_name = "FILE")]
    answers_file: Option<PathBuf>,

    /// Directory to write the artifacts to (created if missing).
    #[arg(long, value_name = "DIR", default_value = "wi-aws-out")]
    out: PathBuf,

    /// Replace existing files whose content differs.
    #[arg(long)]
    force: bool,

    /// Show what would be created, updated or left unchanged; write nothing.
    #[arg(long)]
    dry_run: bool,

    /// Directory of templates overriding the embedded ones by relative path, e.g.
    /// DIR/terraform/main.tf.hbs.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,

    /// Ask this Teleport proxy for what the answers leave open (cluster name, thumbprint).
    /// Values in the answers file win; disagreements are shown as warnings.
    #[arg(long, value_name = "HOST[:PORT]")]
    proxy: Option<String>,

    #[command(flatten)]
    connection: ConnectionArgs,

    /// Do not run `verify` on the written files.
    #[arg(long)]
    no_verify: bool,
}

/// `NO_COLOR` set and not empty (https://no-color.org).
fn no_colour_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Terminal styling for status words; off when stdout is not a terminal or NO_COLOR is set.
struct Style {
    colour: bool,
}

impl Style {
    fn detect() -> Self {
        Self {
            colour: !no_colour_requested() && std::io::stdout().is_terminal(),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// ✓ or ✗.
    fn mark(&self, ok: bool) -> String {
        if ok {
            self.paint("32", "✓")
        } else {
            self.paint("31", "✗")
        }
    }

    fn outcome(&self, outcome: Outcome, text: &str) -> String {
        let code = match outcome {
            Outcome::Created => "32",
            Outcome::Updated => "33",
            Outcome::Unchanged => "2",
        };
        self.paint(code, text)
    }
}

pub fn run(cli: Cli) -> ExitCode {
    let (args, top_level) = match cli.command {
        Some(Command::Render(args)) => (args, false),
        Some(Command::Discover(args)) => return ExitCode::from(discover_command(&args)),
        Some(Command::DemoProxy(args)) => return ExitCode::from(demo_proxy_command(&args)),
        Some(Command::Verify(args)) => return ExitCode::from(verify_command(&args)),
        None => (cli.render, true),
    };
    let Some(answers_file) = args.answers_file.clone() else {
        if top_level {
            return ExitCode::from(wizard_command(&cli.wizard, &args));
        }
        eprintln!("wi-aws: no answers given.");
        eprintln!(
            "  fix: run `wi-aws --answers-file answers.yaml --out DIR` (start from examples/answers.yaml); see `wi-aws --help`"
        );
        return ExitCode::from(exit::BAD_INPUT);
    };
    match render_command(&answers_file, &args) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("wi-aws: {error:#}");
            ExitCode::from(exit::FAILURE)
        }
    }
}

fn render_command(answers_file: &Path, args: &RenderArgs) -> Result<u8> {
    let text = match std::fs::read_to_string(answers_file) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("wi-aws: cannot read {}: {error}", answers_file.display());
            eprintln!("  fix: check the path given to --answers-file");
            return Ok(exit::BAD_INPUT);
        }
    };
    let mut discovery_warnings = Vec::new();
    let findings = match &args.proxy {
        None => None,
        Some(proxy) => match discover_for_render(proxy, &args.connection) {
            Ok(findings) => Some(findings),
            Err(code) => return Ok(code),
        },
    };
    let fill = |answers: &mut crate::answers::Answers| {
        if let Some(findings) = &findings {
            discovery_warnings = discover::apply_findings(answers, findings);
        }
    };
    let plan: Plan = match plan::from_answers_file_filled(&text, fill) {
        Ok(plan) => plan,
        Err(problems) => {
            eprint!("wi-aws: {}: {problems}", answers_file.display());
            eprintln!("Nothing was written.");
            return Ok(exit::BAD_INPUT);
        }
    };
    for warning in discovery_warnings.iter().chain(&plan.warnings) {
        eprintln!("warning: {warning}");
    }
    let overrides = match &args.templates {
        Some(dir) => read_template_dir(dir)?,
        None => BTreeMap::new(),
    };
    let artifacts =
        match Templates::with_overrides(&overrides).and_then(|t| render::render(&plan, &t)) {
            Ok(artifacts) => artifacts,
            Err(error) => {
                eprintln!("wi-aws: {error}");
                eprintln!("Nothing was written.");
                return Ok(exit::BAD_INPUT);
            }
        };

    let style = Style::detect();
    let out = &args.out;
    if args.dry_run {
        let planned = write::preview(out, &artifacts)?;
        for p in &planned {
            let what = match p.outcome {
                Outcome::Created => "would create",
                Outcome::Updated => "would update",
                Outcome::Unchanged => "unchanged",
            };
            let note = if p.overwrites && !args.force {
                "  (differs from the file there: needs --force)"
            } else {
                ""
            };
            // Pad before colouring: escape codes would count as width.
            let what = style.outcome(p.outcome, &format!("{what:<12}"));
            println!("{what} {}{note}", out.join(&p.path).display());
        }
        println!("dry run: nothing written to {}", out.display());
        return Ok(exit::OK);
    }
    match write::write_all(out, &artifacts, args.force) {
        Ok(written) => {
            for p in &written {
                let word = style.outcome(p.outcome, &format!("{:<9}", p.outcome.word()));
                println!("{word} {}", out.join(&p.path).display());
            }
            let count = |o: Outcome| written.iter().filter(|p| p.outcome == o).count();
            println!(
                "{} files in {}: {} created, {} updated, {} unchanged. Next: {}",
                written.len(),
                out.display(),
                count(Outcome::Created),
                count(Outcome::Updated),
                count(Outcome::Unchanged),
                out.join("NEXT-STEPS.md").display()
            );
            if args.no_verify {
                return Ok(exit::OK);
            }
            println!();
            Ok(run_local_verify(out, false, &style))
        }
        Err(error @ WriteError::WouldOverwrite { .. }) => {
            eprintln!("wi-aws: {error}");
            eprintln!("  fix: {}", error.fix());
            eprintln!("Nothing was written.");
            Ok(exit::WOULD_OVERWRITE)
        }
        Err(error) => {
            Err(anyhow::Error::new(error).context(format!("writing to {}", out.display())))
        }
    }
}

/// Discovery for `render --proxy`: the findings, or the exit code after saying why not.
/// `--proxy` and the connection flags, checked; the exit code after saying what is wrong.
fn proxy_and_options(
    proxy: &str,
    connection: &ConnectionArgs,
) -> Result<(ProxyAddress, discover::Options), u8> {
    let proxy = ProxyAddress::parse(proxy).map_err(|error| {
        eprintln!("wi-aws: --proxy {proxy:?}: {error}\n  fix: {}", error.fix());
        exit::BAD_INPUT
    })?;
    let options = connection.options().map_err(|message| {
        eprintln!("wi-aws: {message}");
        exit::BAD_INPUT
    })?;
    Ok((proxy, options))
}

/// Prints a value as pretty JSON; the exit code if it cannot be.
fn print_json<T: serde::Serialize>(value: &T) -> Result<(), u8> {
    let text = serde_json::to_string_pretty(value).map_err(|error| {
        eprintln!("wi-aws: {error}");
        exit::FAILURE
    })?;
    println!("{text}");
    Ok(())
}

fn discover_for_render(proxy: &str, connection: &ConnectionArgs) -> Result<discover::Findings, u8> {
    let (proxy, options) = proxy_and_options(proxy, connection)?;
    match discover::discover_blocking(&proxy, &options) {
        Ok(findings) => {
            for check in findings.checks.iter().filter(|c| !c.ok) {
                eprintln!("warning: discovery: {}: {}", check.name, check.detail);
            }
            Ok(findings)
        }
        Err(error) => {
            eprintln!("wi-aws: discovery failed: {error}\nNothing was written.");
            Err(exit::FAILURE)
        }
    }
}

fn discover_command(args: &DiscoverArgs) -> u8 {
    let (proxy, options) = match proxy_and_options(&args.proxy, &args.connection) {
        Ok(checked) => checked,
        Err(code) => return code,
    };
    let findings = match discover::discover_blocking(&proxy, &options) {
        Ok(findings) => findings,
        Err(error) => {
            eprintln!("wi-aws: {error}");
            return exit::FAILURE;
        }
    };
    if args.json {
        if let Err(code) = print_json(&findings) {
            return code;
        }
    } else {
        print!("{}", discover_report(&findings, &Style::detect()));
    }
    if findings.all_ok() {
        exit::OK
    } else {
        exit::FAILURE
    }
}

fn discover_report(findings: &discover::Findings, style: &Style) -> String {
    let mark = |ok: bool| style.mark(ok);
    let mut out = String::new();
    out.push_str(&format!("proxy        {}\n", findings.proxy));
    out.push_str(&format!(
        "cluster      {} (the SPIFFE trust domain)\n",
        findings.cluster_name
    ));
    out.push_str(&format!(
        "chain        {} certificate(s) sent, leaf first:\n",
        findings.chain.len()
    ));
    for (index, certificate) in findings.chain.iter().enumerate() {
        let last = if index + 1 == findings.chain.len() {
            "  <- AWS pins this one"
        } else {
            ""
        };
        out.push_str(&format!(
            "  #{} {} ({}), valid until {}\n     sha1 {}{last}\n",
            index + 1,
            certificate.subject,
            discover::tls::role_in_chain(certificate, index),
            certificate.not_after,
            certificate.thumbprint
        ));
    }
    out.push_str(&format!(
        "thumbprint   TLS chain (AWS's rule) {}\n",
        findings.chain_thumbprint
    ));
    out.push_str(&format!(
        "             Teleport /webapi/thumbprint {}\n",
        findings.teleport_thumbprint
    ));
    out.push_str(&format!("issuer       {}\n", findings.issuer));
    out.push_str(&format!("jwks         {}\n", findings.jwks_uri));
    for key in &findings.keys {
        out.push_str(&format!(
            "  key kid={} kty={} alg={} {}\n",
            key.kid.as_deref().unwrap_or("-"),
            key.kty,
            key.alg.as_deref().unwrap_or("-"),
            if key.usable_by_sts {
                "usable by STS"
            } else {
                "not usable by STS"
            }
        ));
    }
    out.push_str("checks\n");
    for check in &findings.checks {
        out.push_str(&format!(
            "  {} {:<11} {}\n",
            mark(check.ok),
            check.name,
            check.detail
        ));
    }
    out
}

fn wizard_command(wizard: &WizardArgs, args: &RenderArgs) -> u8 {
    use crate::plain::{self, Ending, Terminal};
    use std::io::IsTerminal;
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        eprintln!(
            "wi-aws: the wizard needs a terminal to ask its questions, and stdin or stdout is not one (CI, a pipe?)."
        );
        eprintln!(
            "  fix: run `wi-aws render --answers-file answers.yaml --out DIR` (start from examples/answers.yaml)"
        );
        return exit::BAD_INPUT;
    }
    let (mut answers, ignored) = match &wizard.edit {
        None => (crate::answers::Answers::default(), Vec::new()),
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => {
                let (answers, problems) = crate::answers::Answers::from_yaml(&text);
                if problems
                    .iter()
                    .any(|p| p.location == crate::problem::Location::File)
                {
                    eprint!(
                        "wi-aws: --edit {}: {}",
                        path.display(),
                        crate::problem::Problems(problems)
                    );
                    return exit::BAD_INPUT;
                }
                (answers, problems)
            }
            Err(error) => {
                eprintln!(
                    "wi-aws: cannot read {}: {error}\n  fix: check the path given to --edit",
                    path.display()
                );
                return exit::BAD_INPUT;
            }
        },
    };
    let mut options = match args.connection.options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("wi-aws: {message}");
            return exit::BAD_INPUT;
        }
    };
    let templates = match wizard_templates(args) {
        Ok(templates) => templates,
        Err(message) => {
            eprintln!("wi-aws: {message}");
            return exit::BAD_INPUT;
        }
    };
    let demo = if wizard.demo {
        match DemoSession::start(DemoOptions::default()) {
            Ok(demo) => Some(demo),
            Err(error) => {
                eprintln!("wi-aws: cannot start the demo proxy: {error}");
                return exit::FAILURE;
            }
        }
    } else {
        None
    };
    if let Some(demo) = &demo {
        options.ca_file = Some(demo.ca_file.path().to_path_buf());
        demo.prefill(&mut answers);
    }

    if !wizard.plain && crate::tui::terminal_can_draw() {
        let notice = (!ignored.is_empty()).then(|| {
            format!(
                "{} answer(s) of --edit were ignored: {}",
                ignored.len(),
                ignored
                    .iter()
                    .map(|p| p.location.key())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
        let setup = crate::tui::Setup {
            answers: answers.clone(),
            out: args.out.clone(),
            force: args.force,
            demo: demo.as_ref().map(|d| d.proxy.authority()),
            templates,
            notice,
        };
        let theme = crate::tui::Theme {
            color: !no_colour_requested(),
        };
        match crate::tui::run(setup, options.clone(), theme) {
            Ok(ending) => {
                for line in &ending.summary {
                    println!("{line}");
                }
                return match ending.exit {
                    crate::tui::Exit::Finished { verified: true } => exit::OK,
                    crate::tui::Exit::Finished { verified: false } => exit::FAILURE,
                    crate::tui::Exit::Left { .. } => exit::INTERRUPTED,
                };
            }
            Err(crate::tui::TuiError::Unavailable(error)) => {
                eprintln!("wi-aws: no full-screen wizard ({error}); asking line by line instead.");
            }
            Err(error) => {
                eprintln!("wi-aws: {error}");
                return exit::FAILURE;
            }
        }
    }

    for problem in ignored {
        println!("note: {problem} (ignored)");
    }
    if let Some(demo) = &demo {
        println!(
            "DEMO mode: a local demo Teleport proxy (not Teleport) answers at {}.",
            demo.proxy.authority()
        );
        println!(
            "Press Enter to accept each default; the artifacts are for trying wi-aws, not for AWS."
        );
    }
    let discover = |proxy: &ProxyAddress| {
        discover::discover_blocking(proxy, &options).map_err(|error| error.to_string())
    };
    let mut terminal = Terminal;
    let ending = match plain::ask_all(&mut terminal, &mut answers, &discover) {
        Ok(()) => plain::review_and_write(&mut terminal, &answers, &args.out),
        Err(plain::Cancelled) => Ok(Ending::Cancelled),
    };
    match ending {
        Ok(Ending::Written { verified: true }) | Ok(Ending::NotWritten) => exit::OK,
        Ok(Ending::Written { verified: false }) => exit::FAILURE,
        Ok(Ending::Cancelled) => {
            offer_to_save(&mut terminal, &answers);
            exit::INTERRUPTED
        }
        Err(error) => {
            eprintln!("wi-aws: {error}");
            exit::FAILURE
        }
    }
}

/// The wizard's templates: the embedded ones, with `--templates` overriding them.
fn wizard_templates(args: &RenderArgs) -> Result<Templates, String> {
    let overrides = match &args.templates {
        Some(dir) => read_template_dir(dir).map_err(|error| format!("{error:#}"))?,
        None => BTreeMap::new(),
    };
    Templates::with_overrides(&overrides).map_err(|error| error.to_string())
}

/// After the wizard was left: nothing is written unless the user asks to keep the answers.
fn offer_to_save(terminal: &mut crate::plain::Terminal, answers: &crate::answers::Answers) {
    use crate::plain::Prompter;
    const PARTIAL: &str = "wi-aws-answers.partial.yaml";
    println!("Left the wizard: no artifact was written.");
    if *answers == crate::answers::Answers::default() {
        return;
    }
    let save = terminal.confirm(
        &format!("Save the answers given so far to {PARTIAL}?"),
        "Continue later with: wi-aws --edit wi-aws-answers.partial.yaml",
        false,
    );
    if save != Ok(true) {
        return;
    }
    let artifact = crate::render::Artifact {
        path: PARTIAL.into(),
        contents: answers.to_yaml(),
        executable: false,
    };
    match write::write_all(Path::new("."), &[artifact], false) {
        Ok(_) => println!("Saved {PARTIAL}; continue with: wi-aws --edit {PARTIAL}"),
        Err(error) => eprintln!("wi-aws: {error}"),
    }
}

fn print_checks(title: &str, checks: &[crate::verify::Check], style: &Style) {
    use crate::verify::Status;
    println!("{title}");
    let mark = |status: Status| match status {
        Status::Pass => style.paint("32", status.mark()),
        Status::Warn => style.paint("33", status.mark()),
        Status::Skipped => style.paint("2", status.mark()),
        Status::Fail => style.paint("31", status.mark()),
    };
    for line in crate::verify::checklist(checks, mark) {
        println!("{line}");
    }
}

fn report_checks(title: &str, checks: Vec<crate::verify::Check>, json: bool, style: &Style) -> u8 {
    let report = crate::verify::Report { checks };
    if json {
        if let Err(code) = print_json(&report) {
            return code;
        }
    } else {
        print_checks(title, &report.checks, style);
    }
    if report.passed() {
        exit::OK
    } else {
        exit::FAILURE
    }
}

fn run_local_verify(out: &Path, json: bool, style: &Style) -> u8 {
    match crate::verify::verify_dir(out) {
        Ok(report) => report_checks(
            &format!(
                "verify {}: a local simulation of AWS STS (nothing is sent to AWS)",
                out.display()
            ),
            report.checks,
            json,
            style,
        ),
        Err(error) => {
            eprintln!("wi-aws: verify: {error}");
            exit::BAD_INPUT
        }
    }
}

fn verify_command(args: &VerifyArgs) -> u8 {
    let style = Style::detect();
    let Some(token_file) = &args.token_file else {
        let out = args
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from("wi-aws-out"));
        return run_local_verify(&out, args.json, &style);
    };
    let setup = match &args.out {
        None => None,
        Some(out) => match crate::verify::Setup::read(out) {
            Ok(setup) => Some(setup),
            Err(error) => {
                eprintln!("wi-aws: verify: {error}");
                return exit::BAD_INPUT;
            }
        },
    };
    let (discovery_issuer, jwks) = match (&args.proxy, &args.jwks) {
        (Some(proxy), _) => {
            let (proxy, options) = match proxy_and_options(proxy, &args.connection) {
                Ok(checked) => checked,
                Err(code) => return code,
            };
            match discover::block_on(discover::fetch_issuer(&proxy, &options)) {
                Ok((issuer, jwks)) => (Some(issuer), jwks),
                Err(error) => {
                    eprintln!("wi-aws: {error}");
                    return exit::FAILURE;
                }
            }
        }
        (None, Some(path)) => {
            let parsed = std::fs::read_to_string(path)
                .map_err(|e| e.to_string())
                .and_then(|text| {
                    serde_json::from_str(&text).map_err(|e| format!("not a JWKS: {e}"))
                });
            match parsed {
                Ok(jwks) => (None, jwks),
                Err(error) => {
                    eprintln!("wi-aws: --jwks {}: {error}", path.display());
                    return exit::BAD_INPUT;
                }
            }
        }
        (None, None) => {
            eprintln!(
                "wi-aws: --token-file needs the issuer's keys: give --proxy HOST or --jwks FILE"
            );
            return exit::BAD_INPUT;
        }
    };
    let input = crate::verify::LiveInput {
        token_file: token_file.clone(),
        jwks,
        discovery_issuer,
        setup,
    };
    let checks = crate::verify::verify_live(&input, std::time::SystemTime::now());
    report_checks(
        &format!(
            "verify {}: checked as AWS STS would (nothing is sent to AWS)",
            token_file.display()
        ),
        checks,
        args.json,
        &style,
    )
}

fn demo_proxy_command(args: &DemoProxyArgs) -> u8 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("wi-aws: cannot start the async runtime: {error}");
            return exit::FAILURE;
        }
    };
    runtime.block_on(async {
        let proxy = match DemoProxy::start(args.listen, DemoOptions::default()).await {
            Ok(proxy) => proxy,
            Err(error) => {
                eprintln!("wi-aws: {error}\n  fix: choose another --listen address, e.g. 127.0.0.1:0 for any free port");
                return exit::FAILURE;
            }
        };
        if let Err(error) = std::fs::write(&args.ca_out, &proxy.ca_pem) {
            eprintln!("wi-aws: cannot write {}: {error}", args.ca_out.display());
            return exit::FAILURE;
        }
        let authority = proxy.authority();
        println!("listening on {authority}");
        println!("DEMO Teleport proxy — not Teleport, for trying wi-aws only. Ctrl-C stops it.");
        println!("  cluster      {}", crate::demo::DEMO_CLUSTER_NAME);
        println!("  issuer       {}", proxy.issuer.issuer_url());
        println!("  CA to trust  {}", args.ca_out.display());
        println!("Try:");
        println!("  wi-aws discover --proxy {authority} --ca-file {}", args.ca_out.display());
        println!("  curl --cacert {} 'https://{authority}/demo/jwt-svid?path=/svc/example-service'", args.ca_out.display());
        match tokio::signal::ctrl_c().await {
            Ok(()) => {
                println!("stopped");
                proxy.stop();
                exit::OK
            }
            Err(error) => {
                eprintln!("wi-aws: {error}");
                exit::FAILURE
            }
        }
    })
}

/// Reads every `*.hbs` under `dir`, keyed by its path relative to `dir` with '/' separators.
fn read_template_dir(dir: &Path) -> Result<BTreeMap<String, String>> {
    let mut templates = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current)
            .with_context(|| format!("--templates: cannot read {}", current.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "hbs") {
                let relative = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("--templates: cannot read {}", path.display()))?;
                templates.insert(relative, text);
            }
        }
    }
    Ok(templates)
}
