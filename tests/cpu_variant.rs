//! The CPU-variant probe against real llama.cpp variant libraries and a deliberately broken one.
//!
//! - A library that claims the highest score and executes an illegal instruction (`ud2`) when
//!   initialised is placed among the build's real variants: `tutor doctor` reports it rejected
//!   (SIGILL) and chooses a real one, the verdict is cached and redone when a file changes, and
//!   `tutor bench` and a plain-mode lesson run on the real model from that directory.
//! - Every real variant is probed on this machine: each whose CPU features `/proc/cpuinfo` lists
//!   passes (or is rejected cleanly, never crashing the caller); each whose features are missing
//!   is never run. The feature table here comes from llama.cpp's CMake variant list, independent
//!   of the libraries' own score functions.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tutor::engine::cpu_variant::{self, Outcome};

const TUTOR: &str = env!("CARGO_BIN_EXE_tutor");

/// The build's own variant directory.
fn real_backends() -> PathBuf {
    let dir = PathBuf::from(
        llama_cpp_sys_2::BACKENDS_DIR.expect("built with llama-cpp-2's dynamic-backends"),
    );
    assert!(dir.is_dir(), "{} is missing", dir.display());
    dir
}

/// Compiles the broken variant into `dir` (gcc; `__builtin_trap` is `ud2` on x86).
fn build_broken(dir: &Path, variant: &str, marker: u32) -> PathBuf {
    let src = dir.join(format!("{variant}.c"));
    std::fs::write(
        &src,
        format!(
            "int ggml_backend_score(void) {{ return 1 << 30; }}\n\
             static volatile int marker = {marker};\n\
             void *ggml_backend_init(void) {{ if (marker >= 0) __builtin_trap(); return 0; }}\n"
        ),
    )
    .unwrap();
    let out = dir.join(format!("libggml-cpu-{variant}.so"));
    let status = Command::new("gcc")
        .args(["-shared", "-fPIC", "-O0", "-o"])
        .arg(&out)
        .arg(&src)
        .status()
        .expect("gcc is installed");
    assert!(status.success());
    std::fs::remove_file(&src).unwrap();
    out
}

/// A backends dir: symlinks to every real module plus the broken variant.
fn broken_backends(dir: &Path) {
    for e in std::fs::read_dir(real_backends()).unwrap() {
        let e = e.unwrap();
        std::os::unix::fs::symlink(e.path(), dir.join(e.file_name())).unwrap();
    }
    build_broken(dir, "zzbroken", 1);
}

fn tutor(home: &Path, backends: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(TUTOR)
        .args(args)
        .env("TUTOR_HOME", home)
        .env("GGML_BACKENDS_DIR", backends)
        .env_remove(cpu_variant::VARIANT_ENV)
        .env("USER", "probe")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The `cpu variant:` line and the `rejected` lines of `tutor doctor`.
fn doctor(home: &Path, backends: &Path) -> (String, Vec<String>) {
    let o = tutor(home, backends, &["doctor"], "");
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    let chosen = t
        .lines()
        .find(|l| l.starts_with("cpu variant:"))
        .unwrap_or_else(|| panic!("no cpu variant line:\n{t}"))
        .to_string();
    let rejected = t
        .lines()
        .filter(|l| l.trim_start().starts_with("rejected"))
        .map(str::to_string)
        .collect();
    (chosen, rejected)
}

#[test]
fn a_crashing_variant_is_rejected_and_the_app_falls_back() {
    let backends = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    broken_backends(backends.path());

    let (chosen, rejected) = doctor(home.path(), backends.path());
    assert!(chosen.contains("probed now"), "{chosen}");
    assert!(!chosen.contains("zzbroken"), "{chosen}");
    assert!(!chosen.contains("none"), "no variant chosen: {chosen}");
    assert!(
        rejected
            .iter()
            .any(|l| l.contains("zzbroken") && l.contains("SIGILL")),
        "{rejected:?}"
    );

    // Only the best supported variants run their kernels: once one passes, the lower ones
    // (x64, the baseline every x86-64 CPU runs, included) are not needed.
    let t = text(&tutor(home.path(), backends.path(), &["doctor"], ""));
    if !chosen.contains("x64 ") {
        assert!(
            t.lines()
                .any(|l| l.contains(" x64 ") && l.contains("not run: a higher-scoring")),
            "{t}"
        );
    }

    // Paid once: the second start reads the verdict.
    let (again, _) = doctor(home.path(), backends.path());
    assert!(again.contains("cached"), "{again}");
    assert_eq!(
        chosen.split(" (").next(),
        again.split(" (").next(),
        "same variant from the cache"
    );

    // The approved directory holds exactly one CPU variant: the chosen one.
    let dir = tutor(
        home.path(),
        backends.path(),
        &["doctor", "--backends-dir"],
        "",
    );
    let dir = PathBuf::from(String::from_utf8_lossy(&dir.stdout).trim());
    let cpu: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("libggml-cpu"))
        .collect();
    let name = chosen
        .trim_start_matches("cpu variant:")
        .split_whitespace()
        .next()
        .unwrap();
    assert_eq!(cpu, [format!("libggml-cpu-{name}.so")]);

    // A changed variant file is probed again.
    std::fs::remove_file(backends.path().join("libggml-cpu-zzbroken.so")).unwrap();
    build_broken(backends.path(), "zzbroken", 2);
    let (third, rejected) = doctor(home.path(), backends.path());
    assert!(third.contains("probed now"), "{third}");
    assert!(rejected.iter().any(|l| l.contains("zzbroken")));

    // The real model runs from this directory: the bench and a short lesson.
    let model = common::model_path();
    let model = model.to_str().unwrap();
    let o = tutor(
        home.path(),
        backends.path(),
        &[
            "bench",
            "--json",
            "--reps",
            "1",
            "--model",
            model,
            "--threads",
            "2",
        ],
        "",
    );
    assert!(o.status.success(), "bench failed:\n{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        report["tg_tokens_per_s"].as_f64().unwrap() > 0.0,
        "{report}"
    );

    let o = tutor(
        home.path(),
        backends.path(),
        &[
            "learn",
            "fractions",
            "--plain",
            "--model",
            model,
            "--threads",
            "2",
        ],
        ":q\n",
    );
    let t = text(&o);
    assert!(o.status.success(), "lesson failed:\n{t}");
    assert!(t.contains("tutor: "), "the tutor never spoke:\n{t}");
    assert!(
        !t.contains("could not be loaded"),
        "the model did not load:\n{t}"
    );
}

