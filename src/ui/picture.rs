//! Pictures on the lesson screen, drawn by `ratatui-image`: with the terminal's graphics
//! protocol where the environment says there is one (kitty, sixel, iTerm2), else with coloured
//! half-block characters, which every terminal shows. The alt text is always on screen beside
//! the picture (and in the check's prompt), so screen readers and `--plain` get the same words.
//!
//! The protocol is chosen from environment variables only ([`Graphics::from_env`]): the terminal
//! is never queried, so nothing can hang or print escape replies when stdin is not a terminal
//! (tests, pipes) or inside tmux. A picture that cannot be read or decoded is never drawn: the
//! panel shows its alt text and the error goes to the log.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect, Size};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui_image::picker::{Picker, ProtocolType};
use ratatui_image::protocol::Protocol;
use ratatui_image::{Image, Resize};

use super::Palette;
use crate::curriculum::images::{Picture, check_bytes};

/// The most cells a picture takes (half blocks: 24 × 16 pixels).
pub const PICTURE_COLS: u16 = 24;
/// The most rows a picture takes.
pub const PICTURE_ROWS: u16 = 8;

/// How pictures are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Graphics {
    /// Coloured `▀`/`▄` characters: works everywhere (the default).
    Halfblocks,
    Kitty,
    Sixel,
    Iterm2,
    /// No pictures, only their alt text (`TUTOR_GRAPHICS=off`).
    Off,
}

impl Graphics {
    /// From the process environment (see [`Graphics::from_vars`]).
    pub fn from_env() -> Self {
        Self::from_vars(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    /// `TUTOR_GRAPHICS` (`halfblocks`, `kitty`, `sixel`, `iterm2`, `off`) when set; else
    /// half blocks inside tmux or screen (graphics pass through them unreliably), kitty under
    /// kitty (`KITTY_WINDOW_ID`, `TERM=xterm-kitty`), iTerm2's protocol under iTerm2 and WezTerm
    /// (`TERM_PROGRAM`), sixel under foot, mlterm and contour (`TERM`); half blocks elsewhere.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        if let Some(v) = var("TUTOR_GRAPHICS") {
            match v.trim().to_lowercase().as_str() {
                "halfblocks" | "blocks" => return Self::Halfblocks,
                "kitty" => return Self::Kitty,
                "sixel" => return Self::Sixel,
                "iterm2" | "iterm" => return Self::Iterm2,
                "off" | "none" | "0" => return Self::Off,
                other => tracing::warn!(value = other, "TUTOR_GRAPHICS not understood; ignored"),
            }
        }
        let term = var("TERM").unwrap_or_default().to_lowercase();
        if var("TMUX").is_some() || term.starts_with("screen") || term.starts_with("tmux") {
            return Self::Halfblocks;
        }
        let program = var("TERM_PROGRAM").unwrap_or_default().to_lowercase();
        if var("KITTY_WINDOW_ID").is_some() || term == "xterm-kitty" {
            Self::Kitty
        } else if program == "iterm.app" || program == "wezterm" {
            Self::Iterm2
        } else if ["foot", "mlterm", "contour"]
            .iter()
            .any(|t| term.starts_with(t))
        {
            Self::Sixel
        } else {
            Self::Halfblocks
        }
    }

    fn protocol(self) -> Option<ProtocolType> {
        Some(match self {
            Self::Halfblocks => ProtocolType::Halfblocks,
            Self::Kitty => ProtocolType::Kitty,
            Self::Sixel => ProtocolType::Sixel,
            Self::Iterm2 => ProtocolType::Iterm2,
            Self::Off => return None,
        })
    }
}

/// A picture ready to draw: its alt text, and the encoded picture unless it could not be read,
/// decoded or encoded (then `problem` says why, for the log and tests).
#[derive(Clone)]
pub struct PictureView {
    pub alt: String,
    /// The check it belongs to; `None` for the concept's picture.
    pub check: Option<String>,
    pub problem: Option<String>,
    shown: Option<Arc<Protocol>>,
}

impl std::fmt::Debug for PictureView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PictureView")
            .field("alt", &self.alt)
            .field("check", &self.check)
            .field("problem", &self.problem)
            .field("drawn", &self.shown.is_some())
            .finish()
    }
}

impl PartialEq for PictureView {
    fn eq(&self, o: &Self) -> bool {
        self.alt == o.alt
            && self.check == o.check
            && self.problem == o.problem
            && self.shown.is_some() == o.shown.is_some()
    }
}

/// The terminal's cell size in pixels, from the window-size ioctl (no query is written); the
/// usual 10×20 when the terminal does not say.
fn font_size() -> (u16, u16) {
    match crossterm::terminal::window_size() {
        Ok(w) if w.columns > 0 && w.rows > 0 && w.width >= w.columns && w.height >= w.rows => {
            (w.width / w.columns, w.height / w.rows)
        }
        _ => (10, 20),
    }
}

