//! A [`ChatBackend`] that passes every request to another one and records it: the cache slot,
//! the messages, the reply text as streamed and the engine's [`GenStats`]. `tutor bench` uses it
//! to measure a real lesson turn by turn (prefill, reuse, time to first token) without changing
//! the lesson; tests use it to check how a lesson uses the cache.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc::unbounded_channel;

use super::{
    CacheSlot, ChatBackend, ChatMessage, GenEvent, GenParams, GenRequest, GenStats, Generation,
};

/// One recorded request.
#[derive(Debug, Clone)]
pub struct Call {
    pub slot: CacheSlot,
    pub messages: Vec<ChatMessage>,
    pub params: GenParams,
    /// The reply as streamed to the caller (everything the engine sent, before any truncation
    /// by the caller).
    pub text: String,
    /// The engine's measurements; `None` until the reply ended, or when it failed.
    pub stats: Option<GenStats>,
}

/// Wraps a backend and records its calls, in order.
pub struct Recording<B> {
    inner: B,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl<B: ChatBackend> Recording<B> {
    /// Records the calls made through `inner`.
    pub fn new(inner: B) -> Self {
        Self {
            inner,
            calls: Arc::default(),
        }
    }

    /// The calls so far.
    pub fn calls(&self) -> Vec<Call> {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many calls were made so far.
    pub fn len(&self) -> usize {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no call was made yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<B: ChatBackend> ChatBackend for Recording<B> {
    fn generate(&self, request: GenRequest) -> Generation {
        let index = {
            let mut calls = self.calls.lock().unwrap_or_else(PoisonError::into_inner);
            calls.push(Call {
                slot: request.slot,
                messages: request.messages.clone(),
                params: request.params.clone(),
                text: String::new(),
                stats: None,
            });
            calls.len() - 1
        };
        let Generation { mut events, cancel } = self.inner.generate(request);
        let (tx, rx) = unbounded_channel();
        let calls = Arc::clone(&self.calls);
        // Forward the events, noting each before the caller can see it (so the record is complete
        // when the caller receives `Done`). Keeps draining if the caller stops listening.
        std::thread::spawn(move || {
            while let Some(ev) = events.blocking_recv() {
                {
                    let mut calls = calls.lock().unwrap_or_else(PoisonError::into_inner);
                    match &ev {
                        GenEvent::Token(t) => calls[index].text.push_str(t),
                        GenEvent::Done(s) => calls[index].stats = Some(s.clone()),
                        GenEvent::Error(_) => {}
                    }
                }
                let _ = tx.send(ev);
            }
        });
        Generation { events: rx, cancel }
    }
}
