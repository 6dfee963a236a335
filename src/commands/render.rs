//! `wi-aws render --answers-file F` (and `wi-aws --answers-file F`): answers → every artifact,
//! written safely, then verified.

use super::{CommandError, report_checks};
use crate::cli::{ConnectionArgs, RenderArgs};
use crate::discover;
use crate::pipeline::{self, Settings, exit};
use crate::plan::{self, Plan};
use crate::terminal::Style;
use crate::write::{Outcome, Planned};
use std::path::Path;

pub fn run(args: &RenderArgs) -> Result<u8, CommandError> {
    let Some(answers_file) = &args.answers_file else {
        return Err(CommandError::bad_input("no answers given.").with_fix(
            "run `wi-aws --answers-file answers.yaml --out DIR` (start from examples/answers.yaml); see `wi-aws --help`",
        ));
    };
    let plan = read_plan(answers_file, args)?;
    let settings = Settings {
        out: args.out.clone(),
        force: args.force,
        dry_run: args.dry_run,
        verify: !args.no_verify,
        templates: pipeline::templates(args.templates.as_deref())?,
    };
    let artifacts = pipeline::render(&plan, &settings.templates)?;
    let out = &settings.out;
    if settings.dry_run {
        print_dry_run(out, &pipeline::preview(out, &artifacts)?, settings.force);
        return Ok(exit::OK);
    }
    let written = pipeline::write(out, &artifacts, settings.force)?;
    print_written(out, &written);
    println!("Next: {}", out.join(crate::render::NEXT_STEPS).display());
    if !settings.verify {
        return Ok(exit::OK);
    }
    println!();
    let report = pipeline::verify(out)?;
    report_checks(
        &format!(
            "verify {}: a local simulation of AWS STS (nothing is sent to AWS)",
            out.display()
        ),
        report.checks,
        false,
    )
}

/// The answers file, completed from the proxy with `--proxy`, as a plan; its warnings printed.
fn read_plan(answers_file: &Path, args: &RenderArgs) -> Result<Plan, CommandError> {
    let text = std::fs::read_to_string(answers_file).map_err(|error| {
        CommandError::bad_input(format!("cannot read {}: {error}", answers_file.display()))
            .with_fix("check the path given to --answers-file")
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
    let plan = plan::from_answers_file_filled(&text, fill).map_err(|problems| {
        CommandError::bad_input(format!("{}: {problems}", answers_file.display())).nothing_written()
    })?;
    for warning in discovery_warnings.iter().chain(&plan.warnings) {
        eprintln!("warning: {warning}");
    }
    Ok(plan)
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
        eprintln!("warning: discovery: {}: {}", check.id, check.detail);
    }
    Ok(findings)
}

fn print_dry_run(out: &Path, planned: &[Planned], force: bool) {
    let style = Style::detect();
    for p in planned {
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
        println!("{what} {}{note}", out.join(&p.path).display());
    }
    println!("dry run: nothing written to {}", out.display());
}

fn print_written(out: &Path, written: &[Planned]) {
    let style = Style::detect();
    for p in written {
        let word = style.outcome(p.outcome, &format!("{:<9}", p.outcome.word()));
        println!("{word} {}", out.join(&p.path).display());
    }
    print!("{} ", pipeline::written_summary(out, written));
}
