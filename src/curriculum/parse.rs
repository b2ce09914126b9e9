//! TOML → [`Course`], keeping positions, reporting *every* shape problem (unknown keys with a
//! "did you mean", missing fields, wrong types, empty or oversized text).

use toml_edit::{Document, Item, TableLike, Value};

use super::diag::{Pos, Sink};
use super::material::{GlossaryEntry, Material};
use super::{
    Check, CheckKind, Concept, Course, Forgive, Image, MAX_FIELD_CHARS, Misconception, NumberForm,
    Question,
};

const COURSE_KEYS: &[&str] = &[
    "id",
    "title",
    "version",
    "language",
    "audience",
    "description",
    "material",
];
const CONCEPT_KEYS: &[&str] = &[
    "id",
    "title",
    "requires",
    "objective",
    "notes",
    "questions",
    "misconceptions",
    "check",
    "tags",
    "minutes",
    "image",
    "image_alt",
];
const CHECK_KEYS: &[&str] = &[
    "id",
    "kind",
    "prompt",
    "answer",
    "accept",
    "tolerance",
    "choices",
    "hints",
    "explanation",
    "rubric",
    "ideas",
    "wrong",
    "answers",
    "choice_feedback",
    "shuffle",
    "min",
    "max",
    "unit",
    "form",
    "forgive",
    "blanks",
    "items",
    "tags",
    "image",
    "image_alt",
];
const MISCONCEPTION_KEYS: &[&str] = &["belief", "response"];
const QUESTION_KEYS: &[&str] = &["ask", "expect", "follow_up", "explain"];
const GLOSSARY_KEYS: &[&str] = &["term", "definition"];

/// Parses the sink's text. `None` when the TOML itself cannot be read or `[course]` is unusable.
pub fn parse(sink: &mut Sink<'_>) -> Option<Course> {
    // The `toml` crate checks the syntax first: toml_edit 0.23 panics ("all items have spans")
    // on some malformed input that the fuzzer found, and `toml` reports it as a normal error.
    let syntax = toml::from_str::<toml::Table>(sink.text)
        .err()
        .map(|e| (e.span(), e.message().to_string()));
    let parsed = match syntax {
        Some(err) => Err(err),
        None => match std::panic::catch_unwind(|| Document::parse(sink.text)) {
            Ok(r) => r.map_err(|e| (e.span(), e.message().to_string())),
            Err(_) => Err((None, "the file could not be read as TOML".to_string())),
        },
    };
    let doc = match parsed {
        Ok(d) => d,
        Err((span, message)) => {
            let pos = sink.pos(span);
            let msg = message.trim().replace('\n', "; ");
            sink.error(
                pos,
                format!("TOML syntax: {msg}"),
                Some(
                    "check quotes, brackets and `key = value` pairs on this line (multi-line text needs \"\"\" ... \"\"\")"
                        .to_string(),
                ),
            );
            return None;
        }
    };
    let root = doc.as_table();
    let f = Fields::new(
        sink,
        root,
        Pos::START,
        "the file",
        &["course", "concept", "glossary"],
    );
    let course_item = f.table.get_key_value("course");
    let course = match course_item {
        Some((k, item)) => match item.as_table_like() {
            Some(t) => {
                let pos = f.sink.header_pos(k.span());
                Some(parse_course_header(f.sink, t, pos))
            }
            None => {
                let pos = f.sink.pos(k.span());
                f.sink.error(
                    pos,
                    "`course` must be a table",
                    Some("write a `[course]` section".to_string()),
                );
                None
            }
        },
        None => {
            f.sink.error(Pos::START, "missing the `[course]` section", Some(
                "start the file with [course] and its id, title, version, language, audience and description".to_string(),
            ));
            None
        }
    };
    let mut concepts = Vec::new();
    if let Some((k, item)) = f.table.get_key_value("concept") {
        let kpos = f.sink.pos(k.span());
        match item {
            Item::ArrayOfTables(arr) => {
                for t in arr.iter() {
                    let pos = t.span().map_or(kpos, |s| f.sink.header_pos(Some(s)));
                    concepts.push(parse_concept(f.sink, t, pos));
                }
            }
            _ => f.sink.error(
                kpos,
                "`concept` must be written as [[concept]] sections",
                Some("use double brackets: [[concept]], once per concept".to_string()),
            ),
        }
    }
    let glossary = parse_glossary(f.sink, f.table);
    let mut course = course?;
    for k in concepts.iter_mut().flat_map(|c| c.checks.iter_mut()) {
        k.language = course.language.clone();
    }
    course.concepts = concepts;
    course.glossary = glossary;
    Some(course)
}

