//! A model on the school's server: the OpenAI-compatible chat API (`POST /v1/chat/completions`
//! with `stream: true`) that llama.cpp's `llama-server`, vLLM and Ollama serve.
//!
//! [`RemoteBackend`] implements [`ChatBackend`], so lessons, the judge and the classifiers run on
//! it unchanged. Each reply streams on a thread of its own over a blocking `ureq` connection;
//! cancelling (or dropping the [`Generation`]) closes the connection, which makes llama-server
//! stop generating. [`fallback::FallbackBackend`] wraps it with the laptop's own model for when
//! the server fails.
//!
//! What maps how:
//! - sampling: `temperature`, `top_p`, `min_p`, `repeat_penalty`, `repeat_last_n`, `seed`,
//!   `max_tokens`, `stop` (the last four OpenAI fields, the others llama-server/vLLM extensions;
//!   servers ignore what they do not know).
//! - GBNF grammars go in llama-server's `grammar` field. Other servers ignore it, so a judging
//!   call there is unconstrained: its reply is parsed as usual and one that does not parse gives
//!   no judgement (the lesson then grades by rule or asks the student to rate), never a guess.
//!   `tutor doctor` says which kind of server it found.
//! - [`CacheSlot`] is not sent: pinning `id_slot` would make lessons wait for each other on a
//!   busy server. `cache_prompt: true` lets llama-server pick the slot whose cache shares the
//!   longest prefix, which keeps a lesson's later turns fast.
//!
//! Modules: [`sse`] (event-stream framing), [`fallback`] (remote first, then the local model).

pub mod fallback;
pub mod sse;

use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::{
    CancelToken, ChatBackend, EngineError, GenEvent, GenRequest, GenStats, Generation, StopReason,
};

/// The environment variable that holds the server's API key, when it needs one.
pub const API_KEY_ENV: &str = "TUTOR_SERVER_KEY";

/// How to reach the server.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteConfig {
    /// The server's base URL (`http://host:port`; a trailing `/v1` is accepted).
    pub url: String,
    /// Sent as `Authorization: Bearer KEY`.
    pub api_key: Option<String>,
    /// Longest wait for a TCP connection.
    pub connect_timeout: Duration,
    /// Longest silence while waiting for the reply to start or for its next piece.
    pub read_timeout: Duration,
}

impl RemoteConfig {
    /// A config for `url` with the key from [`API_KEY_ENV`] and default timeouts (5 s to
    /// connect, 60 s of silence: a busy server queues requests before it answers them).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            api_key: std::env::var(API_KEY_ENV)
                .ok()
                .filter(|k| !k.trim().is_empty()),
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(60),
        }
    }
}

/// Server failures, in words for the student (and the teacher reading the log).
#[derive(Debug, Clone, thiserror::Error)]
pub enum RemoteError {
    #[error(
        "the server address {0:?} is not usable: give it as http://HOST:PORT (for example http://10.0.0.5:8080)"
    )]
    BadUrl(String),
    #[error(
        "cannot reach the school's model server at {url} ({reason}). Is it switched on and on this network?"
    )]
    Unreachable { url: String, reason: String },
    #[error("the school's model server at {url} did not answer in time ({what})")]
    Timeout { url: String, what: String },
    #[error("the school's model server at {url} refused the request (HTTP {status}: {message})")]
    Status {
        url: String,
        status: u16,
        message: String,
    },
    #[error("the school's model server at {url} sent a reply tutor cannot read ({detail})")]
    Malformed { url: String, detail: String },
    #[error(
        "the connection to the school's model server at {url} broke off in the middle of a reply ({reason})"
    )]
    Dropped { url: String, reason: String },
}

impl From<RemoteError> for EngineError {
    fn from(e: RemoteError) -> Self {
        EngineError::Server(e.to_string())
    }
}

/// What kind of server answered, for `doctor` and for what grammars can do there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// llama.cpp's server: GBNF grammars are enforced.
    LlamaServer,
    /// Another OpenAI-compatible server (vLLM, Ollama, ...): grammars are not enforced.
    OpenAiCompatible,
}

/// What the server told us about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerInfo {
    /// The base URL, normalised.
    pub url: String,
    /// The model's name (the first of `/v1/models`).
    pub model: String,
    pub kind: ServerKind,
}

