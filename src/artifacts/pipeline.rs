//! The one road from a plan to proven files: render, compare with the disk, write, verify.
//!
//! The CLI, the line wizard and the full-screen wizard call these steps and only display their
//! typed results, so `--templates`, `--dry-run`, `--no-verify` and `--force` mean the same in
//! all three. Each step is its own function because the wizards stop between them to ask.

use crate::answers::fleet::Fleet;
use crate::answers::problem::Problems;
use crate::artifacts::render::{self, ANSWERS_FILE, Artifact, NEXT_STEPS, RenderError, Templates};
use crate::artifacts::write::{self, Outcome, Planned, WriteError};
use crate::verify::Signer;
use crate::verify::{Report, VerifyError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Exit codes, as documented in `--help`.
pub mod exit {
    pub const OK: u8 = 0;
    /// I/O, network, or a verify check failed.
    pub const FAILURE: u8 = 1;
    /// Invalid answers or usage: nothing was written.
    pub const BAD_INPUT: u8 = 2;
    /// An existing file differs and `--force` was not given: nothing was written.
    pub const WOULD_OVERWRITE: u8 = 3;
    /// The user left the wizard (Esc, Ctrl-C), as shells report SIGINT.
    pub const INTERRUPTED: u8 = 130;
}

/// What every front end was asked to do with the plan.
#[derive(Clone)]
pub struct Settings {
    pub out: PathBuf,
    /// Replace files whose content differs without asking.
    pub force: bool,
    /// Show what would be written; write nothing.
    pub dry_run: bool,
    /// Run `verify` on the written files.
    pub verify: bool,
    pub templates: Templates,
    /// After writing, merge the profile (every workload's) into the user's AWS config file.
    pub install_profile: bool,
    /// The demo: what a real apply would give back (the ARNs AWS assigns) is simulated before
    /// writing, so the demo's files are complete.
    pub simulate_apply: bool,
}

#[derive(Debug, Error)]
pub enum PipelineError {
    #[error("{0}")]
    Answers(Problems),
    #[error("--templates {dir}: {detail}")]
    Templates { dir: String, detail: String },
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("verify: {0}")]
    Verify(#[from] VerifyError),
}

impl PipelineError {
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Answers(_) | Self::Templates { .. } | Self::Render(_) | Self::Verify(_) => {
                exit::BAD_INPUT
            }
            Self::Write(WriteError::WouldOverwrite { .. }) => exit::WOULD_OVERWRITE,
            Self::Write(_) => exit::FAILURE,
        }
    }

    pub fn fix(&self) -> Option<&'static str> {
        match self {
            Self::Templates { .. } => Some(
                "give a directory of *.hbs files named like the artifacts, e.g. DIR/terraform/main.tf.hbs",
            ),
            Self::Write(error) => Some(error.fix()),
            Self::Answers(_) | Self::Render(_) | Self::Verify(_) => None,
        }
    }

    /// Whether the failure came before anything was written.
    pub fn nothing_written(&self) -> bool {
        !matches!(
            self,
            Self::Write(WriteError::Io { .. } | WriteError::Partial { .. }) | Self::Verify(_)
        )
    }
}

/// How a run ended, in every front end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The files were written; whether every verify check passed (`None`: not verified).
    Written { verified: Option<bool> },
    /// `--dry-run`: what would be written was shown.
    DryRun,
    /// The user chose not to write.
    NotWritten,
    /// The user left before writing; where the answers were saved, if they were.
    Left { saved: Option<String> },
}

impl Ending {
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Written {
                verified: Some(false),
            } => exit::FAILURE,
            Self::Left { .. } => exit::INTERRUPTED,
            _ => exit::OK,
        }
    }
}

/// The embedded templates, with those of `dir` (every `*.hbs` under it, by relative path)
/// replacing them.
pub fn templates(dir: Option<&Path>) -> Result<Templates, PipelineError> {
    let overrides = match dir {
        Some(dir) => read_template_dir(dir).map_err(|detail| PipelineError::Templates {
            dir: dir.display().to_string(),
            detail,
        })?,
        None => BTreeMap::new(),
    };
    Ok(Templates::with_overrides(&overrides)?)
}

fn read_template_dir(dir: &Path) -> Result<BTreeMap<String, String>, String> {
    let cannot_read = |path: &Path, error: std::io::Error| format!("{}: {error}", path.display());
    let mut templates = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current).map_err(|e| cannot_read(&current, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| cannot_read(&current, e))?;
            let path = entry.path();
            // The entry's own type: a link to a directory is not walked (it could loop).
            let file_type = entry.file_type().map_err(|e| cannot_read(&path, e))?;
            if file_type.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "hbs") {
                let relative = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let text = crate::artifacts::files::read_text(
                    &path,
                    crate::artifacts::files::TEMPLATE_LIMIT,
                )
                .map_err(|error| error.to_string())?;
                templates.insert(relative, text);
            }
        }
    }
    Ok(templates)
}

/// Every artifact of the fleet (one workload's set for a version 1 file), `answers.yaml` last.
pub fn render(fleet: &Fleet, templates: &Templates) -> Result<Vec<Artifact>, PipelineError> {
    Ok(render::render_fleet(fleet, templates)?)
}

/// What writing would do to each file. Reads only.
pub fn preview(out: &Path, artifacts: &[Artifact]) -> Result<Vec<Planned>, PipelineError> {
    Ok(write::preview(out, artifacts)?)
}

/// Writes the artifacts (all or nothing when a file differs and `force` is off).
pub fn write(
    out: &Path,
    artifacts: &[Artifact],
    force: bool,
) -> Result<Vec<Planned>, PipelineError> {
    Ok(write::write_all(out, artifacts, force)?)
}

