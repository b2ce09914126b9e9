//! Pictures in courses: `image = "images/leaf.png"` with its required `image_alt`, on a concept
//! or a check. PNG and JPEG only (SVG is refused with a hint to export a PNG: rasterising it
//! would need a large dependency tree for little teaching gain).
//!
//! - [`check_images`]: `tutor check` reports a missing, unreadable or undecodable picture at the
//!   line and column of its `image` key (the missing alt text is reported by
//!   [`super::validate_format`]).
//! - [`picture_bytes`]: a picture's bytes for the lesson screen, read beside the course file or,
//!   for a bundled course, from the copy compiled into the binary.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::diag::Sink;
use super::library::Origin;
use super::{Course, Image};

/// Largest picture file accepted.
pub const MAX_IMAGE_BYTES: u64 = 5 * 1024 * 1024;
/// Largest picture side, in pixels, accepted.
pub const MAX_IMAGE_SIDE: u32 = 4096;

/// The bundled courses' pictures, by the path the course lists (relative to `curricula/`).
pub const BUNDLED_IMAGES: &[(&str, &[u8])] = &[
    (
        "images/equal-and-unequal.png",
        include_bytes!("../../curricula/images/equal-and-unequal.png"),
    ),
    (
        "images/fraction-3-of-4.png",
        include_bytes!("../../curricula/images/fraction-3-of-4.png"),
    ),
    (
        "images/leaf-section.png",
        include_bytes!("../../curricula/images/leaf-section.png"),
    ),
];

/// Why a picture cannot be shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("picture {path:?} cannot be read: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("picture {0:?} is not built into tutor")]
    NotBundled(String),
    #[error("picture {path:?} is {bytes} bytes; the limit is {MAX_IMAGE_BYTES} (5 MB)")]
    TooLarge { path: String, bytes: u64 },
    #[error("picture {0:?} is an SVG drawing; tutor shows PNG and JPEG pictures")]
    Svg(String),
    #[error("picture {path:?} is not a PNG or JPEG picture that can be read: {reason}")]
    Undecodable { path: String, reason: String },
    #[error("picture {path:?} is {width}×{height} pixels; the limit is {MAX_IMAGE_SIDE} per side")]
    TooBig {
        path: String,
        width: u32,
        height: u32,
    },
}

/// A picture for the lesson screen: its words, its bytes (or why they could not be read), and
/// the check it belongs to (`None`: the concept's picture).
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    pub alt: String,
    /// The path as the course writes it.
    pub path: String,
    pub bytes: Result<Arc<[u8]>, ImageError>,
    pub check: Option<String>,
}

impl Picture {
    /// `img` of a course from `origin`; a read failure is kept (the screen shows the alt text).
    pub fn load(origin: &Origin, img: &Image, check: Option<&str>) -> Self {
        let bytes = picture_bytes(origin, &img.path);
        if let Err(e) = &bytes {
            tracing::warn!(error = %e, "picture not shown");
        }
        Self {
            alt: img.alt.clone(),
            path: img.path.clone(),
            bytes,
            check: check.map(str::to_string),
        }
    }
}

/// A picture's bytes, from beside the course file or the binary (a bundled course).
pub fn picture_bytes(origin: &Origin, path: &str) -> Result<Arc<[u8]>, ImageError> {
    let bundled = || {
        BUNDLED_IMAGES
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, b)| Arc::<[u8]>::from(*b))
    };
    match origin {
        Origin::Bundled => bundled().ok_or_else(|| ImageError::NotBundled(path.to_string())),
        Origin::User(file) | Origin::Path(file) => {
            let full = file.parent().unwrap_or(Path::new(".")).join(path);
            match std::fs::read(&full) {
                Ok(b) if b.len() as u64 > MAX_IMAGE_BYTES => Err(ImageError::TooLarge {
                    path: path.to_string(),
                    bytes: b.len() as u64,
                }),
                Ok(b) => Ok(b.into()),
                // A user copy of a bundled course keeps its pictures.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && bundled().is_some() => {
                    Ok(bundled().expect("checked"))
                }
                Err(e) => Err(ImageError::Unreadable {
                    path: full,
                    reason: e.to_string(),
                }),
            }
        }
    }
}

