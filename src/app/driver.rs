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

use super::effects::{Ctx, forward_load, profiles};
use super::keymap::Keymap;
use super::state::*;
use super::{App, Effect, Msg, Screen, Theme, update};
use crate::commands::Env;
use crate::commands::course_cmds::library;
use crate::commands::progress::open_store;
use crate::curriculum::library::Library;
use crate::engine::EngineHandle;
use crate::srs::Scheduler;
use crate::store::profiles::{Profile, os_user_name};
use crate::store::{Store, StoreError};
use crate::tutor::lesson::Lesson;
use crate::tutor::service::{LessonService, LessonUpdate};
use crate::ui::picture::PictureView;

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

/// Commands for the lesson worker thread.
pub enum LessonCmd {
    Start {
        course_id: String,
        concept_id: String,
    },
    Say(String),
    End,
}

/// What the lesson worker thread needs.
pub(super) struct WorkerSetup {
    pub db: std::path::PathBuf,
    pub lib: Library,
    pub profile: Profile,
    pub fsrs_params: Vec<f32>,
    pub retention: f32,
    pub engine: EngineHandle,
    /// Replies from the school's server instead of `engine`, when configured.
    pub remote: Option<crate::engine::remote::fallback::FallbackBackend>,
    pub tx: UnboundedSender<Msg>,
    pub interrupt: crate::engine::CancelToken,
    pub temperature: Option<f32>,
    /// How much the model may say (see [`Env::voice_level`]).
    pub voice: crate::tutor::contract::VoiceLevel,
    /// How pictures are drawn (decoded on the lesson thread, not the UI's).
    pub graphics: crate::ui::picture::Graphics,
}

