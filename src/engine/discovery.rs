//! Where the model comes from.
//!
//! Order: `--model PATH` > `TUTOR_MODEL` > the config file's `model.path` > the first `*.gguf`
//! (by name) in `./models/` > the first in the data dir's `models/`. Nothing is ever downloaded.

use std::path::{Path, PathBuf};

/// Which rule picked the model (shown by `tutor doctor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelSource {
    Flag,
    Env,
    Config,
    WorkingDir,
    DataDir,
}

impl std::fmt::Display for ModelSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Flag => "--model",
            Self::Env => "TUTOR_MODEL",
            Self::Config => "config file",
            Self::WorkingDir => "./models",
            Self::DataDir => "data dir models/",
        })
    }
}

/// The inputs of discovery, gathered by the caller (so this stays pure and testable).
#[derive(Debug, Default, Clone)]
pub struct Candidates {
    pub flag: Option<PathBuf>,
    pub env: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub working_dir: PathBuf,
    pub data_dir: PathBuf,
}

/// Finds the model to use, or `None` with nothing found.
pub fn find_model(c: &Candidates) -> Option<(PathBuf, ModelSource)> {
    if let Some(p) = &c.flag {
        return Some((p.clone(), ModelSource::Flag));
    }
    if let Some(p) = c.env.as_ref().filter(|p| !p.as_os_str().is_empty()) {
        return Some((p.clone(), ModelSource::Env));
    }
    if let Some(p) = &c.config {
        return Some((p.clone(), ModelSource::Config));
    }
    if let Some(p) = first_gguf(&c.working_dir.join("models")) {
        return Some((p, ModelSource::WorkingDir));
    }
    first_gguf(&c.data_dir.join("models")).map(|p| (p, ModelSource::DataDir))
}

/// The first `*.gguf` file in `dir`, by name.
pub fn first_gguf(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("gguf"))
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

/// What to tell a user when no model is found.
pub fn no_model_help(c: &Candidates) -> String {
    format!(
        "no model found. Put a .gguf file in {} or {}, or pass --model PATH \
         (from a checkout, `make model` fetches the default SmolLM2-135M-Instruct)",
        c.working_dir.join("models").display(),
        c.data_dir.join("models").display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_flag_env_config_cwd_data() {
        let cwd = tempfile::tempdir().unwrap();
        let data = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(cwd.path().join("models")).unwrap();
        std::fs::create_dir_all(data.path().join("models")).unwrap();
        std::fs::write(data.path().join("models/z.gguf"), b"x").unwrap();
        let mut c = Candidates {
            working_dir: cwd.path().into(),
            data_dir: data.path().into(),
            ..Default::default()
        };
        assert_eq!(find_model(&c).unwrap().1, ModelSource::DataDir);
        std::fs::write(cwd.path().join("models/b.gguf"), b"x").unwrap();
        std::fs::write(cwd.path().join("models/a.GGUF"), b"x").unwrap();
        std::fs::write(cwd.path().join("models/README.md"), b"x").unwrap();
        let (p, s) = find_model(&c).unwrap();
        assert_eq!(
            (p.file_name().unwrap().to_str().unwrap(), s),
            ("a.GGUF", ModelSource::WorkingDir)
        );
        c.config = Some("/c.gguf".into());
        assert_eq!(find_model(&c).unwrap().1, ModelSource::Config);
        c.env = Some("/e.gguf".into());
        assert_eq!(find_model(&c).unwrap().1, ModelSource::Env);
        c.flag = Some("/f.gguf".into());
        assert_eq!(
            find_model(&c).unwrap(),
            (PathBuf::from("/f.gguf"), ModelSource::Flag)
        );
    }
}
