//! The layout both sides of the wizard need: the view to draw, the update to page by what the
//! screen really shows. Pure functions of the state and the terminal's size.

use super::model::{App, Review};
use crate::verify::{ChecklistRow, Report};

/// Smallest terminal the layout is made for.
pub const MIN_SIZE: (u16, u16) = (60, 16);
pub const SIDEBAR_WIDTH: u16 = 14;

/// Wraps at spaces to `width` columns; a word longer than the width (an ARN, a URL) is
/// broken across lines rather than cut.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        let used = line.chars().count();
        if used > 0 && used + 1 + word.len() > width {
            if word.len() <= width {
                lines.push(std::mem::take(&mut line));
            } else if used + 1 < width {
                // Fill the rest of this line with the start of the long word.
                line.push(' ');
                let room = width - used - 1;
                line.extend(word.drain(..room));
                lines.push(std::mem::take(&mut line));
            } else {
                lines.push(std::mem::take(&mut line));
            }
        } else if used > 0 {
            line.push(' ');
        }
        while word.len() > width {
            lines.push(word.drain(..width).collect());
        }
        line.extend(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

pub fn review_columns(width: usize) -> usize {
    if width >= 64 { 2 } else { 1 }
}

/// What the review says above the preview (files that would be replaced, the plan's warnings),
/// at most 3 rows; `true` marks a replacement.
pub fn review_notes(review: &Review, width: usize) -> Vec<(String, bool)> {
    let mut notes = vec![(truncate(&review.generation, width), false)];
    let overwrites = review.overwrites();
    if !overwrites.is_empty() {
        notes.push((
            truncate(
                &format!(
                    "! {} file(s) there differ and would be replaced: {}",
                    overwrites.len(),
                    overwrites.join(", ")
                ),
                width,
            ),
            true,
        ));
    }
    for warning in &review.warnings {
        for row in wrap(&format!("! {warning}"), width) {
            notes.push((row, false));
        }
    }
    notes.truncate(3);
    notes
}

/// Rows of file text the review shows on this terminal (as `draw_review` lays it out): a page.
pub fn review_preview_rows(app: &App) -> usize {
    let Some(review) = app.screen.review() else {
        return 1;
    };
    let width = main_width(app.viewport.0);
    let grid = review.artifacts.len().div_ceil(review_columns(width));
    let notes = review_notes(review, width).len();
    // Title, footer, status line and the pane's borders; then summary, grid, notes and the
    // preview's own top border.
    let pane = usize::from(app.viewport.1).saturating_sub(4 + usize::from(app.status.is_some()));
    pane.saturating_sub(1 + grid + notes + 1).max(1)
}

/// The checklist without its closing count, wrapped to `width`: a long detail continues under
/// itself, and only a check's first row carries its status.
pub fn verify_rows(report: &Report, width: usize) -> Vec<ChecklistRow> {
    let mut rows = Vec::new();
    for row in report.rows(|status| status.mark().to_owned()) {
        let indent = row.lead.chars().count();
        for (n, part) in wrap(&row.text, width.saturating_sub(indent))
            .into_iter()
            .enumerate()
        {
            rows.push(ChecklistRow {
                status: if n == 0 { row.status } else { None },
                lead: if n == 0 {
                    row.lead.clone()
                } else {
                    " ".repeat(indent)
                },
                text: part,
            });
        }
    }
    rows
}

/// Rows of checklist the verify screen shows on this terminal: a page.
pub fn checklist_rows_visible(app: &App) -> usize {
    // Title, footer, status line and the pane's borders; then the written line and the count.
    let pane = usize::from(app.viewport.1).saturating_sub(4 + usize::from(app.status.is_some()));
    pane.saturating_sub(2).max(1)
}

/// The main pane's inner width on a terminal `width` columns wide.
pub fn main_width(width: u16) -> usize {
    usize::from(width.saturating_sub(SIDEBAR_WIDTH + 2))
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_words_and_breaks_long_ones() {
        assert_eq!(wrap("one two three", 8), ["one two", "three"]);
        assert_eq!(
            wrap("arn: arn:aws:iam::123456789012:role/x", 12),
            ["arn: arn:aws", ":iam::123456", "789012:role/", "x"]
        );
        assert!(wrap("   ", 10).is_empty());
        for line in wrap(&"word ".repeat(50), 17) {
            assert!(line.chars().count() <= 17, "{line:?}");
        }
    }
}
