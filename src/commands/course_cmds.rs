//! `tutor check` (the teacher's validator) and `tutor courses` (the library).

use std::path::PathBuf;

use serde::Serialize;

use super::Env;
use crate::curriculum::library::{Library, course_files};
use crate::curriculum::{Severity, load_file};

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
