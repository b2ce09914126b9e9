//! Command-line definitions (clap). Only parsing lives here; `main.rs` dispatches.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// tutor: an offline Socratic tutor with spaced repetition.
#[derive(Debug, Parser)]
#[command(name = "tutor", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    /// Open the teacher view (class mastery, stuck items, lessons, report export).
    #[arg(long)]
    pub teacher: bool,
    /// Log key-to-frame latency (p50/p95) to the log file on exit.
    #[arg(long)]
    pub frame_stats: bool,
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
    /// The school's model server (OpenAI-compatible, e.g. llama-server): http://HOST:PORT.
    /// Default: `[engine] server` in the config. API key: TUTOR_SERVER_KEY.
    #[arg(long, global = true, value_name = "URL")]
    pub server: Option<String>,
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
    /// Show compiled backends, devices, CPU features and variant, the model found and the data dir.
    Doctor {
        /// Print only the directory of approved llama.cpp modules (for GGML_BACKENDS_DIR).
        #[arg(long)]
        backends_dir: bool,
    },
    /// Validate course files: every problem as file:line:col, exit 1 if any file fails.
    Check {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Warnings fail too.
        #[arg(long)]
        strict: bool,
    },
    /// Turn Moodle GIFT, Anki (.apkg, note export, CSV) or OATutor files into a course file,
    /// reporting per item (file:line) what did not map and why.
    Import {
        /// Files or folders (a folder: every importable file in it, e.g. a deck's CSV files).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The format (default: from each file's extension and content).
        #[arg(long, value_parser = ["gift", "anki", "oatutor"])]
        from: Option<String>,
        /// The course file to write (default: COURSE-ID.toml here).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The course id (default: made from the title).
        #[arg(long)]
        id: Option<String>,
        /// The course title (default: from the material).
        #[arg(long)]
        title: Option<String>,
        /// Language to take from multilingual material (e.g. de), and the course language.
        #[arg(long, value_name = "CODE")]
        lang: Option<String>,
        /// Write into your curricula folder, where `tutor` finds courses by id.
        #[arg(long, conflicts_with = "output")]
        install: bool,
        /// Replace the output file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// List the course library (bundled, user dir, PATHs) and any invalid files.
    Courses {
        paths: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Review due cards (COURSE: a course id or a course file).
    Review {
        course: Option<String>,
        /// Line mode on stdin/stdout (screen readers, scripts).
        #[arg(long)]
        plain: bool,
    },
    /// Your progress: due today, streak, retention, mastery, forecast.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// Teacher's report: one row per profile × concept (asks the teacher PIN when one is set).
    Report {
        /// Every profile (the report always covers all profiles).
        #[arg(long)]
        all: bool,
        #[arg(long, default_value = "csv", value_parser = ["csv", "json"])]
        format: String,
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// A Socratic lesson (COURSE: id or course file; default concept: the next to learn).
    Learn {
        course: String,
        concept: Option<String>,
        /// Line mode on stdin/stdout (screen readers, scripts).
        #[arg(long)]
        plain: bool,
        /// Open CONCEPT even while it is locked (asks the teacher PIN when one is set).
        #[arg(long, requires = "concept")]
        unlock: bool,
    },
    /// List lessons (the profile's own; --all: every profile, for teachers), or export them.
    Transcripts {
        #[arg(long)]
        all: bool,
        /// Write chat-format JSONL (for fine-tuning a tutor model).
        #[arg(long, value_name = "FILE")]
        export: Option<PathBuf>,
    },
    /// Show one lesson's transcript.
    Transcript {
        id: i64,
        #[arg(long)]
        all: bool,
    },
    /// Measure answer leaks, grading accuracy and reply latency on the current model, and
    /// calibrate how much it may say (its voice level, stored per model file).
    Eval {
        #[arg(long)]
        json: bool,
        /// Only score the leak detector on a labelled JSONL file (MRBench format); no model.
        #[arg(long, value_name = "FILE")]
        reveal_set: Option<PathBuf>,
        /// Run every N-th adversarial conversation only (a quick check).
        #[arg(long, default_value_t = 1, value_name = "N")]
        every: usize,
        /// Situations per voice level in the calibration (0: skip it and store nothing).
        #[arg(long, default_value_t = 20, value_name = "N")]
        calibrate: usize,
        /// Run the lesson-conduct suite (eval/conduct.toml) and the labelled reading sets
        /// (misconception lines, free-text answers) instead.
        #[arg(long)]
        conduct: bool,
    },
    /// Learner profiles.
    Profile {
        #[command(subcommand)]
        command: ProfileCommand,
    },
    /// Set (or --clear) the teacher PIN that guards the teacher view.
    TeacherPin {
        #[arg(long)]
        clear: bool,
    },
    /// Fit personal FSRS parameters from the profile's review history.
    Optimize,
    /// Copy the progress database to PATH (default: the backups dir).
    Backup { path: Option<PathBuf> },
    /// Replace the progress database with a backup (the current one is kept aside).
    Restore { path: PathBuf },
    /// One class across laptops: export this laptop's progress, import laptops' files.
    Class {
        #[command(subcommand)]
        command: ClassCommand,
    },
    /// Ask a question about a course; the answer comes from its material, with sources.
    Ask(AskArgs),
    /// Measure prompt processing, generation and time to first token on the real model.
    Bench {
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
        /// Repetitions of the throughput measurement (median reported).
        #[arg(long, default_value_t = 3)]
        reps: usize,
        /// Voice level of the lesson scenario (default 3: the model speaks every turn, the
        /// prompt cache's hardest case; 0 runs the teacher's text with judge calls only).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(0..=3))]
        lesson_voice: u8,
        /// Empty the prompt cache before every lesson turn (what each turn cost before prompts
        /// were laid out for the cache), for a before/after comparison.
        #[arg(long)]
        cold: bool,
    },
}

/// `tutor ask ...`: a question answered from a course's reference material.
#[derive(Debug, Clone, Args)]
pub struct AskArgs {
    /// A course id or course file.
    #[arg(required_unless_present = "bench")]
    pub course: Option<String>,
    /// The question, in quotes.
    #[arg(required_unless_present = "bench")]
    pub question: Option<String>,
    /// How much the model may word the answer: 0–1 the material's own sentences, 2–3 the model
    /// writes an answer that must be supported sentence by sentence (else the material is shown).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=3))]
    pub voice: u8,
    /// Treat these check ids as pending (as during a lesson): material giving away their
    /// answers is held back.
    #[arg(long = "during", value_name = "CHECK_ID")]
    pub during: Vec<String>,
    /// Run the retrieval benchmark (eval/ask.toml) on the bundled courses instead.
    #[arg(long, conflicts_with_all = ["course", "question"])]
    pub bench: bool,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

/// `tutor profile ...`
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Add a learner profile.
    Add {
        name: String,
        /// Protect it with a PIN (asked twice, or TUTOR_PIN).
        #[arg(long)]
        pin: bool,
    },
    /// List profiles.
    List,
    /// Rename a profile (its progress stays).
    Rename { old: String, new: String },
    /// Remove a profile and its progress (asks to confirm; a backup is kept).
    Remove {
        name: String,
        /// Do not ask.
        #[arg(long)]
        yes: bool,
    },
}

/// `tutor class ...`
#[derive(Debug, Subcommand)]
pub enum ClassCommand {
    /// Write this laptop's progress (every profile's reviews and lessons) to one file.
    Export {
        /// Default: tutor-class-LAPTOP-DATE.json in the current directory.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// This laptop's name in the class view (default: its host name; remembered).
        #[arg(long, value_name = "NAME")]
        laptop: Option<String>,
    },
    /// Merge laptops' export files into this laptop's class (safe to repeat, any order).
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// A profile named like a different one here: ask, same (the same student), apart
        /// (another student, imported as "NAME (LAPTOP)") or skip.
        #[arg(long, value_name = "ANSWER", default_value = "ask", value_parser = ["ask", "same", "apart", "skip"])]
        same_name: String,
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
