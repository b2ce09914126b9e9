//! `tutor ask`: answers from a course's material with sources (the real binary in plain mode, on
//! real files), "not in your course material", withholding during a check, `tutor check` on a
//! missing material file, the index in a real SQLite file, the retrieval benchmark, and `?? `
//! questions inside a plain-mode lesson.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use tutor::ask::answer::{NOT_IN_MATERIAL, WITHHELD};
use tutor::ask::{AskIndex, Outcome, bench};
use tutor::curriculum::library::{BUNDLED, Library};
use tutor::curriculum::material::read_docs;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ask")
        .join(name)
}

/// Runs the real binary with its own data dir; returns (success, stdout, stderr).
fn tutor(data: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tutor"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("TUTOR_MODEL")
        .output()
        .expect("running tutor");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The quoted lines of a plain answer (the parts, without the source lines).
fn answer_lines(out: &str) -> Vec<String> {
    out.lines()
        .skip(1)
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("(source:") && !l.starts_with("(Some"))
        .map(str::to_string)
        .collect()
}

#[test]
fn answers_from_bundled_material_with_sources() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = tutor(
        dir.path(),
        &[
            "ask",
            "fractions",
            "whats the bottom number of a fraction called again?",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.starts_with("From your course material:"), "{out}");
    assert!(out.contains("(source: "), "{out}");
    assert!(out.to_lowercase().contains("denominator"), "{out}");
    // Every quoted line is the teacher's text, word for word: the material, a concept's notes
    // or the glossary (both in the course file).
    let material = squash(include_str!("../curricula/material/fractions.md"));
    let glossary = squash(include_str!("../curricula/fractions.toml"));
    for line in answer_lines(&out) {
        let found = material.contains(&line)
            || glossary.contains(&line)
            || line
                .split_once(": ")
                .is_some_and(|(_, def)| glossary.contains(def));
        assert!(found, "{line:?} is not in the material\n{out}");
    }
}

#[test]
fn answers_from_a_course_folder_with_markdown_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let course = fixture("volcanoes.toml");
    let course = course.to_str().unwrap();
    let (ok, out, err) = tutor(dir.path(), &["ask", course, "why does magma rise up?"]);
    assert!(ok, "{err}");
    assert!(out.contains("lighter than the solid rock"), "{out}");
    assert!(
        out.contains("(source: material/eruptions.html, \"Why volcanoes erupt\", line 5)"),
        "{out}"
    );
    let (ok, out, _) = tutor(dir.path(), &["ask", course, "what is lava?"]);
    assert!(ok);
    assert!(
        out.contains("When magma reaches the surface, we call it lava."),
        "{out}"
    );
    assert!(
        out.contains("material/volcanoes.md, \"Magma and lava\", line 7"),
        "{out}"
    );
    let (ok, out, _) = tutor(dir.path(), &["ask", course, "what's a crater"]);
    assert!(ok);
    assert!(out.contains("glossary: crater"), "{out}");
    let (_, out, _) = tutor(dir.path(), &["ask", course, "--json", "what is lava?"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["outcome"], "from_material");
    assert_eq!(v["parts"][0]["source"]["file"], "material/volcanoes.md");
}

#[test]
fn a_question_the_material_does_not_answer_says_so() {
    let dir = tempfile::tempdir().unwrap();
    for (course, q) in [
        ("fractions", "who invented fractions?"),
        ("photosynthesis", "how do bees make honey"),
    ] {
        let (ok, out, err) = tutor(dir.path(), &["ask", course, q]);
        assert!(ok, "{err}");
        assert_eq!(out.trim(), NOT_IN_MATERIAL, "{q}");
    }
}

#[test]
fn during_a_check_the_passage_with_its_answer_is_withheld() {
    let dir = tempfile::tempdir().unwrap();
    let q = "where does the oxygen that plants give off come from?";
    let (ok, free, err) = tutor(dir.path(), &["ask", "photosynthesis", q]);
    assert!(ok, "{err}");
    assert!(free.contains("comes from water"), "{free}");
    let (ok, during, err) = tutor(
        dir.path(),
        &["ask", "photosynthesis", q, "--during", "lr-oxygen-source"],
    );
    assert!(ok, "{err}");
    assert!(
        !during.to_lowercase().contains("water"),
        "the pending answer leaked: {during}"
    );
    assert!(
        during.contains(WITHHELD) || during.contains("held back until you finish"),
        "{during}"
    );
    let (ok, _, err) = tutor(
        dir.path(),
        &["ask", "photosynthesis", q, "--during", "no-such-check"],
    );
    assert!(!ok);
    assert!(err.contains("no check \"no-such-check\""), "{err}");
}

