//! `tutor profile`, `stats`, `report`, `optimize`, `backup`, `restore`.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use super::Env;
use super::course_cmds::library;
use super::pin::{new_pin, require_teacher};
use super::progress::{choose_profile, open_store, scheduler, session};
use crate::srs::MIN_REVIEWS_TO_OPTIMIZE;
use crate::store::backup::{check_backup, restore as restore_db};
use crate::store::stats::{local_offset, report_csv};
use crate::store::{Store, StoreError, now};

fn read_line(prompt: &str) -> Result<String, StoreError> {
    eprint!("{prompt}");
    let mut s = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut s)
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok(s.trim().to_string())
}

/// `tutor profile add NAME [--pin]`.
pub fn profile_add(env: &Env, name: &str, pin: bool) -> Result<(), StoreError> {
    let mut store = open_store(env, &library(env, &[]))?;
    let pin = if pin {
        Some(new_pin("New PIN: ")?)
    } else {
        None
    };
    let p = store.add_profile(name, pin.as_deref())?;
    store.ensure_cards(p.id)?;
    println!(
        "added profile {}{}",
        p.name,
        if p.has_pin { " (with PIN)" } else { "" }
    );
    Ok(())
}

/// `tutor teacher-pin [--clear]`: stores the teacher PIN's hash in the config file. Changing
/// or clearing a PIN that is set asks for the current one first.
pub fn teacher_pin(env: &Env, clear: bool) -> Result<(), StoreError> {
    let mut config = env.config.clone();
    if config.ui.teacher_pin.is_some() {
        require_teacher(
            env,
            if clear {
                "clearing the teacher PIN"
            } else {
                "changing the teacher PIN"
            },
        )?;
    }
    if clear {
        config.ui.teacher_pin = None;
    } else {
        let pin = new_pin("New teacher PIN: ")?;
        config.ui.teacher_pin = Some(crate::store::profiles::hash_pin(&pin)?);
    }
    config
        .save(&env.paths.config_file)
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    println!(
        "teacher PIN {} ({})",
        if clear { "removed" } else { "set" },
        env.paths.config_file.display()
    );
    Ok(())
}

/// `tutor profile list`.
pub fn profile_list(env: &Env) -> Result<(), StoreError> {
    let mut store = open_store(env, &library(env, &[]))?;
    let default = store.default_profile(&crate::store::profiles::os_user_name())?;
    for p in store.profiles()? {
        println!(
            "{}{}{}",
            p.name,
            if p.id == default.id {
                "  (default)"
            } else {
                ""
            },
            if p.has_pin { "  [PIN]" } else { "" }
        );
    }
    Ok(())
}

/// `tutor profile rename OLD NEW`.
pub fn profile_rename(env: &Env, old: &str, new: &str) -> Result<(), StoreError> {
    let mut store = open_store(env, &library(env, &[]))?;
    store.rename_profile(old, new)?;
    println!("renamed {old} to {new}");
    Ok(())
}

/// `tutor profile remove NAME [--yes]`: asks to confirm, then keeps a backup first.
pub fn profile_remove(env: &Env, name: &str, yes: bool) -> Result<(), StoreError> {
    require_teacher(env, "removing a profile")?;
    let mut store = open_store(env, &library(env, &[]))?;
    let p = store
        .profile(name)?
        .ok_or_else(|| StoreError::NoProfile(name.into()))?;
    if !yes {
        let typed = read_line(&format!(
            "This deletes all progress of {:?}. A backup is kept. Type the name again to confirm: ",
            p.name
        ))?;
        if typed != p.name {
            println!("not removed");
            return Ok(());
        }
    }
    let backup = env.paths.backups_dir().join(format!(
        "before-removing-{}-{}.sqlite3",
        sanitize(&p.name),
        now()
    ));
    store.backup_to(&backup)?;
    store.remove_profile(&p.name)?;
    println!("removed {}; a backup is at {}", p.name, backup.display());
    Ok(())
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect()
}

