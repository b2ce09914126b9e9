//! The child side of the CPU-variant probe: `tutor __probe-cpu-variant FILE`.
//!
//! Runs in its own process so that an illegal instruction (SIGILL), a segfault or an abort
//! kills only the child. It loads exactly one CPU variant library, reports the score the
//! library claims for this CPU, and then runs the kernels a model uses on a tiny graph: matrix
//! products for every weight type the bundled models use (F32, F16, Q4_0, Q4_1, Q8_0, Q4_K,
//! Q6_K) in every buffer type the variant offers (plain CPU memory and its "extra" types such
//! as the AVX-512/AMX repacked layouts, where the AMX tile instructions live), each for one
//! token and for a batch, plus an RMS-norm → mul → add → SiLU → soft-max chain. Every result
//! is compared with a reference computed here in Rust from ggml's scalar dequantisation, so a
//! variant that runs but computes garbage is rejected too.
//!
//! Protocol: stdout gets `score N` (or `score none`) and then `ok`; the exit code says the rest
//! (see [`exit`]). With `--score-only` the child stops after the score (the parent orders the
//! variants by it and then runs the kernels of the best ones only, until one passes).

use std::ffi::{CString, c_int, c_void};
use std::io::Write;
use std::path::Path;
use std::ptr::{null, null_mut};

use llama_cpp_sys_2 as sys;

/// The child's exit codes.
pub mod exit {
    /// All kernels ran and agreed with the reference.
    pub const PASSED: i32 = 0;
    /// The library's own score says this CPU lacks its features; nothing was run.
    pub const UNSUPPORTED: i32 = 10;
    /// The file could not be loaded or initialised.
    pub const LOAD_FAILED: i32 = 11;
    /// A kernel produced a wrong result.
    pub const WRONG_RESULT: i32 = 12;
    /// The probe could not set up its graph (out of memory, no device).
    pub const SETUP_FAILED: i32 = 13;
    /// `--score-only`: the library loaded and claims a non-zero score; no kernel was run.
    pub const SCORED: i32 = 14;
}

/// The flag that stops the child after the score.
pub const SCORE_ONLY: &str = "--score-only";

const K: i64 = 256;
const N: i64 = 64;

/// Weight types exercised by the matrix-product cases.
const WEIGHT_TYPES: [(sys::ggml_type, &str); 7] = [
    (sys::GGML_TYPE_F32, "f32"),
    (sys::GGML_TYPE_F16, "f16"),
    (sys::GGML_TYPE_Q4_0, "q4_0"),
    (sys::GGML_TYPE_Q4_1, "q4_1"),
    (sys::GGML_TYPE_Q8_0, "q8_0"),
    (sys::GGML_TYPE_Q4_K, "q4_k"),
    (sys::GGML_TYPE_Q6_K, "q6_k"),
];

/// Runs the probe on `file` (only up to the score with `score_only`); returns the process exit
/// code.
pub fn run(file: &Path, score_only: bool) -> i32 {
    let mut out = std::io::stdout().lock();
    // SAFETY: loading a shared library runs its initialisers; that is exactly what the probe
    // is for, and it runs in a throw-away process.
    let lib = match unsafe { libloading::Library::new(file) } {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot load {}: {e}", file.display());
            return exit::LOAD_FAILED;
        }
    };
    // SAFETY: `ggml_backend_score` is `int (void)` in every ggml backend module.
    let score = unsafe {
        lib.get::<unsafe extern "C" fn() -> c_int>(b"ggml_backend_score\0")
            .ok()
            .map(|f| f())
    };
    let _ = match score {
        Some(s) => writeln!(out, "score {s}"),
        None => writeln!(out, "score none"),
    };
    let _ = out.flush();
    if score == Some(0) {
        return exit::UNSUPPORTED;
    }
    if score_only {
        return exit::SCORED;
    }
    let Some(path) = file.to_str().and_then(|s| CString::new(s).ok()) else {
        eprintln!("the path {} is not valid UTF-8", file.display());
        return exit::LOAD_FAILED;
    };
    // SAFETY: a NUL-terminated path; ggml keeps the library loaded for the process.
    let reg = unsafe { sys::ggml_backend_load(path.as_ptr()) };
    if reg.is_null() {
        eprintln!("ggml could not initialise {}", file.display());
        return exit::LOAD_FAILED;
    }
    // SAFETY: `reg` is a live backend registration from ggml.
    match unsafe { run_kernels(reg) } {
        Ok(n) => {
            let _ = writeln!(out, "ok {n} kernels");
            exit::PASSED
        }
        Err(Failure::Wrong(m)) => {
            eprintln!("{m}");
            exit::WRONG_RESULT
        }
        Err(Failure::Setup(m)) => {
            eprintln!("{m}");
            exit::SETUP_FAILED
        }
    }
}

