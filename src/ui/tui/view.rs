//! `draw(app, frame)`: the whole screen from the state, nothing else. Pure, so every screen is
//! a snapshot test on ratatui's `TestBackend`.

use super::layout::{
    MIN_SIZE, SIDEBAR_WIDTH, review_columns, review_notes, truncate, verify_rows, wrap,
};
use super::model::{
    App, DiscoveryState, Item, Overlay, Progress, Review, Screen, ScreenId, StepState, Verification,
};
use crate::answers::steps::{FieldDefault, FieldId, FieldKind, Step, field};
use crate::artifacts::pipeline::PARTIAL_ANSWERS;
use crate::artifacts::write::{Outcome, Planned};
use crate::ui::terminal::SPINNER;
use crate::verify::check::CheckId;
use crate::verify::{ChecklistRow, Status};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Padding, Paragraph, Wrap};

/// Width of a field's name column.
const NAME_WIDTH: usize = 18;

/// Colours, or none (`NO_COLOR`, a monochrome terminal): then emphasis is bold, reverse and dim
/// only, and every state still has its own mark (✓ ✗ ! ▸).
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    fn tint(self, color: Color, fallback: Modifier) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new().add_modifier(fallback)
        }
    }
    fn accent(self) -> Style {
        self.tint(Color::Cyan, Modifier::BOLD)
    }
    fn ok(self) -> Style {
        self.tint(Color::Green, Modifier::empty())
    }
    fn bad(self) -> Style {
        self.tint(Color::Red, Modifier::BOLD)
    }
    fn warn(self) -> Style {
        self.tint(Color::Yellow, Modifier::empty())
    }
    fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }
    fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    fn bold(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
}

pub fn draw(app: &App, frame: &mut Frame, theme: Theme) {
    let area = frame.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let message = format!(
            "wi-aws needs a terminal of at least {}×{}; this one is {}×{}. Enlarge it, or run `wi-aws --plain`.",
            MIN_SIZE.0, MIN_SIZE.1, area.width, area.height
        );
        frame.render_widget(Paragraph::new(message).wrap(Wrap { trim: true }), area);
        return;
    }
    let status_rows = u16::from(app.status.is_some());
    let [title, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(status_rows),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_title(app, frame, title, theme);
    let [sidebar, main] =
        Layout::horizontal([Constraint::Length(SIDEBAR_WIDTH), Constraint::Min(0)]).areas(body);
    draw_sidebar(app, frame, sidebar, theme);
    let id = app.screen.id();
    let position = ScreenId::ALL.iter().position(|s| *s == id).unwrap_or(0) + 1;
    // In a fleet, the questions are those of one workload: say which.
    let workload = match (&app.screen, app.fleet.form) {
        (Screen::Ask(_), crate::answers::Form::Fleet) => {
            format!("— workload {} of {} ", app.current + 1, app.fleet.count())
        }
        _ => String::new(),
    };
    let block = Block::bordered().title(Span::styled(
        format!(
            " {position}/{} {} {workload}",
            ScreenId::ALL.len(),
            id.title()
        ),
        theme.bold(),
    ));
    let inner = block.inner(main);
    frame.render_widget(block, main);
    match &app.screen {
        Screen::Ask(step) => draw_ask(app, *step, frame, inner, theme),
        Screen::Workloads { selected } => draw_workloads(app, *selected, frame, inner, theme),
        Screen::Review(review) => draw_review(app, review, frame, inner, theme),
        Screen::Write { review, writing } => draw_write(app, review, writing, frame, inner, theme),
        Screen::Verify(verification) => draw_verify(app, verification, frame, inner, theme),
        Screen::Done(verification) => draw_done(app, verification, frame, inner, theme),
    }
    if let Some(message) = &app.status {
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::raw(" "),
                Span::styled(message, theme.warn()),
            ])),
            status,
        );
    }
    frame.render_widget(
        Paragraph::new(Line::styled(format!(" {}", footer_keys(app)), theme.dim())),
        footer,
    );
    match &app.overlay {
        Some(Overlay::Help) => draw_help(app, frame, theme),
        Some(Overlay::Quit { saving, problem }) => {
            draw_quit(app, *saving, problem.as_deref(), frame, theme)
        }
        None => {}
    }
}