#[test]
fn a_forced_variant_skips_the_probe() {
    let home = tempfile::tempdir().unwrap();
    let o = Command::new(TUTOR)
        .args(["doctor"])
        .env("TUTOR_HOME", home.path())
        .env_remove("GGML_BACKENDS_DIR")
        .env(cpu_variant::VARIANT_ENV, "x64")
        .output()
        .unwrap();
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("cpu variant: x64 (forced"), "{t}");
    let o = Command::new(TUTOR)
        .args(["doctor"])
        .env("TUTOR_HOME", home.path())
        .env_remove("GGML_BACKENDS_DIR")
        .env(cpu_variant::VARIANT_ENV, "pentium")
        .output()
        .unwrap();
    let t = text(&o);
    assert!(
        t.contains("pentium names no CPU variant") && t.contains("probed"),
        "{t}"
    );
}

/// llama.cpp's x86 variants and the `/proc/cpuinfo` flags each needs (ggml/src/CMakeLists.txt;
/// AVX512 means F, CD, VL, DQ and BW as in its score function).
const X86_VARIANTS: &[(&str, &[&str])] = &[
    ("x64", &[]),
    ("sse42", &["sse4_2"]),
    ("sandybridge", &["sse4_2", "avx"]),
    ("ivybridge", &["sse4_2", "avx", "f16c"]),
    ("piledriver", &["sse4_2", "avx", "f16c", "fma"]),
    ("haswell", &["sse4_2", "avx", "f16c", "fma", "avx2", "bmi2"]),
    (
        "skylakex",
        &[
            "avx2", "fma", "f16c", "bmi2", "avx512f", "avx512cd", "avx512vl", "avx512dq",
            "avx512bw",
        ],
    ),
    (
        "cannonlake",
        &[
            "avx512f",
            "avx512cd",
            "avx512vl",
            "avx512dq",
            "avx512bw",
            "avx512vbmi",
        ],
    ),
    (
        "cascadelake",
        &[
            "avx512f",
            "avx512cd",
            "avx512vl",
            "avx512dq",
            "avx512bw",
            "avx512_vnni",
        ],
    ),
    (
        "icelake",
        &[
            "avx512f",
            "avx512cd",
            "avx512vl",
            "avx512dq",
            "avx512bw",
            "avx512vbmi",
            "avx512_vnni",
        ],
    ),
    (
        "cooperlake",
        &[
            "avx512f",
            "avx512cd",
            "avx512vl",
            "avx512dq",
            "avx512bw",
            "avx512_vnni",
            "avx512_bf16",
        ],
    ),
    (
        "zen4",
        &[
            "avx512f",
            "avx512cd",
            "avx512vl",
            "avx512dq",
            "avx512bw",
            "avx512vbmi",
            "avx512_vnni",
            "avx512_bf16",
        ],
    ),
    ("alderlake", &["avx2", "fma", "f16c", "bmi2", "avx_vnni"]),
    (
        "sapphirerapids",
        &[
            "avx512f",
            "avx512cd",
            "avx512vl",
            "avx512dq",
            "avx512bw",
            "avx512vbmi",
            "avx512_vnni",
            "avx512_bf16",
            "amx_tile",
            "amx_int8",
        ],
    ),
];

#[test]
fn every_real_variant_passes_or_is_rejected_cleanly_here() {
    let exe = Path::new(TUTOR);
    let verdicts = cpu_variant::probe_dir(exe, &real_backends());
    assert!(!verdicts.is_empty());
    let flags: Vec<String> = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("flags"))
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    for v in &verdicts {
        eprintln!(
            "{:<16} score {:?} {} ({:.0} ms)",
            v.variant, v.score, v.outcome, v.ms
        );
        let Some((_, needs)) = X86_VARIANTS.iter().find(|(n, _)| *n == v.variant) else {
            continue;
        };
        let present = needs.iter().all(|f| flags.iter().any(|g| g == f));
        if present {
            // Runnable here: it passes, or is rejected with a reason (a crash stays in the child).
            assert_ne!(v.outcome, Outcome::Unsupported, "{v:?}");
        } else {
            assert_eq!(
                v.outcome,
                Outcome::Unsupported,
                "{v:?}: features missing here"
            );
        }
    }
    if cfg!(target_arch = "x86_64") {
        let passed: Vec<&str> = verdicts
            .iter()
            .filter(|v| v.outcome == Outcome::Passed)
            .map(|v| v.variant.as_str())
            .collect();
        assert!(
            passed.contains(&"x64"),
            "even the baseline failed: {verdicts:?}"
        );
    }
}
