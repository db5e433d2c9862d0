//! Inline text: markup removed for reading, sentences split for item titles.

use std::borrow::Cow;

/// Removes inline markup so text reads as plain words: `**bold**`, `__x__`, `` `code` ``
/// marks, `[text](url)` → `text`, `<https://x>` → `https://x`, `![image](..)` dropped, HTML
/// tags dropped, `&nbsp;`/`&amp;`-style entities decoded, `:shortcode:` emoji dropped,
/// whitespace collapsed.
pub(crate) fn plain(text: &str) -> String {
    plain_cow(text).into_owned()
}

/// [`plain`], borrowing `text` when removing markup leaves it as it is (most lines).
pub(crate) fn plain_cow(text: &str) -> Cow<'_, str> {
    let b = text.as_bytes();
    // Runs of ordinary text with single spaces, between markup bytes that mark nothing, come
    // out unchanged: read them without writing until something changes (a leading space is
    // dropped, so such text takes the writing path at once).
    let mut i = 0;
    if b.first() != Some(&b' ') {
        while i < b.len() {
            let start = i;
            if CLASS[usize::from(b[i])] == MARKUP {
                if markup_at(text, i).is_some() {
                    break;
                }
                i += 1;
            }
            let (end, clean) = ordinary_run(text, i);
            if !clean {
                i = start;
                break;
            }
            i = end;
        }
    }
    if i == b.len() {
        return Cow::Borrowed(text.trim_end());
    }
    Cow::Owned(plain_from(text, i))
}

/// What a markup byte does to the text: the replacement, and where the text resumes.
enum Markup<'t> {
    /// Removed: emphasis marks, images, shortcodes, code backticks.
    Drop(usize),
    /// Replaced with text as it stands (entities, autolinks, reference labels).
    Text(&'t str, usize),
    /// Replaced with a link's label, itself made plain.
    Label(&'t str, usize),
    /// An HTML tag: a space.
    Space(usize),
}

/// The markup at byte `i` (one of the [`MARKUP`] bytes); `None` when it marks nothing.
fn markup_at(text: &str, i: usize) -> Option<Markup<'_>> {
    let b = text.as_bytes();
    let c = b[i];
    // Tests of one-hot bits, not a match: its jump table mispredicts on markup bytes the
    // processor cannot guess.
    let kind = KINDS[usize::from(c)];
    if kind & EMPHASIS_MARK != 0 {
        // Emphasis markers vanish; a lone `*` or an `_` inside a word stays, and so does a
        // `*` inside a word that no other closes or opens (`2*3`, `/api/*/export`).
        if !run_is_emphasis(b, i) {
            return None;
        }
        let run = b[i..].iter().take_while(|&&x| x == c).count();
        let inside_word = i > 0
            && !b[i - 1].is_ascii_whitespace()
            && b.get(i + run).is_some_and(|n| !n.is_ascii_whitespace());
        let partnered = || memchr::memchr(c, &b[i + run..]).or(memchr::memchr(c, &b[..i]));
        if c == b'*' && run == 1 && inside_word && partnered().is_none() {
            return None;
        }
        Some(Markup::Drop(i + run))
    } else if kind & BRACKET != 0 {
        bracket_at(text, i)
    } else if kind & BACKTICK != 0 {
        // A code span is its text as written (`app-*`, `snake_case`); a backtick that
        // closes nothing goes. (In a table cell `\|` is a pipe even in a code span, as GFM
        // reads it: such a span is read for its escapes.)
        let run = b[i..].iter().take_while(|&&x| x == b'`').count();
        Some(match code_span_end(b, i + run, run) {
            Some(close) if !text[i + run..close].contains("\\|") => {
                Markup::Text(&text[i + run..close], close + run)
            }
            _ => Markup::Drop(i + run),
        })
    } else if kind & COLON != 0 {
        shortcode_at(text, i).map(|len| Markup::Drop(i + len))
    } else if kind & ANGLE != 0 {
        let end = text[i..].find('>')?;
        let inner = &text[i + 1..i + end];
        if inner.starts_with("http://") || inner.starts_with("https://") {
            Some(Markup::Text(inner, i + end + 1))
        } else {
            // A tag inside a sentence (`<a href>`, `<b>`, `<code>`) goes as emphasis does; one
            // between blocks (`<br>`, `<p>`, `<td>`) parts words.
            looks_like_tag(inner).then(|| match in_sentence_tag(inner) {
                true => Markup::Drop(i + end + 1),
                false => Markup::Space(i + end + 1),
            })
        }
    } else if kind & AMPERSAND != 0 {
        entity(&text[i..]).map(|(s, len)| Markup::Text(s, i + len))
    } else if kind & BANG != 0 && b.get(i + 1) == Some(&b'[') {
        link_at(text, i + 1).map(|(_, _, end)| Markup::Drop(end))
    } else if kind & ESCAPE != 0 && b.get(i + 1).is_some_and(u8::is_ascii_punctuation) {
        // `\~`, `\[`, `\*`: a Markdown escape is the character itself.
        Some(Markup::Text(&text[i + 1..i + 2], i + 2))
    } else {
        None
    }
}

/// Markup bytes as one-hot bits, for [`markup_at`].
const EMPHASIS_MARK: u8 = 1;
const BRACKET: u8 = 2;
const BACKTICK: u8 = 4;
const COLON: u8 = 8;
const ANGLE: u8 = 16;
const AMPERSAND: u8 = 32;
const BANG: u8 = 64;
const ESCAPE: u8 = 128;

