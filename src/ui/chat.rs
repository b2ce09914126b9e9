//! The lesson transcript (with light Markdown: **bold**, `code`, lists) and the review card.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::Palette;
use crate::app::App;
use crate::app::state::Who;

/// Light Markdown for one line: `**bold**`, `` `code` ``, and `- ` / `* ` bullets.
pub fn markdown_line(text: &str, base: Style) -> Line<'static> {
    let (prefix, body) = match text.strip_prefix("- ").or_else(|| text.strip_prefix("* ")) {
        Some(rest) => ("  • ", rest),
        None => ("", text),
    };
    let mut spans = vec![Span::styled(prefix.to_string(), base)];
    let mut bold = false;
    let mut code = false;
    let mut cur = String::new();
    let mut chars = body.chars().peekable();
    let style = |bold: bool, code: bool| {
        let mut s = base;
        if bold {
            s = s.add_modifier(Modifier::BOLD);
        }
        if code {
            s = s.add_modifier(Modifier::REVERSED);
        }
        s
    };
    while let Some(c) = chars.next() {
        if c == '*' && chars.peek() == Some(&'*') {
            chars.next();
            spans.push(Span::styled(std::mem::take(&mut cur), style(bold, code)));
            bold = !bold;
        } else if c == '`' {
            spans.push(Span::styled(std::mem::take(&mut cur), style(bold, code)));
            code = !code;
        } else {
            cur.push(c);
        }
    }
    spans.push(Span::styled(cur, style(bold, code)));
    Line::from(spans)
}

/// The lesson: transcript, streaming reply, input box.
pub fn lesson(app: &App, f: &mut Frame, area: Rect, pal: &Palette) {
    let Some(l) = &app.lesson else { return };
    let input_h = (l.input.lines().count().max(1) as u16 + 2).min(6);
    let [area, input] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(input_h)]).areas(area);
    // A picture takes the top of the transcript while at least 6 rows of it stay visible.
    let picture = l.picture.as_ref().or(l.concept_picture.as_ref());
    let chat = match picture {
        Some(p) if area.height >= p.height(area.width) + 6 => {
            let [top, rest] =
                Layout::vertical([Constraint::Length(p.height(area.width)), Constraint::Min(6)])
                    .areas(area);
            super::picture::render(p, f, top, pal);
            rest
        }
        _ => area,
    };
    let mut lines: Vec<Line> = Vec::new();
    for e in &l.entries {
        let (label, style) = match e.who {
            Who::Tutor => ("tutor", pal.title),
            Who::Student => ("you", pal.accent),
            Who::Check => ("check", pal.check),
            Who::Feedback => ("tutor", pal.good),
            Who::Note => ("note", pal.dim),
            Who::Material => ("course material", pal.accent),
        };
        lines.push(Line::from(Span::styled(format!("{label}:"), style)));
        let body_style = if e.who == Who::Check {
            pal.check
        } else {
            Style::new()
        };
        for t in e.text.lines() {
            lines.push(markdown_line(t, body_style));
        }
        lines.push(Line::from(""));
    }
    if l.streaming {
        lines.push(Line::from(Span::styled("… (Esc stops the reply)", pal.dim)));
    }
    if l.done {
        lines.push(Line::from(Span::styled(
            "The lesson is over. Esc goes back home.",
            pal.dim,
        )));
    }
    // Keep the bottom in view unless the student scrolled up.
    let inner_w = chat.width.saturating_sub(2).max(1) as usize;
    let total: usize = lines
        .iter()
        .map(|ln| ln.width().max(1).div_ceil(inner_w))
        .sum();
    let visible = chat.height.saturating_sub(2) as usize;
    let bottom = total.saturating_sub(visible);
    let offset = bottom.saturating_sub(l.scroll as usize) as u16;
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((offset, 0))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(format!(" {} ", l.title)),
            ),
        chat,
    );
    let hint = if l.awaiting_rating {
        " type 1–4 and Enter "
    } else if crate::ask::question_in(&l.input).is_some() || l.input == crate::ask::QUESTION_PREFIX
    {
        " your question for the course material (Enter asks) "
    } else {
        " your answer (Enter sends, Alt+Enter new line) "
    };
    f.render_widget(
        Paragraph::new(format!("{}▏", l.input))
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(hint)),
        input,
    );
}

/// One review card with its feedback.
pub fn review(app: &App, f: &mut Frame, area: Rect, pal: &Palette) {
    let r = &app.review;
    let title = format!(" Review · {} done · {} to go ", r.done_today, r.remaining);
    let Some(card) = &r.card else {
        let text = if r.empty {
            "Nothing to review right now. Well done! Press Esc to go back."
        } else {
            "Loading…"
        };
        f.render_widget(
            Paragraph::new(text).block(Block::default().borders(Borders::ALL).title(title)),
            area,
        );
        return;
    };
    let [q, input] = Layout::vertical([Constraint::Min(5), Constraint::Length(3)]).areas(area);
    let mut lines = vec![
        Line::from(Span::styled(
            format!("{} › {}", card.course_id, card.concept_title),
            pal.dim,
        )),
        Line::from(""),
    ];
    lines.push(Line::from(Span::styled(card.prompt.clone(), pal.check)));
    for (i, c) in card.choices.iter().enumerate() {
        lines.push(Line::from(format!(
            "  {}) {c}",
            crate::curriculum::grade::choice_letter(i)
        )));
    }
    for (i, h) in card.hints.iter().take(r.hints_shown).enumerate() {
        lines.push(Line::from(Span::styled(
            format!("Hint {}: {h}", i + 1),
            pal.accent,
        )));
    }
    if let Some((ok, msg)) = &r.feedback {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            msg.clone(),
            if *ok { pal.good } else { pal.bad },
        )));
    }
    if r.awaiting_rating {
        lines.push(Line::from(Span::styled(
            "How well did you know it? 1 not at all · 2 hard · 3 good · 4 easy",
            pal.accent,
        )));
    }
    if let Some(s) = &r.saved {
        lines.push(Line::from(Span::styled(
            format!("Saved. Next review {s}. Press Enter for the next card."),
            pal.good,
        )));
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(title)),
        q,
    );
    f.render_widget(
        Paragraph::new(format!("{}▏", r.input))
            .block(Block::default().borders(Borders::ALL).title(" answer ")),
        input,
    );
}