impl ServerInfo {
    /// One line for `doctor` and the status bar.
    pub fn describe(&self) -> String {
        let grammar = match self.kind {
            ServerKind::LlamaServer => "llama-server, grammars enforced",
            ServerKind::OpenAiCompatible => {
                "OpenAI-compatible, grammars NOT enforced: unparsable judgements are dropped"
            }
        };
        format!("{} at {} ({grammar})", self.model, self.url)
    }
}

/// Normalises a base URL: `http(s)://host[:port]`, without a trailing `/` or `/v1`.
pub fn normalise_url(url: &str) -> Result<String, RemoteError> {
    let u = url.trim().trim_end_matches('/');
    let u = u.strip_suffix("/v1").unwrap_or(u);
    let rest = u
        .strip_prefix("http://")
        .ok_or_else(|| RemoteError::BadUrl(url.into()));
    match rest {
        Ok(host) if !host.is_empty() && !host.contains(char::is_whitespace) => Ok(u.to_string()),
        _ if u.starts_with("https://") => Err(RemoteError::BadUrl(format!(
            "{url} (https is not built into this tutor: a school server on the local network is reached over http)"
        ))),
        _ => Err(RemoteError::BadUrl(url.into())),
    }
}

/// A chat model on an OpenAI-compatible server.
#[derive(Clone)]
pub struct RemoteBackend {
    inner: Arc<Inner>,
}

struct Inner {
    cfg: RemoteConfig,
    info: ServerInfo,
    agent: ureq::Agent,
    generated: AtomicU64,
}

impl std::fmt::Debug for RemoteBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteBackend")
            .field("info", &self.inner.info)
            .finish()
    }
}

fn agent(cfg: &RemoteConfig) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(cfg.connect_timeout))
        .timeout_per_read(Some(cfg.read_timeout))
        .timeout_recv_response(Some(cfg.read_timeout))
        .build();
    ureq::Agent::new_with_config(config)
}

fn classify(url: &str, e: ureq::Error, during_body: bool) -> RemoteError {
    let url = url.to_string();
    match e {
        ureq::Error::Timeout(t) => RemoteError::Timeout {
            url,
            what: format!("{t:?}"),
        },
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => RemoteError::Timeout {
            url,
            what: io.to_string(),
        },
        ureq::Error::Io(io) if during_body => RemoteError::Dropped {
            url,
            reason: io.to_string(),
        },
        ureq::Error::Protocol(p) if during_body => RemoteError::Dropped {
            url,
            reason: p.to_string(),
        },
        ureq::Error::Protocol(p) => RemoteError::Malformed {
            url,
            detail: p.to_string(),
        },
        other => RemoteError::Unreachable {
            url,
            reason: other.to_string(),
        },
    }
}

/// The message inside an error body (`{"error": {"message": ...}}` or `{"error": "..."}`), or
/// the start of the body.
fn error_message(body: &str) -> String {
    let v: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let msg = v.as_ref().and_then(|v| {
        let e = v.get("error")?;
        e.get("message")
            .and_then(|m| m.as_str())
            .or_else(|| e.as_str())
            .map(str::to_string)
    });
    msg.unwrap_or_else(|| {
        body.chars()
            .take(300)
            .collect::<String>()
            .trim()
            .to_string()
    })
}

impl RemoteBackend {
    /// Asks the server for its model (`GET /v1/models`) and kind (`GET /props`, llama-server
    /// only). Fails when the server cannot be reached or is not OpenAI-compatible.
    pub fn connect(cfg: RemoteConfig) -> Result<Self, RemoteError> {
        let url = normalise_url(&cfg.url)?;
        let cfg = RemoteConfig {
            url: url.clone(),
            ..cfg
        };
        let agent = agent(&cfg);
        // Start-up questions get a short wait, so a silent server never holds the app for long.
        let probe = self::agent(&RemoteConfig {
            read_timeout: cfg.read_timeout.min(Duration::from_secs(10)),
            ..cfg.clone()
        });
        let get = |path: &str| -> Result<(u16, String), RemoteError> {
            let mut req = probe.get(format!("{url}{path}"));
            if let Some(k) = &cfg.api_key {
                req = req.header("Authorization", format!("Bearer {k}"));
            }
            let mut resp = req.call().map_err(|e| classify(&url, e, false))?;
            let status = resp.status().as_u16();
            let body = resp
                .body_mut()
                .with_config()
                .limit(1 << 20)
                .read_to_string()
                .map_err(|e| classify(&url, e, true))?;
            Ok((status, body))
        };
        let (status, body) = get("/v1/models")?;
        if status != 200 {
            return Err(RemoteError::Status {
                url: url.clone(),
                status,
                message: error_message(&body),
            });
        }
        #[derive(Deserialize)]
        struct Models {
            data: Vec<ModelEntry>,
        }
        #[derive(Deserialize)]
        struct ModelEntry {
            id: String,
        }
        let models: Models = serde_json::from_str(&body).map_err(|e| RemoteError::Malformed {
            url: url.clone(),
            detail: format!("/v1/models: {e}"),
        })?;
        let model = models
            .data
            .into_iter()
            .next()
            .map(|m| m.id)
            .ok_or_else(|| RemoteError::Malformed {
                url: url.clone(),
                detail: "/v1/models lists no model".into(),
            })?;
        let kind = match get("/props") {
            Ok((200, body)) if body.contains("default_generation_settings") => {
                ServerKind::LlamaServer
            }
            _ => ServerKind::OpenAiCompatible,
        };
        if kind == ServerKind::OpenAiCompatible {
            tracing::warn!(%url, "the server is not llama-server: GBNF grammars are not enforced");
        }
        tracing::info!(%url, %model, ?kind, "connected to the model server");
        Ok(Self {
            inner: Arc::new(Inner {
                info: ServerInfo { url, model, kind },
                agent,
                cfg,
                generated: AtomicU64::new(0),
            }),
        })
    }

