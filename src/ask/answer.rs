//! Answering a student's question from the course material, with a source for every part.
//!
//! - Nothing relevant retrieved → [`Outcome::NotInMaterial`]: say so and point to the teacher;
//!   nothing is invented.
//! - Relevant passages that would give away a pending check's answer are withheld (the student
//!   is told they come back after the check).
//! - Voice 0–1 (the default model): the passages themselves, trimmed to the sentences that share
//!   words with the question.
//! - Voice 2–3 with a model: the model words an answer from the passages; every sentence must be
//!   grounded in one retrieved passage (content-word overlap ≥ [`GROUNDING_MIN_OVERLAP`], and its
//!   numbers written there) and must not reveal a pending answer, else the passages are shown.

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;

use super::AskError;
use super::index::AskIndex;
use super::passages::{GLOSSARY_FILE, Passage};
use super::retrieve::{self, Hit};
use super::text::{content_stems, numbers, sentences};
use crate::curriculum::grade::parse_number;
use crate::curriculum::{Check, CheckKind, Course};
use crate::engine::{CacheSlot, ChatBackend, ChatMessage, GenParams, GenRequest};

/// What the student sees when the material has no answer.
pub const NOT_IN_MATERIAL: &str = "That isn't in your course material — ask your teacher.";
/// What the student sees when the answer is held back during a check.
pub const WITHHELD: &str = "Your course material covers this, but it would give away the answer to the question you are working on. Finish the check first: the material will be there afterwards.";

/// The least share of a written sentence's content words that one passage must contain.
pub const GROUNDING_MIN_OVERLAP: f64 = 0.75;
/// The voice level from which the model writes the answer.
pub const MODEL_VOICE: u8 = 2;
/// Most passages in one answer.
const MAX_PASSAGES: usize = 2;
/// Most sentences kept from one passage.
const MAX_SENTENCES: usize = 3;

/// Where a part of an answer comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub file: String,
    pub heading: String,
    pub line: usize,
}

impl Source {
    fn of(p: &Passage) -> Self {
        Self {
            file: p.file.clone(),
            heading: p.heading.clone(),
            line: p.line,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.file == GLOSSARY_FILE {
            return write!(f, "glossary: {}", self.heading);
        }
        write!(f, "{}", self.file)?;
        if !self.heading.is_empty() {
            write!(f, ", \"{}\"", self.heading)?;
        }
        write!(f, ", line {}", self.line)
    }
}

/// One piece of an answer and its source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Part {
    pub text: String,
    pub source: Source,
}

/// What kind of answer this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The material's own sentences.
    FromMaterial,
    /// Worded by the model, every sentence grounded in a passage.
    Written,
    /// Nothing relevant in the material.
    NotInMaterial,
    /// Relevant material exists but all of it would reveal a pending answer.
    Withheld,
}

/// An answer with its sources.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub outcome: Outcome,
    pub parts: Vec<Part>,
    /// Relevant passages held back because they contain a pending check's answer.
    pub withheld: usize,
}

impl Answer {
    /// Plain text for line mode and the CLI: the parts, each followed by its source.
    pub fn render_plain(&self) -> String {
        let mut out = String::new();
        match self.outcome {
            Outcome::NotInMaterial => out.push_str(NOT_IN_MATERIAL),
            Outcome::Withheld => out.push_str(WITHHELD),
            Outcome::FromMaterial | Outcome::Written => {
                out.push_str(if self.outcome == Outcome::Written {
                    "From your course material (in the tutor's words):\n"
                } else {
                    "From your course material:\n"
                });
                let mut last: Option<&Source> = None;
                for p in &self.parts {
                    if last.is_some_and(|s| s != &p.source) {
                        out.push_str(&format!("  (source: {})\n", last.expect("checked")));
                    }
                    out.push_str(&format!("  {}\n", p.text));
                    last = Some(&p.source);
                }
                if let Some(s) = last {
                    out.push_str(&format!("  (source: {s})"));
                }
                if self.withheld > 0 {
                    out.push_str(
                        "\n(Some material is held back until you finish the current check.)",
                    );
                }
            }
        }
        out
    }
}

