//! What the line-mode front ends share about the terminal: colour (off with `NO_COLOR` or when
//! stdout is not a terminal) and the spinner shown while something runs.

use crate::artifacts::write::Outcome;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// The spinner's frames, in both wizards.
pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// `NO_COLOR` set and not empty (https://no-color.org).
pub fn no_colour_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Terminal styling for status words.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    colour: bool,
}

impl Style {
    /// Colour on stdout when it is a terminal and `NO_COLOR` is not set.
    pub fn detect() -> Self {
        Self {
            colour: !no_colour_requested() && std::io::stdout().is_terminal(),
        }
    }

    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// ✓ or ✗.
    pub fn mark(&self, ok: bool) -> String {
        if ok {
            self.paint("32", "✓")
        } else {
            self.paint("31", "✗")
        }
    }

    pub fn outcome(&self, outcome: Outcome, text: &str) -> String {
        let code = match outcome {
            Outcome::Created => "32",
            Outcome::Updated => "33",
            Outcome::Unchanged => "2",
        };
        self.paint(code, text)
    }

    pub fn status(&self, status: crate::verify::Status) -> String {
        use crate::verify::Status;
        let code = match status {
            Status::Pass => "32",
            Status::Warn => "33",
            Status::Skipped => "2",
            Status::Fail => "31",
        };
        self.paint(code, status.mark())
    }
}

/// While it lives, a signal that would end the process (SIGINT, SIGTERM, SIGHUP, SIGQUIT sent
/// from outside; the keys are read as keys) first puts the terminal back as it was, removes
/// `files` (what this run made, like the demo's CA file) and what a write in progress has
/// staged, and says so, then exits 128 + the signal's number, as a shell reports it.
pub struct ExitOnSignal {
    handle: signal_hook::iterator::Handle,
}

impl ExitOnSignal {
    /// For a prompt on the terminal.
    pub fn install(files: Vec<PathBuf>) -> std::io::Result<Self> {
        Self::install_with(files, true)
    }

    /// For a run without prompts (`--answers-file`): the terminal is left alone, and nothing
    /// is written to the standard output, which may be a file.
    pub fn install_without_terminal() -> std::io::Result<Self> {
        Self::install_with(Vec::new(), false)
    }

    fn install_with(files: Vec<PathBuf>, restores_terminal: bool) -> std::io::Result<Self> {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
        let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT])?;
        let handle = signals.handle();
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // The terminal may be gone (SIGHUP when it closes): nothing here may panic or
                // wait on it, or the process would stay behind.
                if restores_terminal {
                    let _ = crossterm::terminal::disable_raw_mode();
                    let _ = crossterm::execute!(std::io::stdout(), crossterm::cursor::Show);
                }
                for file in &files {
                    let _ = std::fs::remove_file(file);
                }
                crate::artifacts::write::remove_staged();
                let _ = writeln!(
                    std::io::stderr(),
                    "\nwi-aws: stopped by signal {signal}{}; the files it was writing and had not put in place are removed.",
                    if restores_terminal {
                        "; the terminal is restored"
                    } else {
                        ""
                    }
                );
                std::process::exit(128 + signal);
            }
        });
        Ok(Self { handle })
    }
}

impl Drop for ExitOnSignal {
    fn drop(&mut self) {
        self.handle.close();
    }
}
