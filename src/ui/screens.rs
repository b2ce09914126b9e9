//! Home, profile picker, course map, statistics, teacher view and settings.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Gauge, Paragraph, Wrap};

use super::{Palette, bar};
use crate::app::App;
use crate::app::state::{ConceptState, ModelStatus};

fn sel(app: &App, i: usize, pal: &Palette) -> Style {
    if i == app.selected {
        pal.selected
    } else {
        Style::new()
    }
}

/// Who is learning?
pub fn profiles(app: &App, f: &mut Frame, area: Rect, pal: &Palette) {
    let mut lines = vec![
        Line::from("Choose your profile and press Enter."),
        Line::from(""),
    ];
    for (i, p) in app.profiles.iter().enumerate() {
        let lock = if p.has_pin { "  🔒" } else { "" };
        lines.push(Line::from(Span::styled(
            format!("  {}{lock}  ", p.name),
            sel(app, i, pal),
        )));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Press n to create a new profile.",
        pal.dim,
    )));
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" Profiles ")),
        area,
    );
}

fn model_line(app: &App, pal: &Palette) -> Line<'static> {
    match &app.model {
        ModelStatus::Loading(p) => Line::from(Span::styled(
            format!("Model: loading… {:.0}%", p * 100.0),
            pal.accent,
        )),
        ModelStatus::Ready(name) => {
            Line::from(Span::styled(format!("Model: ready ({name})"), pal.good))
        }
        ModelStatus::Missing(help) => {
            Line::from(Span::styled(format!("Model: not found. {help}"), pal.bad))
        }
        ModelStatus::Failed(e) => {
            Line::from(Span::styled(format!("Model: could not load: {e}"), pal.bad))
        }
    }
}

/// Home: courses with mastery, due today, streak, continue, model status.
pub fn home(app: &App, f: &mut Frame, area: Rect, pal: &Palette) {
    let h = &app.home;
    let [top, courses, bottom] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Min(3),
        Constraint::Length(3),
    ])
    .areas(area);
    let next = h
        .next_lesson
        .as_ref()
        .map_or("nothing new right now".to_string(), |(_, _, t)| t.clone());
    let top_lines = vec![
        Line::from(vec![
            Span::styled(format!(" {} ", h.due_today), pal.accent),
            Span::raw("reviews due today   "),
            Span::styled(format!("{} ", h.streak), pal.accent),
            Span::raw(format!(
                "day streak{}",
                if h.streak > 0 { " 🔥" } else { "" }
            )),
        ]),
        Line::from(vec![
            Span::raw(" Continue: "),
            Span::styled(next, pal.title),
        ]),
        Line::from(vec![
            Span::raw(" "),
            Span::styled("press c to continue, r to review", pal.dim),
        ]),
    ];
    f.render_widget(Paragraph::new(top_lines), top);
    let width = courses.width.saturating_sub(48).clamp(10, 30) as usize;
    let mut lines = Vec::new();
    for (i, c) in h.courses.iter().enumerate() {
        let due = if c.due > 0 {
            format!("  {} due", c.due)
        } else {
            String::new()
        };
        lines.push(Line::from(Span::styled(
            format!(
                " {:<26} {} {:>3.0}%{due}",
                truncate(&c.title, 26),
                bar(c.mastery, width),
                c.mastery * 100.0
            ),
            sel(app, i, pal),
        )));
    }
    if !h.loaded {
        lines.push(Line::from(" Loading your courses…"));
    } else if h.courses.is_empty() {
        lines.push(Line::from(
            " No courses found. Put course files in your curricula folder (see tutor courses).",
        ));
    }
    for p in &h.problems {
        lines.push(Line::from(Span::styled(format!(" ⚠ {p}"), pal.bad)));
    }
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Courses (Enter: course map) "),
        ),
        courses,
    );
    let model_area = bottom;
    if let ModelStatus::Loading(p) = app.model {
        let g = Gauge::default()
            .block(Block::default().borders(Borders::TOP).title(" Model "))
            .gauge_style(pal.accent)
            .ratio(f64::from(p).clamp(0.0, 1.0))
            .label(format!(
                "loading {:.0}% — reviews and the course map work meanwhile",
                p * 100.0
            ));
        f.render_widget(g, model_area);
    } else {
        f.render_widget(
            Paragraph::new(vec![Line::from(""), model_line(app, pal)]).wrap(Wrap { trim: true }),
            model_area,
        );
    }
}

