//! The end-of-lesson summary, from the course's own words only: the concept by its title, how
//! the checks went, the questions to review (by their prompt, never an id), and each mistaken
//! idea that came up stated as corrected, never as something learned. No model words.

use super::super::policy::CheckResult;
use crate::curriculum::Concept;

fn short(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        return s;
    }
    let cut: String = s.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
    format!("{cut}…")
}

/// The summary of a lesson on `concept`. `posed`: every check shown (answered or not);
/// `corrected`: misconceptions met and addressed.
pub fn summary(
    concept: &Concept,
    results: &[CheckResult],
    posed: &[usize],
    corrected: &[usize],
) -> String {
    let right = results.iter().filter(|r| r.correct).count();
    let t = concept.title.trim();
    let title = if t.ends_with(['.', '?', '!']) {
        t.to_string()
    } else {
        format!("{t}.")
    };
    let mut s = if posed.is_empty() {
        format!("Lesson summary: {title} We did not get to the checks this time.")
    } else {
        let open = posed.len().saturating_sub(results.len());
        let unanswered = match open {
            0 => String::new(),
            1 => " One was left unanswered.".to_string(),
            n => format!(" {n} were left unanswered."),
        };
        let n = posed.len();
        let checks = if n == 1 { "check" } else { "checks" };
        format!(
            "Lesson summary: {title} You answered {right} of {n} {checks} correctly.{unanswered}"
        )
    };
    let review: Vec<String> = posed
        .iter()
        .filter(|i| !results.iter().any(|r| r.index == **i && r.correct))
        .filter_map(|&i| concept.checks.get(i))
        .map(|c| format!("\"{}\"", short(&c.prompt, 70)))
        .collect();
    if !review.is_empty() {
        s.push_str(&format!(" To review soon: {}.", review.join("; ")));
    }
    let ideas: Vec<String> = corrected
        .iter()
        .filter_map(|&i| concept.misconceptions.get(i))
        .map(|m| format!("\"{}\"", m.belief.trim().trim_end_matches(['.', '!'])))
        .collect();
    if !ideas.is_empty() {
        s.push_str(&format!(
            " A mistaken idea we corrected (it is not true): {}.",
            ideas.join("; ")
        ));
    }
    s
}
