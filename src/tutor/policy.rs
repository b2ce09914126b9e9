//! The lesson state machine: decides the tutor's *move* each turn. Pure and deterministic:
//! the model only words the move it is given.
//!
//! Stages: warm-up (what does the student already think?) → guided questions from the concept's
//! `questions` → its checks, one by one, with the hint ladder → summary.

use serde::Serialize;

/// What the student did this turn (read by [`crate::tutor::intent`] and the graders).
#[derive(Debug, Clone, PartialEq)]
pub enum StudentTurn {
    /// Free talk (warm-up or guided stage), maybe matching a misconception.
    Said { misconception: Option<usize> },
    /// Asked for a hint (`h`, `:hint`, "give me a hint").
    Hint,
    /// Asked to be told the answer ("just tell me"): treated as a hint, never an answer.
    AskedForAnswer,
    /// Talked about something else.
    OffTopic,
    /// Answered the current check.
    Answered {
        correct: bool,
        misconception: Option<usize>,
    },
    /// Gave up on the current check (`?`, ":skip").
    GaveUp,
    /// Said they are unsure ("I'm not sure what comes next"): never an answer.
    Unsure,
    /// Asked a question about the topic (not an answer attempt).
    Question,
    /// Talked about the lesson itself ("what do I do?", "can you repeat that?").
    Meta,
}

/// What the tutor does next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "move", rename_all = "kebab-case")]
pub enum Move {
    /// Open the lesson: ask what the student already thinks.
    WarmUp,
    /// Ask guiding question `index` of the concept.
    AskGuiding { index: usize },
    /// Ask the student to explain their reasoning (after a wrong answer).
    Probe { check: usize },
    /// Give hint rung `rung` (0-based) of check `check`.
    Hint { check: usize, rung: usize },
    /// Use the teacher's strategy for misconception `index`.
    AddressMisconception { index: usize },
    /// Pose check `index` (shown verbatim and distinctly).
    PoseCheck { index: usize },
    /// The check was answered: praise (or console), show the explanation, move on.
    Feedback { check: usize, correct: bool },
    /// Steer back to the lesson after a side request.
    Redirect,
    /// Sum up the lesson; it is over.
    Summarize,
    /// The student is unsure or asked about the guiding question `index`: help them in
    /// (with a line of the teacher's notes) and ask it again.
    Encourage { index: usize },
}

impl Move {
    /// A short name for transcripts.
    pub fn name(&self) -> &'static str {
        match self {
            Self::WarmUp => "warm-up",
            Self::AskGuiding { .. } => "ask-guiding",
            Self::Probe { .. } => "probe",
            Self::Hint { .. } => "hint",
            Self::AddressMisconception { .. } => "address-misconception",
            Self::PoseCheck { .. } => "pose-check",
            Self::Feedback { .. } => "feedback",
            Self::Redirect => "redirect",
            Self::Summarize => "summarize",
            Self::Encourage { .. } => "encourage",
        }
    }
}

/// Where the lesson is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Stage {
    WarmUp,
    Guided { index: usize },
    Check { index: usize },
    Done,
}

/// How one check went (for grading and the summary).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub index: usize,
    pub correct: bool,
    pub attempts: u32,
    pub hints_used: u32,
}

/// The lesson's state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    pub stage: Stage,
    n_questions: usize,
    n_checks: usize,
    hints_per_check: Vec<usize>,
    /// Choices per check (0 for checks that are not multiple choice).
    choices_per_check: Vec<usize>,
    /// Guiding questions asked before the checks (at most this many).
    pub max_guided: usize,
    /// Wrong answers allowed before the explanation is shown.
    pub max_attempts: u32,
    pub attempts: u32,
    pub hints_used: u32,
    pub results: Vec<CheckResult>,
    pub misconceptions_met: Vec<usize>,
    /// Misconceptions already addressed for the current stage step (each once per step).
    addressed_here: Vec<usize>,
    /// Whether the current guiding question was already asked again after "not sure".
    encouraged_here: bool,
}