/// The lesson worker: a thread that owns the current [`Lesson`] and its own store connection.
pub(super) fn spawn_lesson_worker(w: WorkerSetup) -> std_mpsc::Sender<LessonCmd> {
    let WorkerSetup {
        db,
        lib,
        profile,
        fsrs_params,
        retention,
        engine,
        remote,
        tx,
        interrupt,
        temperature,
        voice,
        graphics,
    } = w;
    let notices = {
        let remote = remote.clone();
        let tx = tx.clone();
        move || {
            if let Some(r) = &remote {
                for n in r.take_notices() {
                    if r.on_local() {
                        let m = ModelStatus::Ready("this laptop's model (server failed)".into());
                        let _ = tx.send(Msg::Model(m));
                    }
                    let _ = tx.send(Msg::Status(n));
                }
            }
        }
    };
    let (cmd_tx, cmd_rx) = std_mpsc::channel::<LessonCmd>();
    std::thread::Builder::new()
        .name("lesson".into())
        .spawn(move || {
            let sched = || {
                Scheduler::new(&fsrs_params, retention)
                    .unwrap_or_else(|_| Scheduler::new(&[], 0.9).expect("defaults"))
            };
            let mut store = match Store::open(&db) {
                Ok(s) => s,
                Err(e) => {
                    let _ = tx.send(Msg::Status(e.to_string()));
                    return;
                }
            };
            let backend: &dyn crate::engine::ChatBackend = match &remote {
                Some(r) => r,
                None => &engine,
            };
            let mut current: Option<LessonService> = None;
            let mut forward = |u: LessonUpdate| {
                let _ = tx.send(match u {
                    LessonUpdate::Event(ev) => Msg::Lesson(ev),
                    LessonUpdate::Saved { next_review, .. } => {
                        Msg::Status(format!("Saved: next review {next_review}."))
                    }
                    LessonUpdate::NotSaved(why) => Msg::LessonNotSaved(why),
                    LessonUpdate::MaterialReply(text) => Msg::MaterialReply(text),
                    LessonUpdate::Picture(p) => Msg::Picture(PictureView::new(&p, graphics)),
                });
            };
            while let Ok(cmd) = cmd_rx.recv() {
                match cmd {
                    LessonCmd::Start {
                        course_id,
                        concept_id,
                    } => {
                        if let Some(mut old) = current.take() {
                            old.end(&mut store, &mut forward);
                        }
                        let Some(entry) = lib.get(&course_id) else {
                            let _ = tx.send(Msg::Status(format!("Unknown course {course_id:?}.")));
                            continue;
                        };
                        // A new lesson tries the school's server again.
                        if let Some(r) = &remote {
                            r.retry_server();
                        }
                        let Some(mut lesson) = Lesson::new(entry.course.clone(), &concept_id)
                            .map(|l| l.for_student(&profile.id.to_string()))
                        else {
                            let _ = tx.send(Msg::Status(format!(
                                "No concept {concept_id:?} in {course_id}."
                            )));
                            continue;
                        };
                        lesson.interrupt = interrupt.clone();
                        if let Some(t) = temperature {
                            lesson.params.temperature = t;
                        }
                        lesson.voice = voice;
                        let title = format!("{} › {}", entry.course.title, lesson.concept.title);
                        let mut svc = match LessonService::start(
                            &mut store,
                            profile.clone(),
                            sched(),
                            lesson,
                        ) {
                            Ok(s) => s.with_material(entry, &db),
                            Err(e) => {
                                let _ = tx.send(Msg::Status(format!(
                                    "The lesson cannot start: it could not be saved ({e})."
                                )));
                                continue;
                            }
                        };
                        let _ = tx.send(Msg::LessonStarted {
                            course_id: course_id.clone(),
                            concept_id: concept_id.clone(),
                            title,
                        });
                        svc.begin(&mut store, backend, &mut forward);
                        notices();
                        current = Some(svc);
                    }
                    LessonCmd::Say(line) => {
                        if let Some(svc) = current.as_mut() {
                            svc.student(&line, &mut store, backend, &mut forward);
                            notices();
                        }
                    }
                    LessonCmd::End => {
                        if let Some(mut svc) = current.take() {
                            svc.end(&mut store, &mut forward);
                        }
                    }
                }
            }
        })
        .expect("spawning the lesson thread");
    cmd_tx
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
        remote: None,
        tx: tx.clone(),
        lesson_tx: None,
        interrupt: crate::engine::CancelToken::default(),
    };
    if let Some(p) = key_problems.first() {
        let _ = tx.send(Msg::Status(format!("config: {p}")));
    }
    // The school's server when configured (the local model is then only its fallback);
    // otherwise the model loads in the background.
    match env.connect_server() {
        Some(Ok(remote)) => {
            let name = format!("server: {}", remote.info().model);
            ctx.remote = Some(crate::engine::remote::fallback::FallbackBackend::new(
                remote,
                env.model_spec().ok().filter(|s| s.path.is_file()),
            ));
            let _ = tx.send(Msg::Model(ModelStatus::Ready(name)));
        }
        other => {
            if let Some(Err(e)) = other {
                let _ = tx.send(Msg::Status(format!("{e}; using this laptop's own model")));
            }
            match env.model_spec() {
                Ok(spec) => forward_load(engine.load(spec), tx.clone()),
                Err(e) => {
                    let _ = tx.send(Msg::Model(ModelStatus::Missing(e.to_string())));
                }
            }
        }
    }
    // Whose session: `--profile NAME`, else the only profile, else the picker. A profile with
    // a PIN is never opened without it, however it was chosen.
    let wanted = match &env.global.profile {
        Some(name) => Some(
            ctx.store
                .profile(name)?
                .ok_or_else(|| StoreError::NoProfile(name.clone()))?,
        ),
        None if profiles(&ctx.store)?.len() >= 2 => None,
        None => Some(ctx.store.default_profile(&os_user_name())?),
    };
    update(
        &mut app,
        Msg::Profiles(profiles(&ctx.store)?),
        Instant::now(),
    );
    match wanted {
        Some(p) if !p.has_pin => {
            ctx.choose(p)?;
            update(&mut app, Msg::Home(ctx.home()?), Instant::now());
        }
        Some(p) => {
            app.screen = Screen::ProfilePicker;
            app.selected = app
                .profiles
                .iter()
                .position(|q| q.name == p.name)
                .unwrap_or(0);
            app.prompt = Some(super::Prompt::Pin {
                profile: p.name,
                input: String::new(),
                error: None,
            });
        }
        None => app.screen = Screen::ProfilePicker,
    }
    app.teacher_locked = env.config.ui.teacher_pin.is_some();
    if teacher {
        if app.teacher_locked {
            app.prompt = Some(super::Prompt::Teacher {
                input: String::new(),
                error: None,
            });
        } else {
            ctx.run(Effect::LoadTeacher)?;
        }
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
