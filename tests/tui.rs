//! The full-screen wizard without a terminal: `App::update` driven by messages, and every
//! screen drawn by `view::draw` on ratatui's `TestBackend` at 80×24.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use std::path::PathBuf;
use wi_aws::answers::steps::{FieldId, Step};
use wi_aws::answers::{Answers, FleetAnswers};
use wi_aws::artifacts::pipeline::{Ending, PARTIAL_ANSWERS, Settings};
use wi_aws::artifacts::render::Templates;
use wi_aws::discover::Findings;
use wi_aws::discover::tls::CertificateSummary;
use wi_aws::ui::tui::model::{
    Command, DiscoveryState, Item, Msg, Overlay, Progress, Screen, ScreenId, Setup, StepState,
    ThumbprintSource,
};
use wi_aws::ui::tui::{App, Theme, view};
use wi_aws::verify::check::{Check, CheckId};

const CHAIN: &str = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280";
const TELEPORT: &str = "0123456789abcdef0123456789abcdef01234567";

/// What a new user of the guide has to give; everything else has a default.
fn given() -> Answers {
    let mut answers = Answers::default();
    for (id, value) in [
        (FieldId::Proxy, "example.teleport.sh"),
        (FieldId::SpiffePath, "/svc/example-service"),
        (FieldId::AccountId, "123456789012"),
        (FieldId::Bucket, "workload-id-demo"),
        (FieldId::Bot, "my-bot"),
    ] {
        answers.set_text(id, value);
    }
    answers
}

fn start(answers: Answers) -> (App, Vec<Command>) {
    App::new(Setup {
        answers: FleetAnswers::single(answers),
        settings: settings(),
        demo: None,
        notice: None,
    })
}

/// What `wi-aws` without flags asks for.
fn settings() -> Settings {
    Settings {
        out: PathBuf::from("wi-aws-out"),
        force: false,
        dry_run: false,
        verify: true,
        templates: Templates::embedded().expect("templates"),
        install_profile: false,
        simulate_apply: false,
    }
}

fn findings(teleport_thumbprint: &str) -> Box<Findings> {
    Box::new(Findings {
        proxy: "example.teleport.sh".into(),
        cluster_name: "example.teleport.sh".into(),
        server_version: "17.4.2".into(),
        chain: vec![
            CertificateSummary {
                subject: "CN=example.teleport.sh".into(),
                issuer: "CN=R11, O=Let's Encrypt, C=US".into(),
                not_after: "2027-01-01".into(),
                is_ca: false,
                self_signed: false,
                thumbprint: TELEPORT.into(),
            },
            CertificateSummary {
                subject: "CN=R11, O=Let's Encrypt, C=US".into(),
                issuer: "CN=ISRG Root X1, O=Internet Security Research Group, C=US".into(),
                not_after: "2027-03-12".into(),
                is_ca: true,
                self_signed: false,
                thumbprint: CHAIN.into(),
            },
        ],
        chain_thumbprint: CHAIN.into(),
        teleport_thumbprint: teleport_thumbprint.into(),
        issuer: "https://example.teleport.sh/workload-identity".into(),
        jwks_uri: "https://example.teleport.sh/workload-identity/jwt-jwks.json".into(),
        keys: Vec::new(),
        checks: vec![Check::holds(
            CheckId::Thumbprint,
            teleport_thumbprint == CHAIN,
            if teleport_thumbprint == CHAIN {
                format!(
                    "{CHAIN}: certificate #2 of 2 (an intermediate CA, CN=R11), the last one sent — AWS's rule"
                )
            } else {
                format!(
                    "Teleport's {teleport_thumbprint} is certificate #1 of 2 (the server's own certificate); AWS pins the last certificate sent, certificate #2 of 2: {CHAIN}. Use {CHAIN}"
                )
            },
        )],
        api: Some("workload-identity".into()),
        api_reason: "Teleport 17.4.2 is 17.2.7 or later".into(),
        trust_anchor: Default::default(),
    })
}

/// The wizard after the proxy answered.
fn discovered(answers: Answers, teleport_thumbprint: &str) -> App {
    let (mut app, commands) = start(answers);
    assert!(matches!(commands.as_slice(), [Command::Discover(_)]));
    app.update(Msg::Discovered {
        proxy: "example.teleport.sh".into(),
        result: Ok(findings(teleport_thumbprint)),
    });
    app
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn press(app: &mut App, codes: &[KeyCode]) -> Vec<Command> {
    codes
        .iter()
        .flat_map(|code| app.update(key(*code)))
        .collect()
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(key(KeyCode::Char(c)));
    }
}

/// Selects a field of the current step by moving the cursor to it.
fn focus(app: &mut App, id: FieldId) {
    let index = app
        .items()
        .iter()
        .position(|item| *item == Item::Field(id))
        .unwrap_or_else(|| panic!("{id:?} is not on {:?}", app.screen));
    while app.focus < index {
        app.update(key(KeyCode::Tab));
    }
    while app.focus > index {
        app.update(key(KeyCode::BackTab));
    }
}

fn draw(app: &App, width: u16, height: u16, theme: Theme) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|frame| view::draw(app, frame, theme))
        .expect("draws");
    terminal
}

/// The screen's characters at `width`×`height`, one line per row, trailing spaces cut.
fn rows(app: &App, width: u16, height: u16) -> String {
    let terminal = draw(app, width, height, Theme { color: true });
    let buffer = terminal.backend().buffer();
    let mut rows = Vec::new();
    for y in 0..buffer.area.height {
        let row: String = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol().to_owned())
            .collect();
        rows.push(row.trim_end().to_owned());
    }
    rows.join("\n")
}

