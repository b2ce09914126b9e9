//! Lets the binaries find llama.cpp's shared libraries (built by `llama-cpp-sys-2` with its
//! `dynamic-backends` feature) without LD_LIBRARY_PATH: an rpath to the build's lib dir, and
//! `$ORIGIN` for an installed copy that keeps the libraries beside the executable.
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_LLAMA_BACKENDS_DIR");
    #[cfg(target_os = "linux")]
    {
        println!("cargo:rustc-link-arg=-Wl,-rpath,$ORIGIN");
        if let Some(backends) = std::env::var_os("DEP_LLAMA_BACKENDS_DIR") {
            let out = std::path::Path::new(&backends)
                .parent()
                .map(|p| p.to_path_buf());
            for lib in ["lib", "lib64"] {
                if let Some(dir) = out.as_ref().map(|o| o.join(lib)) {
                    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
                }
            }
        }
    }
}
