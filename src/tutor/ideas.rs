//! Reading a student's words against the ideas a teacher expects (a guiding question's
//! `expect`, a text check's `ideas`). Each idea is a list of alternative wordings; an
//! alternative is *said* when every one of its words is in one clause of the line (word endings
//! ignored, numbers compared by value: "half" says "1/2"), and *denied* when that clause
//! negates it ("they don't have to be equal" denies "equal"). No model: the same line always
//! reads the same way, and `tutor eval` measures it on labelled answers it was not tuned on.

use crate::ask::text::{stem, words};
use crate::curriculum::grade::number;

/// What a line does with one idea.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IdeaState {
    /// Said (in one of its wordings), not negated.
    Said,
    /// Said and negated.
    Denied,
    /// Not mentioned.
    Missing,
}

/// How a reply measures up against all the expected ideas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IdeaVerdict {
    /// Every idea said, none denied.
    Right,
    /// At least half the ideas said, none denied.
    Partial,
    /// Fewer than half said, or one denied.
    Wrong,
}

/// Words that negate what their clause says (apostrophes already dropped by [`words`]).
const NEGATORS: &[&str] = &[
    "not", "no", "never", "nothing", "none", "neither", "nor", "cannot", "dont", "doesnt", "didnt",
    "isnt", "arent", "wasnt", "werent", "cant", "couldnt", "wont", "wouldnt", "shouldnt", "hasnt",
    "havent", "hadnt", "aint", "mustnt", "neednt", "nope",
];

/// Words that end a clause: what follows is a new statement ("it's not 3 but 4").
const CLAUSE_BREAKS: &[&str] = &[
    "but", "although", "though", "whereas", "however", "instead", "because", "so",
];

/// Whether `w` (lower case, apostrophes dropped) negates its clause.
pub fn is_negator(w: &str) -> bool {
    NEGATORS.contains(&w)
}

/// Articles and fillers an alternative may carry without the student having to say them.
fn droppable(w: &str) -> bool {
    matches!(w, "a" | "an" | "the" | "of" | "is" | "are" | "it" | "its")
}

/// Words that answer on their own at the start of a reply ("no, it's still 1/2").
const YES_NO: &[&str] = &["yes", "no", "nope", "yeah", "yep", "nah"];

/// The clauses of `line`: split at punctuation, at contrast words, and after a leading yes/no.
pub fn clauses(line: &str) -> Vec<String> {
    clauses_with(line, &[])
}

/// [`clauses`], also split at "and": each idea of a list is read with its own negation ("it
/// doesn't lose water and photosynthesis gets slower").
pub fn idea_clauses(line: &str) -> Vec<String> {
    clauses_with(line, &["and"])
}

/// [`clauses`], also split at "or": a consequence ("…equal or it won't work") does not carry
/// its negation into the statement before it (for reading beliefs).
pub fn belief_clauses(line: &str) -> Vec<String> {
    clauses_with(line, &["or"])
}

fn clauses_with(line: &str, more: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for part in line.split(['.', ',', ';', '!', '?', ':', '\n']) {
        let mut cur: Vec<&str> = Vec::new();
        for w in part.split_whitespace() {
            let bare = w.to_lowercase();
            let after_yes_no = cur.len() == 1 && YES_NO.contains(&cur[0].to_lowercase().as_str());
            let breaks = CLAUSE_BREAKS.contains(&bare.as_str()) || more.contains(&bare.as_str());
            if (breaks && !cur.is_empty()) || after_yes_no {
                out.push(cur.join(" "));
                cur.clear();
            }
            cur.push(w);
        }
        if !cur.is_empty() {
            out.push(cur.join(" "));
        }
    }
    out
}

/// Whether `clause` says `alternative` with the same polarity (`Some(true)`), says it negated
/// (`Some(false)`), or does not say it (`None`).
fn says(clause: &str, stray_numbers: bool, alternative: &str) -> Option<bool> {
    let cw = words(clause);
    let stems: Vec<String> = cw.iter().map(|w| stem(w)).collect();
    let alt_words = words(alternative);
    let alt_neg = alt_words.iter().filter(|w| is_negator(w)).count();
    let clause_neg = cw.iter().filter(|w| is_negator(w)).count();
    // A number idea ("1/2", "50%") is said by any number of the same value; words ("half",
    // "co2") are matched as words.
    let numeric = !alternative.chars().any(char::is_alphabetic);
    let found = if let Some(key) = numeric
        .then(|| number::read_one(alternative, "en").ok())
        .flatten()
    {
        // A number idea: a number of the same value in the clause ("half" says 1/2), and no
        // number in the reply that no idea expects ("4, 5 and 6" does not say 5 and 6).
        let same = |v: f64| (v - key.value).abs() < 1e-9 * key.value.abs().max(1.0);
        !stray_numbers && numbers_in(clause).iter().any(|v| same(*v))
    } else if alt_words.iter().all(|w| is_negator(w)) {
        // "no" alone: said by a clause that is just "no".
        !alt_words.is_empty() && cw == alt_words
    } else {
        let needed: Vec<String> = alt_words
            .iter()
            .filter(|w| !droppable(w) && !is_negator(w))
            .map(|w| stem(w))
            .collect();
        !needed.is_empty() && needed.iter().all(|n| stems.contains(n))
    };
    found.then_some(clause_neg % 2 == alt_neg % 2)
}

