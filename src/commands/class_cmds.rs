//! `tutor class export` / `tutor class import`: one class view across laptops, by USB stick.
//! The merge itself lives in [`crate::store::merge`]; this module reads and writes the files,
//! asks for the teacher PIN and asks about profiles with the same name.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use super::Env;
use super::course_cmds::library;
use super::progress::open_store;
use crate::store::merge::{self, Conflict, SameName};
use crate::store::profiles::verify_hash;
use crate::store::{StoreError, now};

/// Class command failures.
#[derive(Debug, thiserror::Error)]
pub enum ClassError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    File(#[from] merge::ExportFileError),
    #[error("cannot read {path}: {source}; nothing was imported")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Refused(String),
}

/// Asks for the teacher PIN when one is set (`TUTOR_TEACHER_PIN`, else typed without echo),
/// like every other teacher-gated command.
fn require_teacher_pin(env: &Env, what: &str) -> Result<(), ClassError> {
    let Some(hash) = &env.config.ui.teacher_pin else {
        return Ok(());
    };
    let pin = super::pin::secret_from(super::pin::TEACHER_PIN_ENV, "Teacher PIN: ")
        .map_err(|e| ClassError::Refused(e.to_string()))?;
    if verify_hash(hash, pin.trim()) {
        Ok(())
    } else {
        Err(ClassError::Refused(format!(
            "wrong teacher PIN; {what} (the PIN is set with `tutor teacher-pin`)"
        )))
    }
}

/// `tutor class export [-o FILE] [--laptop NAME]`.
pub fn export(env: &Env, output: Option<&Path>, laptop: Option<&str>) -> Result<(), ClassError> {
    require_teacher_pin(env, "nothing was exported")?;
    let mut store = open_store(env, &library(env, &[]))?;
    let t = now();
    let bytes = store.export_class(laptop, t)?;
    let me = store.laptop(None)?;
    let path = match output {
        Some(p) => p.to_path_buf(),
        None => {
            let stamp = chrono::DateTime::from_timestamp(t, 0)
                .map(|d| d.format("%Y%m%d-%H%M").to_string())
                .unwrap_or_default();
            let safe: String = me
                .name
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            PathBuf::from(format!("tutor-class-{safe}-{stamp}.json"))
        }
    };
    let tmp = path.with_extension("part");
    std::fs::write(&tmp, &bytes)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|source| ClassError::Write {
            path: path.clone(),
            source,
        })?;
    let f = merge::read_export(&path.display().to_string(), &bytes)?;
    println!(
        "exported laptop {:?}: {} profiles, {} reviews, {} lessons to {}",
        me.name,
        f.payload.profiles.len(),
        f.payload.reviews.len(),
        f.payload.sessions.len(),
        path.display()
    );
    println!(
        "Copy it to the teacher's laptop and run `tutor class import {}`.",
        path.display()
    );
    Ok(())
}

fn ask(c: &Conflict) -> Result<SameName, ClassError> {
    let mut out = std::io::stderr().lock();
    let _ = writeln!(
        out,
        "\n{}: laptop {:?} has a profile {:?} that was made there, and this laptop already has a different {:?}.",
        c.file, c.laptop, c.name, c.name
    );
    let _ = writeln!(
        out,
        "  s = the same student: merge the progress (remembered for later imports)\n  \
         a = a different student: import as \"{} ({})\"\n  k = skip this profile for now",
        c.name, c.laptop
    );
    loop {
        let _ = write!(out, "Answer s, a or k: ");
        let _ = out.flush();
        let mut s = String::new();
        let n = std::io::stdin()
            .lock()
            .read_line(&mut s)
            .map_err(|e| ClassError::Refused(e.to_string()))?;
        if n == 0 {
            return Err(ClassError::Refused(
                "no answer; nothing was imported".into(),
            ));
        }
        match s.trim().to_lowercase().as_str() {
            "s" | "same" => return Ok(SameName::Merge),
            "a" | "apart" => return Ok(SameName::Apart),
            "k" | "skip" => return Ok(SameName::Skip),
            _ => {}
        }
    }
}

/// `tutor class import FILE... [--same-name ask|same|apart|skip]`.
pub fn import(env: &Env, files: &[PathBuf], same_name: &str) -> Result<(), ClassError> {
    // Every file is read and checked before anything is written.
    let mut exports = Vec::new();
    for path in files {
        let bytes = std::fs::read(path).map_err(|source| ClassError::Read {
            path: path.clone(),
            source,
        })?;
        exports.push(merge::read_export(&path.display().to_string(), &bytes)?);
    }
    require_teacher_pin(env, "nothing was imported")?;
    let mut store = open_store(env, &library(env, &[]))?;
    let conflicts = store.class_conflicts(&exports)?;
    let mut decisions = HashMap::new();
    let fixed = match same_name {
        "same" => Some(SameName::Merge),
        "apart" => Some(SameName::Apart),
        "skip" => Some(SameName::Skip),
        _ => None,
    };
    if fixed.is_none() && !conflicts.is_empty() && !std::io::stdin().is_terminal() {
        let list: Vec<String> = conflicts
            .iter()
            .map(|c| format!("  {:?} from laptop {:?} ({})", c.name, c.laptop, c.file))
            .collect();
        return Err(ClassError::Refused(format!(
            "these profiles have the name of a different profile on this laptop:\n{}\n\
             nothing was imported. Run it in a terminal to answer for each, or add \
             --same-name same (the same students), apart (different students) or skip",
            list.join("\n")
        )));
    }
    for c in &conflicts {
        let d = match fixed {
            Some(d) => d,
            None => ask(c)?,
        };
        decisions.insert(c.uid.clone(), d);
    }
    let summaries = store.import_class(&exports, &decisions)?;
    for s in &summaries {
        println!(
            "{} (laptop {:?}): {} new of {} reviews, {} new of {} lessons, {} new transcript lines, {} new profiles{}",
            s.file,
            s.laptop,
            s.new_reviews,
            s.reviews,
            s.new_lessons,
            s.lessons,
            s.new_lines,
            s.new_profiles,
            if s.skipped_profiles > 0 {
                format!(", {} profiles skipped", s.skipped_profiles)
            } else {
                String::new()
            }
        );
    }
    println!("The class report (`tutor report`, the teacher view) now includes these laptops.");
    Ok(())
}
