//! The lesson state machine: decides the tutor's *move* each turn. Pure and deterministic:
//! the model only words the move it is given.
//!
//! Stages: warm-up (what does the student already think?) → guided questions from the concept's
//! `questions` → its checks, one by one, with the hint ladder → summary.

use serde::Serialize;

use super::ideas::IdeaVerdict;

/// How a reply in the talk stages measured up (read by the lesson against the questions'
/// expected ideas, see [`crate::tutor::ideas`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TalkReading {
    /// The reply to the question asked now: `None` when it expects no idea (an open question,
    /// or the warm-up).
    pub current: Option<IdeaVerdict>,
    /// Questions (indices) whose every expected idea the reply says, the current one included.
    pub answered: Vec<usize>,
}

/// What the student did this turn (read by [`crate::tutor::intent`] and the graders).
#[derive(Debug, Clone, PartialEq)]
pub enum StudentTurn {
    /// Free talk (warm-up or guided stage), maybe matching a misconception.
    Said { misconception: Option<usize> },
    /// A reply in the talk stages, read against the questions' expected ideas.
    Replied {
        misconception: Option<usize>,
        reading: TalkReading,
    },
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
    /// Asked a question about the topic (not an answer attempt): it is answered.
    Question,
    /// Talked about the lesson itself ("what do I do?", "can you repeat that?").
    Meta,
    /// "ok", "hmm", "wait": costs nothing.
    Filler,
    /// Ruled a guess out ("it's not c, right?"): not an attempt.
    Negated,
}

/// What the tutor does next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "move", rename_all = "kebab-case")]
pub enum Move {
    /// Open the lesson: ask what the student already thinks.
    WarmUp,
    /// Take up what the student said (a reply with no expected idea) in their own words.
    TakeUp,
    /// The reply says the ideas of guiding question `index` (and of `also`, later ones it
    /// answered before they were asked): affirm it in the student's own words.
    Affirm { index: usize, also: Vec<usize> },
    /// An expected idea of guiding question `index` is missing or denied: the teacher's
    /// follow-up.
    FollowUp { index: usize },
    /// Still missing after the follow-up: state the idea (the teacher's `explain`) and move on.
    Explain { index: usize },
    /// Ask guiding question `index` of the concept.
    AskGuiding { index: usize },
    /// Ask the student to explain their reasoning (after a wrong answer).
    Probe { check: usize },
    /// Give hint rung `rung` (0-based) of check `check`.
    Hint { check: usize, rung: usize },
    /// Asked for help past the last rung: the last hint again, and the check stays open.
    LastHint { check: usize },
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
    /// A filler ("ok", "hmm"): give them time (asking guiding question `question` again, if
    /// one is pending), costing nothing.
    Nudge { question: Option<usize> },
    /// Answer the student's question from the course (notes, material, glossary); what was
    /// pending stays pending.
    AnswerQuestion,
    /// A guess was ruled out ("it's not c"): ask which they choose, and why.
    AskCommit { check: usize },
}

