//! The engine thread: owns the llama.cpp backend, model and context.
//!
//! One request at a time. The tokens in the KV cache are remembered (`cached`); a new request
//! decodes only what follows the longest common prefix, so turn 20 starts as fast as turn 1.
//! A conversation longer than the context loses whole oldest turns (never the system prompt).

use std::num::NonZeroU32;
use std::sync::Once;
use std::sync::mpsc::Receiver;
use std::time::Instant;

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaLoraAdapter, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use tokio::sync::mpsc::UnboundedSender;

use super::template::{ChatMessage, JinjaTemplate, Role, render_chatml};
use super::utf8::Utf8Stream;
use super::{
    CancelToken, Cmd, EngineError, GenEvent, GenParams, GenRequest, GenStats, LoadEvent, ModelInfo,
    ModelSpec, StopReason, SystemReport, ThroughputSample, gguf,
};

const N_BATCH: u32 = 512;

/// Loads llama.cpp's backend modules (CPU variants, GPU backends) once per process and routes
/// llama.cpp's log into `tracing`.
pub(super) fn init_backends() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default());
        // Next to the executable first (an installed tutor), then the build's own directory.
        let beside_exe = std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.join("backends")))
            .filter(|d| d.is_dir());
        let from_env = std::env::var_os("GGML_BACKENDS_DIR").map(std::path::PathBuf::from);
        match from_env.or(beside_exe) {
            Some(dir) => llama_cpp_2::llama_backend::load_backends_from_path(&dir),
            None => llama_cpp_2::llama_backend::load_backends(),
        }
    });
}

pub(super) fn system_report() -> SystemReport {
    let mut backends = Vec::new();
    // SAFETY: plain registry queries; the returned names are static C strings owned by ggml.
    unsafe {
        for i in 0..llama_cpp_sys_2::ggml_backend_reg_count() {
            let reg = llama_cpp_sys_2::ggml_backend_reg_get(i);
            let name = std::ffi::CStr::from_ptr(llama_cpp_sys_2::ggml_backend_reg_name(reg));
            backends.push(name.to_string_lossy().into_owned());
        }
    }
    let devs = llama_cpp_2::list_llama_ggml_backend_devices();
    let gpu_available = devs.iter().any(|d| {
        matches!(
            d.device_type,
            llama_cpp_2::LlamaBackendDeviceType::Gpu
                | llama_cpp_2::LlamaBackendDeviceType::IntegratedGpu
        )
    });
    let devices = devs
        .iter()
        .map(|d| {
            format!(
                "{} ({}, {:?}, {} MiB total, {} MiB free)",
                d.name,
                d.description,
                d.device_type,
                d.memory_total >> 20,
                d.memory_free >> 20
            )
        })
        .collect();
    // SAFETY: returns a static, NUL-terminated string.
    let system_info =
        unsafe { std::ffi::CStr::from_ptr(llama_cpp_sys_2::llama_print_system_info()) }
            .to_string_lossy()
            .trim()
            .to_string();
    SystemReport {
        backends,
        devices,
        system_info,
        gpu_available,
    }
}

/// The thread's main loop: wait for a model, serve it until asked to switch or stop.
pub(super) fn run(rx: Receiver<Cmd>) {
    init_backends();
    let backend = match LlamaBackend::init() {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "llama backend init failed");
            refuse_all(
                &rx,
                &EngineError::LoadFailed {
                    path: Default::default(),
                    reason: e.to_string(),
                },
            );
            return;
        }
    };
    let mut pending: Option<(ModelSpec, UnboundedSender<LoadEvent>)> = None;
    loop {
        let (spec, events) = match pending.take() {
            Some(p) => p,
            None => match rx.recv() {
                Ok(Cmd::Load { spec, events }) => (spec, events),
                Ok(Cmd::Generate { events, .. }) => {
                    let _ = events.send(GenEvent::Error(EngineError::NoModel));
                    continue;
                }
                Ok(Cmd::Throughput { reply, .. }) => {
                    let _ = reply.send(Err(EngineError::NoModel));
                    continue;
                }
                Ok(Cmd::ClearCache { reply }) => {
                    let _ = reply.send(());
                    continue;
                }
                Ok(Cmd::Shutdown) | Err(_) => return,
            },
        };
        match Loaded::load(&backend, &spec, &events) {
            Ok(loaded) => match serve(&backend, loaded, &spec, &rx, &events) {
                Next::Load(s, e) => pending = Some((s, e)),
                Next::Idle => {}
                Next::Stop => return,
            },
            Err(e) => {
                tracing::warn!(error = %e, path = %spec.path.display(), "model load failed");
                let _ = events.send(LoadEvent::Failed(e));
            }
        }
    }
}

