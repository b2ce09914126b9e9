//! Anki text: the plain-text note export (`#separator:tab`, `#html:true`, `#notetype column:1`,
//! `#deck column:N`, `#tags column:N`, `#guid column:N` headers, then one note per row), and
//! the note → items mapping shared with [`super::apkg`]: Basic → short answer (a long back → a
//! free-text check with it as the model answer), Cloze → one check per deletion
//! `{{c1::answer::hint}}` with the hint as the first rung. Rows are read with the `csv` crate
//! (quoted fields may span lines). CSV files with a header row: [`super::csv_deck`].

use std::path::Path;

use super::{Answer, Gap, ImportError, Item, Options, Origin, Source, Weighted, text};

/// Whether `text` is Anki's note export (headers), not a CSV with a header row.
pub fn is_note_export(path: &Path, text: &str) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    text.starts_with("#separator:")
        || text.starts_with("#html:")
        || text.starts_with("#notetype")
        || text.starts_with("#deck")
        || text.starts_with("#tags")
        || ext.eq_ignore_ascii_case("txt")
}

/// The export's `#key:value` headers.
#[derive(Debug, Default)]
struct Headers {
    separator: u8,
    html: bool,
    notetype: Option<usize>,
    deck: Option<usize>,
    tags: Option<usize>,
    guid: Option<usize>,
    lines: usize,
}

fn headers(file: &str, text: &str) -> Result<Headers, ImportError> {
    let mut h = Headers {
        separator: b'\t',
        ..Headers::default()
    };
    for line in text.lines() {
        let Some(rest) = line.strip_prefix('#') else {
            break;
        };
        h.lines += 1;
        let Some((k, v)) = rest.split_once(':') else {
            continue;
        };
        let col = || v.trim().parse::<usize>().ok().filter(|&n| n > 0);
        match k.trim() {
            "separator" => {
                h.separator = match v.trim() {
                    "tab" | "Tab" => b'\t',
                    "comma" | "Comma" => b',',
                    "semicolon" | "Semicolon" => b';',
                    "pipe" | "Pipe" => b'|',
                    "space" | "Space" => b' ',
                    "colon" | "Colon" => b':',
                    other if other.len() == 1 => other.as_bytes()[0],
                    other => {
                        return Err(ImportError::bad(
                            file,
                            format!(
                                "unknown #separator:{other}; use tab, comma, semicolon, pipe or one character"
                            ),
                        ));
                    }
                }
            }
            "html" => h.html = v.trim().eq_ignore_ascii_case("true"),
            "notetype column" => h.notetype = col(),
            "deck column" => h.deck = col(),
            "tags column" => h.tags = col(),
            "guid column" => h.guid = col(),
            _ => {}
        }
    }
    Ok(h)
}

/// Reads Anki's plain-text note export.
pub fn read_notes(file: &str, content: &str, opts: &Options) -> Result<Source, ImportError> {
    let h = headers(file, content)?;
    let mut src = Source::new(file);
    let title = title_of(file);
    src.title = Some(title.clone());
    src.language = Some(opts.lang().to_string());
    let body: String = content.lines().skip(h.lines).collect::<Vec<_>>().join("\n");
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(h.separator)
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let mut record = csv::StringRecord::new();
    loop {
        let line = rdr.position().line() as usize + h.lines;
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                src.skip(Origin::line(file, line), "", Gap::Unreadable, e.to_string());
                continue;
            }
        }
        let cell = |c: Option<usize>| c.and_then(|c| record.get(c - 1)).unwrap_or("");
        let meta = [h.notetype, h.deck, h.tags, h.guid];
        let fields: Vec<String> = record
            .iter()
            .enumerate()
            .filter(|(i, _)| !meta.contains(&Some(i + 1)))
            .map(|(_, f)| f.to_string())
            .collect();
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let deck = cell(h.deck);
        let section = if deck.is_empty() {
            title.clone()
        } else {
            deck_title(deck)
        };
        let note = Note {
            origin: Origin::line(file, line),
            key: match cell(h.guid) {
                "" => None,
                g => Some(g.to_string()),
            },
            notetype: cell(h.notetype).to_string(),
            fields: fields.iter().map(|f| (None, f.clone())).collect(),
            cloze_field: None,
            front_back: None,
            tags: cell(h.tags)
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            html: h.html,
        };
        add_note(&mut src, &section, note);
    }
    Ok(src)
}

/// `Language French::My french words` → `My french words`.
pub fn deck_title(deck: &str) -> String {
    deck.rsplit("::")
        .next()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(deck)
        .to_string()
}

pub(crate) fn title_of(file: &str) -> String {
    let stem = Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("deck");
    text::humanize(stem)
}

/// One Anki note, from any of the three sources.
pub(crate) struct Note {
    pub origin: Origin,
    /// A stable id seed (note id or guid).
    pub key: Option<String>,
    pub notetype: String,
    /// (field name where known, content).
    pub fields: Vec<(Option<String>, String)>,
    /// The field the cloze template shows, where known.
    pub cloze_field: Option<usize>,
    /// The front and back fields of a basic template, where known.
    pub front_back: Option<(usize, usize)>,
    pub tags: Vec<String>,
    pub html: bool,
}

