//! The full-screen wizard's one transition, [`App::update`]: a message in, the state changed,
//! work for the runtime out.
//!
//! Pure: no terminal, disk or network in here. Work that is slow or touches the outside world
//! (asking the proxy, comparing with the files on disk, writing, verifying, saving) leaves
//! `update` as a [`Command`] for the runtime, and its result comes back as a [`Msg`]. So every
//! key of the wizard can be tested without a terminal, and a slow proxy never blocks a key.

use super::editor::{Edit, Editor};
use super::layout;
use super::model::{
    App, Command, Discovery, DiscoveryState, Item, Msg, Overlay, Progress, Review, Screen,
    ScreenId, Setup, ThumbprintSource, Verification,
};
use crate::answers::Answer;
use crate::answers::plan;
use crate::answers::problem::{Location, Problem};
use crate::answers::steps::{FieldId, FieldKind, Step, field};
use crate::artifacts::pipeline::{self, Ending, PARTIAL_ANSWERS};
use crate::artifacts::write::Planned;
use crate::discover::Findings;
use crate::domain::teleport::ProxyAddress;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::BTreeSet;

impl App {
    /// The wizard on its first step; discovery starts at once when the proxy is known.
    pub fn new(setup: Setup) -> (Self, Vec<Command>) {
        let answers = setup.answers.merged(0);
        let install_profile = setup.settings.install_profile;
        let mut app = App {
            assessment: plan::assess(&answers),
            answers,
            fleet: setup.answers,
            current: 0,
            screen: Screen::Ask(Step::Cluster),
            focus: 0,
            editor: Editor::default(),
            discovery: None,
            thumbprint_source: ThumbprintSource::Manual,
            overlay: None,
            status: setup.notice,
            spinner: 0,
            settings: setup.settings,
            demo: setup.demo,
            exit: None,
            install_profile,
            profiles: None,
            viewport: (80, 24),
            dirty: false,
            discovery_fills: Vec::new(),
            attempted: BTreeSet::new(),
            touched: BTreeSet::new(),
            reached: ScreenId::Ask(Step::Cluster),
        };
        app.load_editor();
        let commands = app.discover(false).into_iter().collect();
        (app, commands)
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
                if let Screen::Review(review) = &mut self.screen {
                    review.planned = Some(result);
                }
                Vec::new()
            }
            Msg::Written(result) => self.on_written(result),
            Msg::Verified(result) => {
                if let Screen::Verify(verification) = &mut self.screen {
                    verification.report = Progress::Finished(result);
                    verification.scroll = 0;
                }
                Vec::new()
            }
            Msg::ProfilesInstalled(result) => {
                self.profiles = Some(result);
                Vec::new()
            }
            Msg::Saved(result) => {
                match result {
                    Ok(()) => {
                        self.dirty = false;
                        self.exit = Some(Ending::Left {
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
        self.exit = Some(match self.screen.verification() {
            Some(verification) => verification.ending(),
            None => Ending::Left { saved: None },
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
            if self.screen.id() == ScreenId::Done {
                self.leave();
            } else {
                self.ask_to_leave();
            }
            return Vec::new();
        }
        match self.screen.id() {
            ScreenId::Ask(step) => self.on_ask_key(step, key),
            ScreenId::Workloads => self.on_workloads_key(key),
            ScreenId::Review => self.on_review_key(key),
            ScreenId::Write => self.on_write_key(key),
            ScreenId::Verify => self.on_verify_key(key),
            ScreenId::Done => {
                match key.code {
                    KeyCode::Enter => self.leave(),
                    KeyCode::Esc => self.go_back_from_done(),
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
                self.fleet.store(self.current, &self.answers);
                vec![Command::SavePartial {
                    contents: self.fleet.to_yaml(),
                }]
            }
            KeyCode::Char('n' | 'N') | KeyCode::Esc => {
                self.overlay = None;
                Vec::new()
            }
            _ => Vec::new(),
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
                        if id == FieldId::Route
                            && let Some(findings) = self.findings().cloned()
                        {
                            crate::discover::apply_findings(&mut self.answers, &findings);
                        }
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
            crate::ui::read_named_files(&mut self.answers, id);
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
        match self.screen.id() {
            ScreenId::Ask(Step::Cluster) => self.ask_to_leave(),
            ScreenId::Ask(step) => {
                let index = Step::ALL.iter().position(|s| *s == step).unwrap_or(1);
                // A step of the other route's questions only is passed by.
                let earlier = Step::ALL[..index]
                    .iter()
                    .rev()
                    .find(|s| **s == Step::Cluster || !self.items_of(**s).is_empty());
                self.show(Screen::Ask(*earlier.unwrap_or(&Step::Cluster)));
            }
            ScreenId::Workloads => self.show(Screen::Ask(Step::Tbot)),
            ScreenId::Review => self.enter_workloads(),
            ScreenId::Write | ScreenId::Verify => return self.enter_review(),
            ScreenId::Done => self.go_back_from_done(),
        }
        commands
    }

    fn go_back_from_done(&mut self) {
        let screen = std::mem::replace(&mut self.screen, Screen::Ask(Step::Tbot));
        self.screen = match screen {
            Screen::Done(verification) => Screen::Verify(verification),
            other => other,
        };
    }

    pub(super) fn show(&mut self, screen: Screen) {
        self.reached = self.reached.max(screen.id());
        self.screen = screen;
        self.focus = 0;
        self.load_editor();
    }

    /// Enter on a question step: on to the next step when this one has no problems; else the
    /// cursor goes to the first problem.
    fn continue_from(&mut self, step: Step) -> Vec<Command> {
        let commands = self.leave_field();
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
        let later = Step::ALL
            .iter()
            .skip_while(|s| **s != step)
            .skip(1)
            .find(|s| !self.items_of(**s).is_empty());
        match later {
            Some(next) => self.show(Screen::Ask(*next)),
            None => self.enter_workloads(),
        }
        commands
    }

    /// Renders the artifacts and asks the runtime to compare them with the disk. Each step is
    /// checked as it is left, so problems here come from a rule spanning steps: the cursor
    /// goes to the first of them instead.
    pub(super) fn enter_review(&mut self) -> Vec<Command> {
        self.fleet.store(self.current, &self.answers);
        if self.settings.simulate_apply
            && let Some(said) = crate::discover::demo::simulate_apply(&mut self.fleet)
        {
            self.status = Some(said);
        }
        let fleet = match crate::answers::fleet::validate(&self.fleet) {
            Ok(fleet) => fleet,
            Err(problems) => {
                self.show_first_problem(&problems);
                return Vec::new();
            }
        };
        let plan = fleet.shared().clone();
        let artifacts = match pipeline::render(&fleet, &self.settings.templates) {
            Ok(artifacts) => artifacts,
            Err(error) => {
                self.status = Some(format!("Cannot render the files: {error}"));
                return Vec::new();
            }
        };
        self.show(Screen::Review(Review {
            artifacts: artifacts.clone(),
            generation: format!(
                "Teleport API {} ({})",
                plan.workload.api.id(),
                plan.workload.api_reason
            ),
            planned: None,
            warnings: fleet.warnings,
            selected: 0,
            scroll: 0,
        }));
        vec![Command::Preview {
            out: self.settings.out.clone(),
            artifacts,
        }]
    }

    fn show_first_problem(&mut self, problems: &[Problem]) {
        // A problem of another workload (or of two workloads together): edit that workload.
        if let Some(Location::Workload(index, _)) = problems.first().map(|p| &p.location)
            && *index != self.current
            && *index < self.fleet.count()
        {
            self.edit_workload(*index);
        }
        let current = self.current;
        let problems: Vec<Problem> = problems
            .iter()
            .cloned()
            .map(|mut problem| {
                if let Location::Workload(index, inner) = &problem.location
                    && *index == current
                {
                    problem.location = (**inner).clone();
                }
                problem
            })
            .collect();
        let problems = problems.as_slice();
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
        self.status = Some(crate::answers::problem::Problems(problems.to_vec()).to_string());
    }

    fn on_review_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let page = layout::review_preview_rows(self);
        let out = self.settings.out.display().to_string();
        let Screen::Review(review) = &mut self.screen else {
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
                let review = review.clone();
                self.show(Screen::Write {
                    review,
                    writing: Progress::NotStarted,
                });
            }
            KeyCode::Enter => {
                if let Some(Err(problem)) = &review.planned {
                    self.status = Some(format!("Cannot read {out}: {problem}"));
                }
            }
            KeyCode::Esc => return self.go_back(),
            _ => {}
        }
        Vec::new()
    }

    fn on_write_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let Screen::Write { review, writing } = &mut self.screen else {
            return Vec::new();
        };
        if *writing == Progress::Running {
            return Vec::new();
        }
        let overwrites = !review.overwrites().is_empty();
        let settings = &self.settings;
        let force = match key.code {
            KeyCode::Enter if settings.dry_run => {
                self.exit = Some(Ending::DryRun);
                return Vec::new();
            }
            KeyCode::Enter if overwrites && !settings.force => {
                self.status = Some(
                    "Files there differ: press F to replace them, or Esc to keep them.".into(),
                );
                return Vec::new();
            }
            KeyCode::Enter => settings.force,
            KeyCode::Char('f' | 'F') if overwrites && !settings.dry_run => true,
            KeyCode::Char('p' | 'P') if !settings.dry_run => {
                self.install_profile = !self.install_profile;
                return Vec::new();
            }
            KeyCode::Esc => return self.go_back(),
            _ => return Vec::new(),
        };
        *writing = Progress::Running;
        vec![Command::Write {
            out: settings.out.clone(),
            artifacts: review.artifacts.clone(),
            force,
        }]
    }

    fn on_written(&mut self, result: Result<Vec<Planned>, String>) -> Vec<Command> {
        let Screen::Write { review, writing } = &mut self.screen else {
            return Vec::new();
        };
        let written = match result {
            Ok(written) => written,
            Err(problem) => {
                *writing = Progress::Finished(Err(problem));
                return Vec::new();
            }
        };
        // The answers are on disk as answers.yaml now.
        self.dirty = false;
        let mut verification = Verification {
            artifacts: review.artifacts.clone(),
            written,
            report: Progress::NotStarted,
            scroll: 0,
        };
        let out = self.settings.out.clone();
        let mut commands = Vec::new();
        if self.install_profile {
            commands.push(Command::InstallProfiles { out: out.clone() });
        }
        if !self.settings.verify {
            self.show(Screen::Done(verification));
            return commands;
        }
        verification.report = Progress::Running;
        self.show(Screen::Verify(verification));
        commands.push(Command::Verify { out });
        commands
    }

    fn on_verify_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let page = layout::checklist_rows_visible(self);
        let width = layout::main_width(self.viewport.0);
        let Screen::Verify(verification) = &mut self.screen else {
            return Vec::new();
        };
        let lines = match &verification.report {
            Progress::Finished(Ok(report)) => layout::verify_rows(report, width).len(),
            _ => 0,
        };
        let max_scroll = lines.saturating_sub(page);
        let finished = matches!(verification.report, Progress::Finished(_));
        let scroll = &mut verification.scroll;
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => *scroll = (*scroll + 1).min(max_scroll),
            KeyCode::PageDown | KeyCode::Char(' ') => *scroll = (*scroll + page).min(max_scroll),
            KeyCode::PageUp => *scroll = scroll.saturating_sub(page),
            KeyCode::Enter if finished => {
                let verification = verification.clone();
                self.show(Screen::Done(verification));
            }
            KeyCode::Esc if finished => return self.go_back(),
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
