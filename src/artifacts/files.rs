//! Reading the files a user or a server can point wi-aws at, carefully: only regular files, never
//! more than a limit, never a symbolic link out of the output directory, and never a wait on a
//! FIFO. Every error names the path.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use thiserror::Error;

const MIB: u64 = 1 << 20;
/// An answers file is a few hundred bytes; a fleet's, a few hundred KiB.
pub const ANSWERS_LIMIT: u64 = MIB;
/// STS accepts tokens of at most 20,000 characters; a file may end with a line break or two.
pub const TOKEN_LIMIT: u64 = 20_000 + 64;
pub const JWKS_LIMIT: u64 = MIB;
pub const CA_LIMIT: u64 = MIB;
pub const TEMPLATE_LIMIT: u64 = MIB;
/// The largest artifact (main.tf, NEXT-STEPS.md) is a few KiB.
pub const ARTIFACT_LIMIT: u64 = MIB;

/// A file that could not be read (or written), and why.
#[derive(Debug, Error)]
#[error("{path}: {problem}")]
pub struct FileError {
    pub path: String,
    pub problem: FileProblem,
}

#[derive(Debug, Error)]
pub enum FileProblem {
    #[error("{0}, not a regular file")]
    NotRegular(&'static str),
    #[error("larger than {0} bytes, more than wi-aws reads for it")]
    TooLarge(u64),
    #[error("a symbolic link to {target}, outside {dir}")]
    Escapes { target: String, dir: String },
    #[error("a symbolic link; wi-aws writes only regular files and directories in {0}")]
    Symlink(String),
    #[error("a file, where wi-aws needs a directory")]
    NotADirectory,
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl FileError {
    pub(crate) fn new(path: &Path, problem: FileProblem) -> Self {
        Self {
            path: path.display().to_string(),
            problem,
        }
    }

    /// Whether the file is not there at all (callers may treat that as "new").
    pub fn is_not_found(&self) -> bool {
        matches!(&self.problem, FileProblem::Io(source) if source.kind() == io::ErrorKind::NotFound)
    }

    pub fn io(path: &Path) -> impl FnOnce(io::Error) -> FileError + '_ {
        move |source| FileError::new(path, FileProblem::Io(source))
    }
}

fn kind_of(file_type: fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Refuses `dir` when it exists and is not a directory.
pub fn refuse_non_directory(dir: &Path) -> Result<(), FileError> {
    match fs::metadata(dir) {
        Ok(metadata) if !metadata.is_dir() => Err(FileError::new(dir, FileProblem::NotADirectory)),
        _ => Ok(()),
    }
}

/// The bytes of a regular file of at most `limit` bytes.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    Ok(read_checked(path, limit, None)?.0)
}

/// The bytes and permission bits of the regular file at `path`, which must not itself be a
/// symbolic link (its directories are the caller's to check): what writing an artifact set
/// compares with.
pub fn read_regular_no_follow(
    path: &Path,
    limit: u64,
    out_dir: &Path,
) -> Result<(Vec<u8>, u32), FileError> {
    use std::os::unix::fs::PermissionsExt;
    let (bytes, metadata) = read_checked(path, limit, Some(out_dir))?;
    Ok((bytes, metadata.permissions().mode()))
}

/// A regular file's bytes (and metadata), refused when it is no regular file or larger than
/// `limit`; with `no_link_in`, also when it is a symbolic link (named as one in that directory).
fn read_checked(
    path: &Path,
    limit: u64,
    no_link_in: Option<&Path>,
) -> Result<(Vec<u8>, fs::Metadata), FileError> {
    let not_regular =
        |file_type: fs::FileType| FileError::new(path, FileProblem::NotRegular(kind_of(file_type)));
    let link = |dir: &Path| FileError::new(path, FileProblem::Symlink(dir.display().to_string()));
    // Refuse a FIFO or a device before opening it: opening a FIFO waits for a writer.
    let metadata = match no_link_in {
        None => fs::metadata(path),
        Some(_) => fs::symlink_metadata(path),
    }
    .map_err(FileError::io(path))?;
    if let Some(dir) = no_link_in
        && metadata.file_type().is_symlink()
    {
        return Err(link(dir));
    }
    if !metadata.is_file() {
        return Err(not_regular(metadata.file_type()));
    }
    // Non-blocking, in case it was swapped for a FIFO since (or, with `no_link_in`, for a
    // link, which O_NOFOLLOW refuses); checked again on the open file.
    let file = {
        use std::os::unix::fs::OpenOptionsExt;
        let no_follow = if no_link_in.is_some() {
            libc::O_NOFOLLOW
        } else {
            0
        };
        fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | no_follow)
            .open(path)
            .map_err(|error| match (no_link_in, error.raw_os_error()) {
                (Some(dir), Some(libc::ELOOP)) => link(dir),
                _ => FileError::io(path)(error),
            })?
    };
    let metadata = file.metadata().map_err(FileError::io(path))?;
    if !metadata.is_file() {
        return Err(not_regular(metadata.file_type()));
    }
    // Room for the whole file and one byte more: read in one call, and the next says the end.
    let mut bytes = Vec::with_capacity(metadata.len().min(limit) as usize + 1);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(FileError::io(path))?;
    if bytes.len() as u64 > limit {
        return Err(FileError::new(path, FileProblem::TooLarge(limit)));
    }
    Ok((bytes, metadata))
}