/// Concepts in prerequisite order with their state.
pub fn course_map(app: &App, f: &mut Frame, area: Rect, pal: &Palette) {
    let Some(m) = &app.course_map else { return };
    let width = area.width.saturating_sub(58).clamp(6, 20) as usize;
    let mut lines = Vec::new();
    for (i, c) in m.concepts.iter().enumerate() {
        let (mark, style) = match c.state {
            ConceptState::Locked => ("🔒 locked     ", pal.dim),
            ConceptState::Available => ("○ available  ", Style::new()),
            ConceptState::InProgress => ("◐ in progress", pal.accent),
            ConceptState::Mastered => ("● mastered   ", pal.good),
        };
        let st = if i == app.selected {
            pal.selected
        } else {
            style
        };
        lines.push(Line::from(Span::styled(
            format!(
                " {mark} {:<30} {} {:>3.0}%",
                truncate(&c.title, 30),
                bar(c.mastery, width),
                c.mastery * 100.0
            ),
            st,
        )));
    }
    let next: Vec<&str> = m
        .concepts
        .iter()
        .filter(|c| c.state == ConceptState::Locked)
        .take(2)
        .map(|c| c.title.as_str())
        .collect();
    lines.push(Line::from(""));
    if !next.is_empty() {
        lines.push(Line::from(Span::styled(
            format!(" Unlocks next: {}", next.join(", ")),
            pal.dim,
        )));
    }
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" {} ", m.title)),
        ),
        area,
    );
}

/// Statistics with one-line explanations.
pub fn stats(app: &App, f: &mut Frame, area: Rect, pal: &Palette) {
    let Some(s) = &app.stats else { return };
    let [nums, charts, concepts] = Layout::vertical([
        Constraint::Length(6),
        Constraint::Length(9),
        Constraint::Min(3),
    ])
    .areas(area);
    let retention = s
        .retention
        .map_or("–".to_string(), |r| format!("{:.0}%", r * 100.0));
    let lines = vec![
        Line::from(vec![
            Span::styled(format!(" {:>5} ", s.due_today), pal.accent),
            Span::raw("due today — cards to review before tomorrow"),
        ]),
        Line::from(vec![
            Span::styled(format!(" {:>5} ", s.streak_days), pal.accent),
            Span::raw("day streak — days in a row with a review"),
        ]),
        Line::from(vec![
            Span::styled(format!(" {retention:>5} "), pal.accent),
            Span::raw("retention — review answers right, last 30 days"),
        ]),
        Line::from(vec![
            Span::styled(format!(" {:>5} ", s.reviews_total), pal.accent),
            Span::raw("reviews — answers recorded, ever"),
        ]),
    ];
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Your numbers "),
        ),
        nums,
    );
    let [heat, fore] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(charts);
    // Calendar heatmap of the last 30 days (Monday rows are not needed at this size: a strip).
    let shades = [" ·", " ░", " ▒", " ▓", " █"];
    let max = s
        .reviews_per_day
        .iter()
        .map(|d| d.count)
        .max()
        .unwrap_or(0)
        .max(1);
    let cells: Vec<Span> = s
        .reviews_per_day
        .iter()
        .map(|d| {
            Span::styled(
                shades[((d.count * 4).div_ceil(max)) as usize].to_string(),
                if d.count > 0 { pal.good } else { pal.dim },
            )
        })
        .collect();
    let mut heat_lines: Vec<Line> = cells.chunks(10).map(|c| Line::from(c.to_vec())).collect();
    heat_lines.push(Line::from(Span::styled(
        " last 30 days, darker = more reviews",
        pal.dim,
    )));
    f.render_widget(
        Paragraph::new(heat_lines).block(Block::default().borders(Borders::ALL).title(" Reviews ")),
        heat,
    );
    let bars: Vec<Bar> = s
        .forecast
        .iter()
        .map(|d| Bar::default().value(u64::from(d.count)))
        .collect();
    let chart = BarChart::default()
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Due, next 30 days "),
        )
        .data(BarGroup::default().bars(&bars))
        .bar_width(1)
        .bar_gap(0)
        .bar_style(pal.accent);
    f.render_widget(chart, fore);
    let mut lines = Vec::new();
    for c in &s.courses {
        lines.push(Line::from(Span::styled(
            format!(" {} ({:.0}% mastered)", c.title, c.mastery * 100.0),
            pal.title,
        )));
        for k in &c.concepts {
            lines.push(Line::from(format!(
                "   {:<34} {} {:>3.0}%",
                truncate(&k.title, 34),
                bar(k.mastery, 10),
                k.mastery * 100.0
            )));
        }
    }
    f.render_widget(
        Paragraph::new(lines).scroll((app.stats_scroll, 0)).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Mastery per concept (recall chance now, weighted by practice) "),
        ),
        concepts,
    );
}

