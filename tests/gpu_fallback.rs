//! The opt-in GPU build (`--features vulkan`, `make test-gpu-build`) on a machine without a
//! usable GPU: the Vulkan module is built next to the CPU variants, the app loads the model on the
//! CPU and answers, and `tutor doctor` says why there is no GPU.
//!
//! "No GPU" is made certain whatever the machine has: the Vulkan loader is pointed at a driver
//! list that does not exist (a laptop without a Vulkan driver), or told to show no device.

mod common;

use std::process::Command;

use tutor::engine::{
    self, ChatBackend, ChatMessage, EngineHandle, GenParams, GenRequest, ModelSpec,
};

/// Environment that leaves the Vulkan loader without any driver.
const NO_DRIVER: [(&str, &str); 2] = [
    ("VK_DRIVER_FILES", "/nonexistent/tutor-no-driver.json"),
    ("VK_ICD_FILENAMES", "/nonexistent/tutor-no-driver.json"),
];

fn doctor(env: &[(&str, &str)]) -> String {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tutor"))
        .arg("doctor")
        .env("TUTOR_HOME", home.path())
        .envs(env.iter().copied())
        .output()
        .expect("running tutor doctor");
    assert!(out.status.success(), "doctor failed: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn gpu_line(doctor: &str) -> &str {
    doctor
        .lines()
        .find(|l| l.starts_with("gpu:"))
        .unwrap_or_else(|| panic!("no gpu line in:\n{doctor}"))
}

#[test]
fn without_a_gpu_the_vulkan_build_runs_on_the_cpu_and_doctor_says_why() {
    // The module was built beside the CPU variants.
    let dir = engine::gpu::backends_dir().expect("a backend module directory");
    let modules: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        modules.iter().any(|m| m.starts_with("libggml-vulkan")),
        "no Vulkan module in {}: {modules:?}",
        dir.display()
    );
    assert!(modules.iter().any(|m| m.starts_with("libggml-cpu")));

    // No driver at all: the module cannot start; doctor says so and exits normally.
    let out = doctor(&NO_DRIVER);
    let line = gpu_line(&out);
    assert!(
        line.contains("vulkan module is installed but could not start")
            && line.contains("running on the CPU"),
        "{out}"
    );
    // A driver but no device to use: still the CPU, with a reason.
    let out = doctor(&[("GGML_VK_VISIBLE_DEVICES", "")]);
    let line = gpu_line(&out);
    assert!(
        line.starts_with("gpu:       none:") && line.contains("running on the CPU"),
        "{out}"
    );

    // In this process too (before llama.cpp starts): the model loads with no layers offloaded
    // (the default is all layers only when a GPU exists) and answers.
    for (k, v) in NO_DRIVER {
        // SAFETY: set before any other thread of this test binary reads the environment.
        unsafe { std::env::set_var(k, v) };
    }
    let report = engine::system_report();
    assert!(!report.gpu_available, "{report:?}");
    let e = EngineHandle::spawn();
    let mut spec = ModelSpec::new(common::model_path());
    spec.n_ctx = 512;
    spec.threads = 2;
    let info = e.load_blocking(spec).expect("the model loads on the CPU");
    assert_eq!(info.gpu_layers, 0);
    let (text, stats) = e
        .generate(GenRequest::new(
            vec![ChatMessage::user("Say hello.")],
            GenParams::greedy(8),
        ))
        .wait()
        .expect("a reply on the CPU");
    assert!(
        stats.generated_tokens > 0 && !text.trim().is_empty(),
        "{text:?}"
    );
    e.shutdown();
}