fn refuse_all(rx: &Receiver<Cmd>, err: &EngineError) {
    while let Ok(cmd) = rx.recv() {
        match cmd {
            Cmd::Load { events, .. } => {
                let _ = events.send(LoadEvent::Failed(err.clone()));
            }
            Cmd::Generate { events, .. } => {
                let _ = events.send(GenEvent::Error(err.clone()));
            }
            Cmd::Throughput { reply, .. } => {
                let _ = reply.send(Err(err.clone()));
            }
            Cmd::ClearCache { reply } => {
                let _ = reply.send(());
            }
            Cmd::Shutdown => return,
        }
    }
}

enum Next {
    Load(ModelSpec, UnboundedSender<LoadEvent>),
    Idle,
    Stop,
}

enum PromptFormat {
    Jinja(Box<JinjaTemplate>),
    Builtin(LlamaChatTemplate),
    ChatMl,
}

struct Loaded {
    model: LlamaModel,
    lora: Option<LlamaLoraAdapter>,
    format: PromptFormat,
    info: ModelInfo,
}

impl Loaded {
    fn load(
        backend: &LlamaBackend,
        spec: &ModelSpec,
        events: &UnboundedSender<LoadEvent>,
    ) -> Result<Self, EngineError> {
        // Check the file ourselves first: llama.cpp must never see a truncated or foreign file.
        let header = gguf::read_header(&spec.path)?;
        let report = system_report();
        let gpu_layers = spec
            .gpu_layers
            .unwrap_or(if report.gpu_available { 999 } else { 0 });
        let progress = events.clone();
        let params = LlamaModelParams::default()
            .with_n_gpu_layers(gpu_layers)
            .with_progress_callback(move |p| {
                let _ = progress.send(LoadEvent::Progress(p));
                true
            });
        let started = Instant::now();
        let mut model = LlamaModel::load_from_file(backend, &spec.path, &params).map_err(|e| {
            EngineError::LoadFailed {
                path: spec.path.clone(),
                reason: e.to_string(),
            }
        })?;
        tracing::info!(path = %spec.path.display(), ms = started.elapsed().as_millis(), gpu_layers, "model loaded");
        let lora = match &spec.lora {
            Some(path) => {
                gguf::read_header(path).map_err(|e| EngineError::Lora {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
                Some(
                    model
                        .lora_adapter_init(path)
                        .map_err(|e| EngineError::Lora {
                            path: path.clone(),
                            reason: e.to_string(),
                        })?,
                )
            }
            None => None,
        };
        let format = choose_format(&model, header.chat_template());
        let prompt_format = match &format {
            PromptFormat::Jinja(_) => "jinja",
            PromptFormat::Builtin(_) => "llama.cpp builtin",
            PromptFormat::ChatMl => "chatml",
        };
        let info = ModelInfo {
            path: spec.path.clone(),
            name: header.str("general.name").unwrap_or("unnamed").to_string(),
            architecture: header.architecture().to_string(),
            n_params: model.n_params(),
            quantization: header.quantization(),
            n_ctx_train: header.context_length(),
            n_ctx: spec.n_ctx,
            has_chat_template: header.chat_template().is_some(),
            prompt_format: prompt_format.into(),
            file_size: header.file_size,
            gpu_layers,
            threads: spec.threads,
            lora: spec.lora.clone(),
        };
        Ok(Self {
            model,
            lora,
            format,
            info,
        })
    }
}

fn token_text(model: &LlamaModel, token: LlamaToken) -> String {
    String::from_utf8_lossy(&model.vocab().token_to_piece(token, true, None)).into_owned()
}

fn choose_format(model: &LlamaModel, source: Option<&str>) -> PromptFormat {
    let probe = [ChatMessage::system("s"), ChatMessage::user("u")];
    if let Some(src) = source {
        let bos = token_text(model, model.vocab().bos());
        let eos = token_text(model, model.vocab().eos());
        match JinjaTemplate::new(src, &bos, &eos).and_then(|t| t.render(&probe, true).map(|_| t)) {
            Ok(t) => return PromptFormat::Jinja(Box::new(t)),
            Err(e) => {
                tracing::warn!(error = %e, "model's Jinja template failed; trying llama.cpp's built-in templates")
            }
        }
        if let Ok(t) = model.chat_template(None) {
            return PromptFormat::Builtin(t);
        }
    }
    tracing::warn!("model has no usable chat template; using ChatML");
    PromptFormat::ChatMl
}

impl PromptFormat {
    fn render(&self, model: &LlamaModel, messages: &[ChatMessage]) -> String {
        match self {
            Self::Jinja(t) => match t.render(messages, true) {
                Ok(s) => return s,
                Err(e) => {
                    tracing::warn!(error = %e, "Jinja template failed for this conversation; falling back")
                }
            },
            Self::Builtin(t) => {
                let msgs: Result<Vec<_>, _> = messages
                    .iter()
                    .map(|m| LlamaChatMessage::new(m.role.as_str().into(), m.content.clone()))
                    .collect();
                match msgs.map(|m| model.apply_chat_template(t, &m, true)) {
                    Ok(Ok(s)) => return s,
                    _ => tracing::warn!("llama.cpp built-in template failed; using ChatML"),
                }
            }
            Self::ChatMl => {}
        }
        render_chatml(messages, true)
    }
}

fn serve(
    backend: &LlamaBackend,
    mut loaded: Loaded,
    spec: &ModelSpec,
    rx: &Receiver<Cmd>,
    load_events: &UnboundedSender<LoadEvent>,
) -> Next {
    let threads = i32::try_from(spec.threads.max(1)).unwrap_or(1);
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(spec.n_ctx.max(64)))
        .with_n_batch(N_BATCH)
        .with_n_ubatch(N_BATCH)
        .with_n_threads(threads)
        .with_n_threads_batch(threads);
    let ctx = match loaded.model.new_context(backend, params) {
        Ok(c) => c,
        Err(e) => {
            let _ = load_events.send(LoadEvent::Failed(EngineError::Context {
                n_ctx: spec.n_ctx,
                reason: e.to_string(),
            }));
            return Next::Idle;
        }
    };
    let mut session = Session {
        model: &loaded.model,
        format: &loaded.format,
        ctx,
        batch: LlamaBatch::new(N_BATCH as usize, 1),
        cached: Vec::new(),
    };
    if let Some(lora) = loaded.lora.as_mut()
        && let Err(e) = session.ctx.lora_adapter_set(lora, 1.0)
    {
        let _ = load_events.send(LoadEvent::Failed(EngineError::Lora {
            path: spec.lora.clone().unwrap_or_default(),
            reason: e.to_string(),
        }));
        return Next::Idle;
    }
    let _ = load_events.send(LoadEvent::Loaded(loaded.info.clone()));
    loop {
        match rx.recv() {
            Ok(Cmd::Load { spec, events }) => return Next::Load(spec, events),
            Ok(Cmd::Generate {
                request,
                events,
                cancel,
            }) => match session.generate(&request, &events, &cancel) {
                Ok(stats) => {
                    let _ = events.send(GenEvent::Done(stats));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "generation failed; clearing the cache");
                    session.reset();
                    let _ = events.send(GenEvent::Error(e));
                }
            },
            Ok(Cmd::Throughput {
                n_prompt,
                n_gen,
                reply,
            }) => {
                let r = session.throughput(n_prompt, n_gen);
                session.reset();
                let _ = reply.send(r);
            }
            Ok(Cmd::ClearCache { reply }) => {
                session.reset();
                let _ = reply.send(());
            }
            Ok(Cmd::Shutdown) | Err(_) => return Next::Stop,
        }
    }
}

