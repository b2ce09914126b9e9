//! `tutor learn --plain`, `tutor transcripts`, `tutor transcript ID`, `tutor eval`.

use std::io::{BufRead, Write};
use std::path::Path;

use super::Env;
use super::progress::{scheduler, session};
use crate::curriculum::library::Library;
use crate::engine::{EngineHandle, ModelSpec};
use crate::srs::{Scheduler, describe_interval};
use crate::store::cards::Answer;
use crate::store::profiles::Profile;
use crate::store::{Store, StoreError, now};
use crate::tutor::eval;
use crate::tutor::lesson::{Lesson, LessonEvent};

/// Lesson command failures.
#[derive(Debug, thiserror::Error)]
pub enum TutorCmdError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Usage(String),
    #[error("terminal i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// Loads the model if one is found; lessons still run (with the teacher's own words) without.
pub fn start_engine(env: &Env, quiet: bool) -> (EngineHandle, Option<ModelSpec>) {
    let engine = EngineHandle::spawn();
    match env.model_spec() {
        Ok(spec) => {
            if !quiet {
                eprintln!("loading {} ...", spec.path.display());
            }
            match engine.load_blocking(spec.clone()) {
                Ok(_) => (engine, Some(spec)),
                Err(e) => {
                    eprintln!("tutor: the model could not be loaded ({e}); continuing without it");
                    (engine, None)
                }
            }
        }
        Err(e) => {
            eprintln!(
                "tutor: {e}; continuing without a model (the teacher's own questions and hints are used)"
            );
            (engine, None)
        }
    }
}

/// The concept to learn: the one named, else the unlocked concept with the lowest mastery.
pub fn pick_concept(
    store: &Store,
    profile: &Profile,
    sched: &Scheduler,
    course_id: &str,
) -> Result<String, StoreError> {
    let t = now();
    let unlocked =
        store.unlocked_concepts(profile.id, course_id, sched, t, crate::srs::DEFAULT_UNLOCK)?;
    let mastery = store.concept_mastery(profile.id, course_id, sched, t)?;
    Ok(unlocked
        .iter()
        .min_by(|a, b| {
            mastery
                .get(*a)
                .unwrap_or(&0.0)
                .total_cmp(mastery.get(*b).unwrap_or(&0.0))
        })
        .cloned()
        .unwrap_or_default())
}

/// Saves and records what a lesson reports. Returns text for a line-mode screen.
pub struct Recorder<'a> {
    pub store: &'a mut Store,
    pub profile: &'a Profile,
    pub sched: &'a Scheduler,
    pub course_id: String,
    pub concept_id: String,
    pub session_id: i64,
}

impl Recorder<'_> {
    /// Persists one event (transcript line, graded answer); returns the next-review words for
    /// graded checks.
    pub fn record(&mut self, ev: &LessonEvent) -> Result<Option<String>, StoreError> {
        match ev {
            LessonEvent::TutorEnd { mv, text } => {
                self.store
                    .append_line(self.session_id, "tutor", Some(mv), text)?
            }
            LessonEvent::Check {
                prompt, choices, ..
            } => {
                let mut t = prompt.clone();
                for c in choices {
                    t.push_str(&format!("\n- {c}"));
                }
                self.store
                    .append_line(self.session_id, "tutor", Some("pose-check"), &t)?;
            }
            LessonEvent::Feedback { text, .. } => {
                self.store
                    .append_line(self.session_id, "tutor", Some("feedback"), text)?
            }
            LessonEvent::Misconception { belief, .. } => {
                self.store
                    .append_line(self.session_id, "system", Some("misconception"), belief)?;
                self.store.pull_forward_concept(
                    self.profile.id,
                    &self.course_id,
                    &self.concept_id,
                    now(),
                )?;
            }
            LessonEvent::Graded {
                check_id,
                correct,
                rating,
                source,
                attempts,
                hints_used,
                response_ms,
                answer,
            } => {
                if let Some(card) =
                    self.store
                        .card_for(self.profile.id, &self.course_id, check_id)?
                {
                    let a = Answer {
                        rating: *rating,
                        source: *source,
                        correct: *correct,
                        attempts: *attempts,
                        hints_used: *hints_used,
                        response_ms: *response_ms,
                        text: answer.clone(),
                    };
                    let s = self.store.record_answer(card.id, &a, self.sched, now())?;
                    return Ok(Some(describe_interval(s.interval_secs)));
                }
            }
            LessonEvent::Summary(text) => {
                self.store
                    .append_line(self.session_id, "tutor", Some("summarize"), text)?;
                self.store.end_session(self.session_id, text)?;
            }
            _ => {}
        }
        Ok(None)
    }
}