enum Failure {
    Setup(String),
    Wrong(String),
}

/// Deterministic values in [-1, 1).
fn values(n: i64, seed: u64) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// A ggml context holding only tensor metadata (data lives in backend buffers).
struct Ctx(*mut sys::ggml_context);

impl Ctx {
    fn new(tensors: usize) -> Result<Self, Failure> {
        // SAFETY: plain size queries and context creation.
        let ctx = unsafe {
            sys::ggml_init(sys::ggml_init_params {
                mem_size: sys::ggml_tensor_overhead() * tensors + sys::ggml_graph_overhead(),
                mem_buffer: null_mut(),
                no_alloc: true,
            })
        };
        if ctx.is_null() {
            return Err(Failure::Setup("ggml_init failed".into()));
        }
        Ok(Self(ctx))
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        // SAFETY: created by ggml_init, freed once.
        unsafe { sys::ggml_free(self.0) }
    }
}

/// A backend buffer, freed on drop.
struct Buf(sys::ggml_backend_buffer_t);

impl Drop for Buf {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: allocated by ggml, freed once.
            unsafe { sys::ggml_backend_buffer_free(self.0) }
        }
    }
}

unsafe fn alloc(ctx: &Ctx, buft: sys::ggml_backend_buffer_type_t) -> Option<Buf> {
    // SAFETY: the caller passes a live context and buffer type.
    let b = unsafe { sys::ggml_backend_alloc_ctx_tensors_from_buft(ctx.0, buft) };
    (!b.is_null()).then_some(Buf(b))
}

unsafe fn set(t: *mut sys::ggml_tensor, data: &[u8]) {
    // SAFETY: the caller sized `data` to the tensor.
    unsafe { sys::ggml_backend_tensor_set(t, data.as_ptr().cast::<c_void>(), 0, data.len()) }
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_ne_bytes()).collect()
}

unsafe fn get(t: *const sys::ggml_tensor, n: usize) -> Vec<f32> {
    let mut out = vec![0f32; n];
    // SAFETY: the caller passes the tensor's element count.
    unsafe { sys::ggml_backend_tensor_get(t, out.as_mut_ptr().cast::<c_void>(), 0, n * 4) };
    out
}

unsafe fn compute(backend: sys::ggml_backend_t, ctx: &Ctx, out: *mut sys::ggml_tensor) -> bool {
    // SAFETY: the graph lives in `ctx`, whose tensors are all allocated.
    unsafe {
        let gf = sys::ggml_new_graph(ctx.0);
        sys::ggml_build_forward_expand(gf, out);
        sys::ggml_backend_graph_compute(backend, gf) == sys::GGML_STATUS_SUCCESS
    }
}

fn check(what: &str, got: &[f32], want: &[f32], rel: f32, abs: f32) -> Result<(), Failure> {
    let scale = want.iter().fold(0f32, |m, x| m.max(x.abs()));
    let worst = got
        .iter()
        .zip(want)
        .map(|(g, w)| {
            if g.is_finite() {
                (g - w).abs()
            } else {
                f32::INFINITY
            }
        })
        .fold(0f32, f32::max);
    if worst <= rel * scale + abs {
        Ok(())
    } else {
        Err(Failure::Wrong(format!(
            "{what}: wrong result (largest error {worst}, values up to {scale})"
        )))
    }
}

