//! `tutor import` on the real third-party files in `../shared/data/import/` (read in place):
//! per importer, specific questions, answers, hints and feedback from those files, read back
//! through the course loader `tutor check` uses, and the report's per-item lines. The command
//! itself, `tutor check` on every file's course, and a review and a lesson on imported courses
//! are in `import_cli.rs`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use tutor::curriculum::grade::{self, Verdict};
use tutor::curriculum::{Check, CheckKind, Course, Severity, load_str};
use tutor::import::{Format, Gap, Imported, Options, import_paths};

fn data(rel: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/import")
        .join(rel);
    assert!(p.exists(), "{} is missing (shared test data)", p.display());
    p
}

fn import(paths: &[PathBuf], opts: &Options) -> (Imported, Course) {
    let imported = import_paths(paths, opts).unwrap_or_else(|e| panic!("{e}"));
    let loaded = load_str("imported.toml", &imported.toml);
    let errors: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{}", imported.toml);
    (imported, loaded.course.expect("a course"))
}

fn check<'c>(course: &'c Course, id: &str) -> &'c Check {
    course
        .check(id)
        .unwrap_or_else(|| {
            let ids: Vec<&str> = course.checks().map(|(_, k)| k.id.as_str()).collect();
            panic!("no check {id}; have {ids:?}")
        })
        .1
}

/// Report lines for items left out, as (file:line, gap).
fn not_mapped(imported: &Imported) -> Vec<(String, Gap)> {
    imported
        .report
        .files
        .iter()
        .flat_map(|f| f.lines.iter())
        .filter(|l| !l.kept)
        .map(|l| (l.origin.clone(), l.gap))
        .collect()
}

/// The detail of the report line for a part dropped from the item at `origin_suffix`.
fn dropped_line(imported: &Imported, origin_suffix: &str, gap: Gap) -> String {
    imported
        .report
        .files
        .iter()
        .flat_map(|f| f.lines.iter())
        .find(|l| l.kept && l.origin.ends_with(origin_suffix) && l.gap == gap)
        .map(|l| l.detail.clone())
        .unwrap_or_else(|| panic!("no {gap:?} line for {origin_suffix}"))
}

fn dropped(imported: &Imported, origin_suffix: &str) -> Vec<Gap> {
    imported
        .report
        .files
        .iter()
        .flat_map(|f| f.lines.iter())
        .filter(|l| l.kept && l.origin.ends_with(origin_suffix))
        .map(|l| l.gap)
        .collect()
}

