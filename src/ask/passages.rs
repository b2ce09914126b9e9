//! Material files → passages: one passage per paragraph (or list), each with its file, the
//! heading it sits under and the line it starts on, so every answer can name its source.
//!
//! Markdown is split line by line (ATX `#` headings, blank-line paragraphs, fenced code kept
//! as text); only headings, paragraphs and lines matter here, so a full CommonMark parser would
//! add a dependency without changing a passage. HTML is read by a small tag scanner: `h1`–`h6`
//! start sections, block tags end paragraphs, `script`/`style`/`title` are dropped, entities
//! decoded.
//! Plain text: blank-line paragraphs under no heading (the source is the line).

use serde::Serialize;

use crate::curriculum::material::{Doc, Format, GlossaryEntry};

/// The file name glossary passages are shown under.
pub const GLOSSARY_FILE: &str = "glossary";

/// One retrievable piece of material.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Passage {
    /// The material path as the course lists it, or [`GLOSSARY_FILE`].
    pub file: String,
    /// The innermost heading above it ("" when there is none).
    pub heading: String,
    /// 1-based line of its first line in the file (0 for glossary entries).
    pub line: usize,
    pub text: String,
}

/// Splits one material file into passages.
pub fn split(doc: &Doc) -> Vec<Passage> {
    let blocks = match doc.format {
        Format::Markdown => markdown(&doc.text, true),
        Format::Text => markdown(&doc.text, false),
        Format::Html => html(&doc.text),
    };
    blocks
        .into_iter()
        .filter(|(_, _, t)| !t.trim().is_empty())
        .map(|(heading, line, text)| Passage {
            file: doc.path.clone(),
            heading,
            line,
            text,
        })
        .collect()
}

/// One passage per glossary entry.
pub fn glossary(entries: &[GlossaryEntry]) -> Vec<Passage> {
    entries
        .iter()
        .map(|g| Passage {
            file: GLOSSARY_FILE.to_string(),
            heading: g.term.clone(),
            line: 0,
            text: format!("{}: {}", g.term, g.definition.trim()),
        })
        .collect()
}

type Block = (String, usize, String);

fn markdown(text: &str, headings: bool) -> Vec<Block> {
    let mut out = Vec::new();
    let mut heading = String::new();
    let mut para: Vec<&str> = Vec::new();
    let mut start = 0;
    let mut fence = false;
    let flush = |out: &mut Vec<Block>, para: &mut Vec<&str>, heading: &str, start: usize| {
        if !para.is_empty() {
            out.push((heading.to_string(), start, strip_inline(&para.join("\n"))));
            para.clear();
        }
    };
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if headings && (t.starts_with("```") || t.starts_with("~~~")) {
            fence = !fence;
            continue;
        }
        if headings && !fence && t.starts_with('#') {
            let level = t.chars().take_while(|&c| c == '#').count();
            let rest = &t[level..];
            if level <= 6 && (rest.is_empty() || rest.starts_with(' ')) {
                flush(&mut out, &mut para, &heading, start);
                heading = strip_inline(rest.trim().trim_end_matches('#').trim());
                continue;
            }
        }
        if t.is_empty() && !fence {
            flush(&mut out, &mut para, &heading, start);
            continue;
        }
        if para.is_empty() {
            start = i + 1;
        }
        para.push(line);
    }
    flush(&mut out, &mut para, &heading, start);
    out
}

/// Markdown emphasis, code and link syntax removed: `**a**` → `a`, `[a](b)` → `a`.
fn strip_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' | '`' => {}
            '_' if out.ends_with(|p: char| !p.is_alphanumeric()) || out.is_empty() => {}
            '_' if chars.peek().is_none_or(|n| !n.is_alphanumeric()) => {}
            '[' => {
                let label: String = chars.by_ref().take_while(|&c| c != ']').collect();
                out.push_str(&label);
                if chars.peek() == Some(&'(') {
                    for c in chars.by_ref() {
                        if c == ')' {
                            break;
                        }
                    }
                }
            }
            _ => out.push(c),
        }
    }
    out
}

const BLOCK_TAGS: &[&str] = &[
    "p",
    "br",
    "div",
    "li",
    "ul",
    "ol",
    "tr",
    "table",
    "section",
    "article",
    "blockquote",
    "pre",
    "hr",
    "dd",
    "dt",
    "body",
    "header",
    "footer",
    "main",
];

fn html(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut heading = String::new();
    let mut buf = String::new();
    let mut start = 0;
    let mut in_heading = false;
    let mut line = 1;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            let Some(end) = rest.find('>') else {
                buf.push_str(rest);
                break;
            };
            let tag = &rest[1..end];
            line += tag.matches('\n').count();
            rest = &rest[end + 1..];
            let closing = tag.starts_with('/');
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            if !closing && matches!(name.as_str(), "script" | "style" | "title") {
                let close = format!("</{name}");
                let skip = rest.to_ascii_lowercase().find(&close).unwrap_or(rest.len());
                line += rest[..skip].matches('\n').count();
                rest = &rest[skip..];
                continue;
            }
            let is_heading = name.len() == 2
                && name.starts_with('h')
                && name[1..].chars().all(|c| ('1'..='6').contains(&c));
            if is_heading {
                if closing {
                    heading = decode_entities(buf.trim());
                    buf.clear();
                    in_heading = false;
                } else {
                    flush_html(&mut out, &mut buf, &heading, start);
                    in_heading = true;
                }
            } else if BLOCK_TAGS.contains(&name.as_str()) && !in_heading {
                flush_html(&mut out, &mut buf, &heading, start);
            }
            continue;
        }
        if c == '\n' {
            line += 1;
        }
        if c.is_whitespace() {
            if !buf.is_empty() && !buf.ends_with(' ') {
                buf.push(' ');
            }
        } else {
            if buf.is_empty() {
                start = line;
            }
            buf.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    flush_html(&mut out, &mut buf, &heading, start);
    out
}

fn flush_html(out: &mut Vec<Block>, buf: &mut String, heading: &str, start: usize) {
    let t = decode_entities(buf.trim());
    if !t.is_empty() {
        out.push((heading.to_string(), start, t));
    }
    buf.clear();
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest[..rest.len().min(12)].find(';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..end];
        let decoded = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => name
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(format: Format, text: &str) -> Doc {
        Doc {
            path: "m".into(),
            format,
            text: text.into(),
        }
    }

    #[test]
    fn markdown_paragraphs_keep_heading_and_line() {
        let p = split(&doc(
            Format::Markdown,
            "# Top\n\nFirst **bold** para\nstill first.\n\n## Sub\n\nSecond [link](x).\n",
        ));
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].heading.as_str(), p[0].line), ("Top", 3));
        assert_eq!(p[0].text, "First bold para\nstill first.");
        assert_eq!(
            (p[1].heading.as_str(), p[1].line, p[1].text.as_str()),
            ("Sub", 8, "Second link.")
        );
    }

    #[test]
    fn html_headings_paragraphs_entities() {
        let p = split(&doc(
            Format::Html,
            "<html><style>p{}</style><h2>Leaves &amp; light</h2>\n<p>Green\n<b>pigment</b>.</p><p>Two</p>",
        ));
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(p[0].heading, "Leaves & light");
        assert_eq!(p[0].text, "Green pigment.");
        assert_eq!(p[0].line, 2);
    }

    #[test]
    fn plain_text_has_no_headings() {
        let p = split(&doc(Format::Text, "# not a heading\n\nsecond"));
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].heading, "");
        assert_eq!(p[1].line, 3);
    }
}
