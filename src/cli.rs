//! Command-line definitions (clap). Only parsing lives here; `main.rs` dispatches.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// tutor: an offline Socratic tutor with spaced repetition.
#[derive(Debug, Parser)]
#[command(name = "tutor", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command understands.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Model file (GGUF). Default: TUTOR_MODEL, the config file, ./models/*.gguf, the data dir's models/.
    #[arg(long, global = true, value_name = "PATH")]
    pub model: Option<PathBuf>,
    /// A GGUF LoRA adapter to apply on top of the model.
    #[arg(long, global = true, value_name = "PATH")]
    pub lora: Option<PathBuf>,
    /// Context length in tokens.
    #[arg(long = "ctx", global = true, value_name = "N")]
    pub ctx: Option<u32>,
    /// CPU threads (default: physical cores).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<u32>,
    /// Layers to offload to the GPU (default: all when a GPU is found, else 0).
    #[arg(long, global = true, value_name = "N")]
    pub gpu_layers: Option<u32>,
    /// Keep all data (database, config, logs) under DIR.
    #[arg(long, global = true, env = "TUTOR_HOME", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The learner profile to use (default: the OS user's).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Chat with the model (plain line mode: one message per line on stdin).
    Chat {
        /// Line mode on stdin/stdout (screen readers, scripts).
        #[arg(long)]
        plain: bool,
        /// System prompt.
        #[arg(long)]
        system: Option<String>,
        /// Sampling temperature (0 = greedy).
        #[arg(long)]
        temperature: Option<f32>,
        /// Most tokens per reply.
        #[arg(long, default_value_t = 256)]
        max_tokens: u32,
    },
    /// Model commands.
    Model {
        #[command(subcommand)]
        command: ModelCommand,
    },
    /// Show compiled backends, devices, CPU features, the model found and the data dir.
    Doctor,
    /// Measure prompt processing, generation and time to first token on the real model.
    Bench {
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
        /// Repetitions of the throughput measurement (median reported).
        #[arg(long, default_value_t = 3)]
        reps: usize,
    },
}

/// `tutor model ...`
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Name, architecture, parameters, quantization, context length, template, size.
    Info {
        /// The GGUF file (default: the model discovery finds).
        path: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}