/// The values of the numbers written in `text` (digits, fractions, number words).
fn numbers_in(text: &str) -> Vec<f64> {
    number::candidates(&number::prepare(text, "en"), "en")
        .iter()
        .map(|c| c.value)
        .collect()
}

/// What `line` does with each idea (each a list of alternative wordings).
pub fn read(ideas: &[Vec<String>], line: &str) -> Vec<IdeaState> {
    let cls = idea_clauses(line);
    let expected: Vec<f64> = ideas
        .iter()
        .flatten()
        .filter(|a| !a.chars().any(char::is_alphabetic))
        .filter_map(|a| number::read_one(a, "en").ok().map(|c| c.value))
        .collect();
    let stray = numbers_in(line).iter().any(|v| {
        !expected
            .iter()
            .any(|e| (v - e).abs() < 1e-9 * e.abs().max(1.0))
    });
    ideas
        .iter()
        .map(|alts| {
            let mut denied = false;
            for c in &cls {
                for a in alts {
                    match says(c, stray, a) {
                        Some(true) => return IdeaState::Said,
                        Some(false) => denied = true,
                        None => {}
                    }
                }
            }
            if denied {
                IdeaState::Denied
            } else {
                IdeaState::Missing
            }
        })
        .collect()
}

/// The verdict for a reading of several ideas.
pub fn verdict(states: &[IdeaState]) -> IdeaVerdict {
    let said = states.iter().filter(|s| **s == IdeaState::Said).count();
    if states.contains(&IdeaState::Denied) || states.is_empty() {
        return IdeaVerdict::Wrong;
    }
    if said == states.len() {
        IdeaVerdict::Right
    } else if said * 2 >= states.len() && said > 0 {
        IdeaVerdict::Partial
    } else {
        IdeaVerdict::Wrong
    }
}

/// `line` judged against `ideas`.
pub fn judge(ideas: &[Vec<String>], line: &str) -> IdeaVerdict {
    verdict(&read(ideas, line))
}

/// The two sides of an equation or a "turns into" statement: `(before, after)`, with
/// conditions written on the arrow ("--(light)-->") left out of both.
pub fn sides(text: &str) -> Option<(String, String)> {
    let t = text.to_lowercase();
    let arrows = [
        "-->",
        "->",
        "→",
        "=>",
        "=",
        " makes ",
        " gives ",
        " produces ",
        " turns into ",
    ];
    let (at, len) = arrows
        .iter()
        .filter_map(|a| t.find(a).map(|i| (i, a.len())))
        .min_by_key(|(i, _)| *i)?;
    let strip = |s: &str| {
        let mut out = String::new();
        let mut depth = 0;
        for c in s.chars() {
            match c {
                '(' | '[' => depth += 1,
                ')' | ']' => depth = (depth - 1).max(0),
                c if depth == 0 => out.push(c),
                _ => {}
            }
        }
        out.trim_matches(|c: char| c == '-' || c == '>' || c.is_whitespace())
            .to_string()
    };
    Some((strip(&t[..at]), strip(&t[at + len..])))
}

/// `line` judged against `ideas` where `model` (the teacher's model answer) is an equation:
/// an idea the model puts on one side and the line only on the other is denied ("oxygen +
/// water → glucose + carbon dioxide" has every word and every side wrong).
pub fn judge_sided(ideas: &[Vec<String>], line: &str, model: &str) -> IdeaVerdict {
    let mut states = read(ideas, line);
    if let (Some((ml, mr)), Some((sl, sr))) = (sides(model), sides(line)) {
        let (ml, mr, sl, sr) = (
            read(ideas, &ml),
            read(ideas, &mr),
            read(ideas, &sl),
            read(ideas, &sr),
        );
        let said = |v: &[IdeaState], i: usize| v[i] == IdeaState::Said;
        for (i, s) in states.iter_mut().enumerate() {
            let model_left = said(&ml, i) && !said(&mr, i);
            let model_right = said(&mr, i) && !said(&ml, i);
            let line_left = said(&sl, i) && !said(&sr, i);
            let line_right = said(&sr, i) && !said(&sl, i);
            if (model_left && line_right) || (model_right && line_left) {
                *s = IdeaState::Denied;
            }
        }
    }
    verdict(&states)
}

