//! `wi-aws arns`: on the Roles Anywhere route, the ARNs AWS assigned at apply (the trust
//! anchor's, each profile's), read from what the apply printed into the answers of an output
//! directory, which is then rendered again: tbot's files name them, and verify can pass.

use super::{CommandError, ConnectionArgs};
use crate::answers::FleetAnswers;
use crate::answers::problem::Advice;
use crate::artifacts::files::{self, ANSWERS_LIMIT};
use crate::artifacts::render::ANSWERS_FILE;
use crate::routes::roles_anywhere::assigned::{self, AssignedError};
use clap::Args;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source").required(true))]
pub struct ArnsArgs {
    /// The directory the artifacts were rendered to; its answers.yaml gets the ARNs.
    #[arg(long, value_name = "DIR", default_value = "wi-aws-out")]
    pub out: PathBuf,

    /// What `terraform -chdir=DIR/terraform output -json` printed (a file, or - for stdin).
    #[arg(long, value_name = "FILE", group = "source")]
    pub terraform_output: Option<PathBuf>,

    /// What `sh DIR/aws-cli/setup.sh` printed (a file, or - for stdin).
    #[arg(long, value_name = "FILE", group = "source")]
    pub setup_log: Option<PathBuf>,

    /// Say what would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Do not run `verify` on the files rendered again.
    #[arg(long)]
    pub no_verify: bool,
}

pub fn run(args: &ArnsArgs) -> Result<u8, CommandError> {
    let bad = |error: AssignedError| {
        CommandError::bad_input(error.to_string())
            .with_fix(error.fix())
            .nothing_written()
    };
    let (path, from_terraform) = match (&args.terraform_output, &args.setup_log) {
        (Some(path), _) => (path, true),
        (None, Some(path)) => (path, false),
        // clap requires one of them.
        (None, None) => {
            return Err(CommandError::bad_input(
                "give --terraform-output or --setup-log",
            ));
        }
    };
    let (text, source_name) = read_source(path)?;
    let assigned = match from_terraform {
        true => assigned::from_terraform_output(&text, &source_name),
        false => assigned::from_setup_log(&text, &source_name),
    }
    .map_err(bad)?;
    let answers_path = args.out.join(ANSWERS_FILE);
    let answers_text = files::read_text(&answers_path, ANSWERS_LIMIT).map_err(|error| {
        CommandError::bad_input(format!("{error}"))
            .with_fix(format!(
                "render the artifacts first: wi-aws --answers-file F --out {}",
                args.out.display()
            ))
            .nothing_written()
    })?;
    let problems = |problems: crate::answers::problem::Problems| {
        CommandError::bad_input(format!("{}: {problems}", answers_path.display())).nothing_written()
    };
    let read = files::set_file_reader(&args.out);
    let fleet =
        crate::answers::fleet::from_answers_file_reading(&answers_text, &read).map_err(problems)?;
    let (mut answers, _) = FleetAnswers::from_yaml(&answers_text);
    answers.read_named_files(&read);
    let said = assigned::apply(&assigned, &fleet, &mut answers, &source_name).map_err(bad)?;
    // What the new answers give is checked before anything is written: an ARN of another
    // region or account is refused here, with its field.
    let fleet = crate::answers::fleet::validate(&answers)
        .map_err(|found| problems(crate::answers::problem::Problems(found)))?;
    for line in &said {
        crate::outln!("{source_name}: {line}");
    }
    let render = super::render::RenderArgs {
        answers_file: None,
        out: args.out.clone(),
        // The files that name the ARNs change: tbot's, the trust policies, the scripts.
        force: true,
        dry_run: args.dry_run,
        templates: None,
        proxy: None,
        connection: ConnectionArgs {
            ca_file: None,
            timeout: 10.0,
        },
        no_verify: args.no_verify,
        install_profile: false,
    };
    super::render::render_checked(fleet, &render)
}

/// The text of `path` (`-`: stdin), bounded like an answers file, and its name for messages.
fn read_source(path: &Path) -> Result<(String, String), CommandError> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .take(ANSWERS_LIMIT + 1)
            .read_to_string(&mut text)
            .map_err(|error| CommandError::bad_input(format!("stdin: {error}")))?;
        if text.len() as u64 > ANSWERS_LIMIT {
            return Err(CommandError::bad_input(format!(
                "stdin: more than {ANSWERS_LIMIT} bytes; this is not what an apply printed"
            )));
        }
        return Ok((text, "stdin".to_owned()));
    }
    let text = files::read_text(path, ANSWERS_LIMIT)
        .map_err(|error| CommandError::bad_input(format!("{error}")).nothing_written())?;
    Ok((text, path.display().to_string()))
}
