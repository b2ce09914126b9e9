//! The user's settings file (`config.toml`), read at start and written by the Settings screen.
//!
//! Every field is optional: a missing file is the defaults. A malformed file is reported with
//! its path and line, and never overwritten.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Settings errors.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}\nfix the file or delete it to go back to the defaults")]
    Parse { path: PathBuf, message: String },
    #[error("cannot save {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Model settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    pub path: Option<PathBuf>,
    pub lora: Option<PathBuf>,
    pub gpu_layers: Option<u32>,
    pub threads: Option<u32>,
    pub ctx: Option<u32>,
    pub temperature: Option<f32>,
    /// Force a llama.cpp CPU variant (`haswell`, `x64`, ...) instead of probing; `auto` probes.
    /// `TUTOR_CPU_VARIANT` wins over it.
    pub cpu_variant: Option<String>,
}

/// Where replies come from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineConfig {
    /// The school's model server (`http://HOST:PORT`, OpenAI-compatible: llama-server, vLLM,
    /// Ollama). Its API key, if it needs one, comes from the `TUTOR_SERVER_KEY` environment
    /// variable, never from this file. Unset: the laptop's own model.
    pub server: Option<String>,
    /// Seconds to wait for a connection (default 5).
    pub connect_timeout_secs: Option<u64>,
    /// Seconds of silence before a reply counts as failed (default 60).
    pub read_timeout_secs: Option<u64>,
}

/// Review settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewConfig {
    pub desired_retention: Option<f32>,
    pub new_cards_per_day: Option<u32>,
}

/// Interface settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiConfig {
    /// `default` or `high-contrast`.
    pub theme: Option<String>,
    /// Key overrides: action name -> key (e.g. `hint = "ctrl-h"`).
    #[serde(default)]
    pub keys: std::collections::BTreeMap<String, String>,
    /// Argon2 hash of the teacher PIN (`tutor teacher-pin`); when set, the teacher view asks for it.
    pub teacher_pin: Option<String>,
}

/// Lesson settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TutorConfig {
    /// How much the model may say (0 = the teacher's text only … 3 = free replies). Set, it
    /// overrides the level `tutor eval` measured for the model (lower it, or force it).
    pub voice_level: Option<u8>,
}

/// The whole settings file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub model: ModelConfig,
    #[serde(default, skip_serializing_if = "is_default_engine")]
    pub engine: EngineConfig,
    #[serde(default)]
    pub review: ReviewConfig,
    #[serde(default)]
    pub ui: UiConfig,
    #[serde(default)]
    pub tutor: TutorConfig,
}

fn is_default_engine(e: &EngineConfig) -> bool {
    *e == EngineConfig::default()
}

impl Config {
    /// Reads `path`; a missing file gives the defaults.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => {
                return Err(ConfigError::Read {
                    path: path.into(),
                    source: e,
                });
            }
        };
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.into(),
            message: e.to_string(),
        })
    }

    /// Writes the file atomically (temp file + rename).
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let err = |source| ConfigError::Write {
            path: path.into(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let text = toml::to_string_pretty(self).expect("config serializes");
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, text).map_err(err)?;
        std::fs::rename(&tmp, path).map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reports_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        assert_eq!(Config::load(&path).unwrap(), Config::default());
        let mut c = Config::default();
        c.model.threads = Some(2);
        c.ui.theme = Some("high-contrast".into());
        c.save(&path).unwrap();
        assert_eq!(Config::load(&path).unwrap(), c);
        std::fs::write(&path, "[model]\nthreds = 2\n").unwrap();
        let err = Config::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("threds") && err.contains("config.toml"),
            "{err}"
        );
    }

    #[test]
    fn reads_the_engine_server() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[engine]\nserver = \"http://10.0.0.5:8080\"\nread_timeout_secs = 30\n",
        )
        .unwrap();
        let c = Config::load(&path).unwrap();
        assert_eq!(c.engine.server.as_deref(), Some("http://10.0.0.5:8080"));
        assert_eq!(c.engine.read_timeout_secs, Some(30));
        c.save(&path).unwrap();
        assert_eq!(Config::load(&path).unwrap(), c);
    }
}