#[test]
fn gift_numeric_tolerances_ranges_weights_and_html_feedback() {
    let file = data("gift/fuhrmanator_numerical1.gift");
    let (imp, course) = import(&[file], &Options::default());
    let grant = check(&course, "when-was-ulysses-s-grant-born");
    assert_eq!(
        (grant.kind, grant.answer.as_str()),
        (CheckKind::Numeric, "1822")
    );
    // {#3.1415:0.0005}. keeps its tolerance; {#3.141..3.142}. becomes the format's range.
    let pi = check(&course, "what-is-the-value-of-pi-to-3-decimal");
    assert_eq!((pi.answer.as_str(), pi.tolerance), ("3.1415", Some(0.0005)));
    assert_eq!(
        pi.prompt,
        "What is the value of pi (to 3 decimal places)? _____."
    );
    let pi_range = check(&course, "what-is-the-value-of-pi-to-3-decimal-2");
    // The range's ends as the file writes them (decimal text, not a constant for pi).
    let ends: Vec<f64> = ["3.141", "3.142"].map(|e| e.parse().unwrap()).to_vec();
    assert_eq!(
        (pi_range.answer.as_str(), pi_range.min, pi_range.max),
        ("3.1415", Some(ends[0]), Some(ends[1]))
    );
    assert_eq!(pi_range.tolerance, None);
    assert!(grade::grade(pi_range, "3.1412").is_correct());
    assert!(grade::grade(pi_range, "3.1419").is_correct());
    assert_eq!(grade::grade(pi_range, "3.143"), Verdict::Incorrect);
    assert_eq!(grade::grade(pi_range, "3.14"), Verdict::Incorrect);
    assert_eq!(
        pi_range.explanation,
        "Any number from 3.141 to 3.142 is right."
    );
    // {#1..5}: every number from 1 to 5, nothing outside.
    let one_to_five = check(&course, "give-me-a-number-from-1-to-5");
    assert_eq!((one_to_five.min, one_to_five.max), (Some(1.0), Some(5.0)));
    for ok in ["1", "3", "5", "2.5"] {
        assert!(grade::grade(one_to_five, ok).is_correct(), "{ok}");
    }
    for bad in ["0.9", "5.1", "-1"] {
        assert_eq!(grade::grade(one_to_five, bad), Verdict::Incorrect, "{bad}");
    }
    // [html] question with per-answer feedback: the right answer's feedback is the explanation.
    // The feedback for the wrong answers 5 and 23 says "il y a neuf (9) principes": as
    // common wrong answers they would give the answer away, so the validator refuses them and
    // the report says why.
    let grasp = check(&course, "combien-de-principes-grasp-y-a-t-il");
    assert_eq!(grasp.prompt, "Combien de principes GRASP y a-t-il?");
    assert_eq!(grasp.answer, "9");
    assert_eq!(
        grasp.explanation,
        "Correct. Il y a neuf (9) principes GRASP."
    );
    assert_eq!(dropped(&imp, ":23"), vec![Gap::WrongAnswerFeedback]);
    assert!(grasp.wrong.is_empty());
    let line = dropped_line(&imp, ":23", Gap::WrongAnswerFeedback);
    assert!(
        line.contains("wrong answer \"5\" gives away the answer")
            && line.contains("wrong answer \"23\" gives away the answer"),
        "{line}"
    );
    // {# =1822:0 =%50%1822:2}: the full-credit answer, partial credit reported.
    assert_eq!(dropped(&imp, ":19"), vec![Gap::PartialCredit]);
    assert_eq!(course.checks().count(), 10);
    assert!(not_mapped(&imp).is_empty(), "{:?}", not_mapped(&imp));
}

