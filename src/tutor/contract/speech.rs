//! Rules (b)–(e) of the reply contract: no claim about a pending check's answer, only
//! grounded numbers, names and subject terms, one speaker, and the shape of a reply (one
//! question, a length cap, the course's language).

use std::collections::HashSet;

use text2num::Language;

use super::text::{Folded, mentions, same, words};

/// Phrases that state or judge an answer.
const CLAIMS: &[&str] = &[
    "the answer is",
    "the answer's",
    "answer would be",
    "answer should be",
    "answer must be",
    "the correct answer",
    "the right answer",
    "the final answer",
    "the result is",
    "the solution is",
    "it equals",
    "the total is",
    "la respuesta es",
    "la reponse est",
    "die antwort ist",
];
/// Judgements of the student's attempt.
const VERDICTS: &[&str] = &[
    "that's right",
    "that is right",
    "that's correct",
    "that is correct",
    "you're right",
    "you are right",
    "you're correct",
    "you are correct",
    "you got it",
    "spot on",
    "exactly right",
    "that's it",
    "that's wrong",
    "that is wrong",
    "that's not right",
    "that's incorrect",
    "is incorrect",
    "is wrong",
    "is not right",
    "isn't right",
    "not correct",
    "correcto",
    "c'est juste",
    "richtig",
];
const YES_NO: &[&str] = &[
    "yes", "yeah", "yep", "no", "nope", "correct", "right", "exactly", "si", "oui", "non", "ja",
    "nein",
];

/// Whether the student's line reads like an answer or a guess (a number, a choice letter, a
/// short phrase, "is it ...").
fn looks_like_attempt(line: &str, lang: &Language) -> bool {
    let f = Folded::new(line).text;
    let ws = words(&f);
    !mentions(line, lang).is_empty()
        || ws.len() <= 4
        || f.contains("is it")
        || f.contains(" or ")
        || ws.iter().any(|w| w.2.len() == 1 && w.2 != "i")
}

/// Rule (b): the reply states an answer, judges one, or confirms or denies a guess.
pub fn claims(reply: &str, last_student: Option<&str>, lang: &Language) -> Option<String> {
    let f = Folded::new(reply).text;
    for c in CLAIMS {
        if let Some(p) = f.find(c) {
            let rest = f[p + c.len()..].trim_start();
            if !rest.is_empty() && !rest.starts_with('?') {
                return Some(format!("states an answer ({c})"));
            }
        }
    }
    for v in VERDICTS {
        if !super::text::find_words(&f, v).is_empty()
            && last_student.is_some_and(|s| looks_like_attempt(s, lang))
        {
            return Some(format!("judges the answer ({v})"));
        }
    }
    // "it's 12", "= 12", "isn't 12", "not 12"
    let nums = mentions(reply, lang);
    for m in &nums {
        let before = Folded::new(&reply[..m.start]).text;
        let before = before.trim_end();
        if [
            "it's", "it is", "its", "=", "is not", "isn't", "not", "equals", "es", "est", "ist",
        ]
        .iter()
        .any(|cue| {
            before.ends_with(cue)
                && before[..before.len() - cue.len()]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !c.is_alphanumeric())
        }) {
            return Some("states a value as the answer".into());
        }
    }
    // "Yes!" / "No." after "is it 12?"
    let first = words(&f).first().map(|w| w.2.to_string());
    if let (Some(first), Some(s)) = (first, last_student)
        && YES_NO.contains(&first.as_str())
        && s.contains('?')
        && looks_like_attempt(s, lang)
    {
        return Some(format!("answers the student's guess ({first})"));
    }
    None
}

const ROLES: &[&str] = &[
    "student",
    "tutor",
    "teacher",
    "user",
    "assistant",
    "system",
    "human",
    "ai",
    "bot",
    "kid",
    "child",
    "pupil",
    "learner",
    "me",
    "you",
    "q",
    "a",
    "alumno",
    "estudiante",
    "profesor",
    "eleve",
    "professeur",
    "schuler",
    "lehrer",
    "mom",
    "dad",
    "friend",
];
const NOT_SPEAKERS: &[&str] = &[
    "hint",
    "example",
    "note",
    "step",
    "tip",
    "remember",
    "think",
    "question",
    "answer",
    "for example",
    "look",
    "try",
    "here",
    "so",
    "now",
    "also",
    "and",
    "but",
];

