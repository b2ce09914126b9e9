//! The thin async driver: terminal guard and panic hook, the `tokio::select!` loop over
//! crossterm events, worker messages and signals (drain everything queued, update, draw once),
//! and the effect runner (store queries, the lesson worker thread, the engine).

use std::io::Stdout;
use std::sync::mpsc as std_mpsc;
use std::time::Instant;

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
    EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::keymap::Keymap;
use super::state::*;
use super::{App, Effect, Msg, Screen, Theme, update};
use crate::commands::Env;
use crate::commands::course_cmds::library;
use crate::commands::progress::{open_store, scheduler};
use crate::commands::tutor_cmds::{Recorder, pick_concept};
use crate::curriculum::library::Library;
use crate::engine::{EngineHandle, LoadEvent};
use crate::srs::{DEFAULT_UNLOCK, Scheduler, describe_interval};
use crate::store::profiles::{Profile, os_user_name};
use crate::store::stats::{day_start, local_offset};
use crate::store::{Store, StoreError, now};
use crate::tutor::lesson::Lesson;

/// Driver failures.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("terminal: {0}")]
    Io(#[from] std::io::Error),
}

/// Restores the terminal when dropped (normal exit, error, or unwinding panic).
struct TerminalGuard;

fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        LeaveAlternateScreen,
        DisableMouseCapture,
        DisableBracketedPaste,
        crossterm::cursor::Show
    );
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        tracing::error!(%info, "panic");
        previous(info);
    }));
}

enum LessonCmd {
    Start {
        course_id: String,
        concept_id: String,
    },
    Say(String),
    End,
}

/// What the lesson worker thread needs.
struct WorkerSetup {
    db: std::path::PathBuf,
    lib: Library,
    profile: Profile,
    fsrs_params: Vec<f32>,
    retention: f32,
    engine: EngineHandle,
    tx: UnboundedSender<Msg>,
    interrupt: crate::engine::CancelToken,
    temperature: Option<f32>,
}

/// The lesson worker: a thread that owns the current [`Lesson`] and its own store connection.
fn spawn_lesson_worker(w: WorkerSetup) -> std_mpsc::Sender<LessonCmd> {
    let WorkerSetup {
        db,
        lib,
        profile,
        fsrs_params,
        retention,
        engine,
        tx,
        interrupt,
        temperature,
    } = w;
    let (cmd_tx, cmd_rx) = std_mpsc::channel::<LessonCmd>();
    std::thread::Builder::new()
        .name("lesson".into())
        .spawn(move || {
            let sched = Scheduler::new(&fsrs_params, retention)
                .unwrap_or_else(|_| Scheduler::new(&[], 0.9).expect("defaults"));
            let mut store = match Store::open(&db) {
                Ok(s) => s,
                Err(e) => {
                    let _ = tx.send(Msg::Status(e.to_string()));
                    return;
                }
            };
            let mut current: Option<(Lesson, i64)> = None;
            while let Ok(cmd) = cmd_rx.recv() {
                match cmd {
                    LessonCmd::Start {
                        course_id,
                        concept_id,
                    } => {
                        let Some(entry) = lib.get(&course_id) else {
                            continue;
                        };
                        let Some(mut lesson) = Lesson::new(entry.course.clone(), &concept_id)
                        else {
                            continue;
                        };
                        lesson.interrupt = interrupt.clone();
                        if let Some(t) = temperature {
                            lesson.params.temperature = t;
                        }
                        let Ok(session) = store.start_session(profile.id, &course_id, &concept_id)
                        else {
                            continue;
                        };
                        let _ = tx.send(Msg::LessonStarted {
                            course_id: course_id.clone(),
                            concept_id: concept_id.clone(),
                            title: format!("{} › {}", entry.course.title, lesson.concept.title),
                        });
                        let mut rec = Recorder {
                            store: &mut store,
                            profile: &profile,
                            sched: &sched,
                            course_id,
                            concept_id,
                            session_id: session,
                        };
                        lesson.begin(&engine, &mut |ev| {
                            let _ = rec.record(&ev);
                            let _ = tx.send(Msg::Lesson(ev));
                        });
                        current = Some((lesson, session));
                    }
                    LessonCmd::Say(line) => {
                        let Some((lesson, session)) = current.as_mut() else {
                            continue;
                        };
                        let _ = store.append_line(*session, "student", None, &line);
                        let mut rec = Recorder {
                            store: &mut store,
                            profile: &profile,
                            sched: &sched,
                            course_id: lesson.course.id.clone(),
                            concept_id: lesson.concept.id.clone(),
                            session_id: *session,
                        };
                        lesson.student(&line, &engine, &mut |ev| {
                            if let Ok(Some(words)) = rec.record(&ev) {
                                let _ =
                                    tx.send(Msg::Status(format!("Saved: next review {words}.")));
                            }
                            let _ = tx.send(Msg::Lesson(ev));
                        });
                    }
                    LessonCmd::End => {
                        if let Some((lesson, session)) = current.take()
                            && !lesson.done()
                        {
                            let _ = store.end_session(session, &lesson.summary());
                        }
                    }
                }
            }
        })
        .expect("spawning the lesson thread");
    cmd_tx
}

