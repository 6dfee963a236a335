//! Artifacts → disk, without surprises: every file is written atomically (a temporary file in the
//! same directory, or a whole new directory under a temporary name, then rename), scripts are
//! made executable, and a file that differs from what would be written is only replaced with
//! `force`. Nothing is written unless every file can be.

use crate::artifacts::files::{self, FileError, FileProblem};
use crate::artifacts::render::Artifact;
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
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

/// What an artifact's directory is on disk. Each directory of a set is looked at once, so a
/// fleet's 7,000 files cost a few system calls each, not a walk of their whole path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Directory {
    /// Not there (nor anything above it up to the first missing one): made when writing.
    Missing,
    /// A real directory, every component from the output directory down checked not to be a
    /// symbolic link.
    Real,
}

/// The artifacts' directories below `out_dir`, each checked once, parents before children.
#[derive(Debug, Default)]
struct Directories {
    states: BTreeMap<PathBuf, Directory>,
}

impl Directories {
    /// The state of `relative` (a directory below `out_dir`; empty for `out_dir` itself). A
    /// symbolic link, or a file where a directory must be, is refused naming it: a write
    /// through it would land outside `out_dir`.
    fn state(&mut self, out_dir: &Path, relative: &Path) -> Result<Directory, FileError> {
        if relative.as_os_str().is_empty() {
            return Ok(Directory::Real);
        }
        if let Some(state) = self.states.get(relative) {
            return Ok(*state);
        }
        let parent = relative.parent().unwrap_or(Path::new(""));
        let state = match self.state(out_dir, parent)? {
            Directory::Missing => Directory::Missing,
            Directory::Real => {
                let path = out_dir.join(relative);
                match fs::symlink_metadata(&path) {
                    Ok(metadata) if metadata.file_type().is_symlink() => {
                        let dir = out_dir.display().to_string();
                        return Err(FileError::new(&path, FileProblem::Symlink(dir)));
                    }
                    Ok(metadata) if !metadata.is_dir() => {
                        return Err(FileError::new(&path, FileProblem::NotADirectory));
                    }
                    Ok(_) => Directory::Real,
                    Err(error) if error.kind() == io::ErrorKind::NotFound => Directory::Missing,
                    Err(error) => return Err(FileError::io(&path)(error)),
                }
            }
        };
        self.states.insert(relative.to_path_buf(), state);
        Ok(state)
    }

    fn missing(&self) -> impl Iterator<Item = &Path> {
        self.states
            .iter()
            .filter(|(_, state)| **state == Directory::Missing)
            .map(|(path, _)| path.as_path())
    }

    fn real(&self) -> impl Iterator<Item = &Path> {
        self.states
            .iter()
            .filter(|(_, state)| **state == Directory::Real)
            .map(|(path, _)| path.as_path())
    }
}

/// Compares each artifact with what is on disk, and notes the state of each directory.
/// Reads only.
fn survey(
    out_dir: &Path,
    artifacts: &[Artifact],
) -> Result<(Vec<Planned>, Directories), WriteError> {
    files::refuse_non_directory(out_dir)?;
    let mut directories = Directories::default();
    let planned = artifacts
        .iter()
        .map(|artifact| {
            let relative = Path::new(&artifact.path);
            let parent = relative.parent().unwrap_or(Path::new(""));
            let existing = match directories.state(out_dir, parent)? {
                Directory::Missing => None,
                Directory::Real => {
                    let target = out_dir.join(relative);
                    match files::read_regular_no_follow(&target, files::ARTIFACT_LIMIT, out_dir) {
                        Ok(existing) => Some(existing),
                        Err(error) if error.is_not_found() => None,
                        Err(error) => return Err(WriteError::from(error)),
                    }
                }
            };
            let (outcome, overwrites) = match existing {
                None => (Outcome::Created, false),
                Some((bytes, _)) if bytes != artifact.contents.as_bytes() => {
                    (Outcome::Updated, true)
                }
                // Same content: only the executable bit may need fixing.
                Some((_, mode)) if is_executable(mode) == artifact.executable => {
                    (Outcome::Unchanged, false)
                }
                Some(_) => (Outcome::Updated, false),
            };
            Ok(Planned {
                path: artifact.path.clone(),
                outcome,
                overwrites,
            })
        })
        .collect::<Result<_, WriteError>>()?;
    Ok((planned, directories))
}

