//! The line-mode wizard: the questions of [`crate::answers::steps`], one per line, with inquire.
//!
//! The question flow is written against the small [`Prompter`] trait, so it runs the same with
//! inquire on a terminal and with scripted answers in the unit tests. Validation and defaults
//! come from [`crate::answers::plan::assess`], exactly as for an answers file.

use crate::answers::fleet::{self, Fleet};
use crate::answers::plan::{self, Plan};
use crate::answers::problem::{Advice, Problems};
use crate::answers::steps::{FieldId, FieldKind, Scope, Step, field};
use crate::answers::{Answer, Answers, FleetAnswers, Form, WorkloadAnswers};
use crate::artifacts::pipeline::{self, Ending, PipelineError, Settings};
use crate::artifacts::write::{Outcome, Planned};
use crate::discover::Findings;
use crate::domain::teleport::ProxyAddress;
use std::path::Path;
use std::sync::Arc;

/// Checks one typed answer; `Err` is the message shown under the prompt.
pub type Validator = Arc<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

/// The user left the wizard (Esc or Ctrl-C).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

/// What the question flow needs from a terminal.
pub trait Prompter {
    fn text(
        &mut self,
        label: &str,
        help: &str,
        default: Option<&str>,
        validator: Validator,
    ) -> Result<String, Cancelled>;
    fn select(
        &mut self,
        label: &str,
        help: &str,
        options: &[String],
        start: usize,
    ) -> Result<usize, Cancelled>;
    fn confirm(&mut self, label: &str, help: &str, default: bool) -> Result<bool, Cancelled>;
    /// A line of output.
    fn say(&mut self, line: &str);
    /// Runs slow work (network) while showing that something is happening.
    fn busy<T>(&mut self, message: &str, work: impl FnOnce() -> T + Send) -> T
    where
        T: Send;
}

/// The first problem of `id` if `line` were typed for it, as "rule — fix".
fn problem_with(answers: &Answers, id: FieldId, line: &str) -> Result<(), String> {
    let mut trial = answers.clone();
    trial.set_line(id, line);
    crate::ui::read_named_files(&mut trial, id);
    match plan::assess(&trial).problems_of(id).first() {
        Some(problem) => Err(format!("{} — {}", problem.rule, problem.fix)),
        None => Ok(()),
    }
}

/// Asks one field by its kind; the default is the current answer, else the derived default.
/// A default taken as it is (which a prompt may not validate) is checked too, and the question
/// asked again while it is wrong.
fn ask_field<P: Prompter>(
    prompter: &mut P,
    answers: &mut Answers,
    id: FieldId,
) -> Result<(), Cancelled> {
    loop {
        ask_field_once(prompter, answers, id)?;
        match plan::assess(answers).problems_of(id).first() {
            Some(problem) if matches!(field(id).kind, FieldKind::Text | FieldKind::List) => {
                prompter.say(&format!(
                    "  {}: {} — {}",
                    field(id).key,
                    problem.rule,
                    problem.fix
                ));
                answers.clear(id);
            }
            _ => return Ok(()),
        }
    }
}

fn ask_field_once<P: Prompter>(
    prompter: &mut P,
    answers: &mut Answers,
    id: FieldId,
) -> Result<(), Cancelled> {
    let field = field(id);
    let assessment = plan::assess(answers);
    match field.kind {
        FieldKind::Text | FieldKind::List => {
            let default = answers
                .line(id)
                .or_else(|| assessment.default_text(id).map(str::to_owned));
            let snapshot = answers.clone();
            let validator: Validator = Arc::new(move |input| problem_with(&snapshot, id, input));
            let value = prompter.text(field.label, field.help, default.as_deref(), validator)?;
            answers.set_line(id, &value);
            crate::ui::read_named_files(answers, id);
        }
        FieldKind::Choice(choices) => {
            let current = answers.text(id).or(assessment.default_text(id));
            let start = current
                .and_then(|c| choices.iter().position(|choice| *choice == c))
                .unwrap_or(0);
            let options: Vec<String> = choices.iter().map(|c| (*c).to_owned()).collect();
            let index = prompter.select(field.label, field.help, &options, start)?;
            answers.set_text(id, choices[index]);
        }
        FieldKind::Flag => {
            let default = answers
                .flag(id)
                .or(assessment.default_flag(id))
                .unwrap_or(false);
            let value = prompter.confirm(field.label, field.help, default)?;
            answers.set(id, Answer::Flag(value));
        }
    }
    Ok(())
}

/// The thumbprint step with discovery's findings: offer what the proxy showed.
fn ask_thumbprint<P: Prompter>(
    prompter: &mut P,
    answers: &mut Answers,
    findings: &Findings,
) -> Result<(), Cancelled> {
    let mut options = vec![format!(
        "{} — the last certificate the proxy sends (AWS's rule)",
        findings.chain_thumbprint
    )];
    let mut values = vec![vec![findings.chain_thumbprint.clone()]];
    if findings.teleport_thumbprint != findings.chain_thumbprint {
        options.push(format!(
            "{} — what Teleport's /webapi/thumbprint says",
            findings.teleport_thumbprint
        ));
        values.push(vec![findings.teleport_thumbprint.clone()]);
    }
    options.push("Enter thumbprints by hand".into());
    options.push("None — the proxy's certificate chains to a public CA AWS trusts".into());
    let field = field(FieldId::Thumbprints);
    let choice = prompter.select(field.label, field.help, &options, 0)?;
    match choice {
        i if i < values.len() => answers.set(FieldId::Thumbprints, Answer::List(values[i].clone())),
        i if i == values.len() => ask_field(prompter, answers, FieldId::Thumbprints)?,
        _ => answers.set(FieldId::Thumbprints, Answer::List(Vec::new())),
    }
    Ok(())
}

