//! The teacher's own words for every move: what the student sees at voice level 0, what
//! levels 1–2 build on, and the fallback whenever a model reply fails the contract.

use super::super::policy::Move;
use crate::curriculum::grade::choice_letter;
use crate::curriculum::{Check, Concept};

/// The first sentence of the concept's notes that gives nothing away (`redact` must leave it
/// unchanged), for helping a student who is unsure.
pub fn notes_sentence(concept: &Concept, redact: &dyn Fn(&str) -> String) -> Option<String> {
    concept
        .notes
        .split_inclusive(['.', '!'])
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| s.len() >= 12)
        .find(|s| redact(s) == *s)
}

/// The text of a check as posed (prompt and lettered choices).
pub fn check_text(c: &Check) -> String {
    let mut text = c.display_prompt();
    for (i, ch) in c.choices.iter().enumerate() {
        text.push_str(&format!("\n  {}) {ch}", choice_letter(i)));
    }
    text
}

/// What the authored text of a move may draw on besides the course: the student's last line
/// (quoted back in their own words, never redacted), their reason, the diagnosis of a wrong
/// answer, and how many attempts the check has had (to vary the words).
#[derive(Debug, Clone, Default)]
pub struct Said<'a> {
    /// The student's last line.
    pub line: Option<&'a str>,
    /// The reason they gave ("... because Y").
    pub reason: Option<&'a str>,
    /// What is wrong with the last answer, from the course or the grader.
    pub diagnosis: Option<&'a str>,
    /// Attempts on the current check so far.
    pub attempts: u32,
    /// The answer to a question the student asked (from the course material).
    pub answer: Option<&'a str>,
}

fn quote(s: &str) -> String {
    format!("\u{201c}{}\u{201d}", super::super::ideas::own_words(s, 90))
}