#[test]
fn gift_choices_short_answers_true_false_escapes_and_what_does_not_map() {
    let file = data("gift/fuhrmanator_options1_moodle-doc-examples.gift");
    let (imp, course) = import(&[file], &Options::default());
    let kanji = check(&course, "kanji-origins");
    assert_eq!(
        (kanji.kind, kanji.answer.as_str()),
        (CheckKind::Short, "China")
    );
    assert_eq!(
        kanji.prompt,
        "Japanese characters originally\ncame from what country?"
    );
    // Missing-word format: the blank is where the answers were.
    let thanks = check(&course, "thanksgiving-date");
    assert_eq!(
        thanks.prompt,
        "The American holiday of Thanksgiving is\ncelebrated on the _____ Thursday of November."
    );
    assert_eq!(thanks.choices, vec!["second", "third", "fourth"]);
    assert_eq!(thanks.answer, "fourth");
    let feedback = check(&course, "what-s-the-answer-to-this-multiple");
    assert_eq!(feedback.answer, "right answer");
    assert_eq!(feedback.explanation, "Very good!");
    // Per-answer feedback on wrong choices: shown when that choice is picked.
    assert_eq!(
        feedback.choice_feedback,
        vec![
            "feedback comment on the wrong answer",
            "feedback comment on this wrong answer",
            ""
        ]
    );
    assert_eq!(
        grade::grade_full(feedback, "another wrong answer").feedback,
        Some("feedback comment on this wrong answer".to_string())
    );
    // Short answer alternatives; [markdown] loses its ** marks.
    let tomb = check(&course, "who-s-buried-in-grant-s-tomb");
    assert_eq!(tomb.answer, "no one");
    assert_eq!(tomb.accept, vec!["nobody"]);
    assert_eq!(tomb.explanation, "excellent answer!");
    assert_eq!(
        check(&course, "who-s-buried-in-grant-s-tomb-2").prompt,
        "Who's buried in Grant's tomb?"
    );
    // {FALSE#feedback}: a true/false check whose feedback explains.
    let tf = check(&course, "grant-is-buried-in-grant-s-tomb");
    assert_eq!(
        (tf.kind, tf.answer.as_str()),
        (CheckKind::TrueFalse, "false")
    );
    assert_eq!(tf.explanation, "No one is buried in Grant's tomb.");
    assert!(grade::grade(tf, "false").is_correct());
    assert!(grade::grade(tf, "no").is_correct());
    assert_eq!(grade::grade(tf, "true"), Verdict::Incorrect);
    // Escaped control characters are literal text.
    let five = check(&course, "which-answer-equals-5");
    assert_eq!(five.choices, vec!["= 2 + 2", "= 2 + 3", "= 2 + 4"]);
    assert_eq!(five.answer, "= 2 + 3");
    let ctl = check(&course, "gift-control-characters");
    assert_eq!(ctl.choices, vec!["~", "=", "#", "{", "}", "\\"]);
    assert_eq!(ctl.answer, "\\");
    assert!(
        ctl.explanation
            .starts_with("Correct! \\ (backslash) is not a control character.")
    );
    assert_eq!(ctl.choice_feedback[1], "= is a control character.");
    assert_eq!(ctl.choice_feedback[5], "");
    // Partial credit is reported with its line; the feedback of the options worth part of the
    // marks (graded wrong here) and of the wrong one is kept per choice.
    let jesus = check(&course, "jesus-hometown");
    assert_eq!(jesus.answer, "Nazareth");
    assert_eq!(
        jesus.choice_feedback,
        vec![
            "This was an important city, but the wrong answer.",
            "He was born here, but not raised here.",
            "You need to be more specific.",
            ""
        ]
    );
    assert_eq!(dropped(&imp, ":38"), vec![Gap::PartialCredit]);
    // Short answer with partial credit: "Bethlehem" 25% becomes a common wrong answer with its
    // feedback; "Nazereth" 75% ("Right, but misspelled.") is accepted as a typo of Nazareth,
    // so its feedback cannot be a wrong answer's and is reported.
    let jesus2 = check(&course, "jesus-hometown-2");
    assert_eq!(jesus2.kind, CheckKind::Short);
    let wrong: Vec<(&str, &str)> = jesus2
        .wrong
        .iter()
        .map(|w| (w.answer.as_str(), w.feedback.as_str()))
        .collect();
    assert_eq!(
        wrong,
        vec![("Bethlehem", "He was born here, but not raised here.")]
    );
    assert!(tutor::curriculum::wrong::matching(jesus2, "bethlehem").is_some());
    assert_eq!(
        dropped(&imp, ":44"),
        vec![Gap::PartialCredit, Gap::WrongAnswerFeedback]
    );
    assert!(
        dropped_line(&imp, ":44", Gap::WrongAnswerFeedback)
            .contains("wrong answer \"Nazereth\" is accepted as right")
    );
    // Moodle's multiple-answer questions (right options worth 50% each, no option worth
    // 100%): several correct choices, all of which must be picked. Picking one of them alone
    // (worth 50% in Moodle) is wrong here: reported as partial credit.
    for (id, line) in [
        ("what-two-people-are-entombed-in-grant-s", ":51"),
        ("what-two-people-are-entombed-in-grant-s-2", ":57"),
    ] {
        let tomb = check(&course, id);
        assert_eq!(tomb.kind, CheckKind::Choice);
        assert_eq!(tomb.answers, vec!["Grant", "Grant's wife"]);
        assert_eq!(
            tomb.choices,
            vec!["No one", "Grant", "Grant's wife", "Grant's father"]
        );
        assert!(grade::grade(tomb, "b, c").is_correct());
        assert!(grade::grade(tomb, "Grant's wife and Grant").is_correct());
        assert_eq!(grade::grade(tomb, "b"), Verdict::Incorrect);
        assert_eq!(grade::grade(tomb, "a, b, c"), Verdict::Incorrect);
        assert_eq!(dropped(&imp, line), vec![Gap::PartialCredit]);
    }
    // Every item of the file maps now.
    assert!(not_mapped(&imp).is_empty(), "{:?}", not_mapped(&imp));
    assert_eq!(course.checks().count(), 14);
}