struct Ctx {
    env: Env,
    lib: Library,
    store: Store,
    profile: Option<Profile>,
    engine: EngineHandle,
    tx: UnboundedSender<Msg>,
    lesson_tx: Option<std_mpsc::Sender<LessonCmd>>,
    interrupt: crate::engine::CancelToken,
}

impl Ctx {
    fn sched(&self) -> Scheduler {
        self.profile.as_ref().map_or_else(
            || Scheduler::new(&[], 0.9).expect("defaults"),
            |p| scheduler(&self.env, p),
        )
    }

    fn home(&self) -> Result<HomeData, StoreError> {
        let Some(p) = &self.profile else {
            return Ok(HomeData::default());
        };
        let sched = self.sched();
        let t = now();
        let st = self.store.stats(p, &sched, t, local_offset())?;
        let courses = st
            .courses
            .iter()
            .map(|c| CourseSummary {
                id: c.id.clone(),
                title: c.title.clone(),
                mastery: c.mastery,
                due: c.concepts.iter().map(|k| k.due).sum(),
            })
            .collect();
        let mut next_lesson = None;
        for e in &self.lib.courses {
            let concept = pick_concept(&self.store, p, &sched, &e.course.id)?;
            let m = self.store.concept_mastery(p.id, &e.course.id, &sched, t)?;
            if !concept.is_empty() && m.get(&concept).copied().unwrap_or(0.0) < DEFAULT_UNLOCK {
                let title = e
                    .course
                    .concept(&concept)
                    .map_or(concept.clone(), |c| c.title.clone());
                next_lesson = Some((
                    e.course.id.clone(),
                    concept,
                    format!("{} › {title}", e.course.title),
                ));
                break;
            }
        }
        Ok(HomeData {
            profile: p.name.clone(),
            courses,
            due_today: st.due_today,
            streak: st.streak_days,
            next_lesson,
            problems: self
                .lib
                .problems
                .iter()
                .map(|pr| {
                    format!(
                        "{}: {}",
                        pr.source,
                        pr.diagnostics
                            .first()
                            .map_or(String::new(), |d| d.message.clone())
                    )
                })
                .collect(),
        })
    }

