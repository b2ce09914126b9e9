//! Chat prompts from the model's own Jinja chat template.
//!
//! Models ship their prompt format as a Jinja template in the GGUF metadata
//! (`tokenizer.chat_template`). llama.cpp's built-in matcher guesses the family from the template
//! text and is silently wrong for many models, so the template itself is rendered here with
//! `minijinja`, configured like Hugging Face's `apply_chat_template` (trim/lstrip blocks, loop
//! controls, Python string methods, `raise_exception`, `strftime_now`, `bos_token`, `eos_token`).
//! Templates that refuse a `system` role (Gemma) get the system text folded into the first user
//! turn, which is what those models' authors recommend.

use minijinja::{Environment, Error, ErrorKind, context};
use serde::{Deserialize, Serialize};

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

impl Role {
    /// The role name chat templates expect.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::User => "user",
            Self::Assistant => "assistant",
        }
    }
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

impl ChatMessage {
    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            role: Role::System,
            content: content.into(),
        }
    }
    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }
    /// An assistant message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// A template could not be rendered.
#[derive(Debug, thiserror::Error)]
#[error("chat template error: {0}")]
pub struct TemplateError(String);

/// A compiled Jinja chat template plus the special tokens it may reference.
pub struct JinjaTemplate {
    env: Environment<'static>,
    bos: String,
    eos: String,
}

impl std::fmt::Debug for JinjaTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JinjaTemplate")
            .field("bos", &self.bos)
            .field("eos", &self.eos)
            .finish()
    }
}

impl JinjaTemplate {
    /// Compiles `source`; `bos`/`eos` are the model's special token texts.
    pub fn new(source: &str, bos: &str, eos: &str) -> Result<Self, TemplateError> {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function("raise_exception", |msg: String| -> Result<String, Error> {
            Err(Error::new(ErrorKind::InvalidOperation, msg))
        });
        env.add_function("strftime_now", |fmt: String| -> String {
            chrono::Local::now().format(&fmt).to_string()
        });
        env.add_template_owned("chat", source.to_owned())
            .map_err(|e| TemplateError(e.to_string()))?;
        Ok(Self {
            env,
            bos: bos.into(),
            eos: eos.into(),
        })
    }

    /// Renders `messages`, ending with the assistant header when `add_generation_prompt`.
    ///
    /// If the template rejects the system role, the system text is merged into the first user
    /// message and rendering is tried once more.
    pub fn render(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
    ) -> Result<String, TemplateError> {
        match self.render_raw(messages, add_generation_prompt) {
            Ok(s) => Ok(s),
            Err(first) if messages.iter().any(|m| m.role == Role::System) => {
                tracing::info!(error = %first, "template rejected the system role; folding it into the first user turn");
                let merged = fold_system_into_user(messages);
                self.render_raw(&merged, add_generation_prompt)
            }
            Err(e) => Err(e),
        }
    }

    fn render_raw(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
    ) -> Result<String, TemplateError> {
        let tmpl = self
            .env
            .get_template("chat")
            .map_err(|e| TemplateError(e.to_string()))?;
        tmpl.render(context! {
            messages => messages,
            add_generation_prompt => add_generation_prompt,
            bos_token => self.bos,
            eos_token => self.eos,
        })
        .map_err(|e| TemplateError(format!("{e:#}")))
    }
}

/// Moves all system text to the front of the first user message.
pub fn fold_system_into_user(messages: &[ChatMessage]) -> Vec<ChatMessage> {
    let system: Vec<&str> = messages
        .iter()
        .filter(|m| m.role == Role::System)
        .map(|m| m.content.as_str())
        .collect();
    let mut out: Vec<ChatMessage> = messages
        .iter()
        .filter(|m| m.role != Role::System)
        .cloned()
        .collect();
    let prefix = system.join("\n\n");
    match out.iter_mut().find(|m| m.role == Role::User) {
        Some(first) => first.content = format!("{prefix}\n\n{}", first.content),
        None => out.insert(0, ChatMessage::user(prefix)),
    }
    out
}

/// The last-resort format: ChatML, understood by many instruct models.
pub fn render_chatml(messages: &[ChatMessage], add_generation_prompt: bool) -> String {
    let mut s = String::new();
    for m in messages {
        s.push_str("<|im_start|>");
        s.push_str(m.role.as_str());
        s.push('\n');
        s.push_str(&m.content);
        s.push_str("<|im_end|>\n");
    }
    if add_generation_prompt {
        s.push_str("<|im_start|>assistant\n");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raise_exception_surfaces_as_error() {
        let t = JinjaTemplate::new("{{ raise_exception('nope') }}", "", "").unwrap();
        let err = t.render(&[ChatMessage::user("hi")], true).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }

    #[test]
    fn python_string_methods_work() {
        let t = JinjaTemplate::new("{{ messages[0].content.strip().upper() }}", "", "").unwrap();
        assert_eq!(
            t.render(&[ChatMessage::user("  hi ")], false).unwrap(),
            "HI"
        );
    }

    #[test]
    fn chatml_fallback_shape() {
        let s = render_chatml(&[ChatMessage::system("S"), ChatMessage::user("U")], true);
        assert_eq!(
            s,
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n"
        );
    }
}
