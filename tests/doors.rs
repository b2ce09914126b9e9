//! Doors that must stay closed, each against the real binary and a real database: the teacher
//! PIN guards clearing/changing it and every view of other students' data; PINs are not echoed
//! at a terminal; the TUI asks a profile's PIN even when it is the only profile and honours
//! `--profile`; a course file whose id clashes with an installed course is refused; a locked
//! concept is refused with what unlocks it.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use tutor::cli::Global;
use tutor::commands::Env;
use tutor::commands::course_cmds::library;
use tutor::commands::progress::open_store;

const TUTOR: &str = env!("CARGO_BIN_EXE_tutor");
const TEACHER: &str = "1234";

/// `tutor ARGS` in `home` with `env` and `stdin`; never a terminal, no model.
fn tutor(home: &Path, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(TUTOR);
    cmd.args(args)
        .env("TUTOR_HOME", home)
        .env("USER", "ann")
        .env_remove("TUTOR_PIN")
        .env_remove("TUTOR_TEACHER_PIN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn env_for(home: &Path) -> Env {
    Env::new(Global {
        model: None,
        lora: None,
        ctx: None,
        threads: None,
        gpu_layers: None,
        data_dir: Some(home.to_path_buf()),
        profile: None,
        server: None,
    })
    .unwrap()
}

/// Two students, each with one lesson whose feedback line holds an answer; a teacher PIN.
/// Returns ben's lesson id.
fn class(home: &Path) -> i64 {
    let env = env_for(home);
    let mut store = open_store(&env, &library(&env, &[])).unwrap();
    let mut ben_session = 0;
    for name in ["ann", "ben"] {
        let p = store.add_profile(name, None).unwrap();
        let s = store
            .start_session(p.id, "fractions", "what-is-a-fraction")
            .unwrap();
        store
            .append_line(
                s,
                "tutor",
                Some("feedback"),
                &format!("{name}: the answer is 3/8"),
            )
            .unwrap();
        ben_session = s;
    }
    set_teacher_pin(home);
    ben_session
}

fn set_teacher_pin(home: &Path) {
    let o = tutor(home, &["teacher-pin"], &[("TUTOR_PIN", TEACHER)], "");
    assert!(o.status.success(), "{}", out(&o));
}

fn has_teacher_pin(home: &Path) -> bool {
    std::fs::read_to_string(home.join("config.toml")).is_ok_and(|c| c.contains("teacher_pin"))
}

#[test]
fn clearing_or_changing_the_teacher_pin_needs_the_current_one() {
    let home = tempfile::tempdir().unwrap();
    set_teacher_pin(home.path());
    // Wrong current PIN on stdin: refused, the PIN stays.
    let o = tutor(home.path(), &["teacher-pin", "--clear"], &[], "9999\n");
    assert!(!o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("wrong teacher PIN"), "{}", out(&o));
    assert!(has_teacher_pin(home.path()));
    let o = tutor(
        home.path(),
        &["teacher-pin"],
        &[("TUTOR_PIN", "5555")],
        "9999\n",
    );
    assert!(!o.status.success(), "{}", out(&o));
    // The old PIN still works, so it was not changed; then clearing with it works.
    let o = tutor(
        home.path(),
        &["teacher-pin", "--clear"],
        &[],
        &format!("{TEACHER}\n"),
    );
    assert!(o.status.success(), "{}", out(&o));
    assert!(!has_teacher_pin(home.path()));
}

#[test]
fn other_students_data_needs_the_teacher_pin() {
    let home = tempfile::tempdir().unwrap();
    let ben = class(home.path()).to_string();
    let export = home.path().join("export.jsonl");
    let export_arg = export.to_str().unwrap();
    let cases: [&[&str]; 4] = [
        &["report"],
        &["transcripts", "--all"],
        &["transcript", &ben, "--all"],
        &["transcripts", "--export", export_arg],
    ];
    for args in cases {
        let o = tutor(home.path(), args, &[], "0000\n");
        let text = out(&o);
        assert!(!o.status.success(), "{args:?} without the PIN:\n{text}");
        assert!(text.contains("teacher PIN"), "{args:?}:\n{text}");
        assert!(!text.contains("ben"), "{args:?} leaked:\n{text}");
        assert!(!export.exists());
        let o = tutor(home.path(), args, &[("TUTOR_TEACHER_PIN", TEACHER)], "");
        assert!(o.status.success(), "{args:?} with the PIN:\n{}", out(&o));
    }
    assert!(
        std::fs::read_to_string(&export)
            .unwrap()
            .contains("ann: the answer")
    );
    let o = tutor(
        home.path(),
        &["transcript", &ben, "--all"],
        &[("TUTOR_TEACHER_PIN", TEACHER)],
        "",
    );
    assert!(out(&o).contains("ben: the answer is 3/8"), "{}", out(&o));
    // A student's own transcript needs no teacher PIN; another's is refused.
    let o = tutor(
        home.path(),
        &["transcript", &ben, "--profile", "ann"],
        &[],
        "",
    );
    assert!(
        !o.status.success() && !out(&o).contains("3/8"),
        "{}",
        out(&o)
    );
}

/// A course file with the id `id`, otherwise a copy of the bundled fractions course.
fn course_copy(path: &Path, id: &str) {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("curricula/fractions.toml"),
    )
    .unwrap()
    .replacen("id = \"fractions\"", &format!("id = \"{id}\""), 1)
    .replacen("title = \"Fractions\"", "title = \"Fractions (draft)\"", 1);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const NO_MODEL: [&str; 2] = ["--model", "/nonexistent/model.gguf"];

#[test]
fn a_course_file_with_an_installed_id_is_refused_naming_both_files() {
    let home = tempfile::tempdir().unwrap();
    let other = home.path().join("elsewhere/other.toml");
    course_copy(&other, "fractions");
    let o = tutor(
        home.path(),
        &[
            "learn",
            other.to_str().unwrap(),
            "--plain",
            NO_MODEL[0],
            NO_MODEL[1],
        ],
        &[],
        ":q\n",
    );
    let text = out(&o);
    assert!(!o.status.success(), "{text}");
    assert!(
        text.contains("other.toml") && text.contains("curricula/fractions.toml"),
        "{text}"
    );
    assert!(!text.contains("Lesson:"), "{text}");

    // Against a course in the user's curricula dir: both paths named; the installed file
    // itself, given by path, is fine.
    let installed = home.path().join("curricula/mine.toml");
    course_copy(&installed, "mine");
    let copy = home.path().join("elsewhere/copy.toml");
    course_copy(&copy, "mine");
    let o = tutor(
        home.path(),
        &["review", copy.to_str().unwrap(), "--plain"],
        &[],
        "",
    );
    let text = out(&o);
    assert!(
        !o.status.success()
            && text.contains("copy.toml")
            && text.contains(installed.to_str().unwrap()),
        "{text}"
    );
    let o = tutor(
        home.path(),
        &[
            "learn",
            installed.to_str().unwrap(),
            "--plain",
            NO_MODEL[0],
            NO_MODEL[1],
        ],
        &[],
        ":q\n",
    );
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("Lesson: Fractions (draft)"), "{}", out(&o));
}

