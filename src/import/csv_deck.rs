//! CSV files with a header row, as decks are kept in source form (e.g. the Ultimate Geography
//! deck): the first column is the key, `name:lang` columns are language variants (`--lang`
//! picks one), several files that share their first column are joined on it. Columns are used
//! by name: `tags` (the first tag names the concept), `*hint*` → hint rungs, `*info*`/`*note*`/
//! `*extra*` → explanation, image-only columns → reported, codes and ids → not used, and the
//! first remaining column is the answer: "Capital of France?" → "Paris".

use std::collections::HashMap;
use std::path::Path;

use super::anki::{deck_title, short_answer, title_of};
use super::{Gap, ImportError, Item, Options, Origin, Source, text};

/// One CSV table with a header row.
struct Table {
    file: String,
    headers: Vec<String>,
    /// (line, cells) per row.
    rows: Vec<(usize, Vec<String>)>,
}

fn read_table(file: &str, content: &str) -> Result<Table, ImportError> {
    let delimiter = if file.to_lowercase().ends_with(".tsv") {
        b'\t'
    } else {
        b','
    };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(content.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| ImportError::bad(file, format!("cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = rdr.position().line() as usize;
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => rows.push((line, record.iter().map(str::to_string).collect())),
            Err(e) => {
                return Err(ImportError::bad(
                    file,
                    format!("line {line}: {e}; fix the quoting and import again"),
                ));
            }
        }
    }
    Ok(Table {
        file: file.to_string(),
        headers,
        rows,
    })
}

/// What a CSV column is used for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Answer,
    Hint,
    Feedback,
    Tags,
    Images,
    Unused,
}

/// Reads CSV files with header rows. Files whose first header is the same are joined on that
/// column (one row per key); `--lang` picks the `name:lang` variant of each column.
pub fn read_csv_tables(
    tables: &[(String, String)],
    opts: &Options,
) -> Result<Vec<Source>, ImportError> {
    let mut parsed = Vec::new();
    for (file, content) in tables {
        parsed.push(read_table(file, content)?);
    }
    let mut groups: Vec<Vec<Table>> = Vec::new();
    for t in parsed {
        let key = t.headers.first().cloned().unwrap_or_default();
        match groups
            .iter_mut()
            .find(|g| g[0].headers.first() == Some(&key))
        {
            Some(g) => g.push(t),
            None => groups.push(vec![t]),
        }
    }
    groups.into_iter().map(|g| joined(g, opts)).collect()
}

