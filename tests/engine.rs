//! Engine tests against the real SmolLM2-135M model: load, greedy determinism, seeded sampling,
//! UTF-8 streaming, cancel, KV prefix reuse (per cache slot, across judge calls, after cancelled
//! and regenerated replies, when the pool is full), context overflow, grammars, bad files,
//! reloads.

mod common;

use std::io::Write;

use tutor::engine::{
    CacheSlot, ChatBackend, ChatMessage, EngineError, GenEvent, GenParams, GenRequest, ModelSpec,
    StopReason,
};

fn ask(text: &str) -> Vec<ChatMessage> {
    vec![
        ChatMessage::system("You are a helpful tutor. Answer briefly."),
        ChatMessage::user(text),
    ]
}

fn run(
    e: &common::Engine,
    messages: Vec<ChatMessage>,
    params: GenParams,
) -> (String, tutor::engine::GenStats) {
    e.generate(GenRequest {
        messages,
        params,
        slot: CacheSlot::Lesson,
    })
    .wait()
    .expect("generation")
}

#[test]
fn loads_and_describes_the_model() {
    let mut e = common::engine_with(1024);
    common::forget_loaded(&mut e);
    drop(e);
    let e = common::engine_with(1024);
    assert_eq!(e.info.architecture, "llama");
    assert_eq!(e.info.quantization, "Q4_1");
    assert!(e.info.has_chat_template);
    assert_eq!(e.info.prompt_format, "jinja");
    assert!(
        (130_000_000..140_000_000).contains(&e.info.n_params),
        "{}",
        e.info.n_params
    );
    let (text, stats) = run(&e, ask("Say hello."), GenParams::greedy(16));
    assert!(!text.trim().is_empty());
    assert!(stats.generated_tokens > 0 && stats.generated_tokens <= 16);
}

#[test]
fn greedy_output_is_deterministic() {
    let e = common::engine();
    let (a, sa) = run(&e, ask("Why is the sky blue?"), GenParams::greedy(40));
    e.clear_cache();
    let (b, sb) = run(&e, ask("Why is the sky blue?"), GenParams::greedy(40));
    assert_eq!(sa.tokens, sb.tokens);
    assert_eq!(a, b);
}

#[test]
fn same_seed_same_output_different_seed_differs() {
    let e = common::engine();
    let p = |seed| GenParams {
        temperature: 1.0,
        seed,
        max_tokens: 40,
        ..GenParams::default()
    };
    let (a, _) = run(&e, ask("Tell me a short story about a fox."), p(7));
    let (b, _) = run(&e, ask("Tell me a short story about a fox."), p(7));
    assert_eq!(a, b, "same seed and input must give the same output");
    let (c, _) = run(&e, ask("Tell me a short story about a fox."), p(8));
    let (d, _) = run(&e, ask("Tell me a short story about a fox."), p(9));
    assert!(a != c || a != d, "three seeds gave identical text: {a:?}");
}

#[test]
fn streams_whole_utf8_characters_for_spanish_and_japanese() {
    let e = common::engine();
    for prompt in [
        "Escribe una frase en español con ñ, á, é y ¿preguntas? Por ejemplo: ¿Cómo está el niño?",
        "日本語で自己紹介してください。こんにちは、私は学生です。",
    ] {
        let mut g = e.generate(GenRequest {
            messages: vec![ChatMessage::user(prompt)],
            params: GenParams::greedy(60),
            slot: CacheSlot::Lesson,
        });
        let mut pieces = Vec::new();
        let stats = loop {
            match g.events.blocking_recv().expect("event") {
                GenEvent::Token(t) => pieces.push(t),
                GenEvent::Done(s) => break s,
                GenEvent::Error(e) => panic!("{e}"),
            }
        };
        assert!(stats.generated_tokens > 0);
        let joined: String = pieces.concat();
        assert!(
            !joined.contains('\u{fffd}'),
            "broken character in {joined:?}"
        );
        assert!(pieces.iter().all(|p| !p.is_empty()));
        assert!(
            !joined.is_ascii(),
            "the model should answer with non-ASCII text for {prompt:?}: {joined:?}"
        );
    }
}