/// `tutor stats [--json]`.
pub fn stats(env: &Env, json: bool) -> Result<(), StoreError> {
    let (_lib, store, profile) = session(env, &[])?;
    let sched = scheduler(env, &profile);
    let s = store.stats(&profile, &sched, now(), local_offset())?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&s).expect("serializable")
        );
        return Ok(());
    }
    println!("{}", s.profile);
    println!(
        "  due today     {:>5}   cards to review before tomorrow",
        s.due_today
    );
    println!(
        "  streak        {:>5}   days in a row with at least one review",
        s.streak_days
    );
    println!(
        "  reviews       {:>5}   answers recorded, ever",
        s.reviews_total
    );
    match s.retention {
        Some(r) => println!(
            "  retention     {:>4.0}%   review answers right in the last 30 days",
            r * 100.0
        ),
        None => println!("  retention         –   (no reviews of learned cards yet)"),
    }
    let next7: u32 = s.forecast.iter().take(7).map(|d| d.count).sum();
    println!("  next 7 days   {next7:>5}   reviews coming up");
    for c in &s.courses {
        println!("\n  {} ({:.0}% mastered)", c.title, c.mastery * 100.0);
        for k in &c.concepts {
            let bar = "█".repeat((k.mastery * 10.0).round() as usize);
            println!(
                "    {:<36} {:<10} {:>3.0}%",
                k.title,
                bar,
                k.mastery * 100.0
            );
        }
    }
    Ok(())
}

/// `tutor report --all --format csv|json [-o FILE]` (every student: asks the teacher PIN).
pub fn report(env: &Env, format: &str, output: Option<&Path>) -> Result<(), StoreError> {
    require_teacher(env, "the class report")?;
    let store = open_store(env, &library(env, &[]))?;
    let rows = store.report(now())?;
    let text = match format {
        "json" => serde_json::to_string_pretty(&rows).expect("serializable"),
        "csv" => report_csv(&rows),
        other => {
            return Err(StoreError::Invalid(format!(
                "unknown format {other:?}: use csv or json"
            )));
        }
    };
    match output {
        Some(p) => {
            std::fs::write(p, text).map_err(|source| StoreError::Io {
                path: p.into(),
                source,
            })?;
            eprintln!("wrote {} rows to {}", rows.len(), p.display());
        }
        None => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
        }
    }
    Ok(())
}

/// `tutor optimize`: fits personal FSRS parameters from the profile's review log.
pub fn optimize(env: &Env) -> Result<(), StoreError> {
    let mut store = Store::open(&env.paths.database())?;
    let profile = choose_profile(env, &mut store)?;
    let (items, reviews) = store.fsrs_items(profile.id)?;
    if reviews < MIN_REVIEWS_TO_OPTIMIZE {
        println!(
            "{} has {reviews} reviews; optimizing needs at least {MIN_REVIEWS_TO_OPTIMIZE}: {} more. Keep reviewing!",
            profile.name,
            MIN_REVIEWS_TO_OPTIMIZE - reviews
        );
        return Ok(());
    }
    println!(
        "fitting FSRS parameters to {reviews} reviews ({} training items) ...",
        items.len()
    );
    let input = fsrs::ComputeParametersInput {
        train_set: items,
        ..Default::default()
    };
    match fsrs::compute_parameters(input) {
        Ok(params) => {
            store.set_fsrs_params(profile.id, &params)?;
            println!("saved personal parameters for {}", profile.name);
            Ok(())
        }
        Err(fsrs::FSRSError::NotEnoughData) => {
            println!(
                "not enough spaced reviews yet to fit parameters (reviews on different days are needed); keep reviewing"
            );
            Ok(())
        }
        Err(e) => Err(StoreError::Invalid(format!("optimizer failed: {e:?}"))),
    }
}

/// `tutor backup [PATH]`.
pub fn backup(env: &Env, path: Option<PathBuf>) -> Result<(), StoreError> {
    // A copy of the database is every student's data.
    require_teacher(env, "a backup")?;
    let store = Store::open(&env.paths.database())?;
    let dest = path.unwrap_or_else(|| {
        env.paths
            .backups_dir()
            .join(format!("manual-{}.sqlite3", now()))
    });
    store.backup_to(&dest)?;
    println!("backed up to {}", dest.display());
    Ok(())
}

/// `tutor restore PATH`.
pub fn restore(env: &Env, from: &Path) -> Result<(), StoreError> {
    require_teacher(env, "restoring a backup")?;
    let version = check_backup(from)?;
    let kept = restore_db(&env.paths.database(), from, now())?;
    println!("restored {} (schema {version})", from.display());
    if let Some(k) = kept {
        println!("the previous database was kept at {}", k.display());
    }
    // Open once so an older backup is migrated now, with a clear error if anything is off.
    Store::open(&env.paths.database())?;
    Ok(())
}