/// Rule (d): a line written in someone else's voice ("S: ...", "Student:", "PB: ...",
/// chat-template markers).
pub fn roleplay(reply: &str) -> Option<String> {
    let lower = reply.to_lowercase();
    for marker in [
        "<|im_start|>",
        "<|im_end|>",
        "<|user|>",
        "<|assistant|>",
        "### user",
        "### assistant",
        "[student]",
        "[inst]",
    ] {
        if lower.contains(marker) {
            return Some(marker.to_string());
        }
    }
    // Starts of lines and sentences.
    let mut starts = vec![0];
    for (i, c) in reply.char_indices() {
        if c == '\n' || ((c == '.' || c == '!' || c == '?') && reply[i + 1..].starts_with(' ')) {
            starts.push(i + 1);
        }
    }
    for s in starts {
        let seg = reply[s..]
            .trim_start()
            .trim_start_matches(['#', '*', '-', '>', ' ', '"', '“']);
        let Some(colon) = seg.find(':') else { continue };
        let label = seg[..colon].trim();
        if label.is_empty() || label.len() > 24 || seg[colon + 1..].starts_with("//") {
            continue;
        }
        let lw = label.to_lowercase();
        if NOT_SPEAKERS.contains(&lw.as_str()) {
            continue;
        }
        let parts: Vec<&str> = label.split_whitespace().collect();
        let role = ROLES.contains(&lw.as_str());
        let initials = label.len() <= 3 && label.chars().all(|c| c.is_ascii_uppercase());
        let name = parts.len() <= 2
            && parts.iter().all(|p| {
                p.chars().next().is_some_and(char::is_uppercase)
                    && p.chars()
                        .all(|c| c.is_alphabetic() || c == '.' || c == '\'')
            });
        if role || initials || name {
            let line: String = reply[s..]
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .chars()
                .take(60)
                .collect();
            return Some(line);
        }
    }
    None
}

/// Stop words that tell languages apart.
const STOP_WORDS: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "the", "and", "is", "you", "what", "of", "are", "this", "that", "it", "with", "how",
            "can",
        ],
    ),
    (
        "es",
        &[
            "el", "la", "los", "las", "que", "es", "y", "una", "por", "para", "como", "cual",
            "pero", "muy",
        ],
    ),
    (
        "fr",
        &[
            "le", "la", "les", "est", "et", "une", "vous", "tu", "que", "pour", "avec", "pas",
            "ce", "c'est",
        ],
    ),
    (
        "de",
        &[
            "der", "die", "das", "und", "ist", "nicht", "ein", "eine", "du", "sie", "mit", "wie",
            "was",
        ],
    ),
    (
        "pt",
        &[
            "o", "os", "que", "e", "um", "uma", "voce", "nao", "para", "com", "como", "sao",
        ],
    ),
    (
        "it",
        &[
            "il", "che", "e", "di", "un", "una", "non", "sono", "per", "come", "gli",
        ],
    ),
    (
        "nl",
        &[
            "de", "het", "een", "en", "is", "niet", "je", "wat", "hoe", "zijn", "met",
        ],
    ),
];