fn draw_title(app: &App, frame: &mut Frame, area: Rect, theme: Theme) {
    let right = match &app.demo {
        Some(proxy) => format!("DEMO proxy {proxy} (not Teleport) "),
        None => format!("→ {} ", app.out().display()),
    };
    let left = " wi-aws · Workload Identity → AWS";
    let right = truncate(
        &right,
        usize::from(area.width).saturating_sub(left.chars().count() + 1),
    );
    let gap = usize::from(area.width).saturating_sub(left.chars().count() + right.chars().count());
    let right_style = if app.demo.is_some() {
        theme.warn()
    } else {
        theme.dim()
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(left, theme.bold()),
            Span::raw(" ".repeat(gap)),
            Span::styled(right, right_style),
        ])),
        area,
    );
}

fn draw_sidebar(app: &App, frame: &mut Frame, area: Rect, theme: Theme) {
    let lines: Vec<Line> = ScreenId::ALL
        .iter()
        .map(|screen| {
            let (mark, style) = match app.step_state(*screen) {
                StepState::Current => ("▸", theme.accent().add_modifier(Modifier::BOLD)),
                StepState::Done => ("✓", theme.ok()),
                StepState::Errors => ("✗", theme.bad()),
                StepState::Pending => ("·", theme.dim()),
            };
            let title_style = if app.screen.id() == *screen {
                theme.bold()
            } else {
                Style::new()
            };
            Line::from(vec![
                Span::styled(format!("{mark} "), style),
                Span::styled(screen.title(), title_style),
            ])
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines).block(Block::new().padding(Padding::left(1))),
        area,
    );
}