fn is_executable(mode: u32) -> bool {
    mode & 0o111 != 0
}

/// Compares each artifact with what is on disk. Reads only.
pub fn preview(out_dir: &Path, artifacts: &[Artifact]) -> Result<Vec<Planned>, WriteError> {
    Ok(survey(out_dir, artifacts)?.0)
}

/// Writes every artifact that is not unchanged, as [`write_all_then`] does.
pub fn write_all(
    out_dir: &Path,
    artifacts: &[Artifact],
    force: bool,
) -> Result<Vec<Planned>, WriteError> {
    write_all_then(out_dir, artifacts, force, || {})
}

/// Writes every artifact that is not unchanged. Refuses, before writing anything, when a file
/// with other content exists and `force` is off. Holds an advisory lock on `out_dir` while it
/// compares and writes, so two runs cannot mix their artifact sets.
///
/// Everything is staged before anything is renamed into place, so a failure while staging (a
/// full disk) leaves every file as it was. A file in a directory that exists is staged in a
/// temporary file next to its target. A directory that does not exist yet is built whole, with
/// its files under their own names, under a temporary name in the first directory above it that
/// exists, and renamed into place at once: a fleet's first write (7,000 files in 5,000 new
/// directories) renames five directories and three files, not 7,000 files. The staging is shared out over the
/// cores (the file system creates files in parallel). One `syncfs` puts the staged files on
/// disk before the renames and one more makes the renames durable.
///
/// `staged` is called once everything is staged (or nothing needs to be), before the wait for
/// the disk: the processor is free from then on.
pub fn write_all_then(
    out_dir: &Path,
    artifacts: &[Artifact],
    force: bool,
    staged: impl FnOnce(),
) -> Result<Vec<Planned>, WriteError> {
    files::refuse_non_directory(out_dir)?;
    fs::create_dir_all(out_dir).map_err(io_error(out_dir))?;
    let lock = lock(out_dir)?;
    let (planned, directories) = survey(out_dir, artifacts)?;
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
    let to_write: Vec<&Artifact> = planned
        .iter()
        .zip(artifacts)
        .filter(|(planned, _)| planned.outcome != Outcome::Unchanged)
        .map(|(_, artifact)| artifact)
        .collect();
    if to_write.is_empty() {
        staged();
        return Ok(planned);
    }
    // A run killed between staging and renaming leaves temporaries behind; with the lock
    // held, any in the directories already there (the output directory too) is stale. New
    // directories hold none.
    for directory in std::iter::once(Path::new("")).chain(directories.real()) {
        remove_stale_temporaries(&out_dir.join(directory));
    }
    let mut staging = Staging::plan(out_dir, directories.missing(), &to_write);
    let not_staged = |(path, source): (PathBuf, io::Error)| WriteError::NotStaged {
        failed: path.display().to_string(),
        source,
    };
    staging.stage(&to_write).map_err(not_staged)?;
    staged();
    // On disk before any rename, so a crash never leaves a renamed but empty file: one sync of
    // the file system for all of them, or each file and new directory where that cannot be.
    if !sync_file_system(&lock) {
        staging.sync_each().map_err(not_staged)?;
    }
    // Put in place whole: a signal's exit waits for the renames, or comes before them.
    let renaming = Staging::still_open().map_err(|source| WriteError::NotStaged {
        failed: out_dir.display().to_string(),
        source,
    })?;
    for unit in 0..staging.units.len() {
        if let Err(source) = staging.put_in_place(unit) {
            let (mut written, mut not_written) = (Vec::new(), Vec::new());
            for (artifact, file) in to_write.iter().zip(&staging.files) {
                match staging.units[file.unit].in_place {
                    true => written.push(artifact.path.clone()),
                    false => not_written.push(artifact.path.clone()),
                }
            }
            return Err(WriteError::Partial {
                failed: staging.units[unit].target.display().to_string(),
                source,
                written,
                not_written,
            });
        }
    }
    drop(renaming);
    // The renames themselves durable: one more sync, or each directory where that cannot be.
    if !sync_file_system(&lock) {
        for directory in
            std::iter::once(Path::new("")).chain(directories.states.keys().map(PathBuf::as_path))
        {
            if let Ok(directory) = fs::File::open(out_dir.join(directory)) {
                let _ = directory.sync_all();
            }
        }
    }
    staging.done();
    Ok(planned)
}

