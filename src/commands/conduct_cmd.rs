//! `tutor eval --conduct`: the lesson-conduct suite with the real model at the voice level in
//! force, and the two labelled reading sets (misconception lines, free-text answers), as one
//! report. Every miss is listed.

use serde::Serialize;

use super::Env;
use super::engine_cmds::EngineCmdError;
use crate::curriculum::library::Library;
use crate::engine::EngineHandle;
use crate::tutor::eval::conduct::{self, ConductReport};
use crate::tutor::eval::judging::{self, BeliefScores, TextJudgeScores};
use crate::tutor::voice;

/// What `tutor eval --conduct --json` prints.
#[derive(Debug, Serialize)]
pub struct ConductEval {
    pub model: String,
    /// The voice level the lessons ran at (the one in force for this model).
    pub voice_level: u8,
    pub conduct_pass_rate: f64,
    #[serde(flatten)]
    pub conduct: ConductReport,
    /// On the held-out misconception lines; `misconceptions_seen` are the lines the rules were
    /// written with.
    pub misconception_false_flag_rate: f64,
    pub misconceptions: BeliefScores,
    pub misconceptions_seen: BeliefScores,
    /// On the held-out free-text answers (`text_judge_seen`: the ones the rules were written
    /// with).
    pub text_judge_accuracy: f64,
    pub text_judge: TextJudgeScores,
    pub text_judge_seen: TextJudgeScores,
}

/// Runs the suite and the labelled sets.
pub fn run(env: &Env, json: bool) -> Result<(), EngineCmdError> {
    let spec = env.model_spec()?;
    let engine = EngineHandle::spawn();
    eprintln!("loading {} ...", spec.path.display());
    engine.load_blocking(spec.clone())?;
    let lib = Library::load(None, &[]);
    let forced = env.config.tutor.voice_level;
    let (in_force, _) = voice::resolve(&env.paths.data_dir, &spec.path, forced);
    let in_force = crate::tutor::service::voice_override().unwrap_or(in_force);
    let report = conduct::run(&engine, &lib, in_force);
    engine.shutdown();
    let misconceptions = judging::belief_scores(&lib, true);
    let text_judge = judging::text_judge_scores(&lib, true);
    let r = ConductEval {
        model: spec.path.display().to_string(),
        voice_level: in_force.as_u8(),
        conduct_pass_rate: report.conduct_pass_rate,
        conduct: report,
        misconception_false_flag_rate: misconceptions.misconception_false_flag_rate,
        misconceptions,
        misconceptions_seen: judging::belief_scores(&lib, false),
        text_judge_accuracy: text_judge.text_judge_accuracy,
        text_judge,
        text_judge_seen: judging::text_judge_scores(&lib, false),
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&r).expect("serializable")
        );
        return Ok(());
    }
    println!("model                  {}", r.model);
    println!(
        "lesson conduct         {:.3} ({} of {} turns in {} scripts, voice level {})",
        r.conduct_pass_rate, r.conduct.passed, r.conduct.turns, r.conduct.scripts, r.voice_level
    );
    for (course, n) in &r.conduct.turns_per_course {
        println!("  {course:<20} {n} turns");
    }
    for m in &r.conduct.misses {
        println!("  miss: {m}");
    }
    for (name, s) in [
        ("held out", &r.misconceptions),
        ("seen", &r.misconceptions_seen),
    ] {
        println!(
            "misconceptions ({name:<8})  false flags {:.3}  precision {:.3}  recall {:.3}  ({} lines)",
            s.misconception_false_flag_rate, s.precision, s.recall, s.items
        );
        for e in &s.errors {
            println!("  {e}");
        }
    }
    for (name, s) in [("held out", &r.text_judge), ("seen", &r.text_judge_seen)] {
        println!(
            "text judge ({name:<8})      accuracy {:.3}  wrong judged right {}  ({} answers)",
            s.text_judge_accuracy, s.wrong_judged_right, s.items
        );
        for e in &s.errors {
            println!("  {e}");
        }
    }
    Ok(())
}