/// The shared GIFT files have no wrong-answer feedback that the validator keeps (it gives the
/// answer away) and no several-correct question that the format cannot hold, so both paths are
/// shown on a small file written here.
#[test]
fn gift_wrong_answers_become_common_wrong_answers_and_unfit_choices_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("quiz.gift");
    std::fs::write(
        &file,
        "::add::What is 1/2 + 1/4? {#\n  =0.75:0#Right.\n  =%0%0.333:0#You added the tops and the bottoms.\n  =%0%0.5:0.1#Count the quarters.\n}\n\n\
         ::city::Capital of France? {=Paris =%0%Lyon#A big city, but not the capital.}\n\n\
         ::primes::Pick the prime numbers. {~%50%2 ~%50%3 ~%50%5 ~4}\n\n\
         ::even::Which is an even number? {=2 =4 ~3}\n",
    )
    .unwrap();
    let (imp, course) = import(&[file], &Options::default());
    let wrong = |id: &str| -> Vec<(String, String)> {
        check(&course, id)
            .wrong
            .iter()
            .map(|w| (w.answer.clone(), w.feedback.clone()))
            .collect()
    };
    let add = check(&course, "add");
    assert_eq!(
        wrong("add"),
        vec![(
            "0.333".to_string(),
            "You added the tops and the bottoms.".to_string()
        )]
    );
    assert!(tutor::curriculum::wrong::matching(add, "1/3").is_none());
    assert!(tutor::curriculum::wrong::matching(add, "0.333").is_some());
    // A wrong answer with a margin is a range: reported, not narrowed to one number.
    assert!(
        dropped_line(&imp, ":1", Gap::WrongAnswerFeedback).contains("for 0.5±0.1"),
        "{}",
        imp.report
    );
    assert_eq!(
        wrong("city"),
        vec![(
            "Lyon".to_string(),
            "A big city, but not the capital.".to_string()
        )]
    );
    // Marks that add up to more than 100% (any two primes give full marks in Moodle) and two
    // options each fully right on their own: not what `answers` means, so listed.
    let left = not_mapped(&imp);
    assert_eq!(
        left.iter().map(|(_, g)| *g).collect::<Vec<_>>(),
        vec![Gap::SeveralCorrect, Gap::SeveralCorrect],
        "{left:?}"
    );
    let report = imp.report.to_string();
    assert!(
        report.contains("3 options carry marks adding up to 150%"),
        "{report}"
    );
    assert!(
        report.contains("2 options are each fully right on their own"),
        "{report}"
    );
}

#[test]
fn anki_note_export_cloze_with_hint_and_glossary() {
    let (imp, course) = import(&[data("anki/french-cloze/notes.tsv")], &Options::default());
    let (_, first) = course.checks().next().unwrap();
    assert_eq!(
        first.prompt,
        "Écoute, là, je sors [...] quelques jours de repos, j'ai pu me requinquer, me ressourcer, me reposer."
    );
    assert_eq!(first.answer, "de");
    assert_eq!(first.hints, vec!["of"]);
    assert!(
        first
            .explanation
            .starts_with("Sortir de indicates emerging from a specific period"),
        "{}",
        first.explanation
    );
    // HTML entities in the note are decoded.
    assert!(course.checks().any(|(_, k)| {
        k.prompt
            .starts_with("J'ai pas le réflexe de me jeter dessus")
    }));
    let f = &imp.report.files[0];
    assert!(f.mapped > 1500, "{}", imp.report.summary());
    assert_eq!(
        f.mapped + f.skipped,
        imp.report.files[0].lines.iter().filter(|l| !l.kept).count() + f.mapped
    );
    // Tags (dates in this deck) are kept on the check.
    assert_eq!(first.tags, vec!["2025-07-02"]);
    assert!(dropped(&imp, ":5").is_empty());
    // A note whose one deletion c1 appears twice: one cloze check with two blanks.
    let two = course
        .checks()
        .map(|(_, k)| k)
        .find(|k| k.prompt == "_____ opinion est que _____ idée est excellente.")
        .expect("the two-blank note");
    assert_eq!(two.kind, CheckKind::Cloze);
    assert_eq!(two.blanks, vec!["Mon", "ton"]);
    assert_eq!(two.hints, vec!["blank 1: My; blank 2: your"]);
    assert!(grade::grade(two, "mon, ton").is_correct());
    assert!(grade::grade(two, "Mon\nton").is_correct());
    assert_eq!(grade::grade(two, "ton, mon"), Verdict::Incorrect);
    let three = course
        .checks()
        .map(|(_, k)| k)
        .find(|k| k.prompt.ends_with("mais _____ actions sont discutables."))
        .expect("the three-blank note");
    assert_eq!(three.blanks, vec!["Leur", "leur", "leurs"]);
    // No note is left out for its blanks any more: what is left out is listed.
    let left: Vec<Gap> = not_mapped(&imp).into_iter().map(|(_, g)| g).collect();
    assert_eq!(left, vec![Gap::NoAnswer, Gap::Invalid, Gap::Invalid]);
}