/// One rename that puts staged content in place: a file next to its target, or a new
/// directory with everything below it.
struct Unit {
    target: PathBuf,
    staged: PathBuf,
    is_directory: bool,
    /// Set once `staged` was made by this write (never for a name that was taken): only then
    /// is it ours to remove.
    made: AtomicBool,
    in_place: bool,
}

/// A new directory, or a file, and where it is staged.
struct Staged {
    /// What the user knows it as: named when it cannot be made.
    target: PathBuf,
    path: PathBuf,
    /// The unit that puts it in place.
    unit: usize,
}

/// A new directory and the files (by index in [`Staging::files`]) staged in it: made together,
/// so that each core makes a directory and fills it, rather than all of them making
/// directories in the same parent, which the file system does one at a time.
struct NewDirectory {
    staged: Staged,
    files: Vec<usize>,
}

/// What the writes in progress have made and not yet put in place, by write, with whether
/// each is a directory: a signal's exit removes them ([`remove_staged`]), since
/// `process::exit` runs no destructor.
static IN_FLIGHT: Mutex<BTreeMap<u64, Vec<(PathBuf, bool)>>> = Mutex::new(BTreeMap::new());
static NEXT_WRITE: AtomicU64 = AtomicU64::new(0);
/// Held for reading while a staged directory is made and filled, or a staged file made (see
/// [`Staging::still_open`]); [`remove_staged`] holds it for writing. `true` once it ran, after
/// which nothing more is staged.
static STOPPED: RwLock<bool> = RwLock::new(false);

fn in_flight() -> std::sync::MutexGuard<'static, BTreeMap<u64, Vec<(PathBuf, bool)>>> {
    // A panic while the lock was held leaves nothing half-done in a list of paths.
    IN_FLIGHT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn remove_staged_path(path: &Path, is_directory: bool) {
    let _ = match is_directory {
        true => fs::remove_dir_all(path),
        false => fs::remove_file(path),
    };
}

/// Removes every file and directory that writes in progress have staged and not put in
/// place, and stops them staging more: for a signal's handler, before it exits. Only what this
/// process made goes (what was put in place is no longer at its staged name).
pub fn remove_staged() {
    let mut stopped = STOPPED
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *stopped = true;
    let staged = std::mem::take(&mut *in_flight());
    for (path, is_directory) in staged.into_values().flatten() {
        remove_staged_path(&path, is_directory);
    }
}

/// The temporaries of one write, planned first (paths only) and then made. Until
/// [`Staging::done`], dropping it removes every file and directory it made that was not
/// renamed into place, so a failed write leaves the output directory as it found it.
struct Staging {
    units: Vec<Unit>,
    /// Every new directory by depth, each depth's after the one above it: the directories of a
    /// depth, and the files in them, can be made at once.
    new_directories: Vec<Vec<NewDirectory>>,
    /// Each file to write, in the order given.
    files: Vec<Staged>,
    /// The files (by index in `files`) in directories that exist.
    in_existing_directories: Vec<usize>,
    /// The bits the process's umask clears: a mode it would narrow is set explicitly.
    umask: u32,
    /// This write's key in [`IN_FLIGHT`].
    id: u64,
}