/// Per-profile × concept mastery, stuck items, transcripts.
pub fn teacher(app: &App, f: &mut Frame, area: Rect, pal: &Palette) {
    let Some(t) = &app.teacher else { return };
    let [table, side] = Layout::vertical([Constraint::Min(4), Constraint::Length(8)]).areas(area);
    let mut lines = vec![Line::from(Span::styled(
        format!(
            " {:<12} {:<14} {:<26} {:>7} {:>7} {:>6}  {:<24}",
            "profile",
            "course",
            "concept",
            "mastery",
            "reviews",
            "lapses",
            "last seen (laptop, day)"
        ),
        pal.title,
    ))];
    let visible = table.height.saturating_sub(3) as usize;
    let start = app.selected.saturating_sub(visible.saturating_sub(1));
    for (i, r) in t.rows.iter().enumerate().skip(start).take(visible) {
        lines.push(Line::from(Span::styled(
            format!(
                " {:<12} {:<14} {:<26} {:>6.0}% {:>7} {:>6}  {:<24}",
                truncate(&r.profile, 12),
                truncate(&r.course, 14),
                truncate(&r.concept, 26),
                r.mastery * 100.0,
                r.reviews,
                r.lapses,
                match (&r.laptop, &r.laptop_seen) {
                    (Some(l), Some(d)) =>
                        truncate(&format!("{l}, {}", d.get(..10).unwrap_or(d)), 24),
                    _ => String::new(),
                }
            ),
            if app.teacher_lessons {
                Style::new()
            } else {
                sel(app, i, pal)
            },
        )));
    }
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Class mastery "),
        ),
        table,
    );
    let mut lines: Vec<Line> = t
        .stuck
        .iter()
        .take(3)
        .map(|(p, c, k, n)| Line::from(format!(" stuck: {p} on {c}/{k} ({n} lapses)")))
        .collect();
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(" nobody is stuck", pal.dim)));
    }
    let first = if app.teacher_lessons {
        app.selected.saturating_sub(2)
    } else {
        0
    };
    for (i, s) in t.transcripts.iter().enumerate().skip(first).take(3) {
        let style = if app.teacher_lessons {
            sel(app, i, pal)
        } else {
            Style::new()
        };
        lines.push(Line::from(Span::styled(
            format!(
                " lesson #{}: {} · {} › {} ({} lines)",
                s.id, s.profile, s.course_id, s.concept_id, s.turns
            ),
            style,
        )));
    }
    lines.push(Line::from(Span::styled(
        " Tab: lessons · Enter: read a lesson · x: export the report",
        pal.dim,
    )));
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Stuck items · lessons "),
        ),
        side,
    );
}

/// Settings saved to the config file.
pub fn settings(app: &App, f: &mut Frame, area: Rect, pal: &Palette) {
    let s = &app.settings;
    let items = [
        format!(
            "Model path       {}",
            if s.model_path.is_empty() {
                "(automatic)"
            } else {
                &s.model_path
            }
        ),
        format!(
            "GPU layers       {}",
            s.gpu_layers.map_or("automatic".into(), |n| n.to_string())
        ),
        format!("CPU threads      {}", s.threads),
        format!("Temperature      {:.1}", s.temperature),
        format!("Desired retention {:.2}", s.retention),
        format!(
            "Theme            {}",
            if s.high_contrast {
                "high contrast"
            } else {
                "default"
            }
        ),
    ];
    let mut lines: Vec<Line> = items
        .iter()
        .enumerate()
        .map(|(i, t)| Line::from(Span::styled(format!(" {t} "), sel(app, i, pal))))
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        " Model and GPU changes apply at the next start.",
        pal.dim,
    )));
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" Settings ")),
        area,
    );
}

/// Cuts `s` to `n` characters with an ellipsis.
pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!(
            "{}…",
            s.chars().take(n.saturating_sub(1)).collect::<String>()
        )
    }
}
