//! `wi-aws` on a terminal: the full-screen wizard, or the line wizard with `--plain`, on a dumb
//! terminal, or when the terminal cannot go full-screen.

use super::CommandError;
use super::render::RenderArgs;
use crate::answers::FleetAnswers;
use crate::answers::problem::{Location, Problem, Problems};
use crate::artifacts::pipeline::{self, Ending, Settings};
use crate::discover;
use crate::discover::demo::{DemoOptions, DemoSession};
use crate::domain::teleport::ProxyAddress;
use crate::ui::plain::{self, Prompter, Terminal};
use clap::Args;
use std::io::IsTerminal;
use std::path::Path;
use std::path::PathBuf;

/// Without --answers-file, `wi-aws` asks its questions on the terminal.
#[derive(Debug, Args)]
pub struct WizardArgs {
    /// Ask one question per line instead of the full-screen wizard (for plain terminals, logs
    /// and screen readers; chosen by itself when TERM=dumb or the terminal cannot go full-screen).
    #[arg(long)]
    pub plain: bool,

    /// Try everything against a local DEMO Teleport proxy started for the run (not Teleport).
    #[arg(long, conflicts_with = "answers_file")]
    pub demo: bool,

    /// Open the wizard with the answers of this file filled in.
    #[arg(long, value_name = "FILE", conflicts_with = "answers_file")]
    pub edit: Option<PathBuf>,
}

pub fn run(wizard: &WizardArgs, args: &RenderArgs) -> Result<u8, CommandError> {
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return Err(CommandError::bad_input(
            "the wizard needs a terminal to ask its questions, and stdin or stdout is not one (CI, a pipe?).",
        )
        .with_fix("run `wi-aws render --answers-file answers.yaml --out DIR` (start from examples/answers.yaml)"));
    }
    let (mut fleet, ignored) = match &wizard.edit {
        None => (FleetAnswers::default(), Vec::new()),
        Some(path) => edit_answers(path)?,
    };
    let mut options = args.connection.options()?;
    let mut settings = super::settings(args)?;
    settings.simulate_apply = wizard.demo;
    let demo = if wizard.demo {
        let demo = DemoSession::start(DemoOptions::default()).map_err(|error| {
            CommandError::failure(format!("cannot start the demo proxy: {error}"))
        })?;
        Some(demo)
    } else {
        None
    };
    if let Some(demo) = &demo {
        options.ca_file = Some(demo.ca_file.path().to_path_buf());
        demo.prefill(&mut fleet.shared);
    }
    let demo_proxy = demo.as_ref().map(|d| d.proxy.authority());
    if !wizard.plain && crate::ui::tui::terminal_can_draw() {
        let setup = crate::ui::tui::Setup {
            answers: fleet.clone(),
            settings: settings.clone(),
            demo: demo_proxy.clone(),
            notice: ignored_notice(&ignored),
        };
        let theme = crate::ui::tui::Theme {
            color: !crate::ui::terminal::no_colour_requested(),
        };
        match crate::ui::tui::run(setup, options.clone(), theme) {
            Ok(finished) => {
                // The terminal may be gone (the wizard ended on SIGHUP): outln never panics.
                for line in &finished.summary {
                    crate::outln!("{line}");
                }
                return Ok(finished.ending.exit_code());
            }
            Err(crate::ui::tui::TuiError::Unavailable(error)) => {
                crate::errln!(
                    "wi-aws: no full-screen wizard ({error}); asking line by line instead."
                );
            }
            Err(error) => return Err(CommandError::failure(error.to_string())),
        }
    }
    let made: Vec<_> = demo
        .iter()
        .map(|d| d.ca_file.path().to_path_buf())
        .collect();
    let _on_signal = crate::ui::terminal::ExitOnSignal::install(made)
        .map_err(|error| CommandError::failure(format!("cannot handle signals: {error}")))?;
    line_wizard(fleet, &ignored, demo_proxy, &settings, &options)
}

/// The answers of `--edit`, and those of its answers that were ignored.
fn edit_answers(path: &Path) -> Result<(FleetAnswers, Vec<Problem>), CommandError> {
    let text = crate::artifacts::files::read_text(path, crate::artifacts::files::ANSWERS_LIMIT)
        .map_err(|error| {
            CommandError::bad_input(format!("--edit {error}"))
                .with_fix("give the path of an answers file, e.g. wi-aws-out/answers.yaml")
        })?;
    let (mut answers, problems) = FleetAnswers::from_yaml(&text);
    let base = path.parent().unwrap_or(Path::new("."));
    answers.read_named_files(&crate::artifacts::files::named_file_reader(base));
    if problems.iter().any(|p| p.location == Location::File) {
        return Err(CommandError::bad_input(format!(
            "--edit {}: {}",
            path.display(),
            Problems(problems)
        )));
    }
    Ok((answers, problems))
}

fn ignored_notice(ignored: &[Problem]) -> Option<String> {
    (!ignored.is_empty()).then(|| {
        format!(
            "{} answer(s) of --edit were ignored: {}",
            ignored.len(),
            ignored
                .iter()
                .map(|p| p.location.key())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

fn line_wizard(
    mut fleet: FleetAnswers,
    ignored: &[Problem],
    demo_proxy: Option<String>,
    settings: &Settings,
    options: &discover::Options,
) -> Result<u8, CommandError> {
    for problem in ignored {
        crate::outln!("note: {problem} (ignored)");
    }
    if let Some(demo_proxy) = demo_proxy {
        crate::outln!(
            "DEMO mode: a local demo Teleport proxy (not Teleport) answers at {demo_proxy}."
        );
        crate::outln!(
            "Press Enter to accept each default; the artifacts are for trying wi-aws, not for AWS."
        );
    }
    let discover = |proxy: &ProxyAddress| {
        discover::discover_blocking(proxy, options).map_err(|error| error.to_string())
    };
    let mut terminal = Terminal;
    // The first workload with everything shared, then the others with their own fields only.
    let mut first = fleet.merged(0);
    let asked = plain::ask_all(&mut terminal, &mut first, &discover);
    fleet.store(0, &first);
    let asked = asked.and_then(|()| plain::ask_other_workloads(&mut terminal, &mut fleet));
    let ending = match asked {
        Ok(()) => plain::review_and_write(&mut terminal, &fleet, settings)?,
        Err(plain::Cancelled) => Ending::Left { saved: None },
    };
    if ending == (Ending::Left { saved: None }) {
        offer_to_save(&mut terminal, &fleet);
    }
    Ok(ending.exit_code())
}

/// After the wizard was left: nothing is written unless the user asks to keep the answers.
fn offer_to_save(terminal: &mut Terminal, answers: &FleetAnswers) {
    use crate::artifacts::pipeline::PARTIAL_ANSWERS;
    crate::outln!("Left the wizard: no artifact was written.");
    if *answers == FleetAnswers::default() {
        return;
    }
    let save = terminal.confirm(
        &format!("Save the answers given so far to {PARTIAL_ANSWERS}?"),
        &format!("Continue later with: wi-aws --edit {PARTIAL_ANSWERS}"),
        false,
    );
    if save != Ok(true) {
        return;
    }
    match pipeline::save_partial(answers.to_yaml()) {
        Ok(()) => {
            crate::outln!("Saved {PARTIAL_ANSWERS}; continue with: wi-aws --edit {PARTIAL_ANSWERS}")
        }
        Err(error) => crate::errln!("wi-aws: {error}"),
    }
}
