//! Reading the student's line at each stage: during a check, answer attempts are graded
//! (with the answer and reason pulled out, and wrong answers diagnosed) and non-answers
//! (fillers, ruled-out guesses, questions, requests for help) turn into the tutor's moves
//! without using an attempt; in the talk stages the reply is read against every guiding
//! question's expected ideas ([`ideas`]), and its intent and any misconception it states
//! decide the next move. Free-text answers are judged on the teacher's ideas first.

use super::super::feedback;
use super::super::ideas::{self, IdeaState, IdeaVerdict};
use super::super::intent::{self, Context, Intent};
use super::super::judge::{self, TextVerdict};
use super::super::misconception;
use super::super::policy::{StudentTurn, TalkReading};
use super::{Lesson, LessonEvent, Sink};
use crate::curriculum::grade::{self, Verdict};
use crate::engine::ChatBackend;
use crate::srs::Rating;
use crate::store::cards::GradeSource;

impl Lesson {
    /// Reads a line said during a check: grades answer attempts, never counts non-answers.
    pub(super) fn check_turn(
        &mut self,
        index: usize,
        line: &str,
        backend: &dyn ChatBackend,
        sink: &mut Sink<'_>,
    ) -> Option<StudentTurn> {
        let check = self.concept.checks[index].clone();
        if line == "?" || line == ":skip" {
            return Some(StudentTurn::GaveUp);
        }
        let topic = intent::topic_words(&self.concept);
        let mut reading = intent::classify(line, Context::Check(&check), &topic);
        if !reading.confident
            && self.model_intents
            && let Some(i) =
                intent::classify_model(backend, &self.concept, line, Context::Check(&check))
        {
            reading.intent = i;
        }
        match reading.intent {
            Intent::Help if reading.wants_answer => return Some(StudentTurn::AskedForAnswer),
            Intent::Help => return Some(StudentTurn::Hint),
            Intent::Unsure => return Some(StudentTurn::Unsure),
            Intent::Question => return Some(StudentTurn::Question),
            Intent::Meta => return Some(StudentTurn::Meta),
            Intent::OffTopic => return Some(StudentTurn::OffTopic),
            Intent::Filler => return Some(StudentTurn::Filler),
            Intent::Negated => return Some(StudentTurn::Negated),
            Intent::Attempt => {}
        }
        // "not a, it's c": only the part that is not ruled out is the attempt.
        let line = match intent::affirmed_part(&grade::normalize(line), &check) {
            (Some(part), true) => part,
            _ => line.to_string(),
        };
        let line = line.as_str();
        // The grader reads the whole line (it finds the one answer in a sentence); the answer
        // pulled out of it is what is recorded, with the reason, when it grades the same way.
        let (answer, reason) = intent::extract_answer(line, &check);
        let whole = grade::grade(&check, line);
        let part = grade::grade(&check, &answer);
        let verdict = match (&whole, &part) {
            (Verdict::Correct, _) | (_, Verdict::Correct) => Verdict::Correct,
            (Verdict::NeedsJudge, _) => Verdict::NeedsJudge,
            (_, Verdict::Incorrect) | (Verdict::Incorrect, _) => Verdict::Incorrect,
            (_, v) => v.clone(),
        };
        let (answer, recorded) = if part == verdict {
            let recorded = match &reason {
                Some(r) => format!("{answer} (because {r})"),
                None => answer.clone(),
            };
            (answer, recorded)
        } else {
            (line.to_string(), line.to_string())
        };
        self.last_reason = reason.clone();
        self.last_answer = Some(recorded);
        self.diagnosis = None;
        Some(match verdict {
            Verdict::Correct => StudentTurn::Answered {
                correct: true,
                misconception: None,
            },
            Verdict::Incorrect => {
                let d = feedback::diagnose(&check, &answer);
                let m = d.as_ref().and_then(|d| d.misconception).or_else(|| {
                    misconception::find(&self.concept, line, self.model_intents.then_some(backend))
                });
                self.diagnosis = d.map(|d| d.text);
                StudentTurn::Answered {
                    correct: false,
                    misconception: m,
                }
            }
            Verdict::Unreadable(why) => {
                // Not an answer, but a belief worth taking up ("any two pieces are halves").
                if let Some(m) =
                    misconception::find(&self.concept, line, self.model_intents.then_some(backend))
                {
                    return Some(StudentTurn::Said {
                        misconception: Some(m),
                    });
                }
                sink(LessonEvent::Unreadable(why));
                return None;
            }
            Verdict::NeedsJudge => return self.judge_text(&check, line, backend, sink),
        })
    }