/// Asks every question of every step, in order. `discover` asks the proxy (it may fail: the
/// wizard then continues offline).
pub fn ask_all<P: Prompter>(
    prompter: &mut P,
    answers: &mut Answers,
    discover: &(dyn Fn(&ProxyAddress) -> Result<Findings, String> + Sync),
) -> Result<(), Cancelled> {
    let mut findings = None;
    for step in Step::ALL {
        // A step of the other route's questions only (the thumbprint, for Roles Anywhere).
        if !step.fields().any(|field| answers.shows(field)) {
            continue;
        }
        prompter.say(&format!("── {} ──", step.title()));
        for field in step.fields() {
            match field.id {
                _ if !answers.shows(field) => answers.clear_hidden(),
                FieldId::Route => {
                    if let Some(hint) = answers
                        .text(FieldId::Proxy)
                        .and_then(|proxy| ProxyAddress::parse(proxy).ok())
                        .and_then(|proxy| crate::routes::private_proxy(proxy.host()))
                    {
                        prompter.say(&format!("  hint: {hint}"));
                    }
                    ask_field(prompter, answers, FieldId::Route)?;
                }
                FieldId::Thumbprints if findings.is_some() => {
                    if let Some(findings) = &findings {
                        ask_thumbprint(prompter, answers, findings)?;
                    }
                }
                id => ask_field(prompter, answers, id)?,
            }
            if field.id == FieldId::Proxy {
                findings = discover_into(prompter, answers, discover);
            }
            // What the proxy said that only one route uses (the thumbprint, the SPIFFE CA)
            // follows the route chosen.
            if field.id == FieldId::Route
                && let Some(findings) = &findings
            {
                answers.clear_hidden();
                for warning in crate::discover::apply_findings(answers, findings) {
                    prompter.say(&format!("  warning: {warning}"));
                }
            }
        }
        if step == Step::Spiffe
            && let Some(id) = plan::spiffe_id_preview(answers)
        {
            prompter.say(&format!("  SPIFFE ID: {id}"));
        }
    }
    Ok(())
}

fn discover_into<P: Prompter>(
    prompter: &mut P,
    answers: &mut Answers,
    discover: &(dyn Fn(&ProxyAddress) -> Result<Findings, String> + Sync),
) -> Option<Findings> {
    let proxy = ProxyAddress::parse(answers.text(FieldId::Proxy)?).ok()?;
    let result = prompter.busy(
        &format!(
            "Asking {} for its cluster name and thumbprint…",
            proxy.authority()
        ),
        || discover(&proxy),
    );
    match result {
        Ok(findings) => {
            // Discovery answers only what is still open; it never overrides the user, and
            // the thumbprint is asked next with the findings on offer.
            for warning in crate::discover::apply_findings(answers, &findings) {
                prompter.say(&format!("  warning: {warning}"));
            }
            prompter.say(&format!("Found {}:", proxy.authority()));
            for (holds, line) in findings.summary() {
                prompter.say(&format!("  {}{line}", if holds { "" } else { "✗ " }));
            }
            Some(findings)
        }
        Err(reason) => {
            prompter.say(&format!("Could not ask the proxy: {reason}"));
            prompter.say("Continuing offline: give the cluster name and thumbprint by hand.");
            None
        }
    }
}

/// The answers as a two-column summary, every default written out.
pub fn summary(plan: &Plan) -> Vec<String> {
    let answers = plan.to_answers();
    crate::answers::steps::FIELDS
        .iter()
        .filter_map(|field| {
            answers
                .line(field.id)
                .or_else(|| answers.flag(field.id).map(|f| f.to_string()))
                .map(|value| format!("  {:<22} {}", field.key, one_line(&value)))
        })
        .collect()
}

/// A multi-line answer (a PEM bundle) as its first line and how many more there are.
fn one_line(value: &str) -> String {
    match value.trim_end().split_once('\n') {
        None => value.to_owned(),
        Some((first, rest)) => format!("{first} … ({} more lines)", rest.lines().count()),
    }
}

/// The real terminal, through inquire.
pub struct Terminal;

fn cancelled(error: inquire::InquireError) -> Cancelled {
    match error {
        inquire::InquireError::OperationCanceled | inquire::InquireError::OperationInterrupted => {
            Cancelled
        }
        other => {
            crate::errln!("wi-aws: the terminal failed: {other}");
            Cancelled
        }
    }
}