/// How the files an answers file names (`aws.policy_file`) are read: a relative path from
/// `base`, the answers file's directory; bounded, and never a FIFO or a device.
pub fn named_file_reader(base: &Path) -> impl Fn(&str) -> Result<String, String> + '_ {
    move |path: &str| {
        read_text(
            &base.join(path),
            crate::domain::policy_document::POLICY_FILE_LIMIT,
        )
        .map_err(|error| error.to_string())
    }
}

/// How a rendered set's own files are read by what names them (its `answers.yaml`, main.tf's
/// `file(…)`): inside the set's directory only, never through a link that leads out of it,
/// and bounded like every artifact.
pub fn set_file_reader(dir: &Path) -> impl Fn(&str) -> Result<String, String> + '_ {
    move |path: &str| read_in_dir(dir, path, ARTIFACT_LIMIT).map_err(|error| error.to_string())
}

/// The text of a regular file of at most `limit` bytes.
pub fn read_text(path: &Path, limit: u64) -> Result<String, FileError> {
    String::from_utf8(read_bounded(path, limit)?).map_err(|_| {
        FileError::io(path)(io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
    })
}

/// The text of the file at `relative` inside `dir`, which must not be, or be under, a symbolic
/// link that leads out of `dir`.
pub fn read_in_dir(dir: &Path, relative: &str, limit: u64) -> Result<String, FileError> {
    let path = dir.join(relative);
    String::from_utf8(read_bytes_in_dir(dir, relative, limit)?).map_err(|_| {
        FileError::io(&path)(io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
    })
}

/// The bytes of the file at `relative` inside `dir`, as [`read_in_dir`] reads it.
fn read_bytes_in_dir(dir: &Path, relative: &str, limit: u64) -> Result<Vec<u8>, FileError> {
    let path = dir.join(relative);
    if may_lead_out(dir, relative)
        && let (Ok(real_dir), Ok(real_path)) = (fs::canonicalize(dir), fs::canonicalize(&path))
        && !real_path.starts_with(&real_dir)
    {
        return Err(FileError::new(
            &path,
            FileProblem::Escapes {
                target: real_path.display().to_string(),
                dir: dir.display().to_string(),
            },
        ));
    }
    read_bounded(&path, limit)
}

/// Whether `relative` could lead out of `dir`: it has a `..`, is absolute, or passes a symbolic
/// link. Only then are both paths resolved to compare them: resolving reads every link of the
/// whole absolute path, a dozen system calls for each of a fleet's thousands of files.
fn may_lead_out(dir: &Path, relative: &str) -> bool {
    let mut current = PathBuf::from(dir);
    for component in Path::new(relative).components() {
        let std::path::Component::Normal(name) = component else {
            return true;
        };
        current.push(name);
        match fs::symlink_metadata(&current) {
            Ok(metadata) if metadata.file_type().is_symlink() => return true,
            Ok(_) => {}
            // Not there (or unreadable): the read that follows says so.
            Err(_) => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_fifos_and_large_files_are_refused_at_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fifo = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(status.success());
        let problem = |result: Result<Vec<u8>, FileError>| result.err().map(|e| e.to_string());
        assert_eq!(
            problem(read_bounded(&fifo, 10)),
            Some(format!("{}: a FIFO, not a regular file", fifo.display()))
        );
        assert_eq!(
            problem(read_bounded(Path::new("/dev/zero"), 10)),
            Some("/dev/zero: a character device, not a regular file".into())
        );
        let big = dir.path().join("big");
        fs::write(&big, "x".repeat(11)).expect("write");
        assert!(matches!(
            read_bounded(&big, 10),
            Err(FileError {
                problem: FileProblem::TooLarge(10),
                ..
            })
        ));
        assert_eq!(read_bounded(&big, 11).expect("reads").len(), 11);
    }

    #[test]
    fn links_out_of_the_directory_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let outside = tempfile::tempdir().expect("temp dir");
        fs::write(outside.path().join("secret"), "s").expect("write");
        std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("file"))
            .expect("link");
        std::os::unix::fs::symlink(outside.path(), dir.path().join("sub")).expect("link");
        assert!(matches!(
            read_in_dir(dir.path(), "file", 10),
            Err(FileError {
                problem: FileProblem::Escapes { .. },
                ..
            })
        ));
        // Through a linked directory to outside.
        fs::write(outside.path().join("other"), "o").expect("write");
        assert!(matches!(
            read_in_dir(dir.path(), "sub/other", 10),
            Err(FileError {
                problem: FileProblem::Escapes { .. },
                ..
            })
        ));
        // No link on the way, but `..` out of the directory.
        fs::create_dir(dir.path().join("real")).expect("mkdir");
        let up = format!(
            "real/../../{}/secret",
            outside.path().file_name().expect("name").to_string_lossy()
        );
        assert!(matches!(
            read_in_dir(dir.path(), &up, 10),
            Err(FileError {
                problem: FileProblem::Escapes { .. },
                ..
            })
        ));
        // A link that stays inside is read through.
        fs::write(dir.path().join("real/inside"), "i").expect("write");
        std::os::unix::fs::symlink("real/inside", dir.path().join("alias")).expect("link");
        assert_eq!(read_in_dir(dir.path(), "alias", 10).expect("reads"), "i");
    }
}