fn clean(s: &str, html: bool) -> (String, Vec<String>) {
    if html {
        text::html_to_text(s)
    } else {
        (text::tidy(s), Vec::new())
    }
}

/// Turns one note into items (one per cloze deletion, or one per basic note).
pub(crate) fn add_note(src: &mut Source, section: &str, note: Note) {
    let is_cloze = note.notetype.to_lowercase().contains("cloze")
        || note.fields.iter().any(|(_, f)| f.contains("{{c"));
    let tags: Vec<String> = note.tags.clone();
    let mut images = Vec::new();
    let mut extra = Vec::new();
    let main: Vec<usize> = if is_cloze {
        let i = note
            .cloze_field
            .or_else(|| note.fields.iter().position(|(_, f)| f.contains("{{c")));
        i.into_iter().collect()
    } else {
        match note.front_back {
            Some((f, b)) => vec![f, b],
            None => vec![0, 1],
        }
    };
    for (i, (name, value)) in note.fields.iter().enumerate() {
        if main.contains(&i) || value.trim().is_empty() {
            continue;
        }
        let (t, imgs) = clean(value, note.html);
        images.extend(imgs);
        let numeric = t.trim().parse::<f64>().is_ok();
        let hint = name
            .as_deref()
            .is_some_and(|n| n.to_lowercase().contains("hint"));
        if !t.is_empty() && !numeric && !hint {
            extra.push(t);
        }
    }
    let what = note.fields.first().map(|(_, f)| f.as_str()).unwrap_or("");
    if is_cloze {
        let Some(&field) = main.first() else {
            src.skip(
                note.origin,
                what,
                Gap::NoAnswer,
                "a cloze note without {{c1::…}}",
            );
            return;
        };
        let text = &note.fields[field].1;
        let dels = deletions(text);
        if dels.is_empty() {
            src.skip(note.origin, text, Gap::NoAnswer, "no {{c1::…}} deletion");
            return;
        }
        let mut numbers: Vec<u32> = dels.iter().map(|d| d.n).collect();
        numbers.sort_unstable();
        numbers.dedup();
        for n in numbers {
            let active: Vec<&Deletion> = dels.iter().filter(|d| d.n == n).collect();
            if active.len() > 1 {
                add_blanks(src, section, &note, &dels, n, (&extra, &images));
                continue;
            }
            let (prompt_raw, _) = render_cloze(text, &dels, n, "[...]");
            let (prompt, imgs) = clean(&prompt_raw, note.html);
            let d = active[0];
            let answer = clean(&d.answer, note.html).0;
            if answer.is_empty() {
                src.skip(
                    note.origin.clone(),
                    &prompt,
                    Gap::NoAnswer,
                    "an empty deletion",
                );
                continue;
            }
            let key = format!(
                "{}-c{n}",
                note.key.clone().unwrap_or_else(|| text::slug(&prompt, 30))
            );
            let mut item = Item::new(note.origin.clone(), &key, &prompt, short_answer(&answer));
            if let Some(h) = &d.hint {
                let h = clean(h, note.html).0;
                if !h.is_empty() {
                    item.hints.push(h);
                }
            }
            item.feedback = extra.clone();
            item.tags = tags.clone();
            item.images = images.iter().cloned().chain(imgs).collect();
            src.section(section).items.push(item);
        }
        return;
    }
    let get = |i: usize| note.fields.get(i).map(|(_, f)| f.as_str()).unwrap_or("");
    let (front, mut imgs) = clean(get(main[0]), note.html);
    let (back, back_imgs) = clean(get(main[1]), note.html);
    imgs.extend(back_imgs);
    imgs.extend(images);
    if front.is_empty() || back.is_empty() {
        let gap = if !note.notetype.is_empty() && !note.notetype.to_lowercase().contains("basic") {
            Gap::NoteType
        } else if !imgs.is_empty() {
            Gap::Images
        } else {
            Gap::NoAnswer
        };
        src.skip(
            note.origin,
            if front.is_empty() { &back } else { &front },
            gap,
            note.notetype.clone(),
        );
        return;
    }
    let answer = if back.split_whitespace().count() > 6 {
        Answer::Text(Some(back.clone()))
    } else {
        short_answer(&back)
    };
    let key = note.key.clone().unwrap_or_else(|| text::slug(&front, 30));
    let mut item = Item::new(note.origin, &key, &front, answer);
    item.feedback = extra;
    item.tags = tags;
    item.images = imgs;
    src.section(section).items.push(item);
}

