//! Safe insertion of user text (copied from a postmortem or a tracker) into Markdown.
//!
//! Every `{{value}}` in a template goes through [`escape_inline`] (it is the handlebars escape
//! function), so a template author cannot forget it. The rules, and why:
//! - `@name` never notifies: a zero-width space (U+200B) goes after the `@`, the technique
//!   Renovate and Dependabot use on GitHub; it also breaks GitLab's `@group/subgroup` mentions
//!   and survives plain-text e-mail replies, where an HTML entity would not. The owner is
//!   mentioned on purpose through the `mention` helper, never from copied text.
//! - `<` and `>` become entities: no HTML tag, and no `-->` that would close the hidden marker
//!   or the status block's marker comments.
//! - `|`, `` ` ``, `*`, `_`, `[`, `]`, `~` and `\` are backslash-escaped: no broken table row,
//!   no code span, emphasis, link or strike-through swallowing the text around it.
//! - Line breaks become spaces ([`escape_inline`]) so a value can sit in a table cell, a list
//!   item or a title; a character that would start a block (`#`, `-`, `+`, `=`, `1.`) at the
//!   start of a line is escaped, and so is a `/` there (GitLab would run the line as a quick
//!   action: `/close`, `/label`, `/assign`).
//! - Long text is cut at [`MAX_INLINE_CHARS`] characters, on a word boundary when one is near,
//!   with a visible marker saying how much was left out.

/// The most characters of one value a rendered text carries (GitHub bodies stop at 65,536).
pub const MAX_INLINE_CHARS: usize = 2000;

/// Zero-width space: invisible, and breaks `@mention` detection.
const ZWSP: char = '\u{200B}';

/// Escapes `text` for use inline in Markdown (a sentence, a title, a table cell).
pub fn escape_inline(text: &str) -> String {
    let (text, cut) = truncate_chars(text, MAX_INLINE_CHARS);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = escape_line(&flat);
    if cut > 0 {
        out.push_str(&truncation_marker(cut));
    }
    out
}

/// Escapes multi-line `text` for use as a block (an issue's detail): lines are kept, each one
/// escaped like [`escape_inline`], so no line can open a code fence, a table or an HTML block.
pub fn escape_block(text: &str, max_chars: usize) -> String {
    let (text, cut) = truncate_chars(text, max_chars);
    let mut out = text
        .lines()
        .map(|l| escape_line(l.trim_end()))
        .collect::<Vec<_>>()
        .join("\n");
    if cut > 0 {
        out.push_str(&truncation_marker(cut));
    }
    out
}

/// Cuts `text` to at most `max` characters, preferring the last space in the final 10%.
/// Returns the kept text and the number of characters left out.
pub fn truncate_chars(text: &str, max: usize) -> (&str, usize) {
    let Some((byte, _)) = text.char_indices().nth(max) else {
        return (text, 0);
    };
    let head = &text[..byte];
    let floor = head.len() - head.len() / 10;
    let end = match head.rfind(char::is_whitespace) {
        Some(i) if i >= floor => i,
        _ => byte,
    };
    let kept = &text[..end];
    (
        kept.trim_end(),
        text.chars().count() - kept.trim_end().chars().count(),
    )
}

fn truncation_marker(cut: usize) -> String {
    format!(" … (truncated: {cut} more characters)")
}

/// Escapes one line (no line breaks in `line`).
fn escape_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    // A block marker at the start of the line.
    let rest = escape_line_start(line, &mut out);
    let chars: Vec<char> = rest.chars().collect();
    let prev_of = |i: usize, out: &str| -> Option<char> {
        if i == 0 {
            out.chars().last()
        } else {
            Some(chars[i - 1])
        }
    };
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // An entity the text spells out (`&#64;`, `&lt;`) must stay visible as written and
            // must not smuggle a character the rules above remove.
            '&' if starts_entity(&chars[i + 1..]) => out.push_str("&amp;"),
            '@' => {
                out.push('@');
                let after = chars.get(i + 1).copied();
                let before_ok = prev_of(i, &out[..out.len() - 1])
                    .is_none_or(|p| !(p.is_alphanumeric() || p == '_' || p == '.'));
                if before_ok && after.is_some_and(|a| a.is_alphanumeric() || a == '_') {
                    out.push(ZWSP);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Escapes a character that would turn the line into a heading, list item, setext underline,
/// thematic break or ordered list; returns the rest of the line. Only a marker followed by a
/// space (or the end, or a repeat: `##`, `--`, `==`) counts, so `#12` stays an issue reference.
fn escape_line_start<'a>(line: &'a str, out: &mut String) -> &'a str {
    let trimmed = line.trim_start();
    out.push_str(&line[..line.len() - trimmed.len()]);
    let mut chars = trimmed.chars();
    let first = chars.next();
    let second = chars.clone().next();
    let ends_marker = |m: char| second.is_none_or(char::is_whitespace) || second == Some(m);
    match first {
        // GitLab runs a line starting with `/` as a quick action (`/close`, `/label`,
        // `/assign`) in descriptions and notes; `\/` shows the same slash and runs nothing.
        Some('/') => {
            out.push_str("\\/");
            chars.as_str()
        }
        Some(c @ ('#' | '-' | '+' | '=')) if ends_marker(c) => {
            out.push('\\');
            out.push(c);
            chars.as_str()
        }
        Some(c) if c.is_ascii_digit() => {
            let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
            let mut rest = trimmed[digits..].chars();
            match (rest.next(), rest.next()) {
                (Some(p @ ('.' | ')')), next) if next.is_none_or(char::is_whitespace) => {
                    out.push_str(&trimmed[..digits]);
                    out.push('\\');
                    out.push(p);
                    &trimmed[digits + 1..]
                }
                _ => trimmed,
            }
        }
        _ => trimmed,
    }
}