fn screen_text(app: &App) -> String {
    rows(app, 80, 24)
}

fn snapshot(name: &str, app: &App) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(common::repo_path("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    let screen = mask_key_ids(&screen_text(app));
    settings.bind(|| insta::assert_snapshot!(format!("tui__{name}"), screen));
}

/// Key IDs are random per run (16 hex digits): masked with as many characters, so the frame
/// stays aligned.
fn mask_key_ids(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            .count();
        let bounded = |c: Option<&char>| c.is_none_or(|c| !c.is_ascii_alphanumeric());
        if run == 16 && bounded(i.checked_sub(1).and_then(|j| chars.get(j))) {
            out.push_str(&"#".repeat(16));
            i += 16;
        } else {
            out.extend(&chars[i..i + run.max(1)]);
            i += run.max(1);
        }
    }
    out
}

fn go_to(app: &mut App, screen: ScreenId) {
    let mut guard = 0;
    while app.screen.id() != screen {
        app.update(key(KeyCode::Enter));
        guard += 1;
        assert!(guard < 12, "stuck on {:?}: {:?}", app.screen, app.status);
    }
}

/// The review, with the disk compared: nothing there yet.
fn reviewed() -> App {
    let mut app = discovered(given(), CHAIN);
    go_to(&mut app, ScreenId::Review);
    let dir = tempfile::tempdir().expect("temp dir");
    let review = app.screen.review().expect("review");
    let planned =
        wi_aws::artifacts::write::preview(dir.path(), &review.artifacts).expect("preview");
    app.update(Msg::Previewed(Ok(planned)));
    app
}

/// Writes the reviewed files for real and verifies them, as the runtime would.
fn written_and_verified(mut app: App) -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let commands = press(&mut app, &[KeyCode::Enter, KeyCode::Enter]);
    let [
        Command::Write {
            artifacts, force, ..
        },
    ] = commands.as_slice()
    else {
        panic!("expected a write, got {commands:?}");
    };
    assert!(!force);
    let written =
        wi_aws::artifacts::write::write_all(dir.path(), artifacts, false).expect("writes");
    let commands = app.update(Msg::Written(Ok(written)));
    assert!(matches!(commands.as_slice(), [Command::Verify { .. }]));
    assert_eq!(app.screen.id(), ScreenId::Verify);
    let report = wi_aws::verify::verify_dir(dir.path()).expect("verifies");
    app.update(Msg::Verified(Ok(report)));
    (app, dir)
}

// ---- every screen at 80×24 ----

#[test]
fn snapshot_cluster_while_asking_the_proxy() {
    let (app, _) = start(given());
    snapshot("cluster_asking", &app);
}

#[test]
fn snapshot_cluster_found() {
    let app = discovered(given(), CHAIN);
    snapshot("cluster_found", &app);
}

/// The wizard after the proxy could not be asked.
fn offline(reason: &str) -> App {
    let (mut app, _) = start(given());
    app.update(Msg::Discovered {
        proxy: "example.teleport.sh".into(),
        result: Err(reason.into()),
    });
    app
}

#[test]
fn snapshot_cluster_offline() {
    let app = offline("cannot connect to example.teleport.sh:443: connection refused");
    snapshot("cluster_offline", &app);
}

#[test]
fn snapshot_thumbprints_compared() {
    let mut app = discovered(given(), TELEPORT);
    go_to(&mut app, ScreenId::Ask(Step::Thumbprint));
    snapshot("thumbprint_differs", &app);
}

#[test]
fn snapshot_thumbprint_typed_by_hand_offline() {
    let mut app = offline("timed out");
    go_to(&mut app, ScreenId::Ask(Step::Thumbprint));
    type_text(&mut app, "9E:99:A4:8A");
    snapshot("thumbprint_offline_error", &app);
}

#[test]
fn snapshot_aws_with_errors_inline() {
    let mut app = discovered(given(), CHAIN);
    go_to(&mut app, ScreenId::Ask(Step::Aws));
    focus(&mut app, FieldId::Bucket);
    app.update(ctrl('u'));
    type_text(&mut app, "My_Bucket");
    focus(&mut app, FieldId::AccountId);
    app.update(key(KeyCode::Backspace));
    app.update(key(KeyCode::Enter));
    snapshot("aws_errors", &app);
}

#[test]
fn snapshot_each_question_step_with_its_defaults() {
    let mut app = discovered(given(), CHAIN);
    for (step, name) in [
        (Step::Spiffe, "spiffe"),
        (Step::Aws, "aws"),
        (Step::Teleport, "teleport"),
        (Step::Tbot, "tbot"),
    ] {
        go_to(&mut app, ScreenId::Ask(step));
        snapshot(name, &app);
    }
}

#[test]
fn snapshot_review_with_preview_scrolled() {
    let mut app = reviewed();
    snapshot("review", &app);
    press(&mut app, &[KeyCode::Down, KeyCode::PageDown]);
    snapshot("review_trust_policy_scrolled", &app);
}

#[test]
fn snapshot_write_refuses_to_replace_without_asking() {
    let mut app = discovered(given(), CHAIN);
    go_to(&mut app, ScreenId::Review);
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("aws")).expect("mkdir");
    std::fs::write(dir.path().join("aws/config"), "[profile mine]\n").expect("write");
    let review = app.screen.review().expect("review");
    let planned =
        wi_aws::artifacts::write::preview(dir.path(), &review.artifacts).expect("preview");
    app.update(Msg::Previewed(Ok(planned)));
    app.update(key(KeyCode::Enter));
    assert_eq!(app.screen.id(), ScreenId::Write);
    // Enter does not replace a file with other content; F does.
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(app.status.as_deref().is_some_and(|s| s.contains("press F")));
    snapshot("write_replace", &app);
    let commands = app.update(key(KeyCode::Char('f')));
    assert!(matches!(
        commands.as_slice(),
        [Command::Write { force: true, .. }]
    ));
    assert!(matches!(
        app.screen,
        Screen::Write {
            writing: Progress::Running,
            ..
        }
    ));
}

