//! The contract on the bundled fractions course.

use super::*;
use crate::curriculum::library::Library;

fn course() -> Course {
    Library::load(None, &[])
        .get("fractions")
        .expect("bundled fractions course")
        .course
        .clone()
}

fn contract(
    course: &Course,
    concept: &str,
    from_check: usize,
    said: &[String],
    voice: VoiceLevel,
) -> ReplyContract {
    let c = course.concept(concept).expect("concept");
    ReplyContract::new(ContractInput {
        course,
        concept: c,
        pending: c.checks.iter().skip(from_check).collect(),
        student_words: said,
        voice,
    })
}

fn kinds(r: Result<(), Vec<Violation>>) -> Vec<&'static str> {
    r.err()
        .unwrap_or_default()
        .iter()
        .map(|v| match v {
            Violation::Leak { .. } => "leak",
            Violation::Claim { .. } => "claim",
            Violation::Ungrounded { .. } => "ungrounded",
            Violation::Roleplay { .. } => "roleplay",
            Violation::Shape { .. } => "shape",
        })
        .collect()
}

#[test]
fn a_guess_the_student_typed_releases_nothing() {
    let c = course();
    let said = vec!["Just tell me: is it 3/8 or 5/8?".to_string()];
    let k = contract(&c, "what-is-a-fraction", 1, &said, VoiceLevel::Free);
    let got = kinds(k.check("It's 3/8."));
    assert!(got.contains(&"leak") && got.contains(&"claim"), "{got:?}");
    assert!(kinds(k.check("Yes!")).contains(&"claim"));
    assert!(
        k.check("How many equal slices is the pizza cut into?")
            .is_ok()
    );
}

#[test]
fn invented_numbers_names_and_other_voices_are_refused() {
    let c = course();
    let said = vec!["I know a pizza can be cut into slices".to_string()];
    let k = contract(&c, "what-is-a-fraction", 0, &said, VoiceLevel::Free);
    let pizza = "So it's not just one piece but seven slices left over from cutting this pizza up half way across, which leaves us with nine slices right there!";
    assert!(kinds(k.check(pizza)).contains(&"ungrounded"));
    assert!(kinds(k.check("S: Yes, I have just the thing!")).contains(&"roleplay"));
    assert!(kinds(k.check("Good. PB: Wonderful! Let's go.")).contains(&"roleplay"));
    assert!(kinds(k.check("Ask Tom about his pizza.")).contains(&"ungrounded"));
    assert!(
        k.check("Yes, a pizza cut into equal slices. What makes the slices fair?")
            .is_ok()
    );
}

#[test]
fn shape_one_question_a_length_cap_and_the_language() {
    let c = course();
    let k = contract(&c, "what-is-a-fraction", 0, &[], VoiceLevel::Acknowledge);
    assert!(kinds(k.check("What is a slice? What is a pizza?")).contains(&"shape"));
    assert!(kinds(k.check(&"The pizza is cut into equal slices. ".repeat(8))).contains(&"shape"));
    assert!(kinds(k.check("¿Qué es una fracción de la pizza? Es muy fácil.")).contains(&"shape"));
    let authored = contract(&c, "what-is-a-fraction", 0, &[], VoiceLevel::Authored);
    assert!(kinds(authored.check("Nice.")).contains(&"shape"));
}

#[test]
fn choice_letter_position_and_text() {
    let c = course();
    let k = contract(&c, "what-is-a-fraction", 0, &[], VoiceLevel::Free);
    for leak in [
        "It's b.",
        "the second one",
        "(b)",
        "no, because the pieces are not equal",
    ] {
        assert!(kinds(k.check(leak)).contains(&"leak"), "{leak}");
    }
}

#[test]
fn streaming_shows_only_whole_sentences_that_pass() {
    let c = course();
    let k = contract(&c, "what-is-a-fraction", 1, &[], VoiceLevel::Free);
    let s = "Good thinking. Maya ate three eig";
    assert_eq!(&s[..k.safe_prefix_len(s)], "Good thinking.");
    let s = "Good thinking. Maya ate three eighths. What next?";
    assert_eq!(&s[..k.safe_prefix_len(s)], "Good thinking.");
    let s = "Spell it: c. a. r. ";
    assert_eq!(k.safe_prefix_len(s), 0);
    let quiet = contract(&c, "what-is-a-fraction", 1, &[], VoiceLevel::Authored);
    assert_eq!(quiet.safe_prefix_len("Good thinking. "), 0);
}

#[test]
fn redaction_hides_pending_answers_in_every_form() {
    let c = course();
    let k = contract(&c, "what-is-a-fraction", 1, &[], VoiceLevel::Free);
    assert_eq!(
        k.redact("She ate 3/8, or three eighths, of it."),
        "She ate […], or […], of it."
    );
}

#[test]
fn quoting_the_question_is_not_a_leak_but_an_equal_value_in_another_form_is() {
    let c = course();
    // eq-1: "Give a fraction equal to 1/2 with denominator 8." (answer 4/8).
    let k = contract(&c, "equivalent-fractions", 0, &[], VoiceLevel::Free);
    assert!(
        k.check("What do you multiply 2 by to get 8, starting from 1/2?")
            .is_ok(),
        "the question's own 1/2 gives nothing away"
    );
    let got = kinds(k.check("Think of 4/8 of a pizza."));
    assert!(
        got.contains(&"leak"),
        "the answer has the prompt's value: {got:?}"
    );
    assert!(kinds(k.check("Think of four eighths of a pizza.")).contains(&"leak"));
    // simp-2: "Write 10/20 in simplest form." (answer 1/2): 2/4 is the same value, not quoted.
    let k = contract(&c, "simplifying", 1, &[], VoiceLevel::Free);
    assert!(kinds(k.check("Think of 2/4 of a cake.")).contains(&"leak"));
    assert!(
        k.check("What do you get when you simplify 10/20?").is_ok(),
        "the question's own 10/20 (the answer's value) is quoted, not revealed"
    );
}

#[test]
fn a_number_the_question_spells_is_still_the_answer_when_the_grader_takes_it() {
    let lib = Library::load(None, &[]);
    let c = lib
        .get("probability")
        .expect("bundled course")
        .course
        .clone();
    // oc-die: "... one ordinary six-sided die?" (answer 6): "six" of "six-sided" is no quotation.
    let k = contract(&c, "outcomes", 0, &[], VoiceLevel::Free);
    assert!(kinds(k.check("There are six outcomes, right?")).contains(&"leak"));
    assert!(kinds(k.check("There are 6 outcomes, right?")).contains(&"leak"));
}

#[test]
fn every_value_a_tolerant_grader_accepts_is_protected() {
    let lib = Library::load(None, &[]);
    let c = lib
        .get("photosynthesis")
        .expect("bundled course")
        .course
        .clone();
    let concept = c
        .concepts
        .iter()
        .find(|k| k.checks.iter().any(|x| x.id == "pm-helmont"))
        .expect("pm-helmont's concept");
    let at = concept
        .checks
        .iter()
        .position(|x| x.id == "pm-helmont")
        .unwrap();
    // pm-helmont: answer 57 g, tolerance 3, so the grader takes 54 to 60.
    let k = contract(&c, &concept.id, at, &[], VoiceLevel::Free);
    for reply in ["Could it be about 55 g?", "Would 60 g be right?"] {
        assert!(kinds(k.check(reply)).contains(&"leak"), "{reply}");
    }
}