/// Rule (e), language: the reply is in the course's language (`code`), judged by stop words
/// and script.
pub fn wrong_language(reply: &str, code: &str) -> Option<String> {
    let base = code.split(['-', '_']).next().unwrap_or(code).to_lowercase();
    let letters: Vec<char> = reply.chars().filter(|c| c.is_alphabetic()).collect();
    let latin = |c: &char| c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(c);
    let non_latin = letters.iter().filter(|c| !latin(c)).count();
    let latin_course = STOP_WORDS.iter().any(|(l, _)| *l == base);
    if latin_course && non_latin * 5 > letters.len().max(1) {
        return Some("not in the course's script".into());
    }
    let f = Folded::new(reply).text;
    let ws: Vec<&str> = words(&f).into_iter().map(|w| w.2).collect();
    let score = |lang: &str| {
        STOP_WORDS
            .iter()
            .find(|(l, _)| *l == lang)
            .map_or(0, |(_, sw)| ws.iter().filter(|w| sw.contains(w)).count())
    };
    let own = score(&base);
    let best = STOP_WORDS
        .iter()
        .map(|(l, _)| (score(l), *l))
        .max()
        .unwrap_or((0, "en"));
    if latin_course && best.1 != base && best.0 >= 3 && best.0 > own * 2 {
        return Some(format!("written in {} rather than {base}", best.1));
    }
    None
}

/// What a reply may mention: the numbers and words of the course's material for this
/// concept and of the student's own lines; subject terms of other concepts are not in it.
#[derive(Debug, Clone, Default)]
pub struct Ground {
    values: Vec<f64>,
    words: HashSet<String>,
    /// Subject terms of the course that this concept's material does not use.
    foreign_terms: HashSet<String>,
}

const CAPITALISED_OK: &[&str] = &[
    "i", "i'm", "i'll", "i've", "i'd", "ok", "okay", "oh", "hi", "hello",
];