#[test]
fn snapshot_verify_checklist_and_done() {
    let (mut app, _dir) = written_and_verified(reviewed());
    snapshot("verify", &app);
    app.update(key(KeyCode::Enter));
    assert_eq!(app.screen.id(), ScreenId::Done);
    snapshot("done", &app);
    app.update(key(KeyCode::Enter));
    assert_eq!(
        app.exit,
        Some(Ending::Written {
            verified: Some(true)
        })
    );
}

#[test]
fn snapshot_help_and_leave_overlays() {
    let mut app = discovered(given(), CHAIN);
    app.update(key(KeyCode::Char('?')));
    snapshot("help", &app);
    app.update(key(KeyCode::Char('x')));
    assert_eq!(app.overlay, None, "any key closes the help");
    type_text(&mut app, "x");
    app.update(ctrl('c'));
    snapshot("leave", &app);
}

#[test]
fn a_terminal_too_small_says_so() {
    let (app, _) = start(given());
    let text = rows(&app, 50, 12).replace('\n', " ");
    assert!(text.contains("at least 60×16"), "{text}");
}

#[test]
fn no_color_means_no_colour_on_any_screen() {
    let (app, _dir) = written_and_verified(reviewed());
    let mut aws = discovered(given(), TELEPORT);
    go_to(&mut aws, ScreenId::Ask(Step::Aws));
    aws.update(key(KeyCode::Tab));
    aws.update(ctrl('u'));
    for app in [&app, &aws] {
        for color in [false, true] {
            let terminal = draw(app, 80, 24, Theme { color });
            let coloured = terminal
                .backend()
                .buffer()
                .content()
                .iter()
                .filter(|cell| cell.fg != Color::Reset || cell.bg != Color::Reset)
                .count();
            assert_eq!(
                coloured == 0,
                !color,
                "color {color}: {coloured} coloured cells"
            );
        }
    }
}

// ---- update: navigation, validation, discovery, leaving ----

#[test]
fn fields_and_steps_are_walked_with_tab_arrows_enter_and_esc() {
    let mut app = discovered(given(), CHAIN);
    assert_eq!(app.focused(), Some(Item::Field(FieldId::Proxy)));
    press(&mut app, &[KeyCode::Tab]);
    assert_eq!(app.focused(), Some(Item::Field(FieldId::ClusterName)));
    press(&mut app, &[KeyCode::Down, KeyCode::Down, KeyCode::Down]);
    assert_eq!(app.focus, 3, "the cursor stops at the last field");
    press(
        &mut app,
        &[KeyCode::Up, KeyCode::Up, KeyCode::Up, KeyCode::Up],
    );
    assert_eq!(app.focus, 0);
    press(&mut app, &[KeyCode::Enter]);
    assert_eq!(app.screen.id(), ScreenId::Ask(Step::Spiffe));
    assert_eq!(
        app.step_state(ScreenId::Ask(Step::Cluster)),
        StepState::Done
    );
    assert_eq!(
        app.step_state(ScreenId::Ask(Step::Spiffe)),
        StepState::Current
    );
    assert_eq!(app.step_state(ScreenId::Ask(Step::Aws)), StepState::Pending);
    press(&mut app, &[KeyCode::Esc]);
    assert_eq!(app.screen.id(), ScreenId::Ask(Step::Cluster));
    // Nothing was changed: Esc on the first step leaves without asking.
    press(&mut app, &[KeyCode::Esc]);
    assert_eq!(app.exit, Some(Ending::Left { saved: None }));
}

#[test]
fn errors_show_as_you_type_and_block_continuing() {
    let mut app = discovered(given(), CHAIN);
    go_to(&mut app, ScreenId::Ask(Step::Aws));
    focus(&mut app, FieldId::AccountId);
    app.update(key(KeyCode::Backspace));
    let problems = app.problems(FieldId::AccountId);
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].rule.contains("exactly 12 digits"),
        "{problems:?}"
    );
    // The same message as for an answers file.
    let mut file_answers = app.answers.clone();
    file_answers.set_text(FieldId::AccountId, "12345678901");
    let from_file = wi_aws::answers::plan::validate(&file_answers).expect_err("invalid");
    assert_eq!(from_file[0].rule, problems[0].rule);

    focus(&mut app, FieldId::Bucket);
    app.update(key(KeyCode::Enter));
    assert_eq!(
        app.screen.id(),
        ScreenId::Ask(Step::Aws),
        "a problem keeps the step"
    );
    assert_eq!(app.focused(), Some(Item::Field(FieldId::AccountId)));
    assert_eq!(app.step_state(ScreenId::Ask(Step::Aws)), StepState::Current);
    type_text(&mut app, "2");
    assert!(app.problems(FieldId::AccountId).is_empty());
    app.update(key(KeyCode::Enter));
    assert_eq!(app.screen.id(), ScreenId::Ask(Step::Teleport));
}

