//! Anki packages (`.apkg`, `.colpkg`): a zip (read with the `zip` crate) holding the collection
//! as SQLite (read with rusqlite): `collection.anki21b` (zstd-compressed, newest; decompressed
//! with the pure-Rust `ruzstd`), else `collection.anki21`, else `collection.anki2` (which newer
//! Anki fills with a single "please update" note when the real data is in a newer file).
//! Note types and decks come from `col.models`/`col.decks` (schema 11) or the `notetypes`,
//! `fields` and `decks` tables (schema 18); each note goes through [`super::anki::add_note`].
//! The review history is counted and reported, not imported.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::anki::{Note, add_note, deck_title};
use super::{ImportError, Options, Origin, Source};

/// Largest collection accepted after decompression.
const MAX_COLLECTION_BYTES: u64 = 512 * 1024 * 1024;

/// Reads one package.
pub fn read(path: &Path, opts: &Options) -> Result<Source, ImportError> {
    let name = path.display().to_string();
    let bad = |m: String| ImportError::bad(&name, m);
    let file = std::fs::File::open(path).map_err(|source| ImportError::Read {
        path: name.clone(),
        source,
    })?;
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|e| bad(format!("not a readable Anki package (zip): {e}")))?;
    let entries: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.to_string())
        .collect();
    let pick = [
        "collection.anki21b",
        "collection.anki21",
        "collection.anki2",
    ]
    .into_iter()
    .find(|n| entries.iter().any(|e| e == n))
    .ok_or_else(|| {
        bad(format!(
            "no collection inside (found: {}); export the deck again from Anki as .apkg",
            entries.join(", ")
        ))
    })?;
    let mut bytes = Vec::new();
    zip.by_name(pick)
        .map_err(|e| bad(format!("cannot open {pick}: {e}")))?
        .take(MAX_COLLECTION_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|e| bad(format!("cannot read {pick}: {e}")))?;
    if pick.ends_with('b') {
        let mut out = Vec::new();
        ruzstd::decoding::StreamingDecoder::new(bytes.as_slice())
            .map_err(|e| bad(format!("cannot decompress {pick} (zstd): {e}")))?
            .take(MAX_COLLECTION_BYTES)
            .read_to_end(&mut out)
            .map_err(|e| bad(format!("cannot decompress {pick} (zstd): {e}")))?;
        bytes = out;
    }
    let tmp = TempFile::new(&bytes).map_err(|e| bad(format!("cannot unpack: {e}")))?;
    let conn = Connection::open_with_flags(&tmp.0, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| bad(format!("{pick} is not an SQLite database: {e}")))?;
    match read_collection(&name, &conn, opts) {
        Ok(Some(src)) => Ok(src),
        Ok(None) => Err(bad(
            "the package was written by a newer Anki and holds only a placeholder note; export it again with \"Support older Anki versions\" ticked".into(),
        )),
        Err(e) => Err(bad(format!("{pick}: {e}"))),
    }
}

/// A file in the temp dir, removed on drop.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(bytes: &[u8]) -> std::io::Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let p = std::env::temp_dir().join(format!(
            "tutor-import-{}-{nanos}.sqlite3",
            std::process::id()
        ));
        std::fs::write(&p, bytes)?;
        Ok(Self(p))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A note type: name, whether it is a cloze type, field names, and the fields its first
/// template shows on the front / back.
struct NoteType {
    name: String,
    cloze: bool,
    fields: Vec<String>,
    qfmt: String,
    afmt: String,
}

fn has_table(conn: &Connection, t: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [t],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

fn note_types(conn: &Connection) -> rusqlite::Result<HashMap<i64, NoteType>> {
    let mut out = HashMap::new();
    if has_table(conn, "notetypes")? {
        let mut st = conn.prepare("SELECT id, name FROM notetypes")?;
        let rows: Vec<(i64, String)> = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (id, name) in rows {
            let mut fs = conn.prepare("SELECT name FROM fields WHERE ntid = ?1 ORDER BY ord")?;
            let fields: Vec<String> = fs
                .query_map([id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            out.insert(
                id,
                NoteType {
                    cloze: name.to_lowercase().contains("cloze"),
                    name,
                    fields,
                    qfmt: String::new(),
                    afmt: String::new(),
                },
            );
        }
        return Ok(out);
    }
    let models: String = conn.query_row("SELECT models FROM col", [], |r| r.get(0))?;
    let v: serde_json::Value = serde_json::from_str(&models).unwrap_or_default();
    if let Some(m) = v.as_object() {
        for (id, t) in m {
            let Ok(id) = id.parse::<i64>() else { continue };
            let tmpl = &t["tmpls"][0];
            out.insert(
                id,
                NoteType {
                    name: t["name"].as_str().unwrap_or("").to_string(),
                    cloze: t["type"].as_i64() == Some(1),
                    fields: t["flds"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|f| f["name"].as_str().unwrap_or("").to_string())
                                .collect()
                        })
                        .unwrap_or_default(),
                    qfmt: tmpl["qfmt"].as_str().unwrap_or("").to_string(),
                    afmt: tmpl["afmt"].as_str().unwrap_or("").to_string(),
                },
            );
        }
    }
    Ok(out)
}

fn decks(conn: &Connection) -> rusqlite::Result<HashMap<i64, String>> {
    let mut out = HashMap::new();
    if has_table(conn, "decks")? {
        let mut st = conn.prepare("SELECT id, name FROM decks")?;
        for row in st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
            let (id, name) = row?;
            // Schema 18 separates deck levels with U+001F.
            out.insert(id, name.replace('\u{1f}', "::"));
        }
        return Ok(out);
    }
    let decks: String = conn.query_row("SELECT decks FROM col", [], |r| r.get(0))?;
    let v: serde_json::Value = serde_json::from_str(&decks).unwrap_or_default();
    if let Some(m) = v.as_object() {
        for (id, d) in m {
            if let (Ok(id), Some(n)) = (id.parse::<i64>(), d["name"].as_str()) {
                out.insert(id, n.to_string());
            }
        }
    }
    Ok(out)
}