#[test]
fn a_locked_concept_says_what_unlocks_it() {
    let home = tempfile::tempdir().unwrap();
    let args = [
        "learn",
        "fractions",
        "numerator-denominator",
        "--plain",
        NO_MODEL[0],
        NO_MODEL[1],
    ];
    let o = tutor(home.path(), &args, &[], ":q\n");
    let text = out(&o);
    assert!(!o.status.success(), "{text}");
    assert!(
        text.contains("locked") && text.contains("what-is-a-fraction"),
        "{text}"
    );
    // The teacher's override (no teacher PIN set here) opens it.
    let mut unlocked = args.to_vec();
    unlocked.push("--unlock");
    let o = tutor(home.path(), &unlocked, &[], ":q\n");
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("Lesson: Fractions"), "{}", out(&o));
    // With a teacher PIN, the override needs it.
    set_teacher_pin(home.path());
    let o = tutor(home.path(), &unlocked, &[], "0000\n:q\n");
    assert!(!o.status.success(), "{}", out(&o));
}

/// The real binary in a tmux pane.
struct Tmux(String);

impl Tmux {
    fn start(name: &str, home: &Path, command: &str) -> Self {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", name])
            .status();
        let script = format!(
            "cd '{}' && TUTOR_HOME='{}' USER=ann {command}; sleep 600",
            home.display(),
            home.display()
        );
        let ok = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                name,
                "-x",
                "100",
                "-y",
                "32",
                "bash",
                "-c",
            ])
            .arg(&script)
            .status()
            .expect("tmux is installed (make deps)");
        assert!(ok.success());
        Self(name.into())
    }

    fn screen(&self) -> String {
        let o = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.0])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.0.as_str()];
        args.extend(keys);
        assert!(Command::new("tmux").args(&args).status().unwrap().success());
    }

    fn wait_for(&self, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s = self.screen();
            if s.contains(what) {
                return s;
            }
            assert!(Instant::now() < deadline, "no {what:?} on screen:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .status();
    }
}

