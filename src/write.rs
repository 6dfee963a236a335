//! Artifacts → disk, without surprises: every file is written atomically (temporary file in the
//! same directory, then rename), scripts are made executable, and a file that differs from what
//! would be written is only replaced with `force`. Nothing is written unless every file can be.

use crate::files::{self, FileError, FileProblem};
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
    #[error(transparent)]
    File(#[from] FileError),
    /// Staging failed before any file was renamed into place: every file is as it was.
    #[error("{failed}: {source}")]
    NotStaged { failed: String, source: io::Error },
    #[error("{dir} is being written by {holder}; wi-aws writes one artifact set at a time")]
    Locked { dir: String, holder: String },
    #[error(
        "{failed}: {source}. Written before it: {}. Not written: {}",
        list(written),
        list(not_written)
    )]
    Partial {
        failed: String,
        source: io::Error,
        written: Vec<String>,
        not_written: Vec<String>,
    },
}

fn list(paths: &[String]) -> String {
    match paths.is_empty() {
        true => "none".into(),
        false => paths.join(", "),
    }
}

impl WriteError {
    pub fn fix(&self) -> &'static str {
        match self {
            Self::WouldOverwrite { .. } => {
                "look at the differences with --dry-run, then rerun with --force to replace them, or choose another --out directory"
            }
            Self::Io { .. } => "check that the output directory is writable",
            Self::File(FileError {
                problem: FileProblem::Symlink(_) | FileProblem::Escapes { .. },
                ..
            }) => {
                "replace the link with a real directory or file, or choose another --out directory"
            }
            Self::File(_) => "move that file away, or choose another --out directory",
            Self::Locked { .. } => "wait for the other run to finish, then run again",
            Self::NotStaged { .. } => "free space or fix permissions, then run again",
            Self::Partial { .. } => {
                "free space or fix permissions, then run again: the files written are complete, and a rerun writes the rest"
            }
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
    files::refuse_non_directory(out_dir)?;
    artifacts
        .iter()
        .map(|artifact| {
            let target = out_dir.join(&artifact.path);
            files::refuse_symlinks_in(out_dir, &artifact.path)?;
            let limit = files::ARTIFACT_LIMIT;
            let existing = match files::read_bytes_in_dir(out_dir, &artifact.path, limit) {
                Ok(bytes) => Some(bytes),
                Err(error) if error.is_not_found() => None,
                Err(error) => return Err(error.into()),
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
/// with other content exists and `force` is off. Holds an advisory lock on `out_dir` while it
/// compares and writes, so two runs cannot mix their artifact sets.
pub fn write_all(
    out_dir: &Path,
    artifacts: &[Artifact],
    force: bool,
) -> Result<Vec<Planned>, WriteError> {
    files::refuse_non_directory(out_dir)?;
    fs::create_dir_all(out_dir).map_err(io_error(out_dir))?;
    let directory = lock(out_dir)?;
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
    remove_stale_temporaries(out_dir, artifacts);
    // Every new content goes to a temporary file next to its target first: a failure there (a
    // full disk) leaves every file as it was, and the temporaries are removed as they drop.
    // Each is closed once written: a large fleet has more files than a process may keep open.
    let mut staged = Vec::new();
    for (index, (artifact, plan)) in artifacts.iter().zip(&planned).enumerate() {
        if plan.outcome == Outcome::Unchanged {
            continue;
        }
        let target = out_dir.join(&artifact.path);
        let temporary = stage(&target, artifact).map_err(|source| WriteError::NotStaged {
            failed: target.display().to_string(),
            source,
        })?;
        staged.push((index, target, temporary));
    }
    // On disk before any rename, so a crash never leaves a renamed but empty file: one sync of
    // the file system for all of them (thousands of files for a large fleet), or each file.
    if !staged.is_empty() && !sync_file_system(&directory) {
        for (_, target, temporary) in &staged {
            fs::File::open(temporary)
                .and_then(|file| file.sync_all())
                .map_err(|source| WriteError::NotStaged {
                    failed: target.display().to_string(),
                    source,
                })?;
        }
    }
    let mut written = Vec::new();
    let mut directories: std::collections::BTreeSet<PathBuf> = std::collections::BTreeSet::new();
    for (index, target, temporary) in staged {
        if let Err(error) = temporary.persist(&target) {
            return Err(WriteError::Partial {
                failed: target.display().to_string(),
                source: error.error,
                written,
                not_written: still_to_write(&planned[index..]),
            });
        }
        written.push(artifacts[index].path.clone());
        if let Some(parent) = target.parent() {
            directories.insert(parent.to_path_buf());
        }
    }
    // Make the renames durable, each directory once; not every file system can sync one.
    for directory in directories {
        if let Ok(directory) = fs::File::open(&directory) {
            let _ = directory.sync_all();
        }
    }
    Ok(planned)
}

/// `syncfs(2)`: everything written to the file system of `file` (the output directory) is on
/// disk. `false` where it
/// is not available or fails (each file is then synced on its own).
#[cfg(target_os = "linux")]
fn sync_file_system(file: &fs::File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: the descriptor is open for the duration of the call.
    unsafe { libc::syncfs(file.as_raw_fd()) == 0 }
}

#[cfg(not(target_os = "linux"))]
fn sync_file_system(_file: &fs::File) -> bool {
    false
}

/// The paths among `planned` that were still to be written.
fn still_to_write(planned: &[Planned]) -> Vec<String> {
    planned
        .iter()
        .filter(|p| p.outcome != Outcome::Unchanged)
        .map(|p| p.path.clone())
        .collect()
}

/// The prefix of the temporary files [`write_atomically`] makes next to its target.
const TEMPORARY_PREFIX: &str = ".wi-aws-";

/// A run killed between writing a temporary file and renaming it (kill -9, a power cut)
/// leaves it behind; with the lock held, any such file in these directories is stale.
fn remove_stale_temporaries(out_dir: &Path, artifacts: &[Artifact]) {
    let mut dirs: Vec<PathBuf> = artifacts
        .iter()
        .filter_map(|a| out_dir.join(&a.path).parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let stale = entry
                .file_name()
                .to_string_lossy()
                .starts_with(TEMPORARY_PREFIX)
                && entry.file_type().is_ok_and(|t| t.is_file());
            if stale {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// An exclusive advisory lock on the directory itself (no lock file to leave behind), held
/// until the returned file is dropped.
fn lock(out_dir: &Path) -> Result<fs::File, WriteError> {
    let directory = fs::File::open(out_dir).map_err(io_error(out_dir))?;
    match fs4::FileExt::try_lock(&directory) {
        Ok(()) => Ok(directory),
        Err(fs4::TryLockError::WouldBlock) => Err(WriteError::Locked {
            dir: out_dir.display().to_string(),
            holder: lock_holder(&directory)
                .map_or_else(|| "another process".into(), |pid| format!("process {pid}")),
        }),
        Err(fs4::TryLockError::Error(error)) => Err(io_error(out_dir)(error)),
    }
}

/// The process holding a lock on `file`, from Linux's /proc/locks (`None` elsewhere).
fn lock_holder(file: &fs::File) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    let inode = file.metadata().ok()?.ino();
    let locks = files::read_text(Path::new("/proc/locks"), 1 << 20).ok()?;
    locks.lines().find_map(|line| {
        // "1: FLOCK  ADVISORY  WRITE 12345 08:01:1234567 0 EOF"
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (pid, device_inode) = (fields.get(4)?, fields.get(5)?);
        let lock_inode = device_inode.rsplit(':').next()?.parse::<u64>().ok()?;
        (lock_inode == inode).then(|| pid.parse().ok()).flatten()
    })
}

/// The new content of `target` in a temporary file next to it, with its mode, not yet synced.
fn stage(target: &Path, artifact: &Artifact) -> io::Result<tempfile::TempPath> {
    let parent: PathBuf = target
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    fs::create_dir_all(&parent)?;
    let mut temporary = tempfile::Builder::new()
        .prefix(TEMPORARY_PREFIX)
        .tempfile_in(&parent)?;
    temporary.write_all(artifact.contents.as_bytes())?;
    set_mode(temporary.path(), artifact.executable)?;
    Ok(temporary.into_temp_path())
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
