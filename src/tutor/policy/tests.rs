//! Transition tests of the lesson policy (no model).

use super::*;

fn lesson() -> Policy {
    Policy::new(3, vec![3, 2])
}

fn said() -> StudentTurn {
    StudentTurn::Said {
        misconception: None,
    }
}

#[test]
fn warm_up_then_every_open_question_then_checks_then_summary() {
    let mut p = lesson();
    assert_eq!(p.start(), Move::WarmUp);
    for i in 0..3 {
        assert_eq!(
            p.on_turn(&said()),
            vec![Move::TakeUp, Move::AskGuiding { index: i }]
        );
    }
    assert_eq!(
        p.on_turn(&said()),
        vec![Move::TakeUp, Move::PoseCheck { index: 0 }]
    );
    let m = p.on_turn(&StudentTurn::Answered {
        correct: true,
        misconception: None,
    });
    assert_eq!(
        m,
        vec![
            Move::Feedback {
                check: 0,
                correct: true
            },
            Move::PoseCheck { index: 1 }
        ]
    );
    let m = p.on_turn(&StudentTurn::Answered {
        correct: true,
        misconception: None,
    });
    assert_eq!(
        m,
        vec![
            Move::Feedback {
                check: 1,
                correct: true
            },
            Move::Summarize
        ]
    );
    assert!(p.done());
    assert_eq!(p.results.len(), 2);
    assert_eq!(p.on_turn(&said()), vec![Move::Summarize]);
}

#[test]
fn a_concept_without_questions_goes_straight_to_checks() {
    let mut p = Policy::new(0, vec![1]);
    assert_eq!(
        p.on_turn(&said()),
        vec![Move::TakeUp, Move::PoseCheck { index: 0 }]
    );
}

#[test]
fn hint_ladder_climbs_then_the_last_rung_is_repeated_and_the_check_stays_open() {
    let mut p = lesson();
    p.stage = Stage::Check { index: 0 };
    for rung in 0..3 {
        assert_eq!(
            p.on_turn(&StudentTurn::Hint),
            vec![Move::Hint { check: 0, rung }]
        );
    }
    for _ in 0..2 {
        assert_eq!(
            p.on_turn(&StudentTurn::Hint),
            vec![Move::LastHint { check: 0 }]
        );
    }
    assert_eq!(p.current_check(), Some(0));
    assert!(p.results.is_empty());
    assert_eq!((p.attempts, p.hints_used), (0, 3));
    // Only `?` gives up.
    p.on_turn(&StudentTurn::GaveUp);
    assert_eq!(
        p.results[0],
        CheckResult {
            index: 0,
            correct: false,
            attempts: 0,
            hints_used: 3
        }
    );
}

#[test]
fn asking_for_the_answer_only_ever_gets_a_hint() {
    let mut p = lesson();
    p.stage = Stage::Check { index: 1 };
    assert_eq!(
        p.on_turn(&StudentTurn::AskedForAnswer),
        vec![Move::Hint { check: 1, rung: 0 }]
    );
    assert_eq!(
        p.on_turn(&StudentTurn::AskedForAnswer),
        vec![Move::Hint { check: 1, rung: 1 }]
    );
}

#[test]
fn wrong_answers_probe_then_fail_after_the_limit() {
    let mut p = lesson();
    p.stage = Stage::Check { index: 0 };
    let wrong = StudentTurn::Answered {
        correct: false,
        misconception: None,
    };
    assert_eq!(p.on_turn(&wrong), vec![Move::Probe { check: 0 }]);
    assert_eq!(
        p.on_turn(&StudentTurn::Hint),
        vec![Move::Hint { check: 0, rung: 0 }]
    );
    assert_eq!(p.on_turn(&wrong), vec![Move::Probe { check: 0 }]);
    let m = p.on_turn(&wrong);
    assert_eq!(
        m[0],
        Move::Feedback {
            check: 0,
            correct: false
        }
    );
    assert_eq!(p.results[0].attempts, 3);
    assert_eq!(p.results[0].hints_used, 1);
}

#[test]
fn a_correct_answer_after_hints_records_them() {
    let mut p = lesson();
    p.stage = Stage::Check { index: 0 };
    p.on_turn(&StudentTurn::Hint);
    p.on_turn(&StudentTurn::Answered {
        correct: false,
        misconception: None,
    });
    p.on_turn(&StudentTurn::Answered {
        correct: true,
        misconception: None,
    });
    assert_eq!(
        p.results[0],
        CheckResult {
            index: 0,
            correct: true,
            attempts: 2,
            hints_used: 1
        }
    );
}

#[test]
fn misconceptions_are_addressed_once_then_the_lesson_moves_on() {
    let mut p = lesson();
    let m0 = StudentTurn::Said {
        misconception: Some(0),
    };
    assert_eq!(
        p.on_turn(&m0),
        vec![Move::AddressMisconception { index: 0 }]
    );
    assert_eq!(
        p.on_turn(&m0),
        vec![Move::AskGuiding { index: 0 }],
        "not twice in a row, and not taken up as a good start"
    );
    p.stage = Stage::Check { index: 0 };
    p.addressed_here.clear();
    let wrong = StudentTurn::Answered {
        correct: false,
        misconception: Some(1),
    };
    assert_eq!(
        p.on_turn(&wrong),
        vec![Move::AddressMisconception { index: 1 }]
    );
    assert_eq!(p.misconceptions_met, vec![0, 1]);
}