impl Staging {
    /// Where each of the `missing` directories (relative to `out_dir`, parents before
    /// children) and each file is staged. Touches nothing on disk.
    fn plan<'a>(
        out_dir: &Path,
        missing: impl Iterator<Item = &'a Path>,
        to_write: &[&Artifact],
    ) -> Self {
        // Distinct per run and per file, with `create_new` and `mkdir` refusing any name
        // already taken.
        let prefix = format!("{TEMPORARY_PREFIX}{}-", std::process::id());
        let mut units = Vec::new();
        let mut unit = |target: PathBuf, staged: PathBuf, is_directory: bool| {
            units.push(Unit {
                target,
                staged,
                is_directory,
                made: AtomicBool::new(false),
                in_place: false,
            });
            units.len() - 1
        };
        // Each new directory → where it is staged, its unit, and its place in
        // `new_directories`.
        let mut staged_at: BTreeMap<&Path, (PathBuf, usize, (usize, usize))> = BTreeMap::new();
        let mut new_directories: Vec<Vec<NewDirectory>> = Vec::new();
        for relative in missing {
            let parent = relative.parent().unwrap_or(Path::new(""));
            let (path, of) = match staged_at.get(parent) {
                Some((staged_parent, of, _)) => (
                    staged_parent.join(relative.file_name().unwrap_or_default()),
                    *of,
                ),
                None => {
                    let staged = out_dir
                        .join(parent)
                        .join(format!("{prefix}d{}", staged_at.len()));
                    (staged.clone(), unit(out_dir.join(relative), staged, true))
                }
            };
            let depth = relative.components().count();
            if new_directories.len() < depth {
                new_directories.resize_with(depth, Vec::new);
            }
            let place = (depth - 1, new_directories[depth - 1].len());
            new_directories[depth - 1].push(NewDirectory {
                staged: Staged {
                    target: out_dir.join(relative),
                    path: path.clone(),
                    unit: of,
                },
                files: Vec::new(),
            });
            staged_at.insert(relative, (path, of, place));
        }
        let mut in_existing_directories = Vec::new();
        let mut files = Vec::with_capacity(to_write.len());
        for (index, artifact) in to_write.iter().enumerate() {
            let relative = Path::new(&artifact.path);
            let parent = relative.parent().unwrap_or(Path::new(""));
            let staged = match staged_at.get(parent) {
                Some((staged_parent, of, (depth, at))) => {
                    new_directories[*depth][*at].files.push(index);
                    Staged {
                        target: out_dir.join(relative),
                        path: staged_parent.join(relative.file_name().unwrap_or_default()),
                        unit: *of,
                    }
                }
                None => {
                    in_existing_directories.push(index);
                    let temporary = out_dir.join(parent).join(format!("{prefix}{index}"));
                    Staged {
                        target: out_dir.join(relative),
                        path: temporary.clone(),
                        unit: unit(out_dir.join(relative), temporary, false),
                    }
                }
            };
            files.push(staged);
        }
        // Cousins before siblings (hosts/w0, iam/w0, teleport/w0, hosts/w1, …): the cores make
        // directories in different parents at once, rather than wait on one parent's lock.
        for depth in &mut new_directories {
            depth.sort_by(|a, b| {
                let (a, b) = (&a.staged.target, &b.staged.target);
                (a.file_name(), a.parent()).cmp(&(b.file_name(), b.parent()))
            });
        }
        Self {
            units,
            new_directories,
            files,
            in_existing_directories,
            umask: current_umask(),
            id: NEXT_WRITE.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Makes the new directories, each depth's on every core, each with its files, and then
    /// the files in directories that exist.
    fn stage(&self, to_write: &[&Artifact]) -> Result<(), (PathBuf, io::Error)> {
        let write = |index: &usize| {
            let file = &self.files[*index];
            self.write_file(file, to_write[*index])
                .map_err(|error| (file.target.clone(), error))
        };
        for depth in &self.new_directories {
            Self::on_every_core(depth, |directory| {
                let staged = &directory.staged;
                let _open = Self::still_open().map_err(|error| (staged.target.clone(), error))?;
                fs::create_dir(&staged.path).map_err(|error| (staged.target.clone(), error))?;
                let unit = &self.units[staged.unit];
                if unit.staged == staged.path {
                    self.made(unit);
                }
                directory.files.iter().try_for_each(write)
            })?;
        }
        Self::on_every_core(&self.in_existing_directories, |index| {
            let _open =
                Self::still_open().map_err(|error| (self.files[*index].target.clone(), error))?;
            write(index)
        })
    }

    /// Held while one directory or file is staged, so that [`remove_staged`] waits for it and
    /// finds what it made noted: nothing is made in a staged directory while it is removed.
    /// Refused once [`remove_staged`] ran.
    fn still_open() -> io::Result<std::sync::RwLockReadGuard<'static, bool>> {
        let stopped = STOPPED
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match *stopped {
            true => Err(io::Error::new(
                io::ErrorKind::Interrupted,
                "the write was stopped by a signal",
            )),
            false => Ok(stopped),
        }
    }

    /// One file's new content where it is staged, with its mode, closed, not yet synced.
    fn write_file(&self, file: &Staged, artifact: &Artifact) -> io::Result<()> {
        let mode = if artifact.executable { 0o755 } else { 0o644 };
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options
                .mode(mode)
                .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
        }
        let mut opened = options.open(&file.path)?;
        let unit = &self.units[file.unit];
        if !unit.is_directory {
            self.made(unit);
        }
        opened.write_all(artifact.contents.as_bytes())?;
        if mode & self.umask != 0 {
            set_mode(&opened, mode)?;
        }
        Ok(())
    }

    /// Notes that `unit`'s staged file or directory is ours to remove, here and in
    /// [`IN_FLIGHT`] (under [`Staging::still_open`]).
    fn made(&self, unit: &Unit) {
        unit.made.store(true, Ordering::Relaxed);
        in_flight()
            .entry(self.id)
            .or_default()
            .push((unit.staged.clone(), unit.is_directory));
    }

    /// `make` on each item, shared out over the cores; the first failure (with the path it
    /// names), after which the items not yet begun are skipped.
    fn on_every_core<T: Sync>(
        items: &[T],
        make: impl Fn(&T) -> Result<(), (PathBuf, io::Error)> + Sync,
    ) -> Result<(), (PathBuf, io::Error)> {
        let failed = AtomicBool::new(false);
        crate::artifacts::parallel::on_every_core(items, |item| {
            if failed.load(Ordering::Relaxed) {
                return Ok(());
            }
            make(item).inspect_err(|_| failed.store(true, Ordering::Relaxed))
        })
        .into_iter()
        .collect()
    }

    /// Every staged file, and every new directory, synced on its own.
    fn sync_each(&self) -> Result<(), (PathBuf, io::Error)> {
        let directories = self.new_directories.iter().flatten();
        for staged in self
            .files
            .iter()
            .chain(directories.map(|directory| &directory.staged))
        {
            fs::File::open(&staged.path)
                .and_then(|file| file.sync_all())
                .map_err(|error| (staged.target.clone(), error))?;
        }
        Ok(())
    }

    /// Renames the `unit`th staged file or directory over its target (a link there is
    /// replaced, never followed).
    fn put_in_place(&mut self, unit: usize) -> io::Result<()> {
        let unit = &mut self.units[unit];
        fs::rename(&unit.staged, &unit.target)?;
        unit.in_place = true;
        Ok(())
    }

    fn done(mut self) {
        self.units.clear();
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        in_flight().remove(&self.id);
        for unit in &self.units {
            if unit.in_place || !unit.made.load(Ordering::Relaxed) {
                continue;
            }
            let _ = match unit.is_directory {
                true => fs::remove_dir_all(&unit.staged),
                false => fs::remove_file(&unit.staged),
            };
        }
    }
}