/// The student's own words as the tutor quotes them back: the line without a leading "I
/// think" / "I know" and end punctuation, at most `max` characters (cut at a word).
pub fn own_words(line: &str, max: usize) -> String {
    let mut s = line.split_whitespace().collect::<Vec<_>>().join(" ");
    for lead in [
        "i think that ",
        "i think ",
        "i know that ",
        "i know ",
        "i guess ",
        "maybe ",
        "well ",
        "um ",
        "hmm ",
    ] {
        if s.to_lowercase().starts_with(lead) && s.len() > lead.len() + 3 {
            s = s[lead.len()..].to_string();
        }
    }
    let s = s.trim_end_matches(['.', '!', '?', ',']).to_string();
    if s.chars().count() <= max {
        return s;
    }
    let cut: String = s.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ideas(written: &[&str]) -> Vec<Vec<String>> {
        written
            .iter()
            .map(|w| crate::curriculum::Question::idea(w))
            .collect()
    }

    #[test]
    fn an_idea_is_said_in_any_of_its_wordings_and_forms() {
        let half = ideas(&["half | 1/2"]);
        for line in [
            "half of it, if the halves are the same size",
            "each gets 1/2",
            "they both get halves",
            "one half",
        ] {
            assert_eq!(read(&half, line), vec![IdeaState::Said], "{line}");
        }
        assert_eq!(read(&half, "a quarter each"), vec![IdeaState::Missing]);
        let equal = ideas(&["equal | same size"]);
        assert_eq!(
            read(&equal, "the pieces have to be the same sizes"),
            vec![IdeaState::Said]
        );
    }

    #[test]
    fn a_negated_idea_is_denied_and_a_contrast_keeps_the_said_part() {
        let equal = ideas(&["equal | same size"]);
        for line in [
            "they don't have to be equal",
            "the pieces are not the same size",
            "it doesn't matter if they're equal",
        ] {
            assert_eq!(read(&equal, line), vec![IdeaState::Denied], "{line}");
        }
        assert_eq!(
            read(&equal, "not different, they must be equal"),
            vec![IdeaState::Said]
        );
        // An idea that itself says "not" is said by a line that says "not".
        let uneq = ideas(&["not equal"]);
        assert_eq!(
            read(&uneq, "the pieces are not equal"),
            vec![IdeaState::Said]
        );
        assert_eq!(read(&uneq, "the pieces are equal"), vec![IdeaState::Denied]);
    }

    #[test]
    fn verdicts_need_every_idea_for_right_and_half_for_partial() {
        let three = ideas(&["divided | split | cut", "equal", "how many | number"]);
        assert_eq!(
            judge(&three, "how many equal parts the whole is cut into"),
            IdeaVerdict::Right
        );
        assert_eq!(
            judge(&three, "how many parts it is cut into"),
            IdeaVerdict::Partial
        );
        assert_eq!(judge(&three, "the bottom number"), IdeaVerdict::Wrong);
        assert_eq!(
            judge(&three, "how many parts, they are not equal, cut up"),
            IdeaVerdict::Wrong
        );
    }

    #[test]
    fn an_equation_with_its_sides_swapped_is_wrong() {
        let ideas = ideas(&["carbon dioxide | co2", "water", "glucose | sugar", "oxygen"]);
        let model = "carbon dioxide + water → glucose + oxygen, using light energy";
        assert_eq!(
            judge_sided(&ideas, "co2 + water --(light)--> sugar + oxygen", model),
            IdeaVerdict::Right
        );
        assert_eq!(
            judge_sided(&ideas, "oxygen + water -> glucose + carbon dioxide", model),
            IdeaVerdict::Wrong
        );
        // Not an equation: the words alone decide.
        assert_eq!(
            judge_sided(
                &ideas,
                "it takes in carbon dioxide and water and makes glucose and oxygen",
                model
            ),
            IdeaVerdict::Right
        );
    }

    #[test]
    fn a_number_idea_is_not_said_among_numbers_no_idea_expects() {
        let six = ideas(&["6"]);
        assert_eq!(read(&six, "six of them"), vec![IdeaState::Said]);
        assert_eq!(read(&six, "4, 5 and 6"), vec![IdeaState::Missing]);
        let five_six = ideas(&["5", "6"]);
        assert_eq!(judge(&five_six, "5 and 6"), IdeaVerdict::Right);
        assert_eq!(judge(&five_six, "4, 5 and 6"), IdeaVerdict::Wrong);
    }

    #[test]
    fn own_words_drop_the_lead_in_and_stay_short() {
        assert_eq!(
            own_words("I know a pizza can be cut into slices.", 80),
            "a pizza can be cut into slices"
        );
        assert_eq!(own_words("one two three four", 9), "one two…");
    }
}