fn parse_course_header(sink: &mut Sink<'_>, t: &dyn TableLike, pos: Pos) -> Course {
    let mut f = Fields::new(sink, t, pos, "[course]", COURSE_KEYS);
    let (id, id_pos) = f.string("id", true);
    Course {
        id,
        title: f.string("title", true).0,
        version: f.string("version", false).0,
        language: f.string_or("language", "en"),
        audience: f.string("audience", false).0,
        description: f.string("description", false).0,
        concepts: Vec::new(),
        id_pos,
        material: parse_material(&mut f),
        glossary: Vec::new(),
    }
}

/// `[course] material = ["material/notes.md", ...]`, each with its position.
fn parse_material(f: &mut Fields<'_, '_, '_>) -> Vec<Material> {
    let (paths, positions) = f.string_list("material");
    paths
        .into_iter()
        .zip(positions)
        .map(|(path, pos)| Material { path, pos })
        .collect()
}

/// The `[[glossary]]` sections at the top level of the file.
fn parse_glossary(sink: &mut Sink<'_>, root: &dyn TableLike) -> Vec<GlossaryEntry> {
    let Some((k, item)) = root.get_key_value("glossary") else {
        return Vec::new();
    };
    let kpos = sink.pos(k.span());
    let Item::ArrayOfTables(arr) = item else {
        sink.error(
            kpos,
            "`glossary` must be written as [[glossary]] sections",
            Some(
                "write [[glossary]] with term = \"...\" and definition = \"...\", once per term"
                    .to_string(),
            ),
        );
        return Vec::new();
    };
    arr.iter()
        .map(|t| {
            let pos = t.span().map_or(kpos, |s| sink.header_pos(Some(s)));
            let mut g = Fields::new(sink, t, pos, "[[glossary]]", GLOSSARY_KEYS);
            GlossaryEntry {
                term: g.string("term", true).0,
                definition: g.string("definition", true).0,
                pos,
            }
        })
        .collect()
}

fn parse_concept(sink: &mut Sink<'_>, t: &dyn TableLike, pos: Pos) -> Concept {
    let mut f = Fields::new(sink, t, pos, "[[concept]]", CONCEPT_KEYS);
    let (id, id_pos) = f.string("id", true);
    let (requires, requires_pos) = f.string_list("requires");
    let mut misconceptions = Vec::new();
    if let Some((k, item)) = f.table.get_key_value("misconceptions") {
        let kpos = f.sink.pos(k.span());
        let tables: Vec<(&dyn TableLike, Pos)> = match item {
            Item::ArrayOfTables(a) => a
                .iter()
                .map(|t| (t as &dyn TableLike, f.sink.pos(t.span()).max(kpos)))
                .collect(),
            Item::Value(Value::Array(a)) => a
                .iter()
                .filter_map(|v| match v {
                    Value::InlineTable(t) => {
                        Some((t as &dyn TableLike, f.sink.pos(t.span()).max(kpos)))
                    }
                    other => {
                        let p = f.sink.pos(other.span());
                        f.sink.error(
                            p,
                            "each misconception must be { belief = \"...\", response = \"...\" }",
                            None,
                        );
                        None
                    }
                })
                .collect(),
            _ => {
                f.sink.error(
                    kpos,
                    "`misconceptions` must be a list of { belief = \"...\", response = \"...\" }",
                    None,
                );
                Vec::new()
            }
        };
        for (t, p) in tables {
            let mut m = Fields::new(f.sink, t, p, "misconception", MISCONCEPTION_KEYS);
            misconceptions.push(Misconception {
                belief: m.string("belief", true).0,
                response: m.string("response", true).0,
            });
        }
    }
    let mut checks = Vec::new();
    if let Some((k, item)) = f.table.get_key_value("check") {
        let kpos = f.sink.pos(k.span());
        match item {
            Item::ArrayOfTables(arr) => {
                for t in arr.iter() {
                    let p = t.span().map_or(kpos, |s| f.sink.header_pos(Some(s)));
                    checks.push(parse_check(f.sink, t, p));
                }
            }
            _ => f.sink.error(
                kpos,
                "checks must be written as [[concept.check]] sections",
                Some(
                    "use double brackets: [[concept.check]], once per check, after its [[concept]]"
                        .to_string(),
                ),
            ),
        }
    }
    let (questions, questions_pos) = parse_questions(&mut f);
    let (notes, notes_pos) = f.string("notes", false);
    let (tags, minutes, image) = concept_extras(&mut f);
    Concept {
        tags,
        minutes,
        image,
        id,
        id_pos,
        title: f.string("title", true).0,
        requires,
        requires_pos,
        objective: f.string("objective", true).0,
        notes,
        notes_pos,
        questions,
        questions_pos,
        misconceptions,
        checks,
    }
}

