//! The schema, as ordered migrations tracked by `PRAGMA user_version`.
//!
//! Never edit a released migration: add a new one. `tests/store.rs` migrates an empty database
//! and a database at every earlier version.

/// Migration `i` brings a database from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // v1: profiles, courses, cards, review log.
    r#"
    CREATE TABLE profiles (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        pin_hash TEXT,
        is_default INTEGER NOT NULL DEFAULT 0,
        desired_retention REAL NOT NULL DEFAULT 0.9,
        new_per_day INTEGER NOT NULL DEFAULT 20,
        fsrs_params TEXT,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE courses (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        version TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        origin TEXT NOT NULL,
        synced_at INTEGER NOT NULL
    );
    CREATE TABLE concepts (
        course_id TEXT NOT NULL REFERENCES courses(id),
        id TEXT NOT NULL,
        title TEXT NOT NULL,
        position INTEGER NOT NULL,
        requires TEXT NOT NULL DEFAULT '[]',
        retired INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (course_id, id)
    );
    CREATE TABLE checks (
        course_id TEXT NOT NULL,
        id TEXT NOT NULL,
        concept_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        prompt TEXT NOT NULL,
        position INTEGER NOT NULL,
        retired INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (course_id, id),
        FOREIGN KEY (course_id, concept_id) REFERENCES concepts(course_id, id)
    );
    CREATE TABLE cards (
        id INTEGER PRIMARY KEY,
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        course_id TEXT NOT NULL,
        check_id TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'new',
        stability REAL,
        difficulty REAL,
        due INTEGER,
        last_review INTEGER,
        reps INTEGER NOT NULL DEFAULT 0,
        lapses INTEGER NOT NULL DEFAULT 0,
        UNIQUE (profile_id, course_id, check_id),
        FOREIGN KEY (course_id, check_id) REFERENCES checks(course_id, id)
    );
    CREATE INDEX cards_due ON cards(profile_id, due);
    CREATE TABLE review_log (
        id INTEGER PRIMARY KEY,
        card_id INTEGER NOT NULL REFERENCES cards(id) ON DELETE CASCADE,
        profile_id INTEGER NOT NULL,
        reviewed_at INTEGER NOT NULL,
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
        source TEXT NOT NULL,
        elapsed_days REAL NOT NULL,
        attempts INTEGER NOT NULL,
        hints_used INTEGER NOT NULL,
        response_ms INTEGER NOT NULL,
        correct INTEGER NOT NULL,
        state_before TEXT NOT NULL,
        answer TEXT
    );
    CREATE INDEX review_log_profile_time ON review_log(profile_id, reviewed_at);
    CREATE INDEX review_log_card ON review_log(card_id);
    "#,
    // v2: tutoring sessions and their transcripts.
    r#"
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        course_id TEXT NOT NULL,
        concept_id TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        summary TEXT
    );
    CREATE INDEX sessions_profile ON sessions(profile_id, started_at);
    CREATE TABLE transcript (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        at INTEGER NOT NULL,
        role TEXT NOT NULL,
        move TEXT,
        content TEXT NOT NULL
    );
    CREATE INDEX transcript_session ON transcript(session_id, id);
    "#,
    // v3: small key/value facts (e.g. when the last automatic backup ran) and a card index
    // for per-course queues.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE INDEX cards_course ON cards(profile_id, course_id, state);
    "#,
    // v4 (class merge): a globally unique id on every profile, review, lesson and transcript
    // line, and the laptop each review and lesson happened on (NULL: this laptop), so progress
    // exported from many laptops merges without duplicates (`store::merge`). Review and line
    // ids start with the time in milliseconds (12 hex digits), so sorting by id follows time.
    // Rows inserted without an id get one from the triggers. Self-contained: it touches only
    // its own columns, tables, indexes and triggers.
    r#"
    ALTER TABLE profiles ADD COLUMN uid TEXT;
    ALTER TABLE review_log ADD COLUMN uid TEXT;
    ALTER TABLE review_log ADD COLUMN origin TEXT;
    ALTER TABLE sessions ADD COLUMN uid TEXT;
    ALTER TABLE sessions ADD COLUMN origin TEXT;
    ALTER TABLE transcript ADD COLUMN uid TEXT;
    UPDATE profiles SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
    UPDATE review_log SET uid = printf('%012x%04x', reviewed_at * 1000, id % 65536) || lower(hex(randomblob(8)))
      WHERE uid IS NULL;
    UPDATE sessions SET uid = printf('%012x%04x', started_at * 1000, id % 65536) || lower(hex(randomblob(8)))
      WHERE uid IS NULL;
    UPDATE transcript SET uid = printf('%012x%04x', at * 1000, id % 65536) || lower(hex(randomblob(8)))
      WHERE uid IS NULL;
    CREATE UNIQUE INDEX profiles_uid ON profiles(uid);
    CREATE UNIQUE INDEX review_log_uid ON review_log(uid);
    CREATE UNIQUE INDEX sessions_uid ON sessions(uid);
    CREATE UNIQUE INDEX transcript_uid ON transcript(uid);
    CREATE TRIGGER profiles_uid_default AFTER INSERT ON profiles WHEN NEW.uid IS NULL BEGIN
      UPDATE profiles SET uid = lower(hex(randomblob(16))) WHERE id = NEW.id;
    END;
    CREATE TRIGGER review_log_uid_default AFTER INSERT ON review_log WHEN NEW.uid IS NULL BEGIN
      UPDATE review_log SET uid = printf('%012x%04x', NEW.reviewed_at * 1000, NEW.id % 65536)
        || lower(hex(randomblob(8))) WHERE id = NEW.id;
    END;
    CREATE TRIGGER sessions_uid_default AFTER INSERT ON sessions WHEN NEW.uid IS NULL BEGIN
      UPDATE sessions SET uid = printf('%012x%04x', NEW.started_at * 1000, NEW.id % 65536)
        || lower(hex(randomblob(8))) WHERE id = NEW.id;
    END;
    CREATE TRIGGER transcript_uid_default AFTER INSERT ON transcript WHEN NEW.uid IS NULL BEGIN
      UPDATE transcript SET uid = printf('%012x%04x', NEW.at * 1000, NEW.id % 65536)
        || lower(hex(randomblob(8))) WHERE id = NEW.id;
    END;
    -- Laptops whose progress is in this database (this one included), by their random id.
    CREATE TABLE laptops (id TEXT PRIMARY KEY, name TEXT NOT NULL);
    -- Profiles from other laptops the teacher said are the same student as a profile here.
    CREATE TABLE profile_links (
        uid TEXT PRIMARY KEY,
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE
    );
    "#,
];

/// The schema version this build writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;
