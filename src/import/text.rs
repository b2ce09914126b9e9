//! Text clean-up shared by the readers: HTML → plain text (entities decoded by `html-escape`),
//! OATutor's `$$…$$` LaTeX → readable text, ids from titles, short excerpts.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// HTML → plain text: tags removed (block tags become line breaks, `<img>` is dropped and its
/// `src`/`alt` returned), entities decoded, blank runs collapsed. Text without tags passes
/// through with only its entities decoded.
pub fn html_to_text(html: &str) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut images = Vec::new();
    let mut rest = html;
    let mut skip_until: Option<&str> = None;
    while let Some(lt) = rest.find('<') {
        if skip_until.is_none() {
            out.push_str(&rest[..lt]);
        }
        let after = &rest[lt..];
        let Some(gt) = after.find('>') else {
            // A lone '<' (e.g. "a < b"): keep it as text.
            if skip_until.is_none() {
                out.push_str(after);
            }
            rest = "";
            break;
        };
        let tag = &after[1..gt];
        rest = &after[gt + 1..];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() && !tag.starts_with('/') && !tag.starts_with('!') {
            // Not a tag ("x <y"): keep the text.
            if skip_until.is_none() {
                out.push('<');
                out.push_str(tag);
                out.push('>');
            }
            continue;
        }
        if let Some(end) = skip_until {
            if tag.starts_with('/') && name == end {
                skip_until = None;
            }
            continue;
        }
        match name.as_str() {
            "script" | "style" if !tag.starts_with('/') => {
                skip_until = Some(if name == "script" { "script" } else { "style" });
            }
            "br" | "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4" | "ul" | "ol" => {
                if name == "li" && !tag.starts_with('/') {
                    out.push_str("\n- ");
                } else {
                    out.push('\n');
                }
            }
            "img" => {
                let attr = |a: &str| {
                    let key = format!("{a}=");
                    tag.find(&key).map(|i| {
                        let v = &tag[i + key.len()..];
                        let q = v.chars().next().unwrap_or(' ');
                        if q == '"' || q == '\'' {
                            v[1..].split(q).next().unwrap_or("").to_string()
                        } else {
                            v.split_whitespace().next().unwrap_or("").to_string()
                        }
                    })
                };
                let label = attr("alt")
                    .filter(|a| !a.trim().is_empty())
                    .or_else(|| attr("src"))
                    .unwrap_or_else(|| "image".to_string());
                images.push(label);
            }
            _ => {}
        }
    }
    if skip_until.is_none() {
        out.push_str(rest);
    }
    let decoded = html_escape::decode_html_entities(&out).replace('\u{a0}', " ");
    (tidy(&decoded), images)
}

