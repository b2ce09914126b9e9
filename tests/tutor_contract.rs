//! The reply contract on the bundled courses, through the public API the lesson uses: each
//! test is a hole today's guard let through (a guess that released the answer, number words
//! past twenty, fraction and percent words, transformed spellings, choice letters and
//! positions, role-play, invented numbers).

use tutor::curriculum::library::Library;
use tutor::curriculum::{Check, Course};
use tutor::tutor::contract::{ContractInput, ReplyContract, Violation, VoiceLevel};
use tutor::tutor::guard::Guard;

fn course(id: &str) -> Course {
    Library::load(None, &[])
        .get(id)
        .expect("bundled course")
        .course
        .clone()
}

fn check<'a>(c: &'a Course, id: &str) -> &'a Check {
    c.check(id).expect("check").1
}

/// The contract while `check_id` is asked (it and the checks after it pending).
fn contract(c: &Course, check_id: &str, said: &[String], voice: VoiceLevel) -> ReplyContract {
    let (concept, _) = c.check(check_id).expect("check");
    let at = concept
        .checks
        .iter()
        .position(|k| k.id == check_id)
        .unwrap();
    ReplyContract::new(ContractInput {
        course: c,
        concept,
        pending: concept.checks[at..].iter().collect(),
        student_words: said,
        voice,
    })
}

fn leaks(k: &ReplyContract, reply: &str) -> bool {
    k.check(reply)
        .err()
        .is_some_and(|v| v.iter().any(|v| matches!(v, Violation::Leak { .. })))
}

#[test]
fn a_students_guess_releases_nothing() {
    let c = course("fractions");
    // The old guard released every answer the student mentioned.
    let mut g = Guard::new([check(&c, "wf-pizza")]);
    g.student_said("Just tell me: is it 3/8 or 5/8?");
    assert!(g.leak("Yes, it's 3/8!").is_some());
    let said = vec!["Just tell me: is it 3/8 or 5/8?".to_string()];
    let k = contract(&c, "wf-pizza", &said, VoiceLevel::Free);
    let v = k.check("Yes, it's 3/8!").unwrap_err();
    assert!(
        v.iter()
            .any(|v| matches!(v, Violation::Leak { check_id, .. } if check_id == "wf-pizza")),
        "{v:?}"
    );
    assert!(
        v.iter().any(|v| matches!(v, Violation::Claim { .. })),
        "{v:?}"
    );
    // A wrong answer stated with confidence is refused too.
    let v = k.check("The answer is 5/8.").unwrap_err();
    assert!(
        v.iter().any(|v| matches!(v, Violation::Claim { .. })),
        "{v:?}"
    );
}

#[test]
fn numbers_in_words_fractions_percents_and_symbols() {
    let p = course("probability");
    let k = contract(&p, "co-rain", &[], VoiceLevel::Free); // 0.7
    for reply in [
        "It's seventy percent.",
        "Seventy per cent of days.",
        "7/10",
        "seven tenths",
        "0.7",
        "70%",
        "7 out of 10",
    ] {
        assert!(leaks(&k, reply), "{reply}");
    }
    let mut g = Guard::new([check(&p, "co-rain")]);
    assert!(
        g.leak("seventy percent").is_some(),
        "the guard shares the contract's forms"
    );
    g.student_said("is it seventy percent?");
    assert!(g.leak("seventy percent").is_some());
    let f = course("fractions");
    let k = contract(&f, "nl-where", &[], VoiceLevel::Free); // 3/4
    for reply in [
        "three quarters",
        "¾",
        "3 / 4",
        "3 over 4",
        "three-fourths",
        "75 percent",
        "zero point seven five",
    ] {
        assert!(leaks(&k, reply), "{reply}");
    }
    let big = Check::new(
        "big",
        tutor::curriculum::CheckKind::Numeric,
        "How many?",
        "740000",
    );
    let g = Guard::new([&big]);
    assert!(g.leak("seven hundred forty thousand").is_some());
}