/// One card whose deletion `cN` appears several times: a cloze check with one `___` blank per
/// appearance, the other deletions shown as their answers, and the deletions' hints as one rung.
fn add_blanks(
    src: &mut Source,
    section: &str,
    note: &Note,
    dels: &[Deletion],
    n: u32,
    (extra, images): (&[String], &[String]),
) {
    let text = &note.fields[note
        .cloze_field
        .or_else(|| note.fields.iter().position(|(_, f)| f.contains("{{c")))
        .unwrap_or(0)]
    .1;
    let active: Vec<&Deletion> = dels.iter().filter(|d| d.n == n).collect();
    let (prompt_raw, _) = render_cloze(text, dels, n, BLANK);
    let (prompt, imgs) = clean(&prompt_raw, note.html);
    let blanks: Vec<Vec<String>> = active
        .iter()
        .map(|d| vec![clean(&d.answer, note.html).0])
        .collect();
    if blanks.iter().any(|b| b[0].is_empty()) {
        src.skip(
            note.origin.clone(),
            &prompt,
            Gap::NoAnswer,
            "an empty deletion",
        );
        return;
    }
    let hints: Vec<String> = active
        .iter()
        .map(|d| d.hint.as_deref().map(|h| clean(h, note.html).0))
        .map(Option::unwrap_or_default)
        .collect();
    let key = format!(
        "{}-c{n}",
        note.key.clone().unwrap_or_else(|| text::slug(&prompt, 30))
    );
    let mut item = Item::new(note.origin.clone(), &key, &prompt, Answer::Cloze(blanks));
    if hints.iter().any(|h| !h.is_empty()) {
        let rung: Vec<String> = hints
            .iter()
            .enumerate()
            .filter(|(_, h)| !h.is_empty())
            .map(|(i, h)| format!("blank {}: {h}", i + 1))
            .collect();
        item.hints.push(rung.join("; "));
    }
    item.feedback = extra.to_vec();
    item.tags = note.tags.clone();
    item.images = images.iter().cloned().chain(imgs).collect();
    src.section(section).items.push(item);
}

/// How a blank of a several-blank card is written in the prompt (the course format's `___`).
const BLANK: &str = "_____";

/// A short answer with its alternatives: "Pretoria, Cape Town, Bloemfontein" accepts each city
/// as well as the whole list; "Washington, D.C." stays one answer.
pub fn short_answer(answer: &str) -> Answer {
    let mut alts = vec![Weighted::full(answer)];
    let parts: Vec<&str> = answer.split(',').map(str::trim).collect();
    let names = parts.len() > 1
        && parts.iter().all(|p| {
            p.chars().count() > 2
                && !p.contains('.')
                && p.chars().next().is_some_and(char::is_uppercase)
        });
    if names {
        alts.extend(parts.iter().map(|p| Weighted::full(p)));
    }
    Answer::Short(alts)
}

struct Deletion {
    n: u32,
    answer: String,
    hint: Option<String>,
    start: usize,
    end: usize,
}

/// Every `{{cN::answer::hint}}` in `text`.
fn deletions(text: &str) -> Vec<Deletion> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("{{c") {
        let start = from + i;
        let rest = &text[start + 3..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let body_start = start + 3 + digits.len();
        let (Ok(n), true) = (digits.parse::<u32>(), text[body_start..].starts_with("::")) else {
            from = start + 3;
            continue;
        };
        let Some(close) = text[body_start + 2..].find("}}") else {
            break;
        };
        let inner = &text[body_start + 2..body_start + 2 + close];
        let (answer, hint) = match inner.split_once("::") {
            Some((a, h)) => (a.to_string(), Some(h.to_string())),
            None => (inner.to_string(), None),
        };
        let end = body_start + 2 + close + 2;
        out.push(Deletion {
            n,
            answer,
            hint,
            start,
            end,
        });
        from = end;
    }
    out
}

/// The cloze text with deletion `n` blanked (as `marker`) and the others shown as their answers.
fn render_cloze(text: &str, dels: &[Deletion], n: u32, marker: &str) -> (String, usize) {
    let mut out = String::new();
    let mut last = 0;
    let mut blanks = 0;
    for d in dels {
        out.push_str(&text[last..d.start]);
        if d.n == n {
            out.push_str(marker);
            blanks += 1;
        } else {
            out.push_str(&d.answer);
        }
        last = d.end;
    }
    out.push_str(&text[last..]);
    (out, blanks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloze_deletions_with_hints() {
        let d = deletions("Je {{c1::sors::go out}} {{c2::de}} là {{c1::x}}");
        assert_eq!(d.len(), 3);
        assert_eq!(
            (d[0].n, d[0].answer.as_str(), d[0].hint.as_deref()),
            (1, "sors", Some("go out"))
        );
        assert_eq!(
            render_cloze(
                "a {{c1::b}} {{c2::c}}",
                &deletions("a {{c1::b}} {{c2::c}}"),
                2,
                "[...]"
            )
            .0,
            "a b [...]"
        );
    }

    #[test]
    fn lists_of_names_accept_each_name() {
        let Answer::Short(a) = short_answer("Pretoria, Cape Town, Bloemfontein") else {
            panic!()
        };
        assert_eq!(a.len(), 4);
        let Answer::Short(a) = short_answer("Washington, D.C.") else {
            panic!()
        };
        assert_eq!(a.len(), 1);
    }
}
