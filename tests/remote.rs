//! The remote engine against a real llama.cpp `llama-server` (built once by
//! `scripts/build-llama-server`, which `make test` runs first), started here on 127.0.0.1 with
//! the default model on a free port. No mocks: a lesson end to end through
//! `tutor --server URL learn --plain`, a reply cancelled mid-stream, the server killed mid-reply
//! (the laptop's model takes over, nothing is lost), and eight lessons at once on four slots.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tutor::curriculum::library::Library;
use tutor::engine::remote::fallback::FallbackBackend;
use tutor::engine::remote::{RemoteBackend, RemoteConfig, ServerKind};
use tutor::engine::{
    ChatBackend, ChatMessage, GenEvent, GenParams, GenRequest, Generation, ModelSpec, StopReason,
};
use tutor::tutor::lesson::{Lesson, LessonEvent};

/// The llama-server binary: TUTOR_LLAMA_SERVER, else target/llama-server/llama-server.
fn server_binary() -> PathBuf {
    let p = std::env::var_os("TUTOR_LLAMA_SERVER").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/llama-server/llama-server"),
        PathBuf::from,
    );
    assert!(
        p.is_file(),
        "{} is missing: run scripts/build-llama-server (make test runs it) to build llama.cpp's server once",
        p.display()
    );
    p
}

/// One test at a time: each starts its own server, and the load test measures throughput.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A llama-server child process, killed on drop.
struct Server {
    child: Option<Child>,
    url: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts llama-server with `parallel` slots of `ctx_per_slot` tokens each.
    fn start(parallel: u32, ctx_per_slot: u32) -> Self {
        Self::start_with(parallel, ctx_per_slot, &[])
    }