#[test]
fn check_reports_a_missing_material_file_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture("missing_material.toml");
    let (ok, out, _) = tutor(dir.path(), &["check", path.to_str().unwrap()]);
    assert!(!ok, "{out}");
    let want = format!(
        "{}:8:38: error: material file \"material/nope.md\" cannot be read",
        path.display()
    );
    assert!(out.contains(&want), "{out}");
    assert!(!out.contains("volcanoes.md\" cannot"), "{out}");
    let (ok, out, _) = tutor(
        dir.path(),
        &["check", fixture("volcanoes.toml").to_str().unwrap()],
    );
    assert!(ok, "{out}");
}

#[test]
fn the_index_lives_in_the_progress_database_and_is_rebuilt_only_on_change() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("progress.sqlite3");
    let store = tutor::store::Store::open(&db).unwrap();
    let lib = Library::load(None, &[fixture("volcanoes.toml")]);
    let entry = lib.get("volcanoes").expect("fixture course loads").clone();
    let mut index = AskIndex::open(store.path()).unwrap();
    assert!(index.ensure_entry(&entry).unwrap(), "first time indexes");
    assert!(!index.ensure_entry(&entry).unwrap(), "unchanged: no-op");
    // 3 Markdown paragraphs + 2 HTML paragraphs + 1 glossary entry.
    assert_eq!(index.passage_count("volcanoes").unwrap(), 6);
    drop(index);
    let n: i64 = store
        .conn()
        .query_row(
            "SELECT passages FROM ask_indexed WHERE course = 'volcanoes'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 6);
    let mut changed = read_docs(&entry.course, &entry.origin).unwrap();
    changed[0].text.push_str("\nVolcanoes also form islands.\n");
    let mut index = AskIndex::open(store.path()).unwrap();
    assert!(
        index
            .ensure("volcanoes", &changed, &entry.course.glossary)
            .unwrap()
    );
}

#[test]
fn bundled_courses_carry_their_material() {
    let lib = Library::load(None, &[]);
    assert_eq!(lib.courses.len(), BUNDLED.len());
    for e in &lib.courses {
        let docs = read_docs(&e.course, &e.origin).expect("bundled material is compiled in");
        assert!(!docs.is_empty(), "{} has no material", e.course.id);
        let words: usize = docs.iter().map(|d| d.text.split_whitespace().count()).sum();
        assert!(
            (800..=2000).contains(&words),
            "{}: {words} words",
            e.course.id
        );
        assert!(e.course.glossary.len() >= 5, "{}", e.course.id);
        // Every concept's title words appear in the material (every concept is covered).
        let text = docs[0].text.to_lowercase();
        for c in &e.course.concepts {
            let first = c.title.to_lowercase();
            let key = first
                .split(|ch: char| !ch.is_alphanumeric())
                .filter(|w| w.len() > 4)
                .max_by_key(|w| w.len())
                .unwrap_or("");
            assert!(text.contains(key), "{}: {key:?} not in material", c.id);
        }
    }
}

#[test]
fn retrieval_benchmark_reaches_its_goal() {
    let report = bench::run(&Library::load(None, &[])).unwrap();
    eprintln!("{}", report.render_plain());
    assert!(report.ask_questions >= 60);
    assert!(report.ask_no_answer_questions >= 10);
    assert!(
        report.ask_recall_at_3 >= 0.9,
        "recall@3 {}",
        report.ask_recall_at_3
    );
    assert!(
        report.ask_no_answer_accuracy >= 0.8,
        "no-answer accuracy {}",
        report.ask_no_answer_accuracy
    );
}

#[test]
fn bench_runs_from_the_command_line_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = tutor(dir.path(), &["ask", "--bench", "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    for key in [
        "ask_recall_at_3",
        "ask_no_answer_accuracy",
        "ask_latency_p95_ms",
    ] {
        assert!(v[key].is_number(), "{key} missing: {out}");
    }
}