#[test]
fn anki_package_notes_decks_and_review_history() {
    let apkg = data("anki/french-cloze/My_french_words_and_phrases_20260328.apkg");
    assert_eq!(Format::detect(&apkg, b"PK\x03\x04"), Some(Format::Anki));
    let (imp, course) = import(&[apkg], &Options::default());
    let k = check(&course, "n1751469140800-c1");
    assert_eq!(k.prompt, "[...] aurait pu en parler des heures de ça.");
    assert_eq!(
        (k.answer.as_str(), k.hints.as_slice()),
        ("On", &["We".to_string()][..])
    );
    assert!(
        k.explanation
            .starts_with("On is the informal substitute for nous (we).")
    );
    assert_eq!(k.tags, vec!["2025-07-02"]);
    let two = check(&course, "n1761530826438-c1");
    assert_eq!(
        (two.kind, two.blanks.as_slice()),
        (
            CheckKind::Cloze,
            &["Mon".to_string(), "ton".to_string()][..]
        )
    );
    // The deck gives the concepts (split in parts of at most 50 checks).
    assert!(
        course.concepts[0]
            .title
            .starts_with("My french words and phrases")
    );
    assert!(course.concepts.iter().all(|c| c.checks.len() <= 50));
    let f = &imp.report.files[0];
    assert!(
        f.file_notes
            .iter()
            .any(|n| n.contains("3470 review-log rows")),
        "{:?}",
        f.file_notes
    );
    assert_eq!(f.mapped + f.skipped, course.checks().count() + f.skipped);
    // The notes file and the package hold the same notes: the same number of checks.
    let (_, from_tsv) = import(&[data("anki/french-cloze/notes.tsv")], &Options::default());
    assert_eq!(course.checks().count(), from_tsv.checks().count());
}

#[test]
fn anki_csv_deck_joined_on_its_key_in_two_languages() {
    let dir = data("anki/ultimate-geography");
    let (imp, course) = import(std::slice::from_ref(&dir), &Options::default());
    let france = check(&course, "france-capital");
    assert_eq!(
        (france.prompt.as_str(), france.answer.as_str()),
        ("Capital of France?", "Paris")
    );
    let england = check(&course, "england-capital");
    assert_eq!(england.hints, vec!["Not a sovereign country"]);
    assert_eq!(
        france.tags,
        vec![
            "UG::Europe",
            "UG::European_Union",
            "UG::Mediterranean",
            "UG::Sovereign_State"
        ]
    );
    let montenegro = check(&course, "montenegro-capital");
    assert_eq!(montenegro.explanation, "Cetinje is an honorary capital.");
    // Three capitals: each is accepted; "Washington, D.C." is one answer.
    let za = check(&course, "south-africa-capital");
    assert!(grade::grade(za, "Pretoria").is_correct());
    assert!(grade::grade(za, "Cape Town").is_correct());
    assert!(
        check(&course, "united-states-of-america-capital")
            .accept
            .is_empty()
    );
    // Concepts come from the first tag.
    assert!(course.concepts.iter().any(
        |c| c.title.starts_with("Europe") && c.checks.iter().any(|k| k.id == "france-capital")
    ));
    // Rows without a capital (oceans, continents) are listed; flags and maps are dropped.
    let skipped = not_mapped(&imp);
    assert!(skipped.iter().all(|(_, g)| *g == Gap::NoAnswer));
    assert!(skipped.len() > 50, "{}", skipped.len());
    assert!(dropped(&imp, "capital.csv:6").contains(&Gap::Images));
    // German: the German country name and capital.
    let de = Options {
        lang: Some("de".into()),
        ..Options::default()
    };
    let (_, course_de) = import(&[dir], &de);
    assert_eq!(course_de.language, "de");
    let georgia = check(&course_de, "georgia-capital");
    assert_eq!(
        (georgia.prompt.as_str(), georgia.answer.as_str()),
        ("Capital of Georgien?", "Tiflis")
    );
    // A file with only hints says what to do.
    let err = import_paths(
        &[data("anki/ultimate-geography/capital_hint.csv")],
        &Options::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("no column holds answers") && err.contains("capital.csv"),
        "{err}"
    );
}

