//! Keys as data: one map per screen from a key to an [`Action`], overridable in the config
//! file (`[ui.keys] hint = "ctrl-h"`).

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Screen;

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Back,
    Help,
    Up,
    Down,
    Open,
    Continue,
    Review,
    Stats,
    Courses,
    Settings,
    Teacher,
    Profiles,
    Send,
    Newline,
    Hint,
    /// Ask the course material (the input becomes a `?? ` question).
    Ask,
    StopReply,
    ScrollUp,
    ScrollDown,
    Rate1,
    Rate2,
    Rate3,
    Rate4,
    NewProfile,
    Export,
    SwitchPane,
}

impl Action {
    /// The name used in the config file and the help overlay.
    pub fn name(self) -> &'static str {
        match self {
            Self::Quit => "quit",
            Self::Back => "back",
            Self::Help => "help",
            Self::Up => "up",
            Self::Down => "down",
            Self::Open => "open",
            Self::Continue => "continue",
            Self::Review => "review",
            Self::Stats => "stats",
            Self::Courses => "courses",
            Self::Settings => "settings",
            Self::Teacher => "teacher",
            Self::Profiles => "profiles",
            Self::Send => "send",
            Self::Newline => "newline",
            Self::Hint => "hint",
            Self::Ask => "ask",
            Self::StopReply => "stop",
            Self::ScrollUp => "scroll-up",
            Self::ScrollDown => "scroll-down",
            Self::Rate1 => "rate-1",
            Self::Rate2 => "rate-2",
            Self::Rate3 => "rate-3",
            Self::Rate4 => "rate-4",
            Self::NewProfile => "new-profile",
            Self::Export => "export",
            Self::SwitchPane => "switch-pane",
        }
    }

    /// What it does, for the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Quit => "quit tutor",
            Self::Back => "go back",
            Self::Help => "show or hide this help",
            Self::Up => "move up",
            Self::Down => "move down",
            Self::Open => "open the selected item",
            Self::Continue => "continue with the next lesson",
            Self::Review => "review cards due today",
            Self::Stats => "your statistics",
            Self::Courses => "course map",
            Self::Settings => "settings",
            Self::Teacher => "teacher view",
            Self::Profiles => "switch profile",
            Self::Send => "send your answer",
            Self::Newline => "new line in your answer",
            Self::Hint => "next hint",
            Self::Ask => "ask your course material a question",
            Self::StopReply => "stop the tutor's reply",
            Self::ScrollUp => "scroll up",
            Self::ScrollDown => "scroll down",
            Self::Rate1 => "rate: not at all",
            Self::Rate2 => "rate: hard",
            Self::Rate3 => "rate: good",
            Self::Rate4 => "rate: easy",
            Self::NewProfile => "create a profile",
            Self::Export => "export the class report",
            Self::SwitchPane => "switch between the table and the lessons",
        }
    }
}

/// Parses `ctrl-h`, `alt-enter`, `f1`, `q`, `esc`, `pageup`.
pub fn parse_key(s: &str) -> Option<KeyEvent> {
    let mut mods = KeyModifiers::NONE;
    let mut rest = s.trim().to_lowercase();
    loop {
        if let Some(r) = rest.strip_prefix("ctrl-") {
            mods |= KeyModifiers::CONTROL;
            rest = r.to_string();
        } else if let Some(r) = rest.strip_prefix("alt-") {
            mods |= KeyModifiers::ALT;
            rest = r.to_string();
        } else if let Some(r) = rest.strip_prefix("shift-") {
            mods |= KeyModifiers::SHIFT;
            rest = r.to_string();
        } else {
            break;
        }
    }
    let code = match rest.as_str() {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "backspace" => KeyCode::Backspace,
        f if f.starts_with('f') && f.len() > 1 => KeyCode::F(f[1..].parse().ok()?),
        c if c.chars().count() == 1 => KeyCode::Char(c.chars().next()?),
        _ => return None,
    };
    Some(KeyEvent::new(code, mods))
}

/// Key → action, per screen.
#[derive(Debug, Clone)]
pub struct Keymap {
    maps: HashMap<Screen, Vec<(KeyEvent, Action)>>,
}

fn k(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn c(ch: char) -> KeyEvent {
    k(KeyCode::Char(ch))
}

fn ctrl(ch: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(ch), KeyModifiers::CONTROL)
}

