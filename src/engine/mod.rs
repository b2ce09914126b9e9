//! The local inference engine: llama.cpp in-process, on a thread of its own.
//!
//! `LlamaContext` borrows the model and is not `Send`, so one dedicated thread owns the backend,
//! the model and the context for the life of the process ([`worker`]). Everything else talks to
//! it through a cloneable [`EngineHandle`]: commands in, events out. Nothing blocks the UI.
//!
//! Tutoring code depends only on the small [`ChatBackend`] trait (messages in, token events out),
//! so another backend (a llama-server on the school LAN, say) can be added without touching it.
//!
//! Module map:
//! - [`gguf`]: header reader used for `model info` and to reject bad files before llama.cpp sees them.
//! - [`template`]: the model's own Jinja chat template, rendered with minijinja.
//! - [`discovery`]: where the model comes from (`--model` > env > config > ./models > data dir).
//! - [`utf8`]: UTF-8-safe streaming of token bytes.
//! - [`worker`]: the thread: load, prefix-reusing generation, cancel, overflow, bench.
//! - [`remote`]: a model on the school's server (OpenAI-compatible API), with a local fallback.
//! - [`gpu`]: which GPU the model runs on, or why none (for `doctor`).
//! - [`record`]: a backend wrapper recording each request and its stats (benchmarks, tests).
//! - [`cpu_variant`]: which CPU variant of llama.cpp may load, proved in a child process first.

pub mod cpu_variant;
pub mod discovery;
pub mod gguf;
pub mod gpu;
pub mod record;
pub mod remote;
mod session;
pub mod template;
pub mod utf8;
mod worker;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use serde::Serialize;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

pub use gguf::GgufError;
pub use template::{ChatMessage, Role};

/// Everything needed to load a model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSpec {
    pub path: PathBuf,
    /// A GGUF LoRA adapter applied on top of the model.
    pub lora: Option<PathBuf>,
    /// Context length in tokens.
    pub n_ctx: u32,
    /// CPU threads (generation and prompt processing).
    pub threads: u32,
    /// Layers to offload to a GPU; `None` = all when a GPU device exists, else 0.
    pub gpu_layers: Option<u32>,
}

impl ModelSpec {
    /// A spec with the default context (4096), physical-core threads and automatic offload.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            lora: None,
            n_ctx: 4096,
            threads: default_threads(),
            gpu_layers: None,
        }
    }
}

/// The number of physical cores (llama.cpp is slower on hyper-threads).
pub fn default_threads() -> u32 {
    u32::try_from(num_cpus::get_physical().max(1)).unwrap_or(1)
}

/// Sampling and stopping rules for one reply.
#[derive(Debug, Clone, PartialEq)]
pub struct GenParams {
    /// 0 = greedy.
    pub temperature: f32,
    pub top_p: f32,
    pub min_p: f32,
    /// 1.0 = off.
    pub repeat_penalty: f32,
    pub repeat_last_n: i32,
    pub seed: u32,
    pub max_tokens: u32,
    /// A GBNF grammar constraining the output (root rule `root`).
    pub grammar: Option<String>,
    /// Extra strings that end the reply (not included in it).
    pub stop: Vec<String>,
}

impl Default for GenParams {
    fn default() -> Self {
        Self {
            temperature: 0.7,
            top_p: 0.95,
            min_p: 0.05,
            repeat_penalty: 1.1,
            repeat_last_n: 64,
            seed: 42,
            max_tokens: 256,
            grammar: None,
            stop: Vec::new(),
        }
    }
}

impl GenParams {
    /// Deterministic greedy decoding.
    pub fn greedy(max_tokens: u32) -> Self {
        Self {
            temperature: 0.0,
            repeat_penalty: 1.0,
            max_tokens,
            ..Self::default()
        }
    }
}

/// Which KV-cache sequence a reply uses. The lesson's conversation keeps its own cache, so a
/// judge or classifier call in between (on [`CacheSlot::Aux`]) does not throw it away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheSlot {
    /// The lesson's (or chat's) growing conversation.
    #[default]
    Lesson,
    /// Short one-off calls: judging, classifying, matching misconceptions.
    Aux,
}

impl CacheSlot {
    /// Every slot; the engine keeps one llama.cpp sequence per slot.
    pub const ALL: [CacheSlot; 2] = [CacheSlot::Lesson, CacheSlot::Aux];

    /// The slot's index (also its llama.cpp sequence id).
    pub fn index(self) -> usize {
        match self {
            Self::Lesson => 0,
            Self::Aux => 1,
        }
    }
}

/// One reply to produce.
#[derive(Debug, Clone)]
pub struct GenRequest {
    pub messages: Vec<ChatMessage>,
    pub params: GenParams,
    /// The cache sequence to use (default: the lesson's).
    pub slot: CacheSlot,
}