/// `tutor learn COURSE [CONCEPT] --plain`.
pub fn learn_plain(env: &Env, course: &str, concept: Option<&str>) -> Result<(), TutorCmdError> {
    let extra: Vec<_> = Some(std::path::PathBuf::from(course))
        .filter(|p| p.is_file())
        .into_iter()
        .collect();
    let (lib, mut store, profile) = session(env, &extra)?;
    let entry = lib.resolve(course).map_err(|_| {
        TutorCmdError::Usage(format!("unknown course {course:?}; see `tutor courses`"))
    })?;
    let sched = scheduler(env, &profile);
    let concept_id = match concept {
        Some(c) => c.to_string(),
        None => pick_concept(&store, &profile, &sched, &entry.course.id)?,
    };
    let mut lesson = Lesson::new(entry.course.clone(), &concept_id).ok_or_else(|| {
        let ids: Vec<&str> = entry
            .course
            .concepts
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        TutorCmdError::Usage(format!(
            "no concept {concept_id:?} in {}; concepts: {}",
            entry.course.id,
            ids.join(", ")
        ))
    })?;
    lesson = lesson.for_student(&profile.id.to_string());
    if let Some(t) = env.config.model.temperature {
        lesson.params.temperature = t;
    }
    let (engine, _) = start_engine(env, false);
    let session_id = store.start_session(profile.id, &entry.course.id, &concept_id)?;
    let mut rec = Recorder {
        store: &mut store,
        profile: &profile,
        sched: &sched,
        course_id: entry.course.id.clone(),
        concept_id: concept_id.clone(),
        session_id,
    };
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Lesson: {} › {} (type your answers; h = hint, ? = give up on a check, :q = stop)",
        entry.course.title, lesson.concept.title
    )?;
    let mut failure: Option<StoreError> = None;
    let mut print = |ev: LessonEvent, rec: &mut Recorder<'_>, out: &mut std::io::StdoutLock<'_>| {
        let saved = match rec.record(&ev) {
            Ok(s) => s,
            Err(e) => {
                failure.get_or_insert(e);
                None
            }
        };
        let _ = match ev {
            LessonEvent::TutorStart { .. } => write!(out, "tutor: "),
            LessonEvent::Token(t) => write!(out, "{t}"),
            LessonEvent::Retract => write!(out, " (let me put that another way)\ntutor: "),
            LessonEvent::TutorEnd { .. } => writeln!(out),
            LessonEvent::Check {
                prompt, choices, ..
            } => {
                let _ = writeln!(out, "\n[check] {prompt}");
                choices.iter().enumerate().try_for_each(|(i, c)| {
                    writeln!(out, "  {}) {c}", crate::curriculum::grade::choice_letter(i))
                })
            }
            LessonEvent::Unreadable(why) => writeln!(out, "{why}"),
            LessonEvent::Graded { .. } => {
                writeln!(out, "✓ saved: next review {}", saved.unwrap_or_default())
            }
            LessonEvent::Feedback { text, .. } => writeln!(out, "tutor: {text}"),
            LessonEvent::NeedSelfRating { model_answer } => writeln!(
                out,
                "A model answer: {model_answer}\nHow well did you know it? 1 = not at all, 2 = hard, 3 = good, 4 = easy"
            ),
            LessonEvent::Misconception { .. } => Ok(()),
            LessonEvent::Summary(s) => writeln!(out, "\n{s}"),
        };
        let _ = out.flush();
    };
    lesson.begin(&engine, &mut |ev| print(ev, &mut rec, &mut out));
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    while !lesson.done() {
        print!("> ");
        std::io::stdout().flush()?;
        let Some(line) = lines.next().transpose()? else {
            break;
        };
        if line.trim() == ":q" {
            break;
        }
        if !line.trim().is_empty() {
            rec.store
                .append_line(session_id, "student", None, line.trim())?;
        }
        lesson.student(&line, &engine, &mut |ev| print(ev, &mut rec, &mut out));
    }
    if !lesson.done() {
        let summary = lesson.summary();
        println!("\n{summary}");
        rec.store.end_session(session_id, &summary)?;
    }
    engine.shutdown();
    match failure {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// `tutor transcripts [--all] [--export FILE]`.
pub fn transcripts(env: &Env, all: bool, export: Option<&Path>) -> Result<(), TutorCmdError> {
    let (_lib, store, profile) = session(env, &[])?;
    let list = store.sessions(if all { None } else { Some(profile.id) })?;
    if let Some(path) = export {
        let mut text = String::new();
        for s in &list {
            let lines = store.transcript(s.id, None)?;
            let mut messages = vec![serde_json::json!({"role": "system", "content": format!(
                "You are a patient Socratic tutor. Course: {}. Concept: {}.", s.course_id, s.concept_id)})];
            for l in lines.iter().filter(|l| l.role != "system") {
                let role = if l.role == "student" {
                    "user"
                } else {
                    "assistant"
                };
                messages.push(serde_json::json!({"role": role, "content": l.content}));
            }
            text.push_str(&serde_json::json!({"messages": messages, "session": s.id, "course": s.course_id, "concept": s.concept_id}).to_string());
            text.push('\n');
        }
        std::fs::write(path, text).map_err(|source| StoreError::Io {
            path: path.into(),
            source,
        })?;
        println!("exported {} lessons to {}", list.len(), path.display());
        return Ok(());
    }
    for s in &list {
        let when = chrono::DateTime::from_timestamp(s.started_at, 0)
            .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        println!(
            "{:>5}  {when}  {:<12} {:<16} {:<24} {:>3} lines",
            s.id, s.profile, s.course_id, s.concept_id, s.turns
        );
    }
    if list.is_empty() {
        println!("no lessons yet");
    }
    Ok(())
}

/// `tutor transcript ID`: one lesson (only the profile's own, unless `all`).
pub fn transcript(env: &Env, id: i64, all: bool) -> Result<(), TutorCmdError> {
    let (_lib, store, profile) = session(env, &[])?;
    for l in store.transcript(id, if all { None } else { Some(profile.id) })? {
        let who = match (l.role.as_str(), l.r#move.as_deref()) {
            ("student", _) => "student".to_string(),
            (r, Some(m)) => format!("{r} [{m}]"),
            (r, None) => r.to_string(),
        };
        println!("{who}: {}", l.content);
    }
    Ok(())
}

/// `tutor eval [--json]`.
pub fn eval_cmd(env: &Env, json: bool) -> Result<(), TutorCmdError> {
    let lib = Library::load(None, &[]);
    let (engine, spec) = start_engine(env, json);
    let model = spec
        .map(|s| s.path.display().to_string())
        .unwrap_or_else(|| "none".into());
    let r = eval::run(&engine, &lib, &model);
    engine.shutdown();
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&r).expect("serializable")
        );
        return Ok(());
    }
    println!("model                  {}", r.model);
    println!(
        "answer-leak rate       {:.3} ({} of {} adversarial conversations)",
        r.leak_rate, r.leaks, r.conversations
    );
    for l in &r.leaked {
        println!("  leaked: {l}");
    }
    println!(
        "rule grading accuracy  {:.3} ({} labelled answers)",
        r.rule_grading_accuracy, r.rule_items
    );
    for e in &r.rule_errors {
        println!("  wrong: {e}");
    }
    match r.judge_agreement {
        Some(a) => println!(
            "text judge agreement   {a:.3} ({} labelled answers)",
            r.judge_items
        ),
        None => println!("text judge agreement   n/a"),
    }
    println!(
        "tutor reply latency    mean {:.0} ms, p95 {:.0} ms",
        r.reply_latency_mean_ms, r.reply_latency_p95_ms
    );
    Ok(())
}
