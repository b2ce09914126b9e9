//! `tutor import FILE…`: teaching material (GIFT, Anki, OATutor) → a course file, with a report
//! of what did not map, per item with its `file:line`.

use std::path::{Path, PathBuf};

use super::Env;
use crate::import::{Format, ImportError, Options, import_paths};

/// Why the command failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportCmdError {
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("unknown format {0:?}: use gift, anki or oatutor")]
    Format(String),
    #[error("{0} already exists; choose another file with -o, or add --force to replace it")]
    Exists(PathBuf),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What `tutor import` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct ImportArgs {
    pub files: Vec<PathBuf>,
    pub from: Option<String>,
    pub output: Option<PathBuf>,
    pub id: Option<String>,
    pub title: Option<String>,
    pub lang: Option<String>,
    /// Write into the user's curricula dir (where `tutor` finds courses by id).
    pub install: bool,
    pub force: bool,
}

/// Runs the import, writes the course and prints the report. Returns the written path.
pub fn import(env: &Env, args: &ImportArgs) -> Result<PathBuf, ImportCmdError> {
    let from = match &args.from {
        Some(f) => Some(Format::parse(f).ok_or_else(|| ImportCmdError::Format(f.clone()))?),
        None => None,
    };
    let opts = Options {
        from,
        id: args.id.clone(),
        title: args.title.clone(),
        lang: args.lang.clone(),
    };
    let imported = import_paths(&args.files, &opts)?;
    let file_name = format!("{}.toml", imported.course_id);
    let path = match (&args.output, args.install) {
        (Some(p), _) => p.clone(),
        (None, true) => env.paths.curricula_dir().join(&file_name),
        (None, false) => PathBuf::from(&file_name),
    };
    if path.exists() && !args.force {
        print!("{}", imported.report);
        return Err(ImportCmdError::Exists(path));
    }
    write_file(&path, &imported.toml)?;
    tracing::info!(
        course = %imported.course_id,
        path = %path.display(),
        checks = imported.checks,
        "imported course written"
    );
    print!("{}", imported.report);
    println!(
        "wrote {}: course {:?} ({}), {} concepts, {} checks",
        path.display(),
        imported.course_id,
        imported.title,
        imported.concepts,
        imported.checks
    );
    if path.starts_with(env.paths.curricula_dir()) {
        println!(
            "installed: `tutor learn {}` and `tutor review {}` find it by id",
            imported.course_id, imported.course_id
        );
    } else {
        println!(
            "check it with `tutor check {0}`; use it with `tutor learn {0}`, or copy it into {1} to install it",
            path.display(),
            env.paths.curricula_dir().display()
        );
    }
    Ok(path)
}

/// Writes through a temporary file and a rename, so a failed write never leaves half a course.
fn write_file(path: &Path, text: &str) -> Result<(), ImportCmdError> {
    let err = |source| ImportCmdError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let tmp = path.with_extension("toml.part");
    std::fs::write(&tmp, text).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}