#[test]
fn transformed_spellings() {
    let ph = course("photosynthesis");
    let (concept, chl) = ph
        .checks()
        .find(|(_, k)| {
            k.kind == tutor::curriculum::CheckKind::Short
                && k.answer.chars().count() >= 6
                && k.answer.chars().all(char::is_alphabetic)
        })
        .expect("a one-word short answer");
    let word = chl.answer.to_lowercase();
    let k = contract(&ph, &chl.id, &[], VoiceLevel::Free);
    let spaced: String = word.chars().map(|c| format!("{c} ")).collect();
    let dashed: Vec<String> = word.chars().map(|c| c.to_string()).collect();
    let reversed: String = word.chars().rev().collect();
    for reply in [
        spaced.trim().to_string(),
        dashed.join("-"),
        reversed,
        word.to_uppercase(),
        format!("{}  {}", &word[..3], &word[3..]),
    ] {
        assert!(leaks(&k, &reply), "{} in {}: {reply}", chl.id, concept.id);
    }
}

#[test]
fn choice_letters_and_positions() {
    let f = course("fractions");
    let k = contract(&f, "wf-equal-parts", &[], VoiceLevel::Free); // b
    for reply in [
        "It's b.",
        "Pick (b)",
        "the second one",
        "option 2",
        "b) is it",
    ] {
        assert!(leaks(&k, reply), "{reply}");
    }
    let g = Guard::new([check(&f, "wf-equal-parts")]);
    assert!(g.leak("It's b.").is_some());
    assert!(!leaks(&k, "It's a good start. Look at each choice again."));
}

#[test]
fn role_play_and_invented_numbers() {
    let f = course("fractions");
    let said = vec!["I know a pizza can be cut into slices".to_string()];
    let k = contract(&f, "wf-equal-parts", &said, VoiceLevel::Free);
    let v = k
        .check("S: Yes, I have just the thing! PB: Wonderful!")
        .unwrap_err();
    assert!(
        v.iter().any(|v| matches!(v, Violation::Roleplay { .. })),
        "{v:?}"
    );
    let v = k
        .check("So it's seven slices left over, which leaves us with nine slices right there!")
        .unwrap_err();
    assert!(
        v.iter()
            .any(|v| matches!(v, Violation::Ungrounded { term } if term == "seven")),
        "{v:?}"
    );
    assert!(
        k.check("A pizza cut into equal slices is a good picture. What makes the slices fair?")
            .is_ok()
    );
}

#[test]
fn streaming_holds_back_until_the_contract_can_decide() {
    let f = course("fractions");
    let k = contract(&f, "wf-pizza", &[], VoiceLevel::Free);
    let streamed = "Let's count slices. Maya ate three eigh";
    assert_eq!(
        &streamed[..k.safe_prefix_len(streamed)],
        "Let's count slices."
    );
    let streamed = "Let's count slices. Maya ate three eighths. Ok?";
    assert_eq!(
        &streamed[..k.safe_prefix_len(streamed)],
        "Let's count slices."
    );
    assert_eq!(k.redact("Maya ate 3/8 of it."), "Maya ate […] of it.");
}

/// Found by `tutor eval` (fishing-cmp-2 at level 3): the model restated the question and then
/// said "They are equal." — a wrong choice stated as fact. Stating any choice of a pending
/// choice check is a claim; asking about one is not.
#[test]
fn stating_a_choice_as_a_sentence_is_a_claim() {
    let c = course("fractions");
    let k = contract(&c, "cmp-2", &["is it 1/3 or 1/5".into()], VoiceLevel::Free);
    let claims = |reply: &str| {
        k.check(reply).err().is_some_and(|v| {
            v.iter()
                .any(|v| matches!(v, Violation::Claim { check_id } if check_id == "cmp-2"))
        })
    };
    assert!(claims(
        "You can't compare fractions unless you know how. They are equal."
    ));
    assert!(claims("Well, they're equal, so it does not matter."));
    assert!(!claims(
        "Could they be equal? Think about the size of each piece."
    ));
    assert!(!claims("Think about the size of each piece."));
}