#[test]
fn cancel_stops_within_one_token_and_engine_stays_usable() {
    let e = common::engine();
    let mut g = e.generate(GenRequest {
        messages: ask("Write a very long essay about the history of mathematics."),
        params: GenParams {
            max_tokens: 400,
            ..GenParams::greedy(400)
        },
        slot: CacheSlot::Lesson,
    });
    let mut received = 0;
    let stats = loop {
        match g.events.blocking_recv().expect("event") {
            GenEvent::Token(_) => {
                received += 1;
                if received == 3 {
                    g.cancel.cancel();
                }
            }
            GenEvent::Done(s) => break s,
            GenEvent::Error(e) => panic!("{e}"),
        }
    };
    assert_eq!(stats.stop, Some(StopReason::Cancelled));
    // Pieces can hold several tokens (UTF-8 or stop-string hold-back): allow one more token.
    assert!(
        stats.generated_tokens <= received + 1 + 1,
        "{} tokens after cancel at piece {received}",
        stats.generated_tokens
    );
    assert!(stats.generated_tokens < 40);
    let (text, _) = run(&e, ask("Say yes."), GenParams::greedy(8));
    assert!(!text.is_empty());
}

#[test]
fn prefix_reuse_gives_the_same_tokens_and_decodes_only_the_suffix() {
    let e = common::engine();
    let turns = [
        "What is a fraction?",
        "What does the denominator mean?",
        "And the numerator?",
        "Give me an example.",
    ];
    let system =
        ChatMessage::system("You are a patient Socratic tutor. Ask one question at a time.");
    // With reuse (the engine keeps its cache between turns).
    let mut with = vec![system.clone()];
    let mut reuse_outputs = Vec::new();
    for (i, t) in turns.iter().enumerate() {
        with.push(ChatMessage::user(*t));
        let (text, stats) = run(&e, with.clone(), GenParams::greedy(24));
        if i > 0 {
            assert!(stats.reused_tokens > 0, "turn {i} reused nothing");
            assert_eq!(
                stats.prefill_tokens,
                stats.prompt_tokens - stats.reused_tokens
            );
            assert!(
                stats.prefill_tokens < stats.prompt_tokens / 2,
                "turn {i}: {stats:?}"
            );
        }
        reuse_outputs.push(stats.tokens);
        with.push(ChatMessage::assistant(text));
    }
    // Fresh context for every turn.
    let mut fresh = vec![system];
    for (i, t) in turns.iter().enumerate() {
        fresh.push(ChatMessage::user(*t));
        e.clear_cache();
        let (text, stats) = run(&e, fresh.clone(), GenParams::greedy(24));
        assert_eq!(stats.reused_tokens, 0);
        assert_eq!(
            stats.tokens, reuse_outputs[i],
            "turn {i} differs with and without reuse"
        );
        fresh.push(ChatMessage::assistant(text));
    }
}

#[test]
fn context_overflow_drops_oldest_turns_instead_of_failing() {
    let e = common::engine_with(256);
    let mut msgs = vec![ChatMessage::system("You are a tutor.")];
    let filler = "Fractions describe equal parts of a whole, like slices of a pizza. ";
    for i in 0..8 {
        msgs.push(ChatMessage::user(format!("Turn {i}: {}", filler.repeat(2))));
        msgs.push(ChatMessage::assistant(format!(
            "Reply {i}: {}",
            filler.repeat(2)
        )));
    }
    msgs.push(ChatMessage::user("What is a half?"));
    let (_, stats) = run(&e, msgs.clone(), GenParams::greedy(32));
    assert!(stats.dropped_messages > 0);
    assert!(stats.prompt_tokens + 32 <= 256, "{stats:?}");
    // A single message longer than the whole context is shortened, not an error.
    let huge = vec![
        ChatMessage::system("You are a tutor."),
        ChatMessage::user(filler.repeat(60)),
    ];
    let (_, stats) = run(&e, huge, GenParams::greedy(16));
    assert!(stats.prompt_tokens <= 256 - 16);
}

