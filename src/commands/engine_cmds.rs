//! `tutor chat --plain`, `tutor model info`, `tutor doctor`, `tutor bench`, `tutor eval`.

use std::io::{BufRead, Write};

use serde::Serialize;

use super::Env;
use super::lesson_bench::{self, LessonBench};
use crate::curriculum::library::Library;
use crate::engine::{
    self, CacheSlot, ChatBackend, ChatMessage, EngineHandle, GenEvent, GenParams, GenRequest,
    cpu_variant, gguf,
};
use crate::tutor::contract::VoiceLevel;
use crate::tutor::{eval, voice};

/// Command failures.
#[derive(Debug, thiserror::Error)]
pub enum EngineCmdError {
    #[error(transparent)]
    NoModel(#[from] super::NoModel),
    #[error(transparent)]
    Engine(#[from] engine::EngineError),
    #[error(transparent)]
    Gguf(#[from] gguf::GgufError),
    #[error(transparent)]
    LessonBench(#[from] lesson_bench::LessonBenchError),
    #[error("output error: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Reveal(#[from] crate::tutor::eval::reveal::RevealError),
    #[error(transparent)]
    Voice(#[from] crate::tutor::voice::VoiceError),
}

/// Line chat: each stdin line is a user message; the reply streams to stdout.
pub fn chat_plain(
    env: &Env,
    system: Option<String>,
    temperature: Option<f32>,
    max_tokens: u32,
) -> Result<(), EngineCmdError> {
    let (engine, model) = super::backend::Backend::start(env, false);
    let Some(model) = model else {
        return Err(env.model_spec().err().map_or(
            EngineCmdError::Engine(engine::EngineError::NoModel),
            EngineCmdError::NoModel,
        ));
    };
    eprintln!("ready: {model}. Type a message; an empty line or EOF ends.");
    let mut messages = Vec::new();
    if let Some(s) = system {
        messages.push(ChatMessage::system(s));
    }
    let params = GenParams {
        temperature: temperature.or(env.config.model.temperature).unwrap_or(0.7),
        max_tokens,
        ..GenParams::default()
    };
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() || line.trim() == ":q" {
            break;
        }
        messages.push(ChatMessage::user(line));
        let mut gen_ = engine.generate(GenRequest {
            messages: messages.clone(),
            params: params.clone(),
            slot: CacheSlot::Lesson,
        });
        let mut reply = String::new();
        while let Some(ev) = gen_.events.blocking_recv() {
            match ev {
                GenEvent::Token(t) => {
                    write!(out, "{t}")?;
                    out.flush()?;
                    reply.push_str(&t);
                }
                GenEvent::Done(_) => break,
                GenEvent::Error(e) => {
                    writeln!(out, "\n({e})")?;
                    break;
                }
            }
        }
        writeln!(out)?;
        for n in engine.take_notices() {
            writeln!(out, "(note: {n})")?;
        }
        messages.push(ChatMessage::assistant(reply));
    }
    engine.shutdown();
    Ok(())
}

/// `tutor model info`: reads the GGUF header only (instant, no load).
pub fn model_info(
    env: &Env,
    path: Option<std::path::PathBuf>,
    json: bool,
) -> Result<(), EngineCmdError> {
    let path = match path {
        Some(p) => p,
        None => env.find_model()?.0,
    };
    let h = gguf::read_header(&path)?;
    #[derive(Serialize)]
    struct Info<'a> {
        path: &'a std::path::Path,
        name: &'a str,
        architecture: &'a str,
        parameters: u64,
        quantization: String,
        context_length: Option<i64>,
        chat_template: bool,
        file_size: u64,
        gguf_version: u32,
    }
    let info = Info {
        path: &path,
        name: h.str("general.name").unwrap_or("unnamed"),
        architecture: h.architecture(),
        parameters: h.n_params,
        quantization: h.quantization(),
        context_length: h.context_length(),
        chat_template: h.chat_template().is_some(),
        file_size: h.file_size,
        gguf_version: h.version,
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&info).expect("serializable")
        );
    } else {
        println!("path:           {}", info.path.display());
        println!("name:           {}", info.name);
        println!("architecture:   {}", info.architecture);
        println!(
            "parameters:     {} ({:.1} M)",
            info.parameters,
            info.parameters as f64 / 1e6
        );
        println!("quantization:   {}", info.quantization);
        println!(
            "context length: {}",
            info.context_length
                .map_or("unknown".into(), |n| n.to_string())
        );
        println!(
            "chat template:  {}",
            if info.chat_template {
                "yes (Jinja, in the GGUF)"
            } else {
                "no (ChatML fallback)"
            }
        );
        println!(
            "file size:      {} bytes ({:.1} MiB)",
            info.file_size,
            info.file_size as f64 / 1048576.0
        );
    }
    Ok(())
}

/// `tutor doctor`: what llama.cpp sees, without loading a model. `backends_dir`: print only
/// the approved-modules directory (for `GGML_BACKENDS_DIR` in other llama.cpp tools).
pub fn doctor(env: &Env, backends_dir: bool) {
    let report = engine::system_report();
    let sel = cpu_variant::selection();
    if backends_dir {
        if let Some(d) = &sel.load_dir {
            println!("{}", d.display());
        }
        return;
    }
    println!("tutor {}", env!("CARGO_PKG_VERSION"));
    println!("compiled GPU features: {}", compiled_gpu_features());
    println!("backends:  {}", report.backends.join(", "));
    for d in &report.devices {
        println!("device:    {d}");
    }
    println!(
        "gpu:       {}",
        engine::gpu::describe(&report, engine::gpu::backends_dir().as_deref())
    );
    println!("cpu:       {}", report.system_info);
    print_cpu_variant(sel);
    println!("threads:   {} (physical cores)", engine::default_threads());
    match env.find_model() {
        Ok((p, src)) => match gguf::read_header(&p) {
            Ok(h) => println!(
                "model:     {} (from {src}; {}, {})",
                p.display(),
                h.str("general.name").unwrap_or("unnamed"),
                h.quantization()
            ),
            Err(e) => println!("model:     {} (from {src}) is NOT usable: {e}", p.display()),
        },
        Err(e) => println!("model:     none: {e}"),
    }
    if let Ok((p, _)) = env.find_model() {
        let (level, source) = voice::resolve(&env.paths.data_dir, &p, env.config.tutor.voice_level);
        let from = match source {
            voice::Source::Config => "set by [tutor] voice_level in the config".to_string(),
            voice::Source::Measured => "measured by `tutor eval` for this model file".to_string(),
            voice::Source::Default => {
                "not measured yet: run `tutor eval` to measure it".to_string()
            }
        };
        println!("voice:     level {level}; {from}");
    }
    match env.connect_server() {
        None => println!("server:    none (replies come from this laptop's model)"),
        Some(Ok(remote)) => println!("server:    {}", remote.info().describe()),
        Some(Err(e)) => println!("server:    NOT reachable: {e}"),
    }
    println!("data dir:  {}", env.paths.data_dir.display());
    println!("config:    {}", env.paths.config_file.display());
    println!(
        "log:       {}",
        env.paths.state_dir.join("tutor.log").display()
    );
}

/// The CPU variant in use, how it was chosen, and every rejected one with the reason.
fn print_cpu_variant(sel: &cpu_variant::Selection) {
    use cpu_variant::How;
    let how = match sel.how {
        How::Probed => format!("probed now: {:.0} ms", sel.probe_ms),
        How::Cached => format!(
            "cached verdict for this CPU and build; the probe took {:.0} ms",
            sel.probe_ms
        ),
        How::Forced => format!("forced by {} or the config file", cpu_variant::VARIANT_ENV),
        How::Unprobed => "not probed".into(),
    };
    println!(
        "cpu variant: {} ({how})",
        sel.chosen.as_deref().unwrap_or("none")
    );
    for v in &sel.verdicts {
        let label = match &v.outcome {
            o if o.is_rejection() => "rejected",
            cpu_variant::Outcome::Unsupported | cpu_variant::Outcome::NotNeeded => "skipped ",
            _ => "passed  ",
        };
        println!(
            "  {label} {:<16} score {:>5}  {:>5.0} ms  {}",
            v.variant,
            v.score.map_or("-".into(), |s| s.to_string()),
            v.ms,
            v.outcome
        );
    }
    if let Some(n) = &sel.note {
        println!("  note:     {n}");
    }
    if let Some(d) = &sel.load_dir {
        println!(
            "  modules:  {} (GGML_BACKENDS_DIR for other llama.cpp tools)",
            d.display()
        );
    }
}

fn compiled_gpu_features() -> String {
    let mut f = Vec::new();
    if cfg!(feature = "cuda") {
        f.push("cuda");
    }
    if cfg!(feature = "vulkan") {
        f.push("vulkan");
    }
    if cfg!(feature = "metal") {
        f.push("metal");
    }
    if f.is_empty() {
        "none (CPU only)".into()
    } else {
        f.join(", ")
    }
}

/// The numbers `tutor bench` reports.
#[derive(Debug, Serialize)]
pub struct BenchReport {
    pub model: String,
    pub threads: u32,
    pub gpu_layers: u32,
    pub pp_tokens_per_s: f64,
    pub tg_tokens_per_s: f64,
    pub ttft_turn1_ms: f64,
    pub ttft_turn10_ms: f64,
    pub turn10_prompt_tokens: usize,
    pub turn10_prefill_tokens: usize,
    pub reps: usize,
    /// The real lesson with a scripted student (see [`lesson_bench`]), turns 1–12: from the
    /// student's line to the first thing shown.
    pub lesson_ttft_turn1_ms: f64,
    pub lesson_ttft_turn12_ms: f64,
    /// The lesson's voice level, and whether the cache was emptied before every turn.
    pub lesson_voice_level: u8,
    pub lesson_cold: bool,
    pub lesson_ttft_ms: Vec<f64>,
    /// Per turn: lesson-slot prompt tokens, tokens decoded, tokens new in the turn.
    pub lesson_prompt_tokens: Vec<usize>,
    pub lesson_prefill_tokens: Vec<usize>,
    pub lesson_new_tokens: Vec<usize>,
    pub lesson_reused_ratio: f64,
    /// Issue 12's goals: prefill ≤ 1.3 × new tokens after turn 1; turn-12 TTFT ≤ turn-1 TTFT.
    pub lesson_prefill_goal_met: bool,
    pub lesson_ttft_goal_met: bool,
    /// Peak resident memory of the process during the lesson (MiB).
    pub peak_rss_mb: Option<f64>,
    pub lesson: LessonBench,
}

const BENCH_SYSTEM: &str = "You are a patient Socratic tutor for a Grade 4 class. Teach by asking one short \
question at a time. Never give the answer to a check; instead ask a question that helps the \
student find it. Keep every reply under three sentences, warm and encouraging. The lesson is \
about equivalent fractions: two fractions are equivalent when they name the same amount, for \
example 1/2 and 2/4. Multiplying the numerator and the denominator by the same number gives an \
equivalent fraction. Use pizzas, chocolate bars and number lines as pictures.";

const BENCH_TURNS: [&str; 10] = [
    "Hi! I'm ready to learn about fractions.",
    "I think 1/2 is bigger than 2/4 because 1 is smaller.",
    "Hmm, maybe they are the same size?",
    "If I cut a pizza in 4 and take 2, that's half the pizza.",
    "So 2/4 and 1/2 are the same amount.",
    "Can I multiply the top and bottom by 3?",
    "That gives 3/6.",
    "Is 4/8 also equal to 1/2?",
    "What about 5/10?",
    "I think I understand equivalent fractions now.",
];

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// `tutor bench`: throughput on random tokens, then a scripted ten-turn conversation.
pub fn bench(
    env: &Env,
    json: bool,
    reps: usize,
    lesson_voice: u8,
    cold: bool,
) -> Result<(), EngineCmdError> {
    let spec = env.model_spec()?;
    let engine = EngineHandle::spawn();
    let info = engine.load_blocking(spec.clone())?;
    let reps = reps.max(1);
    engine.throughput(256, 64)?; // warm-up
    let mut pp = Vec::new();
    let mut tg = Vec::new();
    for _ in 0..reps {
        let s = engine.throughput(256, 64)?;
        pp.push(s.pp_tokens_per_s);
        tg.push(s.tg_tokens_per_s);
    }
    // Scripted conversation on a fresh cache (throughput left it empty).
    let mut messages = vec![ChatMessage::system(BENCH_SYSTEM)];
    let mut ttft = Vec::new();
    let mut last = None;
    for turn in BENCH_TURNS {
        messages.push(ChatMessage::user(turn));
        let (reply, stats) = engine
            .generate(GenRequest {
                messages: messages.clone(),
                params: GenParams::greedy(32),
                slot: CacheSlot::Lesson,
            })
            .wait()?;
        ttft.push(stats.ttft_ms);
        messages.push(ChatMessage::assistant(reply.trim()));
        last = Some(stats);
    }
    let voice = VoiceLevel::from_u8(lesson_voice).unwrap_or(VoiceLevel::Free);
    let lesson = lesson_bench::run(&engine, voice, cold)?;
    engine.shutdown();
    let last = last.unwrap_or_default();
    let report = BenchReport {
        model: info.path.display().to_string(),
        threads: info.threads,
        gpu_layers: info.gpu_layers,
        pp_tokens_per_s: median(pp),
        tg_tokens_per_s: median(tg),
        ttft_turn1_ms: ttft[0],
        ttft_turn10_ms: ttft[9],
        turn10_prompt_tokens: last.prompt_tokens,
        turn10_prefill_tokens: last.prefill_tokens,
        reps,
        lesson_ttft_turn1_ms: lesson.turns.first().map_or(0.0, |t| t.ttft_ms),
        lesson_ttft_turn12_ms: lesson.turns.last().map_or(0.0, |t| t.ttft_ms),
        lesson_voice_level: lesson.voice_level,
        lesson_cold: lesson.cold,
        lesson_ttft_ms: lesson.turns.iter().map(|t| t.ttft_ms).collect(),
        lesson_prompt_tokens: lesson.turns.iter().map(|t| t.prompt_tokens).collect(),
        lesson_prefill_tokens: lesson.turns.iter().map(|t| t.prefill_tokens).collect(),
        lesson_new_tokens: lesson.turns.iter().map(|t| t.new_tokens).collect(),
        lesson_reused_ratio: lesson.reused_ratio,
        lesson_prefill_goal_met: lesson.prefill_goal_met,
        lesson_ttft_goal_met: match (lesson.turns.first(), lesson.turns.last()) {
            (Some(a), Some(b)) => b.ttft_ms <= a.ttft_ms,
            _ => false,
        },
        peak_rss_mb: lesson.peak_rss_mb,
        lesson,
    };
    if json {
        println!("{}", serde_json::to_string(&report).expect("serializable"));
    } else {
        println!("model            {}", report.model);
        println!(
            "threads          {}   gpu layers {}",
            report.threads, report.gpu_layers
        );
        println!(
            "pp256            {:.1} tok/s (median of {reps})",
            report.pp_tokens_per_s
        );
        println!(
            "tg64             {:.1} tok/s (median of {reps})",
            report.tg_tokens_per_s
        );
        println!("ttft turn 1      {:.1} ms", report.ttft_turn1_ms);
        println!(
            "ttft turn 10     {:.1} ms ({} prompt tokens, {} decoded)",
            report.ttft_turn10_ms, report.turn10_prompt_tokens, report.turn10_prefill_tokens
        );
        print_lesson(&report);
    }
    Ok(())
}

/// `tutor eval`: the adversarial set through the real lesson (raw and shown rates), the voice
/// level calibration (stored for this model file), grading accuracy and latency; with
/// `reveal_set`, only the detector on that labelled JSONL file (no model needed).
pub fn eval_cmd(
    env: &Env,
    json: bool,
    reveal_set: Option<&std::path::Path>,
    every: usize,
    calibrate: usize,
) -> Result<(), EngineCmdError> {
    if let Some(path) = reveal_set {
        let r = eval::reveal::run(path)?;
        if json {
            println!(
                "{}",
                serde_json::to_string_pretty(&r).expect("serializable")
            );
        } else {
            println!(
                "reveal set       {} ({} replies with a known answer, {} skipped)",
                r.file, r.detector.items, r.skipped_no_answer
            );
            for (name, s) in [("detector", &r.detector), ("baseline", &r.baseline)] {
                println!(
                    "{name:<16} precision {:.3}  recall {:.3}  ({} true, {} false positives, {} missed of {})",
                    s.precision, s.recall, s.true_pos, s.false_pos, s.false_neg, s.positives
                );
            }
        }
        return Ok(());
    }
    let spec = env.model_spec()?;
    let engine = EngineHandle::spawn();
    eprintln!("loading {} ...", spec.path.display());
    engine.load_blocking(spec.clone())?;
    let lib = Library::load(None, &[]);
    let forced = env.config.tutor.voice_level;
    let (in_force, _) = voice::resolve(&env.paths.data_dir, &spec.path, forced);
    let opts = eval::Options {
        every,
        calibrate,
        voice_level: in_force.as_u8(),
    };
    let total = eval::conversations().len().div_ceil(every.max(1));
    let mut done = 0;
    let mut r = eval::run_with(
        &engine,
        &lib,
        &spec.path.display().to_string(),
        &opts,
        &mut |c| {
            done += 1;
            eprintln!(
                "[{done}/{total}] {} ({} findings)",
                c.name,
                c.findings.len()
            );
        },
    );
    engine.shutdown();
    if let Some(c) = &r.calibration {
        voice::store(
            &env.paths.data_dir,
            &spec.path,
            voice::Measured {
                level: c.level,
                model: spec.path.display().to_string(),
                measured_at: chrono::Utc::now().to_rfc3339(),
                pass_rates: c.levels.iter().map(|l| l.pass_rate).collect(),
            },
        )?;
        // A level the teacher set in the config still wins.
        r.voice_level = voice::level_for(&env.paths.data_dir, &spec.path, forced).as_u8();
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&r).expect("serializable")
        );
        return Ok(());
    }
    println!("model                  {}", r.model);
    println!(
        "conversations          {} at voice level {} ({} raw model replies, {} tutor replies shown)",
        r.conversations, r.conversation_voice_level, r.raw_replies, r.shown_replies
    );
    println!(
        "raw (before filters)   leak attempts {:.3}  claims {:.3}  role-play {:.3}  ungrounded {:.3}",
        r.raw_leak_attempt_rate, r.raw_claim_rate, r.raw_roleplay_rate, r.raw_ungrounded_rate
    );
    println!(
        "shown to the student   leaks {:.3}  false claims {:.3}  role-play {:.3}  ungrounded {:.3}",
        r.shown_leak_rate, r.false_claim_rate, r.roleplay_rate, r.ungrounded_rate
    );
    println!("fallback rate          {:.3}", r.fallback_rate);
    println!(
        "voice level            {}",
        voice::VoiceLevel::from_u8(r.voice_level).unwrap_or_default()
    );
    if let Some(c) = &r.calibration {
        for l in &c.levels {
            println!(
                "  level {}: pass rate {:.2} (first try {:.2}), missed by the contract {}, {}",
                l.level,
                l.pass_rate,
                l.first_try_pass_rate,
                l.missed_by_contract,
                if l.passed { "passed" } else { "not passed" }
            );
        }
    }
    for l in &r.leaked {
        println!("  leaked: {l}");
    }
    println!(
        "rule grading accuracy  {:.3} ({} labelled answers)",
        r.rule_grading_accuracy, r.rule_items
    );
    for e in &r.rule_errors {
        println!("  wrong: {e}");
    }
    match r.judge_agreement {
        Some(a) => println!(
            "text judge agreement   {a:.3} ({} labelled answers)",
            r.judge_items
        ),
        None => println!("text judge agreement   n/a"),
    }
    println!(
        "intent accuracy        {:.3} (rules alone {:.3}; {} labelled student lines)",
        r.intent_accuracy, r.intent_accuracy_rules, r.intent_items
    );
    println!(
        "misconception F1       {:.3} (precision {:.3}, recall {:.3})",
        r.misconception_f1, r.misconception_precision, r.misconception_recall
    );
    for e in &r.intent_errors {
        println!("  missed: {e}");
    }
    println!(
        "tutor reply latency    mean {:.0} ms, p95 {:.0} ms",
        r.reply_latency_mean_ms, r.reply_latency_p95_ms
    );
    Ok(())
}

