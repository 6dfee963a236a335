//! Command line: the clap types, and one place that runs the chosen command and turns its
//! error into a message and an exit code. Each command lives in `commands/`.

use crate::commands::arns::ArnsArgs;
use crate::commands::demo_proxy::DemoProxyArgs;
use crate::commands::discover::DiscoverArgs;
use crate::commands::doctor::DoctorArgs;
use crate::commands::migrate::MigrateArgs;
use crate::commands::profile::ProfileCommand;
use crate::commands::render::RenderArgs;
use crate::commands::shell::CompletionsArgs;
use crate::commands::verify::VerifyArgs;
use crate::commands::wizard::WizardArgs;
use crate::commands::{self};
use clap::{CommandFactory, Parser, Subcommand};
use std::process::ExitCode;

pub use crate::artifacts::pipeline::exit;

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
  wi-aws doctor [--out DIR]       after deployment: why AWS refuses the token (reads IAM)
  wi-aws migrate F                print answers version 1 as version 2, to add workloads
  wi-aws profile install|remove   the workload's profile in ~/.aws/config, in a marked block
  wi-aws demo-proxy               a local DEMO Teleport proxy to try all this

Artifacts written to DIR: terraform/main.tf, iam/trust-policy.json, iam/permissions-policy.json,
aws-cli/setup.sh and aws-cli/teardown.sh, teleport/role.yaml, teleport/setup.sh and
teleport/teardown.sh (each teardown undoes its setup, asking first), aws/config, aws/env,
NEXT-STEPS.md and answers.yaml (the normalized answers, for replay) with answers.schema.json
(its JSON Schema, for editors); teleport/workload-identity.yaml and tbot/services.yaml for the current Teleport API
generation (teleport.api workload-identity, or auto on 17.2.7+), tbot/outputs.yaml for the
legacy one (legacy-spiffe).

Many workloads (answers `version: 2` with a `workloads:` list; see examples/fleet.yaml): one
terraform/main.tf (one OIDC provider, the workloads as one for_each map), one setup.sh and one
teardown.sh each in aws-cli/ and teleport/ for the fleet, iam/<workload>/ and
teleport/<workload>/ for each, and hosts/<workload>/ with what goes to that workload's host
(tbot, aws/config, aws/env).

After writing, render runs `verify` on the files (unless --no-verify).

Exit codes: 0 success; 1 failure (I/O, network, a verify check failed, the output directory
locked by another run); 2 invalid answers or usage, an unreadable answers file, or no terminal
for the wizard (nothing written); 3 an existing file differs and --force was not given
(nothing written); 130 the wizard was left (nothing written). A reader that closes the output
early (`| head`) changes nothing: the run goes to its end and exits with its own code.

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
    /// After deployment: read the provider and the role back from AWS (read-only), ask the
    /// proxy, read the token on this host, and say link by link what holds and what breaks,
    /// with the exact error AWS answers and the fix; what differs from the artifacts (drift).
    /// --assume also makes the real STS call. Exit 0 when everything holds, 1 otherwise.
    Doctor(DoctorArgs),
    /// On the Roles Anywhere route, after apply: read the ARNs AWS assigned (the trust
    /// anchor's, each profile's) from `terraform output -json` or from what aws-cli/setup.sh
    /// printed, put them into DIR/answers.yaml and render DIR again, so tbot's files name them.
    /// Exit 0 when the files verify, 1 when a check fails, 2 on bad input (nothing written).
    Arns(ArnsArgs),
    /// Print a version 1 answers file (one workload) as version 2 (a fleet of workloads that
    /// share the cluster, the account and the OIDC provider), to add more workloads to it.
    /// Says on stderr how the files move and the `terraform state mv` commands to keep.
    Migrate(MigrateArgs),
    /// Merge the workload's AWS profile into your AWS config file (~/.aws/config), in a block
    /// marked for wi-aws that a re-run replaces and `profile remove` takes out.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Print the shell completion script (bash, zsh, fish, powershell), e.g.
    /// `wi-aws completions bash > ~/.local/share/bash-completion/completions/wi-aws`.
    Completions(CompletionsArgs),
    /// Print the manual page (roff), e.g. `wi-aws man > ~/.local/share/man/man1/wi-aws.1`.
    Man,
    /// Print the JSON Schema of the answers file (both versions), for editors; every saved
    /// answers.yaml names the copy written next to it on its first line.
    Schema,
    /// Run a local DEMO Teleport proxy (HTTPS, Workload Identity issuer, JWT SVIDs) for trying
    /// wi-aws without a cluster. It is not Teleport and grants nothing.
    DemoProxy(DemoProxyArgs),
}

pub fn run(cli: Cli) -> ExitCode {
    crate::heap::limit_arenas();
    let result = match cli.command {
        Some(Command::Render(args)) => commands::render::run(&args),
        Some(Command::Discover(args)) => commands::discover::run(&args),
        Some(Command::DemoProxy(args)) => commands::demo_proxy::run(&args),
        Some(Command::Verify(args)) => commands::verify::run(&args),
        Some(Command::Migrate(args)) => commands::migrate::run(&args),
        Some(Command::Arns(args)) => commands::arns::run(&args),
        Some(Command::Doctor(args)) => commands::doctor::run(&args),
        Some(Command::Completions(args)) => commands::shell::completions(&args, Cli::command()),
        Some(Command::Profile(command)) => commands::profile::run(&command),
        Some(Command::Man) => commands::shell::man(Cli::command()),
        Some(Command::Schema) => commands::shell::schema(),
        None if cli.render.answers_file.is_some() => commands::render::run(&cli.render),
        None => commands::wizard::run(&cli.wizard, &cli.render),
    };
    let code = match result {
        Ok(code) => code,
        Err(error) => {
            crate::ui::output::err(format_args!("{error}"));
            error.code
        }
    };
    // A reader that closed stdout is not a failure (see `output`); any other lost output is.
    match crate::ui::output::finish() {
        Ok(()) => ExitCode::from(code),
        Err(error) => {
            crate::errln!("wi-aws: cannot write to standard output: {error}");
            ExitCode::from(code.max(exit::FAILURE))
        }
    }
}