/// `title` followed by a full stop unless it already ends a sentence.
fn sentence(title: &str) -> String {
    let t = title.trim();
    if t.ends_with(['.', '?', '!']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

/// The authored text of a spoken move: the teacher's own words, as written, joined by the
/// lesson's templates.
pub fn text(concept: &Concept, mv: &Move, said: &Said<'_>) -> String {
    let question = |i: usize| {
        concept
            .questions
            .get(i)
            .map(|q| q.ask.clone())
            .unwrap_or_default()
    };
    let explain = |i: usize| concept.questions.get(i).and_then(|q| q.explain.clone());
    let line = said.line.map(quote);
    match mv {
        Move::WarmUp => format!(
            "Today's topic: {} What do you already know about it?",
            sentence(&concept.title)
        ),
        Move::TakeUp => match &line {
            Some(l) => format!("You said {l}. Let's build on that."),
            None => "Let's build on that.".to_string(),
        },
        Move::Affirm { index, also } => {
            let mut t = match &line {
                Some(l) => format!("Yes: {l}."),
                None => "Yes.".to_string(),
            };
            if let Some(e) = explain(*index) {
                t.push_str(&format!(" {e}"));
            }
            for j in also {
                match explain(*j) {
                    Some(e) => {
                        t.push_str(&format!(" You have also answered my next question. {e}"))
                    }
                    None => t.push_str(" You have also answered my next question."),
                }
            }
            t
        }
        Move::FollowUp { index } => {
            let follow = concept
                .questions
                .get(*index)
                .and_then(|q| q.follow_up.clone())
                .unwrap_or_else(|| format!("Think about it once more: {}", question(*index)));
            match &line {
                Some(l) => format!("You said {l}. Let's look at that more closely. {follow}"),
                None => follow,
            }
        }
        Move::Explain { index } => match explain(*index) {
            Some(e) => format!("Here is the idea: {e}"),
            None => "Let's keep going.".to_string(),
        },
        Move::AskGuiding { index } => question(*index),
        Move::Encourage { index } => {
            let help = notes_sentence(concept, &|s| s.to_string())
                .map(|s| format!(" Here is something to start from: {s}"))
                .unwrap_or_default();
            format!(
                "That's okay, not knowing yet is where learning starts.{help} Have a guess: {}",
                question(*index)
            )
        }
        Move::Nudge { question: Some(i) } => format!("Take your time. {}", question(*i)),
        Move::Nudge { question: None } => {
            "Take your time. Type your answer when you're ready, or ask for a hint.".to_string()
        }
        Move::Hint { check, rung } => {
            let ladder = concept.checks.get(*check).map_or(0, |c| c.hints.len());
            let hint = concept
                .checks
                .get(*check)
                .and_then(|c| c.hints.get(*rung))
                .cloned()
                .unwrap_or_else(|| "Read the question again slowly: what is it asking for?".into());
            // Each rung opens differently, so a climb does not read like a machine.
            let opener = match *rung {
                0 => "Here's a hint:",
                r if r + 1 == ladder => "Last hint:",
                _ => "Another hint:",
            };
            format!("{opener} {hint}")
        }
        Move::LastHint { check } => {
            let last = concept
                .checks
                .get(*check)
                .and_then(|c| c.hints.last())
                .cloned()
                .unwrap_or_default();
            format!(
                "That was my last hint: {last} Have a go with your own answer, or type ? to see the answer."
            )
        }
        Move::Probe { .. } => {
            let opener = if said.attempts >= 2 {
                "Still not it, but you are getting closer."
            } else {
                "Not quite."
            };
            match (said.diagnosis, said.reason) {
                (Some(d), Some(r)) => format!("{opener} You said {}. {d} Try once more.", quote(r)),
                (Some(d), None) => format!("{opener} {d} Try once more."),
                (None, Some(r)) => format!(
                    "{opener} You said {}. How does that lead to your answer? Try once more.",
                    quote(r)
                ),
                (None, None) => format!("{opener} How did you work that out? Try once more."),
            }
        }
        Move::AddressMisconception { index } => {
            let belief = concept
                .misconceptions
                .get(*index)
                .map_or("", |m| m.belief.as_str());
            match (said.diagnosis, said.reason) {
                (Some(d), Some(r)) => format!("Not quite. You said {}. {d}", quote(r)),
                (Some(d), None) => format!("Not quite. {d}"),
                (None, _) => format!(
                    "Careful: many people think \"{}\", but that is a common mix-up. Let's test that idea together.",
                    belief.trim_end_matches(['.', '!'])
                ),
            }
        }
        Move::AskCommit { check } => {
            let picks = concept
                .checks
                .get(*check)
                .is_some_and(|c| c.kind.has_options());
            if picks {
                "Ruling one out is a good way to think. Which one do you think it is, and why?"
            } else {
                "Ruling an answer out is a good start. What do you think it is, and why?"
            }
            .to_string()
        }
        Move::AnswerQuestion => said
            .answer
            .unwrap_or("That isn't in your course material. Ask your teacher.")
            .to_string(),
        Move::Redirect => format!("Let's get back to {}", sentence(&concept.title)),
        Move::PoseCheck { index } => concept
            .checks
            .get(*index)
            .map(check_text)
            .unwrap_or_default(),
        Move::Feedback { .. } | Move::Summarize => String::new(),
    }
}

/// Praise or consolation with the teacher's explanation (as written), after a check. A right
/// answer's reason is taken up in the student's own words.
pub fn feedback(c: &Check, correct: bool, reason: Option<&str>) -> String {
    let head = match (correct, reason) {
        (true, Some(r)) => format!("That's right, well done! You said {}.", quote(r)),
        (true, None) => "That's right, well done!".to_string(),
        (false, Some(r)) => format!(
            "That one was tricky, and that's okay. You said {}.",
            quote(r)
        ),
        (false, None) => "That one was tricky, and that's okay.".to_string(),
    };
    let body = if c.explanation.is_empty() {
        format!("The answer: {}.", c.answer)
    } else {
        c.explanation.clone()
    };
    format!("{head} {body}")
}