const KINDS: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'*' as usize] = EMPHASIS_MARK;
    t[b'_' as usize] = EMPHASIS_MARK;
    t[b'[' as usize] = BRACKET;
    t[b'`' as usize] = BACKTICK;
    t[b':' as usize] = COLON;
    t[b'<' as usize] = ANGLE;
    t[b'&' as usize] = AMPERSAND;
    t[b'!' as usize] = BANG;
    t[b'\\' as usize] = ESCAPE;
    t
};

/// A link's label, or a reference-style `[#11134]` or `[text][ref]` label, at the `[` at `i`.
fn bracket_at(text: &str, i: usize) -> Option<Markup<'_>> {
    if let Some((label, _url, end)) = link_at(text, i) {
        return Some(Markup::Label(label, end));
    }
    let close = text[i + 1..].find(']')?;
    let label = &text[i + 1..i + 1 + close];
    if label.contains('[') || label.is_empty() {
        return None;
    }
    // A footnote's reference (`pool[^2]`) and a comment's anchor a document editor leaves glued
    // to a word (`minutes[b]`) are no text.
    let glued = i > 0 && text.as_bytes()[i - 1].is_ascii_alphanumeric();
    let anchor = glued && label.len() <= 2 && label.bytes().all(|c| c.is_ascii_lowercase());
    if label.starts_with('^') || anchor {
        return Some(Markup::Drop(i + close + 2));
    }
    let mut end = i + close + 2;
    if text[end..].starts_with('[') {
        if let Some(c2) = text[end..].find(']') {
            end += c2 + 1;
        }
    }
    // `[ ]`/`[x]` checkboxes are handled by the line reader, not here.
    Some(Markup::Text(label, end))
}

