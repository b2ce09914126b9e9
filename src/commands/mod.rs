//! The subcommands. Each takes the resolved [`Env`] and writes to stdout; errors go up to
//! `main`, which prints them and exits non-zero.

pub mod ask_cmd;
pub mod backend;
pub mod class_cmds;
pub mod conduct_cmd;
pub mod course_cmds;
pub mod engine_cmds;
pub mod import_cmd;
pub mod lesson_bench;
pub mod pin;
pub mod progress;
pub mod review_plain;
pub mod store_cmds;
pub mod tutor_cmds;

use std::path::PathBuf;

use crate::cli::Global;
use crate::config::{Config, ConfigError};
use crate::engine::ModelSpec;
use crate::engine::discovery::{self, Candidates, ModelSource};
use crate::paths::Paths;

/// Everything a command needs to know about its surroundings.
#[derive(Debug, Clone)]
pub struct Env {
    pub global: Global,
    pub paths: Paths,
    pub config: Config,
}

/// No model could be found.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NoModel(pub String);

impl Env {
    /// Resolves directories and reads the config file.
    pub fn new(global: Global) -> Result<Self, ConfigError> {
        let paths = Paths::resolve(global.data_dir.as_deref());
        let config = Config::load(&paths.config_file)?;
        Ok(Self {
            global,
            paths,
            config,
        })
    }

    fn candidates(&self) -> Candidates {
        Candidates {
            flag: self.global.model.clone(),
            env: std::env::var_os("TUTOR_MODEL").map(PathBuf::from),
            config: self.config.model.path.clone(),
            working_dir: std::env::current_dir().unwrap_or_default(),
            data_dir: self.paths.data_dir.clone(),
        }
    }

    /// The model discovery picks, and by which rule.
    /// How much the model may say in lessons: `TUTOR_VOICE`, else `[tutor] voice_level`, else
    /// the level `tutor eval` measured for the model file in use, else the teacher's words only.
    pub fn voice_level(&self) -> crate::tutor::contract::VoiceLevel {
        if let Some(v) = crate::tutor::service::voice_override() {
            return v;
        }
        let forced = self.config.tutor.voice_level;
        match self.find_model() {
            Ok((model, _)) => crate::tutor::voice::level_for(&self.paths.data_dir, &model, forced),
            Err(_) => forced
                .and_then(crate::tutor::contract::VoiceLevel::from_u8)
                .unwrap_or_default(),
        }
    }

    pub fn find_model(&self) -> Result<(PathBuf, ModelSource), NoModel> {
        let c = self.candidates();
        discovery::find_model(&c).ok_or_else(|| NoModel(discovery::no_model_help(&c)))
    }

    /// The full load spec: flags over config over defaults.
    pub fn model_spec(&self) -> Result<ModelSpec, NoModel> {
        let (path, _) = self.find_model()?;
        let mut spec = ModelSpec::new(path);
        let m = &self.config.model;
        spec.lora = self.global.lora.clone().or_else(|| m.lora.clone());
        if let Some(n) = self.global.ctx.or(m.ctx) {
            spec.n_ctx = n;
        }
        if let Some(n) = self.global.threads.or(m.threads) {
            spec.threads = n.max(1);
        }
        spec.gpu_layers = self.global.gpu_layers.or(m.gpu_layers);
        Ok(spec)
    }
}