#[test]
fn oatutor_steps_hints_scaffolds_and_reported_variables() {
    let (imp, course) = import(
        &[data(
            "oatutor/elementary-algebra-3.1-problem-solving-strategy.bundle.json",
        )],
        &Options::default(),
    );
    assert_eq!(
        course.title,
        "OpenStax: Elementary Algebra — Lesson 3.1: Use a Problem-Solving Strategy"
    );
    let mc = check(&course, "a01e792probsolve1a");
    assert_eq!(mc.kind, CheckKind::Choice);
    assert_eq!(
        mc.prompt,
        "Find three consecutive integers whose sum is -42."
    );
    assert_eq!(mc.answer, "-13, -14, -15");
    assert_eq!(mc.choices[0], "-12, -13, -14");
    assert_eq!(
        mc.hints[..2],
        [
            "Write the numbers in terms of variables: The first step is to identify what the problem is looking for and define your variable".to_string(),
            "Consecutive numbers: The problem states that the integers are consecutive. How can we express that condition? (It is n,n+1,n+2.)".to_string(),
        ]
    );
    let money = check(&course, "a01e792probsolve3a");
    assert_eq!(
        (money.kind, money.answer.as_str()),
        (CheckKind::Choice, "$42,000")
    );
    assert!(grade::grade(money, "c").is_correct());
    // OATutor's bottom-out hints stay the last rungs.
    let diff = course
        .checks()
        .find(|(_, k)| k.prompt == "The difference of a number and eleven is -7. Find the number.")
        .unwrap()
        .1;
    assert_eq!((diff.kind, diff.answer.as_str()), (CheckKind::Numeric, "4"));
    assert_eq!(
        diff.hints.last().unwrap(),
        "Answer: The answer is that x=4."
    );
    let pair = course.checks().find(|(_, k)| k.answer == "8,13").unwrap().1;
    assert!(grade::grade(pair, "8, 13").is_correct());
    assert!(
        course
            .concepts
            .iter()
            .any(|c| c.title == "Solve number problems")
    );
    assert!(not_mapped(&imp).is_empty());

    let (imp, course) = import(
        &[data(
            "oatutor/college-algebra-6.7-exp-log-models.bundle.json",
        )],
        &Options::default(),
    );
    let bone = course
        .checks()
        .find(|(_, k)| {
            k.prompt
                .contains("To the nearest year, how old is the bone?")
        })
        .unwrap()
        .1;
    assert_eq!(bone.answer, "13301");
    assert!(
        bone.prompt
            .starts_with("A bone fragment is found that contains 20% of its original carbon-14.\n")
    );
    let mut by_gap: BTreeMap<Gap, usize> = BTreeMap::new();
    for (_, g) in not_mapped(&imp) {
        *by_gap.entry(g).or_default() += 1;
    }
    assert_eq!(by_gap.get(&Gap::Variabilized), Some(&6), "{by_gap:?}");
    assert!(
        by_gap.get(&Gap::Expression).is_some_and(|&n| n >= 5),
        "{by_gap:?}"
    );
}

#[test]
fn anki_package_with_a_zstd_collection_reads_the_same_notes() {
    use std::io::Read;
    // Newer Anki writes `collection.anki21b` (zstd). Build one from the real package's collection.
    let apkg = data("anki/french-cloze/My_french_words_and_phrases_20260328.apkg");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&apkg).unwrap()).unwrap();
    let mut sqlite = Vec::new();
    zip.by_name("collection.anki21")
        .unwrap()
        .read_to_end(&mut sqlite)
        .unwrap();
    let compressed = ruzstd::encoding::compress_to_vec(
        sqlite.as_slice(),
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    let dir = tempfile::tempdir().unwrap();
    let newer = dir.path().join("newer.apkg");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&newer).unwrap());
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("collection.anki21b", stored).unwrap();
    w.write_all(&compressed).unwrap();
    w.start_file("media", stored).unwrap();
    w.finish().unwrap();
    let (_, a) = import(&[newer], &Options::default());
    let (_, b) = import(&[apkg], &Options::default());
    assert_eq!(a.checks().count(), b.checks().count());
    assert_eq!(
        check(&a, "n1751469140799-c1"),
        check(&b, "n1751469140799-c1")
    );
}
