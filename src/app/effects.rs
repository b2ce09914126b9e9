//! The effect runner: what each [`Effect`] does to the store, the lesson worker and the engine,
//! and the data loaders that fill the screens.

use std::sync::mpsc as std_mpsc;
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;

use super::driver::{LessonCmd, WorkerSetup, spawn_lesson_worker};
use super::state::*;
use super::{Effect, Msg};
use crate::commands::Env;
use crate::commands::progress::scheduler;
use crate::commands::tutor_cmds::pick_concept;
use crate::curriculum::library::Library;
use crate::engine::{EngineHandle, LoadEvent};
use crate::srs::{DEFAULT_UNLOCK, Scheduler, describe_interval};
use crate::store::profiles::Profile;
use crate::store::stats::{day_start, local_offset};
use crate::store::{Store, StoreError, now};

/// What the effect runner works with.
pub struct Ctx {
    pub env: Env,
    pub lib: Library,
    pub store: Store,
    pub profile: Option<Profile>,
    pub engine: EngineHandle,
    /// The school's model server (with `engine` loaded only as its fallback), when configured.
    pub remote: Option<crate::engine::remote::fallback::FallbackBackend>,
    pub tx: UnboundedSender<Msg>,
    pub lesson_tx: Option<std_mpsc::Sender<LessonCmd>>,
    pub interrupt: crate::engine::CancelToken,
}

impl Ctx {
    fn sched(&self) -> Scheduler {
        self.profile.as_ref().map_or_else(
            || Scheduler::new(&[], 0.9).expect("defaults"),
            |p| scheduler(&self.env, p),
        )
    }

    pub fn home(&self) -> Result<HomeData, StoreError> {
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
            loaded: true,
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
        let check = check.for_student(&p.id.to_string());
        Ok((
            Some(Box::new(ReviewCard {
                card_id: card.id,
                course_id: card.course_id.clone(),
                check_id: card.check_id.clone(),
                concept_title: concept.title.clone(),
                kind: check.kind,
                prompt: check.display_prompt(),
                choices: check.choices.clone(),
                answer: check.answer.clone(),
                accept: check.accept.clone(),
                tolerance: check.tolerance,
                hints: check.hints.clone(),
                explanation: check.explanation.clone(),
                shown_at: Instant::now(),
                check: Some(Box::new(check.clone())),
            })),
            due.saturating_sub(1),
        ))
    }

    pub fn choose(&mut self, p: Profile) -> Result<(), StoreError> {
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
            remote: self.remote.clone(),
            tx: self.tx.clone(),
            interrupt: self.interrupt.clone(),
            temperature: self.env.config.model.temperature,
            voice: self.env.voice_level(),
            graphics: crate::ui::picture::Graphics::from_env(),
        }));
        Ok(())
    }

    /// Runs one effect; results come back as messages.
    pub fn run(&mut self, fx: Effect) -> Result<(), StoreError> {
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
            Effect::TeacherPin(pin) => {
                let ok = self
                    .env
                    .config
                    .ui
                    .teacher_pin
                    .as_deref()
                    .is_none_or(|h| crate::store::profiles::verify_hash(h, &pin));
                if ok {
                    self.run(Effect::LoadTeacher)?;
                } else {
                    send(Msg::TeacherPinRejected);
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
                        // Temperature and retention apply at once: reviews read the config on
                        // every card; the lesson worker is restarted with the new values.
                        if let Some(p) = self.profile.clone() {
                            self.choose(p)?;
                        }
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
pub fn forward_load(
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

pub fn profiles(store: &Store) -> Result<Vec<ProfileItem>, StoreError> {
    Ok(store
        .profiles()?
        .into_iter()
        .map(|p| ProfileItem {
            name: p.name,
            has_pin: p.has_pin,
        })
        .collect())
}
