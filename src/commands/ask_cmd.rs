//! `tutor ask COURSE "question"`: an answer from the course's reference material with its
//! sources, and `tutor ask --bench`: the retrieval benchmark.

use std::path::PathBuf;

use super::Env;
use super::course_cmds::library;
use super::tutor_cmds::start_engine;
use crate::ask::{self, AskError, AskIndex};
use crate::cli::AskArgs;
use crate::curriculum::Check;
use crate::curriculum::library::Library;
use crate::engine::ChatBackend;
use crate::store::{Store, StoreError};

/// `tutor ask` failures.
#[derive(Debug, thiserror::Error)]
pub enum AskCmdError {
    #[error(transparent)]
    Ask(#[from] AskError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Usage(String),
}

/// Runs `tutor ask`.
pub fn ask(env: &Env, args: &AskArgs) -> Result<(), AskCmdError> {
    if args.bench {
        let report = ask::bench::run(&Library::load(None, &[]))?;
        if args.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&report).expect("serializable")
            );
        } else {
            print!("{}", report.render_plain());
        }
        return Ok(());
    }
    let (Some(course), Some(question)) = (&args.course, &args.question) else {
        return Err(AskCmdError::Usage(
            "usage: tutor ask COURSE \"question\" (or tutor ask --bench)".into(),
        ));
    };
    let extra: Vec<PathBuf> = Some(PathBuf::from(course))
        .filter(|p| p.is_file())
        .into_iter()
        .collect();
    let lib = library(env, &extra);
    let entry = lib.resolve(course).map_err(|d| {
        let why = d
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        AskCmdError::Usage(if why.is_empty() {
            format!("unknown course {course:?}; see `tutor courses`")
        } else {
            format!("course {course:?} has problems (run `tutor check`):\n{why}")
        })
    })?;
    if entry.course.material.is_empty() && entry.course.glossary.is_empty() {
        return Err(AskCmdError::Usage(format!(
            "course {:?} has no reference material or glossary to answer from; \
             its teacher can add `material = [\"notes.md\"]` under [course] (see docs/curriculum.md)",
            entry.course.id
        )));
    }
    let pending: Vec<&Check> = args
        .during
        .iter()
        .map(|id| {
            entry.course.check(id).map(|(_, k)| k).ok_or_else(|| {
                AskCmdError::Usage(format!("no check {id:?} in course {}", entry.course.id))
            })
        })
        .collect::<Result<_, _>>()?;
    let store = Store::open(&env.paths.database())?;
    let mut index = AskIndex::open(store.path())?;
    drop(store);
    index.ensure_entry(&entry)?;
    let engine = (args.voice >= ask::answer::MODEL_VOICE).then(|| start_engine(env, true));
    let backend: Option<&dyn ChatBackend> = engine
        .as_ref()
        .filter(|(_, spec)| spec.is_some())
        .map(|(e, _)| e as &dyn ChatBackend);
    let answer = ask::answer(
        &index,
        &entry.course,
        question,
        &pending,
        args.voice,
        backend,
    )?;
    if let Some((e, _)) = &engine {
        e.shutdown();
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&answer).expect("serializable")
        );
    } else {
        println!("{}", answer.render_plain());
    }
    Ok(())
}
