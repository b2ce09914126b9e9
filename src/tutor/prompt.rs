//! Grounded prompts: the course, the concept's objective and (redacted) notes, the chosen move,
//! a compact summary of the lesson so far, and the recent turns. The plan is re-stated every
//! turn so a side question cannot pull the tutor off the lesson. Answer keys are never included.

use super::guard::Guard;
use super::policy::Move;
use crate::curriculum::{Concept, Course};
use crate::engine::ChatMessage;

/// The language name for a course's `language` code.
pub fn language_name(code: &str) -> &str {
    match code.split(['-', '_']).next().unwrap_or(code) {
        "en" => "English",
        "es" => "Spanish",
        "fr" => "French",
        "de" => "German",
        "it" => "Italian",
        "pt" => "Portuguese",
        "nl" => "Dutch",
        "ja" => "Japanese",
        "zh" => "Chinese",
        other => other,
    }
}

/// What the model is asked to do for a move (None: the move is shown without the model).
pub fn instruction(concept: &Concept, mv: &Move, guard: &Guard) -> Option<String> {
    let r = |s: &str| guard.redact(s);
    Some(match mv {
        Move::WarmUp => format!(
            "Greet the student in one short sentence and ask what they already know or think about \"{}\".",
            concept.title
        ),
        Move::AskGuiding { index } => format!(
            "Ask this guiding question in your own words, and nothing else: \"{}\"",
            r(concept.questions.get(*index).map_or("", String::as_str))
        ),
        Move::Probe { check } => format!(
            "The student's answer to the question \"{}\" is not right yet. Do NOT say the right answer. \
             Ask them to explain how they got it, or point to one thing to look at again.",
            r(concept.checks.get(*check).map_or("", |c| c.prompt.as_str()))
        ),
        Move::Hint { check, rung } => {
            let c = concept.checks.get(*check)?;
            format!(
                "The student needs a hint for \"{}\". Give exactly this hint, adapted to what they said, and no more: \"{}\". \
                 Do not solve it for them.",
                r(&c.prompt),
                r(c.hints.get(*rung).map_or("", String::as_str))
            )
        }
        Move::AddressMisconception { index } => {
            let m = concept.misconceptions.get(*index)?;
            format!(
                "The student may believe: \"{}\". Address it like this: {} End with one question.",
                r(&m.belief),
                r(&m.response)
            )
        }
        Move::Redirect => format!(
            "The student is asking about something else. In one kind sentence, bring them back to \"{}\".",
            concept.title
        ),
        Move::PoseCheck { .. } | Move::Feedback { .. } | Move::Summarize => return None,
    })
}

/// The messages for one tutoring call.
pub fn build(
    course: &Course,
    concept: &Concept,
    guard: &Guard,
    summary: &str,
    history: &[ChatMessage],
    instruction: &str,
    strict: bool,
) -> Vec<ChatMessage> {
    let audience = if course.audience.is_empty() {
        "school".to_string()
    } else {
        course.audience.clone()
    };
    let notes = guard.redact(concept.notes.trim());
    let mut system = format!(
        "You are a patient Socratic tutor for {audience} students, teaching \"{}\" in {}.\n\
         Lesson: {}. Goal: {}\n\
         Teacher's notes (for you only): {notes}\n\
         Rules: teach by asking. Ask exactly one short question per reply. Never give the answer to a question; \
         if the student asks for it, give a hint instead. Keep replies under three sentences, warm and encouraging. \
         If the student changes the subject, bring them back to the lesson kindly.\n\
         Lesson so far: {summary}\n\
         Your next move: {instruction}",
        course.title,
        language_name(&course.language),
        concept.title,
        guard.redact(&concept.objective),
    );
    if strict {
        system.push_str(
            "\nIMPORTANT: do not state any answer, number or result. Only ask a guiding question.",
        );
    }
    let mut msgs = vec![ChatMessage::system(system)];
    let recent = history.len().saturating_sub(6);
    msgs.extend(history[recent..].iter().cloned());
    if msgs
        .last()
        .is_none_or(|m| m.role != crate::engine::Role::User)
    {
        msgs.push(ChatMessage::user("(The lesson continues.)"));
    }
    msgs
}