    fn course_map(&self, course_id: &str) -> Result<Option<CourseMap>, StoreError> {
        let (Some(p), Some(e)) = (&self.profile, self.lib.get(course_id)) else {
            return Ok(None);
        };
        let sched = self.sched();
        let t = now();
        let mastery = self.store.concept_mastery(p.id, course_id, &sched, t)?;
        let unlocked = self
            .store
            .unlocked_concepts(p.id, course_id, &sched, t, DEFAULT_UNLOCK)?;
        let concepts = e
            .course
            .topological_order()
            .into_iter()
            .map(|c| {
                let m = mastery.get(&c.id).copied().unwrap_or(0.0);
                let state = if !unlocked.contains(&c.id) {
                    ConceptState::Locked
                } else if m >= DEFAULT_UNLOCK {
                    ConceptState::Mastered
                } else if m > 0.0 {
                    ConceptState::InProgress
                } else {
                    ConceptState::Available
                };
                ConceptRow {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    mastery: m,
                    state,
                    requires: c.requires.clone(),
                }
            })
            .collect();
        Ok(Some(CourseMap {
            course_id: course_id.into(),
            title: e.course.title.clone(),
            concepts,
        }))
    }

    fn next_review(&self) -> Result<(Option<Box<ReviewCard>>, u32), StoreError> {
        let Some(p) = &self.profile else {
            return Ok((None, 0));
        };
        let t = now();
        let sched = self.sched();
        let due: u32 = self.store.conn().query_row(
            "SELECT count(*) FROM cards WHERE profile_id = ?1 AND state != 'new' AND due <= ?2",
            rusqlite::params![p.id, t],
            |r| r.get(0),
        )?;
        let Some(card) = self
            .store
            .next_card(p, None, &sched, t, day_start(t, local_offset()))?
        else {
            return Ok((None, 0));
        };
        let Some((concept, check)) = self
            .lib
            .get(&card.course_id)
            .and_then(|e| e.course.check(&card.check_id))
        else {
            return Ok((None, 0));
        };
        Ok((
            Some(Box::new(ReviewCard {
                card_id: card.id,
                course_id: card.course_id.clone(),
                check_id: card.check_id.clone(),
                concept_title: concept.title.clone(),
                kind: check.kind,
                prompt: check.prompt.clone(),
                choices: check.choices.clone(),
                answer: check.answer.clone(),
                accept: check.accept.clone(),
                tolerance: check.tolerance,
                hints: check.hints.clone(),
                explanation: check.explanation.clone(),
                shown_at: Instant::now(),
            })),
            due.saturating_sub(1),
        ))
    }

    fn choose(&mut self, p: Profile) -> Result<(), StoreError> {
        self.store.ensure_cards(p.id)?;
        if let Some(n) = self.env.config.review.new_cards_per_day {
            let mut p = p.clone();
            p.new_per_day = n;
            self.profile = Some(p);
        } else {
            self.profile = Some(p);
        }
        let p = self.profile.clone().expect("just set");
        let sched = scheduler(&self.env, &p);
        self.lesson_tx = Some(spawn_lesson_worker(WorkerSetup {
            db: self.env.paths.database(),
            lib: self.lib.clone(),
            fsrs_params: p.fsrs_params.clone(),
            retention: sched.desired_retention,
            profile: p,
            engine: self.engine.clone(),
            tx: self.tx.clone(),
            interrupt: self.interrupt.clone(),
            temperature: self.env.config.model.temperature,
        }));
        Ok(())
    }