    /// What the server is.
    pub fn info(&self) -> &ServerInfo {
        &self.inner.info
    }

    /// Tokens generated by this backend so far (all replies, all threads).
    pub fn generated_tokens(&self) -> u64 {
        self.inner.generated.load(Ordering::Relaxed)
    }
}

impl ChatBackend for RemoteBackend {
    fn generate(&self, request: GenRequest) -> Generation {
        let (events, rx) = unbounded_channel();
        let cancel = CancelToken::default();
        let inner = self.inner.clone();
        let c = cancel.clone();
        let spawned = std::thread::Builder::new()
            .name("remote-reply".into())
            .spawn(move || {
                let ev = match inner.stream(&request, &c, &events) {
                    Ok(stats) => {
                        inner
                            .generated
                            .fetch_add(stats.generated_tokens as u64, Ordering::Relaxed);
                        GenEvent::Done(stats)
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "server reply failed");
                        GenEvent::Error(e.into())
                    }
                };
                let _ = events.send(ev);
            });
        if spawned.is_err() {
            let (events, rx) = unbounded_channel();
            let _ = events.send(GenEvent::Error(EngineError::Stopped));
            return Generation { events: rx, cancel };
        }
        Generation { events: rx, cancel }
    }
}

#[derive(Debug, Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    usage: Option<Usage>,
    timings: Option<Timings>,
    error: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    delta: Option<Delta>,
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Delta {
    content: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Usage {
    prompt_tokens: Option<usize>,
    completion_tokens: Option<usize>,
}

/// llama-server's own measurements, on the last chunk.
#[derive(Debug, Deserialize)]
struct Timings {
    cache_n: Option<usize>,
    prompt_n: Option<usize>,
    prompt_ms: Option<f64>,
    predicted_n: Option<usize>,
    predicted_ms: Option<f64>,
}

/// The request body for one reply.
fn request_body(model: &str, req: &GenRequest) -> serde_json::Value {
    let p = &req.params;
    let messages: Vec<serde_json::Value> = req
        .messages
        .iter()
        .map(|m| serde_json::json!({"role": m.role.as_str(), "content": m.content}))
        .collect();
    let mut body = serde_json::json!({
        "model": model,
        "messages": messages,
        "stream": true,
        "stream_options": {"include_usage": true},
        "temperature": p.temperature,
        "top_p": p.top_p,
        "min_p": p.min_p,
        "repeat_penalty": p.repeat_penalty,
        "repeat_last_n": p.repeat_last_n,
        "seed": p.seed,
        "max_tokens": p.max_tokens,
        "cache_prompt": true,
    });
    if !p.stop.is_empty() {
        body["stop"] = serde_json::json!(p.stop);
    }
    if let Some(g) = &p.grammar {
        body["grammar"] = serde_json::json!(g);
    }
    body
}

impl Inner {
    /// Sends one request and relays its stream. `Ok` when the server finished (or the reply was
    /// cancelled), `Err` on any failure.
    fn stream(
        &self,
        req: &GenRequest,
        cancel: &CancelToken,
        events: &UnboundedSender<GenEvent>,
    ) -> Result<GenStats, RemoteError> {
        let url = &self.info.url;
        let started = Instant::now();
        let body = request_body(&self.info.model, req).to_string();
        let mut post = self
            .agent
            .post(format!("{url}/v1/chat/completions"))
            .header("Content-Type", "application/json")
            .header("Accept", "text/event-stream");
        if let Some(k) = &self.cfg.api_key {
            post = post.header("Authorization", format!("Bearer {k}"));
        }
        let mut resp = post.send(body).map_err(|e| classify(url, e, false))?;
        let status = resp.status().as_u16();
        if status != 200 {
            let text = resp
                .body_mut()
                .with_config()
                .limit(1 << 16)
                .read_to_string()
                .unwrap_or_default();
            return Err(RemoteError::Status {
                url: url.clone(),
                status,
                message: error_message(&text),
            });
        }
        let reader = resp.into_body().into_reader();
        relay(url, reader, started, cancel, events)
    }
}

/// Reads an event stream and sends its text as tokens. Returns when the server sends `[DONE]`
/// or a finish reason and closes, on cancel, or with the failure.
fn relay(
    url: &str,
    reader: impl Read,
    started: Instant,
    cancel: &CancelToken,
    events: &UnboundedSender<GenEvent>,
) -> Result<GenStats, RemoteError> {
    let malformed = |detail: String| RemoteError::Malformed {
        url: url.into(),
        detail,
    };
    let mut reader = BufReader::new(reader);
    let mut parser = sse::Parser::default();
    let mut stats = GenStats::default();
    let mut pieces = 0usize;
    let mut finished = false;
    let mut line = String::new();
    loop {
        if cancel.is_cancelled() || events.is_closed() {
            // Dropping the reader closes the connection; llama-server then stops the reply.
            stats.stop = Some(StopReason::Cancelled);
            break;
        }
        line.clear();
        let n = match reader.read_line(&mut line) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(malformed("the stream is not UTF-8".into()));
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                return Err(RemoteError::Timeout {
                    url: url.into(),
                    what: format!("no part of the reply for a while: {e}"),
                });
            }
            Err(e) => {
                return Err(RemoteError::Dropped {
                    url: url.into(),
                    reason: e.to_string(),
                });
            }
        };
        let event = if n == 0 {
            parser.finish()
        } else {
            parser.line(line.trim_end_matches('\n'))
        };
        if let Some(ev) = event {
            let data = ev.data.trim();
            if data == "[DONE]" {
                finished = true;
                break;
            }
            let chunk: Chunk = serde_json::from_str(data)
                .map_err(|e| malformed(format!("{e} in {:?}", trunc(data))))?;
            if let Some(err) = chunk.error.as_ref() {
                let message = err
                    .get("message")
                    .and_then(|m| m.as_str())
                    .map_or_else(|| err.to_string(), str::to_string);
                return Err(RemoteError::Status {
                    url: url.into(),
                    status: err.get("code").and_then(|c| c.as_u64()).unwrap_or(500) as u16,
                    message,
                });
            }
            for choice in &chunk.choices {
                if let Some(text) = choice.delta.as_ref().and_then(|d| d.content.as_deref())
                    && !text.is_empty()
                {
                    if pieces == 0 {
                        stats.ttft_ms = started.elapsed().as_secs_f64() * 1000.0;
                    }
                    pieces += 1;
                    if events.send(GenEvent::Token(text.to_string())).is_err() {
                        stats.stop = Some(StopReason::Cancelled);
                        break;
                    }
                }
                match choice.finish_reason.as_deref() {
                    Some("length") => stats.stop = Some(StopReason::MaxTokens),
                    Some(_) => stats.stop = stats.stop.or(Some(StopReason::EndOfGeneration)),
                    None => {}
                }
            }
            if let Some(u) = chunk.usage {
                stats.prompt_tokens = u.prompt_tokens.unwrap_or(stats.prompt_tokens);
                stats.generated_tokens = u.completion_tokens.unwrap_or(stats.generated_tokens);
            }
            if let Some(t) = chunk.timings {
                stats.reused_tokens = t.cache_n.unwrap_or(0);
                stats.prefill_tokens = t.prompt_n.unwrap_or(0);
                stats.prefill_ms = t.prompt_ms.unwrap_or(0.0);
                stats.generation_ms = t.predicted_ms.unwrap_or(0.0);
                if let Some(n) = t.predicted_n {
                    stats.generated_tokens = n;
                }
            }
        }
        if n == 0 {
            break;
        }
    }
    if stats.stop == Some(StopReason::Cancelled) {
        stats.generated_tokens = stats.generated_tokens.max(pieces);
        return Ok(stats);
    }
    if !finished && stats.stop.is_none() {
        return Err(RemoteError::Dropped {
            url: url.into(),
            reason: "the stream ended before the reply was complete".into(),
        });
    }
    if stats.generated_tokens == 0 {
        stats.generated_tokens = pieces;
    }
    if stats.generation_ms == 0.0 {
        stats.generation_ms = started.elapsed().as_secs_f64() * 1000.0 - stats.ttft_ms;
    }
    Ok(stats)
}

