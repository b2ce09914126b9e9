//! Which of llama.cpp's CPU variants this process may load.
//!
//! The build ships one CPU backend per instruction-set level (`libggml-cpu-haswell.so`,
//! `-skylakex`, `-sapphirerapids`, ...). llama.cpp picks the one whose `ggml_backend_score`
//! (CPUID only) is highest and trusts it; on a VM that advertises AMX or AVX-512 it cannot run,
//! the first lesson dies with SIGILL. So before a variant is trusted in-process, it is run in a
//! child process (`tutor __probe-cpu-variant FILE`, see [`probe`]) on real kernels: first every
//! variant's score is read (one child each, all at once, loading only), then the supported ones
//! run their kernels best score first until one passes. That one is chosen; the ones that
//! failed are remembered with the reason, the lower ones as not needed.
//!
//! The verdict is cached under the state dir, in a directory named after a hash of the CPU
//! (`/proc/cpuinfo` model name and flags), the probing binary and the variant files (name, size,
//! mtime): change any of them and the probe runs again. That directory holds symlinks to
//! exactly the approved modules (the chosen CPU variant and every non-CPU backend such as CUDA
//! or Vulkan), so llama.cpp loads from it with `load_backends_from_path`, and a teacher can
//! point `GGML_BACKENDS_DIR` at it for other llama.cpp tools (`tutor doctor --backends-dir`).
//!
//! `TUTOR_CPU_VARIANT=NAME` (or `[model] cpu_variant` in the config file) forces a variant
//! without probing; `auto` means probe.

pub mod probe;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hidden subcommand the child runs.
pub const PROBE_SUBCOMMAND: &str = "__probe-cpu-variant";
/// Forces a variant by name (`haswell`, `x64`, ...), skipping the probe.
pub const VARIANT_ENV: &str = "TUTOR_CPU_VARIANT";
/// A child that has not finished by then is killed and the variant rejected.
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);
const VERDICT_FILE: &str = "verdicts.json";

/// Settings from the config file and the data dir, given once at start-up.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Where the verdict and the approved-modules directory are kept.
    pub state_dir: Option<PathBuf>,
    /// The config file's `cpu_variant` (the environment variable wins over it).
    pub forced: Option<String>,
}

static OPTIONS: OnceLock<Options> = OnceLock::new();
static SELECTION: OnceLock<Selection> = OnceLock::new();

/// Sets the options; call before the engine starts (later calls are ignored).
pub fn configure(options: Options) {
    let _ = OPTIONS.set(options);
}

/// What happened to one variant in its probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// Every kernel ran and agreed with the reference.
    Passed,
    /// The library says this CPU lacks its instructions (score 0); it was not run.
    Unsupported,
    /// The child died from a signal (SIGILL: an instruction this CPU does not execute).
    Crashed { signal: i32 },
    /// The child exited with an error (could not load, wrong results).
    Failed { code: i32, message: String },
    /// The child did not finish in time.
    TimedOut,
    /// Its kernels were not run: a higher-scoring variant passed first.
    NotNeeded,
}

impl Outcome {
    /// Rejected after running (not merely unsupported by CPUID).
    pub fn is_rejection(&self) -> bool {
        !matches!(self, Self::Passed | Self::Unsupported | Self::NotNeeded)
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Passed => f.write_str("passed"),
            Self::Unsupported => f.write_str("not supported by this CPU (score 0)"),
            Self::Crashed { signal } => write!(f, "crashed ({})", signal_name(*signal)),
            Self::Failed { code, message } => write!(f, "failed (exit {code}): {message}"),
            Self::TimedOut => write!(f, "did not finish in {} s", PROBE_TIMEOUT.as_secs()),
            Self::NotNeeded => f.write_str("not run: a higher-scoring variant passed"),
        }
    }
}

fn signal_name(s: i32) -> String {
    match s {
        4 => "SIGILL, illegal instruction".into(),
        6 => "SIGABRT".into(),
        7 => "SIGBUS".into(),
        8 => "SIGFPE".into(),
        9 => "SIGKILL".into(),
        11 => "SIGSEGV".into(),
        n => format!("signal {n}"),
    }
}

/// One variant's probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// `haswell`, `skylakex`, ... (the file name without `libggml-cpu-` and `.so`).
    pub variant: String,
    pub file: PathBuf,
    /// The score the library claims for this CPU (`None`: it has no score function).
    pub score: Option<i64>,
    pub outcome: Outcome,
    /// Wall time of the child, in ms.
    pub ms: f64,
}