#[test]
fn grammar_constrains_the_output() {
    let e = common::engine();
    let params = GenParams {
        grammar: Some(r#"root ::= "correct" | "partial" | "incorrect""#.into()),
        ..GenParams::greedy(8)
    };
    let (text, _) = run(
        &e,
        ask("Is 2 + 2 = 4 correct? Answer with one word."),
        params,
    );
    assert!(
        ["correct", "partial", "incorrect"].contains(&text.as_str()),
        "{text:?}"
    );
}

#[test]
fn stop_strings_end_the_reply_and_are_not_shown() {
    let e = common::engine();
    let params = GenParams {
        stop: vec!["3".into()],
        ..GenParams::greedy(60)
    };
    let (text, stats) = run(&e, ask("Count from 1 to 10, separated by commas."), params);
    if stats.stop == Some(StopReason::StopString) {
        assert!(!text.contains('3'), "{text:?}");
    }
}

fn expect_bad_file(e: &common::Engine, path: &std::path::Path, needle: &str) {
    let err = e
        .load_blocking(ModelSpec::new(path))
        .expect_err("bad file must not load");
    let msg = err.to_string();
    assert!(matches!(err, EngineError::BadModelFile(_)), "{err:?}");
    assert!(
        msg.contains(&path.display().to_string()),
        "message must name the path: {msg}"
    );
    assert!(msg.contains(needle), "{msg}");
}

#[test]
fn bad_model_files_give_clear_errors_and_the_engine_survives() {
    let mut e = common::engine();
    common::forget_loaded(&mut e);
    let dir = tempfile::tempdir().unwrap();
    expect_bad_file(&e, &dir.path().join("missing.gguf"), "does not exist");
    let random = dir.path().join("random.gguf");
    let mut f = std::fs::File::create(&random).unwrap();
    let bytes: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    f.write_all(&bytes).unwrap();
    expect_bad_file(&e, &random, "not a GGUF");
    let text = dir.path().join("notes.gguf");
    std::fs::write(&text, "this is a text file, not a model\n").unwrap();
    expect_bad_file(&e, &text, "not a GGUF");
    let real = std::fs::read(common::model_path()).unwrap();
    for cut in [10usize, 1000, 4 << 20, real.len() / 2, real.len() - 1] {
        let truncated = dir.path().join(format!("cut{cut}.gguf"));
        std::fs::write(&truncated, &real[..cut]).unwrap();
        expect_bad_file(&e, &truncated, "truncated");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let locked = dir.path().join("locked.gguf");
        std::fs::copy(common::model_path(), &locked).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::File::open(&locked).is_err() {
            expect_bad_file(&e, &locked, "cannot read");
        }
    }
    // A bad LoRA adapter is refused with its path, and the base model still loads afterwards.
    let mut spec = ModelSpec::new(common::model_path());
    spec.lora = Some(random.clone());
    let err = e.load_blocking(spec).expect_err("random bytes are no LoRA");
    assert!(err.to_string().contains("random.gguf"), "{err}");
    drop(e);
    let e = common::engine();
    let (text, _) = run(&e, ask("Say hi."), GenParams::greedy(4));
    assert!(!text.is_empty());
}

#[test]
fn requests_before_a_model_is_loaded_get_a_clear_error() {
    // A second engine in this process can't init llama.cpp's backend again, so this checks the
    // no-model path through the shared engine after a failed load.
    let mut e = common::engine();
    common::forget_loaded(&mut e);
    let _ = e.load_blocking(ModelSpec::new("/nonexistent.gguf"));
    let err = e
        .generate(GenRequest {
            messages: ask("hi"),
            params: GenParams::greedy(4),
            slot: CacheSlot::Lesson,
        })
        .wait()
        .expect_err("no model");
    assert!(matches!(err, EngineError::NoModel), "{err:?}");
}

/// A judge-style request on the aux slot.
fn judge(e: &common::Engine, answer: &str) -> tutor::engine::GenStats {
    let messages = vec![
        ChatMessage::system("You are a fair teacher marking a student's short answer."),
        ChatMessage::user(format!(
            "Question: What does the denominator tell you?\nStudent answer: {answer}\n\
             Is the answer correct, partial or incorrect?"
        )),
    ];
    let params = GenParams {
        grammar: Some(r#"root ::= "correct" | "partial" | "incorrect""#.into()),
        ..GenParams::greedy(4)
    };
    e.generate(GenRequest::new(messages, params).on(CacheSlot::Aux))
        .wait()
        .expect("judge")
        .1
}

#[test]
fn aux_calls_keep_the_lesson_cache_and_turn_two_prefills_only_the_new_suffix() {
    let e = common::engine();
    let mut convo = vec![
        ChatMessage::system("You are a patient Socratic tutor. Ask one question at a time."),
        ChatMessage::user("What is a fraction?"),
    ];
    let (reply, s1) = run(&e, convo.clone(), GenParams::greedy(24));
    assert_eq!(s1.reused_tokens, 0, "the cache starts empty");
    let j1 = judge(&e, "the number at the bottom");
    assert_eq!(
        j1.reused_tokens, 0,
        "the aux slot has its own, empty, cache"
    );
    // The same judge frame again: the aux slot reuses its own cache too.
    let j2 = judge(&e, "how many equal parts");
    assert!(j2.reused_tokens > j1.prompt_tokens / 2, "{j2:?}");
    convo.push(ChatMessage::assistant(reply));
    convo.push(ChatMessage::user("What does the denominator mean?"));
    let (_, s2) = run(&e, convo.clone(), GenParams::greedy(24));
    // The chat template appends, so turn 1's prompt is a prefix of turn 2's: all of it (and the
    // reply's tokens) must come from the lesson's cache, and only the rest is decoded.
    assert!(s2.reused_tokens >= s1.prompt_tokens, "{s1:?}\n{s2:?}");
    assert!(
        s2.prefill_tokens <= s2.prompt_tokens - s1.prompt_tokens,
        "{s1:?}\n{s2:?}"
    );
    assert_eq!(s2.prefill_tokens + s2.reused_tokens, s2.prompt_tokens);
}

/// The guarantee: judge calls on the aux slot between lesson turns do not change the lesson's
/// replies: token for token they are what the same reused conversation gives with no judge calls
/// (a lesson request drops the aux slot's cache first, so the lesson's cells are always the front
/// of the pool, laid out exactly as without the judge). Not promised: equality with a cache
/// rebuilt from scratch each turn, because llama.cpp computes a reply's tokens decoded one by one
/// and the same tokens prefilled as a batch with different float rounding (measured: turn 1
/// differs at token 18 of 24 even with no judge calls at all).
#[test]
fn reuse_with_judge_calls_between_gives_the_same_tokens_as_without_them() {
    let e = common::engine();
    let turns = [
        "What is a fraction?",
        "Is the denominator the bottom number?",
        "So 3/4 means three of four equal parts?",
    ];
    let system =
        ChatMessage::system("You are a patient Socratic tutor. Ask one question at a time.");
    let mut with = vec![system.clone()];
    let mut outputs = Vec::new();
    for (i, t) in turns.iter().enumerate() {
        with.push(ChatMessage::user(*t));
        let (text, stats) = run(&e, with.clone(), GenParams::greedy(24));
        if i > 0 {
            assert!(
                stats.prefill_tokens < stats.prompt_tokens / 2,
                "turn {i}: {stats:?}"
            );
        }
        let j = judge(&e, t);
        assert!(j.generated_tokens > 0, "{j:?}");
        outputs.push(stats.tokens);
        with.push(ChatMessage::assistant(text));
    }
    e.clear_cache();
    let mut without = vec![system];
    for (i, t) in turns.iter().enumerate() {
        without.push(ChatMessage::user(*t));
        let (text, stats) = run(&e, without.clone(), GenParams::greedy(24));
        if i == 0 {
            assert_eq!(stats.reused_tokens, 0);
        } else {
            assert!(
                stats.prefill_tokens < stats.prompt_tokens / 2,
                "turn {i}: {stats:?}"
            );
        }
        assert_eq!(
            stats.tokens, outputs[i],
            "turn {i} differs with and without judge calls between turns"
        );
        without.push(ChatMessage::assistant(text));
    }
}

/// Starts a long greedy reply and cancels it after `pieces` streamed pieces; returns the text
/// shown so far and the stats.
fn cancelled(
    e: &common::Engine,
    messages: Vec<ChatMessage>,
    pieces: usize,
) -> (String, tutor::engine::GenStats) {
    let mut g = e.generate(GenRequest::new(messages, GenParams::greedy(200)));
    let mut shown = String::new();
    let mut n = 0;
    loop {
        match g.events.blocking_recv().expect("event") {
            GenEvent::Token(t) => {
                n += 1;
                if n <= pieces {
                    shown.push_str(&t);
                }
                if n == pieces {
                    g.cancel.cancel();
                }
            }
            GenEvent::Done(s) => return (shown, s),
            GenEvent::Error(e) => panic!("{e}"),
        }
    }
}

#[test]
fn a_cancelled_or_regenerated_reply_keeps_reuse_exact() {
    let e = common::engine();
    let first = vec![
        ChatMessage::system("You are a patient Socratic tutor. Ask one question at a time."),
        ChatMessage::user("Tell me everything about fractions, with many examples."),
    ];
    let (shown, s1) = cancelled(&e, first.clone(), 4);
    assert_eq!(s1.stop, Some(StopReason::Cancelled));
    assert!(!shown.is_empty());
    // Regenerating the same reply reuses the whole prompt but the last token, and gives what a
    // fresh cache gives.
    let (_, again) = run(&e, first.clone(), GenParams::greedy(16));
    assert_eq!(again.reused_tokens, again.prompt_tokens - 1, "{again:?}");
    e.clear_cache();
    let (_, fresh) = run(&e, first.clone(), GenParams::greedy(16));
    assert_eq!(again.tokens, fresh.tokens);
    // A cancelled reply, shown in part, then the next turn: the cached tokens past what was shown
    // must not leak into the next prompt's prefix.
    e.clear_cache();
    let (shown, s1) = cancelled(&e, first.clone(), 4);
    let mut next = first;
    next.push(ChatMessage::assistant(shown));
    next.push(ChatMessage::user("Just one example, please."));
    let (_, reused) = run(&e, next.clone(), GenParams::greedy(24));
    assert!(reused.reused_tokens >= s1.prompt_tokens, "{reused:?}");
    e.clear_cache();
    let (_, fresh) = run(&e, next, GenParams::greedy(24));
    assert_eq!(reused.tokens, fresh.tokens);
}

#[test]
fn a_full_pool_drops_the_other_slots_cache_and_stays_exact() {
    // 2048 tokens for the lesson; the pool holds 1024 more for the aux slot.
    let e = common::engine_with(2048);
    let filler = "Fractions describe equal parts of a whole, like slices of a pizza. ";
    let lesson = vec![
        ChatMessage::system(format!("You are a tutor. Notes: {}", filler.repeat(115))),
        ChatMessage::user("What is a half?"),
    ];
    let (_, l1) = run(&e, lesson.clone(), GenParams::greedy(8));
    assert!(l1.prompt_tokens > 1500, "{l1:?}");
    // An aux request too big to fit next to the lesson's cache: the lesson's cache goes.
    let big = vec![
        ChatMessage::system(format!("You are a judge. Notes: {}", filler.repeat(100))),
        ChatMessage::user("Is a half one of two equal parts? Answer yes or no."),
    ];
    let (_, a1) = e
        .generate(GenRequest::new(big, GenParams::greedy(4)).on(CacheSlot::Aux))
        .wait()
        .expect("aux");
    assert!(l1.prompt_tokens + a1.prompt_tokens > 3072, "{a1:?}");
    let (_, l2) = run(&e, lesson.clone(), GenParams::greedy(8));
    assert_eq!(
        l2.reused_tokens, 0,
        "the lesson's cache was dropped: {l2:?}"
    );
    assert_eq!(l2.tokens, l1.tokens);
    // Now the lesson's cache is back and the aux one made room for it; the lesson reuses again.
    let (_, l3) = run(&e, lesson, GenParams::greedy(8));
    assert_eq!(l3.reused_tokens, l3.prompt_tokens - 1);
    assert_eq!(l3.tokens, l1.tokens);
}