/// `questions = ["...", { ask = "...", expect = ["a | b"], follow_up = "...", explain = "..." }]`:
/// plain strings are open questions; tables carry the ideas a reply is read against.
fn parse_questions(f: &mut Fields<'_, '_, '_>) -> (Vec<Question>, Vec<Pos>) {
    let Some(item) = f.table.get("questions") else {
        return (Vec::new(), Vec::new());
    };
    let kpos = f.value_pos("questions");
    let Some(arr) = item.as_array() else {
        f.sink.error(
            kpos,
            "`questions` must be a list like [\"...\", { ask = \"...\", expect = [\"...\"] }]",
            None,
        );
        return (Vec::new(), Vec::new());
    };
    let mut out = Vec::new();
    let mut positions = Vec::new();
    for v in arr.iter() {
        let p = f.sink.pos(v.span()).max(kpos);
        match v {
            Value::String(s) => {
                f.check_text("questions", s.value(), p);
                out.push(Question::open(s.value()));
            }
            Value::InlineTable(t) => {
                let mut q = Fields::new(f.sink, t, p, "guiding question", QUESTION_KEYS);
                let ask = q.string("ask", true).0;
                let expect = q.ideas("expect");
                let follow_up = q.string_opt("follow_up");
                let explain = q.string_opt("explain");
                if expect.is_empty() && (follow_up.is_some() || explain.is_some()) {
                    q.sink.warn(
                        p,
                        "this guiding question has `follow_up` or `explain` but no `expect`, so they are never said",
                        Some("add expect = [\"the idea | another wording\"]".to_string()),
                    );
                }
                out.push(Question {
                    ask,
                    expect,
                    follow_up,
                    explain,
                });
            }
            other => {
                f.sink.error(
                    p,
                    format!(
                        "each guiding question must be text in quotes or {{ ask = \"...\", expect = [...] }}, not {}",
                        other.type_name()
                    ),
                    None,
                );
                continue;
            }
        }
        positions.push(p);
    }
    (out, positions)
}

