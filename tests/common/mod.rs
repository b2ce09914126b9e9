//! Shared helpers for integration tests: the real default model and one engine per test
//! binary (llama.cpp's backend can be initialised once per process), used one test at a time.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};

use tutor::engine::{EngineHandle, ModelInfo, ModelSpec};

/// The default model; `make test` fetches it first.
pub fn model_path() -> PathBuf {
    let p =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/SmolLM2-135M-Instruct.Q4_1.gguf");
    assert!(
        p.is_file(),
        "{} is missing: run `make model` (scripts/fetch-model)",
        p.display()
    );
    p
}

struct Shared {
    engine: EngineHandle,
    loaded: Option<ModelSpec>,
}

static ENGINE: OnceLock<Mutex<Shared>> = OnceLock::new();

/// Exclusive use of the process's engine, loaded with `spec`.
pub struct Engine {
    guard: MutexGuard<'static, Shared>,
    pub info: ModelInfo,
}

impl std::ops::Deref for Engine {
    type Target = EngineHandle;
    fn deref(&self) -> &EngineHandle {
        &self.guard.engine
    }
}

/// The engine with the default model at `n_ctx` tokens (reloaded only when the spec changes);
/// the KV cache starts empty.
pub fn engine_with(n_ctx: u32) -> Engine {
    let mut spec = ModelSpec::new(model_path());
    spec.n_ctx = n_ctx;
    spec.threads = 2;
    let lock = ENGINE.get_or_init(|| {
        Mutex::new(Shared {
            engine: EngineHandle::spawn(),
            loaded: None,
        })
    });
    let mut guard = lock.lock().unwrap_or_else(|e| e.into_inner());
    let info = if guard.loaded.as_ref() == Some(&spec) {
        None
    } else {
        guard.loaded = None;
        let info = guard
            .engine
            .load_blocking(spec.clone())
            .expect("loading the default model");
        guard.loaded = Some(spec);
        Some(info)
    };
    guard.engine.clear_cache();
    let info = match info {
        Some(i) => i,
        None => tutor::engine::ModelInfo {
            path: model_path(),
            name: String::new(),
            architecture: String::new(),
            n_params: 0,
            quantization: String::new(),
            n_ctx_train: None,
            n_ctx,
            has_chat_template: true,
            prompt_format: String::new(),
            file_size: 0,
            gpu_layers: 0,
            threads: 2,
            lora: None,
        },
    };
    Engine { guard, info }
}

/// The engine at the default context.
pub fn engine() -> Engine {
    engine_with(2048)
}

/// Marks the loaded spec unknown (after a test loaded something else on the shared engine).
pub fn forget_loaded(e: &mut Engine) {
    e.guard.loaded = None;
}

/// The letter a bundled check's right choice has for `student` (choices are shuffled per
/// student: the first profile of a fresh home is "1").
pub fn right_letter(course: &str, check_id: &str, student: &str) -> char {
    let lib = tutor::curriculum::library::Library::load(None, &[]);
    let (_, check) = lib
        .get(course)
        .expect("bundled course")
        .course
        .check(check_id)
        .expect("bundled check");
    let shown = check.for_student(student);
    let right = shown
        .choices
        .iter()
        .position(|c| *c == shown.answer)
        .expect("the answer is a choice");
    tutor::curriculum::grade::choice_letter(right)
}