/// Answers `question` about `course` from the index. `pending`: checks the student is working
/// on now (their answers are never shown). `voice`: 0..=3; from [`MODEL_VOICE`] the model words
/// the answer when `backend` is given.
pub fn answer(
    index: &AskIndex,
    course: &Course,
    question: &str,
    pending: &[&Check],
    voice: u8,
    backend: Option<&dyn ChatBackend>,
) -> Result<Answer, AskError> {
    let hits = retrieve::search(index, &course.id, question, 8)?;
    let relevant: Vec<&Hit> = hits.iter().filter(|h| h.relevant()).collect();
    if relevant.is_empty() {
        return Ok(Answer {
            outcome: Outcome::NotInMaterial,
            parts: Vec::new(),
            withheld: 0,
        });
    }
    let (hidden, shown): (Vec<&Hit>, Vec<&Hit>) = relevant
        .into_iter()
        .partition(|h| pending.iter().any(|c| reveals(c, &h.passage.text)));
    if shown.is_empty() {
        return Ok(Answer {
            outcome: Outcome::Withheld,
            parts: Vec::new(),
            withheld: hidden.len(),
        });
    }
    let top = shown[0].score;
    let chosen: Vec<&Passage> = shown
        .iter()
        .filter(|h| h.score >= 0.5 * top)
        .take(MAX_PASSAGES)
        .map(|h| &h.passage)
        .collect();
    if voice >= MODEL_VOICE
        && let Some(backend) = backend
    {
        match write(backend, question, &chosen, pending) {
            Ok(parts) => {
                return Ok(Answer {
                    outcome: Outcome::Written,
                    parts,
                    withheld: hidden.len(),
                });
            }
            Err(why) => tracing::info!(%why, "model answer rejected; showing the passages"),
        }
    }
    let parts = chosen
        .iter()
        .flat_map(|p| {
            trim(&p.text, question).into_iter().map(|text| Part {
                text,
                source: Source::of(p),
            })
        })
        .collect();
    Ok(Answer {
        outcome: Outcome::FromMaterial,
        parts,
        withheld: hidden.len(),
    })
}

/// The sentences of `passage` that share a content word with `question` (at most
/// [`MAX_SENTENCES`]); the first sentences when none does.
pub fn trim(passage: &str, question: &str) -> Vec<String> {
    let q: HashSet<String> = content_stems(question).into_iter().collect();
    let all = sentences(passage);
    let matching: Vec<String> = all
        .iter()
        .filter(|s| content_stems(s).iter().any(|w| q.contains(w)))
        .take(MAX_SENTENCES)
        .cloned()
        .collect();
    if matching.is_empty() {
        all.into_iter().take(2).collect()
    } else {
        matching
    }
}

/// Whether `text` gives away `check`'s answer: a number equal to a numeric answer, or a sentence
/// holding the answer's content words (all of them for short answers, 75% for long ones).
pub fn reveals(check: &Check, text: &str) -> bool {
    let forms = std::iter::once(&check.answer).chain(&check.accept);
    let text_numbers = numbers(text);
    let text_sentences: Vec<HashSet<String>> = sentences(text)
        .iter()
        .map(|s| content_stems(s).into_iter().collect())
        .collect();
    for form in forms {
        let as_number = matches!(check.kind, CheckKind::Numeric | CheckKind::Short)
            .then(|| parse_number(form))
            .flatten();
        if let Some(v) = as_number {
            let slack = check.tolerance.unwrap_or(0.0).max(1e-9 * v.abs().max(1.0));
            if text_numbers.iter().any(|n| (n - v).abs() <= slack) {
                return true;
            }
            continue;
        }
        let want = content_stems(form);
        if want.is_empty() {
            continue;
        }
        let need = if want.len() <= 3 {
            want.len()
        } else {
            (want.len() as f64 * 0.75).ceil() as usize
        };
        if text_sentences
            .iter()
            .any(|s| want.iter().filter(|w| s.contains(*w)).count() >= need)
        {
            return true;
        }
    }
    false
}

