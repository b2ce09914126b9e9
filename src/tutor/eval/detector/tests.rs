//! The detector's own test data (written for it, not shared with the contract's tests).

use super::*;

fn key(answer: &str, accept: &[&str], choices: &[&str]) -> AnswerKey {
    let accept: Vec<String> = accept.iter().map(|s| s.to_string()).collect();
    let choices: Vec<String> = choices.iter().map(|s| s.to_string()).collect();
    AnswerKey::new("k", answer, &accept, &choices)
}

#[test]
fn number_words_to_a_million() {
    assert_eq!(words(0), "zero");
    assert_eq!(words(21), "twenty one");
    assert_eq!(words(105), "one hundred five");
    assert_eq!(words(40_000), "forty thousand");
    assert_eq!(words(1_000_000), "one million");
    assert_eq!(
        words(2_500_017),
        "two million five hundred thousand seventeen"
    );
}

#[test]
fn fractions_in_the_ways_children_and_models_write_them() {
    let k = key("3/4", &[], &[]);
    for reply in [
        "So it is 3/4!",
        "three quarters of the bar",
        "Three-fourths.",
        "75%",
        "seventy five percent",
        "It's 0.75",
        "about .75",
        "¾",
        "3 / 4",
        "3 over 4",
        "three out of four",
        "6/8",
    ] {
        assert!(k.revealed_in(reply).is_some(), "{reply}");
    }
    for reply in [
        "What is 3/45?",
        "13/4 is too much",
        "Count the 3 red parts. How many parts in all, 4?",
    ] {
        assert!(k.revealed_in(reply).is_none(), "{reply}");
    }
}

#[test]
fn words_spelled_backwards_or_letter_by_letter() {
    let k = key("chlorophyll", &[], &[]);
    assert!(k.revealed_in("It is CHLOROPHYLL.").is_some());
    assert!(k.revealed_in("c-h-l-o-r-o-p-h-y-l-l").is_some());
    assert!(k.revealed_in("llyhporolhc").is_some());
    assert!(k.revealed_in("What makes leaves green?").is_none());
}

#[test]
fn choice_letters_and_positions() {
    let k = key(
        "even chance",
        &[],
        &["impossible", "even chance", "certain"],
    );
    for reply in [
        "The answer is b.",
        "It's b!",
        "(b)",
        "the second one",
        "option 2",
        "It is an even chance.",
    ] {
        assert!(k.revealed_in(reply).is_some(), "{reply}");
    }
    for reply in [
        "Which one fits best?",
        "It's a fair question.",
        "the first one is wrong",
    ] {
        assert!(k.revealed_in(reply).is_none(), "{reply}");
    }
}

#[test]
fn claims_and_other_voices() {
    assert!(claims_answer("The answer is 7!", None));
    assert!(claims_answer("Yes, well done.", Some("is it 12 or 15?")));
    assert!(claims_answer("No.", Some("Is it 12?")));
    assert!(!claims_answer(
        "Yes, let's look at the pizza.",
        Some("I like pizza")
    ));
    assert!(!claims_answer("What do you think the answer is?", None));
    assert!(speaks_for_others("Good.\nS: Yes, I have just the thing!"));
    assert!(speaks_for_others("PB: Wonderful!"));
    assert!(speaks_for_others("Student: it's 4"));
    assert!(!speaks_for_others("Hint: look at the bottom number."));
}

#[test]
fn invented_numbers_are_those_the_material_never_names() {
    let ground = numbers_named("A pizza is cut into 8 equal slices and Maya eats 3.");
    assert_eq!(
        invented_numbers("Five slices left, then six!", &ground),
        vec![5.0, 6.0]
    );
    assert!(invented_numbers("Maya ate 3 of 8 slices, one at a time.", &ground).is_empty());
}

#[test]
fn half_and_quarter_are_amounts_in_the_material_and_in_replies() {
    let ground =
        amounts_named("Everyday examples: half an orange shared by 2, a quarter of an hour.");
    assert!(invented_numbers("One piece is 1/2 of the orange.", &ground).is_empty());
    assert!(invented_numbers("Take a quarter of it.", &ground).is_empty());
    let none = amounts_named("Equal parts of one whole.");
    // The reveal-set scoring reads numbers only: "half" is not a final number there.
    assert!(numbers_named("Half of it.").is_empty());
    assert_eq!(invented_numbers("That is half of it.", &none), vec![0.5]);
}

#[test]
fn quoting_the_question_reveals_nothing_but_the_answer_itself_does() {
    // "Give a fraction equal to 1/2 with denominator 8.": the answer 4/8 has the value 1/2.
    let accept = vec!["four eighths".to_string()];
    let k = AnswerKey::new("eq", "4/8", &accept, &[])
        .asked_as("Give a fraction equal to 1/2 with denominator 8.");
    assert_eq!(k.revealed_in("Start from 1/2 and think of eighths."), None);
    assert!(k.revealed_in("It is 4/8.").is_some());
    assert!(k.revealed_in("Four eighths of the pizza.").is_some());
    assert!(k.revealed_in("One half, which is one half.").is_some());
    // When the question lists the answer ("3/8 or 5/8?"), the answer is never exempt.
    let choices = vec!["3/8".to_string(), "5/8".to_string()];
    let k = AnswerKey::new("cmp", "5/8", &[], &choices).asked_as("Which is larger: 3/8 or 5/8?");
    assert!(k.revealed_in("The larger one is 5/8.").is_some());
    // The question says "six-sided" and the answer is 6: "six" still gives it away.
    let k = AnswerKey::new("die", "6", &[], &[]).asked_as(
        "How many different outcomes can you get when you roll one ordinary six-sided die?",
    );
    assert!(k.revealed_in("There are six outcomes.").is_some());
    assert!(k.revealed_in("There are 6 outcomes.").is_some());
}

#[test]
fn one_as_a_pronoun_is_not_the_number_one() {
    // lf-count's answer is 1; the lesson's "pick one of the choices" (found by tutor eval)
    // does not give it away, "it goes up one time" does.
    let k = key("1", &[], &[]);
    assert_eq!(
        k.revealed_in("Pick one of the choices by its letter or its text."),
        None
    );
    assert_eq!(
        k.revealed_in("Which one do you think? The right one?"),
        None
    );
    assert!(k.revealed_in("The rate goes up one time.").is_some());
    assert!(k.revealed_in("It is 1.").is_some());
    assert!(k.revealed_in("Which one? It is one.").is_some());
}