impl Prompter for Terminal {
    fn text(
        &mut self,
        label: &str,
        help: &str,
        default: Option<&str>,
        validator: Validator,
    ) -> Result<String, Cancelled> {
        let mut prompt = inquire::Text::new(label).with_help_message(help);
        if let Some(default) = default {
            prompt = prompt.with_default(default);
        }
        let prompt = prompt.with_validator(move |input: &str| {
            Ok(match validator(input) {
                Ok(()) => inquire::validator::Validation::Valid,
                Err(message) => inquire::validator::Validation::Invalid(message.into()),
            })
        });
        prompt.prompt().map_err(cancelled)
    }

    fn select(
        &mut self,
        label: &str,
        help: &str,
        options: &[String],
        start: usize,
    ) -> Result<usize, Cancelled> {
        let options: Vec<String> = options.to_vec();
        inquire::Select::new(label, options.clone())
            .with_help_message(help)
            .with_starting_cursor(start)
            .raw_prompt()
            .map(|choice| choice.index)
            .map_err(cancelled)
    }

    fn confirm(&mut self, label: &str, help: &str, default: bool) -> Result<bool, Cancelled> {
        inquire::Confirm::new(label)
            .with_help_message(help)
            .with_default(default)
            .prompt()
            .map_err(cancelled)
    }

    fn say(&mut self, line: &str) {
        crate::outln!("{line}");
    }