/// How the variant in use was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// Probed in this process's start-up.
    Probed,
    /// A verdict from an earlier run on the same CPU and build.
    Cached,
    /// `TUTOR_CPU_VARIANT` or the config file.
    Forced,
    /// No probe was possible (see the note); llama.cpp's own choice.
    Unprobed,
}

/// The outcome of choosing a variant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Selection {
    /// Where the variant files were found.
    pub source_dir: Option<PathBuf>,
    /// What llama.cpp loads from (the approved-modules directory).
    pub load_dir: Option<PathBuf>,
    /// The CPU variant in use.
    pub chosen: Option<String>,
    pub how: How,
    pub verdicts: Vec<Verdict>,
    /// Wall time of the whole probe (all children), when it ran, in ms.
    pub probe_ms: f64,
    /// Something the user should know (a bad override, no variant passed, no probe possible).
    pub note: Option<String>,
}

/// The variant choice for this process: probed (or read from the cache) once.
pub fn selection() -> &'static Selection {
    SELECTION.get_or_init(|| {
        let opts = OPTIONS.get().cloned().unwrap_or_default();
        let state_dir = opts.state_dir.clone().unwrap_or_else(|| {
            let home = std::env::var_os("TUTOR_HOME").map(PathBuf::from);
            crate::paths::Paths::resolve(home.as_deref()).state_dir
        });
        let forced = std::env::var(VARIANT_ENV)
            .ok()
            .or(opts.forced)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty() && s != "auto");
        let started = Instant::now();
        let s = select(
            source_dir().as_deref(),
            &state_dir,
            forced.as_deref(),
            probe_exe().as_deref(),
        );
        tracing::info!(
            chosen = ?s.chosen,
            how = ?s.how,
            probe_ms = s.probe_ms,
            total_ms = started.elapsed().as_secs_f64() * 1000.0,
            note = ?s.note,
            "CPU variant"
        );
        s
    })
}

/// Where the build's backend modules are: `GGML_BACKENDS_DIR`, else `backends/` beside the
/// executable (an installed copy), else the directory the build put them in.
pub fn source_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("GGML_BACKENDS_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    let beside_exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("backends")))
        .filter(|d| d.is_dir());
    beside_exe.or_else(|| llama_cpp_sys_2::BACKENDS_DIR.map(PathBuf::from))
}

/// The binary that runs the probe: the `tutor` executable itself, or, from a test binary in
/// `target/*/deps/`, the `tutor` built beside it. `TUTOR_PROBE_EXE` overrides.
pub fn probe_exe() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TUTOR_PROBE_EXE").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let exe = std::env::current_exe().ok()?;
    if exe.file_stem().is_some_and(|s| s == "tutor") {
        return Some(exe);
    }
    let dir = exe.parent()?;
    [Some(dir), dir.parent()]
        .into_iter()
        .flatten()
        .map(|d| d.join(format!("tutor{}", std::env::consts::EXE_SUFFIX)))
        .find(|p| p.is_file())
}

/// A module file in the source dir.
#[derive(Debug, Clone)]
struct Module {
    name: String,
    path: PathBuf,
    /// `Some(variant)` for a CPU variant.
    variant: Option<String>,
}

fn modules(dir: &Path) -> Vec<Module> {
    let ext = format!(".{}", std::env::consts::DLL_EXTENSION);
    let mut found: Vec<Module> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let stem = name.strip_suffix(&ext)?;
            let rest = stem
                .strip_prefix("libggml-")
                .or_else(|| stem.strip_prefix("ggml-"))?;
            if !e.path().is_file() {
                return None;
            }
            let variant = match rest.strip_prefix("cpu") {
                Some("") => Some("cpu".to_string()),
                Some(v) => v.strip_prefix('-').map(str::to_string),
                None => None,
            };
            Some(Module {
                name,
                path: e.path(),
                variant,
            })
        })
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

/// The CPU's identity: model name and feature flags.
fn cpu_identity() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |k: &str| {
        info.lines()
            .find(|l| l.split(':').next().is_some_and(|n| n.trim() == k))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    format!(
        "{}|{}|{}|{}",
        std::env::consts::ARCH,
        field("model name"),
        field("flags"),
        field("Features")
    )
}