/// Runs every case; returns how many kernels ran.
unsafe fn run_kernels(reg: sys::ggml_backend_reg_t) -> Result<usize, Failure> {
    // SAFETY: all pointers come from ggml for this registration and are used while it lives.
    unsafe {
        let dev = sys::ggml_backend_reg_dev_get(reg, 0);
        if dev.is_null() {
            return Err(Failure::Setup("the CPU backend has no device".into()));
        }
        let backend = sys::ggml_backend_dev_init(dev, null());
        if backend.is_null() {
            return Err(Failure::Setup("the CPU backend did not start".into()));
        }
        let threads =
            sys::ggml_backend_reg_get_proc_address(reg, c"ggml_backend_set_n_threads".as_ptr());
        if !threads.is_null() {
            let f = std::mem::transmute::<
                *mut c_void,
                unsafe extern "C" fn(sys::ggml_backend_t, c_int),
            >(threads);
            f(backend, 2);
        }
        let mut bufts = vec![(sys::ggml_backend_dev_buffer_type(dev), "CPU".to_string())];
        let extra = sys::ggml_backend_reg_get_proc_address(
            reg,
            c"ggml_backend_dev_get_extra_bufts".as_ptr(),
        );
        if !extra.is_null() {
            type ExtraBufts = unsafe extern "C" fn(
                sys::ggml_backend_dev_t,
            )
                -> *mut sys::ggml_backend_buffer_type_t;
            let f = std::mem::transmute::<*mut c_void, ExtraBufts>(extra);
            let mut p = f(dev);
            while !p.is_null() && !(*p).is_null() {
                let name = std::ffi::CStr::from_ptr(sys::ggml_backend_buft_name(*p))
                    .to_string_lossy()
                    .into_owned();
                bufts.push((*p, name));
                p = p.add(1);
            }
        }
        let mut ran = 0;
        let result = (|| {
            for (buft, buft_name) in &bufts {
                for (ty, ty_name) in WEIGHT_TYPES {
                    for m in [1, 16] {
                        if mul_mat_case(dev, backend, *buft, ty, m)
                            .map_err(|e| tag(e, &format!("{buft_name} {ty_name} x{m}")))?
                        {
                            ran += 1;
                        }
                    }
                }
            }
            chain_case(backend)?;
            ran += 1;
            Ok(ran)
        })();
        sys::ggml_backend_free(backend);
        result
    }
}

fn tag(e: Failure, what: &str) -> Failure {
    match e {
        Failure::Setup(m) => Failure::Setup(format!("{what}: {m}")),
        Failure::Wrong(m) => Failure::Wrong(format!("{what}: {m}")),
    }
}