/// Checks that `bytes` are a PNG or JPEG picture of a sensible size (the header only; the
/// lesson screen decodes the whole picture and shows the alt text if that fails).
pub fn check_bytes(path: &str, bytes: &[u8]) -> Result<(u32, u32), ImageError> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_lowercase();
    if path.to_lowercase().ends_with(".svg") || head.contains("<svg") {
        return Err(ImageError::Svg(path.to_string()));
    }
    let undecodable = |reason: String| ImageError::Undecodable {
        path: path.to_string(),
        reason,
    };
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| undecodable(e.to_string()))?;
    match reader.format() {
        Some(image::ImageFormat::Png | image::ImageFormat::Jpeg) => {}
        _ => return Err(undecodable("unknown format".into())),
    }
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| undecodable(e.to_string()))?;
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
        return Err(ImageError::TooBig {
            path: path.to_string(),
            width,
            height,
        });
    }
    Ok((width, height))
}

/// Every picture of `course` (concepts and checks).
pub fn images(course: &Course) -> impl Iterator<Item = &Image> {
    course.concepts.iter().flat_map(|c| {
        c.image
            .iter()
            .chain(c.checks.iter().filter_map(|k| k.image.as_ref()))
    })
}

/// Reports each picture of `course` that is missing beside the course file (`base`), unreadable,
/// or not a PNG/JPEG picture, at its `image` key.
pub fn check_images(course: &Course, base: &Path, sink: &mut Sink<'_>) {
    for img in images(course) {
        let full = base.join(&img.path);
        // A copy of a bundled course keeps the pictures built into tutor.
        if !full.exists() && BUNDLED_IMAGES.iter().any(|(p, _)| *p == img.path) {
            continue;
        }
        let problem = match std::fs::metadata(&full) {
            Err(_) => Some((
                format!("image {:?} not found", img.path),
                format!(
                    "the path is relative to the course file's folder ({})",
                    base.display()
                ),
            )),
            Ok(m) if !m.is_file() => Some((
                format!("image {:?} is not a file", img.path),
                "name a PNG or JPEG file".to_string(),
            )),
            Ok(m) if m.len() > MAX_IMAGE_BYTES => Some((
                ImageError::TooLarge {
                    path: img.path.clone(),
                    bytes: m.len(),
                }
                .to_string(),
                "make the picture smaller (a few hundred pixels wide is plenty)".to_string(),
            )),
            Ok(_) => match std::fs::read(&full) {
                Err(e) => Some((
                    format!("image {:?} cannot be read: {e}", img.path),
                    "check the file's permissions".to_string(),
                )),
                Ok(bytes) => check_bytes(&img.path, &bytes).err().map(|e| {
                    let hint = match e {
                        ImageError::Svg(_) => "export the drawing as a PNG file",
                        _ => "save the picture again as PNG or JPEG",
                    };
                    (e.to_string(), hint.to_string())
                }),
            },
        };
        if let Some((message, hint)) = problem {
            sink.error(img.pos, message, Some(hint));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curriculum::library::BUNDLED;

    #[test]
    fn every_bundled_picture_is_built_in_and_readable() {
        let mut seen = 0;
        for (name, text) in BUNDLED {
            let loaded = crate::curriculum::load_str(name, text);
            let course = loaded.course.expect("bundled course loads");
            for img in images(&course) {
                let bytes = picture_bytes(&Origin::Bundled, &img.path).expect("bundled");
                let (w, h) = check_bytes(&img.path, &bytes).expect("a PNG");
                assert!(w >= 16 && h >= 16, "{}: {w}×{h}", img.path);
                assert!(img.alt.split_whitespace().count() >= 8, "{}", img.alt);
                seen += 1;
            }
        }
        assert!(seen >= 2, "fractions and photosynthesis carry pictures");
    }

    #[test]
    fn svg_and_garbage_are_refused() {
        assert!(matches!(
            check_bytes("a.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            Err(ImageError::Svg(_))
        ));
        assert!(matches!(
            check_bytes("a.png", b"\x89PNG\r\n\x1a\nthis is cut short"),
            Err(ImageError::Undecodable { .. })
        ));
        assert!(matches!(
            check_bytes("a.png", b"just some text"),
            Err(ImageError::Undecodable { .. })
        ));
    }
}
