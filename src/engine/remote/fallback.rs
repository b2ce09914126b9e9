//! The school's server first; when it fails, the laptop's own model for the rest of the session.
//!
//! A failure before the first piece of a reply is invisible to the student: the same request
//! runs again on the local model at once. A failure in the middle of a reply ends that reply
//! with the error (the lesson keeps what was already shown and checked) and the next reply is
//! local. Either way one plain notice is queued for the front end ([`FallbackBackend::take_notices`])
//! and logged. Without a local model every reply still goes to the server, and a failed one
//! ends with the error; the lesson then uses the teacher's own words.
//!
//! The local model loads lazily, on the first failure, so a laptop that talks to a healthy
//! server never spends memory on it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::unbounded_channel;

use super::RemoteBackend;
use crate::engine::{
    CancelToken, ChatBackend, EngineError, EngineHandle, GenEvent, GenRequest, Generation,
    ModelSpec,
};

/// Remote with a local fallback.
#[derive(Clone)]
pub struct FallbackBackend {
    inner: Arc<Inner>,
}

struct Inner {
    remote: RemoteBackend,
    local_spec: Option<ModelSpec>,
    local: Mutex<Option<EngineHandle>>,
    on_local: AtomicBool,
    notices: Mutex<Vec<String>>,
}

impl std::fmt::Debug for FallbackBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FallbackBackend")
            .field("remote", &self.inner.remote)
            .field("on_local", &self.on_local())
            .finish()
    }
}

impl FallbackBackend {
    /// `local`: the laptop's model, loaded only if the server fails.
    pub fn new(remote: RemoteBackend, local: Option<ModelSpec>) -> Self {
        Self {
            inner: Arc::new(Inner {
                remote,
                local_spec: local,
                local: Mutex::new(None),
                on_local: AtomicBool::new(false),
                notices: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The server side.
    pub fn remote(&self) -> &RemoteBackend {
        &self.inner.remote
    }

    /// Whether replies now come from the local model.
    pub fn on_local(&self) -> bool {
        self.inner.on_local.load(Ordering::Relaxed)
    }

    /// The notices queued since the last call (for the student's screen).
    pub fn take_notices(&self) -> Vec<String> {
        self.inner
            .notices
            .lock()
            .map(|mut n| std::mem::take(&mut *n))
            .unwrap_or_default()
    }

    /// Goes back to the server for the next reply (at the start of a new lesson); a server that
    /// fails again falls back again, with a new notice.
    pub fn retry_server(&self) {
        self.inner.on_local.store(false, Ordering::Relaxed);
    }

    /// Stops the local engine thread, if it was started.
    pub fn shutdown(&self) {
        if let Some(e) = self.inner.local.lock().ok().and_then(|mut l| l.take()) {
            e.shutdown();
        }
    }
}

impl Inner {
    /// Switches to the local model (loading it); `None` when there is none or it fails to load.
    fn switch(&self, why: &EngineError) -> Option<EngineHandle> {
        let spec = self.local_spec.clone()?;
        let mut guard = self.local.lock().ok()?;
        if guard.is_none() {
            let engine = EngineHandle::spawn();
            match engine.load_blocking(spec) {
                Ok(info) => tracing::info!(model = %info.name, "local model loaded as fallback"),
                Err(e) => {
                    tracing::warn!(error = %e, "the local fallback model did not load");
                    engine.shutdown();
                    self.notice(format!(
                        "{why}. This laptop's own model could not be loaded either ({e}); the lesson goes on with the teacher's own words."
                    ));
                    return None;
                }
            }
            *guard = Some(engine);
        }
        if !self.on_local.swap(true, Ordering::Relaxed) {
            self.notice(format!(
                "{why}. The rest of this lesson uses this laptop's own model; nothing you did is lost."
            ));
        }
        guard.clone()
    }

    fn notice(&self, text: String) {
        tracing::warn!(notice = %text, "model server fallback");
        if let Ok(mut n) = self.notices.lock() {
            n.push(text);
        }
    }

    fn local(&self) -> Option<EngineHandle> {
        self.local.lock().ok()?.clone()
    }
}

/// Relays `from` into `to` until it ends; `Err(error)` when it ended with an error before
/// (`Ok(false)`) or after (`Ok(true)`) a token was relayed.
fn relay(
    mut from: Generation,
    to: &tokio::sync::mpsc::UnboundedSender<GenEvent>,
    outer: &CancelToken,
) -> Result<(), (EngineError, bool)> {
    let mut sent = false;
    while let Some(ev) = from.events.blocking_recv() {
        if outer.is_cancelled() {
            from.cancel.cancel();
        }
        match ev {
            GenEvent::Error(e) => return Err((e, sent)),
            GenEvent::Token(t) => {
                sent = true;
                if to.send(GenEvent::Token(t)).is_err() {
                    from.cancel.cancel();
                    return Ok(());
                }
            }
            done @ GenEvent::Done(_) => {
                let _ = to.send(done);
                return Ok(());
            }
        }
    }
    Err((EngineError::Stopped, sent))
}

impl ChatBackend for FallbackBackend {
    fn generate(&self, request: GenRequest) -> Generation {
        if self.on_local()
            && let Some(local) = self.inner.local()
        {
            return local.generate(request);
        }
        let (tx, rx) = unbounded_channel();
        let cancel = CancelToken::default();
        let outer = cancel.clone();
        let inner = self.inner.clone();
        let remote_gen = inner.remote.generate(request.clone());
        let spawned = std::thread::Builder::new()
            .name("fallback-relay".into())
            .spawn(move || {
                let Err((e, shown)) = relay(remote_gen, &tx, &outer) else {
                    return;
                };
                let local = inner.switch(&e);
                match local {
                    Some(local) if !shown && !outer.is_cancelled() => {
                        if let Err((e, _)) = relay(local.generate(request), &tx, &outer) {
                            let _ = tx.send(GenEvent::Error(e));
                        }
                    }
                    _ => {
                        let _ = tx.send(GenEvent::Error(e));
                    }
                }
            });
        if spawned.is_err() {
            let (tx, rx) = unbounded_channel();
            let _ = tx.send(GenEvent::Error(EngineError::Stopped));
            return Generation { events: rx, cancel };
        }
        Generation { events: rx, cancel }
    }
}
