//! The commands of `wi-aws`, one file each. A command returns the exit code of a run that went
//! to its end (0, or 1 when a check failed, 130 when the wizard was left) or a
//! [`CommandError`], which `cli::run` prints once.

pub mod arns;
pub mod demo_proxy;
pub mod discover;
pub mod doctor;
pub mod migrate;
pub mod profile;
pub mod render;
pub mod shell;
pub mod verify;
pub mod wizard;

use crate::answers::problem::Advice;
use crate::artifacts::pipeline::{PipelineError, exit};
use crate::domain::teleport::ProxyAddress;
use crate::ui::terminal::Style;
use clap::Args;
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// PEM file of CA certificates to trust besides this machine's (private PKI, demo proxy).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,

    /// Seconds allowed for each connection, handshake and request.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub timeout: f64,
}

impl ConnectionArgs {
    pub fn options(&self) -> Result<crate::discover::Options, CommandError> {
        if !(self.timeout.is_finite() && self.timeout > 0.0 && self.timeout <= 3600.0) {
            return Err(CommandError::bad_input(format!(
                "--timeout {}: give more than 0 and at most 3600 seconds",
                self.timeout
            )));
        }
        Ok(crate::discover::Options {
            ca_file: self.ca_file.clone(),
            timeout: std::time::Duration::from_secs_f64(self.timeout),
            ..crate::discover::Options::default()
        })
    }
}

/// Why a command stopped: what went wrong, how to fix it, and the exit code.
#[derive(Debug)]
pub struct CommandError {
    pub code: u8,
    pub message: String,
    pub fix: Option<String>,
    /// Say "Nothing was written." after the message.
    pub nothing_written: bool,
}

impl CommandError {
    fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fix: None,
            nothing_written: false,
        }
    }

    /// Bad answers or usage (exit 2).
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::new(exit::BAD_INPUT, message)
    }

    /// I/O or network (exit 1).
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(exit::FAILURE, message)
    }

    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    pub fn nothing_written(mut self) -> Self {
        self.nothing_written = true;
        self
    }
}

impl From<PipelineError> for CommandError {
    fn from(error: PipelineError) -> Self {
        let mut command_error = Self::new(error.exit_code(), error.to_string());
        command_error.fix = error.fix().map(str::to_owned);
        command_error.nothing_written = error.nothing_written();
        command_error
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "wi-aws: {}", self.message.trim_end())?;
        if let Some(fix) = &self.fix {
            writeln!(f, "  fix: {fix}")?;
        }
        if self.nothing_written {
            writeln!(f, "Nothing was written.")?;
        }
        Ok(())
    }
}

impl std::error::Error for CommandError {}

/// What `--out`, `--force`, `--dry-run`, `--no-verify` and `--templates` ask of the pipeline,
/// the same for `render` and both wizards.
fn settings(
    args: &render::RenderArgs,
) -> Result<crate::artifacts::pipeline::Settings, CommandError> {
    Ok(crate::artifacts::pipeline::Settings {
        out: args.out.clone(),
        force: args.force,
        dry_run: args.dry_run,
        verify: !args.no_verify,
        templates: crate::artifacts::pipeline::templates(args.templates.as_deref())?,
        install_profile: args.install_profile,
        simulate_apply: false,
    })
}

/// `--proxy` and the connection flags, checked.
fn proxy_and_options(
    proxy: &str,
    connection: &ConnectionArgs,
) -> Result<(ProxyAddress, crate::discover::Options), CommandError> {
    let proxy = ProxyAddress::parse(proxy).map_err(|error| {
        CommandError::bad_input(format!("--proxy {proxy:?}: {error}")).with_fix(error.fix())
    })?;
    Ok((proxy, connection.options()?))
}

/// The line above verify's checklist: what it simulates, by the route of the files in `out`.
fn verify_heading(out: &std::path::Path, route: crate::routes::Route) -> String {
    format!(
        "verify {}: a local simulation of {} (nothing is sent to AWS)",
        out.display(),
        route.simulated()
    )
}

/// Prints a value as pretty JSON.
fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CommandError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|error| CommandError::failure(error.to_string()))?;
    crate::outln!("{text}");
    Ok(())
}

/// Prints the verify checklist (or its JSON); exit 0 when every check passed, 1 otherwise.
fn report_checks(
    title: &str,
    report: crate::verify::Report,
    json: bool,
) -> Result<u8, CommandError> {
    if json {
        print_json(&report)?;
    } else {
        let style = Style::detect();
        crate::outln!("{title}");
        for line in report.lines(|status| style.status(status)) {
            crate::outln!("{line}");
        }
    }
    Ok(if report.passed() {
        exit::OK
    } else {
        exit::FAILURE
    })
}