    fn busy<T>(&mut self, message: &str, work: impl FnOnce() -> T + Send) -> T
    where
        T: Send,
    {
        use std::io::{IsTerminal, Write};
        use std::sync::atomic::{AtomicBool, Ordering};
        if !std::io::stderr().is_terminal() {
            crate::errln!("{message}");
            return work();
        }
        let done = Arc::new(AtomicBool::new(false));
        let spinner = {
            let done = done.clone();
            let message = message.to_owned();
            std::thread::spawn(move || {
                use crate::ui::terminal::SPINNER;
                let mut frame = 0;
                while !done.load(Ordering::Relaxed) {
                    crate::ui::output::err(format_args!(
                        "\r{} {message}",
                        SPINNER[frame % SPINNER.len()]
                    ));
                    let _ = std::io::stderr().flush();
                    frame += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                crate::ui::output::err(format_args!("\r\x1b[2K"));
                let _ = std::io::stderr().flush();
            })
        };
        let result = work();
        done.store(true, Ordering::Relaxed);
        let _ = spinner.join();
        result
    }
}

/// After the first workload: asks the other workloads of an edited fleet again (their own
/// fields only), then whether to add another, until the answer is no.
pub fn ask_other_workloads<P: Prompter>(
    prompter: &mut P,
    fleet: &mut FleetAnswers,
) -> Result<(), Cancelled> {
    for index in 1..fleet.count() {
        ask_workload(prompter, fleet, index)?;
    }
    loop {
        let help = format!(
            "Each workload gets its own SPIFFE ID, role, bucket access, bot and host bundle; the cluster, the account and {} are shared.",
            fleet.shared.route().shared_by_a_fleet()
        );
        let more = prompter.confirm("Add another workload?", &help, false)?;
        if !more {
            return Ok(());
        }
        if fleet.form == Form::Single {
            // The one workload so far becomes the first of a fleet (answers version 2).
            *fleet = fleet::migrate(fleet);
            let first = ask_name(prompter, fleet, 0)?;
            fleet.workloads[0].name = Some(first);
        }
        fleet.workloads.push(WorkloadAnswers::default());
        let index = fleet.workloads.len() - 1;
        ask_workload(prompter, fleet, index)?;
    }
}

/// One workload of a fleet: its name, then the fields that are its own.
fn ask_workload<P: Prompter>(
    prompter: &mut P,
    fleet: &mut FleetAnswers,
    index: usize,
) -> Result<(), Cancelled> {
    prompter.say(&format!("── Workload {} ──", index + 1));
    let name = ask_name(prompter, fleet, index)?;
    fleet.workloads[index].name = Some(name);
    let mut answers = fleet.merged(index);
    for step in Step::ALL {
        for field in step.fields().filter(|f| f.id.scope() == Scope::Workload) {
            match answers.shows(field) {
                true => ask_field(prompter, &mut answers, field.id)?,
                false => answers.clear_hidden(),
            }
        }
    }
    fleet.store(index, &answers);
    if let Some(id) = plan::spiffe_id_preview(&answers) {
        prompter.say(&format!("  SPIFFE ID: {id}"));
    }
    Ok(())
}

/// A workload's name, valid and not another workload's.
fn ask_name<P: Prompter>(
    prompter: &mut P,
    fleet: &FleetAnswers,
    index: usize,
) -> Result<String, Cancelled> {
    let taken: Vec<String> = (0..fleet.workloads.len())
        .filter(|&other| other != index)
        .filter_map(|other| fleet.workloads[other].name.clone())
        .collect();
    let default = fleet.workloads[index].name.clone().or_else(|| {
        let answers = fleet.merged(index);
        answers.text(FieldId::SpiffePath).map(fleet::default_name)
    });
    let validator: Validator = Arc::new(move |input: &str| {
        let name = fleet::parse_name(input.trim())
            .map_err(|error| format!("{error} — {}", error.fix()))?;
        match taken.contains(&name) {
            true => Err(format!(
                "another workload is named {name}; names are unique"
            )),
            false => Ok(()),
        }
    });
    let name = prompter.text(
        "Workload name",
        "Names the workload in answers.yaml, in Terraform's map and its host bundle hosts/<name>/.",
        default.as_deref(),
        validator,
    )?;
    Ok(name.trim().to_owned())
}

/// Review, confirm, write, verify and say what comes next, as `settings` say.
pub fn review_and_write<P: Prompter>(
    prompter: &mut P,
    answers: &FleetAnswers,
    settings: &Settings,
) -> Result<Ending, PipelineError> {
    let mut answers = answers.clone();
    if settings.simulate_apply
        && let Some(said) = crate::discover::demo::simulate_apply(&mut answers)
    {
        prompter.say(&said);
    }
    let fleet =
        fleet::validate(&answers).map_err(|problems| PipelineError::Answers(Problems(problems)))?;
    let artifacts = pipeline::render(&fleet, &settings.templates)?;
    let out = &settings.out;
    let planned = pipeline::preview(out, &artifacts)?;
    review(prompter, &fleet, out, &planned);
    if settings.dry_run {
        prompter.say(&format!("dry run: nothing written to {}", out.display()));
        return Ok(Ending::DryRun);
    }
    if let Some(ending) = confirm_write(prompter, settings, &planned) {
        return Ok(ending);
    }
    prompter.say("── Write ──");
    // Replacing files that differ was confirmed (or forced) above.
    let written = pipeline::write(out, &artifacts, true)?;
    for file in &written {
        prompter.say(&format!(
            "  {:<9} {}",
            file.outcome.word(),
            out.join(&file.path).display()
        ));
    }
    let verified = match settings.verify {
        true => {
            prompter.say("── Verify ──");
            let report = pipeline::verify(out)?;
            for line in report.lines(|status| status.mark().to_owned()) {
                prompter.say(&line);
            }
            Some(report.passed())
        }
        false => None,
    };
    offer_profiles(prompter, settings);
    prompter.say("── Done ──");
    for line in pipeline::next_steps(out, &artifacts) {
        prompter.say(&line);
    }
    Ok(Ending::Written { verified })
}

/// Once written: the profile into the user's AWS config file, as `--install-profile` says or
/// as the user answers (no by default: it is their file).
fn offer_profiles<P: Prompter>(prompter: &mut P, settings: &Settings) {
    if !settings.install_profile && !pipeline::has_profiles(&settings.out) {
        return;
    }
    let wanted = settings.install_profile
        || prompter.confirm(
            &format!(
                "Also put the AWS profile into {}?",
                pipeline::aws_config_file()
            ),
            "In a block marked for wi-aws: a rerun replaces it, `wi-aws profile remove` takes it out, and every other line of the file stays.",
            false,
        ) == Ok(true);
    if !wanted {
        return;
    }
    match pipeline::install_profiles(&settings.out) {
        Ok(lines) => lines.iter().for_each(|line| prompter.say(line)),
        Err(error) => prompter.say(&format!("profile: {error}")),
    }
}

fn review<P: Prompter>(prompter: &mut P, fleet: &Fleet, out: &Path, planned: &[Planned]) {
    prompter.say("── Review ──");
    for workload in &fleet.workloads {
        if fleet.form == Form::Fleet {
            prompter.say(&format!("Workload {}:", workload.name));
        }
        for line in summary(&workload.plan) {
            prompter.say(&line);
        }
    }
    let plan = fleet.shared();
    prompter.say(&format!(
        "  Teleport API: {} ({})",
        plan.workload.api.id(),
        plan.workload.api_reason
    ));
    for warning in &fleet.warnings {
        prompter.say(&format!("  warning: {warning}"));
    }
    prompter.say(&format!("Files in {}:", out.display()));
    for file in planned {
        let what = match (file.outcome, file.overwrites) {
            (Outcome::Created, _) => "create",
            (Outcome::Updated, true) => "update (differs from the file there)",
            (Outcome::Updated, false) => "update (mode)",
            (Outcome::Unchanged, _) => "unchanged",
        };
        prompter.say(&format!("  {:<10} {}", what, file.path));
    }
}

/// Asks before writing, and before replacing files that differ (unless `--force`); the ending
/// when the answer is not to write.
fn confirm_write<P: Prompter>(
    prompter: &mut P,
    settings: &Settings,
    planned: &[Planned],
) -> Option<Ending> {
    let left = Some(Ending::Left { saved: None });
    let out = settings.out.display();
    match prompter.confirm(
        &format!("Write {} files to {out}?", planned.len()),
        "Writes atomically; answers.yaml is saved with them for replay.",
        true,
    ) {
        Ok(true) => {}
        Ok(false) => {
            prompter.say("Nothing written.");
            return Some(Ending::NotWritten);
        }
        Err(Cancelled) => return left,
    }
    let overwrites = planned.iter().filter(|p| p.overwrites).count();
    if overwrites == 0 || settings.force {
        return None;
    }
    match prompter.confirm(
        &format!("{overwrites} existing file(s) differ; replace them?"),
        "Say no to keep them; nothing is written then.",
        false,
    ) {
        Ok(true) => None,
        Ok(false) => {
            prompter.say("Nothing written: choose another --out directory, or replace the files.");
            Some(Ending::NotWritten)
        }
        Err(Cancelled) => left,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    const EXAMPLE: &str = include_str!("../../examples/answers.yaml");

    /// A reply to the next prompt.
    #[derive(Debug, Clone)]
    enum Reply {
        /// Typed text; `""` takes the default. Rejected text is recorded and the prompt asked again.
        Type(&'static str),
        Pick(usize),
        Yes,
        No,
        Cancel,
    }

    #[derive(Default)]
    struct Script {
        replies: VecDeque<Reply>,
        asked: Vec<String>,
        rejected: Vec<(String, String)>,
        said: Vec<String>,
    }

    impl Script {
        fn new(replies: &[Reply]) -> Self {
            Self {
                replies: replies.iter().cloned().collect(),
                ..Self::default()
            }
        }

        fn next(&mut self, label: &str) -> Reply {
            self.asked.push(label.to_owned());
            self.replies.pop_front().unwrap_or_else(|| {
                panic!(
                    "no scripted reply for {label:?}; asked so far: {:?}",
                    self.asked
                )
            })
        }
    }

    impl Prompter for Script {
        fn text(
            &mut self,
            label: &str,
            _help: &str,
            default: Option<&str>,
            validator: Validator,
        ) -> Result<String, Cancelled> {
            loop {
                match self.next(label) {
                    // As inquire does: an empty line takes the default without validating it.
                    Reply::Type("") if default.is_some() => {
                        return Ok(default.unwrap_or_default().to_owned());
                    }
                    Reply::Type(typed) => match validator(typed) {
                        Ok(()) => return Ok(typed.to_owned()),
                        Err(message) => self.rejected.push((label.to_owned(), message)),
                    },
                    Reply::Cancel => return Err(Cancelled),
                    other => panic!("{label}: expected text, scripted {other:?}"),
                }
            }
        }

        fn select(
            &mut self,
            label: &str,
            _help: &str,
            options: &[String],
            start: usize,
        ) -> Result<usize, Cancelled> {
            match self.next(label) {
                Reply::Pick(index) => {
                    assert!(
                        index < options.len(),
                        "{label}: no option {index} in {options:?}"
                    );
                    Ok(index)
                }
                Reply::Type("") => Ok(start),
                Reply::Cancel => Err(Cancelled),
                other => panic!(
                    "{label}: expected a pick, scripted {other:?}; asked {:?}",
                    self.asked
                ),
            }
        }

        fn confirm(&mut self, label: &str, _help: &str, default: bool) -> Result<bool, Cancelled> {
            match self.next(label) {
                Reply::Yes => Ok(true),
                Reply::No => Ok(false),
                Reply::Type("") => Ok(default),
                Reply::Cancel => Err(Cancelled),
                other => panic!("{label}: expected yes/no, scripted {other:?}"),
            }
        }

        fn say(&mut self, line: &str) {
            self.said.push(line.to_owned());
        }

        fn busy<T>(&mut self, message: &str, work: impl FnOnce() -> T + Send) -> T
        where
            T: Send,
        {
            self.said.push(message.to_owned());
            work()
        }
    }

    fn offline(_: &ProxyAddress) -> Result<Findings, String> {
        Err("connection refused".into())
    }

    use Reply::{Cancel, Pick, Type, Yes};

    /// The guide's example, typed in full with the proxy offline.
    const GUIDE: &[Reply] = &[
        Type("example.teleport.sh"),  // proxy
        Type(""),                     // cluster name: default = proxy host
        Type(""),                     // Teleport version: unknown offline
        Type(""),                     // route: oidc
        Type("/svc/example-service"), // SPIFFE path
        Type("9E:99:A4:8A:99:60:B1:49:26:BB:7F:3B:02:E2:2D:A2:B0:AB:72:80"), // thumbprints
        Type(""),                     // partition: aws
        Type("123456789012"),         // account
        Type(""),                     // region: us-east-1
        Type(""),                     // provider: create
        Type("workload-id-demo"),     // bucket
        Type(""),                     // create bucket: yes
        Pick(0),                      // access: full
        Type(""),                     // policy file: none
        Type("workload-id-s3-full-access"), // policy
        Type("workload-id-demo"),     // role
        Type(""),                     // role path
        Type(""),                     // profile: = role
        Type(""),                     // session name: none
        Type(""),                     // permissions boundary: none
        Type(""),                     // managed policies: none
        Type(""),                     // longest session: IAM's
        Type(""),                     // tags: none
        Type(""),                     // API generation: auto
        Type(""),                     // workload_identity resource: from the path
        Type("my-workload-aws"),      // teleport role
        Type("my-bot"),               // bot
        Type(""),                     // Teleport side: tctl
        Type(""),                     // output dir
        Type(""),                     // credential TTL
        Type(""),                     // renewal interval
        Type(""),                     // audience
        Type(""),                     // where it runs: host
    ];

    #[test]
    fn the_guides_answers_make_the_guides_plan() {
        let mut script = Script::new(GUIDE);
        let mut answers = Answers::default();
        ask_all(&mut script, &mut answers, &offline).expect("completes");
        let plan = plan::validate(&answers).expect("valid");
        let example = EXAMPLE.to_owned();
        assert_eq!(
            plan,
            fleet::from_answers_file(&example)
                .map(|f| f.shared().clone())
                .expect("example is valid")
        );
        assert!(script.rejected.is_empty(), "{:?}", script.rejected);
        assert!(
            script
                .said
                .iter()
                .any(|l| l.contains("Could not ask the proxy: connection refused"))
        );
        assert!(
            script
                .said
                .iter()
                .any(|l| l == "  SPIFFE ID: spiffe://example.teleport.sh/svc/example-service")
        );
        // Every step was announced, in order.
        let steps: Vec<&String> = script
            .said
            .iter()
            .filter(|l| l.starts_with("── "))
            .collect();
        assert_eq!(steps.len(), Step::ALL.len());
    }

    #[test]
    fn every_validator_rejects_with_the_answers_file_message_then_accepts() {
        // Each bad reply is rejected with the rule of that field, then the good one is taken.
        let mut replies = Vec::new();
        let mut expected = Vec::new();
        for reply in GUIDE {
            let bad = match replies.len() - expected.len() {
                0 => Some(("https://example.teleport.sh", "without a scheme")),
                2 => Some(("seventeen", "major.minor.patch")),
                4 => Some(("/svc/../x", "'..' segment")),
                5 => Some(("abc", "40 hex digits")),
                7 => Some(("12345", "exactly 12 digits")),
                8 => Some(("us-gov-west-1", "in partition aws-us-gov")),
                10 => Some(("My_Bucket", "only lowercase")),
                13 => Some(("no-such-policy.json", "cannot be read")),
                14 => Some(("has space", "IAM policy names")),
                15 => Some(("a/b", "IAM role names")),
                16 => Some(("workloads", "an IAM path is")),
                17 => Some(("default", "[default]")),
                18 => Some(("x", "role session names")),
                19 => Some((
                    "arn:aws:iam::123456789012:role/x",
                    "a managed policy ARN reads",
                )),
                20 => Some(("arn:aws:s3:::orders", "a managed policy ARN reads")),
                21 => Some(("60", "3600 to 43200 seconds")),
                22 => Some(("aws:team=x", "aws: are AWS's own")),
                24 => Some(("-x", "Teleport workload_identity names")),
                25 => Some(("-x", "Teleport role names")),
                26 => Some(("", "required")),
                28 => Some(("relative", "absolute path")),
                29 => Some(("25h", "at most 24h")),
                30 => Some(("2h", "not shorter than")),
                31 => Some(("has space", "printable characters")),
                _ => None,
            };
            if let Some((input, rule)) = bad {
                replies.push(Type(input));
                expected.push(rule);
            }
            replies.push(reply.clone());
        }
        let mut script = Script::new(&replies);
        let mut answers = Answers::default();
        ask_all(&mut script, &mut answers, &offline).expect("completes");
        assert!(plan::validate(&answers).is_ok());
        assert_eq!(
            script.rejected.len(),
            expected.len(),
            "{:#?}",
            script.rejected
        );
        for ((label, message), rule) in script.rejected.iter().zip(&expected) {
            assert!(
                message.contains(rule),
                "{label}: {message:?} lacks {rule:?}"
            );
        }
    }

    #[test]
    fn kubernetes_asks_for_its_names_each_by_its_rule_and_a_host_does_not() {
        let mut replies: Vec<Reply> = GUIDE.to_vec();
        *replies.last_mut().expect("a reply") = Pick(1); // kubernetes
        replies.extend([
            Type("Payments"), // namespace: refused
            Type("payments"),
            Type(""),       // deployment: from the SPIFFE path
            Type("api.v1"), // container: refused
            Type("api"),
            Type(""),                // service account: the deployment's
            Type(""),                // secret
            Type("example-service"), // tbot's account: the workload's, refused
            Type(""),
        ]);
        let mut script = Script::new(&replies);
        let mut answers = Answers::default();
        ask_all(&mut script, &mut answers, &offline).expect("completes");
        let plan = plan::validate(&answers).expect("valid");
        let kube = plan.tbot.kubernetes.expect("on kubernetes");
        assert_eq!(
            (
                kube.namespace.as_str(),
                kube.deployment.as_str(),
                kube.container.as_str()
            ),
            ("payments", "example-service", "api")
        );
        assert_eq!(kube.bot_service_account, "tbot-example-service");
        let rejected: Vec<&str> = script
            .rejected
            .iter()
            .map(|(label, _)| label.as_str())
            .collect();
        assert_eq!(
            rejected,
            [
                field(FieldId::Namespace).label,
                field(FieldId::Container).label,
                field(FieldId::BotServiceAccount).label
            ]
        );
        assert!(
            script.rejected[0].1.contains("RFC 1123 label"),
            "{:?}",
            script.rejected
        );
        assert!(
            script.rejected[2]
                .1
                .contains("could join Teleport as the bot"),
            "{:?}",
            script.rejected
        );

        let mut script = Script::new(GUIDE);
        ask_all(&mut script, &mut Answers::default(), &offline).expect("completes");
        assert!(
            !script
                .asked
                .iter()
                .any(|l| l == field(FieldId::Namespace).label)
        );
    }

    #[test]
    fn a_private_proxy_suggests_roles_anywhere_before_the_route_is_asked() {
        let mut replies: Vec<Reply> = GUIDE.to_vec();
        replies[0] = Type("10.0.0.5");
        let mut script = Script::new(&replies);
        ask_all(&mut script, &mut Answers::default(), &offline).expect("completes");
        assert!(
            script
                .said
                .iter()
                .any(|l| l.contains("hint: the proxy 10.0.0.5 looks private")),
            "{:?}",
            script.said
        );
        let mut script = Script::new(GUIDE);
        ask_all(&mut script, &mut Answers::default(), &offline).expect("completes");
        assert!(!script.said.iter().any(|l| l.contains("hint:")));
    }

    #[test]
    fn custom_access_asks_for_actions_and_other_presets_do_not() {
        let mut replies: Vec<Reply> = GUIDE.to_vec();
        replies[12] = Pick(4); // custom
        replies.insert(13, Type("s3:GetObject, s3:PutObject"));
        let mut script = Script::new(&replies);
        let mut answers = Answers::default();
        ask_all(&mut script, &mut answers, &offline).expect("completes");
        assert_eq!(
            answers.list(FieldId::Actions),
            Some(&["s3:GetObject".to_owned(), "s3:PutObject".to_owned()][..])
        );
        assert!(
            script
                .asked
                .iter()
                .any(|l| l == field(FieldId::Actions).label)
        );

        let mut script = Script::new(GUIDE);
        ask_all(&mut script, &mut Answers::default(), &offline).expect("completes");
        assert!(
            !script
                .asked
                .iter()
                .any(|l| l == field(FieldId::Actions).label)
        );
    }

    #[test]
    fn discovery_fills_the_cluster_and_offers_the_chains_thumbprint() {
        let findings = Findings {
            proxy: "example.teleport.sh".into(),
            cluster_name: "cluster.example.com".into(),
            server_version: "17.0.0".into(),
            chain: Vec::new(),
            chain_thumbprint: "a".repeat(40),
            teleport_thumbprint: "b".repeat(40),
            issuer: "https://example.teleport.sh/workload-identity".into(),
            jwks_uri: String::new(),
            keys: Vec::new(),
            checks: Vec::new(),
            api: Some("workload-identity".into()),
            api_reason: "Teleport 17.4.2 is 17.2.7 or later".into(),
            trust_anchor: Default::default(),
        };
        let found = move |_: &ProxyAddress| Ok(findings.clone());
        let mut replies: Vec<Reply> = GUIDE.to_vec();
        replies[5] = Pick(0); // the chain's thumbprint, offered first
        // Teleport 17.0.0 takes the legacy generation: neither it nor a resource is asked.
        replies.drain(23..25);
        let mut script = Script::new(&replies);
        let mut answers = Answers::default();
        ask_all(&mut script, &mut answers, &found).expect("completes");
        assert_eq!(
            answers.text(FieldId::ClusterName),
            Some("cluster.example.com")
        );
        assert_eq!(
            answers.list(FieldId::Thumbprints),
            Some(&["a".repeat(40)][..])
        );
        assert!(
            script
                .said
                .iter()
                .any(|l| l.contains("cluster cluster.example.com (Teleport 17.0.0)"))
        );
    }

    #[test]
    fn prefilled_answers_are_the_defaults() {
        let example = EXAMPLE.to_owned();
        let (prefilled, problems) = answers_of(&example);
        assert!(problems.is_empty());
        // Enter on every question keeps every answer.
        let replies = vec![Type(""); GUIDE.len()];
        let mut script = Script::new(&replies);
        let mut answers = prefilled.clone();
        ask_all(&mut script, &mut answers, &offline).expect("completes");
        assert_eq!(plan::validate(&answers), plan::validate(&prefilled));
    }

    #[test]
    fn an_invalid_prefilled_answer_is_asked_again() {
        let example = EXAMPLE.to_owned();
        let (mut answers, _) = answers_of(&example.replace("\"123456789012\"", "\"12345\""));
        let mut replies = vec![Type(""); GUIDE.len()];
        replies.insert(8, Type("123456789012"));
        let mut script = Script::new(&replies);
        ask_all(&mut script, &mut answers, &offline).expect("completes");
        assert_eq!(answers.text(FieldId::AccountId), Some("123456789012"));
        assert!(
            script
                .said
                .iter()
                .any(|l| l.contains("aws.account_id: an AWS account ID is exactly 12 digits")),
            "{:?}",
            script.said
        );
    }

    #[test]
    fn cancelling_at_any_question_stops_the_flow() {
        for at in [0, 5, GUIDE.len() - 1] {
            let mut replies: Vec<Reply> = GUIDE[..at].to_vec();
            replies.push(Cancel);
            let mut script = Script::new(&replies);
            let mut answers = Answers::default();
            assert_eq!(ask_all(&mut script, &mut answers, &offline), Err(Cancelled));
            // What was answered before cancelling is kept, for saving on request.
            assert_eq!(answers.text(FieldId::Proxy).is_some(), at > 0);
            assert_eq!(script.asked.len(), at + 1);
        }
    }

    #[test]
    fn summary_lists_every_answer() {
        let example = EXAMPLE.to_owned();
        let lines = summary(
            &fleet::from_answers_file(&example)
                .map(|f| f.shared().clone())
                .expect("valid"),
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("aws.account_id") && l.contains("123456789012"))
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("aws.create_bucket") && l.contains("true"))
        );
    }

    fn settings(out: &std::path::Path) -> Settings {
        Settings {
            out: out.to_path_buf(),
            force: false,
            dry_run: false,
            verify: true,
            templates: crate::artifacts::render::Templates::embedded().expect("templates"),
            install_profile: false,
            simulate_apply: false,
        }
    }

    fn review(script: &mut Script, answers: &Answers, settings: &Settings) -> Ending {
        review_and_write(script, &FleetAnswers::single(answers.clone()), settings).expect("reviews")
    }

    /// The answers of a version 1 file, with the problems of reading it.
    fn answers_of(text: &str) -> (Answers, Vec<crate::answers::problem::Problem>) {
        let (fleet, problems) = FleetAnswers::from_yaml(text);
        (fleet.shared, problems)
    }

    fn example_answers() -> Answers {
        FleetAnswers::from_yaml(EXAMPLE).0.shared
    }

    #[test]
    fn review_writes_verifies_and_replays() {
        let answers = example_answers();
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = settings(dir.path());
        let mut script = Script::new(&[Yes, Reply::No]);
        assert_eq!(
            review(&mut script, &answers, &settings),
            Ending::Written {
                verified: Some(true)
            }
        );
        assert!(script.said.iter().any(|l| l.contains("✓ trust policy")));
        assert!(script.said.iter().any(|l| l.starts_with("Replay ")));
        let saved = std::fs::read_to_string(dir.path().join("answers.yaml")).expect("saved");
        assert_eq!(
            fleet::from_answers_file(&saved),
            fleet::from_answers_file(EXAMPLE)
        );

        // A changed file is only replaced when the user says so.
        std::fs::write(dir.path().join("aws/config"), "mine").expect("edit");
        let mut script = Script::new(&[Yes, Reply::No]);
        assert_eq!(review(&mut script, &answers, &settings), Ending::NotWritten);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("aws/config")).expect("read"),
            "mine"
        );
        let mut script = Script::new(&[Cancel]);
        assert_eq!(
            review(&mut script, &answers, &settings),
            Ending::Left { saved: None }
        );
        // Write, and yes, replace.
        assert_replaces_changed_config(&mut Script::new(&[Yes, Yes, Reply::No]), &settings);
    }

    /// Reviews the example again over a hand-edited aws/config, which must be replaced.
    fn assert_replaces_changed_config(script: &mut Script, settings: &Settings) {
        let config = settings.out.join("aws/config");
        std::fs::write(&config, "mine").expect("edit");
        assert!(matches!(
            review(script, &example_answers(), settings),
            Ending::Written { .. }
        ));
        assert_ne!(std::fs::read_to_string(&config).expect("read"), "mine");
    }

    #[test]
    fn dry_run_reviews_and_writes_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = Settings {
            dry_run: true,
            ..settings(&dir.path().join("out"))
        };
        // No question is asked: the script has no reply to give.
        let mut script = Script::new(&[]);
        assert_eq!(
            review(&mut script, &example_answers(), &settings),
            Ending::DryRun
        );
        assert!(
            script
                .said
                .iter()
                .any(|l| l.starts_with("dry run: nothing written"))
        );
        assert!(!dir.path().join("out").exists());
    }

    #[test]
    fn no_verify_writes_without_verifying() {
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = Settings {
            verify: false,
            ..settings(dir.path())
        };
        let mut script = Script::new(&[Yes, Reply::No]);
        assert_eq!(
            review(&mut script, &example_answers(), &settings),
            Ending::Written { verified: None }
        );
        assert!(dir.path().join("answers.yaml").exists());
        assert!(
            !script.said.iter().any(|l| l == "── Verify ──"),
            "{:?}",
            script.said
        );
    }

    #[test]
    fn force_replaces_a_changed_file_without_asking() {
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = Settings {
            force: true,
            ..settings(dir.path())
        };
        review(
            &mut Script::new(&[Yes, Reply::No]),
            &example_answers(),
            &settings,
        );
        // One question (write?), not two: --force already said to replace.
        assert_replaces_changed_config(&mut Script::new(&[Yes, Reply::No]), &settings);
    }

    #[test]
    fn templates_override_what_is_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut overrides = std::collections::BTreeMap::new();
        overrides.insert(
            "aws/env.hbs".to_owned(),
            "# from a --templates override\nexport AWS_ROLE_ARN={{role_arn}}\n".to_owned(),
        );
        let settings = Settings {
            templates: crate::artifacts::render::Templates::with_overrides(&overrides)
                .expect("templates"),
            verify: false,
            ..settings(dir.path())
        };
        review(
            &mut Script::new(&[Yes, Reply::No]),
            &example_answers(),
            &settings,
        );
        let env = std::fs::read_to_string(dir.path().join("aws/env")).expect("read");
        assert!(env.starts_with("# from a --templates override"), "{env}");
    }
}
