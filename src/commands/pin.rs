//! PIN entry and the teacher gate.
//!
//! PINs typed at a terminal are read without echo (`rpassword`, from the controlling
//! terminal); from a pipe (scripts, tests) one line is read from stdin. The environment
//! variables `TUTOR_PIN` (a profile's PIN, or a new PIN) and `TUTOR_TEACHER_PIN` (the current
//! teacher PIN) answer without a prompt.
//!
//! Every command that shows or exports other students' data calls [`require_teacher`] first:
//! once a teacher PIN is set, it must be given.

use std::io::{BufRead, IsTerminal};

use super::Env;
use crate::store::StoreError;
use crate::store::profiles::verify_hash;

/// The current teacher PIN, for scripts.
pub const TEACHER_PIN_ENV: &str = "TUTOR_TEACHER_PIN";
/// A profile's PIN or a new PIN, for scripts.
pub const PIN_ENV: &str = "TUTOR_PIN";

/// Reads a secret: without echo at a terminal, else a line from stdin. Trimmed.
pub fn read_secret(prompt: &str) -> Result<String, StoreError> {
    let io = |e: std::io::Error| StoreError::Invalid(format!("cannot read the PIN: {e}"));
    let text = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).map_err(io)?
    } else {
        eprint!("{prompt}");
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(io)?;
        eprintln!();
        line
    };
    Ok(text.trim().to_string())
}

/// `var` from the environment when set, else [`read_secret`].
pub fn secret_from(var: &str, prompt: &str) -> Result<String, StoreError> {
    match std::env::var(var) {
        Ok(p) => Ok(p.trim().to_string()),
        Err(_) => read_secret(prompt),
    }
}

/// Asks for the teacher PIN when one is set (`what` names the action in the error).
pub fn require_teacher(env: &Env, what: &str) -> Result<(), StoreError> {
    let Some(hash) = env.config.ui.teacher_pin.as_deref() else {
        return Ok(());
    };
    let pin = secret_from(TEACHER_PIN_ENV, "Teacher PIN: ")?;
    if verify_hash(hash, &pin) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "wrong teacher PIN: {what} needs the teacher PIN (set with `tutor teacher-pin`)"
        )))
    }
}

/// A new PIN: `TUTOR_PIN`, or typed twice. At least 4 characters.
pub fn new_pin(prompt: &str) -> Result<String, StoreError> {
    let pin = match std::env::var(PIN_ENV) {
        Ok(p) => p.trim().to_string(),
        Err(_) => {
            let a = read_secret(prompt)?;
            if a != read_secret("Repeat the PIN: ")? {
                return Err(StoreError::Invalid(
                    "the two PINs differ; nothing was changed".into(),
                ));
            }
            a
        }
    };
    if pin.chars().count() < 4 {
        return Err(StoreError::Invalid(
            "a PIN needs at least 4 characters".into(),
        ));
    }
    Ok(pin)
}
