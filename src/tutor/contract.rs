//! The reply contract: every model reply is checked against it before a student sees it.
//!
//! A reply may not (a) reveal a pending check's answer in any form its grader would accept or
//! in a transformed form ([`leak`]); (b) claim any answer to a pending check, right or wrong;
//! (c) mention a number, name or subject term that is in neither the course's material for
//! this concept nor the student's own words; (d) speak in anyone else's voice; (e) break the
//! shape of a reply: more than one question, longer than the voice level allows, or not in the
//! course's language ([`speech`]). Nothing is released because the student typed it.
//!
//! While a reply streams, [`ReplyContract::safe_prefix_len`] says how much of it can be shown:
//! whole sentences that already pass; the rest is held back until the contract can decide.
//! [`ReplyContract::redact`] hides pending answers in text that goes into a prompt.

pub(crate) mod leak;
mod speech;
pub mod text;

use serde::{Deserialize, Serialize};

use self::leak::{Secret, leaks, redact_spans};
use self::speech::{Ground, claims, roleplay, wrong_language};
use crate::curriculum::{Check, Concept, Course};

/// How much the model may say in a lesson, measured per model by `tutor eval`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub enum VoiceLevel {
    /// The teacher's text only; the model only classifies and judges.
    #[default]
    Authored = 0,
    /// The teacher's text plus a short model acknowledgement of the student's words.
    Acknowledge = 1,
    /// The model rephrases the teacher's move.
    Rephrase = 2,
    /// Free Socratic replies.
    Free = 3,
}

impl VoiceLevel {
    /// All levels, lowest first.
    pub const ALL: [VoiceLevel; 4] = [
        Self::Authored,
        Self::Acknowledge,
        Self::Rephrase,
        Self::Free,
    ];

    /// The level numbered `n` (0–3).
    pub fn from_u8(n: u8) -> Option<Self> {
        Self::ALL.get(usize::from(n)).copied()
    }

    /// Its number (0–3).
    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// A short description for `doctor` and Settings.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Authored => "the teacher's text only",
            Self::Acknowledge => "the teacher's text plus a short acknowledgement",
            Self::Rephrase => "the model rephrases the teacher's moves",
            Self::Free => "free Socratic replies",
        }
    }

    /// The longest reply (in characters) the level allows.
    pub fn max_chars(self) -> usize {
        match self {
            Self::Authored => 0,
            Self::Acknowledge => 160,
            Self::Rephrase => 320,
            Self::Free => 450,
        }
    }
}

impl std::fmt::Display for VoiceLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.as_u8(), self.describe())
    }
}

/// What a reply is checked against.
pub struct ContractInput<'a> {
    pub course: &'a Course,
    pub concept: &'a Concept,
    /// Checks whose answers must not appear (the first is the one being asked, if any).
    pub pending: Vec<&'a Check>,
    /// The student's own lines so far (the last one is what the reply answers).
    pub student_words: &'a [String],
    pub voice: VoiceLevel,
}

/// One way a reply breaks the contract.
#[derive(Debug, Clone, PartialEq)]
pub enum Violation {
    /// A pending check's answer appears (`form`: how it was written).
    Leak { check_id: String, form: String },
    /// The reply states, confirms or denies an answer to a pending check.
    Claim { check_id: String },
    /// A number, name or subject term that the course and the student never used.
    Ungrounded { term: String },
    /// A line in the student's or someone else's voice.
    Roleplay { line: String },
    /// Too many questions, too long, wrong language, or the model may not speak at all.
    Shape { reason: String },
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Leak { check_id, form } => {
                write!(f, "reveals the answer to {check_id} ({form})")
            }
            Self::Claim { check_id } => write!(f, "claims an answer to {check_id}"),
            Self::Ungrounded { term } => write!(f, "ungrounded term {term:?}"),
            Self::Roleplay { line } => write!(f, "speaks in another voice: {line:?}"),
            Self::Shape { reason } => write!(f, "shape: {reason}"),
        }
    }
}

/// "they're" → "they are", "isn't" → "is not", ... (folded text), so that a choice's words match
/// however the model contracts them.
fn expand_contractions(folded: &str) -> String {
    folded
        .replace(['’', '‘'], "'")
        .replace("won't", "will not")
        .replace("can't", "can not")
        .replace("n't", " not")
        .replace("'re", " are")
        .replace("'m", " am")
        .replace("'ve", " have")
        .replace("'ll", " will")
}

/// The contract for the replies of one lesson turn.
pub struct ReplyContract {
    secrets: Vec<Secret>,
    ground: Ground,
    voice: VoiceLevel,
    language: String,
    lang: text2num::Language,
    last_student: Option<String>,
    current_check: Option<String>,
    /// Per pending choice check, its choices of two words or more, folded: a reply that states
    /// one as a sentence ("They are equal.") claims an answer, right or wrong.
    choice_phrases: Vec<(String, Vec<String>)>,
}

