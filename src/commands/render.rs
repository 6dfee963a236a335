//! `wi-aws render --answers-file F` (and `wi-aws --answers-file F`): answers → every artifact,
//! written safely, then verified.

use super::ConnectionArgs;
use super::{CommandError, report_checks};
use crate::answers::fleet::{self, Fleet};
use crate::artifacts::files;
use crate::artifacts::pipeline::{self, exit};
use crate::artifacts::render::Artifact;
use crate::artifacts::write::{Outcome, Planned};
use crate::discover;
use crate::ui::terminal::Style;
use clap::Args;
use std::path::Path;
use std::path::PathBuf;

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

    /// After writing, merge the profile (every workload's of a fleet) into $AWS_CONFIG_FILE or
    /// ~/.aws/config, as `wi-aws profile install` does.
    #[arg(long)]
    pub install_profile: bool,
}

pub fn run(args: &RenderArgs) -> Result<u8, CommandError> {
    let Some(answers_file) = &args.answers_file else {
        return Err(CommandError::bad_input("no answers given.").with_fix(
            "run `wi-aws --answers-file answers.yaml --out DIR` (start from examples/answers.yaml); see `wi-aws --help`",
        ));
    };
    let fleet = read_fleet(answers_file, args)?;
    let _on_signal = crate::ui::terminal::ExitOnSignal::install_without_terminal()
        .map_err(|error| CommandError::failure(format!("cannot handle signals: {error}")))?;
    render_checked(fleet, args)
}

/// Renders, writes and verifies a fleet already checked, as `args` ask.
pub(super) fn render_checked(fleet: Fleet, args: &RenderArgs) -> Result<u8, CommandError> {
    let settings = super::settings(args)?;
    let artifacts = pipeline::render(&fleet, &settings.templates)?;
    let out = &settings.out;
    if settings.dry_run {
        print_dry_run(
            out,
            &artifacts,
            &pipeline::preview(out, &artifacts)?,
            settings.force,
        );
        return Ok(exit::OK);
    }
    let (written, issuer) =
        pipeline::write_signing_ahead(&fleet, out, &artifacts, settings.force, settings.verify);
    let written = written?;
    // verify reads what was written; a large fleet's texts need not stay in memory meanwhile.
    drop((artifacts, fleet));
    // Their pages go back to the system before verify allocates on other threads.
    crate::heap::release_freed();
    print_written(out, &written);
    crate::outln!(
        "Next: {}",
        out.join(crate::artifacts::render::NEXT_STEPS).display()
    );
    let code = match settings.verify {
        false => exit::OK,
        true => {
            crate::outln!();
            let (route, report) = pipeline::verify_with(out, issuer)?;
            report_checks(&super::verify_heading(out, route), report, false)?
        }
    };
    if settings.install_profile {
        let lines = pipeline::install_profiles(out).map_err(|error| {
            CommandError::failure(format!("--install-profile: {error}")).with_fix(
                "wi-aws profile install --out DIR --force replaces a section wi-aws did not write",
            )
        })?;
        for line in lines {
            crate::outln!("{line}");
        }
    }
    Ok(code)
}

/// The answers file, completed from the proxy with `--proxy`, as a fleet (of one workload for
/// a version 1 file); its warnings printed.
fn read_fleet(answers_file: &Path, args: &RenderArgs) -> Result<Fleet, CommandError> {
    let text =
        crate::artifacts::files::read_text(answers_file, crate::artifacts::files::ANSWERS_LIMIT)
            .map_err(|error| {
                CommandError::bad_input(format!("--answers-file {error}"))
                    .with_fix("give the path of an answers file (see examples/answers.yaml)")
                    .nothing_written()
            })?;
    let findings = match &args.proxy {
        None => None,
        Some(proxy) => Some(discover_for_render(proxy, &args.connection)?),
    };
    let mut discovery_warnings = Vec::new();
    let fill = |answers: &mut crate::answers::Answers| {
        if let Some(findings) = &findings {
            discovery_warnings = discover::apply_findings(answers, findings);
        }
    };
    let base = answers_file.parent().unwrap_or(Path::new("."));
    let read = crate::artifacts::files::named_file_reader(base);
    let fleet = fleet::from_answers_file_filled(&text, fill, &read).map_err(|problems| {
        CommandError::bad_input(format!("{}: {problems}", answers_file.display())).nothing_written()
    })?;
    for warning in discovery_warnings.iter().chain(&fleet.warnings) {
        crate::errln!("warning: {warning}");
    }
    Ok(fleet)
}

/// Discovery for `render --proxy`: failed checks are warnings, a failed discovery an error.
fn discover_for_render(
    proxy: &str,
    connection: &ConnectionArgs,
) -> Result<discover::Findings, CommandError> {
    let (proxy, options) = super::proxy_and_options(proxy, connection)?;
    let findings = discover::discover_blocking(&proxy, &options).map_err(|error| {
        CommandError::failure(format!("discovery failed: {error}")).nothing_written()
    })?;
    for check in findings.checks.iter().filter(|c| !c.ok()) {
        crate::errln!("warning: discovery: {}: {}", check.id, check.detail);
    }
    Ok(findings)
}

fn print_dry_run(out: &Path, artifacts: &[Artifact], planned: &[Planned], force: bool) {
    let style = Style::detect();
    for (p, artifact) in planned.iter().zip(artifacts) {
        let what = match p.outcome {
            Outcome::Created => "would create",
            Outcome::Updated => "would update",
            Outcome::Unchanged => "unchanged",
        };
        let note = if p.overwrites && !force {
            "  (differs from the file there: needs --force)"
        } else {
            ""
        };
        // Pad before colouring: escape codes would count as width.
        let what = style.outcome(p.outcome, &format!("{what:<12}"));
        crate::outln!("{what} {}{note}", out.join(&p.path).display());
        if p.overwrites {
            crate::out!("{}", difference(out, artifact));
        }
    }
    crate::outln!("dry run: nothing written to {}", out.display());
}

/// What would change in a file that differs, as a unified diff (the file there is read with
/// the same care and limit as everywhere).
fn difference(out: &Path, artifact: &Artifact) -> String {
    let there = match files::read_in_dir(out, &artifact.path, files::ARTIFACT_LIMIT) {
        Ok(there) => there,
        Err(error) => return format!("  (cannot show the difference: {error})\n"),
    };
    let path = out.join(&artifact.path).display().to_string();
    similar::TextDiff::from_lines(&there, &artifact.contents)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{path} (there now)"),
            &format!("{path} (would be written)"),
        )
        .to_string()
}

fn print_written(out: &Path, written: &[Planned]) {
    use std::fmt::Write;
    let style = Style::detect();
    // One write for a fleet's thousands of lines, not one each.
    let mut lines = String::new();
    for p in written {
        let word = style.outcome(p.outcome, &format!("{:<9}", p.outcome.word()));
        let _ = writeln!(lines, "{word} {}", out.join(&p.path).display());
    }
    crate::out!("{lines}{} ", pipeline::written_summary(out, written));
}