/// [`plain`] of `text` whose first `i` bytes are known to come out unchanged.
fn plain_from(text: &str, mut i: usize) -> String {
    let mut out = Plain(String::with_capacity(text.len()));
    out.0.push_str(&text[..i]);
    let b = text.as_bytes();
    while i < b.len() {
        if CLASS[usize::from(b[i])] != MARKUP {
            // Most text has no markup at all: one pass finds where the run of ordinary text
            // ends and whether its spaces need collapsing.
            let (end, clean) = ordinary_run(text, i);
            out.push_run(&text[i..end], clean);
            i = end;
            continue;
        }
        match markup_at(text, i) {
            Some(Markup::Drop(end)) => i = end,
            Some(Markup::Text(s, end)) => {
                out.push_str(s);
                i = end;
            }
            Some(Markup::Label(label, end)) => {
                out.push_str(&plain_cow(label));
                i = end;
            }
            Some(Markup::Space(end)) => {
                out.push(' ');
                i = end;
            }
            None => {
                // A markup byte that marks nothing is text: copy it with the run after it
                // (all markup bytes are ASCII, so the run ends on a character boundary).
                let (end, clean) = ordinary_run(text, i + 1);
                out.push_run(&text[i..end], clean);
                i = end;
            }
        }
    }
    let mut out = out.0;
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

/// Byte classes for [`ordinary_run`]: text, a byte that may start markup, a space, other
/// ASCII whitespace, and the lead bytes of the UTF-8 sequences that may encode whitespace.
const TEXT: u8 = 0;
const SPACE: u8 = 1;
const MARKUP: u8 = 2;
const OTHER_SPACE: u8 = 3;
const LEAD: u8 = 4;

static CLASS: [u8; 256] = {
    let mut t = [TEXT; 256];
    // The markup bytes are those [`KINDS`] knows.
    let mut c = 0;
    while c < 256 {
        if KINDS[c] != 0 {
            t[c] = MARKUP;
        }
        c += 1;
    }
    t[b' ' as usize] = SPACE;
    let mut c = 0x09;
    while c <= 0x0d {
        t[c] = OTHER_SPACE;
        c += 1;
    }
    t[0xc2] = LEAD;
    t[0xe1] = LEAD;
    t[0xe2] = LEAD;
    t[0xe3] = LEAD;
    t
};

/// Whether the character at `i` (whose first byte is a [`LEAD`]) is Unicode whitespace:
/// U+0085, U+00A0, U+1680, U+2000..=U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
fn unicode_space_at(b: &[u8], i: usize) -> bool {
    let next = |k: usize| b.get(i + k).copied().unwrap_or(0);
    match b[i] {
        0xc2 => matches!(next(1), 0x85 | 0xa0),
        0xe1 => next(1) == 0x9a && next(2) == 0x80,
        0xe2 => match next(1) {
            0x80 => matches!(next(2), 0x80..=0x8a | 0xa8 | 0xa9 | 0xaf),
            0x81 => next(2) == 0x9f,
            _ => false,
        },
        0xe3 => next(1) == 0x80 && next(2) == 0x80,
        _ => false,
    }
}

/// The end of the run of ordinary text from `i` (the next byte that may start markup), and
/// whether the run's only whitespace is single ASCII spaces, so it can be copied as it is.
/// Markup bytes that surely mark nothing (`Label: text`, `10:30`, `snake_case`) are text:
/// prose with colons is one run, not one per colon.
fn ordinary_run(text: &str, mut i: usize) -> (usize, bool) {
    let b = text.as_bytes();
    let mut clean = true;
    // Sixteen bytes at a time: the bytes that need a look are found from a mask (compares
    // the compiler vectorises, no branch per byte), all from the one mask.
    while i < b.len() {
        let (base, mut mask) = special_window(b, i);
        while mask != 0 {
            let lane = mask.trailing_zeros() / 8;
            let at = base + lane as usize;
            if at >= b.len() {
                return (b.len(), clean);
            }
            let class = CLASS[usize::from(b[at])];
            if class == MARKUP {
                if marks_something(text, at) {
                    return (at, clean);
                }
            } else if class == LEAD {
                clean &= !unicode_space_at(b, at);
            } else if class != TEXT {
                // A double space, or other whitespace (TEXT: other non-ASCII bytes).
                clean = false;
            }
            mask &= !(0xff << (lane * 8));
        }
        // A full window's mask covers its last byte's pair with the next byte.
        i = base + 16;
    }
    (i.min(b.len()), clean)
}

/// Sixteen bytes of `b` covering `i` (from `i` when there are seventeen, else the last
/// sixteen, else `b` padded), as their start and a [`special_bytes`] mask of those from `i` on.
fn special_window(b: &[u8], i: usize) -> (usize, u128) {
    if let Some(chunk) = b.get(i..i + 17) {
        let (this, next) = (&chunk[..16], &chunk[1..]);
        let mask = special_bytes(
            this.try_into().expect("sixteen bytes"),
            next.try_into().expect("sixteen bytes"),
        );
        return (i, mask);
    }
    let (base, window) = if b.len() >= 16 {
        let base = b.len() - 16;
        (base, b[base..].try_into().expect("sixteen bytes"))
    } else {
        // Padding is a markup byte, so the run ends at the text's end.
        let mut padded = [b'`'; 16];
        padded[..b.len()].copy_from_slice(b);
        (0, padded)
    };
    // The window ends the text (or its padding): its last byte pairs with nothing.
    let mut next = [0u8; 16];
    next[..15].copy_from_slice(&window[1..]);
    (
        base,
        special_bytes(&window, &next) & (u128::MAX << ((i - base) * 8)),
    )
}

/// A mask of the bytes [`ordinary_run`] must look at (byte `k` sets bits `8k..8k+8`): those
/// that may start markup, whitespace other than a space, non-ASCII bytes (perhaps of a
/// Unicode space), and a space followed by a space (`next` is `chunk` one byte on).
fn special_bytes(chunk: &[u8; 16], next: &[u8; 16]) -> u128 {
    let mut flags = [0u8; 16];
    for ((f, &c), &n) in flags.iter_mut().zip(chunk).zip(next) {
        let special = (c == b'*')
            | (c == b'_')
            | (c == b'[')
            | (c == b'<')
            | (c == b'&')
            | (c == b'`')
            | (c == b'!')
            | (c == b'\\')
            | (c == b':')
            | (c.wrapping_sub(0x09) < 5)
            | (c >= 0x80)
            | ((c == b' ') & (n == b' '));
        *f = 0u8.wrapping_sub(u8::from(special));
    }
    u128::from_le_bytes(flags)
}

/// Whether the markup byte at `i` may mark something: `false` only where [`markup_at`]
/// surely finds nothing, by tests cheaper than its own.
fn marks_something(text: &str, i: usize) -> bool {
    let b = text.as_bytes();
    let next = b.get(i + 1).copied().unwrap_or(b' ');
    // Two table reads and a few ifs, not a match: its jump table mispredicts on markup bytes
    // the processor cannot guess.
    let need = NEEDS[usize::from(b[i])];
    if need == NEXT_ANY {
        return true;
    }
    if need == EMPHASIS {
        return run_is_emphasis(b, i);
    }
    // A colon in prose (`: `) is followed by no name byte (`:+1:` and `:100:` are).
    NEXT_OK[usize::from(next)] & need != 0 && (need != NEXT_NAME || shortcode_at(text, i).is_some())
}

/// What [`marks_something`] asks of a markup byte: nothing more, an emphasis run, or a
/// next byte in one of the sets of [`NEXT_OK`] (by bit).
const NEXT_ANY: u8 = 0;
const NEXT_NAME: u8 = 1;
const NEXT_ENTITY: u8 = 2;
const NEXT_BRACKET: u8 = 4;
const EMPHASIS: u8 = 8;

static NEEDS: [u8; 256] = {
    let mut t = [NEXT_ANY; 256];
    t[b':' as usize] = NEXT_NAME;
    t[b'&' as usize] = NEXT_ENTITY;
    t[b'!' as usize] = NEXT_BRACKET;
    t[b'_' as usize] = EMPHASIS;
    t[b'*' as usize] = EMPHASIS;
    t
};

/// The sets a markup byte's next byte must be in: a shortcode name's first byte (no capital),
/// an entity's, or the `[` of an image.
static NEXT_OK: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'+' || b == b'-' {
            t[c] |= NEXT_NAME;
        }
        c += 1;
    }
    let entity = b"nealgq#";
    let mut k = 0;
    while k < entity.len() {
        t[entity[k] as usize] |= NEXT_ENTITY;
        k += 1;
    }
    t[b'[' as usize] |= NEXT_BRACKET;
    t
};

/// Whether the only whitespace in `s` is single ASCII spaces.
fn ordinary_spaces(s: &str) -> bool {
    let b = s.as_bytes();
    // Most text is ASCII without tabs or double spaces: one pass over byte pairs (compares
    // folded with `|`, which the compiler vectorises) shows it.
    let odd = |c: u8| (c.wrapping_sub(0x09) < 5) | (c >= 0x80);
    let pairs = b.iter().zip(b.get(1..).unwrap_or_default());
    let any = pairs.fold(0u8, |m, (&x, &y)| {
        m | u8::from(odd(x) | (x == b' ') & (y == b' '))
    });
    if any == 0 && !b.last().is_some_and(|&c| odd(c)) {
        return true;
    }
    let pairs = b.iter().zip(b.get(1..).unwrap_or_default());
    if pairs.fold(0u8, |m, (x, y)| m | u8::from((*x == b' ') & (*y == b' '))) != 0 {
        return false;
    }
    let controls = b
        .iter()
        .fold(0u8, |m, &c| m | u8::from(c.wrapping_sub(0x09) < 5));
    controls == 0 && !has_unicode_space(b)
}

