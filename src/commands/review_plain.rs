//! `tutor review --plain`: one check at a time on stdout, answers as lines on stdin. This is
//! also the screen-reader and scripting interface. Each answer is durably saved (and "saved"
//! printed) before the next prompt appears; EOF or `:q` ends cleanly.

use std::io::{BufRead, Write};
use std::time::Instant;

use crate::curriculum::grade::{self, Verdict, choice_letter};
use crate::curriculum::library::Library;
use crate::curriculum::{Check, CheckKind};
use crate::srs::{Rating, Scheduler, describe_interval};
use crate::store::cards::{Answer, GradeSource};
use crate::store::profiles::Profile;
use crate::store::stats::{day_start, local_offset};
use crate::store::{Store, StoreError, now};

/// Review errors.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("terminal i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// How a review run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub answered: u32,
    pub correct: u32,
}

enum Input {
    Quit,
    Line(String),
}

fn read(input: &mut impl BufRead, out: &mut impl Write, prompt: &str) -> std::io::Result<Input> {
    write!(out, "{prompt}")?;
    out.flush()?;
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        return Ok(Input::Quit);
    }
    let t = line.trim();
    if t == ":q" || t == ":quit" {
        return Ok(Input::Quit);
    }
    Ok(Input::Line(t.to_string()))
}

/// Writes a check's prompt (and lettered choices).
pub fn show_check(out: &mut impl Write, check: &Check) -> std::io::Result<()> {
    writeln!(out, "{}", check.display_prompt())?;
    for (i, c) in check.choices.iter().enumerate() {
        writeln!(out, "  {}) {c}", choice_letter(i))?;
    }
    Ok(())
}

/// Runs reviews until the queue is empty, EOF or `:q`.
pub fn run(
    store: &mut Store,
    lib: &Library,
    profile: &Profile,
    sched: &Scheduler,
    course: Option<&str>,
    input: &mut impl BufRead,
    out: &mut impl Write,
) -> Result<Summary, ReviewError> {
    let mut summary = Summary {
        answered: 0,
        correct: 0,
    };
    writeln!(
        out,
        "Reviewing as {}. Type your answer and press Enter; h = hint, ? = show the answer, :q = stop.",
        profile.name
    )?;
    loop {
        let t = now();
        let Some(card) =
            store.next_card(profile, course, sched, t, day_start(t, local_offset()))?
        else {
            writeln!(out, "Nothing left to review right now. Well done!")?;
            break;
        };
        let Some((concept, check)) = lib
            .get(&card.course_id)
            .and_then(|e| e.course.check(&card.check_id))
        else {
            // The course file is gone from the library: skip without touching progress.
            tracing::warn!(course = %card.course_id, check = %card.check_id, "card without a loaded course");
            writeln!(
                out,
                "(skipping {} from course {}: the course file is not installed)",
                card.check_id, card.course_id
            )?;
            break;
        };
        writeln!(out, "\n[{} › {}]", card.course_id, concept.title)?;
        // Choices in this student's stable shuffled order; letters are graded against it.
        let shown = check.for_student(&profile.id.to_string());
        let check = &shown;
        show_check(out, check)?;
        let started = Instant::now();
        let mut attempts = 0u32;
        let mut hints = 0u32;
        let mut answer_text = None;
        let outcome: Option<(bool, Rating, GradeSource)> = loop {
            let line = match read(input, out, "> ")? {
                Input::Quit => break None,
                Input::Line(l) => l,
            };
            match line.as_str() {
                "" => continue,
                "h" | ":hint" => {
                    match check.hints.get(hints as usize) {
                        Some(h) => {
                            hints += 1;
                            writeln!(out, "Hint {hints}/{}: {h}", check.hints.len())?;
                        }
                        None => writeln!(out, "No more hints. Type ? to see the answer.")?,
                    }
                    continue;
                }
                "?" | ":skip" => {
                    writeln!(out, "The answer: {}", check.answer)?;
                    break Some((false, Rating::Again, GradeSource::Rule));
                }
                _ => {}
            }
            attempts += 1;
            answer_text = Some(line.clone());
            let graded = grade::grade_full(check, &line);
            if let (Verdict::Incorrect, Some(f)) = (&graded.verdict, &graded.feedback) {
                writeln!(out, "{f}")?;
            }
            match graded.verdict {
                Verdict::Correct => {
                    writeln!(out, "Correct!")?;
                    let rating = Rating::from_outcome(
                        true,
                        attempts,
                        hints,
                        started.elapsed().as_millis() as u64,
                    );
                    break Some((true, rating, GradeSource::Rule));
                }
                Verdict::Unreadable(why) => {
                    attempts -= 1;
                    writeln!(out, "{why}")?;
                }
                Verdict::Incorrect if attempts < 3 => {
                    writeln!(
                        out,
                        "Not quite. Try again (h for a hint, ? to see the answer)."
                    )?;
                }
                Verdict::Incorrect => {
                    writeln!(out, "Not this time. The answer: {}", check.answer)?;
                    break Some((false, Rating::Again, GradeSource::Rule));
                }
                Verdict::NeedsJudge => {
                    writeln!(out, "A model answer: {}", check.answer)?;
                    let rating = loop {
                        match read(
                            input,
                            out,
                            "How well did you know it? 1 = not at all, 2 = hard, 3 = good, 4 = easy: ",
                        )? {
                            Input::Quit => break None,
                            Input::Line(l) => {
                                if let Some(r) = l.parse::<u8>().ok().and_then(Rating::from_u8) {
                                    break Some(r);
                                }
                            }
                        }
                    };
                    break rating.map(|r| (r != Rating::Again, r, GradeSource::SelfRated));
                }
            }
        };
        let Some((correct, rating, source)) = outcome else {
            break;
        };
        if !check.explanation.is_empty() {
            writeln!(out, "{}", check.explanation)?;
        }
        let answer = Answer {
            rating,
            source,
            correct,
            attempts: attempts.max(1),
            hints_used: hints,
            response_ms: started.elapsed().as_millis() as u64,
            text: answer_text,
        };
        let s = store.record_answer(card.id, &answer, sched, now())?;
        summary.answered += 1;
        summary.correct += u32::from(correct);
        writeln!(
            out,
            "✓ saved {}: next review {}",
            card.check_id,
            describe_interval(s.interval_secs)
        )?;
        out.flush()?;
        if check.kind == CheckKind::Text && source == GradeSource::SelfRated {
            tracing::debug!("self-rated text check");
        }
    }
    writeln!(
        out,
        "Session over: {} answered, {} correct.",
        summary.answered, summary.correct
    )?;
    out.flush()?;
    Ok(summary)
}