fn file_stamp(p: &Path) -> String {
    match std::fs::metadata(p) {
        Ok(m) => {
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}:{}:{mtime}", p.display(), m.len())
        }
        Err(_) => format!("{}:missing", p.display()),
    }
}

/// The cache key: CPU, probing binary, module files, override.
fn key(mods: &[Module], exe: Option<&Path>, forced: Option<&str>) -> String {
    let mut h = Sha256::new();
    h.update(cpu_identity());
    h.update(exe.map(file_stamp).unwrap_or_default());
    for m in mods {
        h.update(&m.name);
        h.update(file_stamp(&m.path));
    }
    h.update(forced.unwrap_or(""));
    h.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Chooses the variant for `source` (pure of process globals; used by [`selection`] and tests).
pub fn select(
    source: Option<&Path>,
    state_dir: &Path,
    forced: Option<&str>,
    exe: Option<&Path>,
) -> Selection {
    let mut sel = Selection {
        source_dir: source.map(Path::to_path_buf),
        load_dir: source.map(Path::to_path_buf),
        chosen: None,
        how: How::Unprobed,
        verdicts: Vec::new(),
        probe_ms: 0.0,
        note: None,
    };
    let Some(source) = source else {
        sel.note = Some("this build has no loadable backend modules directory".into());
        return sel;
    };
    let mods = modules(source);
    let variants: Vec<&Module> = mods.iter().filter(|m| m.variant.is_some()).collect();
    if variants.is_empty() {
        sel.note = Some(format!("no CPU variants in {}", source.display()));
        return sel;
    }
    let mut forced = forced;
    if let Some(f) = forced
        && !variants.iter().any(|m| m.variant.as_deref() == Some(f))
    {
        sel.note = Some(format!(
            "{VARIANT_ENV}={f} names no CPU variant in {} (there are: {}); probing instead",
            source.display(),
            variants
                .iter()
                .filter_map(|m| m.variant.as_deref())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        forced = None;
    }
    let key = key(&mods, exe, forced);
    let dir = approved_root(state_dir).join(&key);
    if let Some(cached) = read_cached(&dir) {
        sel.chosen = cached.chosen;
        sel.verdicts = cached.verdicts;
        sel.probe_ms = cached.probe_ms;
        sel.how = if forced.is_some() {
            How::Forced
        } else {
            How::Cached
        };
        sel.load_dir = Some(dir);
        if sel.chosen.is_none() {
            sel.note.get_or_insert_with(|| no_variant_note(source));
        }
        return sel;
    }
    if let Some(f) = forced {
        sel.chosen = Some(f.to_string());
        sel.how = How::Forced;
    } else {
        let Some(exe) = exe else {
            sel.note = Some(
                "cannot find the tutor binary to run the CPU probe; llama.cpp chooses by CPUID alone"
                    .into(),
            );
            return sel;
        };
        let started = Instant::now();
        sel.verdicts = probe_best(exe, &variants);
        sel.probe_ms = started.elapsed().as_secs_f64() * 1000.0;
        sel.chosen = best(&sel.verdicts);
        sel.how = How::Probed;
        if sel.chosen.is_none() {
            sel.note = Some(no_variant_note(source));
        }
    }
    match write_approved(&dir, &mods, sel.chosen.as_deref(), &sel) {
        Ok(()) => sel.load_dir = Some(dir),
        Err(e) => {
            // Still load only what was approved: from a private temporary directory.
            let tmp = std::env::temp_dir().join(format!("tutor-backends-{key}"));
            match write_approved(&tmp, &mods, sel.chosen.as_deref(), &sel) {
                Ok(()) => sel.load_dir = Some(tmp),
                Err(e2) => {
                    sel.note = Some(format!(
                        "cannot write the approved-modules directory ({e}; {e2})"
                    ));
                    sel.load_dir = None;
                }
            }
        }
    }
    sel
}

fn no_variant_note(source: &Path) -> String {
    format!(
        "no CPU variant in {} passed the probe on this machine; set {VARIANT_ENV} to force one",
        source.display()
    )
}

/// Where approved-module directories live.
pub fn approved_root(state_dir: &Path) -> PathBuf {
    state_dir.join("backends")
}

/// The passing variant with the highest score.
pub fn best(verdicts: &[Verdict]) -> Option<String> {
    verdicts
        .iter()
        .filter(|v| v.outcome == Outcome::Passed)
        .max_by(|a, b| {
            a.score
                .unwrap_or(1)
                .cmp(&b.score.unwrap_or(1))
                .then_with(|| b.variant.cmp(&a.variant))
        })
        .map(|v| v.variant.clone())
}

#[derive(Serialize, Deserialize)]
struct Cached {
    chosen: Option<String>,
    verdicts: Vec<Verdict>,
    probe_ms: f64,
}

fn read_cached(dir: &Path) -> Option<Cached> {
    let text = std::fs::read_to_string(dir.join(VERDICT_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Builds `dir` (atomically: a temporary sibling renamed into place) with symlinks to the chosen
/// CPU variant and every non-CPU module, plus the verdicts.
fn write_approved(
    dir: &Path,
    mods: &[Module],
    chosen: Option<&str>,
    sel: &Selection,
) -> std::io::Result<()> {
    let parent = dir.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let tmp = parent.join(format!(
        ".tmp-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&tmp)?;
    let result = (|| {
        for m in mods {
            if m.variant.is_some() && m.variant.as_deref() != chosen {
                continue;
            }
            let target = std::fs::canonicalize(&m.path)?;
            link(&target, &tmp.join(&m.name))?;
        }
        let cached = Cached {
            chosen: chosen.map(str::to_string),
            verdicts: sel.verdicts.clone(),
            probe_ms: sel.probe_ms,
        };
        std::fs::write(
            tmp.join(VERDICT_FILE),
            serde_json::to_string_pretty(&cached).expect("serializable"),
        )?;
        match std::fs::rename(&tmp, dir) {
            Ok(()) => Ok(()),
            // Another process got there first with the same key: its copy is as good.
            Err(_) if dir.join(VERDICT_FILE).is_file() => Ok(()),
            Err(e) => Err(e),
        }
    })();
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

#[cfg(unix)]
fn link(target: &Path, at: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, at)
}

#[cfg(not(unix))]
fn link(target: &Path, at: &Path) -> std::io::Result<()> {
    std::fs::copy(target, at).map(|_| ())
}

/// Probes the variants in two steps: every library's score in its own child process (all at
/// once: loading only), then the kernels of the supported ones, best score first, one child at
/// a time, until one passes; the rest are [`Outcome::NotNeeded`]. So a machine pays for the
/// full probe of one variant, plus one more per variant that fails.
fn probe_best(exe: &Path, variants: &[&Module]) -> Vec<Verdict> {
    let mut verdicts = probe_each(exe, variants, true);
    let mut order: Vec<usize> = (0..verdicts.len())
        .filter(|&i| verdicts[i].outcome == Outcome::Passed)
        .collect();
    order.sort_by(|&a, &b| {
        let score = |i: usize| verdicts[i].score.unwrap_or(1);
        score(b)
            .cmp(&score(a))
            .then_with(|| verdicts[a].variant.cmp(&verdicts[b].variant))
    });
    let mut found = false;
    for i in order {
        if found {
            verdicts[i].outcome = Outcome::NotNeeded;
            continue;
        }
        let full = probe_each(exe, &[variants[i]], false).remove(0);
        verdicts[i].ms += full.ms;
        verdicts[i].outcome = full.outcome;
        found = verdicts[i].outcome == Outcome::Passed;
    }
    verdicts
}

/// Probes each variant in its own child process (all at once) and collects the verdicts; with
/// `score_only` the children only load the library and report its score ([`Outcome::Passed`]
/// then means "loaded and supported").
fn probe_each(exe: &Path, variants: &[&Module], score_only: bool) -> Vec<Verdict> {
    let children: Vec<_> = variants
        .iter()
        .map(|m| (m, Instant::now(), spawn_probe(exe, &m.path, score_only)))
        .collect();
    children
        .into_iter()
        .map(|(m, started, child)| {
            let variant = m.variant.clone().unwrap_or_default();
            let (score, outcome) = match child {
                Ok(c) => finish(c),
                Err(e) => (
                    None,
                    Outcome::Failed {
                        code: -1,
                        message: format!("cannot start {}: {e}", exe.display()),
                    },
                ),
            };
            let v = Verdict {
                variant,
                file: m.path.clone(),
                score,
                outcome,
                ms: started.elapsed().as_secs_f64() * 1000.0,
            };
            tracing::info!(variant = %v.variant, score = ?v.score, outcome = %v.outcome, ms = v.ms, score_only, "CPU variant probe");
            v
        })
        .collect()
}

/// Probes every CPU variant in `dir` (for tests and diagnostics; nothing is cached).
pub fn probe_dir(exe: &Path, dir: &Path) -> Vec<Verdict> {
    let mods = modules(dir);
    let variants: Vec<&Module> = mods.iter().filter(|m| m.variant.is_some()).collect();
    probe_each(exe, &variants, false)
}

struct Running {
    child: std::process::Child,
    stdout: std::thread::JoinHandle<String>,
    stderr: std::thread::JoinHandle<String>,
}

fn spawn_probe(exe: &Path, file: &Path, score_only: bool) -> std::io::Result<Running> {
    let mut child = Command::new(exe)
        .arg(PROBE_SUBCOMMAND)
        .args(score_only.then_some(probe::SCORE_ONLY))
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let read = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let stdout = read(Box::new(child.stdout.take().expect("piped")));
    let stderr = read(Box::new(child.stderr.take().expect("piped")));
    Ok(Running {
        child,
        stdout,
        stderr,
    })
}

fn finish(mut r: Running) -> (Option<i64>, Outcome) {
    let deadline = Instant::now() + PROBE_TIMEOUT;
    let status = loop {
        match r.child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(2));
            }
            _ => {
                let _ = r.child.kill();
                let _ = r.child.wait();
                break None;
            }
        }
    };
    let out = r.stdout.join().unwrap_or_default();
    let err = r.stderr.join().unwrap_or_default();
    let score = out
        .lines()
        .find_map(|l| l.strip_prefix("score "))
        .and_then(|s| s.trim().parse::<i64>().ok());
    let Some(status) = status else {
        return (score, Outcome::TimedOut);
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return (score, Outcome::Crashed { signal });
        }
    }
    let outcome = match status.code() {
        Some(probe::exit::PASSED) if out.lines().any(|l| l.starts_with("ok")) => Outcome::Passed,
        Some(probe::exit::SCORED) => Outcome::Passed,
        Some(probe::exit::UNSUPPORTED) => Outcome::Unsupported,
        code => Outcome::Failed {
            code: code.unwrap_or(-1),
            message: last_line(&err),
        },
    };
    (score, outcome)
}

/// The last meaningful line of the child's stderr (ggml's own log lines come first).
fn last_line(s: &str) -> String {
    s.lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no message")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(name: &str, score: i64, outcome: Outcome) -> Verdict {
        Verdict {
            variant: name.into(),
            file: PathBuf::from(name),
            score: Some(score),
            outcome,
            ms: 1.0,
        }
    }

    #[test]
    fn best_is_the_highest_scoring_variant_that_passed() {
        let verdicts = [
            v("x64", 1, Outcome::Passed),
            v("haswell", 61, Outcome::Passed),
            v("sapphirerapids", 4000, Outcome::Crashed { signal: 4 }),
            v("skylakex", 0, Outcome::Unsupported),
            v("icelake", 1000, Outcome::TimedOut),
        ];
        assert_eq!(best(&verdicts).as_deref(), Some("haswell"));
        assert_eq!(best(&verdicts[2..]), None);
    }

    #[test]
    fn modules_split_cpu_variants_from_other_backends() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "libggml-cpu-haswell.so",
            "libggml-cpu.so",
            "libggml-cuda.so",
            "libggml-cpu-x64.so.bak",
            "libllama.so",
            "notes.txt",
        ] {
            std::fs::write(dir.path().join(f), b"x").unwrap();
        }
        let m = modules(dir.path());
        let names: Vec<(&str, Option<&str>)> = m
            .iter()
            .map(|m| (m.name.as_str(), m.variant.as_deref()))
            .collect();
        assert_eq!(
            names,
            [
                ("libggml-cpu-haswell.so", Some("haswell")),
                ("libggml-cpu.so", Some("cpu")),
                ("libggml-cuda.so", None),
            ]
        );
    }

    #[test]
    fn a_changed_module_changes_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("libggml-cpu-x64.so");
        std::fs::write(&f, b"one").unwrap();
        let k1 = key(&modules(dir.path()), None, None);
        assert_eq!(k1, key(&modules(dir.path()), None, None));
        std::fs::write(&f, b"three").unwrap();
        assert_ne!(k1, key(&modules(dir.path()), None, None));
        assert_ne!(k1, key(&modules(dir.path()), None, Some("x64")));
    }
}
