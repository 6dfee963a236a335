//! Artifacts → disk, without surprises: every file is written atomically (temporary file in the
//! same directory, then rename), scripts are made executable, and a file that differs from what
//! would be written is only replaced with `force`. Nothing is written unless every file can be.

use crate::render::Artifact;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

impl Outcome {
    pub fn word(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Unchanged => "unchanged",
        }
    }
}

/// What writing one artifact would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub path: String,
    pub outcome: Outcome,
    /// An existing file with other content: replaced only with `force`.
    pub overwrites: bool,
}

#[derive(Debug, Error)]
pub enum WriteError {
    #[error("{} existing file(s) in {dir} differ from what would be written: {}", files.len(), files.join(", "))]
    WouldOverwrite { dir: String, files: Vec<String> },
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
}

impl WriteError {
    pub fn fix(&self) -> &'static str {
        match self {
            Self::WouldOverwrite { .. } => {
                "look at the differences with --dry-run, then rerun with --force to replace them, or choose another --out directory"
            }
            Self::Io { .. } => "check that the output directory is writable",
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Compares each artifact with what is on disk. Reads only.
pub fn preview(out_dir: &Path, artifacts: &[Artifact]) -> Result<Vec<Planned>, WriteError> {
    artifacts
        .iter()
        .map(|artifact| {
            let target = out_dir.join(&artifact.path);
            let existing = match fs::read(&target) {
                Ok(bytes) => Some(bytes),
                Err(error) if error.kind() == io::ErrorKind::NotFound => None,
                Err(error) => return Err(io_error(&target)(error)),
            };
            let (outcome, overwrites) = match existing {
                None => (Outcome::Created, false),
                Some(bytes) if bytes != artifact.contents.as_bytes() => (Outcome::Updated, true),
                // Same content: only the executable bit may need fixing.
                Some(_) if has_mode(&target, artifact.executable)? => (Outcome::Unchanged, false),
                Some(_) => (Outcome::Updated, false),
            };
            Ok(Planned {
                path: artifact.path.clone(),
                outcome,
                overwrites,
            })
        })
        .collect()
}

/// Writes every artifact that is not unchanged. Refuses, before writing anything, when a file
/// with other content exists and `force` is off.
pub fn write_all(
    out_dir: &Path,
    artifacts: &[Artifact],
    force: bool,
) -> Result<Vec<Planned>, WriteError> {
    let planned = preview(out_dir, artifacts)?;
    let conflicts: Vec<String> = planned
        .iter()
        .filter(|p| p.overwrites)
        .map(|p| p.path.clone())
        .collect();
    if !conflicts.is_empty() && !force {
        return Err(WriteError::WouldOverwrite {
            dir: out_dir.display().to_string(),
            files: conflicts,
        });
    }
    for (artifact, planned) in artifacts.iter().zip(&planned) {
        if planned.outcome != Outcome::Unchanged {
            write_atomically(&out_dir.join(&artifact.path), artifact)?;
        }
    }
    Ok(planned)
}

fn write_atomically(target: &Path, artifact: &Artifact) -> Result<(), WriteError> {
    let parent: PathBuf = target
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    fs::create_dir_all(&parent).map_err(io_error(&parent))?;
    let mut temporary = tempfile::Builder::new()
        .prefix(".wi-aws-")
        .tempfile_in(&parent)
        .map_err(io_error(&parent))?;
    temporary
        .write_all(artifact.contents.as_bytes())
        .and_then(|()| temporary.as_file().sync_all())
        .map_err(io_error(target))?;
    set_mode(temporary.path(), artifact.executable).map_err(io_error(target))?;
    temporary
        .persist(target)
        .map_err(|error| io_error(target)(error.error))?;
    // Make the rename itself durable; not every file system supports syncing a directory.
    if let Ok(dir) = fs::File::open(&parent) {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, executable: bool) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(
        path,
        fs::Permissions::from_mode(if executable { 0o755 } else { 0o644 }),
    )
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _executable: bool) -> io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn has_mode(path: &Path, executable: bool) -> Result<bool, WriteError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)
        .map_err(io_error(path))?
        .permissions()
        .mode();
    Ok((mode & 0o111 != 0) == executable)
}

#[cfg(not(unix))]
fn has_mode(_path: &Path, _executable: bool) -> Result<bool, WriteError> {
    Ok(true)
}