/// Whether UTF-8 text `b` holds a Unicode space (U+0085, U+00A0, U+1680, U+2000..=U+200A,
/// U+2028, U+2029, U+202F, U+205F, U+3000: `char::is_whitespace` beyond ASCII). One pass
/// over byte triples without a branch (vectorised): non-ASCII prose is full of other
/// E2 80 xx characters (quotes, dashes), so a lead byte alone says little.
fn has_unicode_space(b: &[u8]) -> bool {
    let pairs = b.iter().zip(b.get(1..).unwrap_or_default());
    let two = pairs.fold(0u8, |m, (&x, &y)| {
        m | u8::from((x == 0xc2) & ((y == 0x85) | (y == 0xa0)))
    });
    if b.len() < 3 {
        return two != 0;
    }
    let n = b.len() - 2;
    let triples = b[..n].iter().zip(&b[1..][..n]).zip(&b[2..][..n]);
    let three = triples.fold(0u8, |m, ((&x, &y), &z)| {
        let e2_80 = (x == 0xe2) & (y == 0x80);
        m | u8::from(
            (x == 0xe1) & (y == 0x9a) & (z == 0x80)
                | e2_80 & ((z.wrapping_sub(0x80) < 11) | (z == 0xa8) | (z == 0xa9) | (z == 0xaf))
                | (x == 0xe2) & (y == 0x81) & (z == 0x9f)
                | (x == 0xe3) & (y == 0x80) & (z == 0x80),
        )
    });
    (two | three) != 0
}

/// `**Text**`, `*Text*`, `__Text__`, `***Text:***`, `**Text**:`.
pub(crate) fn is_emphasised_line(body: &str) -> bool {
    let b = body.trim_end_matches(':');
    for mark in ["***", "**", "*", "___", "__", "_"] {
        if b.len() > 2 * mark.len() && b.starts_with(mark) && b.ends_with(mark) {
            let inner = &b[mark.len()..b.len() - mark.len()];
            return !inner.contains(mark) && !inner.starts_with(' ');
        }
    }
    false
}

/// How many whitespace-separated words `s` has, counted up to `limit` (the same words as
/// `split_whitespace`, read no further than the limit needs).
///
/// Eight bytes at a time without a branch per byte (where words start is data the processor
/// cannot guess): a word starts where a space is followed by a non-space. Prose reaches the
/// limit after a few steps. Text with non-ASCII bytes, whose spaces may be Unicode ones, is
/// counted byte by byte.
pub(crate) fn words_up_to(s: &str, limit: usize) -> usize {
    let mut chunks = s.as_bytes().chunks_exact(8);
    // The text starts after a space.
    let mut prev_space = HIGH;
    let mut words = 0;
    for chunk in &mut chunks {
        let v = u64::from_le_bytes(chunk.try_into().unwrap_or([b' '; 8]));
        if v & HIGH != 0 {
            return words_in_unicode(s, limit);
        }
        let space = ascii_spaces(v);
        let starts = !space & HIGH & (space << 8 | prev_space >> 56);
        // One bit per byte at most: the multiplication sums the bytes into the top one.
        words += ((starts >> 7).wrapping_mul(0x0101_0101_0101_0101) >> 56) as usize;
        if words >= limit {
            return limit;
        }
        prev_space = space;
    }
    let (mut prev, mut high) = (prev_space >> 63 != 0, 0);
    for &c in chunks.remainder() {
        let space = (c == b' ') | (c.wrapping_sub(9) < 5);
        words += usize::from(prev & !space);
        prev = space;
        high |= c;
    }
    if high >= 0x80 {
        return words_in_unicode(s, limit);
    }
    words.min(limit)
}

/// The top bit of every byte of a `u64`.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The top bit of each byte of `v` that is zero, exactly (no carries between bytes).
fn zero_bytes(v: u64) -> u64 {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((v & LOW) + LOW) | v) & HIGH
}

/// The top bit of each ASCII byte of `v` that is whitespace as [`words_up_to`] counts it: a
/// space, or 9 to 13. (Bytes with the top bit set give nonsense.)
fn ascii_spaces(v: u64) -> u64 {
    let each = |b: u8| u64::from_le_bytes([b; 8]);
    let blank = zero_bytes(v ^ each(b' '));
    // With the top bit set, subtracting a small number borrows from no other byte.
    let at_least_9 = (v | HIGH) - each(9);
    let below_14 = !((v | HIGH) - each(14));
    blank | (at_least_9 & below_14 & HIGH)
}

/// [`words_up_to`] byte by byte, knowing Unicode spaces.
fn words_in_unicode(s: &str, limit: usize) -> usize {
    let b = s.as_bytes();
    let (mut n, mut in_word, mut i) = (0, false, 0);
    while i < b.len() && n < limit {
        let c = b[i];
        if c >= 0x80 && unicode_space_at(b, i) {
            in_word = false;
            i += if c == 0xc2 { 2 } else { 3 };
            continue;
        }
        let space = (c == b' ') | (c.wrapping_sub(9) < 5);
        n += usize::from(!space & !in_word);
        in_word = !space;
        i += 1;
    }
    n
}

