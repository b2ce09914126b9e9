//! `tutor` binary entry: parse the command line, start logging, dispatch.
//!
//! Module map: see `lib.rs`. `anyhow` lives only here; every module has typed errors.

use clap::Parser;
use tutor::cli::{ClassCommand, Cli, Command, ModelCommand, ProfileCommand};
use tutor::commands::{
    Env, ask_cmd, class_cmds, conduct_cmd, course_cmds, engine_cmds, import_cmd, progress,
    review_plain, store_cmds, tutor_cmds,
};
use tutor::engine::cpu_variant::{self, PROBE_SUBCOMMAND, probe};

fn main() -> std::process::ExitCode {
    // The CPU-variant probe's child: loads one llama.cpp CPU variant and runs its kernels.
    // Handled before anything else (config, logging) so it depends on nothing but the file.
    let mut args = std::env::args_os().skip(1);
    if args.next().as_deref() == Some(std::ffi::OsStr::new(PROBE_SUBCOMMAND)) {
        let mut next = args.next();
        let score_only = next.as_deref() == Some(std::ffi::OsStr::new(probe::SCORE_ONLY));
        if score_only {
            next = args.next();
        }
        let code = match next {
            Some(file) => probe::run(std::path::Path::new(&file), score_only),
            None => probe::exit::LOAD_FAILED,
        };
        return std::process::ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
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
    use std::process::ExitCode;
    let frame_stats = cli.frame_stats;
    let teacher = cli.teacher;
    let env = Env::new(cli.global)?;
    let _log = tutor::logging::init(&env.paths.state_dir);
    cpu_variant::configure(cpu_variant::Options {
        state_dir: Some(env.paths.state_dir.clone()),
        forced: env.config.model.cpu_variant.clone(),
    });
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "tutor starting");
    match cli.command {
        None => {
            use std::io::IsTerminal;
            if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
                eprintln!(
                    "tutor: the app needs a terminal. For line mode use `tutor learn COURSE --plain` or `tutor review --plain`."
                );
                return Ok(ExitCode::FAILURE);
            }
            tutor::app::driver::run(env, frame_stats, teacher)?
        }
        Some(Command::Chat {
            plain: _,
            system,
            temperature,
            max_tokens,
        }) => engine_cmds::chat_plain(&env, system, temperature, max_tokens)?,
        Some(Command::Model {
            command: ModelCommand::Info { path, json },
        }) => engine_cmds::model_info(&env, path, json)?,
        Some(Command::Doctor { backends_dir }) => engine_cmds::doctor(&env, backends_dir),
        Some(Command::Bench {
            json,
            reps,
            lesson_voice,
            cold,
        }) => engine_cmds::bench(&env, json, reps, lesson_voice, cold)?,
        Some(Command::Check { paths, strict }) => {
            if !course_cmds::check(&paths, strict) {
                return Ok(ExitCode::FAILURE);
            }
        }
        Some(Command::Import {
            files,
            from,
            output,
            id,
            title,
            lang,
            install,
            force,
        }) => {
            let args = import_cmd::ImportArgs {
                files,
                from,
                output,
                id,
                title,
                lang,
                install,
                force,
            };
            import_cmd::import(&env, &args)?;
        }
        Some(Command::Courses { paths, json }) => course_cmds::courses(&env, &paths, json),
        Some(Command::Review { course, plain: _ }) => {
            let extra = match &course {
                Some(c) => course_cmds::course_arg_paths(&env, c).map_err(anyhow::Error::msg)?,
                None => Vec::new(),
            };
            let (lib, mut store, profile) = progress::session(&env, &extra)?;
            let course_id = match &course {
                Some(c) => Some(
                    lib.resolve(c)
                        .map_err(|d| anyhow::anyhow!("unknown course {c:?}{}", render_diags(&d)))?
                        .course
                        .id,
                ),
                None => None,
            };
            let sched = progress::scheduler(&env, &profile);
            let stdin = std::io::stdin();
            let mut input = stdin.lock();
            let mut out = std::io::stdout().lock();
            review_plain::run(
                &mut store,
                &lib,
                &profile,
                &sched,
                course_id.as_deref(),
                &mut input,
                &mut out,
            )?;
        }
        Some(Command::Stats { json }) => store_cmds::stats(&env, json)?,
        Some(Command::Report {
            all: _,
            format,
            output,
        }) => store_cmds::report(&env, &format, output.as_deref())?,
        Some(Command::Profile { command }) => match command {
            ProfileCommand::Add { name, pin } => store_cmds::profile_add(&env, &name, pin)?,
            ProfileCommand::List => store_cmds::profile_list(&env)?,
            ProfileCommand::Rename { old, new } => store_cmds::profile_rename(&env, &old, &new)?,
            ProfileCommand::Remove { name, yes } => store_cmds::profile_remove(&env, &name, yes)?,
        },
        Some(Command::Learn {
            course,
            concept,
            plain: _,
            unlock,
        }) => tutor_cmds::learn_plain(&env, &course, concept.as_deref(), unlock)?,
        Some(Command::Transcripts { all, export }) => {
            tutor_cmds::transcripts(&env, all, export.as_deref())?
        }
        Some(Command::Transcript { id, all }) => tutor_cmds::transcript(&env, id, all)?,
        Some(Command::Ask(args)) => ask_cmd::ask(&env, &args)?,
        Some(Command::Eval {
            json,
            reveal_set,
            every,
            calibrate,
            conduct,
        }) => {
            if conduct {
                conduct_cmd::run(&env, json)?
            } else {
                engine_cmds::eval_cmd(&env, json, reveal_set.as_deref(), every, calibrate)?
            }
        }
        Some(Command::TeacherPin { clear }) => store_cmds::teacher_pin(&env, clear)?,
        Some(Command::Optimize) => store_cmds::optimize(&env)?,
        Some(Command::Class { command }) => match command {
            ClassCommand::Export { output, laptop } => {
                class_cmds::export(&env, output.as_deref(), laptop.as_deref())?
            }
            ClassCommand::Import { files, same_name } => {
                class_cmds::import(&env, &files, &same_name)?
            }
        },
        Some(Command::Backup { path }) => store_cmds::backup(&env, path)?,
        Some(Command::Restore { path }) => store_cmds::restore(&env, &path)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn render_diags(d: &[tutor::curriculum::Diagnostic]) -> String {
    if d.is_empty() {
        ": not an installed course id or a course file (see `tutor courses`)".into()
    } else {
        format!(
            ":\n{}",
            d.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    }
}