#[test]
fn off_topic_is_redirected_and_the_pending_step_repeated() {
    let mut p = lesson();
    p.on_turn(&said());
    assert_eq!(
        p.on_turn(&StudentTurn::OffTopic),
        vec![Move::Redirect, Move::AskGuiding { index: 0 }]
    );
    p.stage = Stage::Check { index: 1 };
    assert_eq!(
        p.on_turn(&StudentTurn::OffTopic),
        vec![Move::Redirect, Move::PoseCheck { index: 1 }]
    );
}

#[test]
fn giving_up_fails_the_check() {
    let mut p = lesson();
    p.stage = Stage::Check { index: 0 };
    assert_eq!(
        p.on_turn(&StudentTurn::GaveUp)[0],
        Move::Feedback {
            check: 0,
            correct: false
        }
    );
}

#[test]
fn non_answers_on_a_check_get_hints_and_use_no_attempt() {
    let mut p = lesson();
    p.max_guided = 0;
    p.on_turn(&said());
    assert!(matches!(
        p.on_turn(&StudentTurn::Unsure)[0],
        Move::Hint { check: 0, .. }
    ));
    assert_eq!(
        p.on_turn(&StudentTurn::Question),
        vec![Move::AnswerQuestion]
    );
    assert_eq!(
        p.on_turn(&StudentTurn::Filler),
        vec![Move::Nudge { question: None }]
    );
    assert_eq!(
        p.on_turn(&StudentTurn::Negated),
        vec![Move::AskCommit { check: 0 }]
    );
    assert_eq!((p.attempts, p.hints_used), (0, 1));
    assert_eq!(p.current_check(), Some(0));
    assert_eq!(
        p.on_turn(&StudentTurn::Meta),
        vec![Move::PoseCheck { index: 0 }]
    );
}

#[test]
fn a_choice_check_allows_choices_minus_one_misses() {
    let mut p = Policy::new(0, vec![2]).with_choices(vec![3]);
    p.on_turn(&said());
    let wrong = StudentTurn::Answered {
        correct: false,
        misconception: None,
    };
    assert_eq!(p.on_turn(&wrong), vec![Move::Probe { check: 0 }]);
    assert_eq!(
        p.on_turn(&wrong)[0],
        Move::Feedback {
            check: 0,
            correct: false
        }
    );
    assert_eq!(
        Policy::new(0, vec![1])
            .with_choices(vec![2])
            .attempts_allowed(0),
        1
    );
    assert_eq!(Policy::new(0, vec![1]).attempts_allowed(0), 3);
}

#[test]
fn an_unsure_answer_to_a_guiding_question_is_helped_once_then_the_lesson_moves_on() {
    let mut p = lesson();
    p.on_turn(&said());
    assert_eq!(
        p.on_turn(&StudentTurn::Unsure),
        vec![Move::Encourage { index: 0 }]
    );
    assert_eq!(
        p.on_turn(&StudentTurn::Unsure),
        vec![Move::AskGuiding { index: 1 }]
    );
    assert_eq!(
        p.on_turn(&StudentTurn::Question),
        vec![Move::AnswerQuestion, Move::AskGuiding { index: 1 }]
    );
    assert_eq!(
        p.on_turn(&StudentTurn::Unsure),
        vec![Move::Encourage { index: 1 }]
    );
    assert_eq!(
        p.on_turn(&said()),
        vec![Move::TakeUp, Move::AskGuiding { index: 2 }]
    );
}

fn reply(current: Option<IdeaVerdict>, answered: Vec<usize>) -> StudentTurn {
    StudentTurn::Replied {
        misconception: None,
        reading: TalkReading { current, answered },
    }
}

#[test]
fn a_reply_with_the_ideas_is_affirmed_and_questions_it_answered_are_skipped() {
    // Questions 0 and 1 expect ideas; 2 is open.
    let mut p = lesson().with_expects(vec![true, true, false]);
    assert_eq!(
        p.on_turn(&reply(None, vec![])),
        vec![Move::TakeUp, Move::AskGuiding { index: 0 }]
    );
    // The reply to question 0 also says question 1's idea: both answered, the ideas are on
    // the table, so the open question is skipped too and the checks begin.
    assert_eq!(
        p.on_turn(&reply(Some(IdeaVerdict::Right), vec![0, 1])),
        vec![
            Move::Affirm {
                index: 0,
                also: vec![1]
            },
            Move::PoseCheck { index: 0 }
        ]
    );
    assert_eq!(p.asked, vec![0]);
}

#[test]
fn a_missing_idea_gets_the_follow_up_once_then_the_idea_and_the_next_question() {
    let mut p = lesson().with_expects(vec![true, true, false]);
    p.on_turn(&reply(None, vec![]));
    assert_eq!(
        p.on_turn(&reply(Some(IdeaVerdict::Partial), vec![])),
        vec![Move::FollowUp { index: 0 }]
    );
    assert_eq!(
        p.on_turn(&reply(Some(IdeaVerdict::Wrong), vec![])),
        vec![Move::Explain { index: 0 }, Move::AskGuiding { index: 1 }]
    );
    // A filler is given time, once, and costs nothing.
    assert_eq!(
        p.on_turn(&StudentTurn::Filler),
        vec![Move::Nudge { question: Some(1) }]
    );
    assert_eq!(
        p.on_turn(&reply(Some(IdeaVerdict::Right), vec![1])),
        vec![
            Move::Affirm {
                index: 1,
                also: vec![]
            },
            Move::PoseCheck { index: 0 }
        ]
    );
}

#[test]
fn keyword_overlap_finds_beliefs() {
    let belief = "A bigger denominator means a bigger fraction.";
    assert!(keyword_overlap(belief, "the bigger the denominator the bigger the fraction") > 0.7);
    assert!(keyword_overlap(belief, "I like pizza") < 0.2);
}
