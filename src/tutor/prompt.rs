//! Prompts laid out for the KV cache: what never changes first (the rules, the course, the
//! concept and the teacher's material, with every check's answer redacted), then the
//! conversation appended turn by turn, then this turn's instruction at the very end, inside
//! the last message. Each prompt therefore starts with the previous prompt plus the previous
//! reply, so the engine only decodes what is new. There is no sliding window: when the
//! conversation grows past its budget, the oldest two thirds are folded into a line of the
//! system message at once (a rare, large step).

use super::contract::VoiceLevel;
use super::policy::Move;
use crate::curriculum::{Concept, Course};
use crate::engine::{ChatMessage, Role};

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

/// The stable system message. `redact` must hide every check's answer (all of them, answered
/// or not, so the text never changes during the lesson).
pub fn system(course: &Course, concept: &Concept, redact: &dyn Fn(&str) -> String) -> String {
    let audience = if course.audience.is_empty() {
        "school".to_string()
    } else {
        course.audience.clone()
    };
    let questions: String = concept
        .questions
        .iter()
        .map(|q| format!("\n- {}", redact(&q.ask)))
        .collect();
    format!(
        "You are a patient Socratic tutor for {audience} students, teaching \"{}\" in {}.\n\
         Lesson: {}. Goal: {}\n\
         Teacher's notes (for you only): {}\n\
         Guiding questions:{questions}\n\
         Rules: you speak only as the tutor. Teach by asking. Ask at most one short question per reply. \
         Never give or confirm the answer to a question; if the student asks for it, give a hint instead. \
         Use only facts and numbers from the teacher's notes or the student's own words. \
         Keep replies under three sentences, warm and encouraging. \
         Each of the student's messages ends with a note in [brackets] saying what to do next: follow it.",
        course.title,
        language_name(&course.language),
        concept.title,
        redact(&concept.objective),
        redact(concept.notes.trim()),
    )
}

/// What the model is asked to do for `mv` at `voice`, given the move's `authored` text.
/// `None`: the move is shown without the model.
pub fn instruction(
    concept: &Concept,
    mv: &Move,
    voice: VoiceLevel,
    authored: &str,
    diagnosis: Option<&str>,
) -> Option<String> {
    if matches!(
        mv,
        Move::PoseCheck { .. } | Move::Feedback { .. } | Move::Summarize | Move::AnswerQuestion
    ) {
        return None;
    }
    Some(match voice {
        VoiceLevel::Authored => return None,
        VoiceLevel::Acknowledge => "In one short sentence, acknowledge what the student just said, \
             without saying whether it is right, without any numbers or new facts, and without a question."
            .to_string(),
        VoiceLevel::Rephrase => format!(
            "Say this to the student in your own words, keeping every fact and number exactly as written, \
             and add nothing: \"{authored}\""
        ),
        VoiceLevel::Free => match mv {
            Move::WarmUp => format!(
                "Greet the student in one short sentence and ask what they already know or think about \"{}\".",
                concept.title
            ),
            Move::AskGuiding { .. } | Move::Encourage { .. } => {
                format!("Ask this in your own words, and nothing else: \"{authored}\"")
            }
            Move::TakeUp
            | Move::Affirm { .. }
            | Move::FollowUp { .. }
            | Move::Explain { .. }
            | Move::Nudge { .. }
            | Move::AskCommit { .. }
            | Move::LastHint { .. } => format!(
                "Say this to the student in your own words, keeping every fact, number and quote \
                 exactly as written, and add nothing: \"{authored}\""
            ),
            Move::Probe { .. } => match diagnosis {
                Some(d) => format!(
                    "The student's answer is not right yet. Do NOT say the right answer. \
                     Point them to this mistake, kindly: \"{d}\""
                ),
                None => "The student's answer is not right yet. Do NOT say the right answer. \
                     Ask them to explain how they got it, or point to one thing to look at again."
                    .to_string(),
            },
            Move::Hint { .. } => format!(
                "Give exactly this hint, adapted to what they said, and no more: \"{authored}\". \
                 Do not solve it for them."
            ),
            Move::AddressMisconception { index } => {
                let m = concept.misconceptions.get(*index)?;
                format!(
                    "The student may believe: \"{}\". Address it like this: {} End with one question.",
                    m.belief, m.response
                )
            }
            Move::Redirect => format!(
                "The student is asking about something else. In one kind sentence, bring them back to \"{}\".",
                concept.title
            ),
            Move::PoseCheck { .. }
            | Move::Feedback { .. }
            | Move::Summarize
            | Move::AnswerQuestion => return None,
        },
    })
}

/// Characters of conversation kept before the oldest turns are folded (about 2 000 tokens).
pub const HISTORY_BUDGET_CHARS: usize = 8_000;

/// The lesson's conversation as the model sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conversation {
    system: String,
    /// Folded older turns (the student's own words), appended to the system message.
    earlier: Vec<String>,
    turns: Vec<ChatMessage>,
    /// The student's line not yet written into a turn.
    pending_student: Option<String>,
}

impl Conversation {
    /// A conversation under the stable `system` message.
    pub fn new(system: String) -> Self {
        Self {
            system,
            ..Self::default()
        }
    }