/// Trims each line, collapses runs of spaces and of blank lines.
pub fn tidy(s: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in s.lines() {
        let l = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if l.is_empty() && lines.last().is_none_or(|p: &String| p.is_empty()) {
            continue;
        }
        lines.push(l);
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines.join("\n")
}

/// `$$…$$` (and `$…$`-free) LaTeX → readable text: `\frac{a}{b}` → `a/b` (parenthesised when
/// needed), `\left(` → `(`, `\ln` → `ln`, `\cdot` → `·`, `^{x}` → `^x` / `^(x y)`, braces removed.
/// Dollar signs that are not `$$` delimiters (prices: "$18") are kept.
pub fn strip_latex(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("$$") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find("$$") {
            Some(j) => {
                out.push_str(&latex_math(&after[..j]));
                rest = &after[j + 2..];
            }
            None => {
                out.push_str(&latex_math(after));
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One LaTeX math expression → text.
pub fn latex_math(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    render(&chars, &mut i, None)
}

/// Renders until `stop` (a closing brace) or the end.
fn render(c: &[char], i: &mut usize, stop: Option<char>) -> String {
    let mut out = String::new();
    while *i < c.len() {
        let ch = c[*i];
        if Some(ch) == stop {
            *i += 1;
            return out;
        }
        match ch {
            '\\' => {
                *i += 1;
                let start = *i;
                while *i < c.len() && c[*i].is_ascii_alphabetic() {
                    *i += 1;
                }
                let name: String = c[start..*i].iter().collect();
                if name.is_empty() {
                    // An escaped symbol: \% \$ \, \; \{ \}
                    if let Some(&sym) = c.get(*i) {
                        *i += 1;
                        match sym {
                            ',' | ';' | ' ' | '!' => out.push(' '),
                            other => out.push(other),
                        }
                    }
                    continue;
                }
                match name.as_str() {
                    "frac" | "dfrac" | "tfrac" => {
                        let a = group(c, i);
                        let b = group(c, i);
                        out.push_str(&format!("{}/{}", paren(&a), paren(&b)));
                    }
                    "sqrt" => {
                        let a = group(c, i);
                        out.push_str(&format!("√{}", paren(&a)));
                    }
                    "text" | "mathrm" | "operatorname" | "mathbf" | "textbf" | "mathit" => {
                        out.push_str(&group(c, i));
                    }
                    "left" | "right" | "big" | "Big" | "displaystyle" => {}
                    "cdot" => out.push('·'),
                    "times" => out.push('×'),
                    "div" => out.push('÷'),
                    "pm" => out.push('±'),
                    "le" | "leq" => out.push('≤'),
                    "ge" | "geq" => out.push('≥'),
                    "ne" | "neq" => out.push('≠'),
                    "approx" => out.push('≈'),
                    "pi" => out.push('π'),
                    "infty" => out.push('∞'),
                    "degree" | "circ" => out.push('°'),
                    "quad" | "qquad" => out.push(' '),
                    other => out.push_str(other),
                }
            }
            '{' => {
                *i += 1;
                out.push_str(&render(c, i, Some('}')));
            }
            '^' | '_' => {
                *i += 1;
                let arg = if c.get(*i) == Some(&'{') {
                    group(c, i)
                } else {
                    let a = c.get(*i).map(|x| x.to_string()).unwrap_or_default();
                    *i += 1;
                    a
                };
                out.push(ch);
                let simple = arg.chars().all(|x| x.is_alphanumeric() || x == '.')
                    || (arg.starts_with('-') && arg[1..].chars().all(char::is_alphanumeric));
                if simple {
                    out.push_str(&arg);
                } else {
                    out.push_str(&format!("({arg})"));
                }
            }
            _ => {
                out.push(ch);
                *i += 1;
            }
        }
    }
    out
}

/// A `{…}` group (or a single character) rendered.
fn group(c: &[char], i: &mut usize) -> String {
    while *i < c.len() && c[*i] == ' ' {
        *i += 1;
    }
    if c.get(*i) == Some(&'{') {
        *i += 1;
        render(c, i, Some('}'))
    } else if let Some(&ch) = c.get(*i) {
        *i += 1;
        ch.to_string()
    } else {
        String::new()
    }
}

fn paren(s: &str) -> String {
    let s = s.trim();
    if s.chars().all(|c| c.is_alphanumeric() || c == '.')
        || (s.starts_with('(') && s.ends_with(')'))
    {
        s.to_string()
    } else {
        format!("({s})")
    }
}

/// An id from any text: ASCII lowercase letters, digits and '-', accents folded, at most
/// `max` characters, cut at a word boundary. May be empty (e.g. for Chinese text).
pub fn slug(s: &str, max: usize) -> String {
    let folded: String = s
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase();
    let mut out = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out = out.trim_end_matches('-').to_string();
    if out.len() > max {
        let cut = if out.as_bytes()[max] == b'-' {
            max
        } else {
            out[..max]
                .rfind('-')
                .filter(|&i| i >= max / 2)
                .unwrap_or(max)
        };
        out.truncate(cut);
    }
    out.trim_end_matches('-').to_string()
}

/// The first `max` characters of `s` on one line, with "…" when cut.
pub fn excerpt(s: &str, max: usize) -> String {
    let one = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= max {
        one
    } else {
        format!("{}…", one.chars().take(max).collect::<String>())
    }
}

/// `solve_number_problems` → `Solve number problems`.
pub fn humanize(s: &str) -> String {
    let t = s.replace(['_', '-'], " ");
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut c = t.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_text_with_entities_and_images() {
        let (t, imgs) = html_to_text(
            "<p>J&#x27;ai <strong>pas</strong> le&nbsp;réflexe</p><img src=\"ug-flag.svg\" />",
        );
        assert_eq!(t, "J'ai pas le réflexe");
        assert_eq!(imgs, vec!["ug-flag.svg".to_string()]);
        assert_eq!(html_to_text("a < b and c > d").0, "a < b and c > d");
    }

    #[test]
    fn latex_becomes_readable() {
        assert_eq!(strip_latex("$$-13, -14, -15$$"), "-13, -14, -15");
        assert_eq!(strip_latex("$$\\frac{c}{1+a}$$"), "c/(1+a)");
        assert_eq!(
            strip_latex("$$3e^{\\ln\\left(0.5\\right) x}$$"),
            "3e^(ln(0.5) x)"
        );
        assert_eq!(
            strip_latex("on sale for $18, which"),
            "on sale for $18, which"
        );
        assert_eq!(strip_latex("$$250e^{-0.00822 t}$$"), "250e^(-0.00822 t)");
    }

    #[test]
    fn slugs_are_valid_ids() {
        assert_eq!(slug("Kanji Origins", 40), "kanji-origins");
        assert_eq!(
            slug("Combien de principes GRASP y a-t-il?", 20),
            "combien-de-principes"
        );
        assert_eq!(slug("伦敦", 20), "");
    }
}