#[test]
fn an_empty_required_field_is_an_error_only_once_the_step_is_left() {
    let (mut app, _) = start(Answers::default());
    assert!(app.problems(FieldId::Proxy).is_empty());
    app.update(key(KeyCode::Enter));
    assert_eq!(app.screen.id(), ScreenId::Ask(Step::Cluster));
    assert!(app.problems(FieldId::Proxy)[0].rule.contains("required"));
    type_text(&mut app, "https://example.teleport.sh");
    assert!(app.problems(FieldId::Proxy)[0].rule.contains("scheme"));
}

#[test]
fn choices_cycle_and_custom_access_asks_for_actions() {
    let mut app = discovered(given(), CHAIN);
    go_to(&mut app, ScreenId::Ask(Step::Aws));
    focus(&mut app, FieldId::Access);
    assert!(!app.items().contains(&Item::Field(FieldId::Actions)));
    app.update(key(KeyCode::Right)); // read-write → write-only
    app.update(key(KeyCode::Right)); // → custom
    assert_eq!(app.answers.text(FieldId::Access), Some("custom"));
    assert!(app.items().contains(&Item::Field(FieldId::Actions)));
    app.update(key(KeyCode::Tab));
    type_text(&mut app, "s3:GetObject, s3:PutObject");
    assert_eq!(
        app.answers.list(FieldId::Actions),
        Some(&["s3:GetObject".to_owned(), "s3:PutObject".to_owned()][..])
    );
    app.update(key(KeyCode::BackTab));
    app.update(key(KeyCode::Right)); // custom → none
    assert_eq!(app.answers.text(FieldId::Access), Some("none"));
    assert_eq!(app.answers.list(FieldId::Actions), None);
    // access none needs a policy file, read as it is typed (from the current directory).
    focus(&mut app, FieldId::PolicyFile);
    type_text(&mut app, "tests/fixtures/no-such.json");
    assert!(
        app.problems(FieldId::PolicyFile)[0]
            .rule
            .contains("cannot be read")
    );
    for _ in 0.."no-such.json".len() {
        app.update(key(KeyCode::Backspace));
    }
    type_text(&mut app, "orders-table.json");
    assert!(app.problems(FieldId::PolicyFile).is_empty());
    assert!(
        app.problems(FieldId::Bucket).is_empty(),
        "the bucket is optional"
    );
    // A file made after a first try is read on the next edit: no stale "cannot be read".
    let dir = tempfile::tempdir().expect("temp dir");
    let later = dir.path().join("later.json");
    for _ in 0.."tests/fixtures/orders-table.json".len() {
        app.update(key(KeyCode::Backspace));
    }
    type_text(&mut app, &later.display().to_string());
    assert!(
        app.problems(FieldId::PolicyFile)[0]
            .rule
            .contains("cannot be read")
    );
    std::fs::copy("tests/fixtures/orders-table.json", &later).expect("copies");
    type_text(&mut app, " ");
    app.update(key(KeyCode::Backspace));
    assert!(app.problems(FieldId::PolicyFile).is_empty());
    focus(&mut app, FieldId::Access);
    app.update(key(KeyCode::Right)); // none → full (wraps)
    assert_eq!(app.answers.text(FieldId::Access), Some("full"));
    // `q` is a letter in a text field and "leave" on a choice.
    focus(&mut app, FieldId::Region);
    type_text(&mut app, "q");
    assert_eq!(app.answers.text(FieldId::Region), Some("q"));
    assert!(app.overlay.is_none());
    focus(&mut app, FieldId::Partition);
    app.update(key(KeyCode::Char('q')));
    assert!(matches!(app.overlay, Some(Overlay::Quit { .. })));
}

#[test]
fn flags_toggle_with_space_and_answer_y_or_n() {
    let mut app = discovered(given(), CHAIN);
    go_to(&mut app, ScreenId::Ask(Step::Aws));
    focus(&mut app, FieldId::CreateBucket);
    app.update(key(KeyCode::Char(' ')));
    assert_eq!(app.answers.flag(FieldId::CreateBucket), Some(false));
    app.update(key(KeyCode::Char('y')));
    assert_eq!(app.answers.flag(FieldId::CreateBucket), Some(true));
}

#[test]
fn discovery_fills_what_is_open_and_a_new_proxy_takes_it_back() {
    let mut answers = given();
    answers.set_text(FieldId::Proxy, "proxy.example.com");
    let (mut app, commands) = start(answers);
    let [Command::Discover(proxy)] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(proxy.authority(), "proxy.example.com");
    assert!(app.busy(), "the spinner turns while the proxy is asked");
    // A stale answer, for another address, changes nothing.
    app.update(Msg::Discovered {
        proxy: "other.example.com".into(),
        result: Ok(findings(CHAIN)),
    });
    assert_eq!(app.answers.text(FieldId::ClusterName), None);
    app.update(Msg::Discovered {
        proxy: "proxy.example.com".into(),
        result: Ok(findings(CHAIN)),
    });
    assert!(!app.busy(), "idle: no timer runs");
    assert_eq!(
        app.answers.text(FieldId::ClusterName),
        Some("example.teleport.sh")
    );
    assert_eq!(
        app.answers.list(FieldId::Thumbprints),
        Some(&[CHAIN.to_owned()][..])
    );
    assert_eq!(app.thumbprint_source, ThumbprintSource::Chain);

    // Another proxy: the filled values go, and that proxy is asked when the field is left.
    app.update(ctrl('u'));
    type_text(&mut app, "second.example.com");
    assert!(
        app.update(key(KeyCode::Char('x'))).is_empty(),
        "not while typing"
    );
    app.update(key(KeyCode::Backspace));
    let commands = app.update(key(KeyCode::Tab));
    assert!(
        matches!(commands.as_slice(), [Command::Discover(p)] if p.authority() == "second.example.com")
    );
    assert_eq!(app.answers.text(FieldId::ClusterName), None);
    assert_eq!(app.answers.list(FieldId::Thumbprints), None);
    app.update(Msg::Discovered {
        proxy: "second.example.com".into(),
        result: Err("connection refused".into()),
    });
    assert!(matches!(
        app.discovery.as_ref().map(|d| &d.state),
        Some(DiscoveryState::Failed(_))
    ));
    // Ctrl-R asks again.
    let commands = app.update(ctrl('r'));
    assert!(matches!(commands.as_slice(), [Command::Discover(_)]));
}

