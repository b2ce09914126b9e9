//! Where tutor keeps its files.
//!
//! By default the platform's directories (via `directories`): config, data (database, backups,
//! user curricula, models) and state (log). `--data-dir DIR` or `TUTOR_HOME` puts everything
//! under one directory instead, which is what tests and portable installs use.

use std::path::{Path, PathBuf};

/// The directories tutor uses.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config_file: PathBuf,
    pub data_dir: PathBuf,
    pub state_dir: PathBuf,
}

impl Paths {
    /// Resolves the directories; `home` is `--data-dir` / `TUTOR_HOME` when given.
    pub fn resolve(home: Option<&Path>) -> Self {
        if let Some(home) = home {
            return Self::under(home);
        }
        match directories::ProjectDirs::from("org", "tutor", "tutor") {
            Some(d) => Self {
                config_file: d.config_dir().join("config.toml"),
                data_dir: d.data_dir().to_path_buf(),
                state_dir: d.state_dir().unwrap_or(d.data_local_dir()).to_path_buf(),
            },
            None => Self::under(Path::new(".tutor")),
        }
    }

    /// Everything under one directory.
    pub fn under(home: &Path) -> Self {
        Self {
            config_file: home.join("config.toml"),
            data_dir: home.to_path_buf(),
            state_dir: home.join("logs"),
        }
    }

    /// The progress database.
    pub fn database(&self) -> PathBuf {
        self.data_dir.join("tutor.sqlite3")
    }

    /// Automatic and manual backups.
    pub fn backups_dir(&self) -> PathBuf {
        self.data_dir.join("backups")
    }

    /// The user's own courses.
    pub fn curricula_dir(&self) -> PathBuf {
        self.data_dir.join("curricula")
    }

    /// Models placed in the data dir.
    pub fn models_dir(&self) -> PathBuf {
        self.data_dir.join("models")
    }
}
