//! Standard output and standard error for every command, through [`outln!`](crate::outln) and
//! [`errln!`](crate::errln) instead of `println!`, which panics when the reader has gone.
//!
//! A reader that closes stdout early (`wi-aws verify | head -1`) ends the printing, never the
//! run: whatever the command was doing (writing an artifact set, verifying it, merging a
//! profile) goes on to its end, the rest of its output is dropped, and it exits with the code
//! the run would have had. That is ripgrep's convention (a closed pipe is the reader's choice,
//! not a failure) rather than dying of SIGPIPE, which would stop a write between staging its
//! files and renaming them. Any other error writing stdout (a full disk behind `> file`) is a
//! failure that [`finish`] reports once, at the end.

use std::fmt;
use std::io::{self, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once stdout cannot be written any more: later output is dropped.
static STDOUT_GONE: AtomicBool = AtomicBool::new(false);
/// The first error writing stdout that is not a closed pipe.
static STDOUT_ERROR: Mutex<Option<String>> = Mutex::new(None);

/// Writes to stdout; a closed pipe or any other error stops further output (see the module).
pub fn out(args: fmt::Arguments<'_>) {
    if STDOUT_GONE.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = io::stdout().lock();
    if let Err(error) = stdout.write_fmt(args) {
        stopped(error);
    }
}

/// Writes bytes to stdout, as [`out`] writes text.
pub fn out_bytes(bytes: &[u8]) {
    if STDOUT_GONE.load(Ordering::Relaxed) {
        return;
    }
    if let Err(error) = io::stdout().lock().write_all(bytes) {
        stopped(error);
    }
}

/// Writes to stderr, ignoring errors: with stderr gone there is nowhere left to say so.
pub fn err(args: fmt::Arguments<'_>) {
    let _ = io::stderr().lock().write_fmt(args);
}

fn stopped(error: io::Error) {
    STDOUT_GONE.store(true, Ordering::Relaxed);
    if error.kind() != io::ErrorKind::BrokenPipe
        && let Ok(mut first) = STDOUT_ERROR.lock()
    {
        first.get_or_insert_with(|| error.to_string());
    }
}

/// Flushes stdout at the end of a run; the error, if writing it failed for another reason than
/// a reader that left.
pub fn finish() -> Result<(), String> {
    if !STDOUT_GONE.load(Ordering::Relaxed)
        && let Err(error) = io::stdout().lock().flush()
    {
        stopped(error);
    }
    match STDOUT_ERROR.lock() {
        Ok(first) => first.clone().map_or(Ok(()), Err),
        Err(_) => Ok(()),
    }
}

/// `println!` to stdout that never panics (see [`crate::ui::output`]).
#[macro_export]
macro_rules! outln {
    () => { $crate::ui::output::out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::ui::output::out(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` to stdout that never panics (see [`crate::ui::output`]).
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::ui::output::out(format_args!($($arg)*)) };
}

/// `eprintln!` that never panics.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => { $crate::ui::output::err(format_args!("{}\n", format_args!($($arg)*))) };
}