/// The fleet as a list: one row per workload, the cursor's reversed, marked ✓ when its
/// answers hold on their own.
fn draw_workloads(app: &App, selected: usize, frame: &mut Frame, area: Rect, theme: Theme) {
    let width = usize::from(area.width);
    let rows = app.workload_rows();
    let mut lines = Vec::new();
    for row in wrap(
        match rows.len() {
            1 => {
                "One workload. Press a to add another: it shares the cluster, the account and the OIDC provider, and gets its own SPIFFE ID, role, bucket access and bot."
            }
            _ => {
                "Each workload gets its own role, trusted for its own SPIFFE ID only, and its own host bundle in hosts/<name>/."
            }
        },
        width,
    ) {
        lines.push(Line::styled(row, theme.dim()));
    }
    lines.push(Line::raw(""));
    let name_width = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
    for (index, row) in rows.iter().enumerate() {
        let (mark, mark_style) = match row.valid {
            true => ("✓", theme.ok()),
            false => ("✗", theme.bad()),
        };
        let fit = |text: String| -> String { text.chars().take(width.saturating_sub(4)).collect() };
        let style = match index == selected {
            true => theme.selected(),
            false => Style::new(),
        };
        let cursor = if index == selected { "▸" } else { " " };
        lines.push(Line::from(vec![
            Span::styled(format!("{cursor}{mark} "), mark_style),
            Span::styled(
                fit(format!("{:<name_width$}  {}", row.name, row.spiffe_id)),
                style,
            ),
        ]));
        lines.push(Line::styled(
            fit(match row.bucket.as_str() {
                "" => format!("    role {} · no bucket", row.role),
                bucket => format!("    role {} · bucket {bucket}", row.role),
            }),
            theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn spinner(app: &App) -> &'static str {
    SPINNER[app.spinner % SPINNER.len()]
}

/// A question step: its fields (scrolled to keep the cursor in view), what the step knows so
/// far, and the help of the field under the cursor.
fn draw_ask(app: &App, step: Step, frame: &mut Frame, area: Rect, theme: Theme) {
    let width = usize::from(area.width);
    let info = step_info(app, step, width.saturating_sub(1), theme);
    let help = focused_help(app, width.saturating_sub(2));
    let help_rows = (help.len() as u16 + 1).min(6);
    let fields = field_lines(app, width, theme);
    // The fields keep their rows (or at least 3); what the step knows gets the rest.
    let field_rows = (fields.lines.len() as u16).max(3);
    let info_rows = (info.len() as u16).min(
        area.height
            .saturating_sub(help_rows)
            .saturating_sub(field_rows)
            .max(area.height / 4),
    );
    let [fields_area, info_area, help_area] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(info_rows),
        Constraint::Length(help_rows),
    ])
    .areas(area);
    let height = usize::from(fields_area.height);
    // Keep the cursor's row and the lines under it (its errors) in view.
    let scroll = (fields.focused_row + 3)
        .saturating_sub(height)
        .min(fields.focused_row);
    let shown: Vec<Line> = fields.lines.into_iter().skip(scroll).take(height).collect();
    frame.render_widget(Paragraph::new(shown), fields_area);
    if let Some((row, column)) = fields.cursor
        && app.overlay.is_none()
        && row >= scroll
        && row - scroll < height
    {
        frame.set_cursor_position(Position::new(
            fields_area.x + column as u16,
            fields_area.y + (row - scroll) as u16,
        ));
    }
    frame.render_widget(Paragraph::new(info), info_area);
    let block = match app.focused() {
        Some(Item::Field(id)) => Block::new()
            .borders(Borders::TOP)
            .title(Span::styled(format!(" {} ", field(id).label), theme.dim())),
        Some(Item::ThumbprintSource) => Block::new().borders(Borders::TOP),
        None => return,
    };
    let text: Vec<Line> = help
        .into_iter()
        .map(|l| Line::styled(format!(" {l}"), theme.dim()))
        .collect();
    frame.render_widget(Paragraph::new(text).block(block), help_area);
}

/// The rows of a question step's fields, with the problems under each.
struct FieldLines {
    lines: Vec<Line<'static>>,
    /// The row of the focused field.
    focused_row: usize,
    /// Row and column of the text cursor, in a text field.
    cursor: Option<(usize, usize)>,
}

fn field_lines(app: &App, width: usize, theme: Theme) -> FieldLines {
    // A step whose longest name is longer (permissions_boundary) widens its column, so values
    // and the text cursor line up.
    let name_width = app
        .items()
        .iter()
        .map(|item| match item {
            Item::Field(id) => field(*id).name().chars().count(),
            Item::ThumbprintSource => 0,
        })
        .max()
        .unwrap_or(0)
        .max(NAME_WIDTH);
    let value_width = width.saturating_sub(name_width + 3).max(8);
    let mut fields = FieldLines {
        lines: Vec::new(),
        focused_row: 0,
        cursor: None,
    };
    for (index, item) in app.items().iter().enumerate() {
        let focused = index == app.focus;
        let lines = &mut fields.lines;
        if focused {
            fields.focused_row = lines.len();
        }
        let (name, value, caret) = item_value(app, *item, focused, value_width, theme);
        if let Some(column) = caret {
            fields.cursor = Some((lines.len(), name_width + 2 + column));
        }
        let marker = if focused {
            Span::styled("▸ ", theme.accent())
        } else {
            Span::raw("  ")
        };
        let name_style = if focused { theme.bold() } else { Style::new() };
        let mut spans = vec![
            marker,
            Span::styled(format!("{name:<name_width$} "), name_style),
        ];
        spans.extend(value);
        lines.push(Line::from(spans));
        if let Item::Field(id) = item {
            lines.extend(problem_lines(app, *id, focused, width, theme));
        }
    }
    fields
}

/// A field's problems: each rule, and the fix of the focused field's.
fn problem_lines(
    app: &App,
    id: FieldId,
    focused: bool,
    width: usize,
    theme: Theme,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for problem in app.problems(id) {
        let text = format!("✗ {}", problem.rule);
        for (n, row) in wrap(&text, width.saturating_sub(6)).into_iter().enumerate() {
            let indent = if n == 0 { "    " } else { "      " };
            lines.push(Line::styled(format!("{indent}{row}"), theme.bad()));
        }
        if focused {
            for row in wrap(&format!("fix: {}", problem.fix), width.saturating_sub(6)) {
                lines.push(Line::styled(format!("      {row}"), theme.warn()));
            }
        }
    }
    lines
}

fn focused_help(app: &App, width: usize) -> Vec<String> {
    match app.focused() {
        Some(Item::Field(id)) => {
            let field = field(id);
            let mut text = wrap(field.help, width);
            if id == FieldId::Route
                && let Some(hint) = app
                    .answers
                    .text(FieldId::Proxy)
                    .and_then(|proxy| crate::domain::teleport::ProxyAddress::parse(proxy).ok())
                    .and_then(|proxy| crate::routes::private_proxy(proxy.host()))
            {
                text.extend(wrap(&format!("hint: {hint}"), width));
            }
            text.push(format!("answers.yaml: {}", field.key));
            text
        }
        Some(Item::ThumbprintSource) => wrap(
            "AWS pins the last certificate the proxy sends. Teleport's endpoint and the chain disagree when TLS is terminated in front of the proxy; choose by hand then.",
            width,
        ),
        None => Vec::new(),
    }
}

/// The name column, the value spans, and the cursor's column in the value when editing.
fn item_value(
    app: &App,
    item: Item,
    focused: bool,
    width: usize,
    theme: Theme,
) -> (&'static str, Vec<Span<'static>>, Option<usize>) {
    let id = match item {
        Item::ThumbprintSource => {
            let text = app.thumbprint_source.describe();
            let spans = if focused {
                vec![Span::styled(format!("◂ {text} ▸"), theme.accent())]
            } else {
                vec![Span::raw(text)]
            };
            return ("use", spans, None);
        }
        Item::Field(id) => id,
    };
    let field = field(id);
    let name = field.name();
    let default = app.default_of(id);
    let placeholder = |text: String| Span::styled(text, theme.dim());
    let missing = || match field.default {
        FieldDefault::Optional(when_empty) => when_empty,
        _ => "required",
    };
    match field.kind {
        FieldKind::Text | FieldKind::List if focused => {
            let (shown, column) = app.editor.window(width);
            let mut spans = vec![Span::styled(shown, theme.accent())];
            if app.editor.text().is_empty() {
                spans.push(placeholder(match default {
                    Some(default) => format!("{default} (default)"),
                    None => missing().to_owned(),
                }));
            }
            (name, spans, Some(column))
        }
        FieldKind::Text | FieldKind::List => {
            let spans = match (app.answers.line(id), default) {
                (Some(text), _) => vec![Span::raw(truncate(&text, width))],
                (None, Some(default)) => {
                    vec![placeholder(truncate(
                        &format!("{default} (default)"),
                        width,
                    ))]
                }
                (None, None) => vec![placeholder(missing().to_owned())],
            };
            (name, spans, None)
        }
        FieldKind::Choice(_) | FieldKind::Flag => {
            let given = match field.kind {
                FieldKind::Flag => app.answers.flag(id).map(yes_no),
                _ => app.answers.text(id).map(str::to_owned),
            };
            let value = given.clone().or_else(|| match field.kind {
                FieldKind::Flag => app.assessment.default_flag(id).map(yes_no),
                _ => default.map(str::to_owned),
            });
            let value = value.unwrap_or_default();
            let spans = if focused {
                vec![Span::styled(format!("◂ {value} ▸"), theme.accent())]
            } else if given.is_none() {
                vec![placeholder(format!("{value} (default)"))]
            } else {
                vec![Span::raw(value)]
            };
            (name, spans, None)
        }
    }
}

fn yes_no(flag: bool) -> String {
    if flag { "yes" } else { "no" }.to_owned()
}

/// What a step shows under its fields: discovery, the SPIFFE ID, the thumbprints compared.
fn step_info(app: &App, step: Step, width: usize, theme: Theme) -> Vec<Line<'static>> {
    let mut info = Info {
        lines: Vec::new(),
        width,
    };
    match step {
        Step::Cluster => cluster_info(app, &mut info, theme),
        Step::Spiffe => spiffe_info(app, &mut info, theme),
        Step::Thumbprint => thumbprint_info(app, &mut info, theme),
        Step::Aws => {}
        Step::Teleport => {
            if let Ok(plan) = &app.assessment.result {
                let workload = &plan.workload;
                let generation = format!(
                    "Generation  {} ({})",
                    workload.api.id(),
                    workload.api_reason
                );
                info.wrapped(&generation, theme.dim());
            }
        }
        Step::Tbot => {
            if let Ok(plan) = &app.assessment.result {
                info.pair("Token file  ", plan.token_file(), theme);
                info.pair("Role        ", plan.role_arn(), theme);
            }
        }
    }
    info.lines
}