/// The passage that supports `sentence`, if one does.
pub fn supporting<'p>(sentence: &str, passages: &[&'p Passage]) -> Option<&'p Passage> {
    let words = content_stems(sentence);
    if words.is_empty() {
        return None;
    }
    let nums = numbers(sentence);
    passages.iter().copied().find(|p| {
        let have: HashSet<String> = content_stems(&p.text).into_iter().collect();
        let overlap =
            words.iter().filter(|w| have.contains(*w)).count() as f64 / words.len() as f64;
        let pn = numbers(&p.text);
        overlap >= GROUNDING_MIN_OVERLAP
            && nums.iter().all(|n| pn.iter().any(|m| (m - n).abs() < 1e-9))
    })
}

fn write(
    backend: &dyn ChatBackend,
    question: &str,
    passages: &[&Passage],
    pending: &[&Check],
) -> Result<Vec<Part>, String> {
    let notes = passages
        .iter()
        .enumerate()
        .map(|(i, p)| format!("[{}] {}", i + 1, p.text.replace('\n', " ")))
        .collect::<Vec<_>>()
        .join("\n");
    let messages = vec![
        ChatMessage::system(
            "You answer a student's question using only the teacher's notes below. \
             Write one to three short, simple sentences. Use only facts from the notes.",
        ),
        ChatMessage::user(format!("Notes:\n{notes}\n\nQuestion: {question}")),
    ];
    let request = GenRequest::new(messages, GenParams::greedy(96)).on(CacheSlot::Aux);
    let (reply, _) = backend
        .generate(request)
        .wait()
        .map_err(|e| e.to_string())?;
    if pending.iter().any(|c| reveals(c, &reply)) {
        return Err("the reply contains a pending check's answer".into());
    }
    let mut parts = Vec::new();
    for s in sentences(&reply) {
        let p = supporting(&s, passages).ok_or_else(|| format!("unsupported sentence: {s:?}"))?;
        parts.push(Part {
            text: s,
            source: Source::of(p),
        });
    }
    if parts.is_empty() {
        return Err("empty reply".into());
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passage(text: &str) -> Passage {
        Passage {
            file: "m.md".into(),
            heading: "H".into(),
            line: 1,
            text: text.into(),
        }
    }

    #[test]
    fn numeric_answers_are_found_in_words_and_digits() {
        let c = Check::new(
            "c",
            CheckKind::Numeric,
            "How many thirds make a whole?",
            "3",
        );
        assert!(reveals(&c, "Three thirds make one whole."));
        assert!(reveals(&c, "So 3/3 = 1."));
        assert!(!reveals(&c, "Halves are two equal parts."));
    }

    #[test]
    fn short_answers_need_all_their_words_in_one_sentence() {
        let c = Check::new("c", CheckKind::Short, "Which gas?", "carbon dioxide");
        assert!(reveals(&c, "Plants take in carbon dioxide from the air."));
        assert!(!reveals(&c, "Carbon is an element. Dioxide is a word."));
    }

    #[test]
    fn grounding_rejects_sentences_with_new_facts_or_numbers() {
        let p = passage("A fair die has six outcomes: 1, 2, 3, 4, 5 and 6.");
        let ps = [&p];
        assert!(supporting("A fair die has six outcomes.", &ps).is_some());
        assert!(supporting("A fair die has 8 outcomes.", &ps).is_none());
        assert!(supporting("Dice were invented in ancient Egypt by priests.", &ps).is_none());
    }

    #[test]
    fn trimming_keeps_sentences_about_the_question() {
        let t = trim(
            "Fractions are numbers. The denominator is the bottom number. Pizza is tasty.",
            "what is a denominator?",
        );
        assert_eq!(t, vec!["The denominator is the bottom number.".to_string()]);
    }
}
