//! Moodle GIFT, read the way Moodle's own importer (`question/format/gift/format.php`) reads it:
//! questions separated by blank lines, `//` comment lines, `$CATEGORY:` lines, `::name::`,
//! `[html]`/`[markdown]`/`[plain]`/`[moodle]` text formats, the escapes `\~ \= \# \{ \} \: \n \\`,
//! `%50%` weights, `#feedback` per answer, `####` general feedback, numeric `{#3.5:0.1}`,
//! `{#1..5}` and several `=` answers, `{T}`/`{FALSE#wrong#right}`, short answers `{=a =b}`,
//! multiple choice (with Moodle's `~=` quirk: `=` anywhere counts as right), missing-word blanks
//! (`_____`), and the types the course format cannot hold yet (matching, essays, embedded
//! Cloze), which are reported.

use super::{Answer, Gap, Item, NumAnswer, NumValue, Origin, Source, Weighted, text};

// Placeholders for escaped control characters (Unicode private use area).
const ESCAPES: &[(&str, char, char)] = &[
    ("\\:", '\u{e001}', ':'),
    ("\\#", '\u{e002}', '#'),
    ("\\=", '\u{e003}', '='),
    ("\\{", '\u{e004}', '{'),
    ("\\}", '\u{e005}', '}'),
    ("\\~", '\u{e006}', '~'),
    ("\\n", '\u{e007}', '\n'),
];
const BACKSLASH: char = '\u{e000}';

/// Reads one GIFT file.
pub fn read(file: &str, content: &str) -> Source {
    let mut src = Source::new(file);
    let stem = std::path::Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("questions");
    let default_section = text::humanize(stem);
    src.title = Some(default_section.clone());
    let mut section = default_section;
    for (line, block) in blocks(content) {
        let origin = Origin::line(file, line);
        let escaped = escape(block.trim());
        if let Some(cat) = escaped.strip_prefix("$CATEGORY:") {
            section = category_title(&unescape(cat));
            continue;
        }
        read_question(&mut src, &section, origin, &escaped);
    }
    src
}

/// Question blocks with the line each starts on: runs of lines separated by blank lines, with
/// comment lines removed; a block whose `{` is not closed yet continues past blank lines.
fn blocks(content: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    for (i, raw) in content.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let t = line.trim();
        if t.starts_with("//") {
            continue;
        }
        if t.is_empty() {
            let open = escape(&cur);
            if !cur.trim().is_empty() && open.matches('{').count() <= open.matches('}').count() {
                out.push((start, std::mem::take(&mut cur)));
            }
            continue;
        }
        if cur.trim().is_empty() {
            start = i + 1;
            cur.clear();
        }
        cur.push_str(line);
        cur.push('\n');
    }
    if !cur.trim().is_empty() {
        out.push((start, cur));
    }
    out
}

fn escape(s: &str) -> String {
    let mut s = s.replace("\\\\", &BACKSLASH.to_string());
    for (from, ph, _) in ESCAPES {
        s = s.replace(from, &ph.to_string());
    }
    s
}

fn unescape(s: &str) -> String {
    let mut s = s.replace(BACKSLASH, "\\");
    for (_, ph, to) in ESCAPES {
        s = s.replace(*ph, &to.to_string());
    }
    s
}

/// `$course$/top/Default for X/Algebra` → `Algebra`.
fn category_title(cat: &str) -> String {
    cat.split('/')
        .map(str::trim)
        .rfind(|p| !p.is_empty() && !p.starts_with('$') && *p != "top")
        .map_or_else(|| "Questions".to_string(), str::to_string)
}

/// Text with its optional `[format]` prefix turned into plain text (escapes restored).
fn format_text(s: &str, default: &str) -> (String, String, Vec<String>) {
    let s = s.trim();
    let (fmt, body) = match s.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((f, b)) if ["html", "markdown", "plain", "moodle"].contains(&f) => (f.to_string(), b),
        _ => (default.to_string(), s),
    };
    let body = unescape(body);
    let (out, images) = match fmt.as_str() {
        "html" | "moodle" => text::html_to_text(&body),
        "markdown" => (
            text::tidy(&body.replace("**", "").replace("__", "")),
            Vec::new(),
        ),
        _ => (text::tidy(&body), Vec::new()),
    };
    (out, fmt, images)
}

/// `%50%rest` → (50, rest).
fn weight(s: &str) -> (Option<f64>, &str) {
    let t = s.trim_start();
    if let Some(r) = t.strip_prefix('%')
        && let Some((w, rest)) = r.split_once('%')
        && let Ok(v) = w.trim().parse::<f64>()
    {
        return (Some(v), rest);
    }
    (None, t)
}