/// Lines of a step's information, wrapped to the pane.
struct Info {
    lines: Vec<Line<'static>>,
    width: usize,
}

impl Info {
    fn wrapped(&mut self, text: &str, style: Style) {
        for row in wrap(text, self.width) {
            self.lines.push(Line::styled(row, style));
        }
    }

    /// A dim label and its value.
    fn pair(&mut self, label: &'static str, value: String, theme: Theme) {
        self.lines.push(Line::from(vec![
            Span::styled(label, theme.dim()),
            Span::raw(value),
        ]));
    }
}

fn cluster_info(app: &App, info: &mut Info, theme: Theme) {
    let Some(discovery) = &app.discovery else {
        return info.wrapped(
            "The proxy is asked for its cluster name, version and thumbprint when you leave its field.",
            theme.dim(),
        );
    };
    match &discovery.state {
        DiscoveryState::Running => info.wrapped(
            &format!(
                "{} Asking {} for its cluster name, version and thumbprint…",
                spinner(app),
                discovery.proxy
            ),
            theme.accent(),
        ),
        DiscoveryState::Found { findings, warnings } => {
            for (index, (holds, line)) in findings.summary().into_iter().enumerate() {
                match (index, holds) {
                    (0, _) => info.wrapped(&format!("✓ {}: {line}", discovery.proxy), theme.ok()),
                    (_, true) => info.wrapped(&format!("  {line}"), theme.dim()),
                    (_, false) => info.wrapped(&format!("✗ {line}"), theme.bad()),
                }
            }
            for warning in warnings {
                info.wrapped(&format!("! {warning}"), theme.warn());
            }
        }
        DiscoveryState::Failed(reason) => {
            info.wrapped(
                &format!("✗ Could not ask {}: {reason}", discovery.proxy),
                theme.bad(),
            );
            info.wrapped(
                "Going on offline: type the cluster name; Ctrl-R asks again.",
                theme.dim(),
            );
        }
    }
}