#[test]
fn high_voice_answers_are_grounded_or_fall_back_to_the_material() {
    let engine = common::engine_with(2048);
    let lib = Library::load(None, &[]);
    let entry = lib.get("photosynthesis").unwrap();
    let mut index = AskIndex::in_memory().unwrap();
    index.ensure_entry(entry).unwrap();
    // The notes and the course file (its glossary).
    let material = squash(&format!(
        "{}\n{}",
        include_str!("../curricula/material/photosynthesis.md"),
        include_str!("../curricula/photosynthesis.toml")
    ));
    for q in ["why are leaves green?", "what do guard cells do?"] {
        let a = tutor::ask::answer(&index, &entry.course, q, &[], 3, Some(&*engine)).unwrap();
        match a.outcome {
            Outcome::FromMaterial => {
                for p in &a.parts {
                    let text = p.text.split_once(": ").map_or(p.text.as_str(), |(_, d)| d);
                    assert!(material.contains(text), "{:?}", p.text);
                }
            }
            Outcome::Written => {
                // Checked here without the grounding code: most long words of each sentence
                // are in the notes, and every number the model wrote is in them too.
                let lower = material.to_lowercase();
                for p in &a.parts {
                    let long: Vec<String> = p
                        .text
                        .to_lowercase()
                        .split(|c: char| !c.is_alphanumeric())
                        .filter(|w| w.len() > 4)
                        .map(str::to_string)
                        .collect();
                    let known = long.iter().filter(|w| lower.contains(w.as_str())).count();
                    assert!(
                        known * 2 >= long.len(),
                        "{:?} is not from the notes",
                        p.text
                    );
                    for n in p
                        .text
                        .split(|c: char| !c.is_ascii_digit())
                        .filter(|n| !n.is_empty())
                    {
                        assert!(material.contains(n), "{:?} invents {n}", p.text);
                    }
                }
            }
            other => panic!("{q}: {other:?}"),
        }
        assert!(!a.parts.is_empty());
    }
}

#[test]
fn a_copied_bundled_course_keeps_its_built_in_material() {
    let dir = tempfile::tempdir().unwrap();
    let text = BUNDLED
        .iter()
        .find(|(n, _)| *n == "fractions.toml")
        .unwrap()
        .1;
    let path = dir.path().join("my-fractions.toml");
    std::fs::write(&path, text).unwrap();
    let loaded = tutor::curriculum::load_file(&path);
    assert!(!loaded.failed(false), "{:#?}", loaded.diagnostics);
    let lib = Library::load(None, std::slice::from_ref(&path));
    let e = lib.get("fractions").unwrap();
    let docs = read_docs(&e.course, &e.origin).unwrap();
    assert!(docs[0].text.contains("## Numerator and denominator"));
}

#[test]
fn check_reports_bad_material_kinds_and_glossary_problems_at_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.pdf"), "%PDF-1.4").unwrap();
    let course = "[course]\nid = \"g\"\ntitle = \"G\"\nmaterial = [\"notes.pdf\"]\n\n\
                  [[glossary]]\nterm = \"cell\"\ndefinition = \"The unit of life.\"\n\n\
                  [[glossary]]\nterm = \"Cell\"\ndefinition = \"Again.\"\n\n\
                  [[glossary]]\nterm = \"tissue\"\ndefintion = \"Typo.\"\n";
    let path = dir.path().join("g.toml");
    std::fs::write(&path, course).unwrap();
    let loaded = tutor::curriculum::load_file(&path);
    let shown: Vec<String> = loaded
        .diagnostics
        .iter()
        .map(|d| format!("{}:{}: {}", d.pos.line, d.pos.col, d.message))
        .collect();
    let has = |want: &str| shown.iter().any(|s| s.starts_with(want));
    assert!(
        has("4:13: material \"notes.pdf\" is not Markdown"),
        "{shown:#?}"
    );
    assert!(
        has("10:1: glossary term \"Cell\" is defined twice"),
        "{shown:#?}"
    );
    assert!(
        has("16:1: unknown key `defintion` in [[glossary]]"),
        "{shown:#?}"
    );
    assert!(
        has("14:1: [[glossary]] is missing required field `definition`"),
        "{shown:#?}"
    );
    assert!(loaded.failed(false));
}

/// `tutor learn --plain` as a child process: stdout collected by a thread, lines typed on stdin.
struct PlainLesson {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    out: std::sync::Arc<std::sync::Mutex<String>>,
}