    fn run(&mut self, fx: Effect) -> Result<(), StoreError> {
        let tx = self.tx.clone();
        let send = |m: Msg| {
            let _ = tx.send(m);
        };
        match fx {
            Effect::Quit => {}
            Effect::LoadHome => send(Msg::Home(self.home()?)),
            Effect::ChooseProfile { name, pin } => {
                let Some(p) = self.store.profile(&name)? else {
                    return Ok(());
                };
                if p.has_pin
                    && self
                        .store
                        .verify_pin(&p, pin.as_deref().unwrap_or(""))
                        .is_err()
                {
                    send(Msg::PinRejected(name));
                    return Ok(());
                }
                self.choose(p)?;
                send(Msg::ProfileCreated(name));
                send(Msg::Home(self.home()?));
            }
            Effect::CreateProfile(name) => match self.store.add_profile(&name, None) {
                Ok(p) => {
                    send(Msg::Profiles(profiles(&self.store)?));
                    self.choose(p)?;
                    send(Msg::ProfileCreated(name));
                    send(Msg::Home(self.home()?));
                }
                Err(e) => send(Msg::Status(e.to_string())),
            },
            Effect::LoadCourseMap(id) => {
                if let Some(m) = self.course_map(&id)? {
                    send(Msg::CourseMap(m));
                }
            }
            Effect::StartLesson {
                course_id,
                concept_id,
            } => {
                if let Some(l) = &self.lesson_tx {
                    let _ = l.send(LessonCmd::Start {
                        course_id,
                        concept_id,
                    });
                }
            }
            Effect::LessonSay(line) => {
                if let Some(l) = &self.lesson_tx {
                    let _ = l.send(LessonCmd::Say(line));
                }
            }
            Effect::StopReply => self.interrupt.cancel(),
            Effect::EndLesson => {
                if let Some(l) = &self.lesson_tx {
                    let _ = l.send(LessonCmd::End);
                }
            }
            Effect::NextReviewCard => {
                let (card, remaining) = self.next_review()?;
                send(Msg::ReviewCard(card, remaining));
            }
            Effect::SaveReview { card_id, answer } => {
                let sched = self.sched();
                let s = self.store.record_answer(card_id, &answer, &sched, now())?;
                send(Msg::ReviewSaved(describe_interval(s.interval_secs)));
            }
            Effect::LoadStats => {
                if let Some(p) = &self.profile {
                    let s = self.store.stats(p, &self.sched(), now(), local_offset())?;
                    send(Msg::Stats(Box::new(s)));
                }
            }
            Effect::LoadTeacher => {
                let rows = self.store.report(now())?;
                let mut stuck: Vec<(String, String, String, u32)> = {
                    let mut st = self.store.conn().prepare(
                        "SELECT p.name, c.course_id, c.check_id, c.lapses FROM cards c JOIN profiles p ON p.id = c.profile_id
                         WHERE c.lapses > 0 ORDER BY c.lapses DESC LIMIT 10",
                    )?;
                    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                        .collect::<rusqlite::Result<_>>()?
                };
                stuck.truncate(10);
                let transcripts = self.store.sessions(None)?;
                send(Msg::Teacher(Box::new(TeacherData {
                    rows,
                    stuck,
                    transcripts,
                })));
            }
            Effect::OpenTranscript(id) => {
                let lines = self.store.transcript(id, None)?;
                let entries = lines
                    .into_iter()
                    .map(|l| Entry {
                        who: match (l.role.as_str(), l.r#move.as_deref()) {
                            ("student", _) => Who::Student,
                            (_, Some("pose-check")) => Who::Check,
                            (_, Some("feedback" | "summarize")) => Who::Feedback,
                            ("system", _) => Who::Note,
                            _ => Who::Tutor,
                        },
                        text: l.content,
                    })
                    .collect();
                send(Msg::Transcript {
                    title: format!("Lesson #{id} (read-only)"),
                    entries,
                });
            }
            Effect::ExportReport => {
                let rows = self.store.report(now())?;
                let path = self.env.paths.data_dir.join(format!(
                    "report-{}.csv",
                    chrono::Local::now().format("%Y%m%d-%H%M%S")
                ));
                match std::fs::write(&path, crate::store::stats::report_csv(&rows)) {
                    Ok(()) => send(Msg::Status(format!("Report saved to {}", path.display()))),
                    Err(e) => send(Msg::Status(format!("Could not save the report: {e}"))),
                }
            }
            Effect::SaveSettings(s) => {
                let mut c = self.env.config.clone();
                c.model.gpu_layers = s.gpu_layers;
                c.model.threads = Some(s.threads);
                c.model.temperature = Some(s.temperature);
                c.review.desired_retention = Some(s.retention);
                c.ui.theme = Some(if s.high_contrast {
                    "high-contrast".into()
                } else {
                    "default".into()
                });
                let reload = c.model != self.env.config.model;
                match c.save(&self.env.paths.config_file) {
                    Ok(()) => {
                        self.env.config = c;
                        send(Msg::Status(format!(
                            "Settings saved to {}",
                            self.env.paths.config_file.display()
                        )));
                        if reload && let Ok(spec) = self.env.model_spec() {
                            // New threads / GPU layers: reload on the engine thread, no restart.
                            forward_load(self.engine.load(spec), self.tx.clone());
                        }
                    }
                    Err(e) => send(Msg::Status(e.to_string())),
                }
            }
        }
        Ok(())
    }
}