#[test]
fn the_thumbprint_is_chosen_among_what_the_proxy_showed() {
    let mut app = discovered(given(), TELEPORT);
    go_to(&mut app, ScreenId::Ask(Step::Thumbprint));
    assert_eq!(app.items(), [Item::ThumbprintSource]);
    app.update(key(KeyCode::Right));
    assert_eq!(app.thumbprint_source, ThumbprintSource::Teleport);
    assert_eq!(
        app.answers.list(FieldId::Thumbprints),
        Some(&[TELEPORT.to_owned()][..])
    );
    app.update(key(KeyCode::Right));
    assert_eq!(
        app.items(),
        [Item::ThumbprintSource, Item::Field(FieldId::Thumbprints)]
    );
    app.update(key(KeyCode::Right));
    assert_eq!(app.thumbprint_source, ThumbprintSource::Public);
    assert!(
        app.answers
            .list(FieldId::Thumbprints)
            .is_some_and(<[String]>::is_empty)
    );
}

#[test]
fn leaving_with_unsaved_answers_asks_and_can_save_them() {
    let (mut app, _) = start(given());
    app.update(ctrl('c'));
    assert_eq!(
        app.exit,
        Some(Ending::Left { saved: None }),
        "nothing to lose"
    );

    let (mut app, _) = start(given());
    type_text(&mut app, "x");
    assert!(app.unsaved());
    app.update(ctrl('c'));
    assert!(matches!(app.overlay, Some(Overlay::Quit { .. })));
    app.update(key(KeyCode::Char('n')));
    assert_eq!((app.overlay.clone(), app.exit.clone()), (None, None));

    app.update(ctrl('c'));
    let commands = app.update(key(KeyCode::Char('s')));
    let [Command::SavePartial { contents }] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    let (saved, problems) = FleetAnswers::from_yaml(contents);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(saved.shared, app.answers);
    // Keys wait while saving; a failure is shown and the user chooses again.
    assert!(app.update(key(KeyCode::Char('y'))).is_empty());
    assert_eq!(app.exit, None);
    app.update(Msg::Saved(Err("read-only file system".into())));
    assert!(
        matches!(&app.overlay, Some(Overlay::Quit { problem: Some(p), .. }) if p.contains("read-only"))
    );
    app.update(key(KeyCode::Char('s')));
    app.update(Msg::Saved(Ok(())));
    assert_eq!(
        app.exit,
        Some(Ending::Left {
            saved: Some(PARTIAL_ANSWERS.into())
        })
    );

    // A second Ctrl-C at the question leaves without saving.
    let (mut app, _) = start(given());
    type_text(&mut app, "x");
    app.update(ctrl('c'));
    app.update(ctrl('c'));
    assert_eq!(app.exit, Some(Ending::Left { saved: None }));
}

#[test]
fn written_answers_are_saved_and_the_exit_says_whether_verify_passed() {
    let (mut app, _dir) = written_and_verified(reviewed());
    assert!(!app.unsaved());
    app.update(key(KeyCode::Char('q')));
    assert_eq!(
        app.exit,
        Some(Ending::Written {
            verified: Some(true)
        })
    );

    let mut app = reviewed();
    press(&mut app, &[KeyCode::Enter, KeyCode::Enter]);
    app.update(Msg::Written(Ok(Vec::new())));
    app.update(Msg::Terminate);
    assert_eq!(
        app.exit,
        Some(Ending::Written {
            verified: Some(false)
        })
    );
}

#[test]
fn a_failed_write_stays_on_the_write_screen() {
    let mut app = reviewed();
    press(&mut app, &[KeyCode::Enter, KeyCode::Enter]);
    let commands = app.update(Msg::Written(Err("permission denied".into())));
    assert!(commands.is_empty());
    assert_eq!(app.screen.id(), ScreenId::Write);
    assert!(matches!(
        &app.screen,
        Screen::Write { writing: Progress::Finished(Err(e)), .. } if e.contains("permission denied")
    ));
    // Enter tries again.
    let commands = app.update(key(KeyCode::Enter));
    assert!(matches!(commands.as_slice(), [Command::Write { .. }]));
}

#[test]
fn pasted_text_lands_in_the_field_without_line_breaks() {
    let (mut app, _) = start(Answers::default());
    app.update(Msg::Paste("example.teleport.sh\n".into()));
    assert_eq!(
        app.answers.text(FieldId::Proxy),
        Some("example.teleport.sh")
    );
}

#[test]
fn the_saved_answers_replay_to_the_same_files() {
    let (app, dir) = written_and_verified(reviewed());
    let saved = std::fs::read_to_string(dir.path().join("answers.yaml")).expect("saved");
    let plan = wi_aws::answers::fleet::single_plan(&saved).expect("valid");
    let replayed = common::render_plan(&plan);
    let written = app.screen.verification().expect("written");
    assert_eq!(replayed, written.artifacts);
}

