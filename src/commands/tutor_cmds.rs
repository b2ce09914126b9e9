//! `tutor learn --plain`, `tutor transcripts`, `tutor transcript ID`.

use std::io::{BufRead, Write};
use std::path::Path;

use super::Env;
use super::backend::Backend;
use super::course_cmds::{course_arg_paths, library};
use super::pin::require_teacher;
use super::progress::{open_store, scheduler, session};
use crate::srs::Scheduler;
use crate::store::profiles::Profile;
use crate::store::{Store, StoreError, now};
use crate::tutor::lesson::{Lesson, LessonEvent};
use crate::tutor::service::{LessonService, LessonUpdate};

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

/// The school's server or the local model (see [`super::backend`]); lessons still run (with the
/// teacher's own words) without any model.
pub fn start_engine(env: &Env, quiet: bool) -> (Backend, Option<String>) {
    Backend::start(env, quiet)
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

/// `tutor learn COURSE [CONCEPT] --plain`. A named concept must be unlocked, unless `unlock`
/// (a teacher's override: asks the teacher PIN when one is set).
pub fn learn_plain(
    env: &Env,
    course: &str,
    concept: Option<&str>,
    unlock: bool,
) -> Result<(), TutorCmdError> {
    let extra = course_arg_paths(env, course).map_err(TutorCmdError::Usage)?;
    if unlock {
        require_teacher(env, "opening a locked concept")?;
    }
    let (lib, mut store, profile) = session(env, &extra)?;
    let entry = lib.resolve(course).map_err(|_| {
        TutorCmdError::Usage(format!("unknown course {course:?}; see `tutor courses`"))
    })?;
    let sched = scheduler(env, &profile);
    let concept_id = match concept {
        Some(c) => {
            if !unlock {
                check_unlocked(&store, &profile, &sched, &entry.course, c)?;
            }
            c.to_string()
        }
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
    lesson.voice = env.voice_level();
    let (engine, _) = start_engine(env, false);
    let db = store.path().to_path_buf();
    let mut svc =
        LessonService::start(&mut store, profile, sched, lesson)?.with_material(&entry, &db);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Lesson: {} › {} (type your answers; h = hint, ? = give up on a check, \
         ?? question = ask your course material, :q = stop)",
        entry.course.title, svc.lesson.concept.title
    )?;
    let mut print = |u: LessonUpdate| {
        let _ = show(&mut out, u);
        let _ = out.flush();
    };
    svc.begin(&mut store, &engine, &mut print);
    for n in engine.take_notices() {
        println!("(note: {n})");
    }
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    while !svc.lesson.done() {
        print!("> ");
        std::io::stdout().flush()?;
        let Some(line) = lines.next().transpose()? else {
            break;
        };
        if line.trim() == ":q" {
            break;
        }
        svc.student(&line, &mut store, &engine, &mut print);
        for n in engine.take_notices() {
            println!("(note: {n})");
        }
    }
    if !svc.lesson.done() {
        println!("\n{}", svc.lesson.summary());
        svc.end(&mut store, &mut |u| {
            let _ = show(&mut std::io::stdout().lock(), u);
        });
    }
    engine.shutdown();
    if svc.failed_writes > 0 {
        return Err(TutorCmdError::Usage(format!(
            "{} write(s) in this lesson could not be saved (see the messages above)",
            svc.failed_writes
        )));
    }
    Ok(())
}

/// Writes one lesson update as plain text.
fn show(out: &mut impl Write, u: LessonUpdate) -> std::io::Result<()> {
    let ev = match u {
        LessonUpdate::Saved {
            next_review,
            correct: true,
        } => {
            return writeln!(out, "✓ saved: next review {next_review}");
        }
        LessonUpdate::Saved { next_review, .. } => {
            return writeln!(out, "saved: comes back for practice {next_review}");
        }
        LessonUpdate::NotSaved(why) => return writeln!(out, "⚠ {why}"),
        LessonUpdate::MaterialReply(text) => return writeln!(out, "material: {text}"),
        // A check's picture is in its prompt as words already; the concept's is shown here.
        LessonUpdate::Picture(p) if p.check.is_none() => {
            return writeln!(out, "[picture: {}]", p.alt);
        }
        LessonUpdate::Picture(_) => return Ok(()),
        LessonUpdate::Event(ev) => ev,
    };
    match ev {
        LessonEvent::TutorStart { .. } => write!(out, "tutor: "),
        LessonEvent::Token(t) => write!(out, "{t}"),
        LessonEvent::Retract => write!(out, " (let me put that another way)\ntutor: "),
        LessonEvent::TutorEnd { .. } => writeln!(out),
        LessonEvent::Check {
            prompt, choices, ..
        } => {
            writeln!(out, "\n[check] {prompt}")?;
            choices.iter().enumerate().try_for_each(|(i, c)| {
                writeln!(out, "  {}) {c}", crate::curriculum::grade::choice_letter(i))
            })
        }
        LessonEvent::Unreadable(why) => writeln!(out, "{why}"),
        LessonEvent::Graded { .. } | LessonEvent::Misconception { .. } => Ok(()),
        LessonEvent::Feedback { text, .. } => writeln!(out, "tutor: {text}"),
        LessonEvent::NeedSelfRating { model_answer } => writeln!(
            out,
            "A model answer: {model_answer}\nHow well did you know it? 1 = not at all, 2 = hard, 3 = good, 4 = easy"
        ),
        LessonEvent::Summary(s) => writeln!(out, "\n{s}"),
    }
}

/// Refuses a concept whose prerequisites are not mastered yet, saying which ones unlock it.
fn check_unlocked(
    store: &Store,
    profile: &Profile,
    sched: &Scheduler,
    course: &crate::curriculum::Course,
    concept_id: &str,
) -> Result<(), TutorCmdError> {
    let Some(concept) = course.concept(concept_id) else {
        // An unknown concept gets its own message (with the list of concepts) below.
        return Ok(());
    };
    let t = now();
    let unlocked =
        store.unlocked_concepts(profile.id, &course.id, sched, t, crate::srs::DEFAULT_UNLOCK)?;
    if unlocked.iter().any(|c| c == concept_id) {
        return Ok(());
    }
    let mastery = store.concept_mastery(profile.id, &course.id, sched, t)?;
    let missing_ids: Vec<&String> = concept
        .requires
        .iter()
        .filter(|r| mastery.get(*r).copied().unwrap_or(0.0) < crate::srs::DEFAULT_UNLOCK)
        .collect();
    let missing: Vec<String> = missing_ids
        .iter()
        .map(|r| {
            let title = course.concept(r).map_or(r.as_str(), |c| c.title.as_str());
            format!(
                "{title:?} ({r}, {:.0}% mastered)",
                mastery.get(r.as_str()).copied().unwrap_or(0.0) * 100.0
            )
        })
        .collect();
    Err(TutorCmdError::Usage(format!(
        "{:?} ({concept_id}) is locked: it unlocks when {} {} at least {:.0}% mastered. \
         Learn {} first (`tutor learn {} {}`), or a teacher can open it with --unlock",
        concept.title,
        missing.join(" and "),
        if missing.len() == 1 { "is" } else { "are" },
        crate::srs::DEFAULT_UNLOCK * 100.0,
        if missing.len() == 1 { "it" } else { "them" },
        course.id,
        missing_ids.first().map_or("", |s| s.as_str()),
    )))
}

/// `tutor transcripts [--all] [--export FILE]`.
pub fn transcripts(env: &Env, all: bool, export: Option<&Path>) -> Result<(), TutorCmdError> {
    // Other students' lessons (and any export, which is for training models) are the teacher's.
    if all || export.is_some() {
        require_teacher(
            env,
            if export.is_some() {
                "exporting lessons"
            } else {
                "every student's lessons"
            },
        )?;
    }
    let (store, owner) = if all {
        (open_store(env, &library(env, &[]))?, None)
    } else {
        let (_lib, store, profile) = session(env, &[])?;
        (store, Some(profile.id))
    };
    let list = store.sessions(owner)?;
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
    let lines = if all {
        require_teacher(env, "another student's lesson")?;
        open_store(env, &library(env, &[]))?.transcript(id, None)?
    } else {
        let (_lib, store, profile) = session(env, &[])?;
        store.transcript(id, Some(profile.id))?
    };
    for l in lines {
        let who = match (l.role.as_str(), l.r#move.as_deref()) {
            ("student", _) => "student".to_string(),
            (r, Some(m)) => format!("{r} [{m}]"),
            (r, None) => r.to_string(),
        };
        println!("{who}: {}", l.content);
    }
    Ok(())
}
