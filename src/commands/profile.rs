//! `wi-aws profile install|remove`: the workload's profile merged into the real AWS config
//! file, in a marked block, written atomically with the file's mode and owner kept.

use super::CommandError;
use crate::profile::disk;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Add (or update) the profile of the rendered aws/config in the AWS config file, inside
    /// `# BEGIN wi-aws NAME` … `# END wi-aws NAME`. Every other byte of the file is kept; a
    /// backup is saved the first time.
    Install(ProfileArgs),
    /// Take wi-aws's block for the profile out of the AWS config file.
    Remove(ProfileArgs),
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// The directory the artifacts were rendered to.
    #[arg(long, value_name = "DIR", default_value = "wi-aws-out")]
    pub out: PathBuf,

    /// In a fleet's directory: the workload whose profile it is.
    #[arg(long, value_name = "NAME")]
    pub workload: Option<String>,

    /// The AWS config file [default: $AWS_CONFIG_FILE, else ~/.aws/config].
    #[arg(long, value_name = "PATH")]
    pub aws_config: Option<PathBuf>,

    /// install: comment out a section of the same name that wi-aws did not write (it is kept,
    /// never deleted) instead of refusing.
    #[arg(long)]
    pub force: bool,
}

pub fn run(command: &ProfileCommand) -> Result<u8, CommandError> {
    let (args, installing) = match command {
        ProfileCommand::Install(args) => (args, true),
        ProfileCommand::Remove(args) => (args, false),
    };
    if installing && !crate::artifacts::pipeline::has_profiles(&args.out) {
        return Err(CommandError::bad_input(format!(
            "profile install: the set in {} runs on Kubernetes (tbot.runs_on): it has no AWS profile; the workload's container gets its AWS environment from kubernetes/deployment-patch.yaml",
            args.out.display()
        )));
    }
    let profiles =
        disk::rendered_profiles(&args.out, args.workload.as_deref(), false).map_err(failed)?;
    let path = disk::config_path(args.aws_config.as_deref()).map_err(failed)?;
    let outcomes = match installing {
        true => disk::install(
            &profiles,
            &args.out.display().to_string(),
            &path,
            args.force,
        ),
        false => disk::remove(&profiles, &path),
    }
    .map_err(failed)?;
    for line in disk::said(&outcomes, &path) {
        crate::outln!("{line}");
    }
    if installing {
        for (name, _) in &profiles {
            crate::outln!("  try: aws sts get-caller-identity --profile {name}");
        }
    }
    Ok(crate::artifacts::pipeline::exit::OK)
}

/// Usage problems exit 2, with the fix; an I/O failure exits 1.
pub fn failed(error: disk::DiskError) -> CommandError {
    use crate::answers::problem::Advice;
    match &error {
        disk::DiskError::Refused { error: refused, .. } => {
            CommandError::bad_input(format!("profile: {error}")).with_fix(refused.fix())
        }
        disk::DiskError::Usage(_) => CommandError::bad_input(format!("profile: {error}")),
        disk::DiskError::Io(_) => CommandError::failure(format!("profile: {error}")),
    }
}
