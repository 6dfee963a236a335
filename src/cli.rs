//! Command line: the clap types, and one place that runs the chosen command and turns its
//! error into a message and an exit code. Each command lives in `commands/`.

use crate::commands::{self, CommandError};
use crate::discover;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

pub use crate::pipeline::exit;

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
    pub command: Option<Command>,

    #[command(flatten)]
    pub render: RenderArgs,

    #[command(flatten)]
    pub wizard: WizardArgs,
}

/// Without --answers-file, `wi-aws` asks its questions on the terminal.
#[derive(Debug, Args)]
pub struct WizardArgs {
    /// Ask one question per line instead of the full-screen wizard (for plain terminals, logs
    /// and screen readers; chosen by itself when TERM=dumb or the terminal cannot go full-screen).
    #[arg(long)]
    pub plain: bool,

    /// Try everything against a local DEMO Teleport proxy started for the run (not Teleport).
    #[arg(long, conflicts_with = "answers_file")]
    pub demo: bool,

    /// Open the wizard with the answers of this file filled in.
    #[arg(long, value_name = "FILE", conflicts_with = "answers_file")]
    pub edit: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
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
pub struct ConnectionArgs {
    /// PEM file of CA certificates to trust besides this machine's (private PKI, demo proxy).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,

    /// Seconds allowed for each connection, handshake and request.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub timeout: f64,
}

impl ConnectionArgs {
    pub fn options(&self) -> Result<discover::Options, CommandError> {
        if !(self.timeout.is_finite() && self.timeout > 0.0 && self.timeout <= 3600.0) {
            return Err(CommandError::bad_input(format!(
                "--timeout {} must be a number of seconds between 0 and 3600",
                self.timeout
            )));
        }
        Ok(discover::Options {
            ca_file: self.ca_file.clone(),
            timeout: std::time::Duration::from_secs_f64(self.timeout),
            ..discover::Options::default()
        })
    }
}

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// The proxy's public address, host[:port].
    #[arg(long, value_name = "HOST[:PORT]")]
    pub proxy: String,

    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The directory the artifacts were rendered to [default: wi-aws-out, unless --token-file].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// A real JWT SVID written by tbot, to check instead of a simulated one.
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// With --token-file: fetch the issuer and JWKS from this proxy.
    #[arg(
        long,
        value_name = "HOST[:PORT]",
        requires = "token_file",
        conflicts_with = "jwks"
    )]
    pub proxy: Option<String>,

    /// With --token-file: the issuer's JWKS, from a file.
    #[arg(long, value_name = "FILE", requires = "token_file")]
    pub jwks: Option<PathBuf>,

    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Print the checks as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DemoProxyArgs {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:3443")]
    pub listen: std::net::SocketAddr,

    /// Where to write the demo root CA, to pass as --ca-file.
    #[arg(long, value_name = "FILE", default_value = "wi-aws-demo-ca.pem")]
    pub ca_out: PathBuf,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The answers (YAML; see examples/answers.yaml). Every problem in it is reported at once.
    #[arg(long, value_name = "FILE")]
    pub answers_file: Option<PathBuf>,

    /// Directory to write the artifacts to (created if missing).
    #[arg(long, value_name = "DIR", default_value = "wi-aws-out")]
    pub out: PathBuf,

    /// Replace existing files whose content differs.
    #[arg(long)]
    pub force: bool,

    /// Show what would be created, updated or left unchanged; write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Directory of templates overriding the embedded ones by relative path, e.g.
    /// DIR/terraform/main.tf.hbs.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,

    /// Ask this Teleport proxy for what the answers leave open (cluster name, thumbprint).
    /// Values in the answers file win; disagreements are shown as warnings.
    #[arg(long, value_name = "HOST[:PORT]")]
    pub proxy: Option<String>,

    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Do not run `verify` on the written files.
    #[arg(long)]
    pub no_verify: bool,
}

pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Some(Command::Render(args)) => commands::render::run(&args),
        Some(Command::Discover(args)) => commands::discover::run(&args),
        Some(Command::DemoProxy(args)) => commands::demo_proxy::run(&args),
        Some(Command::Verify(args)) => commands::verify::run(&args),
        None if cli.render.answers_file.is_some() => commands::render::run(&cli.render),
        None => commands::wizard::run(&cli.wizard, &cli.render),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprint!("{error}");
            ExitCode::from(error.code)
        }
    }
}
