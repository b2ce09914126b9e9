//! Rendering: `render(&App, &mut Frame)`, one function per screen, plus the header, footer,
//! help overlay and prompts. No I/O, no locks: everything comes from [`App`].
//!
//! - [`screens`]: Home, profile picker, course map, stats, teacher view, settings.
//! - [`chat`]: the lesson transcript (light Markdown) and the review card.
//! - [`picture`]: a concept's or check's picture (graphics protocol or half blocks) and its
//!   alt text.

pub mod chat;
pub mod picture;
pub mod screens;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::{App, Prompt, Screen, Theme};

/// Styles for a theme.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    pub title: Style,
    pub accent: Style,
    pub dim: Style,
    pub good: Style,
    pub bad: Style,
    pub selected: Style,
    pub check: Style,
}

impl Palette {
    /// The palette of `theme`.
    pub fn of(theme: Theme) -> Self {
        match theme {
            Theme::Default => Self {
                title: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
                accent: Style::new().fg(Color::Yellow),
                dim: Style::new().fg(Color::DarkGray),
                good: Style::new().fg(Color::Green),
                bad: Style::new().fg(Color::Red),
                selected: Style::new().bg(Color::Blue).fg(Color::White),
                check: Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
            },
            Theme::HighContrast => Self {
                title: Style::new()
                    .fg(Color::White)
                    .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
                accent: Style::new()
                    .fg(Color::LightYellow)
                    .add_modifier(Modifier::BOLD),
                dim: Style::new().fg(Color::White),
                good: Style::new()
                    .fg(Color::LightGreen)
                    .add_modifier(Modifier::BOLD),
                bad: Style::new()
                    .fg(Color::LightRed)
                    .add_modifier(Modifier::BOLD),
                selected: Style::new()
                    .bg(Color::White)
                    .fg(Color::Black)
                    .add_modifier(Modifier::BOLD),
                check: Style::new()
                    .fg(Color::LightCyan)
                    .add_modifier(Modifier::BOLD),
            },
            Theme::NoColor => Self {
                title: Style::new().add_modifier(Modifier::BOLD),
                accent: Style::new().add_modifier(Modifier::BOLD),
                dim: Style::new(),
                good: Style::new().add_modifier(Modifier::BOLD),
                bad: Style::new().add_modifier(Modifier::BOLD),
                selected: Style::new().add_modifier(Modifier::REVERSED),
                check: Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            },
        }
    }
}

fn screen_name(s: Screen) -> &'static str {
    match s {
        Screen::ProfilePicker => "Who is learning?",
        Screen::Home => "Home",
        Screen::CourseMap => "Course map",
        Screen::Lesson => "Lesson",
        Screen::Review => "Review",
        Screen::Stats => "Statistics",
        Screen::Teacher => "Teacher view",
        Screen::Settings => "Settings",
    }
}

/// The 3–5 most useful keys of each screen, for the footer.
fn footer_keys(app: &App) -> &'static str {
    match app.screen {
        Screen::ProfilePicker => "Enter choose · n new profile · ? help · q quit",
        Screen::Home => "c continue · r review · m course map · s stats · ? help",
        Screen::CourseMap => "Enter start lesson · ↑↓ move · Esc back · ? help",
        Screen::Lesson => {
            "Enter send · Ctrl+H hint · Ctrl+A ask · Esc stop/leave · PgUp/PgDn · F1 help"
        }
        Screen::Review => "Enter answer · Ctrl+H hint · 1–4 rate · Esc back · F1 help",
        Screen::Stats => "PgUp/PgDn scroll · Esc back · ? help",
        Screen::Teacher => "Tab lessons · Enter read · x export report · Esc back · ? help",
        Screen::Settings => "↑↓ choose · ←→ change · Esc save and back · ? help",
    }
}

/// Draws the whole UI.
pub fn render(app: &App, f: &mut Frame) {
    let pal = Palette::of(app.theme);
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(f.area());
    let profile = if app.home.profile.is_empty() {
        String::new()
    } else {
        format!(" · {}", app.home.profile)
    };
    let title = Line::from(vec![
        Span::styled(" tutor ", pal.title),
        Span::raw(format!("· {}{profile}", screen_name(app.screen))),
    ]);
    f.render_widget(Paragraph::new(title), header);
    match app.screen {
        Screen::ProfilePicker => screens::profiles(app, f, body, &pal),
        Screen::Home => screens::home(app, f, body, &pal),
        Screen::CourseMap => screens::course_map(app, f, body, &pal),
        Screen::Lesson => chat::lesson(app, f, body, &pal),
        Screen::Review => chat::review(app, f, body, &pal),
        Screen::Stats => screens::stats(app, f, body, &pal),
        Screen::Teacher => screens::teacher(app, f, body, &pal),
        Screen::Settings => screens::settings(app, f, body, &pal),
    }
    let foot = match &app.status {
        Some(s) => Line::from(Span::styled(format!(" {s}"), pal.accent)),
        None => Line::from(Span::styled(format!(" {}", footer_keys(app)), pal.dim)),
    };
    f.render_widget(Paragraph::new(foot), footer);
    if let Some(p) = &app.prompt {
        prompt(p, f, &pal);
    }
    if app.help {
        help(app, f, &pal);
    }
}

/// A rectangle of `w`×`h` centred in `area` (clamped to it).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn prompt(p: &Prompt, f: &mut Frame, pal: &Palette) {
    let (title, input, error, secret) = match p {
        Prompt::Pin {
            profile,
            input,
            error,
        } => (format!("PIN for {profile}"), input, error, true),
        Prompt::NewProfile { input, error } => {
            ("New profile: name".to_string(), input, error, false)
        }
        Prompt::Teacher { input, error } => ("Teacher PIN".to_string(), input, error, true),
    };
    let area = centered(f.area(), 44, 5);
    f.render_widget(Clear, area);
    let shown = if secret {
        "•".repeat(input.chars().count())
    } else {
        input.clone()
    };
    let mut lines = vec![Line::from(format!("{shown}▏"))];
    if let Some(e) = error {
        lines.push(Line::from(Span::styled(e.clone(), pal.bad)));
    }
    lines.push(Line::from(Span::styled(
        "Enter to confirm · Esc to cancel",
        pal.dim,
    )));
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
        area,
    );
}

fn help(app: &App, f: &mut Frame, pal: &Palette) {
    let binds = app.keymap.bindings(app.screen);
    let h = (binds.len() as u16 + 4).min(f.area().height);
    let area = centered(f.area(), 56, h);
    f.render_widget(Clear, area);
    let mut lines: Vec<Line> = binds
        .iter()
        .map(|(k, a)| {
            Line::from(vec![
                Span::styled(format!("{k:>12}  "), pal.accent),
                Span::raw(a.describe()),
            ])
        })
        .collect();
    lines.push(Line::from(Span::styled(
        "   press ? or Esc to close",
        pal.dim,
    )));
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" Keys: {} ", screen_name(app.screen)));
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// A mastery bar of `width` cells.
pub fn bar(fraction: f64, width: usize) -> String {
    let filled = ((fraction.clamp(0.0, 1.0) * width as f64).round() as usize).min(width);
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}
