//! Where the model runs, and why: one line for `tutor doctor` from what llama.cpp loaded.
//!
//! GPU backends are loadable modules (`libggml-vulkan.so`, `libggml-cuda.so`) beside the CPU
//! variants. A module that is missing, cannot be opened (no Vulkan loader), or finds no GPU (no
//! driver, or only a software renderer, which llama.cpp ignores) leaves the model on the CPU;
//! nothing fails.

use std::path::{Path, PathBuf};

use super::SystemReport;

/// Registered backend names (lower case) that drive a GPU, and the module file each comes from.
const GPU_BACKENDS: &[(&str, &str)] = &[
    ("vulkan", "vulkan"),
    ("cuda", "cuda"),
    ("metal", "metal"),
    ("mtl", "metal"),
    ("rocm", "hip"),
    ("hip", "hip"),
    ("sycl", "sycl"),
    ("opencl", "opencl"),
    ("musa", "musa"),
];

/// The directory the backend modules are loaded from: `GGML_BACKENDS_DIR`, else `backends/`
/// beside the executable, else the build's own directory (the engine thread's order).
pub fn backends_dir() -> Option<PathBuf> {
    let beside_exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("backends")))
        .filter(|d| d.is_dir());
    std::env::var_os("GGML_BACKENDS_DIR")
        .map(PathBuf::from)
        .or(beside_exe)
        .or_else(|| llama_cpp_sys_2::BACKENDS_DIR.map(PathBuf::from))
}

/// GPU module files (`libggml-<name>*.so`, `.dll`, `.dylib`) in `dir`, by module name.
fn gpu_modules(dir: &Path) -> Vec<&'static str> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let mut found: Vec<&'static str> = GPU_BACKENDS
        .iter()
        .map(|&(_, module)| module)
        .filter(|m| {
            names.iter().any(|n| {
                n.strip_prefix("libggml-")
                    .or_else(|| n.strip_prefix("ggml-"))
                    .is_some_and(|rest| rest.starts_with(m))
            })
        })
        .collect();
    found.dedup();
    found
}

/// One line: the GPU the model's layers go to, or why there is none.
pub fn describe(report: &SystemReport, modules_dir: Option<&Path>) -> String {
    if report.gpu_available {
        let gpu = report
            .devices
            .iter()
            .find(|d| d.contains("Gpu"))
            .map_or("a GPU", String::as_str);
        return format!(
            "{gpu}: all model layers go to it (--gpu-layers N to offload fewer, 0 for none)"
        );
    }
    let loaded: Vec<&str> = report
        .backends
        .iter()
        .filter_map(|b| {
            let b = b.to_lowercase();
            GPU_BACKENDS
                .iter()
                .find(|(name, _)| b == *name)
                .map(|&(_, module)| module)
        })
        .collect();
    if let Some(m) = loaded.first() {
        return format!(
            "none: the {m} backend is loaded but found no GPU (no {m} driver for a GPU here, or \
             only a software renderer); running on the CPU"
        );
    }
    let installed = modules_dir.map(gpu_modules).unwrap_or_default();
    if let Some(m) = installed.first() {
        let why = if *m == "vulkan" {
            "the Vulkan loader (libvulkan1) or a Vulkan driver is missing"
        } else {
            "its runtime libraries or driver are missing"
        };
        return format!(
            "none: the {m} module is installed but could not start ({why}); running on the CPU"
        );
    }
    "none: this build has no GPU module (CPU only); `make run GPU=vulkan` builds one".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(backends: &[&str], devices: &[&str], gpu: bool) -> SystemReport {
        SystemReport {
            backends: backends.iter().map(|s| s.to_string()).collect(),
            devices: devices.iter().map(|s| s.to_string()).collect(),
            system_info: String::new(),
            gpu_available: gpu,
        }
    }

    #[test]
    fn says_why_there_is_no_gpu() {
        let dir = tempfile::tempdir().unwrap();
        let cpu_only = report(
            &["CPU"],
            &["CPU (x86, Cpu, 0 MiB total, 0 MiB free)"],
            false,
        );
        assert!(describe(&cpu_only, Some(dir.path())).contains("no GPU module"));
        std::fs::write(dir.path().join("libggml-vulkan.so"), b"").unwrap();
        let unloadable = describe(&cpu_only, Some(dir.path()));
        assert!(unloadable.contains("vulkan module is installed but could not start"));
        assert!(unloadable.contains("libvulkan1"));
        let no_device = report(&["Vulkan", "CPU"], &[], false);
        assert!(describe(&no_device, Some(dir.path())).contains("loaded but found no GPU"));
        let gpu = report(
            &["Vulkan", "CPU"],
            &["Vulkan0 (Intel(R) UHD Graphics, IntegratedGpu, 7800 MiB total, 7000 MiB free)"],
            true,
        );
        let line = describe(&gpu, Some(dir.path()));
        assert!(
            line.starts_with("Vulkan0 (Intel(R) UHD") && line.contains("all model layers"),
            "{line}"
        );
    }
}
