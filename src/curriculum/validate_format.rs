//! Rules for the fields added for real teaching material, and teaching-quality warnings:
//! a hint or guiding question that gives the answer away, a hint ladder shorter than three
//! rungs, most choice answers in one position, one-letter choices that clash with letters.

use std::collections::HashSet;

use super::diag::{Pos, Sink};
use super::grade::{self, kinds, number, short, units};
use super::{Check, CheckKind, Concept, Course, Forgive, Image};

/// Runs the rules of this module on `course`.
pub fn validate_format(course: &Course, sink: &mut Sink<'_>) {
    for c in &course.concepts {
        if let Some(img) = &c.image {
            check_image(img, sink);
        }
        for k in &c.checks {
            check_fields(k, sink);
            if let Some(img) = &k.image {
                check_image(img, sink);
            }
            leaky_hints(k, sink);
            if (1..3).contains(&k.hints.len()) {
                sink.warn(
                    k.pos_of("hints"),
                    format!(
                        "check {:?} has a hint ladder of {} rung{}; three are recommended",
                        k.id,
                        k.hints.len(),
                        if k.hints.len() == 1 { "" } else { "s" }
                    ),
                    Some(
                        "a nudge, then more help, then a worked example of a similar problem"
                            .to_string(),
                    ),
                );
            }
        }
        later_answers(c, sink);
    }
    answer_positions(course, sink);
}

fn check_image(img: &Image, sink: &mut Sink<'_>) {
    if img.alt.trim().is_empty() {
        sink.error(
            img.pos,
            format!("image {:?} has no alt text", img.path),
            Some(
                "add image_alt = \"what the picture shows\" (the terminal shows this text)"
                    .to_string(),
            ),
        );
    }
    // The file itself is checked beside the course file: see `images::check_images`.
}

fn check_fields(k: &Check, sink: &mut Sink<'_>) {
    let kind = k.kind;
    let only = |sink: &mut Sink<'_>, key: &str, ok: bool, which: &str| {
        if !ok && k.key_pos.contains_key(key) {
            sink.error(
                k.pos_of(key),
                format!(
                    "`{key}` only applies to {which} checks (this one is {:?})",
                    kind.name()
                ),
                Some(format!("remove `{key}` or change `kind`")),
            );
        }
    };
    let choice = kind == CheckKind::Choice;
    let numeric = kind == CheckKind::Numeric;
    only(sink, "answers", choice, "choice");
    only(sink, "choice_feedback", choice, "choice");
    only(sink, "shuffle", kind.has_options(), "choice and ordering");
    for key in ["min", "max", "unit", "form"] {
        only(sink, key, numeric, "numeric");
    }
    only(sink, "blanks", kind == CheckKind::Cloze, "cloze");
    only(sink, "items", kind == CheckKind::Ordering, "ordering");
    only(sink, "ideas", kind == CheckKind::Text, "text");
    only(
        sink,
        "forgive",
        matches!(kind, CheckKind::Short | CheckKind::Cloze),
        "short and cloze",
    );
    only(
        sink,
        "accept",
        matches!(
            kind,
            CheckKind::Short | CheckKind::Numeric | CheckKind::Choice | CheckKind::Text
        ),
        "short, numeric, choice and text",
    );
    match kind {
        CheckKind::Choice => check_choice(k, sink),
        CheckKind::Numeric => check_numeric(k, sink),
        CheckKind::Cloze => {
            let blanks = kinds::blank_count(&k.prompt);
            if k.blanks.is_empty() {
                sink.error(
                    k.id_pos,
                    "a cloze check needs `blanks`",
                    Some("add blanks = [\"answer of blank 1\", \"answer of blank 2\"]".to_string()),
                );
            } else if blanks != k.blanks.len() {
                sink.error(
                    k.pos_of("blanks"),
                    format!(
                        "the prompt has {blanks} blank{} (___) but `blanks` lists {}",
                        if blanks == 1 { "" } else { "s" },
                        k.blanks.len()
                    ),
                    Some(
                        "mark each blank in the prompt with ___ and give one answer per blank"
                            .to_string(),
                    ),
                );
            }
        }
        CheckKind::Ordering => {
            if k.items.len() < 2 {
                sink.error(
                    k.pos_of("items").max(k.id_pos),
                    "an ordering check needs at least two `items`",
                    Some("add items = [\"first\", \"second\", ...] in the right order".to_string()),
                );
            }
            let mut seen = HashSet::new();
            for it in &k.items {
                if !seen.insert(grade::normalize(it)) {
                    sink.error(
                        k.pos_of("items"),
                        format!("item {it:?} is listed twice"),
                        None,
                    );
                }
            }
        }
        CheckKind::TrueFalse
            if kinds::truth(&k.answer).is_none() && !k.answer.trim().is_empty() =>
        {
            sink.error(
                k.answer_pos,
                format!(
                    "a truefalse answer must be \"true\" or \"false\", not {:?}",
                    k.answer
                ),
                None,
            );
        }
        _ => {}
    }
}