fn trunc(s: &str) -> String {
    s.chars().take(120).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(stream: &str) -> (Result<GenStats, RemoteError>, String) {
        let (tx, mut rx) = unbounded_channel();
        let r = relay(
            "http://x",
            stream.as_bytes(),
            Instant::now(),
            &CancelToken::default(),
            &tx,
        );
        drop(tx);
        let mut text = String::new();
        while let Ok(ev) = rx.try_recv() {
            if let GenEvent::Token(t) = ev {
                text.push_str(&t);
            }
        }
        (r, text)
    }

    #[test]
    fn relays_a_llama_server_stream() {
        let s = "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n\
                 data: {\"choices\":[{\"delta\":{\"content\":\"lo\"},\"finish_reason\":null}]}\n\n\
                 data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2},\
                 \"timings\":{\"cache_n\":4,\"prompt_n\":5,\"prompt_ms\":1.5,\"predicted_n\":2,\"predicted_ms\":3.0}}\n\n\
                 data: [DONE]\n\n";
        let (r, text) = run(s);
        let stats = r.unwrap();
        assert_eq!(text, "Hello");
        assert_eq!(stats.stop, Some(StopReason::MaxTokens));
        assert_eq!(
            (
                stats.prompt_tokens,
                stats.reused_tokens,
                stats.prefill_tokens,
                stats.generated_tokens
            ),
            (9, 4, 5, 2)
        );
    }

    #[test]
    fn a_stream_cut_short_is_a_dropped_connection() {
        let s =
            "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n";
        let (r, text) = run(s);
        assert_eq!(text, "Hel");
        assert!(matches!(r, Err(RemoteError::Dropped { .. })), "{r:?}");
    }

    #[test]
    fn garbage_is_malformed_and_server_errors_keep_their_message() {
        let (r, _) = run("data: {not json\n\n");
        let e = r.unwrap_err();
        assert!(matches!(e, RemoteError::Malformed { .. }), "{e:?}");
        let (r, _) = run("data: {\"error\":{\"code\":503,\"message\":\"Loading model\"}}\n\n");
        let e = r.unwrap_err().to_string();
        assert!(e.contains("503") && e.contains("Loading model"), "{e}");
    }

    #[test]
    fn urls_are_normalised_and_bad_ones_explained() {
        assert_eq!(
            normalise_url("http://10.0.0.5:8080/v1/").unwrap(),
            "http://10.0.0.5:8080"
        );
        let e = normalise_url("10.0.0.5:8080").unwrap_err().to_string();
        assert!(e.contains("http://HOST:PORT"), "{e}");
        assert!(
            normalise_url("https://x")
                .unwrap_err()
                .to_string()
                .contains("https")
        );
    }

    #[test]
    fn error_bodies_give_their_message() {
        assert_eq!(
            error_message("{\"error\":{\"code\":401,\"message\":\"Invalid API Key\"}}"),
            "Invalid API Key"
        );
        assert_eq!(
            error_message("{\"error\":\"model not found\"}"),
            "model not found"
        );
        assert_eq!(error_message("Bad Gateway"), "Bad Gateway");
    }

    #[test]
    fn the_request_carries_sampling_grammar_and_stops() {
        let mut req = GenRequest::new(
            vec![super::super::ChatMessage::user("hi")],
            super::super::GenParams::greedy(8),
        );
        req.params.grammar = Some("root ::= \"yes\"".into());
        req.params.stop = vec!["\n".into()];
        let b = request_body("m", &req);
        assert_eq!(b["messages"][0]["role"], "user");
        assert_eq!(b["max_tokens"], 8);
        assert_eq!(b["grammar"], "root ::= \"yes\"");
        assert_eq!(b["stop"][0], "\n");
        assert_eq!(b["stream"], true);
    }
}