fn parse_check(sink: &mut Sink<'_>, t: &dyn TableLike, pos: Pos) -> Check {
    let mut f = Fields::new(sink, t, pos, "[[concept.check]]", CHECK_KEYS);
    let (id, id_pos) = f.string("id", true);
    let (kind_s, kind_pos) = f.string("kind", true);
    let kind = match CheckKind::parse(&kind_s) {
        Some(k) => k,
        None => {
            if !kind_s.is_empty() {
                f.sink.error(
                    kind_pos,
                    format!("unknown check kind {kind_s:?}"),
                    Some(format!(
                        "use one of: {}",
                        CheckKind::ALL.map(CheckKind::name).join(", ")
                    )),
                );
            }
            CheckKind::Short
        }
    };
    let derived = matches!(kind, CheckKind::Cloze | CheckKind::Ordering)
        || (kind == CheckKind::Choice && f.table.contains_key("answers"));
    let (answer, answer_pos) = f.string("answer", !derived);
    let tolerance = f.number("tolerance");
    let key_pos = f
        .table
        .iter()
        .map(|(k, _)| {
            (
                k.to_string(),
                f.sink.pos(f.table.key(k).and_then(|k| k.span())),
            )
        })
        .collect();
    let mut check = Check::new(&id, kind, "", &answer);
    check.key_pos = key_pos;
    check.id_pos = id_pos;
    check.answer_pos = answer_pos;
    check.prompt = f.string("prompt", true).0;
    check.accept = f.string_list("accept").0;
    check.tolerance = tolerance;
    check.choices = f.string_list("choices").0;
    (check.hints, check.hints_pos) = f.string_list("hints");
    check.explanation = f.string("explanation", false).0;
    check.rubric = f.string_list("rubric").0;
    check.ideas = f.ideas("ideas");
    check.wrong = super::wrong::parse(f.sink, f.table);
    check_extras(&mut f, &mut check);
    check
}

/// The concept fields added for teaching material: tags, estimated minutes, an image.
fn concept_extras(f: &mut Fields<'_, '_, '_>) -> (Vec<String>, Option<u32>, Option<Image>) {
    let tags = f.string_list("tags").0;
    let minutes = f.whole("minutes");
    (tags, minutes, f.image())
}

/// The check fields beyond the first four kinds: several answers, per-choice feedback,
/// shuffling, ranges, units, forms, forgiveness, blanks, items, tags, an image. When `answer`
/// may be left out (cloze, ordering, `answers`), it is filled in for display.
fn check_extras(f: &mut Fields<'_, '_, '_>, k: &mut Check) {
    k.answers = f.string_list("answers").0;
    k.choice_feedback = f.string_list_allow_empty("choice_feedback");
    if let Some(b) = f.boolean("shuffle") {
        k.shuffle = b;
    }
    k.min = f.number("min");
    k.max = f.number("max");
    k.unit = f.string_opt("unit");
    if let Some((form, pos)) = f.string_opt("form").map(|s| (s, f.value_pos("form"))) {
        match NumberForm::parse(&form) {
            Some(nf) => k.form = Some(nf),
            None => f.sink.error(
                pos,
                format!("unknown form {form:?}"),
                Some(format!(
                    "use one of: {}",
                    NumberForm::ALL.map(|(n, _)| n).join(", ")
                )),
            ),
        }
    }
    k.forgive = f.forgive();
    k.blanks = f.string_list("blanks").0;
    k.items = f.string_list("items").0;
    k.tags = f.string_list("tags").0;
    k.image = f.image();
    if k.kind == CheckKind::Ordering {
        // Shown as lettered options, in the written order until shuffled for a student.
        k.choices = k.items.clone();
    }
    if k.answer.is_empty() {
        k.answer = match k.kind {
            CheckKind::Cloze => k
                .blanks
                .iter()
                .map(|b| b.split('|').next().unwrap_or("").trim().to_string())
                .collect::<Vec<_>>()
                .join("; "),
            CheckKind::Ordering => k.items.join(", "),
            _ => k.answers.join(", "),
        };
    }
}

/// Typed access to one table's fields, reporting problems as it goes.
struct Fields<'s, 'a, 't> {
    sink: &'s mut Sink<'a>,
    table: &'t dyn TableLike,
    pos: Pos,
    what: &'static str,
}

impl<'s, 'a, 't> Fields<'s, 'a, 't> {
    /// Wraps `table` and reports its unknown keys.
    fn new(
        sink: &'s mut Sink<'a>,
        table: &'t dyn TableLike,
        pos: Pos,
        what: &'static str,
        allowed: &[&str],
    ) -> Self {
        for (key, _) in table.iter() {
            if allowed.contains(&key) {
                continue;
            }
            let kpos = sink.pos(table.key(key).and_then(|k| k.span()));
            let hint = suggest(key, allowed).map_or_else(
                || format!("allowed here: {}", allowed.join(", ")),
                |s| format!("did you mean `{s}`?"),
            );
            sink.error(kpos, format!("unknown key `{key}` in {what}"), Some(hint));
        }
        Self {
            sink,
            table,
            pos,
            what,
        }
    }