fn check_choice(k: &Check, sink: &mut Sink<'_>) {
    for a in &k.answers {
        if !k
            .choices
            .iter()
            .any(|c| grade::normalize(c) == grade::normalize(a))
        {
            sink.error(
                k.pos_of("answers"),
                format!("answer {a:?} in `answers` is not one of the choices"),
                Some(
                    "each of `answers` must be written exactly like one of the `choices`"
                        .to_string(),
                ),
            );
        }
    }
    if !k.answers.is_empty()
        && k.key_pos.contains_key("answer")
        && !k
            .answers
            .iter()
            .any(|a| grade::normalize(a) == grade::normalize(&k.answer))
    {
        sink.error(
            k.answer_pos,
            format!("answer {:?} is not one of `answers`", k.answer),
            Some(
                "with several right choices, list them all in `answers` and drop `answer`"
                    .to_string(),
            ),
        );
    }
    if !k.choice_feedback.is_empty() && k.choice_feedback.len() != k.choices.len() {
        sink.error(
            k.pos_of("choice_feedback"),
            format!(
                "`choice_feedback` has {} entries for {} choices",
                k.choice_feedback.len(),
                k.choices.len()
            ),
            Some("give one message per choice, in the same order (\"\" for none)".to_string()),
        );
    }
    for a in &k.accept {
        if !grade::grade(k, a).is_correct() {
            sink.error(
                k.pos_of("accept"),
                format!("accepted answer {a:?} does not pick the right choice"),
                Some(
                    "on a choice check, `accept` lists other ways to write the right choice"
                        .to_string(),
                ),
            );
        }
    }
    for (i, c) in k.choices.iter().enumerate() {
        let t = c.trim().to_lowercase();
        let mut cs = t.chars();
        if let (Some(l), None) = (cs.next(), cs.next())
            && l.is_ascii_lowercase()
            && ((l as u8 - b'a') as usize) < k.choices.len()
        {
            sink.warn(
                k.pos_of("choices"),
                format!(
                    "choice {c:?} is a single letter: typing \"{l}\" could mean it or option {l}",
                    ),
                Some(format!(
                    "write it out (e.g. \"the letter {l}\") or keep it: students are asked which they mean (choice {} of the list)",
                    i + 1
                )),
            );
        }
    }
}