/// Forwards a model load's progress and outcome to the UI.
fn forward_load(
    mut load: tokio::sync::mpsc::UnboundedReceiver<LoadEvent>,
    tx: UnboundedSender<Msg>,
) {
    tokio::spawn(async move {
        while let Some(ev) = load.recv().await {
            let m = match ev {
                LoadEvent::Progress(p) => ModelStatus::Loading(p),
                LoadEvent::Loaded(info) => {
                    ModelStatus::Ready(format!("{}, {}", info.name, info.quantization))
                }
                LoadEvent::Failed(e) => ModelStatus::Failed(e.to_string()),
            };
            let _ = tx.send(Msg::Model(m));
        }
    });
}

fn profiles(store: &Store) -> Result<Vec<ProfileItem>, StoreError> {
    Ok(store
        .profiles()?
        .into_iter()
        .map(|p| ProfileItem {
            name: p.name,
            has_pin: p.has_pin,
        })
        .collect())
}

/// The theme from `NO_COLOR` and the config file.
pub fn theme(env: &Env) -> Theme {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        Theme::NoColor
    } else if env.config.ui.theme.as_deref() == Some("high-contrast") {
        Theme::HighContrast
    } else {
        Theme::Default
    }
}

/// The settings screen's starting values.
pub fn settings_view(env: &Env) -> SettingsView {
    let m = &env.config.model;
    SettingsView {
        model_path: m
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        gpu_layers: m.gpu_layers,
        threads: m.threads.unwrap_or_else(crate::engine::default_threads),
        temperature: m.temperature.unwrap_or(0.6),
        retention: env.config.review.desired_retention.unwrap_or(0.9),
        high_contrast: env.config.ui.theme.as_deref() == Some("high-contrast"),
        selected: 0,
        dirty: false,
    }
}

fn mouse_key(kind: MouseEventKind) -> Option<KeyEvent> {
    match kind {
        MouseEventKind::ScrollUp => Some(KeyEvent::new(KeyCode::PageUp, KeyModifiers::NONE)),
        MouseEventKind::ScrollDown => Some(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE)),
        _ => None,
    }
}

/// Runs the TUI until the student quits. `frame_stats` logs key-to-frame latency.
pub fn run(env: Env, frame_stats: bool, teacher: bool) -> Result<(), DriverError> {
    let started = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run_async(env, frame_stats, teacher, started))
}