fn spiffe_info(app: &App, info: &mut Info, theme: Theme) {
    let trust_domain = app
        .answers
        .text(FieldId::ClusterName)
        .or(app.default_of(FieldId::ClusterName))
        .unwrap_or("?");
    info.lines.push(Line::from(vec![
        Span::styled("Trust domain  ", theme.dim()),
        Span::raw(trust_domain.to_owned()),
        Span::styled(" (the cluster name)", theme.dim()),
    ]));
    info.lines.push(Line::from(vec![
        Span::styled("SPIFFE ID     ", theme.dim()),
        match crate::answers::plan::spiffe_id_preview(&app.answers) {
            Some(id) => Span::styled(id, theme.ok().add_modifier(Modifier::BOLD)),
            None => Span::styled("(type a valid path)", theme.dim()),
        },
    ]));
}

fn thumbprint_info(app: &App, info: &mut Info, theme: Theme) {
    const OFFLINE: &str = "Offline: take it from `curl https://PROXY/webapi/thumbprint`, or leave it empty when the proxy's certificate comes from a public CA.";
    let Some(discovery) = &app.discovery else {
        return info.wrapped(OFFLINE, theme.dim());
    };
    match &discovery.state {
        DiscoveryState::Found { findings, .. } => {
            let same = findings.teleport_thumbprint == findings.chain_thumbprint;
            info.lines.push(Line::from(vec![
                Span::styled("TLS chain ", theme.dim()),
                Span::raw(findings.chain_thumbprint.clone()),
                Span::styled(" (last sent)", theme.dim()),
            ]));
            info.lines.push(Line::from(vec![
                Span::styled("Teleport  ", theme.dim()),
                Span::raw(findings.teleport_thumbprint.clone()),
                if same {
                    Span::styled(" ✓ same", theme.ok())
                } else {
                    Span::styled(" ✗ differs", theme.bad())
                },
            ]));
            if let Some(check) = findings.checks.iter().find(|c| c.id == CheckId::Thumbprint) {
                let style = if check.ok() {
                    theme.dim()
                } else {
                    theme.warn()
                };
                info.wrapped(&check.detail, style);
            }
        }
        DiscoveryState::Running => info.wrapped(
            &format!(
                "{} Still asking {}; type thumbprints by hand meanwhile, or wait.",
                spinner(app),
                discovery.proxy
            ),
            theme.accent(),
        ),
        DiscoveryState::Failed(_) => info.wrapped(OFFLINE, theme.dim()),
    }
}

fn outcome_mark(planned: &Planned) -> &'static str {
    match (planned.outcome, planned.overwrites) {
        (Outcome::Created, _) => "+",
        (Outcome::Updated, true) => "!",
        (Outcome::Updated, false) => "~",
        (Outcome::Unchanged, _) => "=",
    }
}

fn draw_review(app: &App, review: &Review, frame: &mut Frame, area: Rect, theme: Theme) {
    let width = usize::from(area.width);
    let grid = review_grid(review, width, theme);
    let notes: Vec<Line> = review_notes(review, width)
        .into_iter()
        .map(|(text, bad)| Line::styled(text, if bad { theme.bad() } else { theme.warn() }))
        .collect();
    let [summary_area, grid_area, notes_area, preview_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(grid.len() as u16),
        Constraint::Length(notes.len() as u16),
        Constraint::Min(3),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(review_summary(app, review, theme)),
        summary_area,
    );
    frame.render_widget(Paragraph::new(grid), grid_area);
    frame.render_widget(Paragraph::new(notes), notes_area);
    draw_preview(review, frame, preview_area, theme);
}

