//! Command line: parse, run the chosen job, map every failure to a message and an exit code.

use crate::plan::{self, Plan};
use crate::render::{self, Templates};
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
}

const AFTER_HELP: &str = "\
Modes:
  wi-aws --answers-file answers.yaml --out DIR   render every artifact, no prompts (CI, scripts)
  wi-aws render --answers-file answers.yaml      the same, as a subcommand

Artifacts written to DIR: terraform/main.tf, iam/trust-policy.json, iam/permissions-policy.json,
aws-cli/setup.sh, teleport/role.yaml, teleport/setup.sh, tbot/outputs.yaml, aws/config, aws/env,
NEXT-STEPS.md and answers.yaml (the normalized answers, for replay).

Exit codes: 0 success; 1 failure (I/O); 2 invalid answers or usage (nothing written);
3 an existing file differs and --force was not given (nothing written).

Environment: NO_COLOR disables colour.";

#[derive(Debug, Parser)]
#[command(
    name = "wi-aws",
    version,
    about = "Set up Teleport Workload Identity -> AWS OIDC federation: render every artifact from your answers, write them safely.",
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    render: RenderArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render the artifacts from an answers file (the same as `wi-aws --answers-file F`).
    Render(RenderArgs),
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
}

/// Terminal styling for status words; off when stdout is not a terminal or NO_COLOR is set.
struct Style {
    colour: bool,
}

impl Style {
    fn detect() -> Self {
        let no_colour = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self {
            colour: !no_colour && std::io::stdout().is_terminal(),
        }
    }

    fn outcome(&self, outcome: Outcome, text: &str) -> String {
        let code = match outcome {
            Outcome::Created => "32",
            Outcome::Updated => "33",
            Outcome::Unchanged => "2",
        };
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

pub fn run(cli: Cli) -> ExitCode {
    let args = match cli.command {
        Some(Command::Render(args)) => args,
        None => cli.render,
    };
    let Some(answers_file) = args.answers_file.clone() else {
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
    let plan: Plan = match plan::from_answers_file(&text) {
        Ok(plan) => plan,
        Err(problems) => {
            eprint!("wi-aws: {}: {problems}", answers_file.display());
            eprintln!("Nothing was written.");
            return Ok(exit::BAD_INPUT);
        }
    };
    for warning in &plan.warnings {
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
            let what = match (p.outcome, p.overwrites) {
                (Outcome::Updated, true) if !args.force => {
                    "would overwrite (differs; needs --force)"
                }
                (Outcome::Created, _) => "would create",
                (Outcome::Updated, _) => "would update",
                (Outcome::Unchanged, _) => "unchanged",
            };
            println!(
                "{:<42} {}",
                style.outcome(p.outcome, what),
                out.join(&p.path).display()
            );
        }
        println!("dry run: nothing written to {}", out.display());
        return Ok(exit::OK);
    }
    match write::write_all(out, &artifacts, args.force) {
        Ok(written) => {
            for p in &written {
                println!(
                    "{:<9} {}",
                    style.outcome(p.outcome, p.outcome.word()),
                    out.join(&p.path).display()
                );
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
            Ok(exit::OK)
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
