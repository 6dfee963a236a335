//! The full-screen wizard's state (the model): what it shows and knows, and the questions a
//! view or an update may ask of it. It changes only in [`App::update`] (`update.rs`).
//!
//! Each screen after the questions carries its own state in its [`Screen`] variant: the review
//! its files, the write its progress, verify its report. Leaving a screen drops what only it
//! needed, so no state of an old screen can leak into a new one.

use super::editor::Editor;
use crate::answers::plan::Assessment;
use crate::answers::problem::Problem;
use crate::answers::steps::{FieldId, FieldKind, Step, field};
use crate::answers::{Answer, Answers, FleetAnswers};
use crate::artifacts::pipeline::{Ending, Settings};
use crate::artifacts::render::Artifact;
use crate::artifacts::write::Planned;
use crate::discover::Findings;
use crate::domain::teleport::ProxyAddress;
use crate::verify::Report;
use crossterm::event::KeyEvent;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Which screen, without its state: for the sidebar, ordering and "how far the user got".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ScreenId {
    Ask(Step),
    Workloads,
    Review,
    Write,
    Verify,
    Done,
}

impl ScreenId {
    pub const ALL: [ScreenId; 11] = [
        Self::Ask(Step::Cluster),
        Self::Ask(Step::Spiffe),
        Self::Ask(Step::Thumbprint),
        Self::Ask(Step::Aws),
        Self::Ask(Step::Teleport),
        Self::Ask(Step::Tbot),
        Self::Workloads,
        Self::Review,
        Self::Write,
        Self::Verify,
        Self::Done,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Self::Ask(step) => step.title(),
            Self::Workloads => "Workloads",
            Self::Review => "Review",
            Self::Write => "Write",
            Self::Verify => "Verify",
            Self::Done => "Done",
        }
    }
}

/// The screen shown, with the state that belongs to it.
#[derive(Debug, Clone)]
pub enum Screen {
    Ask(Step),
    /// The fleet's workloads, the one under the cursor.
    Workloads {
        selected: usize,
    },
    Review(Review),
    Write {
        review: Review,
        writing: Progress<Vec<Planned>>,
    },
    Verify(Verification),
    Done(Verification),
}

impl Screen {
    pub fn id(&self) -> ScreenId {
        match self {
            Self::Ask(step) => ScreenId::Ask(*step),
            Self::Workloads { .. } => ScreenId::Workloads,
            Self::Review(_) => ScreenId::Review,
            Self::Write { .. } => ScreenId::Write,
            Self::Verify(_) => ScreenId::Verify,
            Self::Done(_) => ScreenId::Done,
        }
    }

    /// The files of the review, on the screens that have them.
    pub fn review(&self) -> Option<&Review> {
        match self {
            Self::Review(review) | Self::Write { review, .. } => Some(review),
            _ => None,
        }
    }

    /// The files written and their verification, once written.
    pub fn verification(&self) -> Option<&Verification> {
        match self {
            Self::Verify(verification) | Self::Done(verification) => Some(verification),
            _ => None,
        }
    }
}

/// Something the cursor can be on in a question step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Field(FieldId),
    /// Which thumbprint to trust, when the proxy was asked.
    ThumbprintSource,
}

/// Where the thumbprint comes from, when discovery found the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThumbprintSource {
    /// The last certificate the proxy sends: what AWS pins.
    Chain,
    /// What Teleport's `/webapi/thumbprint` says, when it differs.
    Teleport,
    Manual,
    /// None: the chain ends at a public CA that AWS trusts anyway.
    Public,
}

impl ThumbprintSource {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Chain => "the TLS chain's (AWS's rule)",
            Self::Teleport => "Teleport's /webapi/thumbprint",
            Self::Manual => "typed by hand",
            Self::Public => "none (public CA)",
        }
    }
}

#[derive(Debug, Clone)]
pub enum DiscoveryState {
    Running,
    Found {
        findings: Box<Findings>,
        /// Where the proxy disagrees with answers the user gave.
        warnings: Vec<String>,
    },
    Failed(String),
}

/// Asking the proxy, for one address.
#[derive(Debug, Clone)]
pub struct Discovery {
    pub proxy: String,
    pub state: DiscoveryState,
}

/// Work done outside `update`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress<T> {
    NotStarted,
    Running,
    Finished(Result<T, String>),
}

/// After writing: the files, what writing did, and their verification (`NotStarted` with
/// `--no-verify`).
#[derive(Debug, Clone)]
pub struct Verification {
    pub artifacts: Vec<Artifact>,
    pub written: Vec<Planned>,
    pub report: Progress<Report>,
    pub scroll: usize,
}

