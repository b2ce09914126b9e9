//! `tutor` binary entry: parse the command line, start logging, dispatch.
//!
//! Module map: see `lib.rs`. `anyhow` lives only here; every module has typed errors.

use clap::Parser;
use tutor::cli::{Cli, Command, ModelCommand};
use tutor::commands::{Env, engine_cmds};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tutor: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let env = Env::new(cli.global)?;
    let _log = tutor::logging::init(&env.paths.state_dir);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "tutor starting");
    match cli.command {
        None => engine_cmds::chat_plain(&env, None, None, 256)?,
        Some(Command::Chat { plain: _, system, temperature, max_tokens }) => {
            engine_cmds::chat_plain(&env, system, temperature, max_tokens)?
        }
        Some(Command::Model { command: ModelCommand::Info { path, json } }) => {
            engine_cmds::model_info(&env, path, json)?
        }
        Some(Command::Doctor) => engine_cmds::doctor(&env),
        Some(Command::Bench { json, reps }) => engine_cmds::bench(&env, json, reps)?,
    }
    Ok(std::process::ExitCode::SUCCESS)
}