    fn value_pos(&self, key: &str) -> Pos {
        match self.table.get_key_value(key) {
            Some((k, item)) => {
                let span = item
                    .span()
                    .or_else(|| item.as_value().and_then(Value::span))
                    .or_else(|| k.span());
                self.sink.pos(span)
            }
            None => self.pos,
        }
    }

    fn check_text(&mut self, key: &str, s: &str, pos: Pos) {
        if s.trim().is_empty() {
            self.sink.error(
                pos,
                format!("`{key}` is empty"),
                Some(format!("write the {key}, or remove the line")),
            );
        } else if s.chars().count() > MAX_FIELD_CHARS {
            self.sink.error(
                pos,
                format!(
                    "`{key}` is {} characters long; the limit is {MAX_FIELD_CHARS}",
                    s.chars().count()
                ),
                Some("shorten it or split it up".to_string()),
            );
        }
    }

    /// A string field; missing-but-required is an error. Returns "" when absent or wrong.
    fn string(&mut self, key: &str, required: bool) -> (String, Pos) {
        let pos = self.value_pos(key);
        match self.table.get(key) {
            None => {
                if required {
                    self.sink.error(
                        self.pos,
                        format!("{} is missing required field `{key}`", self.what),
                        Some(format!("add `{key} = \"...\"`")),
                    );
                }
                (String::new(), pos)
            }
            Some(item) => match item.as_str() {
                Some(s) => {
                    self.check_text(key, s, pos);
                    (s.to_string(), pos)
                }
                None => {
                    self.sink.error(
                        pos,
                        format!("`{key}` must be text in quotes, not {}", item.type_name()),
                        Some(format!("write {key} = \"...\"")),
                    );
                    (String::new(), pos)
                }
            },
        }
    }

    fn string_or(&mut self, key: &str, default: &str) -> String {
        if self.table.get(key).is_none() {
            return default.to_string();
        }
        self.string(key, false).0
    }

    /// A list of strings (absent = empty), with each entry's position.
    fn string_list(&mut self, key: &str) -> (Vec<String>, Vec<Pos>) {
        let Some(item) = self.table.get(key) else {
            return (Vec::new(), Vec::new());
        };
        let pos = self.value_pos(key);
        let Some(arr) = item.as_array() else {
            self.sink.error(
                pos,
                format!("`{key}` must be a list like [\"...\", \"...\"]"),
                None,
            );
            return (Vec::new(), Vec::new());
        };
        let mut out = Vec::new();
        let mut positions = Vec::new();
        for v in arr.iter() {
            let p = self.sink.pos(v.span());
            match v.as_str() {
                Some(s) => {
                    self.check_text(key, s, p);
                    out.push(s.to_string());
                    positions.push(p);
                }
                None => self.sink.error(
                    p,
                    format!("entries of `{key}` must be text in quotes"),
                    None,
                ),
            }
        }
        (out, positions)
    }

    /// A list of ideas, each written as alternatives separated by `|` (`"equal | same size"`).
    fn ideas(&mut self, key: &str) -> Vec<Vec<String>> {
        let (written, positions) = self.string_list(key);
        let mut out = Vec::new();
        for (w, p) in written.iter().zip(positions) {
            let idea = Question::idea(w);
            if idea.is_empty() {
                self.sink.error(
                    p,
                    format!("an idea in `{key}` has no words"),
                    Some("write the idea's words, alternatives separated by |".to_string()),
                );
            } else {
                out.push(idea);
            }
        }
        out
    }

    /// An optional string field (absent = `None`).
    fn string_opt(&mut self, key: &str) -> Option<String> {
        self.table.get(key)?;
        Some(self.string(key, false).0).filter(|s| !s.is_empty())
    }