impl GenRequest {
    /// A request on the lesson's cache slot.
    pub fn new(messages: Vec<ChatMessage>, params: GenParams) -> Self {
        Self {
            messages,
            params,
            slot: CacheSlot::Lesson,
        }
    }

    /// The same request on another cache slot.
    pub fn on(mut self, slot: CacheSlot) -> Self {
        self.slot = slot;
        self
    }
}

/// Why a reply ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    EndOfGeneration,
    MaxTokens,
    StopString,
    Cancelled,
    ContextFull,
}

/// Measurements of one reply.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GenStats {
    pub prompt_tokens: usize,
    /// Prompt tokens found already in the KV cache (not decoded again).
    pub reused_tokens: usize,
    /// Prompt tokens decoded for this reply.
    pub prefill_tokens: usize,
    pub generated_tokens: usize,
    pub prefill_ms: f64,
    pub ttft_ms: f64,
    pub generation_ms: f64,
    /// Whole oldest turns dropped to fit the context.
    pub dropped_messages: usize,
    /// The generated token ids (for equivalence tests and debugging).
    #[serde(skip)]
    pub tokens: Vec<i32>,
    #[serde(skip)]
    pub stop: Option<StopReason>,
}

/// What the model is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelInfo {
    pub path: PathBuf,
    pub name: String,
    pub architecture: String,
    pub n_params: u64,
    pub quantization: String,
    pub n_ctx_train: Option<i64>,
    pub n_ctx: u32,
    pub has_chat_template: bool,
    /// How prompts are formatted: `jinja`, `llama.cpp builtin` or `chatml`.
    pub prompt_format: String,
    pub file_size: u64,
    pub gpu_layers: u32,
    pub threads: u32,
    pub lora: Option<PathBuf>,
}

/// Engine failures, each with a message that says what to do.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    BadModelFile(String),
    #[error(
        "llama.cpp could not load {path}: {reason}. Check that it is a complete instruct GGUF model"
    )]
    LoadFailed { path: PathBuf, reason: String },
    #[error(
        "cannot apply LoRA adapter {path}: {reason}. It must be a GGUF LoRA made for this model"
    )]
    Lora { path: PathBuf, reason: String },
    #[error("no model is loaded yet")]
    NoModel,
    #[error("could not create a context of {n_ctx} tokens: {reason}. Try a smaller --ctx")]
    Context { n_ctx: u32, reason: String },
    #[error("generation failed: {0}")]
    Generation(String),
    #[error("invalid grammar: {0}")]
    Grammar(String),
    #[error("the engine thread has stopped")]
    Stopped,
    /// The school's model server failed (see [`remote::RemoteError`]).
    #[error("{0}")]
    Server(String),
    #[error("{0}")]
    Backend(String),
}

impl From<GgufError> for EngineError {
    fn from(e: GgufError) -> Self {
        Self::BadModelFile(e.to_string())
    }
}

/// Events of a model load.
#[derive(Debug, Clone)]
pub enum LoadEvent {
    Progress(f32),
    Loaded(ModelInfo),
    Failed(EngineError),
}

/// Events of one reply.
#[derive(Debug, Clone)]
pub enum GenEvent {
    /// A piece of text (always whole UTF-8 characters).
    Token(String),
    Done(GenStats),
    Error(EngineError),
}

/// Raw throughput numbers measured on the engine thread.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ThroughputSample {
    pub pp_tokens_per_s: f64,
    pub tg_tokens_per_s: f64,
}

/// A request that can be stopped.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// Asks the generation to stop after the current token.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
    /// Clears a cancel request (for reuse across replies).
    pub fn reset(&self) {
        self.0.store(false, Ordering::Relaxed);
    }

    /// Whether cancel was asked.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// A running reply: its events and a way to stop it.
#[derive(Debug)]
pub struct Generation {
    pub events: UnboundedReceiver<GenEvent>,
    pub cancel: CancelToken,
}

impl Generation {
    /// Blocks until the reply ends; returns its text and stats. For plain mode, tests and tools,
    /// never from async code.
    pub fn wait(mut self) -> Result<(String, GenStats), EngineError> {
        let mut text = String::new();
        while let Some(ev) = self.events.blocking_recv() {
            match ev {
                GenEvent::Token(t) => text.push_str(&t),
                GenEvent::Done(stats) => return Ok((text, stats)),
                GenEvent::Error(e) => return Err(e),
            }
        }
        Err(EngineError::Stopped)
    }
}

/// The interface tutoring code uses: messages in, token events out.
pub trait ChatBackend: Send + Sync {
    /// Starts a reply.
    fn generate(&self, request: GenRequest) -> Generation;
}