#[test]
fn the_preview_pages_to_the_last_line_and_no_further() {
    for height in [24, 40] {
        let mut app = reviewed();
        app.update(Msg::Resize { width: 80, height });
        let total = app.screen.review().expect("review").artifacts[0]
            .contents
            .lines()
            .count();
        press(&mut app, &[KeyCode::End]);
        let end = app.screen.review().expect("review").scroll;
        press(&mut app, &[KeyCode::PageDown, KeyCode::Char(' ')]);
        assert_eq!(app.screen.review().expect("review").scroll, end);
        let text = rows(&app, 80, height);
        let shown = format!("lines {}–{total} of {total}", end + 1);
        assert!(text.contains(&shown), "{height} rows: {shown:?} not shown");
        // The last line of the file is on screen.
        let last = app.screen.review().expect("review").artifacts[0]
            .contents
            .lines()
            .rfind(|l| !l.trim().is_empty())
            .expect("a line");
        assert!(
            text.contains(last.trim()),
            "{height} rows: {last:?} not shown"
        );
        press(&mut app, &[KeyCode::Home]);
        assert_eq!(app.screen.review().expect("review").scroll, 0);
    }
}

#[test]
fn answers_of_edit_that_were_ignored_are_said_on_the_first_screen() {
    let (app, _) = App::new(Setup {
        answers: FleetAnswers::single(given()),
        settings: settings(),
        demo: Some("127.0.0.1:3443".into()),
        notice: Some("1 answer(s) of --edit were ignored: aws.colour".into()),
    });
    let screen = screen_text(&app);
    assert!(screen.contains("were ignored: aws.colour"), "{screen}");
    assert!(screen.contains("DEMO proxy 127.0.0.1:3443"), "{screen}");
}

/// The wizard at the review with `settings`, the disk compared (nothing there yet).
fn reviewed_with(settings: Settings) -> App {
    reviewed_over(settings, &tempfile::tempdir().expect("temp dir"))
}

/// The wizard at the review with `settings`, compared with the files in `dir`.
fn reviewed_over(settings: Settings, dir: &tempfile::TempDir) -> App {
    let (mut app, _) = App::new(Setup {
        answers: FleetAnswers::single(given()),
        settings,
        demo: None,
        notice: None,
    });
    app.update(Msg::Discovered {
        proxy: "example.teleport.sh".into(),
        result: Ok(findings(CHAIN)),
    });
    go_to(&mut app, ScreenId::Review);
    let artifacts = app.screen.review().expect("review").artifacts.clone();
    let planned = wi_aws::artifacts::write::preview(dir.path(), &artifacts).expect("preview");
    app.update(Msg::Previewed(Ok(planned)));
    app
}

#[test]
fn dry_run_leaves_at_the_write_step_without_writing() {
    let mut app = reviewed_with(Settings {
        dry_run: true,
        ..settings()
    });
    app.update(key(KeyCode::Enter));
    assert_eq!(app.screen.id(), ScreenId::Write);
    assert!(screen_text(&app).contains("--dry-run: nothing is written"));
    let commands = app.update(key(KeyCode::Enter));
    assert!(commands.is_empty(), "{commands:?}");
    assert_eq!(app.exit, Some(Ending::DryRun));
}

#[test]
fn no_verify_goes_from_write_to_done() {
    let mut app = reviewed_with(Settings {
        verify: false,
        ..settings()
    });
    press(&mut app, &[KeyCode::Enter, KeyCode::Enter]);
    let commands = app.update(Msg::Written(Ok(Vec::new())));
    assert!(commands.is_empty(), "no verify command: {commands:?}");
    assert_eq!(app.screen.id(), ScreenId::Done);
    assert!(screen_text(&app).contains("not verified (--no-verify)"));
    app.update(key(KeyCode::Enter));
    assert_eq!(app.exit, Some(Ending::Written { verified: None }));
}

#[test]
fn force_writes_over_a_changed_file_on_enter() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("aws")).expect("mkdir");
    std::fs::write(dir.path().join("aws/config"), "[profile mine]\n").expect("write");
    let settings = Settings {
        force: true,
        ..settings()
    };
    let mut app = reviewed_over(settings, &dir);
    let commands = press(&mut app, &[KeyCode::Enter, KeyCode::Enter]);
    assert!(
        matches!(commands.as_slice(), [Command::Write { force: true, .. }]),
        "{commands:?}"
    );
}

#[test]
fn templates_override_the_reviewed_files() {
    let mut overrides = std::collections::BTreeMap::new();
    overrides.insert(
        "aws/env.hbs".to_owned(),
        "# from a --templates override\n".to_owned(),
    );
    let app = reviewed_with(Settings {
        templates: Templates::with_overrides(&overrides).expect("templates"),
        ..settings()
    });
    let review = app.screen.review().expect("review");
    let env = review
        .artifacts
        .iter()
        .find(|a| a.path == "aws/env")
        .expect("aws/env");
    assert_eq!(env.contents, "# from a --templates override\n");
}

// ---- the workloads step ----

/// The wizard on the Workloads step with the guide's workload.
fn on_workloads() -> App {
    let mut app = discovered(given(), CHAIN);
    go_to(&mut app, ScreenId::Workloads);
    app
}

/// Adds a workload from the Workloads step with its own SPIFFE path, bucket and bot, and goes
/// back to the list.
fn add_workload(app: &mut App, path: &str, bucket: &str, bot: &str) {
    app.update(key(KeyCode::Char('a')));
    assert_eq!(app.screen.id(), ScreenId::Ask(Step::Spiffe));
    type_text(app, path);
    for (id, text) in [(FieldId::Bucket, bucket), (FieldId::Bot, bot)] {
        while app.screen.id() != ScreenId::Ask(field_step(id)) {
            app.update(key(KeyCode::Enter));
        }
        focus(app, id);
        type_text(app, text);
    }
    go_to(app, ScreenId::Workloads);
}

