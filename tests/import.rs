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
    // {#3.1415:0.0005}. keeps its tolerance; {#3.141..3.142}. becomes the same interval.
    let pi = check(&course, "what-is-the-value-of-pi-to-3-decimal");
    assert_eq!((pi.answer.as_str(), pi.tolerance), ("3.1415", Some(0.0005)));
    assert_eq!(
        pi.prompt,
        "What is the value of pi (to 3 decimal places)? _____."
    );
    let pi_range = check(&course, "what-is-the-value-of-pi-to-3-decimal-2");
    assert_eq!(
        (pi_range.answer.as_str(), pi_range.tolerance),
        ("3.1415", Some(0.0005))
    );
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
    for ok in ["1", "3", "5", "2.5"] {
        assert!(grade::grade(one_to_five, ok).is_correct(), "{ok}");
    }
    for bad in ["0.9", "5.1", "-1"] {
        assert_eq!(grade::grade(one_to_five, bad), Verdict::Incorrect, "{bad}");
    }
    // [html] question with per-answer feedback: the right answer's feedback is the explanation,
    // the wrong answers' feedback is reported as dropped.
    let grasp = check(&course, "combien-de-principes-grasp-y-a-t-il");
    assert_eq!(grasp.prompt, "Combien de principes GRASP y a-t-il?");
    assert_eq!(grasp.answer, "9");
    assert_eq!(
        grasp.explanation,
        "Correct. Il y a neuf (9) principes GRASP."
    );
    assert_eq!(dropped(&imp, ":23"), vec![Gap::WrongAnswerFeedback]);
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
    // Short answer alternatives; [markdown] loses its ** marks.
    let tomb = check(&course, "who-s-buried-in-grant-s-tomb");
    assert_eq!(tomb.answer, "no one");
    assert_eq!(tomb.accept, vec!["nobody"]);
    assert_eq!(tomb.explanation, "excellent answer!");
    assert_eq!(
        check(&course, "who-s-buried-in-grant-s-tomb-2").prompt,
        "Who's buried in Grant's tomb?"
    );
    // {FALSE#feedback}: a true/false choice whose feedback explains.
    let tf = check(&course, "grant-is-buried-in-grant-s-tomb");
    assert_eq!(tf.choices, vec!["True", "False"]);
    assert_eq!(tf.answer, "False");
    assert_eq!(tf.explanation, "No one is buried in Grant's tomb.");
    assert!(grade::grade(tf, "b").is_correct());
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
    // Partial credit and per-answer feedback on kept items are reported with their lines.
    let jesus = check(&course, "jesus-hometown");
    assert_eq!(jesus.answer, "Nazareth");
    assert_eq!(
        dropped(&imp, ":38"),
        vec![Gap::PartialCredit, Gap::WrongAnswerFeedback]
    );
    // The two "several correct answers" questions are listed, not guessed.
    let file = "fuhrmanator_options1_moodle-doc-examples.gift";
    let skipped = not_mapped(&imp);
    assert_eq!(
        skipped,
        vec![
            (
                format!("{}:51", data(&format!("gift/{file}")).display()),
                Gap::SeveralCorrect
            ),
            (
                format!("{}:57", data(&format!("gift/{file}")).display()),
                Gap::SeveralCorrect
            ),
        ]
    );
    let report = imp.report.to_string();
    assert!(report.contains(":51: not mapped: \"What two people are entombed in Grant's tomb?\": several correct choices"), "{report}");
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
    // Tags (dates in this deck) are reported as dropped, per note.
    assert_eq!(dropped(&imp, ":5"), vec![Gap::Tags]);
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
