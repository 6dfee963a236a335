//! What the line-mode front ends share about the terminal: colour (off with `NO_COLOR` or when
//! stdout is not a terminal) and the spinner shown while something runs.

use crate::write::Outcome;
use std::io::IsTerminal;

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
