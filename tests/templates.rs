//! Golden tests of chat prompts rendered from real chat templates: SmolLM2's own (read from the
//! GGUF) and the Llama-3, Gemma, Qwen2 (ChatML) and Phi-3 families (fixture template strings).
//! `UPDATE_GOLDEN=1 cargo test --test templates` rewrites the golden files (review the diff!).

mod common;

use std::path::PathBuf;

use tutor::engine::gguf::read_header;
use tutor::engine::template::{ChatMessage, JinjaTemplate};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/templates")
}

fn conversation() -> Vec<ChatMessage> {
    vec![
        ChatMessage::system("You are a patient tutor. Ask one question at a time."),
        ChatMessage::user("What is 1/2 + 1/4?"),
        ChatMessage::assistant("What could you rewrite 1/2 as, so both have quarters?"),
        ChatMessage::user("  2/4? Then ¿3/4? 日本語も  "),
    ]
}

fn golden(name: &str, rendered: &str) {
    let path = dir().join(format!("{name}.golden"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, rendered).unwrap();
    }
    let want =
        std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("missing {}", path.display()));
    assert_eq!(
        rendered,
        want,
        "{name}: rendered prompt differs from {}",
        path.display()
    );
}

fn render(source: &str, bos: &str, eos: &str) -> String {
    JinjaTemplate::new(source, bos, eos)
        .unwrap()
        .render(&conversation(), true)
        .unwrap()
}

#[test]
fn smollm2_template_from_the_gguf() {
    let h = read_header(&common::model_path()).unwrap();
    let src = h.chat_template().expect("SmolLM2 ships a chat template");
    golden("smollm2", &render(src, "<|im_start|>", "<|im_end|>"));
}

#[test]
fn llama3_family() {
    let src = std::fs::read_to_string(dir().join("llama3.jinja")).unwrap();
    golden("llama3", &render(&src, "<|begin_of_text|>", "<|eot_id|>"));
}

#[test]
fn gemma_family_folds_the_system_prompt_into_the_first_user_turn() {
    let src = std::fs::read_to_string(dir().join("gemma.jinja")).unwrap();
    let out = render(&src, "<bos>", "<eos>");
    assert!(
        out.starts_with("<bos><start_of_turn>user\nYou are a patient tutor."),
        "{out}"
    );
    golden("gemma", &out);
}

#[test]
fn qwen2_chatml_family() {
    let src = std::fs::read_to_string(dir().join("qwen2.jinja")).unwrap();
    golden("qwen2", &render(&src, "", "<|im_end|>"));
}

#[test]
fn phi3_family() {
    let src = std::fs::read_to_string(dir().join("phi3.jinja")).unwrap();
    golden("phi3", &render(&src, "<s>", "<|endoftext|>"));
}