impl Policy {
    /// A lesson over a concept with `n_questions` guiding questions and checks with the given
    /// number of hint rungs each.
    pub fn new(n_questions: usize, hints_per_check: Vec<usize>) -> Self {
        Self {
            stage: Stage::WarmUp,
            n_questions,
            n_checks: hints_per_check.len(),
            hints_per_check,
            choices_per_check: Vec::new(),
            max_guided: 2,
            max_attempts: 3,
            attempts: 0,
            hints_used: 0,
            results: Vec::new(),
            misconceptions_met: Vec::new(),
            addressed_here: Vec::new(),
            encouraged_here: false,
        }
    }

    /// The same lesson, knowing how many choices each check offers: a choice check allows at
    /// most `choices - 1` wrong answers, so it cannot be won by trying every choice.
    pub fn with_choices(mut self, choices_per_check: Vec<usize>) -> Self {
        self.choices_per_check = choices_per_check;
        self
    }

    /// Wrong answers allowed on check `index` before the explanation is shown.
    pub fn attempts_allowed(&self, index: usize) -> u32 {
        match self.choices_per_check.get(index).copied().unwrap_or(0) {
            n if n >= 2 => self.max_attempts.min(n as u32 - 1).max(1),
            _ => self.max_attempts,
        }
    }

    /// The first move of the lesson.
    pub fn start(&self) -> Move {
        Move::WarmUp
    }

    /// The check currently posed, if any.
    pub fn current_check(&self) -> Option<usize> {
        match self.stage {
            Stage::Check { index } => Some(index),
            _ => None,
        }
    }

    fn after_talk(&mut self) -> Vec<Move> {
        let next_guided = match self.stage {
            Stage::WarmUp => 0,
            Stage::Guided { index } => index + 1,
            _ => usize::MAX,
        };
        self.addressed_here.clear();
        self.encouraged_here = false;
        if next_guided < self.n_questions.min(self.max_guided) {
            self.stage = Stage::Guided { index: next_guided };
            vec![Move::AskGuiding { index: next_guided }]
        } else {
            self.begin_check(0)
        }
    }

    fn begin_check(&mut self, index: usize) -> Vec<Move> {
        self.attempts = 0;
        self.hints_used = 0;
        self.addressed_here.clear();
        if index < self.n_checks {
            self.stage = Stage::Check { index };
            vec![Move::PoseCheck { index }]
        } else {
            self.stage = Stage::Done;
            vec![Move::Summarize]
        }
    }

    fn finish_check(&mut self, index: usize, correct: bool) -> Vec<Move> {
        self.results.push(CheckResult {
            index,
            correct,
            attempts: self.attempts,
            hints_used: self.hints_used,
        });
        let mut moves = vec![Move::Feedback {
            check: index,
            correct,
        }];
        moves.extend(self.begin_check(index + 1));
        moves
    }

    fn note_misconception(&mut self, m: usize) -> bool {
        if !self.misconceptions_met.contains(&m) {
            self.misconceptions_met.push(m);
        }
        if self.addressed_here.contains(&m) {
            return false;
        }
        self.addressed_here.push(m);
        true
    }

    fn hint(&mut self, index: usize) -> Vec<Move> {
        let rungs = self.hints_per_check.get(index).copied().unwrap_or(0);
        if (self.hints_used as usize) < rungs {
            self.hints_used += 1;
            vec![Move::Hint {
                check: index,
                rung: self.hints_used as usize - 1,
            }]
        } else {
            // Past the last rung: the explanation is shown and the check counts as failed.
            self.finish_check(index, false)
        }
    }