fn tui(extra: &str) -> String {
    format!("'{TUTOR}' --model /nonexistent/model.gguf {extra}")
}

#[test]
fn pins_typed_at_a_terminal_are_not_echoed() {
    let home = tempfile::tempdir().unwrap();
    let t = Tmux::start(
        "doors-echo",
        home.path(),
        &format!("'{TUTOR}' teacher-pin; echo EXIT=$?"),
    );
    t.wait_for("New teacher PIN:");
    t.keys(&["-l", "8642"]);
    t.keys(&["Enter"]);
    t.wait_for("Repeat the PIN:");
    t.keys(&["-l", "8642"]);
    t.keys(&["Enter"]);
    let s = t.wait_for("EXIT=");
    assert!(s.contains("EXIT=0") && s.contains("teacher PIN set"), "{s}");
    assert!(!s.contains("8642"), "the PIN was echoed:\n{s}");
}

#[test]
fn the_tui_asks_the_only_profiles_pin() {
    let home = tempfile::tempdir().unwrap();
    let o = tutor(
        home.path(),
        &["profile", "add", "solo", "--pin"],
        &[("TUTOR_PIN", "2468")],
        "",
    );
    assert!(o.status.success(), "{}", out(&o));
    let t = Tmux::start("doors-solo", home.path(), &tui(""));
    let s = t.wait_for("PIN for solo");
    assert!(!s.contains("Courses"), "Home shown before the PIN:\n{s}");
    t.keys(&["-l", "1111"]);
    t.keys(&["Enter"]);
    t.wait_for("Wrong PIN");
    t.keys(&["-l", "2468"]);
    t.keys(&["Enter"]);
    t.wait_for("Courses");
    t.keys(&["q"]);
}

#[test]
fn the_tui_honours_profile() {
    let home = tempfile::tempdir().unwrap();
    for name in ["ann", "ben"] {
        let o = tutor(home.path(), &["profile", "add", name], &[], "");
        assert!(o.status.success(), "{}", out(&o));
    }
    let t = Tmux::start("doors-profile", home.path(), &tui("--profile ben"));
    // The first frame is drawn before the store is open (an empty Home); wait for ben's.
    let s = t.wait_for("Home · ben");
    assert!(
        s.contains("Courses") && !s.contains("Who is learning"),
        "{s}"
    );
    t.keys(&["q"]);
    // An unknown profile is an error, not someone else's session.
    let o = tutor(home.path(), &["--profile", "zed", "stats"], &[], "");
    assert!(!o.status.success());
}
