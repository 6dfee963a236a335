//! The profile merge on disk: the rendered profiles of an output directory, the user's AWS
//! config file found and replaced atomically with its mode and owner, a backup the first time.

use super::{Change, ProfileError, install as merge, remove as unmerge, section_of};
use crate::answers::Form;
use crate::artifacts::render::AWS_CONFIG;
use crate::verify::Files;
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum DiskError {
    /// The output directory or the choice of workload is wrong: usage.
    #[error("{0}")]
    Usage(String),
    #[error("{path}: {error}")]
    Refused { path: String, error: ProfileError },
    #[error("{0}")]
    Io(String),
}

/// What happened to one profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Unchanged,
    Installed { commented_out: bool },
    Removed,
    NotThere,
}

/// `explicit`, `$AWS_CONFIG_FILE` or `~/.aws/config`; a link is followed, so the file it
/// points to is the one replaced (dotfile managers link it).
pub fn config_path(explicit: Option<&Path>) -> Result<PathBuf, DiskError> {
    let path = match (explicit, std::env::var_os("AWS_CONFIG_FILE")) {
        (Some(path), _) => path.to_path_buf(),
        (None, Some(path)) if !path.is_empty() => PathBuf::from(path),
        _ => {
            let home = std::env::var_os("HOME").ok_or_else(|| {
                DiskError::Usage("HOME is not set: give --aws-config PATH".into())
            })?;
            Path::new(&home).join(".aws").join("config")
        }
    };
    Ok(std::fs::canonicalize(&path).unwrap_or(path))
}

/// The (name, section) of each profile rendered in `out`: the one of a version 1 set, the
/// named workload's of a fleet, or every workload's with `every`.
pub fn rendered_profiles(
    out: &Path,
    workload: Option<&str>,
    every: bool,
) -> Result<Vec<(String, String)>, DiskError> {
    let fleet = crate::verify::read_answers(out).map_err(|e| DiskError::Usage(e.to_string()))?;
    let names: Vec<&str> = fleet.workloads.iter().map(|w| w.name.as_str()).collect();
    let files: Vec<Files<'_>> = match (fleet.form, workload, names.as_slice()) {
        (Form::Single, _, _) => vec![Files::Single],
        (_, Some(name), _) if names.contains(&name) => vec![Files::Workload(name)],
        (_, None, [only]) => vec![Files::Workload(only)],
        (_, None, _) if every => names.iter().map(|name| Files::Workload(name)).collect(),
        _ => {
            return Err(DiskError::Usage(format!(
                "{} is a fleet: name the workload with --workload ({})",
                out.display(),
                names.join(", ")
            )));
        }
    };
    files
        .into_iter()
        .map(|files| {
            let relative = files.path(&AWS_CONFIG);
            let text = crate::artifacts::files::read_in_dir(
                out,
                &relative,
                crate::artifacts::files::ARTIFACT_LIMIT,
            )
            .map_err(|e| DiskError::Usage(e.to_string()))?;
            section_of(&text).map_err(|error| DiskError::Refused {
                path: out.join(&relative).display().to_string(),
                error,
            })
        })
        .collect()
}

fn read_config(path: &Path) -> Result<String, DiskError> {
    match std::fs::symlink_metadata(path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        _ => crate::artifacts::files::read_text(path, crate::artifacts::files::ANSWERS_LIMIT)
            .map_err(|e| DiskError::Usage(e.to_string())),
    }
}

/// What an edit did: each profile's outcome, and the backup saved, if one was.
pub type Edited = (Vec<(String, Outcome)>, Option<PathBuf>);

/// Applies `each` (the text so far, a profile's name and section → the new text if it
/// changed, and the outcome) for every profile, then writes the file once if it changed.
fn edit(
    path: &Path,
    profiles: &[(String, String)],
    backup: bool,
    mut each: impl FnMut(&str, &str, &str) -> Result<(Option<String>, Outcome), ProfileError>,
) -> Result<Edited, DiskError> {
    let original = read_config(path)?;
    let mut text = original.clone();
    let mut outcomes = Vec::new();
    for (name, section) in profiles {
        let (changed, outcome) =
            each(&text, name, section).map_err(|error| DiskError::Refused {
                path: path.display().to_string(),
                error,
            })?;
        text = changed.unwrap_or(text);
        outcomes.push((name.clone(), outcome));
    }
    let saved = match text == original {
        true => None,
        false => replace(path, &text, backup && !original.is_empty())?,
    };
    Ok((outcomes, saved))
}

/// Installs each profile into the config file at `path`, one block each; the file as it
/// was is saved the first time.
pub fn install(
    profiles: &[(String, String)],
    source: &str,
    path: &Path,
    force: bool,
) -> Result<Edited, DiskError> {
    edit(path, profiles, true, |text, name, section| {
        Ok(match merge(text, name, section, source, force)? {
            Change::Unchanged => (None, Outcome::Unchanged),
            Change::Updated {
                text,
                commented_out,
            } => (Some(text), Outcome::Installed { commented_out }),
        })
    })
}

/// Takes each profile's block out of the config file at `path`.
pub fn remove(profiles: &[(String, String)], path: &Path) -> Result<Edited, DiskError> {
    edit(path, profiles, false, |text, name, _| {
        Ok(match unmerge(text, name)? {
            Some(without) => (Some(without), Outcome::Removed),
            None => (None, Outcome::NotThere),
        })
    })
}

/// Replaces the file atomically (a temporary file next to it, renamed), with the mode and
/// owner it had (0600 for a new one); saves `<file>.wi-aws-backup` first when `backup` and
/// there is none yet.
fn replace(path: &Path, text: &str, backup: bool) -> Result<Option<PathBuf>, DiskError> {
    use std::io::Write;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let failed = |what: &str, error: std::io::Error| {
        DiskError::Io(format!("{what} {}: {error}", path.display()))
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

/// One line per profile, as every front end says it, and where the file as it was is saved.
pub fn said((outcomes, backup): &Edited, path: &Path) -> Vec<String> {
    let shown = path.display();
    let mut lines = Vec::new();
    for (name, outcome) in outcomes {
        match outcome {
            Outcome::Unchanged => lines.push(format!("unchanged: profile {name} in {shown}")),
            Outcome::Installed { commented_out } => {
                lines.push(format!("installed profile {name} in {shown}"));
                if *commented_out {
                    lines.push(format!(
                        "  the section [profile {name}] that was there is commented out above it"
                    ));
                }
            }
            Outcome::Removed => lines.push(format!("removed profile {name} from {shown}")),
            Outcome::NotThere => lines.push(format!(
                "no wi-aws block for profile {name} in {shown}: nothing to remove"
            )),
        }
    }
    if let Some(backup) = backup {
        lines.push(format!(
            "  the file as it was is saved as {}",
            backup.display()
        ));
    }
    lines
}