/// `W (N×K, type ty, in buft) · X (M×K, f32)`; false when the buffer type does not take it.
unsafe fn mul_mat_case(
    dev: sys::ggml_backend_dev_t,
    backend: sys::ggml_backend_t,
    buft: sys::ggml_backend_buffer_type_t,
    ty: sys::ggml_type,
    m: i64,
) -> Result<bool, Failure> {
    // SAFETY: tensors and buffers are created here and freed by their guards.
    unsafe {
        let wctx = Ctx::new(2)?;
        let cctx = Ctx::new(4)?;
        let w = sys::ggml_new_tensor_2d(wctx.0, ty, K, N);
        let x = sys::ggml_new_tensor_2d(cctx.0, sys::GGML_TYPE_F32, K, m);
        let y = sys::ggml_mul_mat(cctx.0, w, x);
        let Some(_wbuf) = alloc(&wctx, buft) else {
            return Ok(false);
        };
        let _cbuf = alloc(&cctx, sys::ggml_backend_dev_buffer_type(dev))
            .ok_or_else(|| Failure::Setup("cannot allocate".into()))?;
        // Extra buffer types (repacked layouts) take only some types and shapes; setting a
        // tensor they do not take would fail inside ggml, so ask first.
        if !sys::ggml_backend_dev_supports_op(dev, y) {
            return Ok(false);
        }
        let wf = values(K * N, ty as u64 + 1);
        let xf = values(K * m, 99);
        let (wbytes, wdeq) = if ty == sys::GGML_TYPE_F32 {
            (f32_bytes(&wf), wf.clone())
        } else {
            let mut q = vec![0u8; sys::ggml_row_size(ty, K) * N as usize];
            sys::ggml_quantize_chunk(ty, wf.as_ptr(), q.as_mut_ptr().cast(), 0, N, K, null());
            let traits = sys::ggml_get_type_traits(ty);
            let to_float = (*traits)
                .to_float
                .ok_or_else(|| Failure::Setup("no dequantiser".into()))?;
            let mut d = vec![0f32; (K * N) as usize];
            to_float(q.as_ptr().cast(), d.as_mut_ptr(), K * N);
            (q, d)
        };
        set(w, &wbytes);
        set(x, &f32_bytes(&xf));
        if !compute(backend, &cctx, y) {
            return Err(Failure::Setup("graph compute failed".into()));
        }
        let got = get(y, (N * m) as usize);
        let (k, n) = (K as usize, N as usize);
        let want: Vec<f32> = (0..m as usize)
            .flat_map(|j| {
                let (wdeq, xf) = (&wdeq, &xf);
                (0..n).map(move |i| {
                    (0..k)
                        .map(|t| f64::from(wdeq[i * k + t]) * f64::from(xf[j * k + t]))
                        .sum::<f64>() as f32
                })
            })
            .collect();
        // The activations are quantised to 8 bits on the quantised paths: a few percent.
        check("mul_mat", &got, &want, 0.03, 0.05)?;
        Ok(true)
    }
}

/// `soft_max(silu(rms_norm(x) * g + x))` on plain CPU memory.
unsafe fn chain_case(backend: sys::ggml_backend_t) -> Result<(), Failure> {
    const C: i64 = 64;
    const R: i64 = 4;
    const EPS: f32 = 1e-5;
    // SAFETY: as in `mul_mat_case`.
    unsafe {
        let ctx = Ctx::new(10)?;
        let x = sys::ggml_new_tensor_2d(ctx.0, sys::GGML_TYPE_F32, C, R);
        let g = sys::ggml_new_tensor_2d(ctx.0, sys::GGML_TYPE_F32, C, 1);
        let n = sys::ggml_rms_norm(ctx.0, x, EPS);
        let h = sys::ggml_add(ctx.0, sys::ggml_mul(ctx.0, n, g), x);
        let y = sys::ggml_soft_max(ctx.0, sys::ggml_silu(ctx.0, h));
        let dev_buft = sys::ggml_backend_get_default_buffer_type(backend);
        let _buf = alloc(&ctx, dev_buft).ok_or_else(|| Failure::Setup("cannot allocate".into()))?;
        let xf = values(C * R, 7);
        let gf = values(C, 8);
        set(x, &f32_bytes(&xf));
        set(g, &f32_bytes(&gf));
        if !compute(backend, &ctx, y) {
            return Err(Failure::Setup("graph compute failed".into()));
        }
        let got = get(y, (C * R) as usize);
        let c = C as usize;
        let want: Vec<f32> = xf
            .chunks(c)
            .flat_map(|row| {
                let ms = row.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / c as f64;
                let scale = 1.0 / (ms + f64::from(EPS)).sqrt();
                let h: Vec<f64> = row
                    .iter()
                    .zip(&gf)
                    .map(|(v, g)| {
                        let h = f64::from(*v) * scale * f64::from(*g) + f64::from(*v);
                        h / (1.0 + (-h).exp())
                    })
                    .collect();
                let max = h.iter().copied().fold(f64::MIN, f64::max);
                let sum: f64 = h.iter().map(|v| (v - max).exp()).sum();
                h.into_iter()
                    .map(move |v| ((v - max).exp() / sum) as f32)
                    .collect::<Vec<_>>()
            })
            .collect();
        check("rms_norm/mul/add/silu/soft_max", &got, &want, 0.01, 1e-4)
    }
}