/// `answer#feedback` → (answer, feedback).
fn comment(s: &str) -> (&str, &str) {
    match s.split_once('#') {
        Some((a, f)) => (a.trim(), f.trim()),
        None => (s.trim(), ""),
    }
}

fn read_question(src: &mut Source, section: &str, origin: Origin, text: &str) {
    let mut text = text.trim().to_string();
    let mut name = None;
    if let Some(rest) = text.strip_prefix("::")
        && let Some((n, body)) = rest.split_once("::")
    {
        name = Some(unescape(n).trim().to_string());
        text = body.trim().to_string();
    }
    let (open, close) = (text.find('{'), text.find('}'));
    let (start, end) = match (open, close) {
        (None, None) => {
            // A description: background text for the section.
            let (t, _, _) = format_text(&text, "moodle");
            if !t.is_empty() {
                src.section(section).notes.push(t);
            }
            return;
        }
        (Some(s), Some(e)) if e > s => (s, e),
        _ => {
            let (t, _, _) = format_text(&text, "moodle");
            src.skip(
                origin,
                &t,
                Gap::Unreadable,
                "unbalanced { } around the answers",
            );
            return;
        }
    };
    let mut answer = text[start + 1..end].trim().to_string();
    let after = text[end + 1..].trim();
    let question_raw = if after.is_empty() {
        text[..start].trim_end().to_string()
    } else {
        format!("{} _____ {}", text[..start].trim_end(), after)
            .replace("_____ .", "_____.")
            .replace("_____ ?", "_____?")
    };
    let (prompt, fmt, images) = format_text(&question_raw, "moodle");
    let what = name.clone().unwrap_or_else(|| prompt.clone());
    if after.contains('{') || is_embedded_cloze(&answer) {
        src.skip(origin, &what, Gap::EmbeddedCloze, "");
        return;
    }
    let mut general = String::new();
    if let Some(i) = answer.rfind("####") {
        general = format_text(&answer[i + 4..], &fmt).0;
        answer = answer[..i].trim().to_string();
    }
    let key = name
        .as_deref()
        .map(|n| text::slug(n, 40))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| text::slug(&prompt, 40));
    let fb = |s: &str| format_text(s, &fmt).0;
    let parsed = if answer.is_empty() {
        src.skip(origin, &what, Gap::Essay, "");
        return;
    } else if let Some(num) = answer.strip_prefix('#') {
        numeric(num, &fb)
    } else if answer.contains('~') {
        choice(&answer, &fb)
    } else if answer.contains('=') && answer.contains("->") {
        src.skip(origin, &what, Gap::Matching, "");
        return;
    } else if let Some(tf) = true_false(&answer) {
        Ok(tf)
    } else {
        short(&answer, &fb)
    };
    let (answer, wrong_tf) = match parsed {
        Ok(a) => a,
        Err(detail) => {
            src.skip(origin, &what, Gap::Unreadable, detail);
            return;
        }
    };
    let mut item = Item::new(origin, &key, &prompt, answer);
    item.images = images;
    if let Some((wrong, right)) = wrong_tf {
        // True/false: Moodle shows the first feedback after a wrong answer, the second after a
        // right one; both state the fact, so both are shown after answering.
        item.feedback.extend(
            [fb(&wrong), fb(&right)]
                .into_iter()
                .filter(|s| !s.is_empty()),
        );
    }
    if !general.is_empty() {
        item.feedback.push(general);
    }
    src.section(section).items.push(item);
}

type Parsed = Result<(Answer, Option<(String, String)>), String>;

fn is_embedded_cloze(answer: &str) -> bool {
    let t = answer.trim_start();
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || !t[digits..].starts_with(':') {
        return false;
    }
    let kind: String = t[digits + 1..]
        .chars()
        .take_while(|c| c.is_ascii_alphabetic() || *c == '_')
        .collect::<String>()
        .to_ascii_uppercase();
    [
        "SHORTANSWER",
        "SA",
        "MW",
        "SHORTANSWER_C",
        "SAC",
        "MWC",
        "NUMERICAL",
        "NM",
        "MULTICHOICE",
        "MC",
        "MULTICHOICE_V",
        "MCV",
        "MULTICHOICE_H",
        "MCH",
        "MULTIRESPONSE",
        "MR",
    ]
    .contains(&kind.as_str())
}

