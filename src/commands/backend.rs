//! The model a command talks to: the school's server (with the laptop's model as fallback) when
//! `--server` or `[engine] server` is set, else the laptop's own model. One place, so every
//! command and the TUI pick the same way.

use std::time::Duration;

use super::Env;
use crate::engine::remote::fallback::FallbackBackend;
use crate::engine::remote::{RemoteBackend, RemoteConfig, RemoteError};
use crate::engine::{ChatBackend, EngineHandle, GenRequest, Generation};

/// A started backend.
#[derive(Debug, Clone)]
pub enum Backend {
    /// llama.cpp in this process (`None` model: nothing loaded; lessons use the teacher's words).
    Local(EngineHandle),
    /// The school's server, falling back to the local model.
    Remote(FallbackBackend),
}

impl Env {
    /// The server URL: `--server` over the config file.
    pub fn server_url(&self) -> Option<String> {
        self.global
            .server
            .clone()
            .or_else(|| self.config.engine.server.clone())
            .filter(|s| !s.trim().is_empty())
    }

    /// The server connection settings, when a server is configured.
    pub fn remote_config(&self) -> Option<RemoteConfig> {
        let url = self.server_url()?;
        let mut cfg = RemoteConfig::new(url);
        if let Some(s) = self.config.engine.connect_timeout_secs {
            cfg.connect_timeout = Duration::from_secs(s.max(1));
        }
        if let Some(s) = self.config.engine.read_timeout_secs {
            cfg.read_timeout = Duration::from_secs(s.max(1));
        }
        Some(cfg)
    }

    /// Connects to the configured server (`None` when there is none).
    pub fn connect_server(&self) -> Option<Result<RemoteBackend, RemoteError>> {
        self.remote_config().map(RemoteBackend::connect)
    }
}

impl Backend {
    /// Starts the backend for a command; messages for the user go to stderr unless `quiet`.
    /// Returns it with a description of the model (`None`: no model at all).
    pub fn start(env: &Env, quiet: bool) -> (Self, Option<String>) {
        if let Some(conn) = env.connect_server() {
            match conn {
                Ok(remote) => {
                    let desc = format!("server: {}", remote.info().describe());
                    if !quiet {
                        eprintln!(
                            "using the school's model server: {}",
                            remote.info().describe()
                        );
                    }
                    let local = env.model_spec().ok().filter(|s| s.path.is_file());
                    let fb = FallbackBackend::new(remote, local);
                    return (Self::Remote(fb), Some(desc));
                }
                Err(e) => eprintln!("tutor: {e}; using this laptop's own model instead"),
            }
        }
        let engine = EngineHandle::spawn();
        match env.model_spec() {
            Ok(spec) => {
                if !quiet {
                    eprintln!("loading {} ...", spec.path.display());
                }
                match engine.load_blocking(spec.clone()) {
                    Ok(_) => (Self::Local(engine), Some(spec.path.display().to_string())),
                    Err(e) => {
                        eprintln!(
                            "tutor: the model could not be loaded ({e}); continuing without it"
                        );
                        (Self::Local(engine), None)
                    }
                }
            }
            Err(e) => {
                eprintln!(
                    "tutor: {e}; continuing without a model (the teacher's own questions and hints are used)"
                );
                (Self::Local(engine), None)
            }
        }
    }

    /// Notices for the student since the last call (the server failed, ...).
    pub fn take_notices(&self) -> Vec<String> {
        match self {
            Self::Local(_) => Vec::new(),
            Self::Remote(fb) => fb.take_notices(),
        }
    }

    /// Stops engine threads.
    pub fn shutdown(&self) {
        match self {
            Self::Local(e) => e.shutdown(),
            Self::Remote(fb) => fb.shutdown(),
        }
    }
}

impl ChatBackend for Backend {
    fn generate(&self, request: GenRequest) -> Generation {
        match self {
            Self::Local(e) => e.generate(request),
            Self::Remote(fb) => fb.generate(request),
        }
    }
}