impl Verification {
    /// How the run ends if the user leaves now.
    pub fn ending(&self) -> Ending {
        Ending::Written {
            verified: match &self.report {
                Progress::NotStarted => None,
                Progress::Finished(Ok(report)) => Some(report.passed()),
                Progress::Running | Progress::Finished(Err(_)) => Some(false),
            },
        }
    }
}

/// The review: every file that would be written, and how it compares with the disk.
#[derive(Debug, Clone)]
pub struct Review {
    pub artifacts: Vec<Artifact>,
    /// The Teleport API generation the files are for, and why.
    pub generation: String,
    /// `None` until the disk was read.
    pub planned: Option<Result<Vec<Planned>, String>>,
    pub warnings: Vec<String>,
    pub selected: usize,
    pub scroll: usize,
}

impl Review {
    /// Files there now with other content.
    pub fn overwrites(&self) -> Vec<&str> {
        match &self.planned {
            Some(Ok(planned)) => planned
                .iter()
                .filter(|p| p.overwrites)
                .map(|p| p.path.as_str())
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// "Leave?", with the answers unsaved; `problem` when saving them failed.
    Quit {
        saving: bool,
        problem: Option<String>,
    },
}

/// Work for the runtime.
#[derive(Debug, Clone)]
pub enum Command {
    Discover(ProxyAddress),
    /// Compare the artifacts with what is on disk.
    Preview {
        out: PathBuf,
        artifacts: Vec<Artifact>,
    },
    Write {
        out: PathBuf,
        artifacts: Vec<Artifact>,
        force: bool,
    },
    Verify {
        out: PathBuf,
    },
    /// Merge the written profiles into the user's AWS config file.
    InstallProfiles {
        out: PathBuf,
    },
    SavePartial {
        contents: String,
    },
}

/// Everything that can happen to the wizard.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    /// The terminal's size, for paging.
    Resize {
        width: u16,
        height: u16,
    },
    /// Animation while something runs; not sent otherwise.
    Tick,
    Discovered {
        proxy: String,
        result: Result<Box<Findings>, String>,
    },
    Previewed(Result<Vec<Planned>, String>),
    Written(Result<Vec<Planned>, String>),
    Verified(Result<Report, String>),
    ProfilesInstalled(Result<Vec<String>, String>),
    Saved(Result<(), String>),
    /// SIGTERM or SIGHUP: leave at once, writing nothing.
    Terminate,
}

/// What the wizard starts from.
pub struct Setup {
    pub answers: FleetAnswers,
    /// Where and how to write: `--out`, `--force`, `--dry-run`, `--no-verify`, `--templates`.
    pub settings: Settings,
    /// The demo proxy's address, in demo mode.
    pub demo: Option<String>,
    /// A message for the first screen (answers of `--edit` that were ignored).
    pub notice: Option<String>,
}

/// How a step is shown in the sidebar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    Pending,
    Current,
    Done,
    Errors,
}

pub struct App {
    /// Every workload's answers; those of the workload being edited are in `answers` until
    /// the user leaves its steps.
    pub fleet: FleetAnswers,
    /// The workload the question steps edit.
    pub current: usize,
    /// The answers of the current workload, shared ones included (what the steps edit).
    pub answers: Answers,
    pub assessment: Assessment,
    pub screen: Screen,
    /// Index into [`App::items`] on a question step.
    pub focus: usize,
    pub editor: Editor,
    pub discovery: Option<Discovery>,
    pub thumbprint_source: ThumbprintSource,
    pub overlay: Option<Overlay>,
    /// A one-line message for the user, cleared by the next key.
    pub status: Option<String>,
    pub spinner: usize,
    pub settings: Settings,
    pub demo: Option<String>,
    pub exit: Option<Ending>,
    /// Put the profile into the user's AWS config file once written (`p` on the Write step,
    /// or `--install-profile`), and what that did.
    pub install_profile: bool,
    pub profiles: Option<Result<Vec<String>, String>>,
    pub viewport: (u16, u16),
    /// Answers the user changed since the last write or save.
    pub(super) dirty: bool,
    /// Values discovery filled in, undone when the proxy changes.
    pub(super) discovery_fills: Vec<(FieldId, Answer)>,
    /// Steps the user tried to leave: their empty required fields show as errors.
    pub(super) attempted: BTreeSet<Step>,
    pub(super) touched: BTreeSet<FieldId>,
    pub(super) reached: ScreenId,
}