impl PlainLesson {
    fn start(data: &Path, args: &[&str]) -> Self {
        use std::io::Read;
        use std::process::Stdio;
        let mut child = Command::new(env!("CARGO_BIN_EXE_tutor"))
            .arg("--data-dir")
            .arg(data)
            // No model: the lesson speaks the teacher's words, and this stays fast.
            .args(["--model", "/nonexistent/none.gguf"])
            .args(args)
            .env_remove("TUTOR_MODEL")
            .env_remove("TUTOR_PIN")
            .env("TUTOR_VOICE", "authored")
            .env("USER", "asker")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("running tutor");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let out = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = out.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Self { child, stdin, out }
    }

    fn text(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    /// Waits until the output after byte `from` contains `what`; returns that part.
    fn wait_for(&self, from: usize, what: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let t = self.text();
            if t[from..].contains(what) {
                return t[from..].to_string();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what:?}:\n{t}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Types `line`; returns where the output stood before it.
    fn say(&mut self, line: &str) -> usize {
        use std::io::Write;
        let at = self.text().len();
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
        at
    }
}

impl Drop for PlainLesson {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `?? ` lines in a real plain-mode lesson on the bundled photosynthesis course: answered from
/// the material with a source, "not in your course material" when it has no answer, and during
/// a check whose answer is in the passage the passage is withheld; the question is never graded.
#[test]
fn asking_the_material_during_a_plain_lesson() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = PlainLesson::start(
        dir.path(),
        &[
            "learn",
            "photosynthesis",
            "light-reactions",
            "--plain",
            "--unlock",
        ],
    );
    l.wait_for(0, "?? question = ask your course material");
    l.wait_for(0, "> ");
    // Before any check: answered from the material, with its source.
    let at = l.say("?? what is chlorophyll?");
    let reply = l.wait_for(at, "\n> ");
    assert!(
        reply.contains("material: From your course material:"),
        "{reply}"
    );
    assert!(reply.contains("(source: "), "{reply}");
    assert!(reply.to_lowercase().contains("chlorophyll"), "{reply}");
    // Nothing in the material: say so and point to the teacher.
    let at = l.say("?? how do bees make honey");
    let reply = l.wait_for(at, "\n> ");
    assert!(
        reply.contains(&format!("material: {NOT_IN_MATERIAL}")),
        "{reply}"
    );
    // Talk until the first check ("which substance is split": water).
    let mut turns = 0;
    while !l.text().contains("[check] In the first stage") {
        assert!(turns < 8, "no check after {turns} lines:\n{}", l.text());
        let at = l.say("okay");
        l.wait_for(at, "\n> ");
        turns += 1;
    }
    let at = l.say("?? where does the oxygen that plants give off come from?");
    let reply = l.wait_for(at, "\n> ");
    assert!(reply.contains(&format!("material: {WITHHELD}")), "{reply}");
    assert!(
        !reply.to_lowercase().contains("water"),
        "the pending answer leaked: {reply}"
    );
    // The question was not an attempt: no hint or feedback, and the answer is graded as the
    // first attempt.
    assert!(!reply.contains("tutor:"), "{reply}");
    let at = l.say("water");
    l.wait_for(at, "saved: next review");
    l.say(":q");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while l.child.try_wait().unwrap().is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "tutor did not exit on :q"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    drop(l);
    let db = rusqlite::Connection::open(dir.path().join("tutor.sqlite3")).unwrap();
    let (attempts, correct): (i64, bool) = db
        .query_row(
            "SELECT r.attempts, r.correct FROM review_log r JOIN cards c ON c.id = r.card_id \
             WHERE c.check_id = 'lr-split'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((attempts, correct), (1, true));
    let asked: i64 = db
        .query_row(
            "SELECT count(*) FROM transcript WHERE role = 'student' AND move = 'ask'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(asked, 3, "each question is in the transcript");
}

/// In line mode a concept's picture is its words (screen readers get the same).
#[test]
fn plain_mode_shows_a_picture_as_its_words() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = PlainLesson::start(dir.path(), &["learn", "fractions", "--plain"]);
    let out = l.wait_for(0, "> ");
    assert!(
        out.contains(
            "[picture: Two bars of the same length. The top bar is cut into 4 equal parts"
        ),
        "{out}"
    );
    l.say(":q");
}