/// How the files compare with the disk, in one line.
fn review_summary(app: &App, review: &Review, theme: Theme) -> Line<'static> {
    match &review.planned {
        None => Line::styled(
            format!("{} Comparing with {}…", spinner(app), app.out().display()),
            theme.accent(),
        ),
        Some(Err(problem)) => Line::styled(
            format!("✗ Cannot read {}: {problem}", app.out().display()),
            theme.bad(),
        ),
        Some(Ok(planned)) => {
            let count = |wanted: &[&str]| {
                planned
                    .iter()
                    .filter(|p| wanted.contains(&outcome_mark(p)))
                    .count()
            };
            Line::from(vec![
                Span::raw(format!(
                    "{} files in {}: ",
                    planned.len(),
                    app.out().display()
                )),
                Span::styled(format!("+{} new", count(&["+"])), theme.ok()),
                Span::raw(" · "),
                Span::styled(format!("~{} changed", count(&["~", "!"])), theme.warn()),
                Span::raw(" · "),
                Span::styled(format!("={} unchanged", count(&["="])), theme.dim()),
            ])
        }
    }
}

/// The files in columns, each with its mark; the selected one highlighted.
fn review_grid(review: &Review, width: usize, theme: Theme) -> Vec<Line<'static>> {
    let planned = match &review.planned {
        Some(Ok(planned)) => Some(planned.as_slice()),
        _ => None,
    };
    let columns = review_columns(width);
    let rows = review.artifacts.len().div_ceil(columns);
    let cell = width / columns;
    let mut grid: Vec<Line> = Vec::new();
    for row in 0..rows {
        let mut spans = Vec::new();
        for column in 0..columns {
            let index = column * rows + row;
            let Some(artifact) = review.artifacts.get(index) else {
                continue;
            };
            let mark = planned.and_then(|p| p.get(index)).map_or(" ", outcome_mark);
            let pointer = if index == review.selected { "▸" } else { " " };
            let text = format!(
                "{pointer}{mark} {:<w$}",
                artifact.path,
                w = cell.saturating_sub(3)
            );
            let style = if index == review.selected {
                theme.selected()
            } else if mark == "!" {
                theme.bad()
            } else {
                Style::new()
            };
            spans.push(Span::styled(truncate(&text, cell), style));
        }
        grid.push(Line::from(spans));
    }
    grid
}

/// The selected file's text, scrolled.
fn draw_preview(review: &Review, frame: &mut Frame, area: Rect, theme: Theme) {
    let Some(artifact) = review.artifacts.get(review.selected) else {
        return;
    };
    let total = artifact.contents.lines().count();
    let height = usize::from(area.height.saturating_sub(1));
    let first = review.scroll.min(total.saturating_sub(height));
    let last = (first + height).min(total);
    let block = Block::new().borders(Borders::TOP).title(Span::styled(
        format!(
            " {} · lines {}–{last} of {total} ",
            artifact.path,
            first + 1
        ),
        theme.bold(),
    ));
    let text: Vec<Line> = artifact
        .contents
        .lines()
        .skip(first)
        .take(height)
        .map(|line| Line::raw(line.replace('\t', "    ")))
        .collect();
    frame.render_widget(Paragraph::new(text).block(block), area);
}

fn draw_write(
    app: &App,
    review: &Review,
    writing: &Progress<Vec<Planned>>,
    frame: &mut Frame,
    area: Rect,
    theme: Theme,
) {
    let planned = match &review.planned {
        Some(Ok(planned)) => planned.as_slice(),
        _ => &[],
    };
    let width = usize::from(area.width);
    let lines = match writing {
        Progress::Running => vec![Line::styled(
            format!("{} Writing {} files…", spinner(app), planned.len()),
            theme.accent(),
        )],
        Progress::Finished(Err(problem)) => {
            let mut lines: Vec<Line> = wrap(&format!("✗ Writing failed: {problem}"), width)
                .into_iter()
                .map(|row| Line::styled(row, theme.bad()))
                .collect();
            lines.push(Line::raw(
                "Files written before the failure are complete (each is replaced atomically).",
            ));
            lines
        }
        _ => write_question(app, review, planned, width, theme),
    };
    frame.render_widget(Paragraph::new(lines), area);
}