/// The field names a template shows: `{{Front}}`, `{{cloze:Text}}`, `{{type:Back}}`.
fn template_fields(t: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else { break };
        let inner = after[..j].trim();
        rest = &after[j + 2..];
        if inner.starts_with(['#', '/', '^', '!']) {
            continue;
        }
        let name = inner.rsplit(':').next().unwrap_or(inner).trim();
        if name != "FrontSide" && !name.is_empty() {
            out.push(name.to_string());
        }
    }
    out
}

/// The collection's notes as a source; `None` when it holds only the "update Anki" placeholder.
fn read_collection(
    file: &str,
    conn: &Connection,
    opts: &Options,
) -> rusqlite::Result<Option<Source>> {
    let types = note_types(conn)?;
    let decks = decks(conn)?;
    let mut src = Source::new(file);
    src.language = Some(opts.lang().to_string());
    // Each note's deck: its first card's.
    let mut note_deck: HashMap<i64, i64> = HashMap::new();
    {
        let mut st = conn.prepare("SELECT nid, did FROM cards ORDER BY ord, id")?;
        for row in st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))? {
            let (n, d) = row?;
            note_deck.entry(n).or_insert(d);
        }
    }
    let mut st = conn.prepare("SELECT id, mid, tags, flds FROM notes ORDER BY id")?;
    let notes: Vec<(i64, i64, String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    if notes.len() == 1 && notes[0].3.contains("requires a newer version of Anki") {
        return Ok(None);
    }
    let mut deck_titles: Vec<String> = Vec::new();
    for (id, mid, tags, flds) in notes {
        let nt = types.get(&mid);
        let values: Vec<&str> = flds.split('\u{1f}').collect();
        let names: Vec<Option<String>> = (0..values.len())
            .map(|i| nt.and_then(|t| t.fields.get(i).cloned()))
            .collect();
        let pos = |n: &str| names.iter().position(|x| x.as_deref() == Some(n));
        let (cloze_field, front_back) = match nt {
            Some(t) if t.cloze => (template_fields(&t.qfmt).first().and_then(|n| pos(n)), None),
            Some(t) => {
                let q = template_fields(&t.qfmt);
                let a: Vec<String> = template_fields(&t.afmt)
                    .into_iter()
                    .filter(|n| !q.contains(n))
                    .collect();
                let f = q.first().and_then(|n| pos(n));
                let b = a.first().and_then(|n| pos(n));
                (None, f.zip(b))
            }
            None => (None, None),
        };
        let deck = note_deck
            .get(&id)
            .and_then(|d| decks.get(d))
            .cloned()
            .unwrap_or_else(|| "Default".to_string());
        let section = deck_title(&deck);
        if !deck_titles.contains(&deck) {
            deck_titles.push(deck);
        }
        let note = Note {
            origin: Origin {
                file: file.to_string(),
                line: 0,
                label: Some(format!("note {id}")),
            },
            key: Some(format!("n{id}")),
            notetype: nt
                .map(|t| {
                    if t.cloze && !t.name.to_lowercase().contains("cloze") {
                        format!("{} (cloze)", t.name)
                    } else {
                        t.name.clone()
                    }
                })
                .unwrap_or_default(),
            fields: names
                .into_iter()
                .zip(values.iter().map(|v| v.to_string()))
                .collect(),
            cloze_field,
            front_back,
            tags: tags.split_whitespace().map(str::to_string).collect(),
            html: true,
        };
        add_note(&mut src, &section, note);
    }
    src.title = deck_titles.first().map(|d| deck_title(d));
    let cards_with_state: i64 = conn.query_row(
        "SELECT count(*) FROM cards WHERE data LIKE '%\"s\":%'",
        [],
        |r| r.get(0),
    )?;
    let reviews: i64 = conn.query_row("SELECT count(*) FROM revlog", [], |r| r.get(0))?;
    if reviews > 0 || cards_with_state > 0 {
        src.notes.push(format!(
            "review history not imported: {reviews} review-log rows, {cards_with_state} cards with FSRS memory state (students start fresh)"
        ));
    }
    Ok(Some(src))
}