impl App {
    /// Whether something runs in the background (the spinner turns).
    pub fn busy(&self) -> bool {
        matches!(
            self.discovery,
            Some(Discovery {
                state: DiscoveryState::Running,
                ..
            })
        ) || matches!(
            &self.screen,
            Screen::Review(Review { planned: None, .. })
                | Screen::Write {
                    writing: Progress::Running,
                    ..
                }
                | Screen::Verify(Verification {
                    report: Progress::Running,
                    ..
                })
        ) || matches!(self.overlay, Some(Overlay::Quit { saving: true, .. }))
    }

    /// Answers were changed and not written or saved since.
    pub fn unsaved(&self) -> bool {
        self.dirty
    }

    pub fn findings(&self) -> Option<&Findings> {
        match &self.discovery {
            Some(Discovery {
                state: DiscoveryState::Found { findings, .. },
                ..
            }) => Some(findings),
            _ => None,
        }
    }

    /// The thumbprint choices on offer, when the proxy was asked.
    pub fn thumbprint_sources(&self) -> Vec<ThumbprintSource> {
        match self.findings() {
            None => Vec::new(),
            Some(findings) if findings.teleport_thumbprint != findings.chain_thumbprint => vec![
                ThumbprintSource::Chain,
                ThumbprintSource::Teleport,
                ThumbprintSource::Manual,
                ThumbprintSource::Public,
            ],
            Some(_) => vec![
                ThumbprintSource::Chain,
                ThumbprintSource::Manual,
                ThumbprintSource::Public,
            ],
        }
    }

    /// What the cursor can be on in `step`, in order.
    pub fn items_of(&self, step: Step) -> Vec<Item> {
        let mut items = Vec::new();
        // A step of the other route's questions only (the thumbprint, for Roles Anywhere).
        if !step.fields().any(|field| self.answers.shows(field)) {
            return items;
        }
        let choosing = step == Step::Thumbprint && self.findings().is_some();
        if choosing {
            items.push(Item::ThumbprintSource);
        }
        for field in step.fields() {
            let shown = match field.id {
                FieldId::Thumbprints => {
                    !choosing || self.thumbprint_source == ThumbprintSource::Manual
                }
                _ => self.answers.shows(field),
            };
            if shown {
                items.push(Item::Field(field.id));
            }
        }
        items
    }

    pub fn items(&self) -> Vec<Item> {
        match self.screen {
            Screen::Ask(step) => self.items_of(step),
            _ => Vec::new(),
        }
    }

    pub fn focused(&self) -> Option<Item> {
        self.items().get(self.focus).copied()
    }

    /// The problems shown under a field: those of a field the user has given or touched, or
    /// of a step they tried to leave. An untouched empty field is not an error yet.
    pub fn problems(&self, id: FieldId) -> Vec<&Problem> {
        let shown = self.touched.contains(&id)
            || self.answers.get(id).is_some()
            || self.attempted.contains(&field(id).step);
        if shown {
            self.assessment.problems_of(id)
        } else {
            Vec::new()
        }
    }

    pub fn default_of(&self, id: FieldId) -> Option<&str> {
        self.assessment.default_text(id)
    }

    /// The text field under the cursor, if it is one.
    pub fn editing(&self) -> Option<FieldId> {
        match self.focused() {
            Some(Item::Field(id))
                if matches!(field(id).kind, FieldKind::Text | FieldKind::List) =>
            {
                Some(id)
            }
            _ => None,
        }
    }

    /// Where the files go.
    pub fn out(&self) -> &std::path::Path {
        &self.settings.out
    }

    pub fn step_state(&self, screen: ScreenId) -> StepState {
        if screen == self.screen.id() {
            return StepState::Current;
        }
        let has_errors = match screen {
            ScreenId::Ask(step) => self.items_of(step).iter().any(|item| match item {
                Item::Field(id) => !self.problems(*id).is_empty(),
                Item::ThumbprintSource => false,
            }),
            ScreenId::Write => matches!(
                self.screen,
                Screen::Write {
                    writing: Progress::Finished(Err(_)),
                    ..
                }
            ),
            ScreenId::Verify => self.screen.verification().is_some_and(|v| {
                v.ending()
                    == Ending::Written {
                        verified: Some(false),
                    }
            }),
            _ => false,
        };
        if has_errors {
            StepState::Errors
        } else if screen < self.reached || screen == self.reached && screen == ScreenId::Done {
            StepState::Done
        } else {
            StepState::Pending
        }
    }
}