impl Default for Keymap {
    fn default() -> Self {
        use Action::*;
        let nav = vec![
            (k(KeyCode::Up), Up),
            (k(KeyCode::Down), Down),
            (c('k'), Up),
            (c('j'), Down),
            (k(KeyCode::Enter), Open),
        ];
        let global = vec![(c('?'), Help), (ctrl('c'), Quit), (k(KeyCode::Esc), Back)];
        let mut maps = HashMap::new();
        let mut home = nav.clone();
        home.extend([
            (c('c'), Continue),
            (c('r'), Review),
            (c('s'), Stats),
            (c('m'), Courses),
            (c(','), Settings),
            (c('t'), Teacher),
            (c('p'), Profiles),
            (c('q'), Quit),
        ]);
        home.extend(global.clone());
        maps.insert(Screen::Home, home);
        let mut picker = nav.clone();
        picker.extend([(c('n'), NewProfile), (c('q'), Quit)]);
        picker.extend(global.clone());
        maps.insert(Screen::ProfilePicker, picker);
        let mut map = nav.clone();
        map.extend([(c('q'), Back)]);
        map.extend(global.clone());
        maps.insert(Screen::CourseMap, map);
        let typing = vec![
            (k(KeyCode::Enter), Send),
            (KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT), Newline),
            (KeyEvent::new(KeyCode::Enter, KeyModifiers::SHIFT), Newline),
            (ctrl('h'), Hint),
            (k(KeyCode::PageUp), ScrollUp),
            (k(KeyCode::PageDown), ScrollDown),
            (k(KeyCode::F(1)), Help),
            (ctrl('c'), Quit),
        ];
        let mut lesson = typing.clone();
        lesson.extend([
            (k(KeyCode::Esc), StopReply),
            (ctrl('a'), Ask),
            (k(KeyCode::F(2)), Ask),
        ]);
        maps.insert(Screen::Lesson, lesson);
        let mut review = typing;
        review.extend([(k(KeyCode::Esc), Back)]);
        maps.insert(Screen::Review, review);
        let mut stats = vec![
            (c('q'), Back),
            (k(KeyCode::PageUp), ScrollUp),
            (k(KeyCode::PageDown), ScrollDown),
        ];
        stats.extend(global.clone());
        maps.insert(Screen::Stats, stats);
        let mut teacher = nav.clone();
        teacher.extend([
            (c('x'), Export),
            (k(KeyCode::Tab), SwitchPane),
            (c('q'), Back),
        ]);
        teacher.extend(global.clone());
        maps.insert(Screen::Teacher, teacher);
        let mut settings = nav;
        settings.extend([
            (k(KeyCode::Left), ScrollUp),
            (k(KeyCode::Right), ScrollDown),
            (c('q'), Back),
        ]);
        settings.extend(global);
        maps.insert(Screen::Settings, settings);
        Self { maps }
    }
}

impl Keymap {
    /// The defaults with the config file's overrides (`action = "key"`), applied to every
    /// screen that has the action. Unknown names are returned as problems.
    pub fn with_overrides(
        overrides: &std::collections::BTreeMap<String, String>,
    ) -> (Self, Vec<String>) {
        let mut map = Self::default();
        let mut problems = Vec::new();
        for (name, key) in overrides {
            let Some(key) = parse_key(key) else {
                problems.push(format!("ui.keys.{name}: cannot read key {key:?}"));
                continue;
            };
            let mut found = false;
            for bindings in map.maps.values_mut() {
                let actions: Vec<Action> = bindings
                    .iter()
                    .map(|(_, a)| *a)
                    .filter(|a| a.name() == name)
                    .collect();
                if let Some(&action) = actions.first() {
                    found = true;
                    bindings.retain(|(k, _)| *k != key);
                    bindings.insert(0, (key, action));
                }
            }
            if !found {
                problems.push(format!("ui.keys.{name}: no such action"));
            }
        }
        (map, problems)
    }

    /// The action of `key` on `screen`.
    pub fn action(&self, screen: Screen, key: &KeyEvent) -> Option<Action> {
        let norm = KeyEvent::new(key.code, key.modifiers);
        self.maps
            .get(&screen)?
            .iter()
            .find(|(k, _)| *k == norm)
            .map(|(_, a)| *a)
    }

    /// The bindings of a screen, for the help overlay and footer.
    pub fn bindings(&self, screen: Screen) -> Vec<(String, Action)> {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for (k, a) in self.maps.get(&screen).into_iter().flatten() {
            if seen.contains(a) {
                continue;
            }
            seen.push(*a);
            out.push((key_name(k), *a));
        }
        out
    }
}

/// A key as people write it: `Ctrl+H`, `Enter`, `q`.
pub fn key_name(k: &KeyEvent) -> String {
    let mut s = String::new();
    if k.modifiers.contains(KeyModifiers::CONTROL) {
        s.push_str("Ctrl+");
    }
    if k.modifiers.contains(KeyModifiers::ALT) {
        s.push_str("Alt+");
    }
    if k.modifiers.contains(KeyModifiers::SHIFT) {
        s.push_str("Shift+");
    }
    s.push_str(&match k.code {
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    });
    s
}