struct Session<'m> {
    model: &'m LlamaModel,
    format: &'m PromptFormat,
    ctx: LlamaContext<'m>,
    batch: LlamaBatch<'static>,
    /// The tokens whose keys/values are in the cache, in order (sequence 0).
    cached: Vec<LlamaToken>,
}

fn gen_err(e: impl std::fmt::Display) -> EngineError {
    EngineError::Generation(e.to_string())
}

impl Session<'_> {
    fn reset(&mut self) {
        self.ctx.clear_kv_cache();
        self.cached.clear();
    }

    fn n_ctx(&self) -> usize {
        self.ctx.n_ctx() as usize
    }

    fn tokenize(&self, text: &str) -> Vec<LlamaToken> {
        let vocab = self.model.vocab();
        let bos_text = token_text(self.model, vocab.bos());
        let add_bos =
            vocab.should_add_bos() && (bos_text.is_empty() || !text.starts_with(&bos_text));
        vocab.tokenize(text.as_bytes(), add_bos, true)
    }

    /// Renders and tokenizes the conversation, dropping the oldest whole turns (never system
    /// messages, never the last message) until prompt + reply fit in the context.
    fn fit_prompt(&self, messages: &[ChatMessage], max_tokens: u32) -> (Vec<LlamaToken>, usize) {
        let n_ctx = self.n_ctx();
        let reserve = (max_tokens as usize).min(n_ctx / 2).max(1);
        let budget = n_ctx - reserve;
        let mut msgs = messages.to_vec();
        let mut dropped = 0;
        loop {
            let tokens = self.tokenize(&self.format.render(self.model, &msgs));
            if tokens.len() <= budget {
                if dropped > 0 {
                    tracing::info!(
                        dropped,
                        prompt_tokens = tokens.len(),
                        n_ctx,
                        "context full: dropped oldest turns"
                    );
                }
                return (tokens, dropped);
            }
            let last = msgs.len().saturating_sub(1);
            if let Some(i) = msgs
                .iter()
                .position(|m| m.role != Role::System)
                .filter(|&i| i < last)
            {
                msgs.remove(i);
                dropped += 1;
                // Keep the conversation starting with a user turn after the system prompt.
                while let Some(j) = msgs.iter().position(|m| m.role != Role::System)
                    && j < msgs.len() - 1
                    && msgs[j].role == Role::Assistant
                {
                    msgs.remove(j);
                    dropped += 1;
                }
                continue;
            }
            // Only the system prompt and the latest message are left: keep the latest message's
            // end (what the student just said) and cut from the front of the longest message.
            let longest = (0..msgs.len())
                .max_by_key(|&i| msgs[i].content.len())
                .unwrap_or(0);
            let content = &msgs[longest].content;
            let cut = content.len() - content.len() * 3 / 4;
            let cut = (cut..content.len())
                .find(|&i| content.is_char_boundary(i))
                .unwrap_or(content.len());
            if cut >= content.len() {
                tracing::warn!("prompt cannot fit the context even when emptied");
                let mut t = tokens;
                t.drain(..t.len() - budget);
                return (t, dropped);
            }
            msgs[longest].content = content[cut..].to_string();
            tracing::info!(message = longest, "context full: shortened a message");
        }
    }

    /// Decodes `tokens` after what is cached, requesting logits for the last one.
    fn prefill(&mut self, tokens: &[LlamaToken]) -> Result<(), EngineError> {
        let n = tokens.len();
        for (c, chunk) in tokens.chunks(N_BATCH as usize).enumerate() {
            self.batch.clear();
            let start = c * N_BATCH as usize;
            for (i, &t) in chunk.iter().enumerate() {
                let pos = i32::try_from(self.cached.len() + i).map_err(gen_err)?;
                self.batch
                    .add(t, pos, &[0], start + i + 1 == n)
                    .map_err(gen_err)?;
            }
            self.ctx.decode(&mut self.batch).map_err(gen_err)?;
            self.cached.extend_from_slice(chunk);
        }
        Ok(())
    }

    fn sampler(&self, p: &GenParams) -> Result<LlamaSampler, EngineError> {
        let mut chain = Vec::new();
        if let Some(g) = &p.grammar {
            chain.push(
                LlamaSampler::grammar(self.model, g, "root")
                    .map_err(|e| EngineError::Grammar(e.to_string()))?,
            );
        }
        if p.repeat_penalty != 1.0 {
            chain.push(LlamaSampler::penalties(
                self.model.n_vocab(),
                p.repeat_last_n,
                p.repeat_penalty,
                0.0,
                0.0,
            ));
        }
        if p.temperature <= 0.0 {
            chain.push(LlamaSampler::greedy());
        } else {
            chain.push(LlamaSampler::top_k(40));
            chain.push(LlamaSampler::top_p(p.top_p, 1));
            chain.push(LlamaSampler::min_p(p.min_p, 1));
            chain.push(LlamaSampler::temp(p.temperature));
            chain.push(LlamaSampler::dist(p.seed));
        }
        Ok(LlamaSampler::chain_simple(chain))
    }

    fn generate(
        &mut self,
        req: &GenRequest,
        events: &UnboundedSender<GenEvent>,
        cancel: &CancelToken,
    ) -> Result<GenStats, EngineError> {
        let started = Instant::now();
        let p = &req.params;
        let (prompt, dropped) = self.fit_prompt(&req.messages, p.max_tokens);
        // Longest common prefix with what the cache holds; at least one token must be decoded
        // to get fresh logits.
        let mut lcp = self
            .cached
            .iter()
            .zip(&prompt)
            .take_while(|(a, b)| a == b)
            .count();
        lcp = lcp.min(prompt.len().saturating_sub(1));
        if lcp < self.cached.len() {
            self.ctx
                .clear_kv_cache_seq(Some(0), Some(u32::try_from(lcp).map_err(gen_err)?), None)
                .map_err(gen_err)?;
            self.cached.truncate(lcp);
        }
        self.prefill(&prompt[lcp..])?;
        let prefill_ms = ms(started);
        let mut sampler = self.sampler(p)?;
        let tail = prompt.len().saturating_sub(p.repeat_last_n.max(0) as usize);
        if p.grammar.is_none() {
            sampler.accept_many(&prompt[tail..]);
        }
        let mut stats = GenStats {
            prompt_tokens: prompt.len(),
            reused_tokens: lcp,
            prefill_tokens: prompt.len() - lcp,
            prefill_ms,
            dropped_messages: dropped,
            ..GenStats::default()
        };
        let stop = self.decode_loop(&mut sampler, p, events, cancel, started, &mut stats)?;
        stats.stop = Some(stop);
        stats.generation_ms = ms(started) - stats.ttft_ms;
        Ok(stats)
    }

    /// Samples, streams and decodes tokens until a stop rule fires.
    fn decode_loop(
        &mut self,
        sampler: &mut LlamaSampler,
        p: &GenParams,
        events: &UnboundedSender<GenEvent>,
        cancel: &CancelToken,
        started: Instant,
        stats: &mut GenStats,
    ) -> Result<StopReason, EngineError> {
        let vocab = self.model.vocab();
        let mut utf8 = Utf8Stream::new();
        let mut text = String::new();
        let mut sent = 0usize;
        let mut logits_idx = self.batch.n_tokens() - 1;
        let max_stop = p.stop.iter().map(String::len).max().unwrap_or(0);
        let reason = loop {
            if cancel.is_cancelled() {
                break StopReason::Cancelled;
            }
            let token = sampler.sample(&self.ctx, logits_idx);
            if stats.generated_tokens == 0 {
                stats.ttft_ms = ms(started);
            }
            if vocab.is_eog(token) {
                break StopReason::EndOfGeneration;
            }
            stats.generated_tokens += 1;
            stats.tokens.push(token.0);
            text.push_str(&utf8.push(&vocab.token_to_piece(token, false, None)));
            if let Some(at) = p.stop.iter().filter_map(|s| text.find(s.as_str())).min() {
                text.truncate(at);
                flush(events, &text, &mut sent);
                break StopReason::StopString;
            }
            // Hold back what could still become the start of a stop string.
            let safe = floor_boundary(&text, text.len().saturating_sub(max_stop.saturating_sub(1)));
            flush(events, &text[..safe], &mut sent);
            if stats.generated_tokens >= p.max_tokens as usize {
                break StopReason::MaxTokens;
            }
            if self.cached.len() + 1 >= self.n_ctx() {
                break StopReason::ContextFull;
            }
            self.batch.clear();
            let pos = i32::try_from(self.cached.len()).map_err(gen_err)?;
            self.batch.add(token, pos, &[0], true).map_err(gen_err)?;
            self.ctx.decode(&mut self.batch).map_err(gen_err)?;
            self.cached.push(token);
            logits_idx = 0;
        };
        if reason != StopReason::StopString {
            text.push_str(&utf8.finish());
            flush(events, &text, &mut sent);
        }
        Ok(reason)
    }

    fn throughput(
        &mut self,
        n_prompt: usize,
        n_gen: usize,
    ) -> Result<ThroughputSample, EngineError> {
        use rand::Rng;
        self.reset();
        let n_vocab = self.model.n_vocab();
        let mut rng = rand::rng();
        let prompt: Vec<LlamaToken> = (0..n_prompt)
            .map(|_| LlamaToken(rng.random_range(0..n_vocab)))
            .collect();
        let t0 = Instant::now();
        self.prefill(&prompt)?;
        self.ctx.synchronize();
        let pp = n_prompt as f64 / t0.elapsed().as_secs_f64();
        // Generation through the app's own loop (sampling, detokenizing, streaming), with end-of-
        // generation tokens masked out so that exactly `n_gen` tokens are produced.
        let eog: Vec<_> = (0..n_vocab)
            .map(LlamaToken)
            .filter(|&t| self.model.vocab().is_eog(t))
            .map(|t| llama_cpp_2::token::logit_bias::LlamaLogitBias::new(t, f32::NEG_INFINITY))
            .collect();
        let mut sampler = LlamaSampler::chain_simple([
            LlamaSampler::logit_bias(n_vocab, &eog),
            LlamaSampler::greedy(),
        ]);
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let p = GenParams {
            max_tokens: u32::try_from(n_gen).unwrap_or(u32::MAX),
            ..GenParams::greedy(0)
        };
        let mut stats = GenStats::default();
        let t1 = Instant::now();
        self.decode_loop(
            &mut sampler,
            &p,
            &tx,
            &CancelToken::default(),
            t1,
            &mut stats,
        )?;
        // The first token's logits came from the prompt; n_gen - 1 decodes followed.
        let tg = stats.generated_tokens as f64 / t1.elapsed().as_secs_f64();
        Ok(ThroughputSample {
            pp_tokens_per_s: pp,
            tg_tokens_per_s: tg,
        })
    }
}

fn flush(events: &UnboundedSender<GenEvent>, text: &str, sent: &mut usize) {
    if text.len() > *sent {
        let _ = events.send(GenEvent::Token(text[*sent..].to_string()));
        *sent = text.len();
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}