/// The first `n` bytes of `text`, cut at a character boundary: where a line's label or an
/// entry's own time stands.
pub(crate) fn head(text: &str, n: usize) -> &str {
    if text.len() <= n {
        return text;
    }
    let mut end = n;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Whether `text` starts with `prefix` (ASCII, lower case) in any ASCII case. (The first
/// letters are compared first: most texts and prefixes differ there.)
pub(crate) fn starts_with_ascii_ci<T: AsRef<[u8]> + ?Sized>(text: &T, prefix: &str) -> bool {
    let (s, p) = (text.as_ref(), prefix.as_bytes());
    debug_assert!(!p.iter().any(u8::is_ascii_uppercase), "{prefix:?}");
    s.len() >= p.len()
        && s.first().map(u8::to_ascii_lowercase) == p.first().copied()
        && s[..p.len()].eq_ignore_ascii_case(p)
}

/// The first position at or after `from` where `text` has `needle`, in any ASCII case: what
/// `find` gives on lower-cased copies, without the copies. The places to compare are those
/// of the needle's byte rarest in English prose ("times" is looked for at its `m`s, not at
/// its `t`s), in either case, found by `memchr2` many bytes at a time.
pub(crate) fn find_ascii_ci(text: &str, from: usize, needle: &str) -> Option<usize> {
    let (h, n) = (text.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return (from <= h.len()).then_some(from);
    }
    let h = h.get(from..)?;
    // In a short text (a heading, a field) a plain pass costs less than setting up the search.
    if h.len() < 32 {
        return h
            .windows(n.len())
            .position(|w| w[0].eq_ignore_ascii_case(&n[0]) && w.eq_ignore_ascii_case(n))
            .map(|start| from + start);
    }
    let (k, anchor) = n
        .iter()
        .enumerate()
        .max_by_key(|(_, c)| RARITY[usize::from(**c)])?;
    memchr::memchr2_iter(anchor.to_ascii_lowercase(), anchor.to_ascii_uppercase(), h)
        .filter_map(|at| at.checked_sub(k))
        .find(|&start| {
            h.get(start..start + n.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(n))
        })
        .map(|start| from + start)
}

/// How rare each byte is in English prose, for [`find_ascii_ci`]: the space and then the
/// letters (either case) from the most frequent (0) to the least (26), every other byte
/// rarer still.
static RARITY: [u8; 256] = {
    const BY_FREQUENCY: &[u8; 27] = b" etaoinshrdlcumwfgypbvkjxqz";
    let mut t = [27u8; 256];
    let mut k = 0;
    while k < BY_FREQUENCY.len() {
        t[BY_FREQUENCY[k] as usize] = k as u8;
        t[BY_FREQUENCY[k].to_ascii_uppercase() as usize] = k as u8;
        k += 1;
    }
    t
};

/// A string that collapses runs of whitespace as it is written, and drops leading space.
struct Plain(String);

impl Plain {
    fn push(&mut self, c: char) {
        if c.is_whitespace() {
            if !self.0.is_empty() && !self.0.ends_with(' ') {
                self.0.push(' ');
            }
        } else {
            self.0.push(c);
        }
    }

    /// Pushes a run of text, in one copy when its spaces need no collapsing (`clean`).
    fn push_run(&mut self, s: &str, clean: bool) {
        if !clean {
            return self.push_str(s);
        }
        let s = if self.0.is_empty() || self.0.ends_with(' ') {
            s.strip_prefix(' ').unwrap_or(s)
        } else {
            s
        };
        self.0.push_str(s);
    }

    /// [`Plain::push`] of each character of `s`, copying the text between whitespace whole.
    fn push_str(&mut self, s: &str) {
        for (k, piece) in s.split(char::is_whitespace).enumerate() {
            if k > 0 && !self.0.is_empty() && !self.0.ends_with(' ') {
                self.0.push(' ');
            }
            self.0.push_str(piece);
        }
    }
}

/// Whether the run of `*` or `_` at `i` opens or closes emphasis (not `2 * 3`, not `snake_case`).
/// Where the run of `run` backticks that closes a code span opened before `from` starts:
/// the next run of exactly that many.
fn code_span_end(b: &[u8], from: usize, run: usize) -> Option<usize> {
    let mut k = from;
    while let Some(at) = memchr::memchr(b'`', &b[k..]) {
        let start = k + at;
        let len = b[start..].iter().take_while(|&&x| x == b'`').count();
        if len == run {
            return Some(start);
        }
        k = start + len;
    }
    None
}

fn run_is_emphasis(b: &[u8], i: usize) -> bool {
    let c = b[i];
    let mut j = i;
    while j < b.len() && b[j] == c {
        j += 1;
    }
    let before = if i == 0 { b' ' } else { b[i - 1] };
    let after = b.get(j).copied().unwrap_or(b' ');
    let left_flanking = !after.is_ascii_whitespace();
    let right_flanking = !before.is_ascii_whitespace();
    if c == b'_' && before.is_ascii_alphanumeric() && after.is_ascii_alphanumeric() {
        return false;
    }
    left_flanking || right_flanking
}

/// `[label](url)` starting at `i`: (label, url, end).
fn link_at(text: &str, i: usize) -> Option<(&str, &str, usize)> {
    let rest = &text[i..];
    if !rest.starts_with('[') {
        return None;
    }
    let mut depth = 0;
    let mut close = None;
    for (k, ch) in rest.char_indices() {
        match ch {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(k);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close?;
    let after = &rest[close + 1..];
    if !after.starts_with('(') {
        return None;
    }
    let paren = after.find(')')?;
    let url = after[1..paren].trim();
    Some((&rest[1..close], url, i + close + 1 + paren + 1))
}

/// The `[label](url)` links in `text`, in order.
pub(crate) fn links(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(k) = text[i..].find('[') {
        let at = i + k;
        if let Some((label, url, end)) = link_at(text, at) {
            out.push((label, url));
            i = end;
        } else {
            i = at + 1;
        }
    }
    out
}

/// Whether a tag (its text between `<` and `>`) marks up words inside a sentence.
fn in_sentence_tag(inner: &str) -> bool {
    [
        "a", "b", "i", "u", "s", "em", "strong", "code", "span", "kbd", "mark", "del", "ins",
        "sub", "sup", "small",
    ]
    .iter()
    .any(|t| tag_name(inner).eq_ignore_ascii_case(t))
}

/// The name of the tag whose text between `<` and `>` is `inner` (`a` of `/a` or `a href=..`).
fn tag_name(inner: &str) -> &str {
    inner
        .trim_start_matches('/')
        .split(|c: char| c.is_whitespace() || c == '/')
        .next()
        .unwrap_or("")
}

fn looks_like_tag(inner: &str) -> bool {
    // `<Action item 1>`: words in brackets, a template's placeholder; a tag's attributes have
    // `=` (`<a href="...">`), and `<br />` a slash.
    if inner.contains(' ') && !inner.contains(['=', '/', '"']) {
        return false;
    }
    let name = tag_name(inner);
    !name.is_empty()
        && name.len() <= 10
        && name.chars().all(|c| c.is_ascii_alphanumeric())
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        || inner.trim_start_matches('/').starts_with("!--")
}

fn entity(s: &str) -> Option<(&'static str, usize)> {
    const ENTITIES: [(&str, &str); 11] = [
        ("&nbsp;", " "),
        ("&emsp;", " "),
        ("&ensp;", " "),
        ("&amp;", "&"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&apos;", "'"),
        ("&#64;", "@"),
        ("&#8203;", ""),
    ];
    ENTITIES
        .iter()
        .find(|(e, _)| s.starts_with(e))
        .map(|&(e, r)| (r, e.len()))
}

/// The length of the emoji shortcode whose opening colon is byte `i` of `text`. A colon right
/// after a digit goes on a time (`2:15pm: rollback`), whatever follows it.
fn shortcode_at(text: &str, i: usize) -> Option<usize> {
    let after_digit = i > 0 && text.as_bytes()[i - 1].is_ascii_digit();
    if after_digit {
        return None;
    }
    shortcode_len(&text[i..])
}

/// `:small_orange_diamond:`-style emoji shortcodes.
fn shortcode_len(s: &str) -> Option<usize> {
    let rest = &s[1..];
    // A name is 2 to 40 of these bytes: look no further for its closing colon (a colon in
    // prose or in a time is followed by a space or a digit, and ends here at once).
    let name_byte =
        |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'+' || c == b'-';
    let end = rest
        .bytes()
        .take(41)
        .position(|c| !name_byte(c))
        .filter(|&e| rest.as_bytes()[e] == b':')?;
    let name = &rest[..end];
    let ok = (2..=40).contains(&name.len())
        && name.bytes().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'+' || c == b'-'
        })
        && name.bytes().any(|c| c.is_ascii_lowercase());
    ok.then_some(end + 2)
}

/// Whether `s` starts with an emoji shortcode such as `:white_check_mark:`.
pub(crate) fn starts_with_shortcode(s: &str) -> Option<usize> {
    if s.starts_with(':') {
        shortcode_len(s)
    } else {
        None
    }
}

pub(crate) fn collapse_spaces(s: &str) -> String {
    // Text already made plain has nothing to collapse: copy it.
    let t = s.trim_matches(' ');
    if ordinary_spaces(t) {
        return t.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Abbreviations after which a full stop does not end a sentence.
const ABBREVIATIONS: [&str; 25] = [
    "e.g", "i.e", "etc", "vs", "mr", "mrs", "ms", "dr", "no", "approx", "inc", "ltd", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "st",
];

/// Splits `text` after its first sentence, running on while the sentence has fewer than four
/// words ("Test! Test test test." stays one title). Returns (first, rest).
pub(crate) fn first_sentence(text: &str) -> (&str, &str) {
    let b = text.as_bytes();
    let mut from = 0;
    let mut depth = 0;
    loop {
        let Some(end) = sentence_end(text, from, &mut depth) else {
            return (text.trim(), "");
        };
        let head = &text[..end];
        if words_up_to(head, 4) >= 4 {
            return (head.trim(), text[end..].trim());
        }
        from = end;
        if from >= b.len() {
            return (text.trim(), "");
        }
    }
}

/// The byte offset just after the sentence-ending punctuation at or after `from`, with
/// `depth` the brackets open at `from` (kept up to date): a stop inside brackets ends no
/// sentence ("Clean up the logs (see ch. 4 of the runbook) and set a limit.").
fn sentence_end(text: &str, from: usize, depth: &mut usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = from;
    let count = |bytes: &[u8], depth: &mut usize| {
        for c in bytes {
            match c {
                b'(' => *depth += 1,
                b')' => *depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    };
    while let Some(k) = memchr::memchr3(b'.', b'!', b'?', b.get(i..)?) {
        count(&b[i..i + k], depth);
        i += k;
        // The stop with the closing marks after it: `."`, `?)`, `...`.
        let j = i
            + 1
            + b[i + 1..]
                .iter()
                .take_while(|c| matches!(c, b'.' | b'!' | b'?' | b'"' | b')' | b'\''))
                .count();
        let inside = *depth > 0;
        count(&b[i..j], depth);
        if *depth == 0 && ends_here(text, i, j, inside) {
            return Some(j);
        }
        i = j;
    }
    None
}

/// Whether the punctuation from `i` to `j` ends a sentence: a space, then what starts one.
/// (`closes_bracket`: the stop stood inside brackets closed after it, `(... do I do?")`: only
/// a capital after it ends the sentence.)
fn ends_here(text: &str, i: usize, j: usize, closes_bracket: bool) -> bool {
    let b = text.as_bytes();
    if b.get(j) != Some(&b' ') {
        return false;
    }
    let next = b.get(j + 1).copied().unwrap_or(b' ');
    let starts_sentence = next.is_ascii_uppercase()
        || next.is_ascii_digit()
        || matches!(next, b'"' | b'(' | b'[' | b'`' | b'*')
        || next >= 0x80;
    // A question ends its sentence even when the next starts in lower case, as in notes
    // ("iteration loop for a single worker type? could we interleave?").
    (starts_sentence || (b[i] == b'?' && !closes_bracket))
        && (b[i] != b'.' || !is_abbreviation(text, i))
}

/// Whether the full stop at byte `dot` closes an abbreviation or an initial, not a sentence.
pub(crate) fn is_abbreviation(text: &str, dot: usize) -> bool {
    let before = &text[..dot];
    let word = before
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    if word.len() == 1 && word.chars().all(|c| c.is_ascii_uppercase()) {
        return true; // an initial: "J. Smith"
    }
    // Compared without a lower-case copy (the abbreviations are lower case).
    ABBREVIATIONS.iter().any(|a| a.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_and_lone_stars_keep_their_text() {
        for (written, read) in [
            (
                "Add ILM policy for `app-*` indices",
                "Add ILM policy for app-* indices",
            ),
            ("Match `*.log` and `**/tmp`", "Match *.log and **/tmp"),
            ("Use ``a`b`` here", "Use a`b here"),
            ("Raise limit 2*3 times", "Raise limit 2*3 times"),
            ("Block /api/*/export", "Block /api/*/export"),
            // Emphasis still goes, and so does a backtick that closes nothing.
            ("**Fix it** *now*", "Fix it now"),
            ("a `dangling tick", "a dangling tick"),
            ("Footnoted*", "Footnoted"),
        ] {
            assert_eq!(plain(written), read, "{written}");
        }
    }

    #[test]
    fn a_time_with_am_pm_before_a_colon_is_no_shortcode() {
        assert_eq!(plain("2:15pm: rollback begins"), "2:15pm: rollback begins");
        assert_eq!(plain("done :white_check_mark: now"), "done now");
        assert_eq!(plain(":8ball: luck"), "luck");
    }

    #[test]
    fn ordinary_spaces_means_single_ascii_spaces_only() {
        for s in [
            "",
            " ",
            "  ",
            "a b",
            "a  b",
            "a\tb",
            "a\nb",
            "caf\u{e9} ok",
            "a\u{a0}b",
            "a\u{2009}b",
            "x\u{3000}",
            "\u{e9}  x",
            "end ",
            "  start",
            "a\u{b}b",
        ] {
            let want = !s.chars().any(|c| c.is_whitespace() && c != ' ') && !s.contains("  ");
            assert_eq!(ordinary_spaces(s), want, "{s:?}");
        }
    }

    #[test]
    fn has_unicode_space_agrees_with_char_is_whitespace() {
        // Every character of the lead bytes' blocks that hold a space, and their neighbours,
        // at the start, middle and end of ASCII and non-ASCII text.
        let blocks = [0x80..0x100, 0x1600..0x1700, 0x2000..0x2100, 0x3000..0x3040];
        for c in blocks.into_iter().flatten().filter_map(char::from_u32) {
            for text in [
                format!("{c}"),
                format!("a{c}b"),
                format!("\u{2019}x{c}"),
                format!("{c}\u{2014} end"),
            ] {
                let want = text.chars().any(|c| c.is_whitespace() && !c.is_ascii());
                assert_eq!(has_unicode_space(text.as_bytes()), want, "{text:?}");
            }
        }
    }

    #[test]
    fn words_up_to_agrees_with_split_whitespace() {
        let long = "word ".repeat(20) + "caf\u{e9}\u{a0}x\ty\u{3000}z  end";
        for s in [
            "",
            " ",
            "a",
            "one two",
            "  one   two  ",
            "a\tb\nc\rd\u{b}e\u{c}f",
            "x\u{a0}y\u{2009}z\u{85}w",
            "sixteen bytes!!!",
            "sixteen bytes!! x",
            "exactly sixteen ",
            "\u{1f}\u{1c}",
            long.as_str(),
        ] {
            for limit in [0, 1, 2, 4, 13, 100] {
                let want = s.split_whitespace().count().min(limit);
                assert_eq!(words_up_to(s, limit), want, "{s:?} {limit}");
            }
        }
    }

    #[test]
    fn word_counts_agree_on_generated_text() {
        let pieces = [
            " ", "\t", "\r", "a", "bc", "\u{a0}", "\u{2003}", "\u{e9}", "\x0c", "-", "\x7f", "x:",
        ];
        let mut seed = 12345u64;
        for _ in 0..3000 {
            let mut text = String::new();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            for _ in 0..(seed >> 58) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            for limit in 0..16 {
                let want = text.split_whitespace().count().min(limit);
                assert_eq!(words_up_to(&text, limit), want, "{text:?} {limit}");
            }
        }
    }

    #[test]
    fn ordinary_run_agrees_with_a_byte_loop_on_generated_text() {
        let pieces = [
            " ",
            "  ",
            "\t",
            "a",
            "word ",
            "\u{a0}",
            "\u{e9}",
            ":",
            ":ok:",
            "10:30",
            "_",
            "x_y",
            "*",
            "**",
            "!",
            "![",
            "&",
            "&amp;",
            "[",
            "<",
            "`",
            "sixteen bytes!!!",
        ];
        let mut seed = 54321u64;
        for _ in 0..3000 {
            let mut text = String::new();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            for _ in 0..(seed >> 59) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            let b = text.as_bytes();
            for (i, _) in text.char_indices() {
                // The run ends at the first markup byte that may mark something.
                let end = (i..b.len())
                    .find(|&k| CLASS[usize::from(b[k])] == MARKUP && marks_something(&text, k))
                    .unwrap_or(b.len());
                let want = (end, ordinary_spaces(&text[i..end]));
                assert_eq!(ordinary_run(&text, i), want, "{text:?} from {i}");
                if CLASS[usize::from(b[i])] == MARKUP && markup_at(&text, i).is_some() {
                    assert!(marks_something(&text, i), "{text:?} at {i}");
                }
            }
        }
    }

    #[test]
    fn find_ascii_ci_agrees_with_find_on_lower_case_copies() {
        for text in [
            "",
            "Due By Friday, due by monday",
            "ALL TIMES IN UTC",
            "x@y `z",
            "caf\u{e9} due ",
        ] {
            for needle in ["", "due by ", " by ", "all times", "@y", "`z", "\u{e9} due"] {
                for from in 0..=text.len() {
                    if !text.is_char_boundary(from) {
                        continue;
                    }
                    let lower = text.to_ascii_lowercase();
                    let want = lower[from..]
                        .find(&needle.to_ascii_lowercase())
                        .map(|p| from + p);
                    assert_eq!(
                        find_ascii_ci(text, from, needle),
                        want,
                        "{text:?} {needle:?} {from}"
                    );
                }
            }
        }
    }

    #[test]
    fn borrowed_plain_agrees_with_the_writing_path() {
        for s in [
            "",
            " lead",
            "plain words here",
            "trailing  ",
            "two  spaces",
            "tab\there",
            "10:30 one colon",
            "Thank you both :pray:",
            "a :b: c",
            "snake_case and 2 * 3",
            "**bold** end",
            "end **bold**",
            "see [x](http://y) and [#12]",
            "S&amp;O `x` <b>t</b> <https://x.io>",
            "caf\u{e9} \u{a0}x \u{2014} done",
            "wow! ![img](a.png) ok",
        ] {
            assert_eq!(plain_cow(s), plain_from(s, 0), "{s:?}");
        }
    }

    #[test]
    fn strips_markup() {
        assert_eq!(
            plain("**Patch database queries** to avoid"),
            "Patch database queries to avoid"
        );
        // A footnote's reference and a document editor's comment anchor are no text; a word
        // in brackets is.
        assert_eq!(
            plain("Alert on queue age[b] in its own pool[^2]."),
            "Alert on queue age in its own pool."
        );
        assert_eq!(
            plain("Fix the [b] flag and [abc]"),
            "Fix the b flag and abc"
        );
        assert_eq!(
            plain("Automate deploys ([#11957](https://github.com/k/t/issues/11957))"),
            "Automate deploys (#11957)"
        );
        assert_eq!(plain("see <https://x.io/a>"), "see https://x.io/a");
        assert_eq!(
            plain(r"\~17:30 PM, \[name] a\_b \\ c\d"),
            r"~17:30 PM, [name] a_b \ c\d"
        );
        assert_eq!(
            plain("<p>&emsp;:small_orange_diamond:Implement tests</p>"),
            "Implement tests"
        );
        assert_eq!(
            plain("snake_case_name and 2 * 3"),
            "snake_case_name and 2 * 3"
        );
        assert_eq!(plain("S&amp;O `x`"), "S&O x");
        assert_eq!(plain("ensure it: [#11134]"), "ensure it: #11134");
    }

    #[test]
    fn splits_first_sentence() {
        assert_eq!(
            first_sentence("Test! Test test test. Test the application."),
            ("Test! Test test test.", "Test the application.")
        );
        assert_eq!(
            first_sentence("Add coverage for fluentd to QA test suite. Ensure logs."),
            ("Add coverage for fluentd to QA test suite.", "Ensure logs.")
        );
        assert_eq!(
            first_sentence("Use tools e.g. Grafana for dashboards. More."),
            ("Use tools e.g. Grafana for dashboards.", "More.")
        );
        // A month's abbreviation does not end the sentence.
        assert_eq!(
            first_sentence("Rotate the keys (due Mar. 15, 2024). Then x."),
            ("Rotate the keys (due Mar. 15, 2024).", "Then x.")
        );
        // Nor does a stop inside brackets, or a question quoted in them; a stop closed by
        // its bracket does, before a capital.
        assert_eq!(
            first_sentence("Clean up the logs (see ch. 4 of the runbook) and set a limit. Then x."),
            (
                "Clean up the logs (see ch. 4 of the runbook) and set a limit.",
                "Then x."
            )
        );
        assert_eq!(
            first_sentence("Add a FAQ entry (\"what do I do?\") to the page. Then x."),
            (
                "Add a FAQ entry (\"what do I do?\") to the page.",
                "Then x."
            )
        );
        assert_eq!(
            first_sentence("Add the cache alerts (all done.) Then the dashboards."),
            ("Add the cache alerts (all done.)", "Then the dashboards.")
        );
        assert_eq!(
            first_sentence("No full stop here"),
            ("No full stop here", "")
        );
        assert_eq!(
            first_sentence("Bump to v1.2.3 on all nodes. Then x."),
            ("Bump to v1.2.3 on all nodes.", "Then x.")
        );
        // Stops on either side of sixteen-byte chunks.
        assert_eq!(
            first_sentence("Rotate the credentials of every service account. Then x."),
            (
                "Rotate the credentials of every service account.",
                "Then x."
            )
        );
        assert_eq!(
            first_sentence("Ship it now ok. Rotate all of the credentials e.g. Vault. Next."),
            (
                "Ship it now ok.",
                "Rotate all of the credentials e.g. Vault. Next."
            )
        );
    }
}
