//! The full-screen wizard's state and its one transition, [`App::update`].
//!
//! Pure: no terminal, disk or network in here. Work that is slow or touches the outside world
//! (asking the proxy, comparing with the files on disk, writing, verifying, saving) leaves
//! `update` as a [`Command`] for the runtime, and its result comes back as a [`Msg`]. So every
//! key of the wizard can be tested without a terminal, and a slow proxy never blocks a key.

use super::editor::{Edit, Editor};
use crate::answers::{Answer, Answers};
use crate::discover::Findings;
use crate::plan::{self, Assessment};
use crate::problem::{Location, Problem};
use crate::render::{Artifact, Templates};
use crate::steps::{FieldId, FieldKind, Step, field};
use crate::teleport::ProxyAddress;
use crate::verify::Report;
use crate::write::Planned;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Where answers go when the user leaves early and asks to keep them.
pub const PARTIAL_ANSWERS: &str = "wi-aws-answers.partial.yaml";

/// The wizard's screens, in order: the question steps, then what happens to the answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Screen {
    Ask(Step),
    Review,
    Write,
    Verify,
    Done,
}

impl Screen {
    pub const ALL: [Screen; 10] = [
        Screen::Ask(Step::Cluster),
        Screen::Ask(Step::Spiffe),
        Screen::Ask(Step::Thumbprint),
        Screen::Ask(Step::Aws),
        Screen::Ask(Step::Teleport),
        Screen::Ask(Step::Tbot),
        Screen::Review,
        Screen::Write,
        Screen::Verify,
        Screen::Done,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Screen::Ask(step) => step.title(),
            Screen::Review => "Review",
            Screen::Write => "Write",
            Screen::Verify => "Verify",
            Screen::Done => "Done",
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

/// The review: every file that would be written, and how it compares with the disk.
#[derive(Debug, Clone)]
pub struct Review {
    pub artifacts: Vec<Artifact>,
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

/// How the wizard ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// The files were written; whether every verify check passed.
    Finished { verified: bool },
    /// Left before writing; where the answers were saved, if they were.
    Left { saved: Option<String> },
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
    Saved(Result<(), String>),
    /// SIGTERM or SIGHUP: leave at once, writing nothing.
    Terminate,
}

/// What the wizard starts from.
pub struct Setup {
    pub answers: Answers,
    pub out: PathBuf,
    /// `--force`: replace files that differ without asking.
    pub force: bool,
    /// The demo proxy's address, in demo mode.
    pub demo: Option<String>,
    pub templates: Templates,
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
    pub answers: Answers,
    pub assessment: Assessment,
    pub screen: Screen,
    /// Index into [`App::items`] on a question step.
    pub focus: usize,
    pub editor: Editor,
    pub discovery: Option<Discovery>,
    pub thumbprint_source: ThumbprintSource,
    pub review: Option<Review>,
    pub writing: Progress<Vec<Planned>>,
    pub verifying: Progress<Report>,
    pub verify_scroll: usize,
    pub overlay: Option<Overlay>,
    /// A one-line message for the user, cleared by the next key.
    pub status: Option<String>,
    pub spinner: usize,
    pub out: PathBuf,
    pub force: bool,
    pub demo: Option<String>,
    pub exit: Option<Exit>,
    pub viewport: (u16, u16),
    /// Answers the user changed since the last write or save.
    dirty: bool,
    /// Values discovery filled in, undone when the proxy changes.
    discovery_fills: Vec<(FieldId, Answer)>,
    /// Steps the user tried to leave: their empty required fields show as errors.
    attempted: BTreeSet<Step>,
    touched: BTreeSet<FieldId>,
    reached: Screen,
    templates: Templates,
}

impl App {
    /// The wizard on its first step; discovery starts at once when the proxy is known.
    pub fn new(setup: Setup) -> (Self, Vec<Command>) {
        let mut app = App {
            assessment: plan::assess(&setup.answers),
            answers: setup.answers,
            screen: Screen::Ask(Step::Cluster),
            focus: 0,
            editor: Editor::default(),
            discovery: None,
            thumbprint_source: ThumbprintSource::Manual,
            review: None,
            writing: Progress::NotStarted,
            verifying: Progress::NotStarted,
            verify_scroll: 0,
            overlay: None,
            status: setup.notice,
            spinner: 0,
            out: setup.out,
            force: setup.force,
            demo: setup.demo,
            exit: None,
            viewport: (80, 24),
            dirty: false,
            discovery_fills: Vec::new(),
            attempted: BTreeSet::new(),
            touched: BTreeSet::new(),
            reached: Screen::Ask(Step::Cluster),
            templates: setup.templates,
        };
        app.load_editor();
        let commands = app.discover(false).into_iter().collect();
        (app, commands)
    }

    /// Whether something runs in the background (the spinner turns).
    pub fn busy(&self) -> bool {
        matches!(
            self.discovery,
            Some(Discovery {
                state: DiscoveryState::Running,
                ..
            })
        ) || self.writing == Progress::Running
            || matches!(self.verifying, Progress::Running)
            || matches!(self.review, Some(Review { planned: None, .. }))
            || matches!(self.overlay, Some(Overlay::Quit { saving: true, .. }))
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

    pub fn step_state(&self, screen: Screen) -> StepState {
        if screen == self.screen {
            return StepState::Current;
        }
        let has_errors = match screen {
            Screen::Ask(step) => self.items_of(step).iter().any(|item| match item {
                Item::Field(id) => !self.problems(*id).is_empty(),
                Item::ThumbprintSource => false,
            }),
            Screen::Write => matches!(self.writing, Progress::Finished(Err(_))),
            Screen::Verify => match &self.verifying {
                Progress::Finished(Ok(report)) => !report.passed(),
                Progress::Finished(Err(_)) => true,
                _ => false,
            },
            _ => false,
        };
        if has_errors {
            StepState::Errors
        } else if screen < self.reached || screen == self.reached && screen == Screen::Done {
            StepState::Done
        } else {
            StepState::Pending
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Command> {
        match msg {
            Msg::Key(key) if key.kind == KeyEventKind::Release => Vec::new(),
            Msg::Key(key) => {
                self.status = None;
                self.on_key(key)
            }
            Msg::Paste(text) => {
                if self.overlay.is_none() && self.editing().is_some() {
                    self.edit(|editor| editor.insert(&text));
                }
                Vec::new()
            }
            Msg::Resize { width, height } => {
                self.viewport = (width, height);
                Vec::new()
            }
            Msg::Tick => {
                self.spinner = self.spinner.wrapping_add(1);
                Vec::new()
            }
            Msg::Discovered { proxy, result } => {
                self.on_discovered(proxy, result);
                Vec::new()
            }
            Msg::Previewed(result) => {
                if let Some(review) = &mut self.review {
                    review.planned = Some(result);
                }
                Vec::new()
            }
            Msg::Written(result) => self.on_written(result),
            Msg::Verified(result) => {
                self.verifying = Progress::Finished(result);
                self.verify_scroll = 0;
                Vec::new()
            }
            Msg::Saved(result) => {
                match result {
                    Ok(()) => {
                        self.dirty = false;
                        self.exit = Some(Exit::Left {
                            saved: Some(PARTIAL_ANSWERS.to_owned()),
                        });
                    }
                    Err(problem) => {
                        self.overlay = Some(Overlay::Quit {
                            saving: false,
                            problem: Some(problem),
                        })
                    }
                }
                Vec::new()
            }
            Msg::Terminate => {
                self.leave();
                Vec::new()
            }
        }
    }

    fn leave(&mut self) {
        self.exit = Some(match (&self.writing, &self.verifying) {
            (Progress::Finished(Ok(_)), Progress::Finished(Ok(report))) => Exit::Finished {
                verified: report.passed(),
            },
            (Progress::Finished(Ok(_)), _) => Exit::Finished { verified: false },
            _ => Exit::Left { saved: None },
        });
    }

    /// Ctrl-C, `q`, or Esc on the first step: leave, asking first when answers would be lost.
    fn ask_to_leave(&mut self) {
        if self.unsaved() {
            self.overlay = Some(Overlay::Quit {
                saving: false,
                problem: None,
            });
        } else {
            self.leave();
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            // A second Ctrl-C at the question leaves without saving.
            if matches!(self.overlay, Some(Overlay::Quit { .. })) {
                self.leave();
            } else {
                self.ask_to_leave();
            }
            return Vec::new();
        }
        match &self.overlay {
            Some(Overlay::Help) => {
                self.overlay = None;
                return Vec::new();
            }
            Some(Overlay::Quit { saving: true, .. }) => return Vec::new(),
            Some(Overlay::Quit { .. }) => return self.on_quit_key(key),
            None => {}
        }
        if matches!(key.code, KeyCode::Char('?') | KeyCode::F(1)) {
            self.overlay = Some(Overlay::Help);
            return Vec::new();
        }
        // `q` is a letter in a text field, and "quit" everywhere else.
        if key.code == KeyCode::Char('q') && !ctrl && self.editing().is_none() {
            if self.screen == Screen::Done {
                self.leave();
            } else {
                self.ask_to_leave();
            }
            return Vec::new();
        }
        match self.screen {
            Screen::Ask(step) => self.on_ask_key(step, key),
            Screen::Review => self.on_review_key(key),
            Screen::Write => self.on_write_key(key),
            Screen::Verify => self.on_verify_key(key),
            Screen::Done => {
                match key.code {
                    KeyCode::Enter => self.leave(),
                    KeyCode::Esc => self.screen = Screen::Verify,
                    _ => {}
                }
                Vec::new()
            }
        }
    }

    fn on_quit_key(&mut self, key: KeyEvent) -> Vec<Command> {
        match key.code {
            KeyCode::Char('y' | 'Y') => {
                self.leave();
                Vec::new()
            }
            KeyCode::Char('s' | 'S') => {
                self.overlay = Some(Overlay::Quit {
                    saving: true,
                    problem: None,
                });
                vec![Command::SavePartial {
                    contents: self.answers.to_yaml(),
                }]
            }
            KeyCode::Char('n' | 'N') | KeyCode::Esc => {
                self.overlay = None;
                Vec::new()
            }
            _ => Vec::new(),
        }
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

    fn on_ask_key(&mut self, step: Step, key: KeyEvent) -> Vec<Command> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Tab | KeyCode::Down => return self.move_focus(1),
            KeyCode::BackTab | KeyCode::Up => return self.move_focus(-1),
            KeyCode::Enter => return self.continue_from(step),
            KeyCode::Esc => return self.go_back(),
            KeyCode::Char('r') if ctrl && step == Step::Cluster => {
                return self.discover(true).into_iter().collect();
            }
            _ => {}
        }
        match self.focused() {
            Some(Item::Field(id)) => match field(id).kind {
                FieldKind::Text | FieldKind::List => self.on_text_key(key),
                FieldKind::Choice(options) => {
                    if let Some(step) = cycle_step(key) {
                        let current = self
                            .answers
                            .text(id)
                            .or(self.default_of(id))
                            .and_then(|value| options.iter().position(|o| *o == value))
                            .unwrap_or(0);
                        let next = (current as isize + step).rem_euclid(options.len() as isize);
                        self.answers.set_text(id, options[next as usize]);
                        self.answers.clear_hidden();
                        self.changed(id);
                    }
                }
                FieldKind::Flag => {
                    let current = self
                        .answers
                        .flag(id)
                        .or(self.assessment.default_flag(id))
                        .unwrap_or(false);
                    let next = match key.code {
                        KeyCode::Char('y' | 'Y') => Some(true),
                        KeyCode::Char('n' | 'N') => Some(false),
                        _ => cycle_step(key).map(|_| !current),
                    };
                    if let Some(next) = next {
                        self.answers.set(id, Answer::Flag(next));
                        self.changed(id);
                    }
                }
            },
            Some(Item::ThumbprintSource) => {
                if let Some(step) = cycle_step(key) {
                    let sources = self.thumbprint_sources();
                    let current = sources
                        .iter()
                        .position(|s| *s == self.thumbprint_source)
                        .unwrap_or(0);
                    let next = (current as isize + step).rem_euclid(sources.len() as isize);
                    self.choose_thumbprint(sources[next as usize]);
                }
            }
            None => {}
        }
        Vec::new()
    }

    fn on_text_key(&mut self, key: KeyEvent) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('u') if ctrl => self.edit(Editor::clear),
            KeyCode::Char('w') if ctrl => self.edit(Editor::delete_word),
            KeyCode::Char('a') if ctrl => self.edit(Editor::home),
            KeyCode::Char('e') if ctrl => self.edit(Editor::end),
            KeyCode::Char(c) if !ctrl => {
                self.edit(|editor| editor.insert(c.encode_utf8(&mut [0; 4])))
            }
            KeyCode::Backspace => self.edit(Editor::backspace),
            KeyCode::Delete => self.edit(Editor::delete),
            KeyCode::Left => self.edit(Editor::left),
            KeyCode::Right => self.edit(Editor::right),
            KeyCode::Home => self.edit(Editor::home),
            KeyCode::End => self.edit(Editor::end),
            _ => {}
        }
    }

    /// Applies an edit to the buffer and, when the text changed, to the answers: problems are
    /// recomputed on every keystroke.
    fn edit(&mut self, action: impl FnOnce(&mut Editor) -> Edit) {
        let Some(id) = self.editing() else { return };
        if action(&mut self.editor) == Edit::Changed {
            let line = self.editor.text().to_owned();
            self.answers.set_line(id, &line);
            self.changed(id);
        }
    }

    fn changed(&mut self, id: FieldId) {
        self.dirty = true;
        self.touched.insert(id);
        self.assessment = plan::assess(&self.answers);
    }

    /// Fills the buffer from the answer of the field under the cursor.
    fn load_editor(&mut self) {
        self.editor = match self.editing() {
            Some(id) => Editor::new(&self.answers.line(id).unwrap_or_default()),
            None => Editor::default(),
        };
    }

    fn move_focus(&mut self, by: isize) -> Vec<Command> {
        let commands = self.leave_field();
        let last = self.items().len().saturating_sub(1) as isize;
        self.focus = (self.focus as isize + by).clamp(0, last) as usize;
        self.load_editor();
        commands
    }

    /// Leaving the proxy field asks the new proxy.
    fn leave_field(&mut self) -> Vec<Command> {
        match self.focused() {
            Some(Item::Field(FieldId::Proxy)) => self.discover(false).into_iter().collect(),
            _ => Vec::new(),
        }
    }

    fn go_back(&mut self) -> Vec<Command> {
        let commands = self.leave_field();
        match self.screen {
            Screen::Ask(Step::Cluster) => self.ask_to_leave(),
            Screen::Ask(step) => {
                let index = Step::ALL.iter().position(|s| *s == step).unwrap_or(1);
                self.show(Screen::Ask(Step::ALL[index - 1]));
            }
            Screen::Review => self.show(Screen::Ask(Step::Tbot)),
            Screen::Write | Screen::Verify => return self.enter_review(),
            Screen::Done => self.screen = Screen::Verify,
        }
        commands
    }

    fn show(&mut self, screen: Screen) {
        self.screen = screen;
        self.reached = self.reached.max(screen);
        self.focus = 0;
        self.load_editor();
    }

    /// Enter on a question step: on to the next step when this one has no problems; else the
    /// cursor goes to the first problem.
    fn continue_from(&mut self, step: Step) -> Vec<Command> {
        let mut commands = self.leave_field();
        self.attempted.insert(step);
        let items = self.items_of(step);
        let first_bad = items.iter().position(|item| match item {
            Item::Field(id) => !self.problems(*id).is_empty(),
            Item::ThumbprintSource => false,
        });
        if let Some(index) = first_bad {
            self.focus = index;
            self.load_editor();
            self.status = Some("Fix the answer marked ✗ to continue.".into());
            return commands;
        }
        match Step::ALL.iter().position(|s| *s == step) {
            Some(index) if index + 1 < Step::ALL.len() => {
                self.show(Screen::Ask(Step::ALL[index + 1]));
            }
            _ => commands.extend(self.enter_review()),
        }
        commands
    }

    /// Renders the artifacts and asks the runtime to compare them with the disk. Each step is
    /// checked as it is left, so problems here come from a rule spanning steps: the cursor
    /// goes to the first of them instead.
    fn enter_review(&mut self) -> Vec<Command> {
        // The assessment is redone on every change, so it is the plan of these answers.
        let plan = match self.assessment.result.clone() {
            Ok(plan) => plan,
            Err(problems) => {
                self.show_first_problem(&problems);
                return Vec::new();
            }
        };
        let artifacts = match crate::render::render(&plan, &self.templates) {
            Ok(artifacts) => artifacts,
            Err(error) => {
                self.status = Some(format!("Cannot render the files: {error}"));
                return Vec::new();
            }
        };
        self.review = Some(Review {
            artifacts: artifacts.clone(),
            planned: None,
            warnings: plan.warnings,
            selected: 0,
            scroll: 0,
        });
        self.writing = Progress::NotStarted;
        self.verifying = Progress::NotStarted;
        self.show(Screen::Review);
        vec![Command::Preview {
            out: self.out.clone(),
            artifacts,
        }]
    }

    fn show_first_problem(&mut self, problems: &[Problem]) {
        for step in Step::ALL {
            self.attempted.insert(step);
            let items = self.items_of(step);
            let bad = items.iter().position(|item| {
                matches!(item, Item::Field(id) if problems.iter().any(|p| p.location == Location::Field(*id)))
            });
            if let Some(index) = bad {
                self.show(Screen::Ask(step));
                self.focus = index;
                self.load_editor();
                self.status = Some(format!(
                    "{} answer(s) need fixing before the review; the first is here.",
                    problems.len()
                ));
                return;
            }
        }
        self.status = Some(crate::problem::Problems(problems.to_vec()).to_string());
    }

    fn on_review_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let page = super::view::review_preview_rows(self);
        let Some(review) = &mut self.review else {
            return Vec::new();
        };
        let count = review.artifacts.len();
        let lines = review
            .artifacts
            .get(review.selected)
            .map_or(0, |a| a.contents.lines().count());
        let max_scroll = lines.saturating_sub(page);
        match key.code {
            KeyCode::Up | KeyCode::Char('k') | KeyCode::BackTab => {
                review.selected = review.selected.saturating_sub(1);
                review.scroll = 0;
            }
            KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => {
                review.selected = (review.selected + 1).min(count.saturating_sub(1));
                review.scroll = 0;
            }
            KeyCode::PageDown | KeyCode::Char(' ') => {
                review.scroll = (review.scroll + page).min(max_scroll);
            }
            KeyCode::PageUp => review.scroll = review.scroll.saturating_sub(page),
            KeyCode::End => review.scroll = max_scroll,
            KeyCode::Home => review.scroll = 0,
            KeyCode::Enter if matches!(review.planned, Some(Ok(_))) => {
                self.show(Screen::Write);
            }
            KeyCode::Enter => {
                if let Some(Err(problem)) = &review.planned {
                    self.status = Some(format!("Cannot read {}: {problem}", self.out.display()));
                }
            }
            KeyCode::Esc => return self.go_back(),
            _ => {}
        }
        Vec::new()
    }

    fn on_write_key(&mut self, key: KeyEvent) -> Vec<Command> {
        if self.writing == Progress::Running {
            return Vec::new();
        }
        let Some(review) = &self.review else {
            return Vec::new();
        };
        let overwrites = !review.overwrites().is_empty();
        let force = match key.code {
            KeyCode::Enter if overwrites && !self.force => {
                self.status = Some(
                    "Files there differ: press F to replace them, or Esc to keep them.".into(),
                );
                return Vec::new();
            }
            KeyCode::Enter => self.force,
            KeyCode::Char('f' | 'F') if overwrites => true,
            KeyCode::Esc => return self.go_back(),
            _ => return Vec::new(),
        };
        self.writing = Progress::Running;
        vec![Command::Write {
            out: self.out.clone(),
            artifacts: review.artifacts.clone(),
            force,
        }]
    }

    fn on_written(&mut self, result: Result<Vec<Planned>, String>) -> Vec<Command> {
        let ok = result.is_ok();
        self.writing = Progress::Finished(result);
        if !ok {
            return Vec::new();
        }
        // The answers are on disk as answers.yaml now.
        self.dirty = false;
        self.verifying = Progress::Running;
        self.show(Screen::Verify);
        vec![Command::Verify {
            out: self.out.clone(),
        }]
    }

    fn on_verify_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let lines = match &self.verifying {
            Progress::Finished(Ok(report)) => {
                super::view::verify_rows(report, super::view::main_width(self.viewport.0)).len()
            }
            _ => 0,
        };
        let page = super::view::checklist_rows_visible(self);
        let max_scroll = lines.saturating_sub(page);
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => {
                self.verify_scroll = self.verify_scroll.saturating_sub(1)
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.verify_scroll = (self.verify_scroll + 1).min(max_scroll)
            }
            KeyCode::PageDown | KeyCode::Char(' ') => {
                self.verify_scroll = (self.verify_scroll + page).min(max_scroll)
            }
            KeyCode::PageUp => self.verify_scroll = self.verify_scroll.saturating_sub(page),
            KeyCode::Enter if matches!(self.verifying, Progress::Finished(_)) => {
                self.show(Screen::Done);
            }
            KeyCode::Esc if matches!(self.verifying, Progress::Finished(_)) => {
                return self.go_back();
            }
            _ => {}
        }
        Vec::new()
    }

    /// Starts asking the proxy when its address is valid and was not asked yet (`again`: even
    /// if it was). What the last answer filled in is taken back first.
    fn discover(&mut self, again: bool) -> Option<Command> {
        let proxy = ProxyAddress::parse(self.answers.text(FieldId::Proxy)?).ok()?;
        let authority = proxy.authority();
        if !again
            && self
                .discovery
                .as_ref()
                .is_some_and(|d| d.proxy == authority)
        {
            return None;
        }
        for (id, value) in std::mem::take(&mut self.discovery_fills) {
            if self.answers.get(id) == Some(&value) {
                self.answers.clear(id);
            }
        }
        self.assessment = plan::assess(&self.answers);
        self.discovery = Some(Discovery {
            proxy: authority,
            state: DiscoveryState::Running,
        });
        Some(Command::Discover(proxy))
    }

    fn on_discovered(&mut self, proxy: String, result: Result<Box<Findings>, String>) {
        // An answer for an address the user has since changed is stale.
        if self.discovery.as_ref().is_none_or(|d| d.proxy != proxy) {
            return;
        }
        let state = match result {
            Ok(findings) => {
                let before = self.answers.clone();
                let warnings = crate::discover::apply_findings(&mut self.answers, &findings);
                for id in [FieldId::ClusterName, FieldId::Thumbprints] {
                    if let Some(value) = self.answers.get(id)
                        && before.get(id) != Some(value)
                    {
                        self.discovery_fills.push((id, value.clone()));
                        // A field filled under the cursor shows its new value.
                        if self.editing() == Some(id) && self.editor.text().is_empty() {
                            self.editor = Editor::new(&self.answers.line(id).unwrap_or_default());
                        }
                    }
                }
                let given = self.answers.list(FieldId::Thumbprints).unwrap_or_default();
                self.thumbprint_source = if given.is_empty() {
                    ThumbprintSource::Public
                } else if given == [findings.chain_thumbprint.clone()] {
                    ThumbprintSource::Chain
                } else if given == [findings.teleport_thumbprint.clone()] {
                    ThumbprintSource::Teleport
                } else {
                    ThumbprintSource::Manual
                };
                self.assessment = plan::assess(&self.answers);
                DiscoveryState::Found { findings, warnings }
            }
            Err(reason) => {
                self.thumbprint_source = ThumbprintSource::Manual;
                DiscoveryState::Failed(reason)
            }
        };
        self.discovery = Some(Discovery { proxy, state });
        // The thumbprint step's items depend on the findings.
        let count = self.items().len();
        if self.focus >= count {
            self.focus = count.saturating_sub(1);
            self.load_editor();
        }
    }

    fn choose_thumbprint(&mut self, source: ThumbprintSource) {
        let Some(findings) = self.findings() else {
            return;
        };
        let list = match source {
            ThumbprintSource::Chain => vec![findings.chain_thumbprint.clone()],
            ThumbprintSource::Teleport => vec![findings.teleport_thumbprint.clone()],
            ThumbprintSource::Manual => self
                .answers
                .list(FieldId::Thumbprints)
                .map(<[String]>::to_vec)
                .unwrap_or_default(),
            ThumbprintSource::Public => Vec::new(),
        };
        self.thumbprint_source = source;
        self.answers.set(FieldId::Thumbprints, Answer::List(list));
        self.changed(FieldId::Thumbprints);
    }
}

/// Left/Right/Space change a choice; the step says which way.
fn cycle_step(key: KeyEvent) -> Option<isize> {
    match key.code {
        KeyCode::Right | KeyCode::Char(' ') => Some(1),
        KeyCode::Left => Some(-1),
        _ => None,
    }
}
