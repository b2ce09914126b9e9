//! Curriculum format, validator and graders: one invalid fixture per rule (message and
//! position), the sample courses, the library, and grader round trips on tricky answers.

use std::path::{Path, PathBuf};

use tutor::curriculum::grade::{Verdict, grade, parse_number};
use tutor::curriculum::library::{BUNDLED, Library, Origin};
use tutor::curriculum::{Check, CheckKind, Severity, load_file, load_str};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/curricula")
        .join(name)
}

/// (file, line, col, text the error must contain)
const INVALID: &[(&str, usize, usize, &str)] = &[
    ("syntax.toml", 0, 0, "TOML syntax"),
    ("unknown_key.toml", 3, 1, "unknown key `titel` in [course]"),
    (
        "missing_field.toml",
        10,
        1,
        "[[concept]] is missing required field `objective`",
    ),
    (
        "bad_id.toml",
        11,
        6,
        "concept id \"Equivalent Fractions\" may only use lowercase letters, digits and '-'",
    ),
    (
        "duplicate_concept.toml",
        28,
        6,
        "duplicate concept id \"a\" (first used at line 11)",
    ),
    (
        "duplicate_check.toml",
        37,
        6,
        "duplicate check id \"a1\" (first used at line 20)",
    ),
    (
        "unknown_requires.toml",
        30,
        13,
        "`requires` names unknown concept \"fractons\"",
    ),
    ("cycle.toml", 11, 6, "prerequisite cycle: a -> c -> b -> a"),
    (
        "numeric_not_number.toml",
        23,
        10,
        "numeric answer \"lots\" is not a number",
    ),
    (
        "choice_not_in_choices.toml",
        23,
        10,
        "answer \"blue\" is not one of the choices",
    ),
    (
        "tolerance_on_short.toml",
        25,
        1,
        "`tolerance` only applies to numeric checks",
    ),
    ("empty_string.toml", 22, 10, "`prompt` is empty"),
    (
        "field_too_long.toml",
        25,
        15,
        "`explanation` is 20001 characters long; the limit is 20000",
    ),
    (
        "answer_fails_grader.toml",
        23,
        10,
        "answer \"...\" does not pass its own grader",
    ),
    (
        "wrong_type.toml",
        3,
        9,
        "`title` must be text in quotes, not integer",
    ),
    ("unknown_kind.toml", 21, 8, "unknown check kind \"essay\""),
    (
        "concept_single_brackets.toml",
        10,
        2,
        "`concept` must be written as [[concept]] sections",
    ),
    (
        "missing_course.toml",
        1,
        1,
        "missing the `[course]` section",
    ),
    (
        "choice_too_few.toml",
        25,
        1,
        "a choice check needs at least two `choices`",
    ),
    (
        "numeric_accept_unreadable.toml",
        25,
        1,
        "accepted answer \"lots\" is not readable as an answer",
    ),
    (
        "accept_on_truefalse.toml",
        22,
        1,
        "`accept` only applies to short, numeric, choice and text checks",
    ),
    (
        "answer_outside_range.toml",
        21,
        10,
        "answer \"10\" is outside `min`..`max`",
    ),
    (
        "choice_accept_other_choice.toml",
        23,
        1,
        "accepted answer \"blue\" does not pick the right choice",
    ),
    (
        "choice_answers_not_in_choices.toml",
        22,
        1,
        "answer \"4/8\" in `answers` is not one of the choices",
    ),
    (
        "choice_feedback_count.toml",
        23,
        1,
        "`choice_feedback` has 1 entries for 3 choices",
    ),
    (
        "cloze_blank_count.toml",
        21,
        1,
        "the prompt has 1 blank (___) but `blanks` lists 2",
    ),
    (
        "cloze_no_blanks.toml",
        18,
        6,
        "a cloze check needs `blanks`",
    ),
    (
        "forgive_unknown_key.toml",
        22,
        13,
        "unknown key `typo` in forgive",
    ),
    (
        "form_answer_mismatch.toml",
        21,
        10,
        "answer \"0.75\" does not pass its own grader",
    ),
    (
        "image_missing_file.toml",
        22,
        9,
        "image \"nope.png\" not found",
    ),
    (
        "image_svg.toml",
        22,
        9,
        "picture \"../images/drawing.svg\" is an SVG drawing",
    ),
    (
        "image_corrupt.toml",
        22,
        9,
        "picture \"../images/broken.png\" is not a PNG or JPEG picture that can be read",
    ),
    (
        "image_no_alt.toml",
        22,
        9,
        "image \"../images/leaf.png\" has no alt text",
    ),
    (
        "minutes_not_number.toml",
        16,
        11,
        "`minutes` must be a whole number of minutes",
    ),
    (
        "ordering_too_few.toml",
        21,
        1,
        "an ordering check needs at least two `items`",
    ),
    (
        "range_min_above_max.toml",
        22,
        1,
        "`min` (5) is larger than `max` (3)",
    ),
    (
        "shuffle_not_bool.toml",
        23,
        11,
        "`shuffle` must be true or false",
    ),
    (
        "truefalse_answer.toml",
        21,
        10,
        "a truefalse answer must be \"true\" or \"false\", not \"maybe\"",
    ),
    (
        "unit_on_short.toml",
        22,
        1,
        "`unit` only applies to numeric checks",
    ),
    ("unknown_form.toml", 22, 8, "unknown form \"roman\""),
    ("unknown_unit.toml", 22, 1, "unknown unit \"furlongs\""),
];

