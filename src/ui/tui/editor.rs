//! A one-line text editor: the buffer of the field under the cursor.
//!
//! The cursor counts characters, not bytes, so a pasted multi-byte character can never split.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Editor {
    text: String,
    /// In characters, `0..=len`.
    cursor: usize,
}

/// What a key did to the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Changed,
    Moved,
    Ignored,
}

impl Editor {
    /// A buffer holding `text`, the cursor at its end.
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            cursor: text.chars().count(),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(index, _)| index)
    }

    /// Inserts text at the cursor; line breaks and other control characters are dropped (a
    /// field is one line, and a pasted newline would otherwise end up in a file).
    pub fn insert(&mut self, text: &str) -> Edit {
        let clean: String = text.chars().filter(|c| !c.is_control()).collect();
        if clean.is_empty() {
            return Edit::Ignored;
        }
        let at = self.byte_at(self.cursor);
        self.text.insert_str(at, &clean);
        self.cursor += clean.chars().count();
        Edit::Changed
    }

    pub fn backspace(&mut self) -> Edit {
        if self.cursor == 0 {
            return Edit::Ignored;
        }
        self.cursor -= 1;
        let at = self.byte_at(self.cursor);
        self.text.remove(at);
        Edit::Changed
    }

    pub fn delete(&mut self) -> Edit {
        if self.cursor >= self.text.chars().count() {
            return Edit::Ignored;
        }
        let at = self.byte_at(self.cursor);
        self.text.remove(at);
        Edit::Changed
    }

    /// Ctrl-W: the word before the cursor, and the separators after it.
    pub fn delete_word(&mut self) -> Edit {
        let before: Vec<char> = self.text.chars().take(self.cursor).collect();
        let mut start = before.len();
        while start > 0 && is_separator(before[start - 1]) {
            start -= 1;
        }
        while start > 0 && !is_separator(before[start - 1]) {
            start -= 1;
        }
        if start == self.cursor {
            return Edit::Ignored;
        }
        let (from, to) = (self.byte_at(start), self.byte_at(self.cursor));
        self.text.replace_range(from..to, "");
        self.cursor = start;
        Edit::Changed
    }

    /// Ctrl-U: everything.
    pub fn clear(&mut self) -> Edit {
        if self.text.is_empty() {
            return Edit::Ignored;
        }
        self.text.clear();
        self.cursor = 0;
        Edit::Changed
    }

    pub fn left(&mut self) -> Edit {
        self.move_to(self.cursor.saturating_sub(1))
    }

    pub fn right(&mut self) -> Edit {
        self.move_to(self.cursor + 1)
    }

    pub fn home(&mut self) -> Edit {
        self.move_to(0)
    }

    pub fn end(&mut self) -> Edit {
        self.move_to(usize::MAX)
    }

    fn move_to(&mut self, cursor: usize) -> Edit {
        let cursor = cursor.min(self.text.chars().count());
        if cursor == self.cursor {
            return Edit::Ignored;
        }
        self.cursor = cursor;
        Edit::Moved
    }

    /// The part of the text to show in `width` columns so that the cursor stays visible, and
    /// the cursor's column in it.
    pub fn window(&self, width: usize) -> (String, usize) {
        let width = width.max(1);
        // One column is kept free for the cursor after the last character.
        let first = (self.cursor + 1).saturating_sub(width);
        let shown: String = self.text.chars().skip(first).take(width).collect();
        (shown, self.cursor - first)
    }
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '/' | ',' | '.' | '-' | ':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_at_the_cursor_by_character() {
        let mut editor = Editor::new("sts.amazonaws.com");
        editor.home();
        editor.right();
        editor.right();
        editor.right();
        assert_eq!(editor.insert("é"), Edit::Changed);
        assert_eq!(editor.text(), "stsé.amazonaws.com");
        assert_eq!(editor.backspace(), Edit::Changed);
        assert_eq!(editor.delete(), Edit::Changed);
        assert_eq!(editor.text(), "stsamazonaws.com");
        assert_eq!(editor.left(), Edit::Moved);
        editor.home();
        assert_eq!(editor.left(), Edit::Ignored);
        assert_eq!(editor.backspace(), Edit::Ignored);
        editor.end();
        assert_eq!(editor.delete(), Edit::Ignored);
    }

    #[test]
    fn pasted_line_breaks_are_dropped() {
        let mut editor = Editor::new("");
        editor.insert("example.\nteleport.sh\r\n");
        assert_eq!(editor.text(), "example.teleport.sh");
        assert_eq!(editor.insert("\n"), Edit::Ignored);
    }

    #[test]
    fn deletes_words_and_lines() {
        let mut editor = Editor::new("/svc/example-service");
        editor.delete_word();
        assert_eq!(editor.text(), "/svc/example-");
        editor.delete_word();
        assert_eq!(editor.text(), "/svc/");
        editor.clear();
        assert_eq!((editor.text(), editor.cursor()), ("", 0));
        assert_eq!(editor.delete_word(), Edit::Ignored);
    }

    #[test]
    fn the_window_follows_the_cursor() {
        let editor = Editor::new("abcdefghij");
        assert_eq!(editor.window(4), ("hij".to_owned(), 3));
        let mut editor = Editor::new("abcdefghij");
        editor.home();
        assert_eq!(editor.window(4), ("abcd".to_owned(), 0));
        assert_eq!(Editor::new("ab").window(10), ("ab".to_owned(), 2));
    }
}