fn field_step(id: FieldId) -> Step {
    wi_aws::answers::steps::field(id).step
}

#[test]
fn snapshot_workloads_list() {
    let mut app = on_workloads();
    snapshot("workloads_one", &app);
    add_workload(&mut app, "/svc/reports", "reports-bucket", "reports-bot");
    snapshot("workloads_two", &app);
}

#[test]
fn workloads_are_added_edited_duplicated_and_removed() {
    let mut app = on_workloads();
    // One workload: Enter goes on to the review, as before there was a list.
    assert_eq!(app.fleet.count(), 1);
    add_workload(&mut app, "/svc/reports", "reports-bucket", "reports-bot");
    assert_eq!(app.fleet.count(), 2);
    let names: Vec<_> = app.workload_rows().into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["example-service", "reports"]);
    // The second workload shares the cluster and account, and has its own SPIFFE ID.
    let second = app.fleet.merged(1);
    assert_eq!(second.text(FieldId::AccountId), Some("123456789012"));
    assert_eq!(second.text(FieldId::SpiffePath), Some("/svc/reports"));
    assert_eq!(
        app.fleet.merged(0).text(FieldId::SpiffePath),
        Some("/svc/example-service")
    );

    // `e` edits the one under the cursor: the first, from its SPIFFE ID.
    press(&mut app, &[KeyCode::Up, KeyCode::Char('e')]);
    assert_eq!(app.screen.id(), ScreenId::Ask(Step::Spiffe));
    assert_eq!(app.current, 0);
    assert_eq!(app.answers.text(FieldId::Bucket), Some("workload-id-demo"));
    go_to(&mut app, ScreenId::Workloads);

    // `d` copies it without what must be its own: the SPIFFE path is asked again.
    app.update(key(KeyCode::Char('d')));
    assert_eq!(app.fleet.count(), 3);
    assert_eq!(app.current, 2);
    assert_eq!(app.answers.text(FieldId::SpiffePath), None);
    assert_eq!(app.answers.text(FieldId::Bucket), Some("workload-id-demo"));
    type_text(&mut app, "/svc/copy");
    // And its own bot: one bot for two hosts would give each host both identities.
    while app.screen.id() != ScreenId::Ask(Step::Teleport) {
        app.update(key(KeyCode::Enter));
    }
    focus(&mut app, FieldId::Bot);
    assert_eq!(app.answers.text(FieldId::Bot), None);
    type_text(&mut app, "copy-bot");
    go_to(&mut app, ScreenId::Workloads);
    assert!(app.workload_rows().iter().all(|row| row.valid));

    // `x` removes the one under the cursor (the copy), and the last one cannot go.
    app.update(key(KeyCode::Char('x')));
    assert_eq!(app.fleet.count(), 2);
    press(&mut app, &[KeyCode::Char('x')]);
    press(&mut app, &[KeyCode::Char('x')]);
    assert_eq!(app.fleet.count(), 1);
    assert!(
        app.status
            .as_deref()
            .is_some_and(|s| s.contains("cannot be removed"))
    );
}

#[test]
fn a_fleet_reviews_every_workloads_files_and_saves_version_2() {
    let mut app = on_workloads();
    add_workload(&mut app, "/svc/reports", "reports-bucket", "reports-bot");
    let commands = press(&mut app, &[KeyCode::Enter]);
    assert_eq!(app.screen.id(), ScreenId::Review);
    let [Command::Preview { artifacts, .. }] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    let paths: Vec<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
    for path in [
        "terraform/main.tf",
        "iam/reports/trust-policy.json",
        "hosts/example-service/aws/config",
    ] {
        assert!(paths.contains(&path), "{path} not in {paths:?}");
    }
    let answers = artifacts
        .iter()
        .find(|a| a.path == "answers.yaml")
        .expect("answers");
    assert!(answers.contents.contains("version: 2"));

    // Two workloads with one SPIFFE ID cannot be reviewed: the cursor goes to the copy's.
    let mut app = on_workloads();
    add_workload(
        &mut app,
        "/svc/example-service",
        "other-bucket",
        "other-bot",
    );
    app.update(key(KeyCode::Enter));
    assert_eq!(app.screen.id(), ScreenId::Ask(Step::Spiffe));
    assert_eq!(app.current, 1);
    assert!(
        app.status
            .as_deref()
            .is_some_and(|s| s.contains("need fixing"))
    );
}

#[test]
fn edit_reopens_a_fleet_with_every_workload() {
    let text = std::fs::read_to_string(common::repo_path("examples/fleet.yaml")).expect("read");
    let (fleet, problems) = FleetAnswers::from_yaml(&text);
    assert!(problems.is_empty(), "{problems:?}");
    let (mut app, _) = App::new(Setup {
        answers: fleet,
        settings: settings(),
        demo: None,
        notice: None,
    });
    // The steps show the first workload, and say which of how many it is.
    assert_eq!(
        app.answers.text(FieldId::SpiffePath),
        Some("/svc/reports/writer")
    );
    go_to(&mut app, ScreenId::Ask(Step::Spiffe));
    assert!(screen_text(&app).contains("workload 1 of 3"));
    go_to(&mut app, ScreenId::Workloads);
    let names: Vec<_> = app.workload_rows().into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["reports-writer", "reports-reader", "billing"]);
    let commands = app.update(key(KeyCode::Enter));
    let [Command::Preview { artifacts, .. }] = commands.as_slice() else {
        panic!("{commands:?}: {:?}", app.status)
    };
    assert_eq!(artifacts.len(), 5 + 7 * 3 + 3);
}

