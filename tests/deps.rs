//! `scripts/install-deps --check` on fake root trees (`TUTOR_DEPS_ROOT`): each prerequisite is
//! detected by the exact file the build uses, and nothing else. In particular the C++ library
//! `libclang-cpp.so.N` (installed by default on Debian 12) is not the `libclang` bindgen loads.

use std::path::{Path, PathBuf};
use std::process::Command;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install-deps")
}

/// A fake root with the files named in `files` (paths relative to the root); `usr/bin/*` files
/// are made executable.
fn tree(files: &[&str]) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    for f in files {
        let p = root.path().join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, b"").unwrap();
        if f.contains("/bin/") {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    root
}

/// The Debian packages `--check` reports missing for `root`.
fn missing(root: &Path) -> Vec<String> {
    let out = Command::new("bash")
        .arg(script())
        .arg("--check")
        .env("TUTOR_DEPS_ROOT", root)
        .env_remove("LIBCLANG_PATH")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "install-deps --check failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Everything but libclang, as on a fresh Debian 12 with the build tools installed.
const TOOLS: [&str; 7] = [
    "usr/bin/make",
    "usr/bin/pkill",
    "usr/bin/cmake",
    "usr/bin/c++",
    "usr/bin/tmux",
    "usr/bin/python3",
    "usr/lib/python3/dist-packages/pip/__init__.py",
];

fn with(extra: &[&'static str]) -> Vec<&'static str> {
    TOOLS.iter().copied().chain(extra.iter().copied()).collect()
}

#[test]
fn only_libclang_cpp_means_libclang_is_missing() {
    let root = tree(&with(&["usr/lib/llvm-14/lib/libclang-cpp.so.14"]));
    assert_eq!(missing(root.path()), ["libclang-dev"]);
    // Also when the C++ library sits in the multiarch dir.
    let root = tree(&with(&["usr/lib/x86_64-linux-gnu/libclang-cpp.so.14"]));
    assert_eq!(missing(root.path()), ["libclang-dev"]);
}

#[test]
fn a_versioned_libclang_is_enough() {
    let root = tree(&with(&[
        "usr/lib/llvm-14/lib/libclang-cpp.so.14",
        "usr/lib/llvm-14/lib/libclang-14.so.1",
    ]));
    assert_eq!(missing(root.path()), Vec::<String>::new());
}

#[test]
fn libclang_so_in_any_searched_dir_is_found() {
    for f in [
        "usr/lib/llvm-16/lib/libclang.so",
        "usr/lib/x86_64-linux-gnu/libclang.so.1",
        "usr/lib/aarch64-linux-gnu/libclang-15.so.15",
        "usr/local/lib/libclang.so",
        "usr/lib64/libclang.so.17",
    ] {
        let root = tree(&with(&[f]));
        assert_eq!(missing(root.path()), Vec::<String>::new(), "{f}");
    }
}

#[test]
fn missing_tools_are_each_reported_by_package() {
    let clang = "usr/lib/llvm-14/lib/libclang-14.so.1";
    let without = |gone: &str| -> Vec<&'static str> {
        with(&[clang])
            .into_iter()
            .filter(|f| !f.starts_with(gone))
            .collect()
    };
    let cases: [(&str, &[&str]); 7] = [
        ("usr/bin/make", &["make"]),
        ("usr/bin/pkill", &["procps"]),
        ("usr/bin/cmake", &["cmake"]),
        ("usr/bin/tmux", &["tmux"]),
        ("usr/bin/c++", &["g++"]),
        ("usr/lib/python3/dist-packages/pip", &["python3-pip"]),
        ("usr/bin/python3", &["python3", "python3-pip"]),
    ];
    for (gone, want) in cases {
        let mut files = without(gone);
        if gone == "usr/bin/python3" {
            // No python3 at all: pip's files are gone with it.
            files.retain(|f| !f.contains("python3"));
        }
        let root = tree(&files);
        assert_eq!(missing(root.path()), want, "without {gone}");
    }
    // g++ instead of c++ is a C++ compiler too.
    let mut files = without("usr/bin/c++");
    files.push("usr/bin/g++");
    let root = tree(&files);
    assert_eq!(missing(root.path()), Vec::<String>::new());
}

#[test]
fn an_empty_machine_lacks_everything() {
    let root = tree(&[]);
    assert_eq!(
        missing(root.path()),
        [
            "make",
            "procps",
            "cmake",
            "g++",
            "tmux",
            "python3",
            "python3-pip",
            "libclang-dev"
        ]
    );
}

/// `--gpu vulkan --check` for `root`, with newer headers fetched into `fetched` (maybe empty).
fn missing_for_vulkan(root: &Path, fetched: &Path) -> Vec<String> {
    let out = Command::new("bash")
        .arg(script())
        .args(["--gpu", "vulkan", "--check"])
        .env("TUTOR_DEPS_ROOT", root)
        .env("TUTOR_VULKAN_HEADERS", fetched)
        .env_remove("LIBCLANG_PATH")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Writes a `vulkan_core.h` under `dir/vulkan/`, with or without VK_EXT_layer_settings.
fn vulkan_core(dir: &Path, layer_settings: bool) {
    std::fs::create_dir_all(dir.join("vulkan")).unwrap();
    let mut text = String::from("#define VK_HEADER_VERSION 239\n");
    if layer_settings {
        text.push_str("#define VK_EXT_layer_settings 1\n");
    }
    std::fs::write(dir.join("vulkan/vulkan_core.h"), text).unwrap();
}

#[test]
fn vulkan_headers_without_layer_settings_are_reported_and_fetched_ones_count() {
    let vk = [
        "usr/lib/llvm-14/lib/libclang-14.so.1",
        "usr/bin/glslc",
        "usr/include/vulkan/vulkan.hpp",
        "usr/share/cmake/SPIRV-Headers/SPIRV-HeadersConfig.cmake",
    ];
    let root = tree(&with(&vk));
    let fetched = tempfile::tempdir().unwrap();
    // Debian 12's headers (1.3.239): llama.cpp's Vulkan backend does not compile with them.
    vulkan_core(&root.path().join("usr/include"), false);
    assert_eq!(
        missing_for_vulkan(root.path(), fetched.path()),
        ["vulkan-headers"]
    );
    // Newer headers fetched into target/: enough.
    vulkan_core(fetched.path(), true);
    assert_eq!(
        missing_for_vulkan(root.path(), fetched.path()),
        Vec::<String>::new()
    );
    // Newer system headers: enough without fetching.
    let fetched = tempfile::tempdir().unwrap();
    vulkan_core(&root.path().join("usr/include"), true);
    assert_eq!(
        missing_for_vulkan(root.path(), fetched.path()),
        Vec::<String>::new()
    );
    // No Vulkan headers at all: the Debian package, not the fetch.
    let root = tree(&with(&[vk[0], vk[1], vk[3]]));
    assert_eq!(
        missing_for_vulkan(root.path(), fetched.path()),
        ["libvulkan-dev"]
    );
}