/// The files and what writing will do to each, then what Enter does.
fn write_question(
    app: &App,
    review: &Review,
    planned: &[Planned],
    width: usize,
    theme: Theme,
) -> Vec<Line<'static>> {
    let settings = &app.settings;
    let question = match settings.dry_run {
        true => format!(
            "Dry run: {} files would be written to {}",
            planned.len(),
            app.out().display()
        ),
        false => format!("Write {} files to {}?", planned.len(), app.out().display()),
    };
    let mut lines = vec![Line::styled(question, theme.bold()), Line::raw("")];
    for file in planned {
        let (word, style) = match (file.outcome, file.overwrites) {
            (Outcome::Created, _) => ("create", theme.ok()),
            (Outcome::Updated, true) => ("replace", theme.bad()),
            (Outcome::Updated, false) => ("chmod", theme.warn()),
            (Outcome::Unchanged, _) => ("keep", theme.dim()),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {word:<8} "), style),
            Span::raw(file.path.clone()),
        ]));
    }
    lines.push(Line::raw(""));
    let overwrites = review.overwrites();
    let notes = if settings.dry_run {
        vec!["--dry-run: nothing is written; Enter leaves.".to_owned()]
    } else if !overwrites.is_empty() && !settings.force {
        let warning = format!(
            "{} file(s) there differ from what would be written. F replaces them; Esc keeps them and writes nothing.",
            overwrites.len()
        );
        lines.extend(
            wrap(&warning, width)
                .into_iter()
                .map(|row| Line::styled(row, theme.bad())),
        );
        Vec::new()
    } else {
        vec![
            "Each file is written to a temporary file, then renamed into place.".to_owned(),
            "answers.yaml is saved with them, to replay with --answers-file.".to_owned(),
        ]
    };
    if !settings.dry_run {
        let profile = format!(
            "[{}] p  also add the AWS profile to ~/.aws/config",
            if app.install_profile { "x" } else { " " },
        );
        lines.push(Line::styled(profile, theme.accent()));
    }
    lines.extend(notes.into_iter().map(Line::raw));
    lines
}

