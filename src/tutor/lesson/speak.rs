//! Speaking a move: the authored text at voice level 0; at higher levels a model reply on the
//! lesson's cache slot, streamed through the [`ReplyContract`] (only its safe prefix is shown),
//! regenerated as a few candidates when it fails (the best passing one wins), and otherwise
//! replaced by the authored text.

use std::time::Instant;

use super::super::contract::{ReplyContract, VoiceLevel};
use super::LessonEvent;
use crate::engine::{
    CacheSlot, CancelToken, ChatBackend, ChatMessage, GenEvent, GenParams, GenRequest, GenStats,
};

/// Model candidates tried per move (the first streamed, the rest silent).
pub const CANDIDATES: u32 = 3;

/// One model reply made for a move, for measurement and the cache tests.
#[derive(Debug, Clone)]
pub struct ReplyTrace {
    /// The prompt of the move's first candidate.
    pub messages: Vec<ChatMessage>,
    /// What was written into the conversation after it.
    pub committed: String,
    /// The engine's stats of the first candidate.
    pub stats: Option<GenStats>,
    /// Candidates generated (1 = the first passed).
    pub candidates: u32,
    /// Whether the authored text replaced the model's.
    pub fell_back: bool,
}

/// How one streamed candidate ended.
enum Streamed {
    /// Passed the contract: the text (all of it shown).
    Passed(String, Option<GenStats>),
    /// Failed: how much was shown, and its stats.
    Failed {
        shown: bool,
        stats: Option<GenStats>,
    },
    /// The student stopped it: the shown part.
    Stopped(String, Option<GenStats>),
}

/// What a spoken move needs.
pub struct Speech<'a> {
    pub backend: &'a dyn ChatBackend,
    pub params: &'a GenParams,
    pub interrupt: &'a CancelToken,
    pub contract: &'a ReplyContract,
    pub voice: VoiceLevel,
}

/// The result of speaking one move.
pub struct Spoken {
    /// The full text the student saw.
    pub text: String,
    /// The model's part of it (None: authored only, or the model failed).
    pub model_text: Option<String>,
    pub trace: Option<ReplyTrace>,
    pub latency_ms: Option<f64>,
}

fn one_sentence(s: &str) -> &str {
    match s.find(['.', '!', '?']) {
        Some(i) => &s[..=i],
        None => s,
    }
}

impl Speech<'_> {
    /// Generates and streams one candidate. `lead` marks text already shown before it.
    fn stream(
        &self,
        messages: Vec<ChatMessage>,
        params: GenParams,
        sink: &mut super::Sink<'_>,
    ) -> Streamed {
        let mut generation = self
            .backend
            .generate(GenRequest::new(messages, params).on(CacheSlot::Lesson));
        let mut text = String::new();
        let mut shown = 0usize;
        let mut stats = None;
        let drain = |g: &mut crate::engine::Generation, stats: &mut Option<GenStats>| {
            while let Some(ev) = g.events.blocking_recv() {
                if let GenEvent::Done(s) = ev {
                    *stats = Some(s);
                }
            }
        };
        while let Some(ev) = generation.events.blocking_recv() {
            if self.interrupt.is_cancelled() {
                generation.cancel.cancel();
                drain(&mut generation, &mut stats);
                text.truncate(shown);
                return Streamed::Stopped(text, stats);
            }
            match ev {
                GenEvent::Token(t) => {
                    text.push_str(&t);
                    let limit = if self.voice == VoiceLevel::Acknowledge {
                        one_sentence(&text).len()
                    } else {
                        text.find('?').map_or(text.len(), |q| q + 1)
                    };
                    if limit < text.len() {
                        // One question (or, for an acknowledgement, one sentence) per reply.
                        text.truncate(limit);
                        generation.cancel.cancel();
                        drain(&mut generation, &mut stats);
                        break;
                    }
                    let safe = self.contract.safe_prefix_len(&text);
                    if safe > shown {
                        sink(LessonEvent::Token(text[shown..safe].to_string()));
                        shown = safe;
                    }
                }
                GenEvent::Done(s) => {
                    stats = Some(s);
                    break;
                }
                GenEvent::Error(e) => {
                    tracing::warn!(error = %e, "tutor reply failed");
                    break;
                }
            }
        }
        let end = text.trim_end().len().max(shown);
        text.truncate(end);
        if text.trim().is_empty() || self.contract.check(&text).is_err() {
            if let Err(v) = self.contract.check(&text) {
                tracing::warn!(violations = ?v, "tutor reply broke the contract");
            }
            return Streamed::Failed {
                shown: shown > 0,
                stats,
            };
        }
        if end > shown {
            sink(LessonEvent::Token(text[shown..end].to_string()));
        }
        Streamed::Passed(text.trim_start().to_string(), stats)
    }

    /// A silent candidate: its text if it passes the contract.
    fn silent(&self, messages: Vec<ChatMessage>, params: GenParams) -> Option<String> {
        let (text, _) = self
            .backend
            .generate(GenRequest::new(messages, params).on(CacheSlot::Lesson))
            .wait()
            .ok()?;
        let text = if self.voice == VoiceLevel::Acknowledge {
            one_sentence(&text).to_string()
        } else {
            text.find('?')
                .map_or(text.as_str(), |q| &text[..=q])
                .to_string()
        };
        let text = text.trim().to_string();
        (!text.is_empty() && self.contract.check(&text).is_ok()).then_some(text)
    }

    /// Speaks: the model's words for `messages` (checked), or None when every candidate failed
    /// or the student stopped it (then `stopped` is the part shown).
    pub fn model_reply(
        &self,
        messages: Vec<ChatMessage>,
        sink: &mut super::Sink<'_>,
    ) -> (Option<String>, ReplyTrace, f64, Option<String>) {
        let started = Instant::now();
        let mut params = self.params.clone();
        if self.voice == VoiceLevel::Acknowledge {
            params.max_tokens = params.max_tokens.min(32);
        }
        let mut trace = ReplyTrace {
            messages: messages.clone(),
            committed: String::new(),
            stats: None,
            candidates: 1,
            fell_back: false,
        };
        let first = self.stream(messages.clone(), params.clone(), sink);
        let latency = started.elapsed().as_secs_f64() * 1000.0;
        match first {
            Streamed::Passed(t, s) => {
                trace.stats = s;
                (Some(t), trace, latency, None)
            }
            Streamed::Stopped(t, s) => {
                trace.stats = s;
                (None, trace, latency, Some(t))
            }
            Streamed::Failed { shown, stats } => {
                trace.stats = stats;
                if shown {
                    sink(LessonEvent::Retract);
                }
                // Further candidates, silent; the shortest passing one wins.
                let mut best: Option<String> = None;
                for k in 1..CANDIDATES {
                    trace.candidates += 1;
                    let mut p = params.clone();
                    p.seed = p.seed.wrapping_add(k);
                    if let Some(t) = self.silent(messages.clone(), p)
                        && best.as_ref().is_none_or(|b| t.len() < b.len())
                    {
                        best = Some(t);
                    }
                    if best.is_some() || self.interrupt.is_cancelled() {
                        break;
                    }
                }
                if let Some(b) = &best {
                    sink(LessonEvent::Token(b.clone()));
                }
                (best, trace, latency, None)
            }
        }
    }
}