impl PictureView {
    /// Decodes and encodes `p` for `graphics` (call off the UI thread: it decodes the file).
    pub fn new(p: &Picture, graphics: Graphics) -> Self {
        let mut view = Self {
            alt: p.alt.clone(),
            check: p.check.clone(),
            problem: None,
            shown: None,
        };
        let Some(protocol) = graphics.protocol() else {
            return view;
        };
        let encoded = p
            .bytes
            .as_ref()
            .map_err(ToString::to_string)
            .and_then(|bytes| {
                check_bytes(&p.path, bytes).map_err(|e| e.to_string())?;
                image::load_from_memory(bytes).map_err(|e| format!("{}: {e}", p.path))
            })
            .and_then(|img| {
                #[allow(deprecated)] // the supported constructor queries the terminal
                let mut picker = if protocol == ProtocolType::Halfblocks {
                    Picker::halfblocks()
                } else {
                    Picker::from_fontsize(font_size().into())
                };
                picker.set_protocol_type(protocol);
                picker
                    .new_protocol(
                        img,
                        Size::new(PICTURE_COLS, PICTURE_ROWS),
                        Resize::Scale(None),
                    )
                    .map_err(|e| format!("{}: {e}", p.path))
            });
        match encoded {
            Ok(proto) => view.shown = Some(Arc::new(proto)),
            Err(e) => {
                tracing::warn!(error = %e, "picture not drawn; its alt text is shown");
                view.problem = Some(e);
            }
        }
        view
    }

    /// Whether the picture itself (not only its words) will be drawn.
    pub fn is_drawn(&self) -> bool {
        self.shown.is_some()
    }

    /// Rows the panel wants in `width` columns: the picture's, else its words'.
    pub fn height(&self, width: u16) -> u16 {
        let words = (self.alt.chars().count() as u16 + 10)
            .div_ceil(width.saturating_sub(2).max(10))
            .clamp(1, 5);
        match &self.shown {
            Some(p) => p.size().height.max(words) + 2,
            None => words + 2,
        }
    }
}

/// Draws `p` in `area`: a bordered panel with the picture at the left and its alt text beside
/// it; only the alt text when the picture is not drawn or does not fit.
pub fn render(p: &PictureView, f: &mut Frame, area: Rect, pal: &Palette) {
    let block = Block::default().borders(Borders::ALL).title(" picture ");
    let inner = block.inner(area);
    f.render_widget(block, area);
    let words = |missing: bool| {
        let mut spans = vec![
            Span::styled("Picture: ", pal.accent),
            Span::raw(p.alt.clone()),
        ];
        if missing {
            spans.push(Span::styled(" (the picture cannot be shown)", pal.dim));
        }
        Paragraph::new(Line::from(spans)).wrap(Wrap { trim: true })
    };
    let fits = |s: Size| s.width + 12 <= inner.width && s.height <= inner.height;
    match &p.shown {
        Some(proto) if fits(proto.size()) => {
            let s = proto.size();
            let [img, _, text] = Layout::horizontal([
                Constraint::Length(s.width),
                Constraint::Length(2),
                Constraint::Min(10),
            ])
            .areas(inner);
            f.render_widget(Image::new(proto), img);
            f.render_widget(words(false), text);
        }
        _ => f.render_widget(words(p.problem.is_some()), inner),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn graphics_from_the_environment() {
        use Graphics::*;
        assert_eq!(Graphics::from_vars(vars(&[])), Halfblocks);
        assert_eq!(
            Graphics::from_vars(vars(&[("TERM", "xterm-256color")])),
            Halfblocks
        );
        assert_eq!(
            Graphics::from_vars(vars(&[("KITTY_WINDOW_ID", "1")])),
            Kitty
        );
        assert_eq!(Graphics::from_vars(vars(&[("TERM", "xterm-kitty")])), Kitty);
        assert_eq!(
            Graphics::from_vars(vars(&[("TERM_PROGRAM", "iTerm.app")])),
            Iterm2
        );
        assert_eq!(Graphics::from_vars(vars(&[("TERM", "foot")])), Sixel);
        // Inside tmux the outer terminal's variables leak in: half blocks all the same.
        let tmux = vars(&[
            ("TMUX", "/tmp/tmux-0/default,1,0"),
            ("KITTY_WINDOW_ID", "1"),
        ]);
        assert_eq!(Graphics::from_vars(tmux), Halfblocks);
        assert_eq!(
            Graphics::from_vars(vars(&[("TERM", "screen-256color")])),
            Halfblocks
        );
        let forced = vars(&[("TUTOR_GRAPHICS", "off"), ("TERM", "xterm-kitty")]);
        assert_eq!(Graphics::from_vars(forced), Off);
        assert_eq!(
            Graphics::from_vars(vars(&[("TUTOR_GRAPHICS", "sixel")])),
            Sixel
        );
    }

    fn picture(bytes: &[u8]) -> Picture {
        Picture {
            alt: "Three of four equal parts are shaded.".into(),
            path: "x.png".into(),
            bytes: Ok(Arc::from(bytes)),
            check: Some("c".into()),
        }
    }

    #[test]
    fn a_corrupt_picture_keeps_its_words() {
        let v = PictureView::new(&picture(b"\x89PNG\r\n\x1a\ngarbage"), Graphics::Halfblocks);
        assert!(!v.is_drawn());
        assert!(v.problem.as_deref().unwrap().contains("x.png"), "{v:?}");
        let off = PictureView::new(
            &picture(crate::curriculum::images::BUNDLED_IMAGES[0].1),
            Graphics::Off,
        );
        assert!(!off.is_drawn() && off.problem.is_none());
    }

    #[test]
    fn a_bundled_picture_is_drawn_with_half_blocks() {
        let v = PictureView::new(
            &picture(crate::curriculum::images::BUNDLED_IMAGES[0].1),
            Graphics::Halfblocks,
        );
        assert!(v.is_drawn(), "{v:?}");
        let s = v.shown.as_ref().unwrap().size();
        assert!(s.width <= PICTURE_COLS && s.height <= PICTURE_ROWS && s.width >= 8);
    }
}