fn draw_verify(
    app: &App,
    verification: &Verification,
    frame: &mut Frame,
    area: Rect,
    theme: Theme,
) {
    let mut lines = vec![Line::styled(
        crate::artifacts::pipeline::written_summary(app.out(), &verification.written),
        theme.dim(),
    )];
    match &verification.report {
        Progress::NotStarted => {}
        Progress::Running => lines.push(Line::styled(
            format!(
                "{} Issuing a JWT SVID and checking every file as AWS STS would…",
                spinner(app)
            ),
            theme.accent(),
        )),
        Progress::Finished(Err(problem)) => {
            for row in wrap(
                &format!("✗ verify could not run: {problem}"),
                usize::from(area.width),
            ) {
                lines.push(Line::styled(row, theme.bad()));
            }
        }
        Progress::Finished(Ok(report)) => {
            let rows = verify_rows(report, usize::from(area.width));
            let height = usize::from(area.height).saturating_sub(lines.len() + 1);
            let summary_style = if report.passed() {
                theme.ok().add_modifier(Modifier::BOLD)
            } else {
                theme.bad()
            };
            for row in rows.iter().skip(verification.scroll).take(height) {
                lines.push(checklist_row(row, theme));
            }
            lines.push(Line::styled(report.summary(), summary_style));
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// A checklist row, its mark coloured by the check's status.
fn checklist_row(row: &ChecklistRow, theme: Theme) -> Line<'static> {
    let style = match row.status {
        None => Style::new(),
        Some(Status::Pass) => theme.ok(),
        Some(Status::Warn) => theme.warn(),
        Some(Status::Skipped) => theme.dim(),
        Some(Status::Fail) => theme.bad(),
    };
    Line::from(vec![
        Span::styled(row.lead.clone(), style),
        Span::raw(row.text.clone()),
    ])
}

/// The closing words, also printed on the normal screen after the wizard ends.
pub fn done_lines(app: &App, verification: &Verification) -> Vec<String> {
    let verdict = match &verification.report {
        Progress::Finished(Ok(report)) if report.passed() => {
            "✓ The files fit together: every verify check passed.".to_owned()
        }
        Progress::Finished(Ok(report)) => format!(
            "✗ {} verify check(s) failed: Esc goes back to fix the answers, then write again.",
            report.failed().count()
        ),
        Progress::NotStarted => format!(
            "Written, not verified (--no-verify): wi-aws verify --out {} proves the files.",
            app.out().display()
        ),
        _ => "✗ verify did not run to the end.".to_owned(),
    };
    let mut lines = vec![verdict];
    match &app.profiles {
        None => {}
        Some(Ok(said)) => lines.extend(said.iter().cloned()),
        Some(Err(error)) => lines.push(format!("✗ profile: {error}")),
    }
    lines.push(String::new());
    lines.extend(crate::artifacts::pipeline::next_steps(
        app.out(),
        &verification.artifacts,
    ));
    lines
}

fn draw_done(app: &App, verification: &Verification, frame: &mut Frame, area: Rect, theme: Theme) {
    let lines: Vec<Line> = done_lines(app, verification)
        .into_iter()
        .enumerate()
        .map(|(index, line)| match index {
            0 if line.starts_with('✓') => {
                Line::styled(line, theme.ok().add_modifier(Modifier::BOLD))
            }
            0 => Line::styled(line, theme.bad()),
            _ => Line::raw(line),
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn footer_keys(app: &App) -> String {
    if let Some(overlay) = &app.overlay {
        return match overlay {
            Overlay::Help => "any key closes the help".into(),
            Overlay::Quit { .. } => "s save and leave · y leave without saving · n stay".into(),
        };
    }
    match &app.screen {
        Screen::Ask(_) => match app.focused() {
            Some(Item::Field(id))
                if matches!(field(id).kind, FieldKind::Text | FieldKind::List) =>
            {
                "Tab/↑↓ field · Enter continue · Esc back · ? help · Ctrl-C quit".into()
            }
            _ => "←→ change · Tab/↑↓ field · Enter continue · Esc back · ? help · q quit".into(),
        },
        Screen::Workloads { .. } => {
            "↑↓ workload · Enter review · a add · e edit · d duplicate · x remove · Esc back · q quit".into()
        }
        Screen::Review(_) => {
            "↑↓ file · PgUp/PgDn scroll · Enter continue · Esc back · q quit".into()
        }
        Screen::Write { .. } if app.settings.dry_run => "Enter leave · Esc back · q quit".into(),
        Screen::Write { review, .. } if !review.overwrites().is_empty() && !app.settings.force => {
            "F replace and write · Esc back · q quit".into()
        }
        Screen::Write { .. } => "Enter write · p profile too · Esc back · q quit".into(),
        Screen::Verify(_) => "↑↓ scroll · Enter continue · Esc back to the review · q quit".into(),
        Screen::Done(_) => "Enter or q exit · Esc back".into(),
    }
}

/// A box in the middle of the screen.
fn popup(frame: &mut Frame, width: u16, height: u16) -> Rect {
    let area = frame.area();
    let area = area.centered(
        Constraint::Length(width.min(area.width)),
        Constraint::Length(height.min(area.height)),
    );
    frame.render_widget(Clear, area);
    area
}

const KEYS: &[(&str, &str)] = &[
    ("Tab ↓ / Shift-Tab ↑", "next / previous field"),
    ("← →  Space", "change a choice"),
    ("Enter", "continue to the next step"),
    ("Esc", "back one step"),
    ("Ctrl-U  Ctrl-W", "clear the field / delete a word"),
    ("Ctrl-R", "ask the proxy again (Cluster)"),
    ("PgUp PgDn", "scroll the preview"),
    ("q  Ctrl-C", "leave (asks when answers are unsaved)"),
];

fn draw_help(app: &App, frame: &mut Frame, theme: Theme) {
    let area = popup(frame, 70, 18);
    let block = Block::bordered().title(Span::styled(" Help ", theme.bold()));
    let inner_width = usize::from(area.width.saturating_sub(2));
    let mut lines: Vec<Line> = KEYS
        .iter()
        .map(|(keys, what)| {
            Line::from(vec![
                Span::styled(format!(" {keys:<20}"), theme.accent()),
                Span::raw(*what),
            ])
        })
        .collect();
    if let Some(Item::Field(id)) = app.focused() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!(" {} ({})", field(id).label, field(id).key),
            theme.bold(),
        ));
        for row in wrap(field(id).help, inner_width.saturating_sub(2)) {
            lines.push(Line::raw(format!(" {row}")));
        }
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn draw_quit(app: &App, saving: bool, problem: Option<&str>, frame: &mut Frame, theme: Theme) {
    let area = popup(frame, 64, 9);
    let block = Block::bordered().title(Span::styled(" Leave the wizard? ", theme.bold()));
    let written = app.screen.verification().is_some();
    let mut lines = vec![
        Line::raw(if written {
            " The files are written; your answers changed since are not saved."
        } else {
            " Nothing has been written. Your answers are not saved."
        }),
        Line::raw(""),
    ];
    if saving {
        lines.push(Line::styled(
            format!(" {} Saving…", spinner(app)),
            theme.accent(),
        ));
    } else {
        lines.push(Line::from(vec![
            Span::styled(" s ", theme.accent()),
            Span::raw(format!("save them to {PARTIAL_ANSWERS} and leave")),
        ]));
        lines.push(Line::from(vec![
            Span::styled(" y ", theme.accent()),
            Span::raw("leave without saving"),
        ]));
        lines.push(Line::from(vec![
            Span::styled(" n ", theme.accent()),
            Span::raw("stay (also Esc)"),
        ]));
    }
    if let Some(problem) = problem {
        for row in wrap(&format!("✗ {problem}"), 60) {
            lines.push(Line::styled(format!(" {row}"), theme.bad()));
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