#[test]
fn p_on_the_write_step_also_installs_the_profile_once_written() {
    let mut app = reviewed();
    app.update(key(KeyCode::Enter));
    assert_eq!(app.screen.id(), ScreenId::Write);
    assert!(screen_text(&app).contains("[ ] p  also add the AWS profile"));
    app.update(key(KeyCode::Char('p')));
    assert!(app.install_profile);
    assert!(screen_text(&app).contains("[x] p  also add the AWS profile"));
    let commands = app.update(key(KeyCode::Enter));
    let [Command::Write { out, .. }] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    let out = out.clone();
    let commands = app.update(Msg::Written(Ok(Vec::new())));
    assert!(
        matches!(commands.as_slice(), [Command::InstallProfiles { out: o }, Command::Verify { .. }] if *o == out),
        "{commands:?}"
    );
    app.update(Msg::ProfilesInstalled(Ok(vec![
        "installed profile workload-id-demo in /home/u/.aws/config".into(),
    ])));
    app.update(Msg::Verified(Ok(wi_aws::verify::Report::of(Vec::new()))));
    app.update(key(KeyCode::Enter));
    assert_eq!(app.screen.id(), ScreenId::Done);
    assert!(screen_text(&app).contains("installed profile workload-id-demo"));
}

/// On the Roles Anywhere route the thumbprint is not asked: choosing the route (→ on the Cluster
/// step's route field) passes the Thumbprint step by, both ways, and clears the thumbprint
/// discovery had filled.
#[test]
fn on_roles_anywhere_the_thumbprint_step_is_passed_by() {
    let mut app = discovered(given(), CHAIN);
    while app.focused() != Some(Item::Field(FieldId::Route)) {
        press(&mut app, &[KeyCode::Tab]);
    }
    press(&mut app, &[KeyCode::Right]);
    assert_eq!(app.answers.text(FieldId::Route), Some("roles-anywhere"));
    assert!(app.items_of(Step::Thumbprint).is_empty());
    press(&mut app, &[KeyCode::Enter]);
    assert_eq!(app.screen.id(), ScreenId::Ask(Step::Spiffe));
    press(&mut app, &[KeyCode::Enter]);
    assert_eq!(app.screen.id(), ScreenId::Ask(Step::Aws));
    press(&mut app, &[KeyCode::Esc]);
    assert_eq!(app.screen.id(), ScreenId::Ask(Step::Spiffe));
    assert_eq!(app.answers.list(FieldId::Thumbprints), None);
}

/// On Roles Anywhere the Workloads step adds a second workload as on OIDC: it shares the
/// trust anchor, and gets a profile of its own (its ARN is known only after apply).
#[test]
fn on_roles_anywhere_a_second_workload_shares_the_anchor_not_the_profile() {
    let mut answers = given();
    answers.set_text(FieldId::Route, "roles-anywhere");
    let ca = wi_aws::routes::roles_anywhere::x509::SimulatedSpiffeCa::generate(
        "example.teleport.sh",
        std::time::SystemTime::now(),
    )
    .expect("a CA");
    answers.set_text(FieldId::CaBundle, ca.certificate_pem());
    answers.set_text(FieldId::RaProfileName, "shared-by-copy");
    answers.set_text(
        FieldId::RaProfileArn,
        "arn:aws:rolesanywhere:us-east-1:123456789012:profile/9b0d2f61-3c4e-4a8b-b7d5-2e6f1a9c3b47",
    );
    let mut app = discovered(answers, CHAIN);
    go_to(&mut app, ScreenId::Workloads);
    add_workload(&mut app, "/svc/reports", "reports-bucket", "reports-bot");
    assert_eq!(app.fleet.count(), 2);
    let second = app.fleet.merged(1);
    assert_eq!(second.text(FieldId::CaBundle), Some(ca.certificate_pem()));
    assert_eq!(second.text(FieldId::RaProfileName), None);
    assert_eq!(second.text(FieldId::RaProfileArn), None);
    assert!(app.workload_rows().iter().all(|row| row.valid));
}

#[test]
fn kubernetes_shows_its_names_with_their_defaults_and_host_hides_them() {
    let mut app = discovered(given(), CHAIN);
    go_to(&mut app, ScreenId::Ask(Step::Tbot));
    focus(&mut app, FieldId::RunsOn);
    assert!(!app.items().contains(&Item::Field(FieldId::Namespace)));
    app.update(key(KeyCode::Right)); // host → kubernetes
    assert_eq!(app.answers.text(FieldId::RunsOn), Some("kubernetes"));
    for id in [
        FieldId::Namespace,
        FieldId::Deployment,
        FieldId::Container,
        FieldId::ServiceAccount,
        FieldId::SecretName,
        FieldId::BotServiceAccount,
    ] {
        assert!(app.items().contains(&Item::Field(id)), "{id:?}");
    }
    focus(&mut app, FieldId::Namespace);
    type_text(&mut app, "Payments");
    assert!(
        app.problems(FieldId::Namespace)[0]
            .rule
            .contains("RFC 1123")
    );
    app.update(key(KeyCode::BackTab));
    app.update(key(KeyCode::Left)); // kubernetes → host: the namespace goes with it
    assert_eq!(app.answers.text(FieldId::RunsOn), Some("host"));
    assert!(!app.items().contains(&Item::Field(FieldId::Namespace)));
    assert_eq!(app.answers.text(FieldId::Namespace), None);
}
