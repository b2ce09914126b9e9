//! Profiles: several students on one laptop. A fresh data dir needs no set-up: the default
//! profile (named after the OS user) is created on first use. PINs are stored only as salted
//! Argon2id hashes.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rusqlite::{OptionalExtension, Row, params};

use super::{Result, Store, StoreError, now};

/// One learner.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Profile {
    pub id: i64,
    pub name: String,
    pub has_pin: bool,
    pub is_default: bool,
    pub desired_retention: f32,
    pub new_per_day: u32,
    /// Personal FSRS parameters from `tutor optimize` (empty = defaults).
    pub fsrs_params: Vec<f32>,
}

const COLS: &str =
    "id, name, pin_hash IS NOT NULL, is_default, desired_retention, new_per_day, fsrs_params";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Profile> {
    let params: Option<String> = r.get(6)?;
    Ok(Profile {
        id: r.get(0)?,
        name: r.get(1)?,
        has_pin: r.get(2)?,
        is_default: r.get(3)?,
        desired_retention: r.get::<_, f64>(4)? as f32,
        new_per_day: r.get(5)?,
        fsrs_params: params
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or_default(),
    })
}

/// The OS user's name, for the default profile.
pub fn os_user_name() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "student".into())
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 || name.chars().any(char::is_control) {
        return Err(StoreError::Invalid(
            "a profile name must be 1–40 printable characters".into(),
        ));
    }
    Ok(name.to_string())
}

/// Hashes a PIN (Argon2id, random salt).
pub fn hash_pin(pin: &str) -> Result<String> {
    let salt_bytes: [u8; 16] = rand::random();
    let salt =
        SaltString::encode_b64(&salt_bytes).map_err(|e| StoreError::Invalid(e.to_string()))?;
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Invalid(e.to_string()))
}

/// Whether `pin` matches an Argon2 hash from [`hash_pin`].
pub fn verify_hash(hash: &str, pin: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(pin.trim().as_bytes(), &h)
            .is_ok()
    })
}

impl Store {
    /// All profiles, by name.
    pub fn profiles(&self) -> Result<Vec<Profile>> {
        let mut st = self
            .conn
            .prepare(&format!("SELECT {COLS} FROM profiles ORDER BY name"))?;
        let rows = st.query_map([], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The profile called `name` (case-insensitive).
    pub fn profile(&self, name: &str) -> Result<Option<Profile>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLS} FROM profiles WHERE name = ?1"),
                [name.trim()],
                from_row,
            )
            .optional()?)
    }

    /// Creates a profile, optionally with a PIN.
    pub fn add_profile(&mut self, name: &str, pin: Option<&str>) -> Result<Profile> {
        let name = check_name(name)?;
        if self.profile(&name)?.is_some() {
            return Err(StoreError::ProfileExists(name));
        }
        let hash = pin.map(hash_pin).transpose()?;
        self.write(|tx| {
            let first = tx.query_row("SELECT count(*) = 0 FROM profiles", [], |r| r.get::<_, bool>(0))?;
            tx.execute(
                "INSERT INTO profiles(name, pin_hash, is_default, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![name, hash, first, now()],
            )?;
            Ok(())
        })?;
        self.profile(&name)?.ok_or(StoreError::NoProfile(name))
    }

    /// The default profile, created (named after `os_user`) when there is none.
    pub fn default_profile(&mut self, os_user: &str) -> Result<Profile> {
        if let Some(p) = self
            .conn
            .query_row(
                &format!("SELECT {COLS} FROM profiles ORDER BY is_default DESC, id LIMIT 1"),
                [],
                from_row,
            )
            .optional()?
        {
            return Ok(p);
        }
        let name = check_name(os_user).unwrap_or_else(|_| "student".into());
        match self.add_profile(&name, None) {
            Err(StoreError::ProfileExists(_)) => {
                self.profile(&name)?.ok_or(StoreError::NoProfile(name))
            }
            other => other,
        }
    }

    /// Checks a PIN (profiles without a PIN accept anything).
    pub fn verify_pin(&self, profile: &Profile, pin: &str) -> Result<()> {
        let hash: Option<String> = self.conn.query_row(
            "SELECT pin_hash FROM profiles WHERE id = ?1",
            [profile.id],
            |r| r.get(0),
        )?;
        let Some(hash) = hash else { return Ok(()) };
        let parsed = PasswordHash::new(&hash).map_err(|e| StoreError::Invalid(e.to_string()))?;
        Argon2::default()
            .verify_password(pin.trim().as_bytes(), &parsed)
            .map_err(|_| StoreError::WrongPin(profile.name.clone()))
    }

    /// Renames a profile (progress stays with it).
    pub fn rename_profile(&mut self, old: &str, new: &str) -> Result<()> {
        let new = check_name(new)?;
        let p = self
            .profile(old)?
            .ok_or_else(|| StoreError::NoProfile(old.into()))?;
        if self.profile(&new)?.is_some_and(|q| q.id != p.id) {
            return Err(StoreError::ProfileExists(new));
        }
        self.write(|tx| {
            tx.execute(
                "UPDATE profiles SET name = ?1 WHERE id = ?2",
                params![new, p.id],
            )?;
            Ok(())
        })
    }

    /// Deletes a profile and everything it learned (take a backup first).
    pub fn remove_profile(&mut self, name: &str) -> Result<()> {
        let p = self
            .profile(name)?
            .ok_or_else(|| StoreError::NoProfile(name.into()))?;
        self.write(|tx| {
            tx.execute("DELETE FROM review_log WHERE profile_id = ?1", [p.id])?;
            tx.execute("DELETE FROM profiles WHERE id = ?1", [p.id])?;
            if p.is_default {
                tx.execute(
                    "UPDATE profiles SET is_default = 1 WHERE id = (SELECT min(id) FROM profiles)",
                    [],
                )?;
            }
            Ok(())
        })
    }

    /// Sets a profile's desired retention (0.7–0.99).
    pub fn set_retention(&mut self, profile_id: i64, retention: f32) -> Result<()> {
        if !(0.7..=0.99).contains(&retention) {
            return Err(StoreError::Invalid(
                "desired retention must be between 0.70 and 0.99".into(),
            ));
        }
        self.write(|tx| {
            tx.execute(
                "UPDATE profiles SET desired_retention = ?1 WHERE id = ?2",
                params![retention, profile_id],
            )?;
            Ok(())
        })
    }

    /// Stores personal FSRS parameters.
    pub fn set_fsrs_params(&mut self, profile_id: i64, params: &[f32]) -> Result<()> {
        let json = serde_json::to_string(params).expect("floats serialize");
        self.write(|tx| {
            tx.execute(
                "UPDATE profiles SET fsrs_params = ?1 WHERE id = ?2",
                params![json, profile_id],
            )?;
            Ok(())
        })
    }
}
