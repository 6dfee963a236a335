//! The Workloads step: the fleet as a list, after the questions of the workload being edited.
//! One workload is the common case (Enter goes on to the review); `a` adds another, which
//! makes the answers a fleet (answers version 2) whose workloads share the cluster, the account
//! and the OIDC provider and each have their own SPIFFE ID, role, bucket access and bot.

use super::model::{App, Command, Screen};
use crate::answers::fleet;
use crate::answers::plan;
use crate::answers::steps::{FieldId, Step};
use crate::answers::{Form, WorkloadAnswers};
use crossterm::event::{KeyCode, KeyEvent};

/// One row of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadRow {
    pub name: String,
    pub spiffe_id: String,
    pub role: String,
    pub bucket: String,
    /// Whether its answers validate on their own.
    pub valid: bool,
}

impl App {
    /// Leaves the question steps for the list, keeping what was asked.
    pub(super) fn enter_workloads(&mut self) {
        self.fleet.store(self.current, &self.answers);
        self.name_unnamed();
        let selected = self.current;
        self.show(Screen::Workloads { selected });
    }

    /// The list as it stands.
    pub fn workload_rows(&self) -> Vec<WorkloadRow> {
        (0..self.fleet.count())
            .map(|index| {
                let answers = match index == self.current {
                    true => self.answers.clone(),
                    false => self.fleet.merged(index),
                };
                let assessment = plan::assess(&answers);
                let text = |id: FieldId| {
                    answers
                        .text(id)
                        .or(assessment.default_text(id))
                        .unwrap_or("?")
                        .to_owned()
                };
                let name = match self.fleet.form {
                    Form::Single => fleet::default_name(&text(FieldId::SpiffePath)),
                    Form::Fleet => self.fleet.workloads[index]
                        .name
                        .clone()
                        .unwrap_or_else(|| "(unnamed)".into()),
                };
                WorkloadRow {
                    name,
                    spiffe_id: plan::spiffe_id_preview(&answers).unwrap_or_else(|| "?".into()),
                    role: text(FieldId::RoleName),
                    bucket: text(FieldId::Bucket),
                    valid: assessment.result.is_ok(),
                }
            })
            .collect()
    }

    pub(super) fn on_workloads_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let Screen::Workloads { selected } = self.screen else {
            return Vec::new();
        };
        let count = self.fleet.count();
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => self.select(selected.saturating_sub(1)),
            KeyCode::Down | KeyCode::Char('j') => self.select((selected + 1).min(count - 1)),
            KeyCode::Enter => return self.enter_review(),
            KeyCode::Esc => self.show(Screen::Ask(Step::Tbot)),
            KeyCode::Char('a') => self.add_workload(WorkloadAnswers::default()),
            KeyCode::Char('e') => self.edit_workload(selected),
            KeyCode::Char('d') => self.duplicate_workload(selected),
            KeyCode::Char('x') | KeyCode::Delete => self.remove_workload(selected),
            _ => {}
        }
        Vec::new()
    }

    fn select(&mut self, index: usize) {
        self.screen = Screen::Workloads { selected: index };
    }

    /// Opens a workload's questions (from the SPIFFE ID: the cluster is every workload's).
    pub(super) fn edit_workload(&mut self, index: usize) {
        self.fleet.store(self.current, &self.answers);
        self.current = index;
        self.answers = self.fleet.merged(index);
        self.assessment = plan::assess(&self.answers);
        self.attempted.clear();
        self.touched.clear();
        self.show(Screen::Ask(Step::Spiffe));
    }

    fn add_workload(&mut self, workload: WorkloadAnswers) {
        self.fleet.store(self.current, &self.answers);
        if self.fleet.form == Form::Single {
            // The workload so far becomes the first of a fleet (answers version 2).
            self.fleet = fleet::migrate(&self.fleet);
        }
        self.fleet.workloads.push(workload);
        self.dirty = true;
        self.status = Some(format!(
            "Workload {} of {}: its SPIFFE ID, AWS access, Teleport role and bot; the cluster and account are shared.",
            self.fleet.workloads.len(),
            self.fleet.workloads.len()
        ));
        self.edit_workload(self.fleet.workloads.len() - 1);
    }

    /// A copy of a workload to start another from: everything but its name and the answers
    /// two workloads may not share.
    fn duplicate_workload(&mut self, index: usize) {
        self.fleet.store(self.current, &self.answers);
        let mut answers = self
            .fleet
            .merged(index)
            .of_scope(crate::answers::steps::Scope::Workload);
        for id in fleet::OWN_ANSWERS {
            answers.clear(*id);
        }
        self.add_workload(WorkloadAnswers {
            name: None,
            answers,
        });
    }

    fn remove_workload(&mut self, index: usize) {
        if self.fleet.count() < 2 {
            self.status = Some("The only workload cannot be removed.".into());
            return;
        }
        self.fleet.store(self.current, &self.answers);
        let removed = self.fleet.workloads.remove(index);
        self.dirty = true;
        self.current = self.current.min(self.fleet.count() - 1);
        self.answers = self.fleet.merged(self.current);
        self.assessment = plan::assess(&self.answers);
        self.status = Some(format!(
            "Removed workload {}.",
            removed.name.unwrap_or_default()
        ));
        self.select(index.min(self.fleet.count() - 1));
    }

    /// Names a workload added in the wizard after its SPIFFE path, unique in the fleet.
    fn name_unnamed(&mut self) {
        for index in 0..self.fleet.workloads.len() {
            if self.fleet.workloads[index].name.is_some() {
                continue;
            }
            let answers = self.fleet.merged(index);
            let taken: Vec<&str> = self
                .fleet
                .workloads
                .iter()
                .filter_map(|w| w.name.as_deref())
                .collect();
            let name = fleet::unused_name(answers.text(FieldId::SpiffePath).unwrap_or(""), &taken);
            self.fleet.workloads[index].name = Some(name);
        }
    }
}