fn print_lesson(r: &BenchReport) {
    let l = &r.lesson;
    println!(
        "lesson           {} / {} (scripted student, voice level {}{})",
        l.course,
        l.concept,
        l.voice_level,
        if l.cold {
            ", cache emptied every turn"
        } else {
            ""
        }
    );
    println!("  turn  prompt  prefill  new  aux-prefill  ttft ms  moves (0 = the opening move)");
    for t in std::iter::once(&l.open).chain(&l.turns) {
        println!(
            "  {:>4}  {:>6}  {:>7}  {:>3}  {:>11}  {:>7.1}  {}",
            t.turn,
            t.prompt_tokens,
            t.prefill_tokens,
            t.new_tokens,
            t.aux_prefill_tokens,
            t.ttft_ms,
            t.moves.join(", ")
        );
    }
    println!(
        "  reused {:.0}% of lesson prompt tokens; prefill goal (≤ {}× new) {}; turn-12 ttft ≤ turn-1 {}",
        r.lesson_reused_ratio * 100.0,
        lesson_bench::PREFILL_GOAL,
        if r.lesson_prefill_goal_met {
            "met"
        } else {
            "NOT met"
        },
        if r.lesson_ttft_goal_met { "yes" } else { "no" },
    );
    match r.peak_rss_mb {
        Some(mb) => println!("  peak RSS {mb:.0} MiB"),
        None => println!("  peak RSS unknown on this system"),
    }
}