#[test]
fn every_invalid_fixture_reports_its_rule_at_its_position() {
    let mut failures = Vec::new();
    for (file, line, col, text) in INVALID {
        let loaded = load_file(&fixture(&format!("invalid/{file}")));
        assert!(loaded.failed(false), "{file} should fail");
        let hit = loaded
            .diagnostics
            .iter()
            .find(|d| d.severity == Severity::Error && d.message.contains(text));
        match hit {
            Some(d) if *line == 0 || (d.pos.line, d.pos.col) == (*line, *col) => {
                assert!(d.file.ends_with(file), "{}", d.file);
                assert!(
                    d.to_string()
                        .starts_with(&format!("{}:{}:{}: error: ", d.file, d.pos.line, d.pos.col))
                );
            }
            _ => failures.push(format!(
                "{file}: wanted {line}:{col} {text:?}, got:\n  {}",
                loaded
                    .diagnostics
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n  ")
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_fixture_rule_is_covered() {
    let files: Vec<String> = std::fs::read_dir(fixture("invalid"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for f in &files {
        assert!(
            INVALID.iter().any(|(n, ..)| n == f),
            "fixture {f} has no expectation"
        );
    }
}

#[test]
fn unknown_keys_suggest_the_right_name_and_all_problems_are_reported() {
    let text = r#"
[course]
id = "x"
titel = "X"
descripton = "d"

[[concept]]
id = "Bad Id"
title = "T"
objective = "O"
requires = ["nope"]
"#;
    let loaded = load_str("x.toml", text);
    let all: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
    let joined = all.join("\n");
    assert!(joined.contains("did you mean `title`?"), "{joined}");
    assert!(joined.contains("did you mean `description`?"), "{joined}");
    assert!(
        joined.contains("missing required field `title`"),
        "{joined}"
    );
    assert!(joined.contains("\"Bad Id\""), "{joined}");
    assert!(joined.contains("unknown concept \"nope\""), "{joined}");
    assert!(
        loaded
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
            >= 5,
        "{joined}"
    );
}

#[test]
fn oversized_and_non_utf8_files_are_rejected_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    std::fs::write(&big, format!("# {}\n", "x".repeat(5 * 1024 * 1024 + 10))).unwrap();
    let l = load_file(&big);
    assert!(l.course.is_none());
    assert!(
        l.diagnostics[0]
            .message
            .contains("the limit is 5242880 (5 MB)"),
        "{:?}",
        l.diagnostics
    );
    let latin1 = dir.path().join("latin1.toml");
    std::fs::write(&latin1, b"[course]\nid = \"caf\xe9\"\n").unwrap();
    let l = load_file(&latin1);
    assert!(l.diagnostics[0].message.contains("not valid UTF-8"));
    assert_eq!(
        (l.diagnostics[0].pos.line, l.diagnostics[0].pos.col),
        (2, 10)
    );
}

#[test]
fn warnings_fail_only_under_strict() {
    let l = load_file(&fixture("valid/warnings_only.toml"));
    assert!(
        l.diagnostics
            .iter()
            .all(|d| d.severity == Severity::Warning),
        "{:?}",
        l.diagnostics
    );
    assert!(
        l.diagnostics
            .iter()
            .any(|d| d.message.contains("has no hints"))
    );
    assert!(
        l.diagnostics
            .iter()
            .any(|d| d.message.contains("has no checks"))
    );
    assert!(!l.failed(false));
    assert!(l.failed(true));
    let ok = load_file(&fixture("valid/minimal.toml"));
    assert!(ok.diagnostics.is_empty(), "{:?}", ok.diagnostics);
}

#[test]
fn sample_courses_are_rich_and_strictly_valid() {
    for (name, text) in BUNDLED {
        let l = load_str(name, text);
        assert!(!l.failed(true), "{name}: {:#?}", l.diagnostics);
        let c = l.course.unwrap();
        assert!(
            c.concepts.len() >= 8,
            "{name}: {} concepts",
            c.concepts.len()
        );
        assert!(
            c.concepts.iter().any(|k| !k.requires.is_empty()),
            "{name} has no prerequisite graph"
        );
        let mut kinds = std::collections::HashSet::new();
        for k in &c.concepts {
            assert!(
                k.checks.len() >= 3,
                "{name}/{}: {} checks",
                k.id,
                k.checks.len()
            );
            assert!(!k.misconceptions.is_empty(), "{name}/{}", k.id);
            for ch in &k.checks {
                assert!(
                    (2..=3).contains(&ch.hints.len()),
                    "{name}/{}: {} hints",
                    ch.id,
                    ch.hints.len()
                );
                assert!(!ch.explanation.is_empty(), "{name}/{}", ch.id);
                kinds.insert(ch.kind);
            }
        }
        assert!(kinds.len() >= 3, "{name}: kinds {kinds:?}");
        // Prerequisite order puts every concept after what it requires.
        let order: Vec<&str> = c
            .topological_order()
            .iter()
            .map(|k| k.id.as_str())
            .collect();
        for k in &c.concepts {
            let at = order.iter().position(|i| *i == k.id).unwrap();
            for r in &k.requires {
                assert!(order.iter().position(|i| i == r).unwrap() < at);
            }
        }
    }
}

#[test]
fn library_loads_bundled_user_and_path_courses_with_overrides_and_problems() {
    let user = tempfile::tempdir().unwrap();
    // A user course with the bundled fractions id overrides it.
    let fractions = BUNDLED
        .iter()
        .find(|(n, _)| *n == "fractions.toml")
        .unwrap()
        .1;
    std::fs::write(
        user.path().join("my-fractions.toml"),
        fractions.replace("title = \"Fractions\"", "title = \"My Fractions\""),
    )
    .unwrap();
    std::fs::write(user.path().join("broken.toml"), "[course\n").unwrap();
    let lib = Library::load(Some(user.path()), &[fixture("valid/minimal.toml")]);
    assert_eq!(lib.get("fractions").unwrap().course.title, "My Fractions");
    assert!(matches!(
        lib.get("fractions").unwrap().origin,
        Origin::User(_)
    ));
    assert!(matches!(
        lib.get("photosynthesis").unwrap().origin,
        Origin::Bundled
    ));
    assert!(matches!(lib.get("demo").unwrap().origin, Origin::Path(_)));
    assert_eq!(lib.courses.len(), 4);
    assert_eq!(lib.problems.len(), 1);
    assert!(lib.problems[0].source.ends_with("broken.toml"));
    assert!(lib.resolve("probability").is_ok());
    assert!(
        lib.resolve(fixture("valid/minimal.toml").to_str().unwrap())
            .is_ok()
    );
    assert!(lib.resolve("no-such-course").is_err());
}

fn check(kind: CheckKind, answer: &str) -> Check {
    Check::new("c", kind, "?", answer)
}

#[test]
fn short_answers_ignore_spacing_case_quotes_and_unicode_forms() {
    let mut c = check(CheckKind::Short, "carbon dioxide");
    c.accept = vec!["CO2".into()];
    for ok in [
        "carbon dioxide",
        "  Carbon   Dioxide. ",
        "\"carbon dioxide\"",
        "CARBON DIOXIDE!",
        "co2",
        "ＣＯ２",
    ] {
        assert_eq!(grade(&c, ok), Verdict::Correct, "{ok:?}");
    }
    for bad in ["carbon", "oxygen", "carbon monoxide"] {
        assert_eq!(grade(&c, bad), Verdict::Incorrect, "{bad:?}");
    }
    assert!(matches!(grade(&c, "   "), Verdict::Unreadable(_)));
    let accents = check(CheckKind::Short, "adiós");
    assert_eq!(grade(&accents, "Adios"), Verdict::Correct);
    assert_eq!(grade(&accents, "ADIÓS"), Verdict::Correct);
}

#[test]
fn numeric_answers_match_equal_numbers_in_any_form() {
    let half = check(CheckKind::Numeric, "1/2");
    for ok in ["1/2", "0.5", "0,5", "50%", "2/4", " 1 / 2 ", ".5", "0.50"] {
        assert_eq!(grade(&half, ok), Verdict::Correct, "{ok:?}");
    }
    for bad in ["1/3", "5", "0.55"] {
        assert_eq!(grade(&half, bad), Verdict::Incorrect, "{bad:?}");
    }
    assert_eq!(grade(&half, "a half"), Verdict::Correct);
    let mut t = check(CheckKind::Numeric, "57");
    t.tolerance = Some(3.0);
    assert!(
        grade(&t, "55").is_correct()
            && grade(&t, "60").is_correct()
            && !grade(&t, "61").is_correct()
    );
    let mixed = check(CheckKind::Numeric, "1.5");
    assert!(
        grade(&mixed, "1 1/2").is_correct()
            && grade(&mixed, "3/2").is_correct()
            && grade(&mixed, "150%").is_correct()
    );
    let big = check(CheckKind::Numeric, "1000");
    assert!(grade(&big, "1,000").is_correct() && grade(&big, "1000 m").is_correct());
    assert_eq!(parse_number("-3/4"), Some(-0.75));
}

#[test]
fn choices_match_by_letter_or_text() {
    let mut c = check(CheckKind::Choice, "denominator");
    c.choices = vec![
        "numerator".into(),
        "denominator".into(),
        "whole number".into(),
    ];
    for ok in ["b", "B", "(b)", "b)", "Denominator", " denominator. "] {
        assert_eq!(grade(&c, ok), Verdict::Correct, "{ok:?}");
    }
    for bad in ["a", "c", "numerator"] {
        assert_eq!(grade(&c, bad), Verdict::Incorrect, "{bad:?}");
    }
    assert!(matches!(grade(&c, "d"), Verdict::Unreadable(_)));
    assert!(matches!(
        grade(&c, "the bottom one"),
        Verdict::Unreadable(_)
    ));
}

#[test]
fn text_checks_go_to_the_judge() {
    assert_eq!(
        grade(&check(CheckKind::Text, "model answer"), "anything"),
        Verdict::NeedsJudge
    );
}

#[test]
fn the_loader_never_panics_on_mutated_courses() {
    // A cheap, deterministic stand-in for the fuzz target (fuzz/): byte flips, truncations
    // and splices of a real course must only ever produce diagnostics.
    let base = BUNDLED[0].1.as_bytes();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..300 {
        let mut bytes = base.to_vec();
        for _ in 0..(next() % 8 + 1) {
            let i = (next() as usize) % bytes.len();
            match next() % 4 {
                0 => bytes[i] = (next() % 256) as u8,
                1 => bytes.truncate(i),
                2 => bytes.insert(i, b"[]{}\"=\n#,"[(next() % 9) as usize]),
                _ => {
                    let j = (next() as usize) % bytes.len().max(1);
                    let chunk: Vec<u8> = bytes[j.min(bytes.len())..]
                        .iter()
                        .take(40)
                        .copied()
                        .collect();
                    bytes.splice(i.min(bytes.len())..i.min(bytes.len()), chunk);
                }
            }
            if bytes.is_empty() {
                break;
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        let _ = load_str("mutant.toml", &text);
    }
}

/// Found by the fuzzer: toml_edit 0.23 panics ("all items have spans") on this input. The loader
/// must report a syntax error instead.
#[test]
fn fuzzer_found_input_is_a_syntax_error_not_a_panic() {
    const INPUT: &[u8] = &[
        32, 61, 61, 116, 34, 32, 61, 32, 115, 0, 0, 0, 0, 116, 101, 34, 111, 10, 46, 115, 108, 0,
        101, 102, 32, 61, 0, 0, 0, 199, 32, 103, 114, 105, 100, 109, 10, 46, 115, 108, 0, 116, 34,
        32, 61, 32, 115, 0, 0, 0, 0, 116, 101, 34, 111, 10, 46, 115, 108, 0, 101, 102, 32, 61, 0,
        0, 0, 199, 32, 103, 114, 105, 100, 109, 10, 46, 115, 108, 0, 101, 0, 101, 102, 255, 32, 61,
        32, 115, 116, 101, 34, 111, 10, 46, 115, 108, 0, 101, 102, 32, 61, 0, 0, 0, 199, 34, 103,
        114, 105, 100, 109, 10, 46, 115, 108, 0, 61, 126, 34, 34,
    ];
    let text = String::from_utf8_lossy(INPUT);
    let loaded = load_str("fuzz.toml", &text);
    assert!(loaded.course.is_none());
    assert!(
        loaded.diagnostics[0].message.starts_with("TOML syntax"),
        "{:?}",
        loaded.diagnostics
    );
    assert_eq!(
        (
            loaded.diagnostics[0].pos.line,
            loaded.diagnostics[0].pos.col
        ),
        (1, 3)
    );
}

/// Every grading example named in issue 11, graded by the real grader (each failed before).
#[test]
fn issue_examples_numbers() {
    let num = |answer: &str| check(CheckKind::Numeric, answer);
    let cases: &[(&str, &str, Verdict)] = &[
        ("0.7", "70 percent", Verdict::Correct),
        ("70%", "70 percent", Verdict::Correct),
        ("0.7", "70 %", Verdict::Correct),
        ("3/4", "3 / 4", Verdict::Correct),
        ("3/4", "¾", Verdict::Correct),
        ("1/2", "½", Verdict::Correct),
        ("6", "+6", Verdict::Correct),
        ("-3", "−3", Verdict::Correct),
        ("1000", "1 000", Verdict::Correct),
        ("0.125", "0,125", Verdict::Correct),
        ("10", "I think 10", Verdict::Correct),
        ("15", "x = 15", Verdict::Correct),
        (
            "3/4",
            "I think it's 3/4 because 3 of the 4 parts are shaded",
            Verdict::Correct,
        ),
        ("3", "3 is wrong", Verdict::Unreadable(String::new())),
        ("3", "3 or four", Verdict::Unreadable(String::new())),
        ("3", "3 or 4", Verdict::Unreadable(String::new())),
    ];
    for (answer, response, want) in cases {
        let got = grade(&num(answer), response);
        match want {
            Verdict::Unreadable(_) => assert!(
                matches!(got, Verdict::Unreadable(_)),
                "{answer} / {response}: {got:?}"
            ),
            w => assert_eq!(&got, w, "{answer} / {response}"),
        }
    }
    // In a decimal-comma language "1.000" is a thousand.
    let mut de = num("1000");
    de.language = "de".into();
    assert_eq!(grade(&de, "1.000"), Verdict::Correct);
    // "57 kg" for a question in grams is wrong, and says why.
    let mut grams = num("57");
    grams.unit = Some("g".into());
    let g = tutor::curriculum::grade::grade_full(&grams, "57 kg");
    assert_eq!(g.verdict, Verdict::Incorrect);
    assert!(g.feedback.unwrap().contains("unit"));
    assert_eq!(grade(&grams, "0.057 kg"), Verdict::Correct);
    assert_eq!(grade(&grams, "57 g"), Verdict::Correct);
}

#[test]
fn issue_examples_short_and_choice() {
    let stomata = check(CheckKind::Short, "stomata");
    assert_eq!(grade(&stomata, "the stomata"), Verdict::Correct);
    assert_eq!(grade(&stomata, "stoma"), Verdict::Correct);
    let co2 = check(CheckKind::Short, "carbon dioxide (CO2)");
    assert_eq!(grade(&co2, "carbon dioxide"), Verdict::Correct);
    let mut c = check(CheckKind::Choice, "3/4");
    c.choices = vec!["1/4".into(), "3/4".into(), "f(x)".into()];
    for ok in ["option b", "b) 3/4", "b. 3/4", "0.75", ".75", "B"] {
        assert_eq!(grade(&c, ok), Verdict::Correct, "{ok:?}");
    }
    assert_eq!(
        grade(&c, "f(x)"),
        Verdict::Incorrect,
        "a choice ending in ')'"
    );
    let mut f = c.clone();
    f.answer = "f(x)".into();
    assert_eq!(grade(&f, "f(x)"), Verdict::Correct);
    // One-letter choices: "b" could be the letter or the text, so it is asked again.
    let mut letters = check(CheckKind::Choice, "b");
    letters.choices = vec!["b".into(), "c".into(), "d".into()];
    assert!(matches!(grade(&letters, "b"), Verdict::Unreadable(_)));
    assert_eq!(grade(&letters, "option a"), Verdict::Correct);
    // `accept` on a choice check works...
    let mut acc = check(CheckKind::Choice, "1/4");
    acc.choices = vec!["3/4".into(), "1/4".into()];
    acc.accept = vec!["one quarter".into()];
    assert_eq!(grade(&acc, "one quarter"), Verdict::Correct);
    // ... and on a text check it grades without the model.
    let mut text = check(CheckKind::Text, "Chlorophyll reflects green light.");
    text.accept = vec!["it reflects green light".into()];
    assert_eq!(grade(&text, "It reflects green light."), Verdict::Correct);
    assert_eq!(grade(&text, "green"), Verdict::NeedsJudge);
}

#[test]
fn labelled_grading_set_is_graded_like_a_teacher() {
    let r = tutor::curriculum::grade::labelled_set_accuracy();
    assert!(r.cases >= 300, "only {} cases", r.cases);
    assert!(
        r.failures.is_empty(),
        "{} of {} disagree:\n{}",
        r.failures.len(),
        r.cases,
        r.failures.join("\n")
    );
    assert_eq!(r.false_accepts, 0);
    assert_eq!(r.accuracy, 1.0);
}

#[test]
fn the_labelled_set_metric_can_fail() {
    // A wrong label must show up as a disagreement (and a false accept), or 100 % means nothing.
    let text = r#"
[[case]]
kind = "numeric"
answer = "3"
response = "4"
expect = "correct"

[[case]]
kind = "numeric"
answer = "3"
response = "3"
expect = "incorrect"
"#;
    let r = tutor::curriculum::grade::labelled::run_set(text).unwrap();
    assert_eq!(
        (r.cases, r.agreed, r.false_accepts, r.false_rejects),
        (2, 0, 1, 1)
    );
}

#[test]
fn new_kinds_grade() {
    let tf = check(CheckKind::TrueFalse, "true");
    assert_eq!(grade(&tf, "yes"), Verdict::Correct);
    assert_eq!(grade(&tf, "false"), Verdict::Incorrect);
    let mut cloze = check(CheckKind::Cloze, "");
    cloze.blanks = vec!["numerator|top number".into(), "denominator".into()];
    assert_eq!(
        grade(&cloze, "the numerator, the denominator"),
        Verdict::Correct
    );
    assert_eq!(grade(&cloze, "denominator, numerator"), Verdict::Incorrect);
    let mut order = check(CheckKind::Ordering, "");
    order.items = vec!["1/8".into(), "1/4".into(), "1/2".into()];
    let shown = order.for_student("student-1");
    // Letters are read against the shown (shuffled) order.
    let letters: Vec<String> = order
        .items
        .iter()
        .map(|it| {
            let i = shown.choices.iter().position(|c| c == it).unwrap();
            tutor::curriculum::grade::choice_letter(i).to_string()
        })
        .collect();
    assert_eq!(grade(&shown, &letters.join(" ")), Verdict::Correct);
    assert_eq!(
        shown.choices,
        order.for_student("student-1").choices,
        "stable per student"
    );
}

#[test]
fn choices_are_shuffled_per_student_and_graded_against_the_shown_order() {
    let mut c = check(CheckKind::Choice, "leaves");
    c.choices = vec![
        "roots".into(),
        "leaves".into(),
        "stem".into(),
        "flower".into(),
    ];
    let mut orders = std::collections::HashSet::new();
    for s in 0..20 {
        let shown = c.for_student(&format!("student-{s}"));
        let i = shown.choices.iter().position(|x| x == "leaves").unwrap();
        let letter = tutor::curriculum::grade::choice_letter(i).to_string();
        assert_eq!(grade(&shown, &letter), Verdict::Correct);
        orders.insert(shown.choices.clone());
    }
    assert!(orders.len() > 1, "shuffling must vary between students");
    c.shuffle = false;
    assert_eq!(c.for_student("x").choices, c.choices);
}

#[test]
fn teaching_warnings_are_reported_at_their_position() {
    let l = load_file(&fixture("valid/teaching_warnings.toml"));
    assert!(!l.failed(false), "{:?}", l.diagnostics);
    assert!(l.failed(true));
    let all = l
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    let warn = |text: &str, line: usize, col: usize| {
        assert!(
            l.diagnostics.iter().any(|d| d.severity == Severity::Warning
                && d.message.contains(text)
                && (d.pos.line, d.pos.col) == (line, col)),
            "wanted {line}:{col} {text:?} in:\n{all}"
        );
    };
    warn(
        "hint 2 of check \"w1\" contains the answer \"denominator\"",
        22,
        33,
    );
    warn("check \"w2\" has a hint ladder of 2 rungs", 29, 1);
    warn(
        "guiding question 1 of concept \"a\" names \"denominator\", the answer of check \"w1\"",
        14,
        14,
    );
    warn("3 of 4 choice answers are option a as written", 36, 10);
    warn("choice \"b\" is a single letter", 59, 1);
    warn(
        "the prompt asks for an answer \"as a fraction\" but the check has no `form`",
        66,
        1,
    );
}

/// The newer kinds through the real binary: `tutor review --plain` on a course that uses them,
/// answered the way a student types (choices by their text, so the shuffled order does not
/// matter), every answer graded right and saved.
#[test]
fn new_kinds_are_reviewed_end_to_end() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};

    let loaded = load_file(&fixture("valid/new_kinds.toml"));
    assert!(!loaded.failed(true), "{:?}", loaded.diagnostics);
    let c = loaded.course.unwrap();
    let parts = c.concept("parts").unwrap();
    assert_eq!(parts.tags, ["fractions", "vocabulary"]);
    assert_eq!(parts.minutes, Some(10));
    assert!(
        parts
            .image
            .as_ref()
            .unwrap()
            .alt
            .starts_with("A fraction bar")
    );
    let (_, multi) = c.check("nk-multi").unwrap();
    assert_eq!(multi.correct_choices(), ["2/4", "3/6"]);
    let (_, unit) = c.check("nk-unit").unwrap();
    assert_eq!(unit.unit.as_deref(), Some("g"));
    assert_eq!(unit.tags, ["units"]);
    let (_, cloze) = c.check("nk-cloze").unwrap();
    assert_eq!(cloze.answer, "numerator; denominator");

    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("curricula");
    std::fs::create_dir_all(&dir).unwrap();
    let course = std::fs::read_to_string(fixture("valid/new_kinds.toml"))
        .unwrap()
        .replace("../images/leaf.png", "leaf.png");
    std::fs::write(dir.join("new-kinds.toml"), course).unwrap();
    std::fs::copy(fixture("images/leaf.png"), dir.join("leaf.png")).unwrap();
    let answers = [
        ("True or false: 2/4", "yes"),
        ("In 3/5, 3 is the", "the numerator, the denominator"),
        ("Put these in order", "1/8, 1/4, 1/2"),
        ("Which are equal to one half", "2/4 and 3/6"),
        ("A bag of flour weighs", "1.5 kg"),
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_tutor"))
        .args(["review", "new-kinds", "--plain"])
        .env("TUTOR_HOME", home.path())
        .env("USER", "tester")
        .env_remove("TUTOR_PIN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let mut transcript = Vec::new();
    let mut answered = 0;
    for line in out.lines() {
        let line = line.unwrap();
        if let Some((_, a)) = answers.iter().find(|(p, _)| line.starts_with(p)) {
            writeln!(stdin, "{a}").unwrap();
            answered += 1;
            if answered == answers.len() {
                writeln!(stdin, ":q").unwrap();
            }
        }
        transcript.push(line);
    }
    child.wait().unwrap();
    let text = transcript.join("\n");
    assert_eq!(answered, answers.len(), "{text}");
    assert_eq!(text.matches("Correct!").count(), answers.len(), "{text}");
    assert_eq!(text.matches("✓ saved").count(), answers.len(), "{text}");
}

#[test]
fn graders_never_panic_on_odd_input() {
    let pieces = [
        "≈",
        "=",
        "½",
        "−",
        "1",
        "0",
        ",",
        ".",
        " ",
        "/",
        "%",
        "e",
        "×10^",
        "a)",
        "(",
        "b",
        "é",
        "kg",
        "1 000",
        "\u{202f}",
        "___",
        "\n",
        "1)",
        "ß",
        "🙂",
        "-",
        "+",
        "four",
        "and a half",
    ];
    let mut checks = vec![
        check(CheckKind::Numeric, "3/4"),
        check(CheckKind::Short, "stomata"),
        check(CheckKind::TrueFalse, "true"),
        check(CheckKind::Text, "x"),
    ];
    let mut ch = check(CheckKind::Choice, "b");
    ch.choices = vec!["a".into(), "b".into(), "f(x)".into(), "0.75".into()];
    checks.push(ch);
    let mut cl = check(CheckKind::Cloze, "");
    cl.blanks = vec!["1".into(), "two|2".into()];
    checks.push(cl);
    let mut or = check(CheckKind::Ordering, "");
    or.items = vec!["1".into(), "2".into(), "3".into()];
    checks.push(or);
    let mut unit = check(CheckKind::Numeric, "57");
    unit.unit = Some("g".into());
    checks.push(unit);
    let mut seed = 0x1234_5678_9abc_def1u64;
    for _ in 0..1500 {
        let mut s = String::new();
        for _ in 0..(seed % 7 + 1) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            s.push_str(pieces[(seed % pieces.len() as u64) as usize]);
        }
        for c in &checks {
            let _ = grade(c, &s);
        }
    }
}

/// `tutor check` (the real binary) names a missing picture and a missing alt text at the
/// `image` key's file:line:col.
#[test]
fn check_reports_picture_problems_at_their_position() {
    for (file, want) in [
        (
            "image_missing_file.toml",
            "22:9: error: image \"nope.png\" not found",
        ),
        (
            "image_no_alt.toml",
            "22:9: error: image \"../images/leaf.png\" has no alt text",
        ),
    ] {
        let path = fixture(&format!("invalid/{file}"));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tutor"))
            .args(["check", path.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{file} must fail");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        let want = format!("{}:{want}", path.display());
        assert!(text.contains(&want), "wanted {want:?} in:\n{text}");
    }
}

/// Teacher text is shown as written, so `tutor check` warns where text shown before a check
/// names its answer: the notes (line of `notes`), and an earlier check's explanation (its line),
/// naming the check (through the binary, as a teacher runs it).
#[test]
fn text_naming_a_later_checks_answer_is_warned_at_its_line() {
    let file = fixture("valid/later_answer.toml");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tutor"))
        .args(["check", "--strict"])
        .arg(&file)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "--strict fails on warnings:\n{text}");
    let name = file.display().to_string();
    for (line, what) in [
        (
            13,
            "the notes of concept \"pizza\" names \"3\", the answer of check \"p-thirds\"",
        ),
        (
            27,
            "the explanation of check \"p-ate\" names \"3\", the answer of check \"p-thirds\"",
        ),
    ] {
        assert!(
            text.lines()
                .any(|l| l.contains(&format!("{name}:{line}:")) && l.contains(what)),
            "wanted {name}:{line}: {what:?} in:\n{text}"
        );
    }
    // The check's own prompt may say its numbers; nothing names 3/8 before p-ate.
    assert!(!text.contains("answer of check \"p-ate\""), "{text}");
    let loaded = load_file(&file);
    assert!(
        !loaded.failed(false),
        "warnings only: {:?}",
        loaded.diagnostics
    );
}