fn check_numeric(k: &Check, sink: &mut Sink<'_>) {
    let prompt = k.prompt.to_lowercase();
    let asked = [
        ("as a fraction", "fraction"),
        ("simplest form", "simplest"),
        ("lowest terms", "simplest"),
        ("as a mixed number", "mixed"),
        ("as a decimal", "decimal"),
        ("as a percent", "percent"),
    ]
    .into_iter()
    .find(|(phrase, _)| prompt.contains(phrase));
    if let Some((phrase, form)) = asked
        && k.form.is_none()
    {
        sink.warn(
            k.pos_of("prompt"),
            format!("the prompt asks for an answer {phrase:?} but the check has no `form`"),
            Some(format!(
                "add form = \"{form}\", or reword the prompt: without it, the same number in any form is accepted"
            )),
        );
    }
    if let Some(u) = &k.unit
        && units::find(u).is_none()
    {
        sink.error(
            k.pos_of("unit"),
            format!("unknown unit {u:?}"),
            Some(format!(
                "known units: {}",
                units::UNITS
                    .iter()
                    .map(|u| u.symbol)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        );
    }
    if let (Some(lo), Some(hi)) = (k.min, k.max)
        && lo > hi
    {
        sink.error(
            k.pos_of("min"),
            format!("`min` ({lo}) is larger than `max` ({hi})"),
            None,
        );
    }
    if (k.min.is_some() || k.max.is_some())
        && let Some((key, _)) = grade::numeric::key(k)
    {
        let v = key.value;
        if k.min.is_some_and(|m| v < m) || k.max.is_some_and(|m| v > m) {
            sink.error(
                k.answer_pos,
                format!("answer {:?} is outside `min`..`max`", k.answer),
                None,
            );
        }
    }
}

/// The texts a hint must not contain for `k`, as (what, matcher).
fn answer_in(k: &Check, text: &str) -> Option<String> {
    let forgive = Forgive {
        typos: false,
        plurals: false,
        ..Forgive::default()
    };
    let hay = format!(" {} ", short::canonical(text, forgive, &k.language));
    let word_in = |needle: &str| {
        let n = short::canonical(needle, forgive, &k.language);
        (n.chars().count() >= 3 && hay.contains(&format!(" {n} "))).then(|| needle.to_string())
    };
    match k.kind {
        CheckKind::Short => std::iter::once(&k.answer)
            .chain(&k.accept)
            .filter(|a| number::read_one(a, &k.language).is_err())
            .find_map(|a| word_in(a)),
        CheckKind::Choice => k.correct_choices().iter().find_map(|a| {
            if number::read_one(a, &k.language).is_ok() {
                same_number_in(k, a, text)
            } else {
                word_in(a)
            }
        }),
        CheckKind::Numeric => same_number_in(k, &k.answer, text),
        CheckKind::Cloze => k
            .blanks
            .iter()
            .flat_map(|b| b.split('|'))
            .find_map(|a| word_in(a.trim())),
        _ => None,
    }
}

/// Whether `text` writes the number `answer` exactly as the key does (e.g. "3/4" in a hint).
fn same_number_in(k: &Check, answer: &str, text: &str) -> Option<String> {
    let key = number::read_one(answer, &k.language).ok()?;
    let prepared = number::prepare(text, &k.language);
    number::candidates(&prepared, &k.language)
        .iter()
        .any(|c| {
            c.written == key.written
                && (c.value - key.value).abs() < 1e-9 * key.value.abs().max(1.0)
        })
        .then(|| answer.to_string())
}

fn leaky_hints(k: &Check, sink: &mut Sink<'_>) {
    for (i, h) in k.hints.iter().enumerate() {
        if let Some(a) = answer_in(k, h) {
            sink.warn(
                k.hints_pos.get(i).copied().unwrap_or(k.pos_of("hints")),
                format!(
                    "hint {} of check {:?} contains the answer {a:?}",
                    i + 1,
                    k.id
                ),
                Some("a hint should lead to the answer, not state it".to_string()),
            );
        }
    }
}

/// The answer of `k` if `text` names it: written as the key writes it, or (for a number) any
/// number of the same value, in digits or words ("three" for 3, "2/4" for 1/2).
fn names_answer(k: &Check, text: &str) -> Option<String> {
    if let Some(a) = answer_in(k, text) {
        return Some(a);
    }
    let numbers: Vec<&str> = match k.kind {
        CheckKind::Numeric => vec![k.answer.as_str()],
        // "CO2" is a formula, not the number 2: only keys written without letters.
        CheckKind::Short => std::iter::once(&k.answer)
            .chain(&k.accept)
            .map(String::as_str)
            .filter(|a| !a.chars().any(char::is_alphabetic))
            .collect(),
        CheckKind::Choice => k.correct_choices(),
        _ => Vec::new(),
    };
    let values = |t: &str| number::candidates(&number::prepare(t, &k.language), &k.language);
    let found = values(text);
    let asked = values(&k.prompt);
    let same = |a: f64, b: f64| (a - b).abs() < 1e-9 * b.abs().max(1.0);
    numbers.into_iter().find_map(|a| {
        let key = number::read_one(a, &k.language).ok()?;
        // "Which are equal to one half?": the value is the question's own, only the form is
        // the answer (that form is still caught above).
        if asked.iter().any(|c| same(c.value, key.value)) {
            return None;
        }
        found
            .iter()
            .any(|c| !c.negated && same(c.value, key.value))
            .then(|| a.to_string())
    })
}

/// Teacher text shown before a check must not name its answer: the notes and guiding questions
/// come before every check of the concept, a check's hints and explanation before the checks
/// after it. The lesson shows the teacher's text as written, so the teacher rewords or reorders.
fn later_answers(c: &Concept, sink: &mut Sink<'_>) {
    let warn = |sink: &mut Sink<'_>, pos: Pos, what: String, k: &Check, a: String| {
        sink.warn(
            pos,
            format!(
                "{what} names {a:?}, the answer of check {:?}, which comes later in the lesson",
                k.id
            ),
            Some(format!(
                "reword it so it does not give that answer, or move check {:?} earlier",
                k.id
            )),
        );
    };
    for k in &c.checks {
        if !c.notes.is_empty()
            && let Some(a) = names_answer(k, &c.notes)
        {
            warn(
                sink,
                c.notes_pos,
                format!("the notes of concept {:?}", c.id),
                k,
                a,
            );
        }
        for (i, q) in c.questions.iter().enumerate() {
            if let Some(a) = q.texts().find_map(|t| names_answer(k, t)) {
                let pos = c.questions_pos.get(i).copied().unwrap_or(c.id_pos);
                warn(
                    sink,
                    pos,
                    format!("guiding question {} of concept {:?}", i + 1, c.id),
                    k,
                    a,
                );
            }
        }
    }
    for (i, earlier) in c.checks.iter().enumerate() {
        for k in &c.checks[i + 1..] {
            for (h, hint) in earlier.hints.iter().enumerate() {
                if let Some(a) = names_answer(k, hint) {
                    let pos = earlier
                        .hints_pos
                        .get(h)
                        .copied()
                        .unwrap_or(earlier.pos_of("hints"));
                    warn(
                        sink,
                        pos,
                        format!("hint {} of check {:?}", h + 1, earlier.id),
                        k,
                        a,
                    );
                }
            }
            if let Some(a) = names_answer(k, &earlier.explanation) {
                let pos = earlier.pos_of("explanation");
                warn(
                    sink,
                    pos,
                    format!("the explanation of check {:?}", earlier.id),
                    k,
                    a,
                );
            }
        }
    }
}

fn answer_positions(course: &Course, sink: &mut Sink<'_>) {
    let mut counts = [0usize; 26];
    let mut total = 0;
    let mut first: [Option<Pos>; 26] = [None; 26];
    for (_, k) in course.checks() {
        if k.kind != CheckKind::Choice || !k.answers.is_empty() {
            continue;
        }
        if let Some(&i) = grade::choice::correct_indices(k).first()
            && i < 26
        {
            counts[i] += 1;
            total += 1;
            first[i].get_or_insert(k.answer_pos);
        }
    }
    if total < 4 {
        return;
    }
    if let Some((i, &n)) = counts.iter().enumerate().max_by_key(|(_, n)| **n)
        && n * 2 > total
    {
        sink.warn(
            first[i].unwrap_or(course.id_pos),
            format!(
                "{n} of {total} choice answers are option {} as written",
                grade::choice_letter(i)
            ),
            Some("vary where the right choice is written (students who see the file, or checks with shuffle = false, can guess the position)".to_string()),
        );
    }
}