fn true_false(answer: &str) -> Option<(Answer, Option<(String, String)>)> {
    let mut parts = answer.split('#');
    let value = match parts.next()?.trim() {
        "T" | "TRUE" => true,
        "F" | "FALSE" => false,
        _ => return None,
    };
    let wrong = parts.next().unwrap_or("").trim().to_string();
    let right = parts.next().unwrap_or("").trim().to_string();
    Some((Answer::TrueFalse(value), Some((wrong, right))))
}

fn choice(answer: &str, fb: &dyn Fn(&str) -> String) -> Parsed {
    let expanded = answer.replace('=', "~=");
    let mut options = Vec::new();
    for part in expanded.split('~') {
        let part = part.trim();
        if part.is_empty() {
            // Moodle's `~=` quirk leaves empty pieces: an `=` after `~` marks a right answer.
            continue;
        }
        let (credit, rest) = match part.strip_prefix('=') {
            Some(r) => match weight(r) {
                (Some(w), r2) => (w, r2),
                (None, _) => (100.0, r),
            },
            None => match weight(part) {
                (Some(w), r) => (w, r),
                (None, _) => (0.0, part),
            },
        };
        let (t, f) = comment(rest);
        options.push(Weighted {
            text: format_text(t, "plain").0,
            credit,
            feedback: fb(f),
        });
    }
    if options.len() < 2 {
        return Err("a multiple-choice question needs at least two answers".into());
    }
    Ok((Answer::Choice(options), None))
}

fn short(answer: &str, fb: &dyn Fn(&str) -> String) -> Parsed {
    let mut out = Vec::new();
    for part in answer.split('=').map(str::trim).filter(|p| !p.is_empty()) {
        let (w, rest) = weight(part);
        let (t, f) = comment(rest);
        out.push(Weighted {
            text: format_text(t, "plain").0,
            credit: w.unwrap_or(100.0),
            feedback: fb(f),
        });
    }
    if out.is_empty() {
        return Err("no answer between { }".into());
    }
    Ok((Answer::Short(out), None))
}

fn numeric(body: &str, fb: &dyn Fn(&str) -> String) -> Parsed {
    let (body, _wrong) = match body.find('~') {
        Some(i) => (&body[..i], &body[i..]),
        None => (body, ""),
    };
    let mut out = Vec::new();
    for part in body.split('=').map(str::trim).filter(|p| !p.is_empty()) {
        let (w, rest) = weight(part);
        let (t, f) = comment(rest);
        let t = unescape(t);
        let value = match t.split_once("..") {
            Some((a, b)) => NumValue::Range {
                min: number(a)?,
                max: number(b)?,
            },
            None => match t.split_once(':') {
                Some((v, tol)) => NumValue::Exact {
                    value: number(v)?,
                    tolerance: Some(number(tol)?),
                },
                None => NumValue::Exact {
                    value: number(&t)?,
                    tolerance: None,
                },
            },
        };
        out.push(NumAnswer {
            value,
            credit: w.unwrap_or(100.0),
            feedback: fb(f),
        });
    }
    if out.is_empty() {
        return Err("no number after { #".into());
    }
    Ok((Answer::Numeric(out), None))
}

fn number(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.parse::<f64>().is_ok_and(f64::is_finite) {
        Ok(t.to_string())
    } else {
        Err(format!("{t:?} is not a number"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moodle_tilde_equals_quirk_marks_the_right_answer() {
        let src = read("q.gift", "Pick one {~a ~=b ~c}\n");
        let item = &src.sections[0].items[0];
        let Answer::Choice(opts) = &item.answer else {
            panic!("{item:?}")
        };
        let right: Vec<&str> = opts
            .iter()
            .filter(|o| o.credit == 100.0)
            .map(|o| o.text.as_str())
            .collect();
        assert_eq!(right, vec!["b"]);
        assert_eq!(opts.len(), 3);
    }

    #[test]
    fn categories_descriptions_matching_and_cloze() {
        let src = read(
            "q.gift",
            "$CATEGORY: $course$/top/Capitals\n\nCapitals are seats of government.\n\n\
             Match.{=Canada -> Ottawa =Italy -> Rome}\n\n\
             The {1:SHORTANSWER:=cat} sat.\n\nA cat? {T}\n",
        );
        assert_eq!(src.sections[0].title, "Capitals");
        assert_eq!(
            src.sections[0].notes,
            vec!["Capitals are seats of government."]
        );
        let gaps: Vec<Gap> = src.skipped.iter().map(|s| s.gap).collect();
        assert_eq!(gaps, vec![Gap::Matching, Gap::EmbeddedCloze]);
        assert_eq!(src.skipped[0].origin.line, 5);
        assert_eq!(src.sections[0].items[0].answer, Answer::TrueFalse(true));
    }
}