pub(crate) enum Cmd {
    Load {
        spec: ModelSpec,
        events: UnboundedSender<LoadEvent>,
    },
    Generate {
        request: GenRequest,
        events: UnboundedSender<GenEvent>,
        cancel: CancelToken,
    },
    Throughput {
        n_prompt: usize,
        n_gen: usize,
        reply: mpsc::Sender<Result<ThroughputSample, EngineError>>,
    },
    ClearCache {
        reply: mpsc::Sender<()>,
    },
    CountTokens {
        messages: Vec<ChatMessage>,
        reply: mpsc::Sender<Result<usize, EngineError>>,
    },
    Shutdown,
}

/// A cloneable handle to the engine thread.
#[derive(Clone)]
pub struct EngineHandle {
    tx: mpsc::Sender<Cmd>,
    thread: Arc<std::sync::Mutex<Option<std::thread::JoinHandle<()>>>>,
}

impl std::fmt::Debug for EngineHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EngineHandle")
    }
}

impl EngineHandle {
    /// Starts the engine thread (no model yet).
    pub fn spawn() -> Self {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("engine".into())
            .spawn(move || worker::run(rx))
            .expect("spawning the engine thread");
        Self {
            tx,
            thread: Arc::new(std::sync::Mutex::new(Some(thread))),
        }
    }

    /// Loads (or switches to) a model; progress and the outcome arrive on the returned channel.
    pub fn load(&self, spec: ModelSpec) -> UnboundedReceiver<LoadEvent> {
        let (events, rx) = unbounded_channel();
        if self
            .tx
            .send(Cmd::Load {
                spec,
                events: events.clone(),
            })
            .is_err()
        {
            let _ = events.send(LoadEvent::Failed(EngineError::Stopped));
        }
        rx
    }

    /// Loads a model and waits for the result (for CLI tools and tests).
    pub fn load_blocking(&self, spec: ModelSpec) -> Result<ModelInfo, EngineError> {
        let mut rx = self.load(spec);
        while let Some(ev) = rx.blocking_recv() {
            match ev {
                LoadEvent::Progress(_) => {}
                LoadEvent::Loaded(info) => return Ok(info),
                LoadEvent::Failed(e) => return Err(e),
            }
        }
        Err(EngineError::Stopped)
    }

    /// Measures raw prompt and generation throughput on random tokens (clears the cache).
    pub fn throughput(
        &self,
        n_prompt: usize,
        n_gen: usize,
    ) -> Result<ThroughputSample, EngineError> {
        let (reply, rx) = mpsc::channel();
        self.tx
            .send(Cmd::Throughput {
                n_prompt,
                n_gen,
                reply,
            })
            .map_err(|_| EngineError::Stopped)?;
        rx.recv().map_err(|_| EngineError::Stopped)?
    }

    /// The number of tokens `messages` make as a prompt for the loaded model, rendered and
    /// tokenized exactly as [`ChatBackend::generate`] would (for benchmarks and tools).
    pub fn count_prompt_tokens(&self, messages: Vec<ChatMessage>) -> Result<usize, EngineError> {
        let (reply, rx) = mpsc::channel();
        self.tx
            .send(Cmd::CountTokens { messages, reply })
            .map_err(|_| EngineError::Stopped)?;
        rx.recv().map_err(|_| EngineError::Stopped)?
    }

    /// Forgets the KV cache of every slot (the next reply decodes its whole prompt).
    pub fn clear_cache(&self) {
        let (reply, rx) = mpsc::channel();
        if self.tx.send(Cmd::ClearCache { reply }).is_ok() {
            let _ = rx.recv();
        }
    }

    /// Stops the thread and waits for it.
    pub fn shutdown(&self) {
        let _ = self.tx.send(Cmd::Shutdown);
        if let Some(t) = self.thread.lock().ok().and_then(|mut t| t.take()) {
            let _ = t.join();
        }
    }
}

impl ChatBackend for EngineHandle {
    fn generate(&self, request: GenRequest) -> Generation {
        let (events, rx) = unbounded_channel();
        let cancel = CancelToken::default();
        let cmd = Cmd::Generate {
            request,
            events: events.clone(),
            cancel: cancel.clone(),
        };
        if self.tx.send(cmd).is_err() {
            let _ = events.send(GenEvent::Error(EngineError::Stopped));
        }
        Generation { events: rx, cancel }
    }
}

/// What llama.cpp reports about this machine: compiled backends, devices and CPU features.
#[derive(Debug, Clone, Serialize)]
pub struct SystemReport {
    pub backends: Vec<String>,
    pub devices: Vec<String>,
    pub system_info: String,
    pub gpu_available: bool,
}

/// Loads the backend modules (once) and describes them. Does not load a model.
pub fn system_report() -> SystemReport {
    worker::init_backends();
    worker::system_report()
}