    /// A list of strings where empty entries are allowed (e.g. "no feedback for this choice").
    fn string_list_allow_empty(&mut self, key: &str) -> Vec<String> {
        let Some(arr) = self.table.get(key).and_then(Item::as_array) else {
            return self.string_list(key).0;
        };
        let mut out = Vec::new();
        for v in arr.iter() {
            match v.as_str() {
                Some(s) => out.push(s.to_string()),
                None => {
                    let p = self.sink.pos(v.span());
                    self.sink.error(
                        p,
                        format!("entries of `{key}` must be text in quotes"),
                        None,
                    );
                }
            }
        }
        out
    }

    fn boolean(&mut self, key: &str) -> Option<bool> {
        let item = self.table.get(key)?;
        let pos = self.value_pos(key);
        let b = item.as_bool();
        if b.is_none() {
            self.sink.error(
                pos,
                format!("`{key}` must be true or false"),
                Some(format!("write {key} = false (no quotes)")),
            );
        }
        b
    }

    /// A whole number from 1 to 100000.
    fn whole(&mut self, key: &str) -> Option<u32> {
        let item = self.table.get(key)?;
        let pos = self.value_pos(key);
        match item.as_integer() {
            Some(i) if (1..=100_000).contains(&i) => Some(i as u32),
            _ => {
                self.sink.error(
                    pos,
                    format!("`{key}` must be a whole number of minutes, like 15"),
                    None,
                );
                None
            }
        }
    }

    /// `forgive = { typos = false, ... }`.
    fn forgive(&mut self) -> Forgive {
        let mut out = Forgive::default();
        let Some(item) = self.table.get("forgive") else {
            return out;
        };
        let pos = self.value_pos("forgive");
        let Some(t) = item.as_table_like() else {
            self.sink.error(
                pos,
                "`forgive` must be a table like { typos = false }",
                Some(format!("keys: {}", Forgive::KEYS.join(", "))),
            );
            return out;
        };
        for (key, v) in t.iter() {
            let kpos = self.sink.pos(t.key(key).and_then(|k| k.span()));
            match v.as_bool() {
                Some(b) if out.set(key, b) => {}
                Some(_) => {
                    let hint = suggest(key, &Forgive::KEYS).map_or_else(
                        || format!("allowed here: {}", Forgive::KEYS.join(", ")),
                        |s| format!("did you mean `{s}`?"),
                    );
                    self.sink
                        .error(kpos, format!("unknown key `{key}` in forgive"), Some(hint));
                }
                None => {
                    self.sink
                        .error(kpos, format!("`forgive.{key}` must be true or false"), None)
                }
            }
        }
        out
    }

    /// `image` + `image_alt`: the path and its alt text (checked by the validator).
    fn image(&mut self) -> Option<Image> {
        let path = self.string_opt("image");
        let pos = self.value_pos("image");
        let alt = self.string_opt("image_alt");
        match (path, alt) {
            (Some(path), alt) => Some(Image {
                path,
                alt: alt.unwrap_or_default(),
                pos,
            }),
            (None, Some(_)) => {
                let pos = self.value_pos("image_alt");
                self.sink.error(
                    pos,
                    "`image_alt` without `image`",
                    Some("add image = \"path/to/picture.png\" or remove image_alt".to_string()),
                );
                None
            }
            (None, None) => None,
        }
    }

    fn number(&mut self, key: &str) -> Option<f64> {
        let item = self.table.get(key)?;
        let pos = self.value_pos(key);
        match (item.as_float(), item.as_integer()) {
            (Some(f), _) => Some(f),
            (_, Some(i)) => Some(i as f64),
            _ => {
                self.sink
                    .error(pos, format!("`{key}` must be a number like 0.01"), None);
                None
            }
        }
    }
}

/// The closest allowed key, if it is close enough to be a typo.
pub fn suggest<'k>(key: &str, allowed: &[&'k str]) -> Option<&'k str> {
    allowed
        .iter()
        .map(|a| (strsim::damerau_levenshtein(&key.to_lowercase(), a), *a))
        .filter(|(d, a)| *d <= 2.max(a.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}