impl ReplyContract {
    /// The contract for a reply given `input`.
    pub fn new(input: ContractInput<'_>) -> Self {
        let lang = text::language(&input.course.language);
        let secrets = input.pending.iter().map(|c| Secret::of(c, &lang)).collect();
        let c = input.concept;
        let pending_ids: Vec<&str> = input.pending.iter().map(|p| p.id.as_str()).collect();
        let mut material: Vec<&str> = vec![&input.course.title, &c.title, &c.objective, &c.notes];
        material.extend(c.questions.iter().flat_map(|q| q.texts()));
        for m in &c.misconceptions {
            material.push(&m.belief);
            material.push(&m.response);
        }
        for k in &c.checks {
            material.push(&k.prompt);
            material.extend(k.choices.iter().map(String::as_str));
            material.extend(k.hints.iter().map(String::as_str));
            if !pending_ids.contains(&k.id.as_str()) {
                material.push(&k.explanation);
                material.push(&k.answer);
            }
        }
        material.extend(input.student_words.iter().map(String::as_str));
        let others = input
            .course
            .concepts
            .iter()
            .filter(|o| o.id != c.id)
            .map(|o| o.title.as_str());
        let ground = Ground::new(material, others, &lang);
        Self {
            secrets,
            ground,
            voice: input.voice,
            language: input.course.language.clone(),
            lang,
            last_student: input.student_words.last().cloned(),
            current_check: input.pending.first().map(|c| c.id.clone()),
            choice_phrases: input
                .pending
                .iter()
                .filter(|c| c.kind == crate::curriculum::CheckKind::Choice)
                .map(|c| {
                    let phrases = c
                        .choices
                        .iter()
                        .map(|x| expand_contractions(&text::Folded::new(x).text))
                        .filter(|x| text::words(x).len() >= 2)
                        .collect();
                    (c.id.clone(), phrases)
                })
                .collect(),
        }
    }

    /// Rule (b) for choice checks: a statement (not a question) that contains a pending choice's
    /// words as a phrase states that choice as the answer.
    fn states_a_choice(&self, reply: &str) -> Option<String> {
        let folded = expand_contractions(&text::Folded::new(reply).text);
        for sentence in folded.split_inclusive(['.', '!', '?', '\n']) {
            if sentence.trim_end().ends_with('?') {
                continue;
            }
            for (id, phrases) in &self.choice_phrases {
                if phrases
                    .iter()
                    .any(|p| !text::find_words(sentence, p).is_empty())
                {
                    return Some(id.clone());
                }
            }
        }
        None
    }

    /// Every rule `reply` breaks, or `Ok` when it may be shown.
    pub fn check(&self, reply: &str) -> Result<(), Vec<Violation>> {
        let mut out = self.content_violations(reply);
        let text = reply.trim();
        if self.voice == VoiceLevel::Authored && !text.is_empty() {
            out.push(Violation::Shape {
                reason: "at voice level 0 only the teacher's text is shown".into(),
            });
        }
        if text.is_empty() {
            out.push(Violation::Shape {
                reason: "empty reply".into(),
            });
        }
        let questions = text.matches(['?', '？']).count();
        if questions > 1 {
            out.push(Violation::Shape {
                reason: format!("{questions} questions (one at most)"),
            });
        }
        let chars = text.chars().count();
        if self.voice > VoiceLevel::Authored && chars > self.voice.max_chars() {
            out.push(Violation::Shape {
                reason: format!("{chars} characters (at most {})", self.voice.max_chars()),
            });
        }
        if out.is_empty() { Ok(()) } else { Err(out) }
    }

    /// The rules a part of a reply can already break (everything but length and count).
    fn content_violations(&self, reply: &str) -> Vec<Violation> {
        let mut out = Vec::new();
        for l in leaks(&self.secrets, reply, &self.lang) {
            let v = Violation::Leak {
                check_id: l.check_id,
                form: l.form,
            };
            if !out.contains(&v) {
                out.push(v);
            }
        }
        if let Some(id) = &self.current_check
            && let Some(why) = claims(reply, self.last_student.as_deref(), &self.lang)
        {
            tracing::debug!(%why, "reply claims an answer");
            out.push(Violation::Claim {
                check_id: id.clone(),
            });
        }
        if let Some(check_id) = self.states_a_choice(reply) {
            let v = Violation::Claim { check_id };
            if !out.contains(&v) {
                out.push(v);
            }
        }
        if let Some(term) = self.ground.ungrounded(reply, &self.lang) {
            out.push(Violation::Ungrounded { term });
        }
        if let Some(line) = roleplay(reply) {
            out.push(Violation::Roleplay { line });
        }
        if let Some(reason) = wrong_language(reply, &self.language) {
            out.push(Violation::Shape { reason });
        }
        out
    }

    /// How many bytes of a reply streamed so far can be shown now: the whole sentences that
    /// already pass the contract. The rest is held back until the contract can decide.
    pub fn safe_prefix_len(&self, streamed_so_far: &str) -> usize {
        if self.voice == VoiceLevel::Authored {
            return 0;
        }
        let s = streamed_so_far;
        let mut safe = 0;
        let mut questions = 0;
        for (i, c) in s.char_indices() {
            let end = i + c.len_utf8();
            let boundary = match c {
                '\n' => true,
                '.' | '!' | '?' | '？' | '。' => {
                    // A sentence ends when a space follows and the word before is a real word
                    // (not one letter of a spelled-out answer, nor a decimal point).
                    s[end..].starts_with([' ', '\n'])
                        && s[..i]
                            .split(|c: char| !c.is_alphanumeric())
                            .next_back()
                            .is_some_and(|w| w.chars().count() >= 2)
                }
                _ => false,
            };
            if c == '?' || c == '？' {
                questions += 1;
            }
            if !boundary {
                continue;
            }
            let prefix = &s[..end];
            if questions > 1 || prefix.trim().chars().count() > self.voice.max_chars() {
                break;
            }
            if !self.content_violations(prefix).is_empty() {
                break;
            }
            safe = end;
        }
        safe
    }

    /// `text` with every pending answer replaced by `[…]`, for text that goes into a prompt.
    pub fn redact(&self, text: &str) -> String {
        redact_spans(text, &leaks(&self.secrets, text, &self.lang))
    }
}

#[cfg(test)]
mod tests;
