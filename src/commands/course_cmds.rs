//! `tutor check` (the teacher's validator) and `tutor courses` (the library).

use std::path::PathBuf;

use serde::Serialize;

use super::Env;
use crate::curriculum::library::{BUNDLED, Library, Origin, course_files};
use crate::curriculum::{Severity, load_file, load_str};

/// `tutor check PATH...`: every problem of every file, then a summary. Returns whether all passed.
pub fn check(paths: &[PathBuf], strict: bool) -> bool {
    let mut files = 0;
    let mut failed = 0;
    let (mut errors, mut warnings) = (0, 0);
    for p in paths {
        let list = course_files(p);
        if list.is_empty() {
            println!("{}: warning: no .toml course files here", p.display());
        }
        for f in list {
            files += 1;
            let loaded = load_file(&f);
            for d in &loaded.diagnostics {
                println!("{d}");
                match d.severity {
                    Severity::Error => errors += 1,
                    Severity::Warning => warnings += 1,
                }
            }
            if loaded.failed(strict) {
                failed += 1;
            }
        }
    }
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    println!(
        "{} checked: {} valid, {} with problems ({}, {}){}",
        plural(files, "file"),
        files - failed,
        failed,
        plural(errors, "error"),
        plural(warnings, "warning"),
        if strict {
            " [strict: warnings fail]"
        } else {
            ""
        }
    );
    failed == 0 && files > 0
}

#[derive(Serialize)]
struct CourseLine<'a> {
    id: &'a str,
    title: &'a str,
    version: &'a str,
    language: &'a str,
    audience: &'a str,
    concepts: usize,
    checks: usize,
    origin: String,
    warnings: usize,
}

/// The library with the user's dir and `extra` paths.
pub fn library(env: &Env, extra: &[PathBuf]) -> Library {
    Library::load(Some(&env.paths.curricula_dir()), extra)
}

/// The extra library path for a COURSE argument that is a file (none for a course id).
/// Refuses a file whose `[course] id` is already an installed course's (bundled or in the
/// curricula dir) and is not that same file: learning it would replace that course's content
/// and write into its students' progress. The message names both files.
pub fn course_arg_paths(env: &Env, arg: &str) -> Result<Vec<PathBuf>, String> {
    let path = std::path::Path::new(arg);
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let Some(course) = load_file(path).course else {
        // Invalid files are reported with their diagnostics when the course is resolved.
        return Ok(vec![path.to_path_buf()]);
    };
    let installed = library(env, &[]);
    let Some(existing) = installed.get(&course.id) else {
        return Ok(vec![path.to_path_buf()]);
    };
    let same = |p: &std::path::Path| {
        matches!(
            (std::fs::canonicalize(p), std::fs::canonicalize(path)),
            (Ok(a), Ok(b)) if a == b
        )
    };
    let other = match &existing.origin {
        Origin::User(p) | Origin::Path(p) if same(p) => return Ok(vec![path.to_path_buf()]),
        Origin::User(p) | Origin::Path(p) => p.display().to_string(),
        Origin::Bundled => BUNDLED
            .iter()
            .find(|(name, text)| {
                load_str(name, text)
                    .course
                    .is_some_and(|c| c.id == course.id)
            })
            .map_or("a course bundled with tutor".into(), |(name, _)| {
                format!("curricula/{name} (bundled with tutor)")
            }),
    };
    Err(format!(
        "{} has [course] id = {:?}, the id of the installed course in {other}. Using it would \
         replace that course and mix into its students' progress. Give {} an id of its own \
         (e.g. id = \"{}-draft\"), or change the installed file instead",
        path.display(),
        course.id,
        path.display(),
        course.id
    ))
}

/// `tutor courses`: what is installed, with counts and origins; invalid files with diagnostics.
pub fn courses(env: &Env, extra: &[PathBuf], json: bool) {
    let lib = library(env, extra);
    let lines: Vec<CourseLine<'_>> = lib
        .courses
        .iter()
        .map(|e| CourseLine {
            id: &e.course.id,
            title: &e.course.title,
            version: &e.course.version,
            language: &e.course.language,
            audience: &e.course.audience,
            concepts: e.course.concepts.len(),
            checks: e.course.checks().count(),
            origin: e.origin.to_string(),
            warnings: e.warnings.len(),
        })
        .collect();
    if json {
        let v = serde_json::json!({ "courses": lines, "invalid": lib.problems });
        println!(
            "{}",
            serde_json::to_string_pretty(&v).expect("serializable")
        );
        return;
    }
    println!(
        "{:<16} {:<28} {:>8} {:>7}  from",
        "id", "title", "concepts", "checks"
    );
    for l in &lines {
        println!(
            "{:<16} {:<28} {:>8} {:>7}  {}",
            l.id, l.title, l.concepts, l.checks, l.origin
        );
    }
    if lines.is_empty() {
        println!("(no courses)");
    }
    for p in &lib.problems {
        println!("\nskipped {} (fix it and run `tutor check`):", p.source);
        for d in &p.diagnostics {
            println!("  {d}");
        }
    }
    println!(
        "\nadd your own courses to {}",
        env.paths.curricula_dir().display()
    );
}
