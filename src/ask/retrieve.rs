//! Retrieval: the question's content words → FTS5 candidates ranked by BM25 (headings weigh
//! as much as body text; a heading made of the question's words and neighbouring question words
//! found side by side lift a passage) → each candidate's *coverage*: the share of the question's IDF weight
//! (rare words count more) that the passage contains. A passage is relevant only when its
//! coverage reaches [`MIN_COVERAGE`]; when none does, the honest answer is "not in your course
//! material".

use std::collections::HashSet;

use rusqlite::params;
use serde::Serialize;

use super::AskError;
use super::index::AskIndex;
use super::passages::Passage;
use super::text::{content_stems, is_stopword, words};

/// The least share of the question's weighted content words a passage must contain to count as
/// an answer (tuned on `eval/ask.toml`; see `tutor ask --bench`).
pub const MIN_COVERAGE: f64 = 0.4;

/// How much a heading made of the question's own words lifts a passage ("what is a fraction?"
/// → the section "What is a fraction?", the glossary entry "fraction").
const HEADING_BONUS: f64 = 0.5;

/// How much each pair of neighbouring question words found side by side in a passage lifts it
/// ("bottom number" → "The bottom number is called the denominator").
const PHRASE_BONUS: f64 = 1.0;

/// Candidates fetched from FTS5 before re-scoring.
const CANDIDATES: usize = 30;

/// One retrieved passage with its scores.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub passage: Passage,
    /// Higher is better (negated FTS5 `bm25`, scaled by coverage).
    pub score: f64,
    /// Share of the question's IDF weight found in the passage, 0..=1.
    pub coverage: f64,
}

impl Hit {
    /// Whether this passage is relevant enough to answer from.
    pub fn relevant(&self) -> bool {
        self.coverage >= MIN_COVERAGE
    }
}

fn is_term(w: &str) -> bool {
    !is_stopword(w) && (w.chars().count() > 1 || w.chars().all(|c| c.is_ascii_digit()))
}

/// The question's search terms: content words without stopwords, each once.
pub fn terms(question: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    words(question)
        .into_iter()
        .filter(|w| is_term(w))
        .filter(|w| seen.insert(w.clone()))
        .collect()
}

/// Neighbouring search terms of the question, as FTS5 phrases (`"bottom number"`).
fn phrases(question: &str) -> Vec<String> {
    let w = words(question);
    let mut out: Vec<String> = w
        .windows(2)
        .filter(|p| is_term(&p[0]) && is_term(&p[1]))
        .map(|p| format!("\"{} {}\"", p[0], p[1]))
        .collect();
    out.dedup();
    out
}

/// The `k` best passages of `course` for `question`, best first (relevant or not).
pub fn search(
    index: &AskIndex,
    course: &str,
    question: &str,
    k: usize,
) -> Result<Vec<Hit>, AskError> {
    let terms = terms(question);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let conn = index.conn();
    let n = index.passage_count(course)? as f64;
    // Which passages contain each term (FTS5 does the stemming).
    let mut containing: Vec<HashSet<i64>> = Vec::with_capacity(terms.len());
    let mut by_term =
        conn.prepare("SELECT rowid FROM ask_passages WHERE ask_passages MATCH ?1 AND course = ?2")?;
    for t in &terms {
        let q = format!("\"{t}\"");
        let rows = by_term
            .query_map(params![q, course], |r| r.get::<_, i64>(0))?
            .collect::<Result<HashSet<_>, _>>()?;
        containing.push(rows);
    }
    let mut with_phrase: Vec<HashSet<i64>> = Vec::new();
    for p in phrases(question) {
        with_phrase.push(
            by_term
                .query_map(params![p, course], |r| r.get::<_, i64>(0))?
                .collect::<Result<HashSet<_>, _>>()?,
        );
    }
    let idf: Vec<f64> = containing
        .iter()
        .map(|rows| {
            let df = rows.len() as f64;
            (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
        })
        .collect();
    let total: f64 = idf.iter().sum();
    let query = terms
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(" OR ");
    let mut stmt = conn.prepare(
        "SELECT rowid, file, heading, line, body, bm25(ask_passages, 0.0, 0.0, 1.0, 0.0, 1.0)
         FROM ask_passages WHERE ask_passages MATCH ?1 AND course = ?2
         ORDER BY rank LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![query, course, CANDIDATES as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            Passage {
                file: r.get(1)?,
                heading: r.get(2)?,
                line: r.get::<_, i64>(3)? as usize,
                text: r.get(4)?,
            },
            r.get::<_, f64>(5)?,
        ))
    })?;
    let question_stems: HashSet<String> = content_stems(question).into_iter().collect();
    let mut hits = Vec::new();
    let mut seen_text = HashSet::new();
    for row in rows {
        let (rowid, passage, bm25) = row?;
        if !seen_text.insert(passage.text.clone()) {
            continue;
        }
        let covered: f64 = containing
            .iter()
            .zip(&idf)
            .filter(|(rows, _)| rows.contains(&rowid))
            .map(|(_, w)| w)
            .sum();
        let coverage = if total > 0.0 { covered / total } else { 0.0 };
        let heading = content_stems(&passage.heading);
        let heading_share = if heading.is_empty() {
            0.0
        } else {
            heading
                .iter()
                .filter(|w| question_stems.contains(*w))
                .count() as f64
                / heading.len() as f64
        };
        let phrases_found = with_phrase.iter().filter(|s| s.contains(&rowid)).count() as f64;
        hits.push(Hit {
            passage,
            score: -bm25
                * (0.5 + coverage)
                * (1.0 + HEADING_BONUS * heading_share)
                * (1.0 + PHRASE_BONUS * phrases_found),
            coverage,
        });
    }
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
    hits.truncate(k);
    Ok(hits)
}