impl Ground {
    /// The ground of `material` (texts the reply may draw on) and `other_terms` (texts of the
    /// course's other concepts).
    pub fn new<'a>(
        material: impl IntoIterator<Item = &'a str>,
        other_terms: impl IntoIterator<Item = &'a str>,
        lang: &Language,
    ) -> Self {
        let mut g = Self::default();
        for t in material {
            g.add(t, lang);
        }
        for t in other_terms {
            for w in words(&Folded::new(t).text) {
                if w.2.chars().count() >= 6
                    && !g.words.contains(w.2)
                    && !w.2.chars().any(|c| c.is_ascii_digit())
                {
                    g.foreign_terms.insert(w.2.to_string());
                }
            }
        }
        g
    }

    /// Adds a text the reply may draw on.
    pub fn add(&mut self, text: &str, lang: &Language) {
        // An ordinal ("the third one") names a position, not an amount: it grounds no count.
        // A plural denominator ("cut into eighths") does name one.
        for m in mentions(text, lang)
            .into_iter()
            .filter(|m| m.form != "ordinal" || text[m.start..m.end].ends_with('s'))
        {
            self.values.push(m.value);
        }
        // Every integer written in a fraction ("3/8") is grounded too.
        for w in words(&Folded::new(text).text) {
            if let Ok(v) = w.2.parse::<f64>() {
                self.values.push(v);
            }
            self.words.insert(w.2.to_string());
            self.foreign_terms.remove(w.2);
        }
    }

    /// Rule (c): the first number, name or subject term in `reply` that is not grounded.
    pub fn ungrounded(&self, reply: &str, lang: &Language) -> Option<String> {
        for m in mentions(reply, lang) {
            // A percentage names its number ("100%" names 100): grounded when that number is.
            let percent = matches!(m.form, "percent" | "percent words");
            let named = if percent { m.value * 100.0 } else { m.value };
            if m.form == "ordinal" || (!percent && (same(named, 0.0) || same(named, 1.0))) {
                continue;
            }
            if !self.values.iter().any(|v| same(*v, named)) {
                return Some(reply[m.start..m.end].to_string());
            }
        }
        // Names: capitalised words inside a sentence that the material never uses.
        let mut sentence_start = true;
        let mut prev_end = 0;
        for (i, c) in reply.char_indices() {
            if i < prev_end {
                continue;
            }
            if c.is_alphabetic() {
                let w: String = reply[i..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '\'')
                    .collect();
                prev_end = i + w.len();
                let lw = Folded::new(&w).text;
                if !sentence_start
                    && c.is_uppercase()
                    && !CAPITALISED_OK.contains(&lw.as_str())
                    && !self.words.contains(lw.trim_end_matches("'s"))
                {
                    return Some(w);
                }
                if self.foreign_terms.contains(&lw) {
                    return Some(w);
                }
                sentence_start = false;
            } else if ".!?:;\n\"“(".contains(c) {
                sentence_start = true;
            } else if c.is_ascii_digit() {
                sentence_start = false;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tutor::contract::text::language;

    #[test]
    fn claims_right_or_wrong() {
        let en = language("en");
        for (reply, student) in [
            ("The answer is 7!", None),
            ("The correct answer is b.", None),
            ("It's 12.", Some("is it 12 or 15?")),
            ("Yes!", Some("is it 12?")),
            ("No, it isn't 15.", Some("is it 12 or 15?")),
            ("That's right, well done.", Some("12")),
        ] {
            assert!(claims(reply, student, &en).is_some(), "{reply}");
        }
        for (reply, student) in [
            ("What do you think the answer is?", None),
            (
                "Let's count the slices together. How many are there?",
                Some("is it 12?"),
            ),
            (
                "Yes, fractions are everywhere. Where do you see one?",
                Some("I like pizza and I share it with my sister"),
            ),
        ] {
            assert!(claims(reply, student, &en).is_none(), "{reply}");
        }
    }

    #[test]
    fn other_voices() {
        for r in [
            "S: Yes, I have just the thing!",
            "Great. PB: Wonderful!",
            "Student: I think it's 3",
            "Nice.\nTutor: ok",
            "<|im_start|>user",
        ] {
            assert!(roleplay(r).is_some(), "{r}");
        }
        for r in [
            "Hint: count the slices.",
            "Remember: the parts must be equal. What do you see?",
            "It is 3:15 now",
        ] {
            assert!(roleplay(r).is_none(), "{r}");
        }
    }

    #[test]
    fn languages() {
        assert!(
            wrong_language("¿Cuál es la respuesta? Es una fracción de la pizza.", "en").is_some()
        );
        assert!(wrong_language("答えを教えてください。", "en").is_some());
        assert!(wrong_language("What is the whole pizza cut into?", "en").is_none());
        assert!(wrong_language("¿Qué parte de la pizza es?", "es").is_none());
    }

    #[test]
    fn grounding_numbers_names_and_terms() {
        let en = language("en");
        let g = Ground::new(
            [
                "A pizza is cut into 8 equal slices and Maya eats 3.",
                "half an orange",
            ],
            ["Adding unlike denominators"],
            &en,
        );
        assert!(
            g.ungrounded("Maya ate 3 of the 8 slices. How many are left?", &en)
                .is_none()
        );
        assert_eq!(
            g.ungrounded("That leaves us with six slices!", &en)
                .as_deref(),
            Some("six")
        );
        assert_eq!(
            g.ungrounded("Think of Tom and his pizza.", &en).as_deref(),
            Some("Tom")
        );
        assert_eq!(
            g.ungrounded("What are denominators?", &en).as_deref(),
            Some("denominators")
        );
        assert!(
            g.ungrounded("One slice is one piece of the whole.", &en)
                .is_none()
        );
    }

    #[test]
    fn a_percentage_names_its_number_and_an_ordinal_grounds_no_count() {
        let en = language("en");
        // "100%" is the value 1, but it names 100, which this material never does (found by
        // tutor eval: "A fraction is always 100% correct").
        let g = Ground::new(["Cut one pizza into 8 equal slices."], [], &en);
        assert_eq!(
            g.ungrounded("A fraction is always 100% correct.", &en)
                .as_deref(),
            Some("100%")
        );
        let g = Ground::new(["Half the class, 50 students, said 100 percent."], [], &en);
        assert!(g.ungrounded("Is it 100% or 50%?", &en).is_none());
        let g = Ground::new(["Cut it into eighths."], [], &en);
        assert!(g.ungrounded("How many of the 8 pieces?", &en).is_none());
        // The student said "the third one": a position, not three of something.
        let g = Ground::new(
            ["Which choice is it: the first, the second or the third one?"],
            [],
            &en,
        );
        assert_eq!(
            g.ungrounded("Which of these three sentences is correct?", &en)
                .as_deref(),
            Some("three")
        );
    }
}