impl Move {
    /// A short name for transcripts.
    pub fn name(&self) -> &'static str {
        match self {
            Self::WarmUp => "warm-up",
            Self::TakeUp => "take-up",
            Self::Affirm { .. } => "affirm",
            Self::FollowUp { .. } => "follow-up",
            Self::Explain { .. } => "explain",
            Self::AskGuiding { .. } => "ask-guiding",
            Self::Probe { .. } => "probe",
            Self::Hint { .. } => "hint",
            Self::LastHint { .. } => "last-hint",
            Self::AddressMisconception { .. } => "address-misconception",
            Self::PoseCheck { .. } => "pose-check",
            Self::Feedback { .. } => "feedback",
            Self::Redirect => "redirect",
            Self::Summarize => "summarize",
            Self::Encourage { .. } => "encourage",
            Self::Nudge { .. } => "nudge",
            Self::AnswerQuestion => "answer",
            Self::AskCommit { .. } => "ask-commit",
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
    /// Which guiding questions expect an idea (the others are open questions).
    expects: Vec<bool>,
    /// Guiding questions answered (replied to, or their ideas said before they were asked).
    pub answered: Vec<bool>,
    /// Guiding questions asked.
    pub asked: Vec<usize>,
    /// Guiding questions asked before the checks (at most this many).
    pub max_guided: usize,
    /// Wrong answers allowed before the explanation is shown.
    pub max_attempts: u32,
    pub attempts: u32,
    pub hints_used: u32,
    pub results: Vec<CheckResult>,
    /// Checks posed so far (the summary counts them, answered or not).
    pub posed: Vec<usize>,
    pub misconceptions_met: Vec<usize>,
    /// Misconceptions already addressed for the current stage step (each once per step).
    addressed_here: Vec<usize>,
    /// Whether the current guiding question was already asked again after "not sure".
    encouraged_here: bool,
    /// Whether the current guiding question already had its follow-up.
    followed_up_here: bool,
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
            expects: vec![false; n_questions],
            answered: vec![false; n_questions],
            asked: Vec::new(),
            max_guided: usize::MAX,
            max_attempts: 3,
            attempts: 0,
            hints_used: 0,
            results: Vec::new(),
            posed: Vec::new(),
            misconceptions_met: Vec::new(),
            addressed_here: Vec::new(),
            encouraged_here: false,
            followed_up_here: false,
        }
    }

    /// The same lesson, knowing how many choices each check offers: a choice check allows at
    /// most `choices - 1` wrong answers, so it cannot be won by trying every choice.
    pub fn with_choices(mut self, choices_per_check: Vec<usize>) -> Self {
        self.choices_per_check = choices_per_check;
        self
    }

    /// The same lesson, knowing which guiding questions expect an idea.
    pub fn with_expects(mut self, expects: Vec<bool>) -> Self {
        self.expects = expects;
        self.expects.resize(self.n_questions, false);
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

    /// Leaves the talk and poses the first check.
    pub fn skip_to_checks(&mut self) -> Vec<Move> {
        self.max_guided = 0;
        self.begin_check(0)
    }

    /// The check currently posed, if any.
    pub fn current_check(&self) -> Option<usize> {
        match self.stage {
            Stage::Check { index } => Some(index),
            _ => None,
        }
    }

    /// The guiding question currently asked, if any.
    pub fn current_question(&self) -> Option<usize> {
        match self.stage {
            Stage::Guided { index } => Some(index),
            _ => None,
        }
    }

    /// Whether every question that expects an idea has it on the table (false when none
    /// expects one: then every question is asked).
    fn ideas_on_table(&self) -> bool {
        let with: Vec<usize> = (0..self.n_questions).filter(|&i| self.expects[i]).collect();
        !with.is_empty() && with.iter().all(|&i| self.answered[i])
    }

    /// The next guiding question not yet answered, or the checks.
    fn after_talk(&mut self) -> Vec<Move> {
        let from = match self.stage {
            Stage::WarmUp => 0,
            Stage::Guided { index } => index + 1,
            _ => usize::MAX,
        };
        self.addressed_here.clear();
        self.encouraged_here = false;
        self.followed_up_here = false;
        let next = (from..self.n_questions).find(|&i| !self.answered[i]);
        match next {
            Some(i) if !self.ideas_on_table() && self.asked.len() < self.max_guided => {
                self.stage = Stage::Guided { index: i };
                self.asked.push(i);
                vec![Move::AskGuiding { index: i }]
            }
            _ => self.begin_check(0),
        }
    }

    fn begin_check(&mut self, index: usize) -> Vec<Move> {
        self.attempts = 0;
        self.hints_used = 0;
        self.addressed_here.clear();
        if index < self.n_checks {
            self.stage = Stage::Check { index };
            self.posed.push(index);
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
        } else if rungs > 0 {
            // Past the last rung: the check stays open; only `?` gives up.
            vec![Move::LastHint { check: index }]
        } else {
            // No ladder at all: the generic nudge once, then the same move again.
            self.hints_used = self.hints_used.max(1);
            vec![Move::Hint {
                check: index,
                rung: 0,
            }]
        }
    }

    /// A reply in the warm-up or to a guiding question.
    fn talk_reply(&mut self, misconception: Option<usize>, reading: &TalkReading) -> Vec<Move> {
        let current = self.current_question();
        if let Some(m) = misconception {
            if self.note_misconception(m) {
                return vec![Move::AddressMisconception { index: m }];
            }
            // Addressed already: not taken up again; the idea is stated and the lesson moves on.
            let mut moves = match current {
                Some(index) if self.expects.get(index) == Some(&true) => {
                    self.answered[index] = true;
                    vec![Move::Explain { index }]
                }
                _ => Vec::new(),
            };
            moves.extend(self.after_talk());
            return moves;
        }
        for &i in &reading.answered {
            if let Some(a) = self.answered.get_mut(i) {
                *a = true;
            }
        }
        let also: Vec<usize> = reading
            .answered
            .iter()
            .copied()
            .filter(|&i| Some(i) != current)
            .collect();
        let mut moves = match (current, reading.current) {
            (Some(index), Some(IdeaVerdict::Right)) => vec![Move::Affirm { index, also }],
            (Some(index), Some(_)) if !self.followed_up_here => {
                self.followed_up_here = true;
                return vec![Move::FollowUp { index }];
            }
            (Some(index), Some(_)) => {
                self.answered[index] = true;
                vec![Move::Explain { index }]
            }
            (Some(index), None) => {
                self.answered[index] = true;
                match also.first() {
                    Some(&first) => vec![Move::Affirm {
                        index: first,
                        also: also[1..].to_vec(),
                    }],
                    None => vec![Move::TakeUp],
                }
            }
            (None, _) => match also.first() {
                Some(&first) => vec![Move::Affirm {
                    index: first,
                    also: also[1..].to_vec(),
                }],
                None => vec![Move::TakeUp],
            },
        };
        moves.extend(self.after_talk());
        moves
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
            (_, StudentTurn::Question) => {
                let mut moves = vec![Move::AnswerQuestion];
                if let Stage::WarmUp | Stage::Guided { .. } = self.stage {
                    moves.extend(self.repeat_current());
                }
                moves
            }
            (Stage::WarmUp | Stage::Guided { .. }, StudentTurn::Said { misconception }) => {
                self.talk_reply(*misconception, &TalkReading::default())
            }
            (
                Stage::WarmUp | Stage::Guided { .. },
                StudentTurn::Replied {
                    misconception,
                    reading,
                },
            ) => self.talk_reply(*misconception, reading),
            (Stage::WarmUp | Stage::Guided { .. }, StudentTurn::Meta) => self.repeat_current(),
            // "ok" after the warm-up question: on to the first guiding question.
            (Stage::WarmUp, StudentTurn::Filler) => self.after_talk(),
            (Stage::Guided { index }, StudentTurn::Filler) if !self.encouraged_here => {
                self.encouraged_here = true;
                vec![Move::Nudge {
                    question: Some(index),
                }]
            }
            (
                Stage::Guided { index },
                StudentTurn::Unsure | StudentTurn::Hint | StudentTurn::AskedForAnswer,
            ) if !self.encouraged_here => {
                self.encouraged_here = true;
                vec![Move::Encourage { index }]
            }
            (Stage::Guided { index }, _) if self.expects.get(index) == Some(&true) => {
                // Helped once already: state the idea and move on.
                self.answered[index] = true;
                let mut moves = vec![Move::Explain { index }];
                moves.extend(self.after_talk());
                moves
            }
            (Stage::WarmUp | Stage::Guided { .. }, _) => self.after_talk(),
            (
                Stage::Check { index },
                StudentTurn::Hint | StudentTurn::AskedForAnswer | StudentTurn::Unsure,
            ) => self.hint(index),
            (Stage::Check { .. }, StudentTurn::Meta) => self.repeat_current(),
            (Stage::Check { .. }, StudentTurn::Filler) => vec![Move::Nudge { question: None }],
            (Stage::Check { index }, StudentTurn::Negated) => {
                vec![Move::AskCommit { check: index }]
            }
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
            // A stated misconception that is no answer to the check: addressed, no attempt.
            (
                Stage::Check { index },
                StudentTurn::Said {
                    misconception: Some(m),
                }
                | StudentTurn::Replied {
                    misconception: Some(m),
                    ..
                },
            ) => {
                if self.note_misconception(*m) {
                    vec![Move::AddressMisconception { index: *m }]
                } else {
                    vec![Move::Probe { check: index }]
                }
            }
            (Stage::Check { index }, StudentTurn::Said { .. } | StudentTurn::Replied { .. }) => {
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