fn starts_entity(rest: &[char]) -> bool {
    let name: Vec<char> = rest
        .iter()
        .copied()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '#')
        .collect();
    !name.is_empty() && rest.get(name.len()) == Some(&';')
}

pub use crate::model::is_login;

/// The hidden marker an issue body carries: `<!-- postmortem-tracker: key=KEY path=PATH -->`.
///
/// Built by code, never by a template from user text: the key is a hash, and the path is
/// percent-encoded where it could end the comment or the field (`%`, white space, `--`, `<`,
/// `>`, control characters), so any path fits and [`parse_marker`] gives it back.
pub fn marker(key: &str, path: &str) -> String {
    format!(
        "<!-- postmortem-tracker: key={} path={} -->",
        encode_marker_field(key),
        encode_marker_field(path)
    )
}

/// Reads a marker written by [`marker`] back into (key, path).
pub fn parse_marker(text: &str) -> Option<(String, String)> {
    let start = text.find("<!-- postmortem-tracker: key=")?;
    let rest = &text[start + "<!-- postmortem-tracker: key=".len()..];
    let end = rest.find(" -->")?;
    let (key, path) = rest[..end].split_once(" path=")?;
    Some((decode_marker_field(key)?, decode_marker_field(path)?))
}

fn encode_marker_field(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        // `--` could end the comment (`-->`, `--!>`); a single `-` keeps paths readable.
        let dash_pair = c == '-' && chars.peek() == Some(&'-');
        if c == '%' || dash_pair || c == '>' || c == '<' || c.is_whitespace() || c.is_control() {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn decode_marker_field(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_broken_but_emails_are_not_touched() {
        let out = escape_inline("ask @alice and @org/everyone, mail bob@example.com");
        assert!(!out.contains("@alice"));
        assert!(!out.contains("@org"));
        assert!(out.contains("@\u{200B}alice"));
        assert!(out.contains("bob@example.com"));
    }

    #[test]
    fn comment_closers_tables_and_html_are_neutralised() {
        let out = escape_inline("a --> b | c <script>x</script> `code` <!-- d");
        assert!(!out.contains("-->"));
        assert!(!out.contains("<!--"));
        assert!(!out.contains('<'));
        assert!(out.contains("\\|"));
        assert!(out.contains("\\`code\\`"));
    }

    #[test]
    fn line_breaks_and_block_starts() {
        assert_eq!(escape_inline("# title\n\n---\nx"), "\\# title --- x");
        assert_eq!(escape_inline("1. first"), "1\\. first");
        assert_eq!(escape_block("- a\n## b", 100), "\\- a\n\\## b");
        assert_eq!(escape_inline("#12 and 4.2"), "#12 and 4.2");
        assert_eq!(escape_inline("2023. Done"), "2023\\. Done");
    }

    #[test]
    fn long_text_is_cut_with_a_marker() {
        let text = "word ".repeat(30_000);
        let out = escape_inline(&text);
        assert!(out.chars().count() < MAX_INLINE_CHARS + 60, "{}", out.len());
        assert!(out.ends_with("more characters)"));
        // A multi-byte character at the cut never panics.
        let out = escape_inline(&"é".repeat(5000));
        assert!(out.contains("truncated: 3000"));
    }

    #[test]
    fn entities_in_text_stay_literal() {
        assert_eq!(escape_inline("&#64;bob R&D"), "&amp;#64;bob R&D");
    }

    #[test]
    fn marker_round_trips_any_path() {
        let m = marker("abc123", "docs/pm ---> <x> 100%.md");
        assert!(!m[4..m.len() - 3].contains("--"), "{m}");
        assert!(marker("k", "a-b.md").ends_with("path=a-b.md -->"));
        assert_eq!(
            parse_marker(&format!("body\n{m}\n")),
            Some(("abc123".into(), "docs/pm ---> <x> 100%.md".into()))
        );
    }

    #[test]
    fn logins() {
        assert!(is_login("alice"));
        assert!(is_login("@group/sub-team"));
        assert!(!is_login("alice smith"));
        assert!(!is_login("<b>"));
        assert!(!is_login(""));
    }
}
