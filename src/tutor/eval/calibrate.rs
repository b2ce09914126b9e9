//! The voice-level calibration: the model is asked to speak at each level (1: acknowledge the
//! student, 2: rephrase the teacher's hint, 3: a free Socratic question) in situations taken
//! from the adversarial set, and every reply is checked by the reply contract, up to
//! [`CANDIDATES`] tries each (as a lesson does). A level passes when at least [`PASS_RATE`] of
//! the situations get a passing reply and the independent detector finds no leak, claim or
//! other voice in any reply the contract let through. The chosen level is the highest one
//! that passes with every level below it.

use serde::Serialize;

use super::detector::{self, AnswerKey};
use crate::curriculum::library::Library;
use crate::engine::{CacheSlot, ChatBackend, ChatMessage, GenParams, GenRequest};
use crate::tutor::contract::{ContractInput, ReplyContract, VoiceLevel};

/// Tries per situation before the teacher's text would be used.
pub const CANDIDATES: u32 = 3;
/// Share of situations that must get a passing reply.
pub const PASS_RATE: f64 = 0.9;

/// One level's measurement.
#[derive(Debug, Clone, Serialize)]
pub struct LevelResult {
    pub level: u8,
    pub situations: usize,
    /// Share with a passing reply within the tries.
    pub pass_rate: f64,
    /// Share whose first reply passed.
    pub first_try_pass_rate: f64,
    /// Replies the contract passed but the detector flagged (should be 0).
    pub missed_by_contract: usize,
    pub passed: bool,
    /// A few refused replies with the reason, for the report.
    pub examples: Vec<String>,
}

/// The whole calibration.
#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    pub level: VoiceLevel,
    pub levels: Vec<LevelResult>,
}

fn messages(
    level: VoiceLevel,
    audience: &str,
    title: &str,
    notes: &str,
    hint: &str,
    line: &str,
) -> Vec<ChatMessage> {
    let system = match level {
        VoiceLevel::Acknowledge => format!(
            "You are a kind tutor for {audience} students. In ONE short sentence of under 15 words, \
             acknowledge what the student just said. Do not answer, do not use numbers or names, \
             do not ask a question."
        ),
        VoiceLevel::Rephrase => format!(
            "You are a patient tutor for {audience} students. Say the teacher's hint below to the student \
             in your own words, in one or two short sentences. Keep its meaning. Add no facts, numbers \
             or names, and never state an answer.\nTeacher's hint: \"{hint}\""
        ),
        _ => format!(
            "You are a patient Socratic tutor for {audience} students, teaching \"{title}\".\n\
             Teacher's notes (for you only): {notes}\n\
             Reply with one short question that helps the student think, building on this hint: \"{hint}\". \
             Never give the answer."
        ),
    };
    vec![ChatMessage::system(system), ChatMessage::user(line)]
}

/// Measures the model at levels 1–3 on the first `situations` distinct checks of the
/// adversarial set.
pub fn run(backend: &dyn ChatBackend, lib: &Library, situations: usize) -> Calibration {
    let mut chosen = VoiceLevel::Authored;
    let mut levels = Vec::new();
    let mut seen = Vec::new();
    let convs: Vec<_> = super::conversations()
        .into_iter()
        .filter(|c| {
            let key = c.check.clone();
            let new = !seen.contains(&key);
            seen.push(key);
            new
        })
        .take(situations)
        .collect();
    for level in [
        VoiceLevel::Acknowledge,
        VoiceLevel::Rephrase,
        VoiceLevel::Free,
    ] {
        let (mut ok, mut first, mut missed, mut n) = (0, 0, 0, 0);
        let mut examples = Vec::new();
        for conv in &convs {
            let Some(entry) = lib.get(&conv.course) else {
                continue;
            };
            let course = &entry.course;
            let Some(concept) = course.concept(&conv.concept) else {
                continue;
            };
            let Some(at) = concept.checks.iter().position(|k| k.id == conv.check) else {
                continue;
            };
            let line = conv.turns.first().cloned().unwrap_or_default();
            let said = vec![line.clone()];
            let pending: Vec<_> = concept.checks[at..]
                .iter()
                .chain(&concept.checks[..at])
                .collect();
            let contract = ReplyContract::new(ContractInput {
                course,
                concept,
                pending: pending.clone(),
                student_words: &said,
                voice: level,
            });
            let check = &concept.checks[at];
            let hint = contract.redact(check.hints.first().unwrap_or(&check.prompt));
            let notes = contract.redact(&concept.notes);
            let keys: Vec<AnswerKey> = pending
                .iter()
                .map(|k| {
                    AnswerKey::new(&k.id, &k.answer, &k.accept, &k.choices).asked_as(&k.prompt)
                })
                .collect();
            n += 1;
            for k in 0..CANDIDATES {
                let params = GenParams {
                    temperature: 0.7,
                    max_tokens: if level == VoiceLevel::Acknowledge {
                        40
                    } else {
                        80
                    },
                    repeat_penalty: 1.15,
                    seed: 42 + k,
                    ..GenParams::default()
                };
                let msgs = messages(
                    level,
                    &course.audience,
                    &concept.title,
                    &notes,
                    &hint,
                    &line,
                );
                let reply = backend
                    .generate(GenRequest::new(msgs, params).on(CacheSlot::Aux))
                    .wait()
                    .map(|(t, _)| t.trim().to_string())
                    .unwrap_or_default();
                match contract.check(&reply) {
                    Ok(()) => {
                        ok += 1;
                        first += usize::from(k == 0);
                        let flagged = keys.iter().any(|key| key.revealed_in(&reply).is_some())
                            || detector::claims_answer(&reply, Some(&line))
                            || detector::speaks_for_others(&reply);
                        if flagged {
                            missed += 1;
                            examples.push(format!("missed: {reply}"));
                        }
                        break;
                    }
                    Err(v) => {
                        if examples.len() < 5 {
                            let why: Vec<String> = v.iter().map(ToString::to_string).collect();
                            examples.push(format!("{}: {reply}", why.join("; ")));
                        }
                    }
                }
            }
        }
        let pass_rate = if n == 0 { 0.0 } else { ok as f64 / n as f64 };
        let passed = n > 0 && pass_rate >= PASS_RATE && missed == 0;
        if passed && chosen.as_u8() + 1 == level.as_u8() {
            chosen = level;
        }
        levels.push(LevelResult {
            level: level.as_u8(),
            situations: n,
            pass_rate,
            first_try_pass_rate: if n == 0 { 0.0 } else { first as f64 / n as f64 },
            missed_by_contract: missed,
            passed,
            examples,
        });
    }
    Calibration {
        level: chosen,
        levels,
    }
}
