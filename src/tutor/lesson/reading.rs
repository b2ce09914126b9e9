//! Reading the student's line at each stage: during a check, answer attempts are graded
//! (with the answer and reason pulled out, and wrong answers diagnosed) and non-answers turn
//! into hints, repeats or redirects without using an attempt; in the talk stages the line's
//! intent and any misconception it states decide the next move.

use super::super::feedback;
use super::super::intent::{self, Context, Intent};
use super::super::judge::{self, TextVerdict};
use super::super::misconception;
use super::super::policy::StudentTurn;
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
            Intent::Attempt => {}
        }
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
                let m = d
                    .as_ref()
                    .and_then(|d| d.misconception)
                    .or_else(|| misconception::find(&self.concept, line, Some(backend)));
                self.diagnosis = d.map(|d| d.text);
                StudentTurn::Answered {
                    correct: false,
                    misconception: m,
                }
            }
            Verdict::Unreadable(why) => {
                sink(LessonEvent::Unreadable(why));
                return None;
            }
            Verdict::NeedsJudge => match judge::judge_text(backend, &check, line) {
                Some(j) if j.verdict == TextVerdict::Partial => {
                    // Partly right: it counts, but as a hard recall.
                    self.conclude_check(
                        true,
                        Some(Rating::Hard),
                        GradeSource::Judge,
                        backend,
                        sink,
                    );
                    return None;
                }
                Some(j) if j.verdict == TextVerdict::Correct => StudentTurn::Answered {
                    correct: true,
                    misconception: None,
                },
                Some(_) => StudentTurn::Answered {
                    correct: false,
                    misconception: misconception::find(&self.concept, line, Some(backend)),
                },
                None => {
                    self.awaiting_self_rating = true;
                    sink(LessonEvent::NeedSelfRating {
                        model_answer: check.answer.clone(),
                    });
                    return None;
                }
            },
        })
    }

    /// Reads a line said in the warm-up or to a guiding question.
    pub(super) fn talk_turn(&mut self, line: &str, backend: &dyn ChatBackend) -> StudentTurn {
        let topic = intent::topic_words(&self.concept);
        let mut reading = intent::classify(line, Context::Talk, &topic);
        if !reading.confident
            && self.model_intents
            && let Some(i) = intent::classify_model(backend, &self.concept, line, Context::Talk)
        {
            reading.intent = i;
        }
        match reading.intent {
            Intent::Help if reading.wants_answer => StudentTurn::AskedForAnswer,
            Intent::Help => StudentTurn::Hint,
            Intent::Unsure => StudentTurn::Unsure,
            Intent::Question => StudentTurn::Question,
            Intent::Meta => StudentTurn::Meta,
            Intent::OffTopic => StudentTurn::OffTopic,
            Intent::Attempt => StudentTurn::Said {
                misconception: misconception::find(&self.concept, line, Some(backend)),
            },
        }
    }
}