/// The local STS simulation over the written files.
pub fn verify(out: &Path) -> Result<Report, PipelineError> {
    Ok(crate::verify::verify_dir(out)?)
}

/// Writes the artifacts as [`write`] does and, when `verify` is on, has a [`Signer`] generate
/// the simulation's key and sign its tokens from the moment every file is staged: from then
/// on the write waits on the disk, and verify parses the answers and evaluates main.tf on one
/// core, so the signer has the other. A failed signing is left for verify, which makes its own
/// issuer.
pub fn write_signing_ahead(
    fleet: &Fleet,
    out: &Path,
    artifacts: &[Artifact],
    force: bool,
    verify: bool,
) -> (Result<Vec<Planned>, PipelineError>, Option<Signer>) {
    // Only the OIDC route's proof signs JWT SVIDs.
    if !verify || fleet.shared().route != crate::routes::Route::Oidc {
        return (write(out, artifacts, force), None);
    }
    let signer = Signer::start(fleet);
    let written = write::write_all_then(out, artifacts, force, || signer.begin());
    (written.map_err(PipelineError::from), Some(signer))
}

/// [`verify`] with the signer [`write_signing_ahead`] started.
pub fn verify_with(
    out: &Path,
    signer: Option<Signer>,
) -> Result<(crate::routes::Route, Report), PipelineError> {
    Ok(crate::verify::verify_dir_with(out, signer)?)
}

/// One line per file: what writing did to it.
pub fn written_summary(out: &Path, written: &[Planned]) -> String {
    let count = |o: Outcome| written.iter().filter(|p| p.outcome == o).count();
    format!(
        "{} files in {}: {} created, {} updated, {} unchanged.",
        written.len(),
        out.display(),
        count(Outcome::Created),
        count(Outcome::Updated),
        count(Outcome::Unchanged),
    )
}

/// What comes after writing, the same in every front end: the numbered steps of
/// `NEXT-STEPS.md`, where the answers are, and how to replay and verify again.
pub fn next_steps(out: &Path, artifacts: &[Artifact]) -> Vec<String> {
    let out = out.display();
    let mut lines = vec![format!("Next steps, in {out}/{NEXT_STEPS}:")];
    let headings = artifacts
        .iter()
        .filter(|artifact| artifact.path == NEXT_STEPS)
        .flat_map(|artifact| artifact.contents.lines())
        .filter_map(|line| line.strip_prefix("## "))
        .filter(|heading| heading.starts_with(|c: char| c.is_ascii_digit()));
    lines.extend(headings.map(|heading| format!("  {heading}")));
    lines.push(String::new());
    lines.push(format!("Answers       {out}/{ANSWERS_FILE}"));
    lines.push(format!(
        "Replay        wi-aws --answers-file {out}/{ANSWERS_FILE} --out {out}"
    ));
    lines.push(format!("Verify again  wi-aws verify --out {out}"));
    lines.push(format!(
        "Before apply  wi-aws doctor --preflight --out {out}   (what in the account would stop it)"
    ));
    lines.push(format!(
        "Once applied  wi-aws doctor --out {out}   (reads the deployed state back from AWS)"
    ));
    lines
}

/// Merges the written profiles (every workload's of a fleet) into the user's AWS config file,
/// in wi-aws's marked blocks; what was done, a line each. A section of the same name that
/// wi-aws did not write is refused: `wi-aws profile install --force` replaces it.
pub fn install_profiles(out: &Path) -> Result<Vec<String>, String> {
    use crate::profile::disk;
    if !has_profiles(out) {
        return Ok(vec![
            "profile: none to install: on Kubernetes the workload's container gets its AWS environment from kubernetes/deployment-patch.yaml".into(),
        ]);
    }
    let profiles = disk::rendered_profiles(out, None, true).map_err(|e| e.to_string())?;
    let path = disk::config_path(None).map_err(|e| e.to_string())?;
    let source = out.display().to_string();
    let outcomes = disk::install(&profiles, &source, &path, false).map_err(|e| e.to_string())?;
    Ok(disk::said(&outcomes, &path))
}

/// Whether the set in `out` has AWS profiles to install: a set on Kubernetes has none (the
/// Deployment's environment replaces them). An unreadable set counts as having them, so the
/// install says why it fails.
pub fn has_profiles(out: &Path) -> bool {
    crate::verify::read_answers(out).map_or(true, |fleet| fleet.shared().tbot.kubernetes.is_none())
}

/// Where the profiles would go, for a question.
pub fn aws_config_file() -> String {
    crate::profile::disk::config_path(None)
        .map_or_else(|_| "~/.aws/config".into(), |p| p.display().to_string())
}

/// Where a wizard keeps the answers when the user leaves early and asks to keep them.
pub const PARTIAL_ANSWERS: &str = "wi-aws-answers.partial.yaml";

/// Saves the answers given so far to [`PARTIAL_ANSWERS`] in the working directory; never
/// replaces a file with other answers.
pub fn save_partial(contents: String) -> Result<(), String> {
    let artifact = Artifact {
        path: PARTIAL_ANSWERS.to_owned(),
        contents,
        executable: false,
    };
    match write::write_all(Path::new("."), &[artifact], false) {
        Ok(_) => Ok(()),
        Err(WriteError::WouldOverwrite { .. }) => Err(format!(
            "{PARTIAL_ANSWERS} exists with other answers: move it away and save again, or leave without saving"
        )),
        Err(other) => Err(format!("{other} (fix: {})", other.fix())),
    }
}
