//! `wi-aws profile install|remove`: the workload's profile merged into the real AWS config
//! file, in a marked block, written atomically with the file's mode and owner kept.

use super::CommandError;
use crate::profile::{self, Change};
use crate::render::AWS_CONFIG;
use crate::verify::Files;
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

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
    let (name, section) = rendered_section(args)?;
    let path = config_path(args)?;
    let shown = path.display().to_string();
    let existing = match std::fs::symlink_metadata(&path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        _ => crate::files::read_text(&path, crate::files::ANSWERS_LIMIT)
            .map_err(|error| CommandError::bad_input(format!("{error}")))?,
    };
    let refused = |error: profile::ProfileError| {
        use crate::problem::Advice;
        CommandError::bad_input(format!("{shown}: {error}")).with_fix(error.fix())
    };
    if !installing {
        return match profile::remove(&existing, &name).map_err(refused)? {
            None => {
                println!("no wi-aws block for profile {name} in {shown}: nothing to remove");
                Ok(crate::pipeline::exit::OK)
            }
            Some(text) => {
                replace(&path, &text, false)?;
                println!("removed profile {name} from {shown}");
                Ok(crate::pipeline::exit::OK)
            }
        };
    }
    let source = args.out.display().to_string();
    match profile::install(&existing, &name, &section, &source, args.force).map_err(refused)? {
        Change::Unchanged => println!("unchanged: profile {name} in {shown}"),
        Change::Updated {
            text,
            commented_out,
        } => {
            let backup = replace(&path, &text, !existing.is_empty())?;
            println!("installed profile {name} in {shown}");
            if commented_out {
                println!("  the section [profile {name}] that was there is commented out above it");
            }
            if let Some(backup) = backup {
                println!("  the file as it was is saved as {}", backup.display());
            }
            println!("  try: aws sts get-caller-identity --profile {name}");
        }
    }
    Ok(crate::pipeline::exit::OK)
}

/// The profile's name and section in the rendered aws/config of the workload.
fn rendered_section(args: &ProfileArgs) -> Result<(String, String), CommandError> {
    let fleet = crate::verify::read_answers(&args.out)
        .map_err(|error| CommandError::bad_input(format!("profile: {error}")))?;
    let names: Vec<&str> = fleet.workloads.iter().map(|w| w.name.as_str()).collect();
    let files = match (fleet.form, args.workload.as_deref(), names.as_slice()) {
        (crate::answers::Form::Single, _, _) => Files::Single,
        (_, Some(name), _) if names.contains(&name) => Files::Workload(name),
        (_, None, [only]) => Files::Workload(only),
        (_, _, _) => {
            return Err(CommandError::bad_input(format!(
                "profile: {} is a fleet: name the workload with --workload ({})",
                args.out.display(),
                names.join(", ")
            )));
        }
    };
    let relative = files.path(&AWS_CONFIG);
    let rendered = crate::files::read_in_dir(&args.out, &relative, crate::files::ARTIFACT_LIMIT)
        .map_err(|error| CommandError::bad_input(format!("profile: {error}")))?;
    profile::section_of(&rendered)
        .map_err(|error| CommandError::bad_input(format!("profile: {relative}: {error}")))
}

/// `--aws-config`, `$AWS_CONFIG_FILE` or `~/.aws/config`; a link is followed, so the file it
/// points to is the one replaced (dotfile managers link it).
fn config_path(args: &ProfileArgs) -> Result<PathBuf, CommandError> {
    let path = match (&args.aws_config, std::env::var_os("AWS_CONFIG_FILE")) {
        (Some(path), _) => path.clone(),
        (None, Some(path)) if !path.is_empty() => PathBuf::from(path),
        _ => {
            let home = std::env::var_os("HOME").ok_or_else(|| {
                CommandError::bad_input("profile: HOME is not set")
                    .with_fix("give --aws-config PATH")
            })?;
            Path::new(&home).join(".aws").join("config")
        }
    };
    Ok(std::fs::canonicalize(&path).unwrap_or(path))
}

/// Replaces the file atomically (a temporary file next to it, renamed), with the mode and
/// owner it had (0600 for a new one); saves `<file>.wi-aws-backup` first when `backup` and
/// there is none yet.
fn replace(path: &Path, text: &str, backup: bool) -> Result<Option<PathBuf>, CommandError> {
    use std::io::Write;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let failed = |what: &str, error: std::io::Error| {
        CommandError::failure(format!("{what} {}: {error}", path.display()))
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    if !dir.exists() {
        std::fs::create_dir_all(dir).map_err(|e| failed("cannot create the directory of", e))?;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    let before = std::fs::metadata(path).ok();
    let mut saved = None;
    if backup {
        let copy = PathBuf::from(format!("{}.wi-aws-backup", path.display()));
        if !copy.exists() {
            std::fs::copy(path, &copy).map_err(|e| failed("cannot back up", e))?;
            saved = Some(copy);
        }
    }
    let mut temporary = tempfile::Builder::new()
        .prefix(".wi-aws-")
        .tempfile_in(dir)
        .map_err(|e| failed("cannot write next to", e))?;
    temporary
        .write_all(text.as_bytes())
        .and_then(|()| temporary.as_file().sync_all())
        .map_err(|e| failed("cannot write", e))?;
    let mode = before.as_ref().map_or(0o600, |m| m.mode() & 0o7777);
    std::fs::set_permissions(temporary.path(), std::fs::Permissions::from_mode(mode))
        .map_err(|e| failed("cannot set the mode of", e))?;
    if let Some(before) = &before {
        // Only root may give a file away; for anyone else the owner is already theirs.
        let _ = std::os::unix::fs::chown(temporary.path(), Some(before.uid()), Some(before.gid()));
    }
    temporary
        .persist(path)
        .map_err(|e| failed("cannot replace", e.error))?;
    Ok(saved)
}