    /// The turns so far (without the system message).
    pub fn turns(&self) -> &[ChatMessage] {
        &self.turns
    }

    fn push(&mut self, m: ChatMessage) {
        match self.turns.last_mut() {
            Some(last) if last.role == m.role => {
                last.content.push_str("\n\n");
                last.content.push_str(&m.content);
            }
            _ => self.turns.push(m),
        }
    }

    /// The student said `line` (written into the next user turn).
    pub fn student(&mut self, line: &str) {
        if let Some(p) = self.pending_student.take() {
            self.push(ChatMessage::user(p));
        }
        self.pending_student = Some(line.to_string());
    }

    /// The tutor showed `text` without the model (or after a model call).
    pub fn tutor(&mut self, text: &str) {
        if let Some(p) = self.pending_student.take() {
            self.push(ChatMessage::user(p));
        }
        if !text.trim().is_empty() {
            self.push(ChatMessage::assistant(text.trim()));
        }
    }

    fn system_message(&self) -> ChatMessage {
        if self.earlier.is_empty() {
            ChatMessage::system(self.system.clone())
        } else {
            ChatMessage::system(format!(
                "{}\nEarlier in this lesson the student said: {}",
                self.system,
                self.earlier.join(" | ")
            ))
        }
    }

    /// The user message that ends this turn's prompt: the student's line (if any) and the
    /// instruction in brackets.
    fn last_user(&self, instruction: &str) -> ChatMessage {
        match &self.pending_student {
            Some(s) => ChatMessage::user(format!("{s}\n\n[{instruction}]")),
            None => ChatMessage::user(format!("[{instruction}]")),
        }
    }

    /// The messages for a reply following `instruction`.
    pub fn prompt(&mut self, instruction: &str) -> Vec<ChatMessage> {
        self.fold_if_needed();
        let mut msgs = vec![self.system_message()];
        msgs.extend(self.turns.iter().cloned());
        let last = self.last_user(instruction);
        match msgs.last_mut() {
            Some(m) if m.role == Role::User => {
                m.content.push_str("\n\n");
                m.content.push_str(&last.content);
            }
            _ => msgs.push(last),
        }
        msgs
    }

    /// Writes the turn that [`Self::prompt`] was built for, with the reply the student saw.
    /// Candidates that failed and cancelled text are never written.
    pub fn commit(&mut self, instruction: &str, reply: &str) {
        let user = self.last_user(instruction);
        self.pending_student = None;
        self.push(user);
        self.push(ChatMessage::assistant(reply.trim()));
    }

    fn fold_if_needed(&mut self) {
        let size: usize = self.turns.iter().map(|m| m.content.len()).sum();
        if size <= HISTORY_BUDGET_CHARS || self.turns.len() < 3 {
            return;
        }
        // Fold the oldest two thirds, ending after a tutor turn so roles still alternate.
        let mut cut = self.turns.len() * 2 / 3;
        while cut < self.turns.len() && self.turns[cut - 1].role != Role::Assistant {
            cut += 1;
        }
        let folded: Vec<ChatMessage> = self.turns.drain(..cut).collect();
        for m in folded.iter().filter(|m| m.role == Role::User) {
            let said = m
                .content
                .split("\n\n[")
                .next()
                .unwrap_or_default()
                .trim()
                .to_string();
            if !said.is_empty() && !said.starts_with('[') {
                self.earlier.push(said.chars().take(120).collect());
            }
        }
        tracing::info!(folded = folded.len(), "lesson history folded");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_prompt_extends_the_previous_prompt_and_reply() {
        let mut c = Conversation::new("S".into());
        let p1 = c.prompt("greet");
        c.commit("greet", "Hello! What do you know?");
        c.student("a bit");
        let p2 = c.prompt("ask q1");
        assert_eq!(&p2[..p1.len() - 1], &p1[..p1.len() - 1]);
        assert_eq!(p2[p1.len() - 1], p1[p1.len() - 1]);
        assert_eq!(p2[p1.len()].content, "Hello! What do you know?");
        assert_eq!(p2.last().unwrap().content, "a bit\n\n[ask q1]");
        c.commit("ask q1", "Q1?");
        c.tutor("Feedback.");
        c.tutor("Check?");
        c.student("42");
        let p3 = c.prompt("probe");
        assert_eq!(p3[..p2.len()], p2[..]);
        assert_eq!(p3[p2.len()].content, "Q1?\n\nFeedback.\n\nCheck?");
    }

    #[test]
    fn long_conversations_fold_rarely_and_in_large_steps() {
        let mut c = Conversation::new("S".into());
        let mut folds = 0;
        let mut last_sys = String::new();
        for i in 0..60 {
            c.student(&format!("student line {i} {}", "x".repeat(100)));
            let p = c.prompt("next");
            if p[0].content != last_sys {
                folds += 1;
                last_sys = p[0].content.clone();
            }
            c.commit("next", &"a reply ".repeat(20));
        }
        assert!((2..=6).contains(&folds), "{folds} folds");
        assert!(
            c.turns().iter().map(|m| m.content.len()).sum::<usize>() <= HISTORY_BUDGET_CHARS + 600
        );
    }
}