async fn run_async(
    env: Env,
    frame_stats: bool,
    teacher: bool,
    started: Instant,
) -> Result<(), DriverError> {
    install_panic_hook();
    enable_raw_mode()?;
    let _guard = TerminalGuard;
    execute!(
        std::io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    )?;
    let mut terminal: Terminal<CrosstermBackend<Stdout>> =
        Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    let (keymap, key_problems) = Keymap::with_overrides(&env.config.ui.keys);
    let mut app = App::new(Screen::Home, theme(&env), keymap);
    app.settings = settings_view(&env);
    // First frame before anything slow.
    terminal.draw(|f| crate::ui::render(&app, f))?;
    tracing::info!(ms = started.elapsed().as_secs_f64() * 1000.0, "first frame");
    let (tx, mut rx) = unbounded_channel::<Msg>();
    let lib = library(&env, &[]);
    let store = match open_store(&env, &lib) {
        Ok(s) => s,
        Err(e) => {
            drop(_guard);
            return Err(e.into());
        }
    };
    let engine = EngineHandle::spawn();
    let mut ctx = Ctx {
        env: env.clone(),
        lib,
        store,
        profile: None,
        engine: engine.clone(),
        tx: tx.clone(),
        lesson_tx: None,
        interrupt: crate::engine::CancelToken::default(),
    };
    if let Some(p) = key_problems.first() {
        let _ = tx.send(Msg::Status(format!("config: {p}")));
    }
    // The model loads in the background.
    match env.model_spec() {
        Ok(spec) => forward_load(engine.load(spec), tx.clone()),
        Err(e) => {
            let _ = tx.send(Msg::Model(ModelStatus::Missing(e.to_string())));
        }
    }
    let all = profiles(&ctx.store)?;
    if all.len() >= 2 {
        update(&mut app, Msg::Profiles(all), Instant::now());
        app.screen = Screen::ProfilePicker;
    } else {
        let p = ctx.store.default_profile(&os_user_name())?;
        ctx.choose(p)?;
        update(&mut app, Msg::Home(ctx.home()?), Instant::now());
    }
    if teacher {
        ctx.run(Effect::LoadTeacher)?;
    }
    let mut events = EventStream::new();
    #[cfg(unix)]
    let (mut term, mut hup) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate())?,
            signal(SignalKind::hangup())?,
        )
    };
    let mut latencies: Vec<f64> = Vec::new();
    loop {
        terminal.draw(|f| crate::ui::render(&app, f))?;
        let mut batch: Vec<Msg> = Vec::new();
        #[cfg(unix)]
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(e)) => batch.extend(to_msg(e)),
                Some(Err(_)) | None => batch.push(Msg::Terminate),
            },
            Some(m) = rx.recv() => batch.push(m),
            _ = term.recv() => batch.push(Msg::Terminate),
            _ = hup.recv() => batch.push(Msg::Terminate),
        }
        #[cfg(not(unix))]
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(e)) => batch.extend(to_msg(e)),
                Some(Err(_)) | None => batch.push(Msg::Terminate),
            },
            Some(m) = rx.recv() => batch.push(m),
        }
        // Coalesce: everything already queued is applied before the next draw.
        while let Ok(m) = rx.try_recv() {
            batch.push(m);
        }
        let key_at = batch
            .iter()
            .any(|m| matches!(m, Msg::Key(_)))
            .then(Instant::now);
        for m in batch {
            for fx in update(&mut app, m, Instant::now()) {
                if fx == Effect::Quit {
                    app.quit = true;
                    continue;
                }
                if let Err(e) = ctx.run(fx) {
                    app.status = Some(e.to_string());
                }
            }
        }
        if app.quit {
            break;
        }
        if let Some(t) = key_at {
            terminal.draw(|f| crate::ui::render(&app, f))?;
            latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    if let Some(l) = &ctx.lesson_tx {
        let _ = l.send(LessonCmd::End);
    }
    ctx.interrupt.cancel();
    if frame_stats && !latencies.is_empty() {
        latencies.sort_by(f64::total_cmp);
        let p95 = latencies[((latencies.len() as f64 * 0.95).ceil() as usize).saturating_sub(1)];
        tracing::info!(
            keys = latencies.len(),
            p50 = latencies[latencies.len() / 2],
            p95,
            max = latencies[latencies.len() - 1],
            "key-to-frame ms"
        );
    }
    drop(terminal);
    restore_terminal();
    Ok(())
}

fn to_msg(e: Event) -> Option<Msg> {
    match e {
        Event::Key(k) if k.kind != KeyEventKind::Release => Some(Msg::Key(k)),
        Event::Paste(s) => Some(Msg::Paste(s)),
        Event::Resize(..) => Some(Msg::Resize),
        Event::Mouse(m) => mouse_key(m.kind).map(Msg::Key),
        _ => None,
    }
}