    /// Applies the student's turn; returns the tutor's moves, in order.
    pub fn on_turn(&mut self, turn: &StudentTurn) -> Vec<Move> {
        match (self.stage, turn) {
            (Stage::Done, _) => vec![Move::Summarize],
            (_, StudentTurn::OffTopic) => {
                let mut moves = vec![Move::Redirect];
                moves.extend(self.repeat_current());
                moves
            }
            (
                Stage::WarmUp | Stage::Guided { .. },
                StudentTurn::Said {
                    misconception: Some(m),
                },
            ) => {
                if self.note_misconception(*m) {
                    vec![Move::AddressMisconception { index: *m }]
                } else {
                    self.after_talk()
                }
            }
            (Stage::WarmUp | Stage::Guided { .. }, StudentTurn::Meta) => self.repeat_current(),
            (
                Stage::Guided { index },
                StudentTurn::Unsure
                | StudentTurn::Question
                | StudentTurn::Hint
                | StudentTurn::AskedForAnswer,
            ) if !self.encouraged_here => {
                self.encouraged_here = true;
                vec![Move::Encourage { index }]
            }
            (Stage::WarmUp | Stage::Guided { .. }, _) => self.after_talk(),
            (
                Stage::Check { index },
                StudentTurn::Hint
                | StudentTurn::AskedForAnswer
                | StudentTurn::Unsure
                | StudentTurn::Question,
            ) => self.hint(index),
            (Stage::Check { .. }, StudentTurn::Meta) => self.repeat_current(),
            (Stage::Check { index }, StudentTurn::GaveUp) => self.finish_check(index, false),
            (Stage::Check { index }, StudentTurn::Answered { correct: true, .. }) => {
                self.attempts += 1;
                self.finish_check(index, true)
            }
            (
                Stage::Check { index },
                StudentTurn::Answered {
                    correct: false,
                    misconception,
                },
            ) => {
                self.attempts += 1;
                if self.attempts >= self.attempts_allowed(index) {
                    return self.finish_check(index, false);
                }
                match misconception {
                    Some(m) if self.note_misconception(*m) => {
                        vec![Move::AddressMisconception { index: *m }]
                    }
                    _ => vec![Move::Probe { check: index }],
                }
            }
            (Stage::Check { index }, StudentTurn::Said { .. }) => {
                vec![Move::Probe { check: index }]
            }
        }
    }

    /// The move that re-asks what is pending (after a side request).
    fn repeat_current(&self) -> Vec<Move> {
        match self.stage {
            Stage::WarmUp => vec![Move::WarmUp],
            Stage::Guided { index } => vec![Move::AskGuiding { index }],
            Stage::Check { index } => vec![Move::PoseCheck { index }],
            Stage::Done => vec![Move::Summarize],
        }
    }

    /// Whether the lesson is over.
    pub fn done(&self) -> bool {
        self.stage == Stage::Done
    }
}

const STOP_WORDS: &[&str] = &[
    "the", "a", "an", "is", "are", "was", "be", "to", "of", "and", "or", "in", "on", "it", "that",
    "this", "i", "you", "we", "they", "he", "she", "my", "your", "for", "with", "as", "at", "by",
    "do", "does", "not", "no", "yes", "so", "but", "if", "then", "than", "can", "what", "why",
    "how", "because", "think", "me", "just", "its", "any", "all", "have", "has", "from", "more",
    "less", "same",
];

/// Lower-case words of 2+ letters that carry meaning.
pub fn content_words(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| {
            (w.chars().count() >= 2 || w.chars().any(|c| c.is_ascii_digit()))
                && !STOP_WORDS.contains(w)
        })
        .map(str::to_string)
        .collect()
}

/// Share of a belief's content words that the student's text contains (0..1).
pub fn keyword_overlap(belief: &str, student: &str) -> f64 {
    let b = content_words(belief);
    if b.is_empty() {
        return 0.0;
    }
    let s = content_words(student);
    let hit = b
        .iter()
        .filter(|w| {
            s.iter()
                .any(|x| x == *w || (x.len() > 4 && w.starts_with(&x[..x.len() - 1])))
        })
        .count();
    hit as f64 / b.len() as f64
}

#[cfg(test)]
mod tests;
