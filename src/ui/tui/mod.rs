//! The full-screen wizard: `wi-aws` on a terminal.
//!
//! Elm-style: [`model`] holds the state, [`update`] its one pure transition
//! (`update(msg) -> commands`), [`view`] draws it, and [`layout`] is what both need to know of
//! the screen's geometry; this module is the runtime between them and the world. It
//! waits on the terminal's events, the results of background work and signals in one
//! `tokio::select!`, so an idle wizard sleeps (a timer runs only while a spinner turns), and a
//! slow proxy never holds up a key. The terminal is restored however the wizard ends: normally,
//! on an error (a guard), on a panic (a hook) and on SIGTERM/SIGHUP.

pub mod editor;
pub mod layout;
pub mod model;
pub mod update;
pub mod view;
mod workloads;

pub use model::{App, Command, Msg, Setup};
pub use view::Theme;

use crate::artifacts::pipeline::{self, Ending};
use crossterm::event::{
    DisableBracketedPaste, EnableBracketedPaste, Event, EventStream, KeyEventKind,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{self, Stdout};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// Spinner speed; the timer exists only while something runs.
const TICK: Duration = Duration::from_millis(100);

#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    /// The terminal cannot do full-screen (no raw mode or alternate screen): use the line
    /// prompts instead.
    #[error("the terminal cannot show the full-screen wizard: {0}")]
    Unavailable(io::Error),
    #[error("the terminal failed: {0}")]
    Terminal(io::Error),
}

/// How the wizard ended, and what to print on the normal screen afterwards.
pub struct Finished {
    pub ending: Ending,
    pub summary: Vec<String>,
}

/// Whether this terminal should get the full-screen wizard at all.
pub fn terminal_can_draw() -> bool {
    !matches!(std::env::var("TERM").as_deref(), Ok("dumb") | Err(_))
}

/// Runs the wizard until it ends; discovery uses `options`.
pub fn run(
    setup: Setup,
    options: crate::discover::Options,
    theme: Theme,
) -> Result<Finished, TuiError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(TuiError::Terminal)?;
    let result = runtime.block_on(async {
        let mut screen = Screen::enter().map_err(TuiError::Unavailable)?;
        let (app, commands) = App::new(setup);
        event_loop(&mut screen.terminal, app, commands, &options, theme).await
    });
    // Work still running (a slow proxy) is abandoned, not awaited.
    runtime.shutdown_background();
    result
}

async fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    mut app: App,
    commands: Vec<Command>,
    options: &crate::discover::Options,
    theme: Theme,
) -> Result<Finished, TuiError> {
    let (sender, mut results) = tokio::sync::mpsc::unbounded_channel();
    let mut events = EventStream::new();
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // Every signal that would end the process ends the wizard instead, so the terminal is
    // restored and what the run made (the demo's CA file) is removed on the way out.
    use tokio::signal::unix::SignalKind;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut quit = signal(SignalKind::quit())?;

    let size = terminal.size().map_err(TuiError::Terminal)?;
    app.update(Msg::Resize {
        width: size.width,
        height: size.height,
    });
    for command in commands {
        start(command, &sender, options);
    }
    loop {
        terminal
            .draw(|frame| view::draw(&app, frame, theme))
            .map_err(TuiError::Terminal)?;
        if let Some(ending) = app.exit.clone() {
            let summary = closing_words(&app, &ending);
            return Ok(Finished { ending, summary });
        }
        let msg = loop {
            let msg = tokio::select! {
                event = events.next() => match event {
                    Some(Ok(event)) => message_of(event),
                    Some(Err(error)) => return Err(TuiError::Terminal(error)),
                    // The terminal is gone.
                    None => Some(Msg::Terminate),
                },
                Some(msg) = results.recv() => Some(msg),
                _ = ticker.tick(), if app.busy() => Some(Msg::Tick),
                _ = terminate.recv() => Some(Msg::Terminate),
                _ = hangup.recv() => Some(Msg::Terminate),
                _ = interrupt.recv() => Some(Msg::Terminate),
                _ = quit.recv() => Some(Msg::Terminate),
            };
            if let Some(msg) = msg {
                break msg;
            }
        };
        for command in app.update(msg) {
            start(command, &sender, options);
        }
    }
}

/// What is printed on the normal screen once the wizard has ended.
fn closing_words(app: &App, ending: &Ending) -> Vec<String> {
    match (ending, app.screen.verification()) {
        (Ending::Written { .. }, Some(verification)) => view::done_lines(app, verification),
        (Ending::DryRun, _) => vec![format!(
            "dry run: nothing written to {}",
            app.out().display()
        )],
        (Ending::Left { saved }, _) => {
            let mut lines = vec!["Left the wizard: no artifact was written.".to_owned()];
            if let Some(saved) = saved {
                lines.push(format!(
                    "Saved the answers to {saved}; continue with: wi-aws --edit {saved}"
                ));
            }
            lines
        }
        _ => Vec::new(),
    }
}

fn signal(kind: tokio::signal::unix::SignalKind) -> Result<tokio::signal::unix::Signal, TuiError> {
    tokio::signal::unix::signal(kind).map_err(TuiError::Terminal)
}

/// The terminal events the wizard reacts to; focus changes and key releases are not.
fn message_of(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => Some(Msg::Key(key)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Resize(width, height) => Some(Msg::Resize { width, height }),
        _ => None,
    }
}

/// Runs a command in the background; its result comes back on `sender`.
fn start(command: Command, sender: &UnboundedSender<Msg>, options: &crate::discover::Options) {
    let sender = sender.clone();
    match command {
        Command::Discover(proxy) => {
            let options = options.clone();
            tokio::spawn(async move {
                let result = crate::discover::discover(&proxy, &options)
                    .await
                    .map(Box::new)
                    .map_err(|error| error.to_string());
                let _ = sender.send(Msg::Discovered {
                    proxy: proxy.authority(),
                    result,
                });
            });
        }
        Command::Preview { out, artifacts } => blocking(sender, move || {
            Msg::Previewed(pipeline::preview(&out, &artifacts).map_err(|e| e.to_string()))
        }),
        Command::Write {
            out,
            artifacts,
            force,
        } => blocking(sender, move || {
            Msg::Written(pipeline::write(&out, &artifacts, force).map_err(
                |error| match error.fix() {
                    Some(fix) => format!("{error} (fix: {fix})"),
                    None => error.to_string(),
                },
            ))
        }),
        Command::Verify { out } => blocking(sender, move || {
            Msg::Verified(pipeline::verify(&out).map_err(|e| e.to_string()))
        }),
        Command::InstallProfiles { out } => blocking(sender, move || {
            Msg::ProfilesInstalled(pipeline::install_profiles(&out))
        }),
        Command::SavePartial { contents } => {
            blocking(sender, move || Msg::Saved(pipeline::save_partial(contents)))
        }
    }
}

fn blocking(sender: UnboundedSender<Msg>, work: impl FnOnce() -> Msg + Send + 'static) {
    tokio::task::spawn_blocking(move || {
        let _ = sender.send(work());
    });
}

/// The terminal in full-screen mode for as long as this lives.
struct Screen {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl Screen {
    fn enter() -> io::Result<Self> {
        install_panic_hook();
        enable_raw_mode()?;
        let entered = execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste)
            .and_then(|()| Terminal::new(CrosstermBackend::new(io::stdout())));
        match entered {
            Ok(terminal) => Ok(Self { terminal }),
            Err(error) => {
                restore_terminal();
                Err(error)
            }
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// A panic prints its message on the normal screen, in a usable terminal.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            previous(info);
        }));
    });
}