/// The umask, read without changing it for good (`umask(2)` only sets and returns the old one).
#[cfg(unix)]
fn current_umask() -> u32 {
    // SAFETY: umask only swaps the process's mask; the second call restores it at once.
    unsafe {
        let mask = libc::umask(0o022);
        libc::umask(mask);
        mask
    }
}

#[cfg(not(unix))]
fn current_umask() -> u32 {
    0
}

/// `syncfs(2)`: everything written to the file system of `file` (the output directory) is on
/// disk. `false` where it is not available or fails (each file is then synced on its own).
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

/// The prefix of the temporary files and directories a write stages next to their targets.
const TEMPORARY_PREFIX: &str = ".wi-aws-";

/// Removes the temporaries a killed run left in `dir`: staged files, and new directories
/// staged whole (only under the exact names a write gives them, as a whole tree goes). A link
/// with such a name is left alone (`remove_dir_all` never follows one either).
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(TEMPORARY_PREFIX)) else {
            continue;
        };
        match entry.file_type() {
            Ok(kind) if kind.is_file() => {
                let _ = fs::remove_file(entry.path());
            }
            Ok(kind) if kind.is_dir() && is_staged_directory_name(rest) => {
                let _ = fs::remove_dir_all(entry.path());
            }
            _ => {}
        }
    }
}

