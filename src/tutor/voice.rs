//! How much a model may say in a lesson: its [`VoiceLevel`], measured by `tutor eval` against
//! the reply contract and stored per model file (a fingerprint of its bytes) in
//! `voice-levels.json` in the data dir. A teacher can lower or force it with
//! `[tutor] voice_level = N` in the config; a model never measured gets level 0 (the teacher's
//! text only).

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use super::contract::VoiceLevel;

/// The file, in the data dir, that keeps the measured levels.
pub const FILE: &str = "voice-levels.json";

/// Voice-level storage failures.
#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    #[error("cannot read the model file {path}: {source}")]
    Model {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot save {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is damaged ({message}); delete it and run `tutor eval` again")]
    Parse { path: PathBuf, message: String },
}

/// One model's measured level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    pub level: VoiceLevel,
    /// The model file when it was measured (for people reading the file).
    pub model: String,
    /// RFC 3339 time of the calibration run.
    pub measured_at: String,
    /// Share of replies that passed the contract, per level 1–3 (index 0 = level 1).
    pub pass_rates: Vec<f64>,
}

/// Where a lesson's level comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `[tutor] voice_level` in the config.
    Config,
    /// Measured by `tutor eval` for this model file.
    Measured,
    /// Never measured: the safe default.
    Default,
}

/// A fingerprint of a model file: SHA-256 of its size and its first and last 4 MiB (quick
/// for multi-GB files, and different for any two real GGUF files).
pub fn fingerprint(model: &Path) -> Result<String, VoiceError> {
    const PART: u64 = 4 << 20;
    let err = |source| VoiceError::Model {
        path: model.into(),
        source,
    };
    let mut f = std::fs::File::open(model).map_err(err)?;
    let len = f.metadata().map_err(err)?.len();
    let mut h = Sha256::new();
    h.update(len.to_le_bytes());
    let mut buf = Vec::new();
    (&mut f).take(PART).read_to_end(&mut buf).map_err(err)?;
    h.update(&buf);
    if len > PART {
        buf.clear();
        f.seek(SeekFrom::Start(len.saturating_sub(PART).max(PART)))
            .map_err(err)?;
        f.read_to_end(&mut buf).map_err(err)?;
        h.update(&buf);
    }
    Ok(format!("{:x}", h.finalize()))
}

fn load(data_dir: &Path) -> Result<BTreeMap<String, Measured>, VoiceError> {
    let path = data_dir.join(FILE);
    match std::fs::read_to_string(&path) {
        Ok(t) => serde_json::from_str(&t).map_err(|e| VoiceError::Parse {
            path,
            message: e.to_string(),
        }),
        Err(_) => Ok(BTreeMap::new()),
    }
}

/// The level measured for `model`, if any.
pub fn measured(data_dir: &Path, model: &Path) -> Result<Option<Measured>, VoiceError> {
    let key = fingerprint(model)?;
    Ok(load(data_dir)?.remove(&key))
}

/// Stores the level measured for `model` (atomically: temp file + rename).
pub fn store(data_dir: &Path, model: &Path, m: Measured) -> Result<(), VoiceError> {
    let key = fingerprint(model)?;
    let mut all = load(data_dir).unwrap_or_default();
    all.insert(key, m);
    let path = data_dir.join(FILE);
    let err = |source| VoiceError::Write {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(data_dir).map_err(err)?;
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(&all).expect("levels serialize");
    std::fs::write(&tmp, text).map_err(err)?;
    std::fs::rename(&tmp, &path).map_err(err)
}

/// The level a lesson on `model` uses, and where it comes from: the config's
/// `voice_level` when set, else the measured one, else level 0.
pub fn resolve(data_dir: &Path, model: &Path, config_override: Option<u8>) -> (VoiceLevel, Source) {
    if let Some(l) = config_override.map(|n| VoiceLevel::from_u8(n.min(3)).unwrap_or_default()) {
        return (l, Source::Config);
    }
    match measured(data_dir, model) {
        Ok(Some(m)) => (m.level, Source::Measured),
        Ok(None) => (VoiceLevel::Authored, Source::Default),
        Err(e) => {
            tracing::warn!(error = %e, "voice level unknown; using level 0");
            (VoiceLevel::Authored, Source::Default)
        }
    }
}

/// The level a lesson on `model` uses (see [`resolve`]).
pub fn level_for(data_dir: &Path, model: &Path, config_override: Option<u8>) -> VoiceLevel {
    resolve(data_dir, model, config_override).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_per_model_file_and_overridden_by_the_config() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.gguf");
        let b = dir.path().join("b.gguf");
        std::fs::write(&a, b"GGUF model a").unwrap();
        std::fs::write(&b, b"GGUF model b").unwrap();
        assert_eq!(
            resolve(dir.path(), &a, None),
            (VoiceLevel::Authored, Source::Default)
        );
        let m = Measured {
            level: VoiceLevel::Rephrase,
            model: a.display().to_string(),
            measured_at: "2026-01-01T00:00:00Z".into(),
            pass_rates: vec![1.0, 0.95, 0.5],
        };
        store(dir.path(), &a, m.clone()).unwrap();
        assert_eq!(
            resolve(dir.path(), &a, None),
            (VoiceLevel::Rephrase, Source::Measured)
        );
        assert_eq!(level_for(dir.path(), &b, None), VoiceLevel::Authored);
        assert_eq!(
            resolve(dir.path(), &a, Some(1)),
            (VoiceLevel::Acknowledge, Source::Config)
        );
        assert_eq!(measured(dir.path(), &a).unwrap(), Some(m));
        // Another file with the same name is another model.
        std::fs::write(&a, b"GGUF model a, retrained").unwrap();
        assert_eq!(level_for(dir.path(), &a, None), VoiceLevel::Authored);
    }
}
