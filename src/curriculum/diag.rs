//! Diagnostics: `file:line:col: error: message`, with a short fix hint.

use std::fmt;

/// How bad a problem is. Warnings fail a file only under `--strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A 1-based line and column (columns count characters, as editors do).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

impl Pos {
    /// The position of byte `offset` in `text`.
    pub fn at(text: &str, offset: usize) -> Self {
        let offset = offset.min(text.len());
        let before = &text[..floor(text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Self {
            line,
            col: before[line_start..].chars().count() + 1,
        }
    }

    /// Line 1, column 1.
    pub const START: Self = Self { line: 1, col: 1 };
}

fn floor(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub file: String,
    pub pos: Pos,
    pub severity: Severity,
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {sev}: {}",
            self.file, self.pos.line, self.pos.col, self.message
        )?;
        if let Some(h) = &self.hint {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

/// Collects diagnostics for one file.
#[derive(Debug)]
pub struct Sink<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub diags: Vec<Diagnostic>,
    /// Byte offset of each line's start, so a position costs a binary search rather than a
    /// scan from the top (a large imported course has tens of thousands of keys).
    line_starts: Vec<usize>,
}

impl<'a> Sink<'a> {
    /// A sink for `file` whose contents are `text`.
    pub fn new(file: &'a str, text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            file,
            text,
            diags: Vec::new(),
            line_starts,
        }
    }

    /// The position of byte `offset` (as [`Pos::at`], without rescanning the text).
    fn pos_at(&self, offset: usize) -> Pos {
        let offset = floor(self.text, offset.min(self.text.len()));
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        Pos {
            line,
            col: self.text[start..offset].chars().count() + 1,
        }
    }

    /// The position of a span's start (1:1 when unknown).
    pub fn pos(&self, span: Option<std::ops::Range<usize>>) -> Pos {
        span.map_or(Pos::START, |s| self.pos_at(s.start))
    }

    fn push(&mut self, severity: Severity, pos: Pos, message: String, hint: Option<String>) {
        self.diags.push(Diagnostic {
            file: self.file.to_string(),
            pos,
            severity,
            message,
            hint,
        });
    }

    /// The position of a table header's span: the opening `[` of `[[name]]`.
    pub fn header_pos(&self, span: Option<std::ops::Range<usize>>) -> Pos {
        let Some(span) = span else { return Pos::START };
        let bytes = self.text.as_bytes();
        let mut i = span.start.min(bytes.len());
        while i > 0 && matches!(bytes[i - 1], b'[' | b' ' | b'\t') {
            i -= 1;
        }
        self.pos_at(i)
    }

    /// Records an error.
    pub fn error(&mut self, pos: Pos, message: impl Into<String>, hint: impl Into<Option<String>>) {
        self.push(Severity::Error, pos, message.into(), hint.into());
    }

    /// Records a warning.
    pub fn warn(&mut self, pos: Pos, message: impl Into<String>, hint: impl Into<Option<String>>) {
        self.push(Severity::Warning, pos, message.into(), hint.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters() {
        let t = "a = 1\nbé = \"x\"\n";
        assert_eq!(Pos::at(t, 0), Pos { line: 1, col: 1 });
        assert_eq!(Pos::at(t, 6), Pos { line: 2, col: 1 });
        let eq = t.find('=').unwrap();
        assert_eq!(Pos::at(t, eq), Pos { line: 1, col: 3 });
        let second_eq = t.rfind('=').unwrap();
        assert_eq!(Pos::at(t, second_eq), Pos { line: 2, col: 4 });
        let sink = Sink::new("f", t);
        for i in 0..=t.len() + 2 {
            assert_eq!(sink.pos(Some(i..i)), Pos::at(t, i), "offset {i}");
        }
    }
}