/// `PID-dN`, after the prefix: the name [`Staging::plan`] gives a new directory.
fn is_staged_directory_name(rest: &str) -> bool {
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    rest.split_once("-d")
        .is_some_and(|(pid, number)| digits(pid) && digits(number))
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

#[cfg(unix)]
fn set_mode(file: &fs::File, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_file: &fs::File, _mode: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn artifact(path: &str, contents: &str, executable: bool) -> Artifact {
        Artifact {
            path: path.into(),
            contents: contents.into(),
            executable,
        }
    }

    /// Every entry under `dir`, relative, sorted (links not followed).
    fn entries(dir: &Path) -> Vec<String> {
        let mut found = Vec::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(current) = pending.pop() {
            for entry in fs::read_dir(&current).expect("readable") {
                let entry = entry.expect("entry");
                let path = entry.path();
                found.push(path.strip_prefix(dir).expect("below").display().to_string());
                if entry.file_type().expect("type").is_dir() {
                    pending.push(path);
                }
            }
        }
        found.sort();
        found
    }

    #[test]
    fn new_and_existing_directories_get_every_file_with_its_mode_and_no_temporary() {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::create_dir_all(dir.path().join("hosts/a")).expect("mkdir");
        fs::write(dir.path().join("hosts/a/config"), "old").expect("write");
        let set = [
            artifact("answers.yaml", "version: 2\n", false),
            // Into directories that exist: next to the target, then renamed.
            artifact("hosts/a/config", "new", false),
            artifact("hosts/a/run.sh", "#!/bin/sh\n", true),
            // A new directory below one that exists, and a new tree below the output directory.
            artifact("hosts/b/tbot/services.yaml", "b", false),
            artifact("hosts/b/aws/config", "b config", false),
            artifact("iam/b/trust-policy.json", "{}", false),
            artifact("iam/b/setup.sh", "#!/bin/sh\n", true),
        ];
        let planned = write_all(dir.path(), &set, true).expect("writes");
        let outcomes: Vec<Outcome> = planned.iter().map(|p| p.outcome).collect();
        assert_eq!(
            outcomes,
            [
                Outcome::Created,
                Outcome::Updated,
                Outcome::Created,
                Outcome::Created,
                Outcome::Created,
                Outcome::Created,
                Outcome::Created
            ]
        );
        for file in &set {
            let path = dir.path().join(&file.path);
            assert_eq!(fs::read_to_string(&path).expect("written"), file.contents);
            let mode = fs::metadata(&path).expect("there").permissions().mode() & 0o777;
            assert_eq!(
                mode,
                if file.executable { 0o755 } else { 0o644 },
                "{path:?}"
            );
        }
        assert_eq!(
            entries(dir.path()),
            [
                "answers.yaml",
                "hosts",
                "hosts/a",
                "hosts/a/config",
                "hosts/a/run.sh",
                "hosts/b",
                "hosts/b/aws",
                "hosts/b/aws/config",
                "hosts/b/tbot",
                "hosts/b/tbot/services.yaml",
                "iam",
                "iam/b",
                "iam/b/setup.sh",
                "iam/b/trust-policy.json"
            ]
        );
        // Written again: nothing to do.
        let again = write_all(dir.path(), &set, false).expect("writes");
        assert!(again.iter().all(|p| p.outcome == Outcome::Unchanged));
    }

    /// A name the staging would take is already there as a link (to a directory elsewhere):
    /// the write stops before anything is in place, names the directory it could not make,
    /// and leaves the link, and what it leads to, alone.
    #[test]
    fn a_staging_name_taken_by_a_link_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let elsewhere = tempfile::tempdir().expect("temp dir");
        fs::write(elsewhere.path().join("keep"), "keep").expect("write");
        let taken = dir
            .path()
            .join(format!("{TEMPORARY_PREFIX}{}-d0", std::process::id()));
        std::os::unix::fs::symlink(elsewhere.path(), &taken).expect("link");
        let set = [
            artifact("answers.yaml", "version: 2\n", false),
            artifact("iam/b/trust-policy.json", "{}", false),
        ];
        let error = write_all(dir.path(), &set, false).expect_err("refused");
        assert!(
            matches!(&error, WriteError::NotStaged { failed, .. } if failed == &dir.path().join("iam").display().to_string()),
            "{error}"
        );
        assert_eq!(
            entries(dir.path()),
            [taken.file_name().expect("name").to_string_lossy()]
        );
        assert_eq!(
            fs::read_to_string(elsewhere.path().join("keep")).expect("kept"),
            "keep"
        );
        assert_eq!(entries(elsewhere.path()), ["keep"]);
    }

    /// What a killed run left staged (a file next to its target, a new directory under its
    /// temporary name) is removed by the next write; a link with such a name is not followed.
    #[test]
    fn what_a_killed_run_staged_is_removed_by_the_next_write() {
        let dir = tempfile::tempdir().expect("temp dir");
        let elsewhere = tempfile::tempdir().expect("temp dir");
        fs::write(elsewhere.path().join("keep"), "keep").expect("write");
        fs::create_dir_all(dir.path().join(".wi-aws-1-d0/b/aws")).expect("mkdir");
        fs::write(dir.path().join(".wi-aws-1-d0/b/aws/config"), "half").expect("write");
        fs::write(dir.path().join(".wi-aws-1-3"), "half").expect("write");
        std::os::unix::fs::symlink(elsewhere.path(), dir.path().join(".wi-aws-1-d1"))
            .expect("link");
        // Not a name a write gives: not a whole tree to remove.
        fs::create_dir_all(dir.path().join(".wi-aws-notes/kept")).expect("mkdir");
        write_all(dir.path(), &[artifact("answers.yaml", "v", false)], false).expect("writes");
        assert_eq!(
            entries(dir.path()),
            [
                ".wi-aws-1-d1",
                ".wi-aws-notes",
                ".wi-aws-notes/kept",
                "answers.yaml"
            ]
        );
        assert_eq!(entries(elsewhere.path()), ["keep"]);
    }
}