    /// Judges a free-text answer: the teacher's ideas first (every idea said and none denied is
    /// right, half is partly right); the model only where the lesson allows it; otherwise the
    /// student rates their own answer. A stated misconception is never right.
    fn judge_text(
        &mut self,
        check: &crate::curriculum::Check,
        line: &str,
        backend: &dyn ChatBackend,
        sink: &mut Sink<'_>,
    ) -> Option<StudentTurn> {
        let held = misconception::find(&self.concept, line, None);
        let verdict = match judge::by_ideas(&self.concept, check, line) {
            Some(v) => Some(v),
            None if self.model_judge => judge::judge_text(backend, check, line).map(|j| j.verdict),
            None => None,
        };
        match verdict {
            Some(TextVerdict::Partial) => {
                // Partly right: it counts, but as a hard recall.
                self.conclude_check(true, Some(Rating::Hard), GradeSource::Judge, backend, sink);
                None
            }
            Some(TextVerdict::Correct) => Some(StudentTurn::Answered {
                correct: true,
                misconception: None,
            }),
            Some(TextVerdict::Incorrect) => Some(StudentTurn::Answered {
                correct: false,
                misconception: held,
            }),
            None => {
                self.awaiting_self_rating = true;
                sink(LessonEvent::NeedSelfRating {
                    model_answer: check.answer.clone(),
                });
                None
            }
        }
    }

    /// How a talk-stage reply measures up against every guiding question's expected ideas,
    /// together with what the student said before (a follow-up's reply completes the first).
    pub(super) fn read_talk(&mut self, line: &str) -> TalkReading {
        let current_q = self.policy.current_question();
        let mut answered = Vec::new();
        let mut current = None;
        for (i, q) in self.concept.questions.iter().enumerate() {
            if q.expect.is_empty() {
                continue;
            }
            let states = ideas::read(&q.expect, line);
            let said = &mut self.ideas_said[i];
            let merged: Vec<IdeaState> = states
                .iter()
                .zip(said.iter_mut())
                .map(|(s, before)| match s {
                    IdeaState::Said => {
                        *before = true;
                        IdeaState::Said
                    }
                    IdeaState::Denied => IdeaState::Denied,
                    IdeaState::Missing if *before => IdeaState::Said,
                    IdeaState::Missing => IdeaState::Missing,
                })
                .collect();
            let verdict = ideas::verdict(&merged);
            // A question counts as answered by this line only if the line said some of it.
            if verdict == IdeaVerdict::Right && states.contains(&IdeaState::Said) {
                answered.push(i);
            }
            if Some(i) == current_q {
                current = Some(verdict);
            }
        }
        TalkReading { current, answered }
    }

    /// Reads a line said in the warm-up or to a guiding question.
    pub(super) fn talk_turn(&mut self, line: &str, backend: &dyn ChatBackend) -> StudentTurn {
        let reading = self.read_talk(line);
        let topic = intent::topic_words(&self.concept);
        let mut intent_read = intent::classify(line, Context::Talk, &topic);
        // "does a bigger denominator mean a bigger fraction?" and "how do I know when...?" ask;
        // "is it half?" offers an answer.
        let asks = intent::asks_about(line)
            && match intent_read.intent {
                Intent::Question | Intent::Attempt | Intent::Unsure => true,
                // "how do I know when it is simplest?" asks; "can you give me a hint?" does not.
                Intent::Help => !["hint", "help", "clue", "tell me", "give me", "answer"]
                    .iter()
                    .any(|w| line.to_lowercase().contains(w)),
                _ => false,
            };
        if asks {
            intent_read.intent = Intent::Question;
        } else if intent_read.intent == Intent::Question
            && line.split_whitespace().count() <= 4
            && !line.contains("mean")
        {
            // "oxygen?" offers an answer, tentatively.
            intent_read.intent = Intent::Attempt;
        }
        let says_something = !asks
            && (reading.current.is_some_and(|v| v != IdeaVerdict::Wrong)
                || !reading.answered.is_empty());
        if says_something {
            intent_read.intent = Intent::Attempt;
        } else if !intent_read.confident
            && self.model_intents
            && let Some(i) = intent::classify_model(backend, &self.concept, line, Context::Talk)
        {
            intent_read.intent = i;
        }
        match intent_read.intent {
            Intent::Help if intent_read.wants_answer => StudentTurn::AskedForAnswer,
            Intent::Help => StudentTurn::Hint,
            Intent::Unsure => StudentTurn::Unsure,
            Intent::Question => StudentTurn::Question,
            Intent::Meta => StudentTurn::Meta,
            Intent::OffTopic => StudentTurn::OffTopic,
            Intent::Filler => StudentTurn::Filler,
            Intent::Attempt | Intent::Negated => StudentTurn::Replied {
                misconception: misconception::find(
                    &self.concept,
                    line,
                    self.model_intents.then_some(backend),
                ),
                reading,
            },
        }
    }
}
