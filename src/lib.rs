//! `tutor`: an offline, terminal-native Socratic tutor.
//!
//! Layers (lower never imports higher; only `app`/`ui` know about the terminal):
//! - [`engine`]: llama.cpp in-process on its own thread; [`engine::ChatBackend`] is the seam.
//! - [`config`], [`paths`], [`logging`]: settings file, directories, log file.
//! - [`commands`]: the CLI subcommands, sharing one [`commands::Env`].
//! - [`cli`]: clap definitions.
//! - [`import`]: GIFT, Anki and OATutor material → course files (`tutor import`).
//! - [`curriculum`], [`srs`], [`store`], [`tutor`]: courses, scheduling, progress, lessons.
//! - [`ask`]: questions answered from a course's reference material, with sources.
//! - [`app`] (pure state + update + driver) and [`ui`] (render): the terminal app.

pub mod app;
pub mod ask;
pub mod cli;
pub mod commands;
pub mod config;
pub mod curriculum;
pub mod engine;
pub mod import;
pub mod logging;
pub mod paths;
pub mod srs;
pub mod store;
pub mod tutor;
pub mod ui;
