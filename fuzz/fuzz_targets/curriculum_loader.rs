//! Any bytes given to the course loader produce a course or diagnostics, never a panic.
#![no_main]

#[path = "../../src/curriculum/mod.rs"]
#[allow(dead_code)]
mod curriculum;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let loaded = curriculum::load_str("fuzz.toml", &text);
    for d in &loaded.diagnostics {
        let _ = d.to_string();
    }
    if let Some(course) = loaded.course {
        for (_, check) in course.checks() {
            let answer: String = text.chars().take(64).collect();
            let _ = curriculum::grade::grade(check, &answer);
        }
        let _ = course.topological_order();
    }
});