/// One joined group → one source.
fn joined(tables: Vec<Table>, opts: &Options) -> Result<Source, ImportError> {
    let lang = opts.lang();
    let names: Vec<String> = tables.iter().map(|t| t.file.clone()).collect();
    let key_header = tables[0].headers.first().cloned().unwrap_or_default();
    // Columns: (base name, table index, column index), the chosen language variant only.
    let mut columns: Vec<(String, usize, usize)> = Vec::new();
    for (ti, t) in tables.iter().enumerate() {
        for (ci, h) in t.headers.iter().enumerate().skip(1) {
            let (base, l) = match h.split_once(':') {
                Some((b, l)) => (b.trim(), Some(l.trim())),
                None => (h.as_str(), None),
            };
            let want = match l {
                None => lang == "en" || !t.headers.iter().any(|x| *x == format!("{base}:{lang}")),
                Some(l) => l == lang,
            };
            if want && !columns.iter().any(|(b, _, _)| b == base) {
                columns.push((base.to_string(), ti, ci));
            }
        }
    }
    let role = |base: &str, ti: usize, ci: usize| -> Role {
        let b = base.to_lowercase();
        let imgs = tables[ti]
            .rows
            .iter()
            .filter(|(_, r)| r.get(ci).is_some_and(|c| !c.trim().is_empty()))
            .all(|(_, r)| r[ci].contains("<img"));
        if b == "tags" || b == "tag" {
            Role::Tags
        } else if b == key_header.to_lowercase()
            || ["code", "iso", "id", "guid"]
                .iter()
                .any(|w| b.split_whitespace().any(|x| x == *w))
        {
            Role::Unused
        } else if imgs
            && tables[ti]
                .rows
                .iter()
                .any(|(_, r)| r.get(ci).is_some_and(|c| c.contains("<img")))
        {
            Role::Images
        } else if b.contains("hint") {
            Role::Hint
        } else if ["info", "note", "extra", "explanation", "comment"]
            .iter()
            .any(|w| b.contains(w))
        {
            Role::Feedback
        } else {
            Role::Answer
        }
    };
    let roles: Vec<Role> = columns
        .iter()
        .map(|(b, ti, ci)| role(b, *ti, *ci))
        .collect();
    let Some(answer_col) = roles.iter().position(|r| *r == Role::Answer) else {
        return Err(ImportError::bad(
            &names.join(", "),
            format!(
                "no column holds answers (columns: {}); import this file together with the file that has them, e.g. `tutor import {} capital.csv`",
                tables
                    .iter()
                    .flat_map(|t| t.headers.iter().cloned())
                    .collect::<Vec<_>>()
                    .join(", "),
                names.join(" ")
            ),
        ));
    };
    // The displayed key: the key column's language variant where one exists.
    let key_display = tables.iter().enumerate().find_map(|(ti, t)| {
        t.headers
            .iter()
            .position(|h| *h == format!("{key_header}:{lang}"))
            .map(|ci| (ti, ci))
    });
    // Keys in order of first appearance, and each key's row (line) per table.
    let mut keys: Vec<String> = Vec::new();
    let mut index: Vec<HashMap<String, usize>> = Vec::new();
    for t in &tables {
        let mut m = HashMap::new();
        for (ri, (_, r)) in t.rows.iter().enumerate() {
            let k = r.first().cloned().unwrap_or_default();
            if k.trim().is_empty() {
                continue;
            }
            if !keys.contains(&k) {
                keys.push(k.clone());
            }
            m.entry(k).or_insert(ri);
        }
        index.push(m);
    }
    let cell = |k: &str, ti: usize, ci: usize| -> Option<(String, usize)> {
        let ri = *index[ti].get(k)?;
        let (line, r) = &tables[ti].rows[ri];
        r.get(ci).map(|c| (c.clone(), *line))
    };
    let folder = Path::new(&names[0])
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|s| s.to_str())
        .filter(|_| tables.len() > 1);
    let title = text::humanize(folder.unwrap_or(&title_of(&names[0])));
    let mut src = Source::new(&names.join(" + "));
    src.title = Some(title.clone());
    src.language = Some(lang.to_string());
    let (abase, ati, aci) = columns[answer_col].clone();
    let unused: Vec<&str> = columns
        .iter()
        .zip(&roles)
        .enumerate()
        .filter(|(i, ((b, _, _), r))| {
            matches!(**r, Role::Answer | Role::Unused) && *i != answer_col && *b != key_header
        })
        .map(|(_, ((b, _, _), _))| b.as_str())
        .collect();
    if !unused.is_empty() {
        src.notes.push(format!(
            "answers taken from column {abase:?}; columns not used: {}",
            unused.join(", ")
        ));
    }
    for k in &keys {
        let shown = key_display
            .and_then(|(ti, ci)| cell(k, ti, ci))
            .map(|(c, _)| c)
            .filter(|c| !c.trim().is_empty())
            .unwrap_or_else(|| k.clone());
        let shown = text::html_to_text(&shown).0;
        let answer = cell(k, ati, aci).filter(|(c, _)| !c.trim().is_empty());
        let Some((raw, line)) = answer else {
            // Where the key was first seen.
            let (ti, line) = (0..tables.len())
                .find_map(|ti| index[ti].get(k).map(|&ri| (ti, tables[ti].rows[ri].0)))
                .unwrap_or((0, 0));
            src.skip(
                Origin::line(&tables[ti].file, line),
                &shown,
                Gap::NoAnswer,
                format!("no {abase:?} for this row"),
            );
            continue;
        };
        let (answer, mut images) = text::html_to_text(&raw);
        let prompt = format!("{} of {shown}?", text::humanize(&abase));
        let key = format!("{}-{}", text::slug(k, 40), text::slug(&abase, 20));
        let mut item = Item::new(
            Origin::line(&tables[ati].file, line),
            &key,
            &prompt,
            short_answer(&answer),
        );
        let mut section = title.clone();
        for (i, (base, ti, ci)) in columns.iter().enumerate() {
            let Some((c, _)) = cell(k, *ti, *ci).filter(|(c, _)| !c.trim().is_empty()) else {
                continue;
            };
            let (t, imgs) = text::html_to_text(&c);
            match roles[i] {
                Role::Hint => item.hints.push(t),
                Role::Feedback => item.feedback.push(t),
                Role::Images => images.extend(imgs.into_iter().map(|s| format!("{base}: {s}"))),
                Role::Tags => {
                    item.tags = c
                        .split([',', ' '])
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect();
                    if let Some(first) = item.tags.first() {
                        section = text::humanize(&deck_title(first));
                    }
                }
                Role::Answer | Role::Unused => {}
            }
        }
        item.images = images;
        src.section(&section).items.push(item);
    }
    Ok(src)
}