    fn start_with(parallel: u32, ctx_per_slot: u32, extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("llama-server.log");
        let port = free_port();
        let child = Command::new(server_binary())
            .arg("-m")
            .arg(common::model_path())
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--parallel", &parallel.to_string()])
            .args(["-c", &(parallel * ctx_per_slot).to_string()])
            .args(["-t", "2", "--metrics"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("starting llama-server");
        let url = format!("http://127.0.0.1:{port}");
        let s = Self {
            child: Some(child),
            url,
            log,
            _dir: dir,
        };
        s.wait_healthy();
        s
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        let agent = ureq::Agent::new_with_defaults();
        while Instant::now() < deadline {
            if let Ok(r) = agent.get(format!("{}/health", self.url)).call()
                && r.status() == 200
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "llama-server did not become healthy:\n{}",
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    /// A Prometheus gauge or counter from `/metrics`.
    fn metric(&self, name: &str) -> f64 {
        let mut r = ureq::get(format!("{}/metrics", self.url)).call().unwrap();
        let text = r.body_mut().read_to_string().unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no metric {name} in:\n{text}"))
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn remote(url: &str) -> RemoteBackend {
    RemoteBackend::connect(RemoteConfig::new(url)).expect("connecting to llama-server")
}

fn story(max_tokens: u32) -> GenRequest {
    let mut params = GenParams::greedy(max_tokens);
    params.repeat_penalty = 1.1;
    GenRequest::new(
        vec![ChatMessage::user(
            "Tell me a very long story about a dragon who learns to count, with many details.",
        )],
        params,
    )
}

/// Reads a generation to its end: (tokens, final event).
fn drain(mut g: Generation, cancel_after: Option<usize>) -> (usize, GenEvent) {
    let mut n = 0;
    while let Some(ev) = g.events.blocking_recv() {
        match ev {
            GenEvent::Token(_) => {
                n += 1;
                if Some(n) == cancel_after {
                    g.cancel.cancel();
                }
            }
            end => return (n, end),
        }
    }
    panic!("the reply ended without Done or Error");
}

#[test]
fn connects_names_the_model_and_streams_a_reply() {
    let _serial = serial();
    let server = Server::start(1, 2048);
    let r = remote(&server.url);
    assert_eq!(r.info().kind, ServerKind::LlamaServer);
    assert!(
        r.info().model.contains("SmolLM2"),
        "model name {:?}",
        r.info().model
    );
    let (tokens, end) = drain(r.generate(story(24)), None);
    let GenEvent::Done(stats) = end else {
        panic!("{end:?}")
    };
    assert_eq!(stats.stop, Some(StopReason::MaxTokens));
    assert_eq!(stats.generated_tokens, 24);
    assert!(tokens > 0 && stats.prompt_tokens > 10, "{stats:?}");
    // A grammar is enforced by llama-server.
    let mut req = story(8);
    req.params.grammar = Some("root ::= \"yes\" | \"no\"".into());
    let (text, _) = r.generate(req).wait().unwrap();
    assert!(text == "yes" || text == "no", "{text:?}");
    // `doctor` shows the server and its model.
    let out = Command::new(env!("CARGO_BIN_EXE_tutor"))
        .args(["--server", &server.url, "doctor"])
        .env("TUTOR_HOME", server._dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("server:") && text.contains("SmolLM2") && text.contains(&server.url),
        "{text}"
    );
}

#[test]
fn cancelling_or_dropping_a_reply_stops_the_server() {
    let _serial = serial();
    let server = Server::start(1, 2048);
    let r = remote(&server.url);
    let (tokens, end) = drain(r.generate(story(400)), Some(5));
    let GenEvent::Done(stats) = end else {
        panic!("{end:?}")
    };
    assert_eq!(stats.stop, Some(StopReason::Cancelled));
    assert!(tokens < 60, "{tokens} tokens after cancel at 5");
    // The server notices the closed connection and frees the slot.
    let idle = |s: &Server| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if s.metric("llamacpp:requests_processing") == 0.0 {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    };
    assert!(idle(&server), "llama-server still generating after cancel");
    let predicted = server.metric("llamacpp:tokens_predicted_total");
    assert!(
        predicted < 200.0,
        "{predicted} tokens generated for a cancelled reply"
    );
    // Dropping the generation is a cancel too.
    let mut g = r.generate(story(400));
    for _ in 0..3 {
        assert!(matches!(g.events.blocking_recv(), Some(GenEvent::Token(_))));
    }
    drop(g);
    assert!(
        idle(&server),
        "llama-server still generating after the stream was dropped"
    );
}

#[test]
fn failures_say_what_happened() {
    let _serial = serial();
    // Nothing listening: a clear "cannot reach" at connect time.
    let port = free_port();
    let e = RemoteBackend::connect(RemoteConfig::new(format!("http://127.0.0.1:{port}")))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("cannot reach") && e.contains(&port.to_string()),
        "{e}"
    );
    // A server with an API key: without it, its own 401 message; with it, fine.
    let server = Server::start_with(1, 2048, &["--api-key", "sesame"]);
    let mut cfg = RemoteConfig::new(&server.url);
    cfg.api_key = None;
    let e = RemoteBackend::connect(cfg.clone()).unwrap_err().to_string();
    assert!(
        e.contains("HTTP 401") && e.to_lowercase().contains("api key"),
        "{e}"
    );
    cfg.api_key = Some("sesame".into());
    let r = RemoteBackend::connect(cfg).unwrap();
    // A 4xx keeps the server's own message.
    let mut req = story(8);
    req.params.grammar = Some("root ::= this is not a grammar (".into());
    let e = r.generate(req).wait().unwrap_err().to_string();
    assert!(
        e.contains("refused the request") && e.contains("HTTP 4"),
        "{e}"
    );
    drop(server);
    // The server went away: the next reply says so.
    let e = r.generate(story(8)).wait().unwrap_err().to_string();
    assert!(e.contains("cannot reach"), "{e}");
}

/// A TCP server on 127.0.0.1 that answers every connection with `reply` (None: never answers).
fn raw_server(reply: Option<&'static str>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { break };
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            match reply {
                Some(r) => {
                    let _ = conn.write_all(r.as_bytes());
                }
                None => held.push(conn),
            }
        }
    });
    url
}

#[test]
fn a_silent_or_garbled_server_fails_plainly() {
    let _serial = serial();
    // Slow: accepts, never answers; the read timeout ends the wait.
    let mut cfg = RemoteConfig::new(raw_server(None));
    cfg.read_timeout = Duration::from_secs(1);
    let t = Instant::now();
    let e = RemoteBackend::connect(cfg).unwrap_err().to_string();
    assert!(e.contains("did not answer in time"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(10));
    // Not an OpenAI-compatible server at all.
    let html = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 15\r\nConnection: close\r\n\r\n<html>hi</html>";
    let e = RemoteBackend::connect(RemoteConfig::new(raw_server(Some(html))))
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot read") && e.contains("/v1/models"), "{e}");
}

#[test]
fn server_killed_mid_reply_falls_back_to_the_local_model() {
    let _serial = serial();
    let mut server = Server::start(1, 2048);
    let fb = FallbackBackend::new(remote(&server.url), Some(local_spec()));
    let mut g = fb.generate(story(400));
    for _ in 0..3 {
        assert!(matches!(g.events.blocking_recv(), Some(GenEvent::Token(_))));
    }
    server.kill();
    let mut end = None;
    while let Some(ev) = g.events.blocking_recv() {
        if !matches!(ev, GenEvent::Token(_)) {
            end = Some(ev);
            break;
        }
    }
    let Some(GenEvent::Error(e)) = end else {
        panic!("expected an error after the server died, got {end:?}")
    };
    assert!(e.to_string().contains("school's model server"), "{e}");
    let notices = fb.take_notices();
    assert!(
        notices.len() == 1 && notices[0].contains("this laptop's own model"),
        "{notices:?}"
    );
    assert!(fb.on_local());
    // The next reply comes from the laptop's model.
    let (text, stats) = fb.generate(story(12)).wait().unwrap();
    assert!(!text.is_empty() && stats.generated_tokens > 0);
    fb.shutdown();
}

fn local_spec() -> ModelSpec {
    let mut spec = ModelSpec::new(common::model_path());
    spec.threads = 2;
    spec.n_ctx = 2048;
    spec
}

fn tutor_cmd(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tutor"));
    // These tests are about the transport: let the model word every move (voice level 3), so
    // each lesson really streams replies from the server (the default level, the teacher's
    // words only, would never ask it).
    c.env("TUTOR_HOME", home)
        .env("USER", "sam")
        .env("TUTOR_VOICE", "free");
    c
}

/// The student's lines: the warm-up reply already answers the first guiding question, the next
/// two answer theirs, then the three checks are answered right (then the lesson is over, and
/// any line left is not read).
const SCRIPT: &[&str] = &[
    "heads or tails",
    "5 and 6",
    "make a list",
    "6",
    "3",
    "heads, tails",
    "?",
    "?",
    "?",
];

fn db_counts(home: &Path) -> (i64, i64) {
    let conn = rusqlite::Connection::open(home.join("tutor.sqlite3")).unwrap();
    let students: i64 = conn
        .query_row(
            "SELECT count(*) FROM transcript WHERE role = 'student'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let reviews: i64 = conn
        .query_row("SELECT count(*) FROM review_log", [], |r| r.get(0))
        .unwrap();
    (students, reviews)
}

/// Runs `tutor [pre..] learn probability outcomes --plain` with the script on stdin; `watch`
/// sees stdout as it grows. Returns (stdout, stderr).
fn learn(home: &Path, pre: &[&str], mut watch: impl FnMut(&str)) -> (String, String) {
    let mut child = tutor_cmd(home)
        .args(pre)
        .args(["learn", "probability", "outcomes", "--plain"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut script = SCRIPT.join("\n");
    script.push('\n');
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let mut out = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        let n = stdout.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
        watch(&String::from_utf8_lossy(&out));
    }
    let status = child.wait().unwrap();
    let out = String::from_utf8_lossy(&out).into_owned();
    let err = err_thread.join().unwrap();
    assert!(status.success(), "{out}\n{err}");
    (out, err)
}

#[test]
fn a_lesson_runs_end_to_end_through_the_server() {
    let _serial = serial();
    let server = Server::start(1, 4096);
    let home = tempfile::tempdir().unwrap();
    // No local model at all: every word of the tutor comes from the server.
    let missing = home.path().join("no-model.gguf");
    let (out, err) = learn(
        home.path(),
        &[
            "--server",
            &server.url,
            "--model",
            missing.to_str().unwrap(),
        ],
        |_| {},
    );
    assert!(err.contains("using the school's model server"), "{err}");
    assert!(out.contains("[check] How many possible outcomes"), "{out}");
    assert!(out.contains("Lesson summary"), "{out}");
    let saved = out.matches("✓ saved").count();
    assert_eq!(saved, 3, "{out}");
    assert!(
        server.metric("llamacpp:tokens_predicted_total") > 0.0,
        "the server generated nothing"
    );
    let (students, reviews) = db_counts(home.path());
    assert_eq!(reviews, 3);
    // Every line the lesson read (one per "> " prompt) is in the transcript.
    assert_eq!(students as usize, out.matches("> ").count(), "{out}");
}

#[test]
fn killing_the_server_mid_lesson_loses_nothing() {
    let _serial = serial();
    let mut server = Server::start(1, 4096);
    let url = server.url.clone();
    let home = tempfile::tempdir().unwrap();
    let model = common::model_path();
    let mut killed_at = None;
    let (out, err) = learn(
        home.path(),
        &["--server", &url, "--model", model.to_str().unwrap()],
        |so_far| {
            // Kill -9 as soon as the second tutor reply has started to stream.
            if killed_at.is_none()
                && let Some((_, tail)) = so_far
                    .match_indices("tutor: ")
                    .nth(1)
                    .map(|(i, _)| so_far.split_at(i + 7))
                && !tail.trim().is_empty()
            {
                server.kill();
                killed_at = Some(so_far.len());
            }
        },
    );
    assert!(
        killed_at.is_some(),
        "the server was never killed:\n{out}\n{err}"
    );
    assert!(
        out.contains("(note: ") && out.contains("this laptop's own model"),
        "no plain notice of the fallback:\n{out}"
    );
    assert!(out.contains("Lesson summary"), "{out}");
    let saved = out.matches("✓ saved").count();
    assert_eq!(saved, 3, "{out}");
    let (students, reviews) = db_counts(home.path());
    assert_eq!(reviews, 3, "every graded answer is in the review log");
    assert_eq!(
        students as usize,
        out.matches("> ").count(),
        "every line the lesson read is in the transcript\n{out}"
    );
}

/// Counts replies that ended well and badly, relaying everything.
struct Counting {
    inner: RemoteBackend,
    done: Arc<AtomicUsize>,
    failed: Arc<AtomicUsize>,
}

impl ChatBackend for Counting {
    fn generate(&self, request: GenRequest) -> Generation {
        let mut g = self.inner.generate(request);
        let cancel = g.cancel.clone();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let (done, failed) = (self.done.clone(), self.failed.clone());
        std::thread::spawn(move || {
            while let Some(ev) = g.events.blocking_recv() {
                match &ev {
                    GenEvent::Done(_) => done.fetch_add(1, Ordering::Relaxed),
                    GenEvent::Error(_) => failed.fetch_add(1, Ordering::Relaxed),
                    GenEvent::Token(_) => 0,
                };
                if tx.send(ev).is_err() {
                    g.cancel.cancel();
                }
            }
        });
        Generation { events: rx, cancel }
    }
}

/// The load test's student: the warm-up reply says every guiding question's idea (so the
/// lesson goes straight to its three checks), as many replies as the load test had before the
/// lesson took up guided answers.
const LOAD_SCRIPT: &[&str] = &[
    "heads or tails, 5 and 6, and i would list them in order",
    "6",
    "3",
    "heads, tails",
];

/// One scripted lesson; returns the number of checks graded.
fn scripted_lesson(lib: &Library, backend: &dyn ChatBackend) -> usize {
    let course = lib.get("probability").unwrap().course.clone();
    let mut lesson = Lesson::new(course, "outcomes").unwrap();
    // The model words every move, so the load test measures real generation.
    lesson.voice = tutor::tutor::contract::VoiceLevel::Free;
    let mut graded = 0;
    let mut sink = |ev: LessonEvent| {
        if matches!(ev, LessonEvent::Graded { .. }) {
            graded += 1;
        }
    };
    lesson.begin(backend, &mut sink);
    for line in LOAD_SCRIPT {
        if lesson.done() {
            break;
        }
        lesson.student(line, backend, &mut sink);
    }
    assert!(lesson.done(), "the scripted lesson did not finish");
    graded
}

#[test]
fn eight_lessons_at_once_on_four_slots_all_complete() {
    let _serial = serial();
    let server = Server::start(4, 4096);
    let lib = Library::load(None, &[]);
    let done = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let backend = || Counting {
        inner: remote(&server.url),
        done: done.clone(),
        failed: failed.clone(),
    };
    // One lesson alone.
    let alone = backend();
    let t = Instant::now();
    assert_eq!(scripted_lesson(&lib, &alone), 3);
    let alone_s = t.elapsed().as_secs_f64();
    let alone_tokens = alone.inner.generated_tokens();
    // Eight at once.
    let t = Instant::now();
    let results: Vec<(usize, u64)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let lib = &lib;
                let b = backend();
                s.spawn(move || (scripted_lesson(lib, &b), b.inner.generated_tokens()))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let eight_s = t.elapsed().as_secs_f64();
    assert!(results.iter().all(|(g, _)| *g == 3), "{results:?}");
    assert_eq!(
        failed.load(Ordering::Relaxed),
        0,
        "server replies failed under load"
    );
    let eight_tokens: u64 = results.iter().map(|(_, t)| t).sum();
    assert!(alone_tokens > 0 && eight_tokens > 0);
    eprintln!(
        "load: one lesson alone {alone_tokens} tokens in {alone_s:.1} s = {:.1} tok/s; \
         8 lessons on 4 slots {eight_tokens} tokens in {eight_s:.1} s = {:.1} tok/s aggregate \
         ({} replies)",
        alone_tokens as f64 / alone_s,
        eight_tokens as f64 / eight_s,
        done.load(Ordering::Relaxed)
    );
}
