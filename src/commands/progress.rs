//! Opening the progress store for a command: migrate, daily backup, sync the course library,
//! choose the profile (checking its PIN).

use super::Env;
use super::course_cmds::library;
use crate::curriculum::library::{Entry, Library};
use crate::srs::Scheduler;
use crate::store::profiles::{Profile, os_user_name};
use crate::store::{Store, StoreError, now};

/// Opens the database, makes the daily automatic backup, and syncs `lib` into it.
pub fn open_store(env: &Env, lib: &Library) -> Result<Store, StoreError> {
    let mut store = Store::open(&env.paths.database())?;
    if let Err(e) = store.auto_backup(&env.paths.backups_dir(), now()) {
        tracing::warn!(error = %e, "automatic backup failed");
    }
    for e in &lib.courses {
        sync_entry(&mut store, e)?;
    }
    Ok(store)
}

/// Syncs one course into the store.
pub fn sync_entry(store: &mut Store, e: &Entry) -> Result<(), StoreError> {
    let r = store.sync_course(&e.course, &e.content_hash, &e.origin.to_string())?;
    if !r.unchanged {
        tracing::info!(course = %e.course.id, ?r, "course synced");
    }
    Ok(())
}

/// The library plus `extra` paths, opened store, and the chosen profile.
pub fn session(
    env: &Env,
    extra: &[std::path::PathBuf],
) -> Result<(Library, Store, Profile), StoreError> {
    let lib = library(env, extra);
    let mut store = open_store(env, &lib)?;
    let mut profile = choose_profile(env, &mut store)?;
    if let Some(n) = env.config.review.new_cards_per_day {
        profile.new_per_day = n;
    }
    store.ensure_cards(profile.id)?;
    Ok((lib, store, profile))
}

/// `--profile NAME` (checking its PIN from `TUTOR_PIN` or a line on stdin), else the default.
pub fn choose_profile(env: &Env, store: &mut Store) -> Result<Profile, StoreError> {
    let profile = match &env.global.profile {
        Some(name) => store
            .profile(name)?
            .ok_or_else(|| StoreError::NoProfile(name.clone()))?,
        None => store.default_profile(&os_user_name())?,
    };
    if profile.has_pin {
        let pin =
            super::pin::secret_from(super::pin::PIN_ENV, &format!("PIN for {}: ", profile.name))?;
        store.verify_pin(&profile, &pin)?;
    }
    Ok(profile)
}

/// The profile's scheduler (personal parameters when optimized).
pub fn scheduler(env: &Env, profile: &Profile) -> Scheduler {
    let retention = env
        .config
        .review
        .desired_retention
        .unwrap_or(profile.desired_retention);
    Scheduler::new(&profile.fsrs_params, retention)
        .or_else(|_| Scheduler::new(&[], retention))
        .expect("default FSRS parameters are valid")
}
