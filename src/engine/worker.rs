//! The engine thread: owns the llama.cpp backend, model and context.
//!
//! One request at a time. The KV cache keeps one sequence per [`super::CacheSlot`] and the tokens
//! each holds; a new request decodes only what follows the longest common prefix with its own
//! slot's cache, so turn 20 starts as fast as turn 1 even with judge calls in between.
//! A conversation longer than the context loses whole oldest turns (never the system prompt).

use std::num::NonZeroU32;
use std::sync::OnceLock;
use std::sync::mpsc::Receiver;
use std::time::Instant;

use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaLoraAdapter, LlamaModel};
use llama_cpp_2::token::LlamaToken;
use tokio::sync::mpsc::UnboundedSender;

use super::session::{N_SLOTS, Session};
use super::template::{ChatMessage, JinjaTemplate, render_chatml};
use super::{Cmd, EngineError, GenEvent, LoadEvent, ModelInfo, ModelSpec, SystemReport, gguf};

pub(super) const N_BATCH: u32 = 512;

/// KV cells added to the pool for the short judge/classifier slot, so that its calls fit next to
/// a full lesson without dropping the lesson's cache (at most the lesson's own context).
const AUX_CELLS: u32 = 1024;

/// The KV pool for a lesson context of `n_ctx` tokens: the lesson's cells plus the aux reserve.
fn pool_cells(n_ctx: u32) -> u32 {
    n_ctx.saturating_add(n_ctx.min(AUX_CELLS))
}

/// Loads llama.cpp's backend modules once per process and routes llama.cpp's log into
/// `tracing`. Only modules approved by [`super::cpu_variant`] are loaded: the one CPU variant
/// that passed its probe in a child process, plus any non-CPU backends. Returns why no CPU
/// backend could be loaded, if so.
pub(super) fn init_backends() -> Option<&'static str> {
    static INIT: OnceLock<Option<String>> = OnceLock::new();
    INIT.get_or_init(|| {
        llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default());
        let sel = super::cpu_variant::selection();
        match sel.load_dir.as_deref().filter(|d| d.to_str().is_some()) {
            Some(dir) => llama_cpp_2::llama_backend::load_backends_from_path(dir),
            None => llama_cpp_2::llama_backend::load_backends(),
        }
        let has_cpu = llama_cpp_2::list_llama_ggml_backend_devices()
            .iter()
            .any(|d| matches!(d.device_type, llama_cpp_2::LlamaBackendDeviceType::Cpu));
        (!has_cpu).then(|| {
            sel.note.clone().unwrap_or_else(|| {
                "no llama.cpp CPU backend could be loaded; run `tutor doctor`".into()
            })
        })
    })
    .as_deref()
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

/// llama.cpp's backend, initialised once per process: it may be initialised only once, and a
/// process can run several engines (tests do, and a reload spawns none but must not race one).
fn shared_backend() -> Result<&'static LlamaBackend, String> {
    static BACKEND: std::sync::OnceLock<Result<LlamaBackend, String>> = std::sync::OnceLock::new();
    BACKEND
        .get_or_init(|| LlamaBackend::init().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(Clone::clone)
}

/// The thread's main loop: wait for a model, serve it until asked to switch or stop.
pub(super) fn run(rx: Receiver<Cmd>) {
    if let Some(problem) = init_backends() {
        tracing::error!(problem, "no CPU backend");
        refuse_all(&rx, &EngineError::Backend(problem.to_string()));
        return;
    }
    let backend = match shared_backend() {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "llama backend init failed");
            refuse_all(
                &rx,
                &EngineError::LoadFailed {
                    path: Default::default(),
                    reason: e,
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
                Ok(Cmd::CountTokens { reply, .. }) => {
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
        match Loaded::load(backend, &spec, &events) {
            Ok(loaded) => match serve(backend, loaded, &spec, &rx, &events) {
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
            Cmd::CountTokens { reply, .. } => {
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

pub(super) enum PromptFormat {
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

pub(super) fn token_text(model: &LlamaModel, token: LlamaToken) -> String {
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
    pub(super) fn render(&self, model: &LlamaModel, messages: &[ChatMessage]) -> String {
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
    let slot_ctx = spec.n_ctx.max(64);
    // One unified pool of cells shared by the slots' sequences (llama.cpp would otherwise split
    // n_ctx evenly between them): the lesson may use its whole context, the aux slot the rest.
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(pool_cells(slot_ctx)))
        .with_n_seq_max(N_SLOTS as u32)
        .with_kv_unified(true)
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
        cached: Default::default(),
        slot_ctx: slot_ctx as usize,
        last_used: [0; N_SLOTS],
        clock: 0,
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
            Ok(Cmd::CountTokens { messages, reply }) => {
                let _ = reply.send(Ok(session.count_prompt_tokens(&messages)));
            }
            Ok(Cmd::ClearCache { reply }) => {
                session.reset();
                let _ = reply.send(());
            }
            Ok(Cmd::Shutdown) | Err(_) => return Next::Stop,
        }
    }
}
