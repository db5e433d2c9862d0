//! Metadata written into an item's own text and taken out of it: leading marks (`[P1]`,
//! `@owner:`, `✅`), bracketed groups (`(owner: @a, due: 2026-03-01)`), trailing tags and
//! segments (`owner: x, due: y`, `— @alice`, `, P1`).

use super::fields::{
    chip_tail, cued_date, field_line_text, field_of, is_login, is_name, is_priority_token,
    is_priority_word, leading_priority, mention_then_date, status_word, trailing_due,
    without_period, Chip, Field, Status, CHECK_MARKS, DONE_WORDS,
};
use super::issues::{issue_ref, jira_key, last_space_or_paren, trailing_bug_ref};
use super::tables::type_kind;
use super::{Meta, Reader};
use crate::parse::{inline, time};
use std::borrow::Cow;

/// The parts of a metadata tail: "Owner: x. Due: y" is two parts, as are "Owner: x, due: y"
/// and "Owner: x · Due: y"; the comma of a date ("Deadline: December 22, 2023") separates
/// nothing.
fn meta_parts(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut parts = Vec::new();
    let mut from = 0;
    for (i, c) in s.char_indices() {
        let separates = match c {
            ';' | '|' | '·' | '•' => true,
            // A dash between spaces (`(@sam — 2025/03/28)`).
            '—' | '–' => s[..i].ends_with(' ') && s[i + c.len_utf8()..].starts_with(' '),
            // Nor does the comma of a date ("Mar 15, 2025") or after its weekday ("Friday,
            // March 6").
            ',' => !comma_in_date(s, i) && !weekday_before(s, i),
            // (Not the period of an initial, `owner J. Alvarez`, or of a month, `due Sep. 5`.)
            '.' => b.get(i + 1) == Some(&b' ') && !inline::is_abbreviation(s, i),
            _ => false,
        };
        if separates {
            parts.push(&s[from..i]);
            from = i + c.len_utf8();
        }
    }
    parts.push(&s[from..]);
    parts
        .into_iter()
        .map(|p| without_period(p.trim()))
        .filter(|p| !p.is_empty())
        .collect()
}

/// Whether a segment after a dash is a person's name signing the item: two or three words
/// written as a name (`Lukas Hoffmann`, `N. Schulz`), none a priority (`High Impact`).
fn signs_item(tail: &str) -> bool {
    let mut words = tail.split_whitespace();
    tail.split_whitespace().count() >= 2 && is_name(tail) && !words.any(is_priority_word)
}

/// Whether the word that ends at byte `comma` of `s` is a weekday that opens a date
/// (`Friday, March 6`): the comma goes with the date.
fn weekday_before(s: &str, comma: usize) -> bool {
    let word_start = s[..comma].rfind([' ', '(', ':']).map_or(0, |k| k + 1);
    let from_word = &s[word_start..];
    time::without_weekday(from_word).len() < from_word.len()
}

/// What follows an owner key written without its colon (`assigned to @ana`, `owned by Ana
/// Lima`): the key is the part's first word or two, the longer tried first.
fn after_owner_key(part: &str) -> Option<&str> {
    let first = part.find(' ')?;
    let second = part[first + 1..].find(' ').map(|k| first + 1 + k);
    [second, Some(first)]
        .into_iter()
        .flatten()
        .find(|&at| field_of(&part[..at]) == Some(Field::Owner))
        .map(|at| part[at + 1..].trim_start())
}

/// Whether `s` leaves a bracket open: a cut after it would split a bracketed group.
/// The text before an item's closing issue reference, without the note that introduces the
/// reference: `Add a retry budget (tracked in` gives `Add a retry budget`, `Raise the limit,
/// see` gives `Raise the limit`. `None` when the note says the reference is another piece of
/// work, not the item's issue (`blocked by`, `superseded by`): the reference stays in the text.
fn reference_note(head: &str) -> Option<&str> {
    let trimmed = head.trim_end();
    let (before, note) = match trimmed.rfind('(') {
        Some(p) if opens_bracket(&trimmed[p..]) => (&trimmed[..p], &trimmed[p + 1..]),
        _ => (trimmed, ""),
    };
    // Where `trimmed` ends with `cue` (ASCII, any case), as a word of its own.
    let ends_with = |cue: &str| {
        let at = trimmed.len().checked_sub(cue.len())?;
        let bounded = at == 0 || trimmed.as_bytes()[at - 1] == b' ';
        let tail = trimmed.get(at..)?;
        (bounded && tail.eq_ignore_ascii_case(cue)).then_some(at)
    };
    let note = note.trim();
    if OTHER_WORK_NOTES
        .iter()
        .any(|n| inline::starts_with_ascii_ci(note, n) || ends_with(n).is_some())
    {
        return None;
    }
    if !note.is_empty() {
        return Some(before.trim_end());
    }
    // `..., see #12`: the cue goes with the reference.
    let cut = [
        "see",
        "see also",
        "tracked in",
        "tracked by",
        "fixed in",
        "done in",
    ]
    .iter()
    .find_map(|cue| ends_with(cue).map(|at| &trimmed[..at]));
    Some(cut.map_or(head, |c| {
        c.trim_end().trim_end_matches([',', ';', ':']).trim_end()
    }))
}

/// Notes before a reference that name another piece of work than the item's own issue.
const OTHER_WORK_NOTES: [&str; 7] = [
    "blocked by",
    "blocked on",
    "depends on",
    "superseded by",
    "replaced by",
    "duplicate of",
    "follow-up to",
];

fn opens_bracket(s: &str) -> bool {
    s.matches('(').count() > s.matches(')').count()
}

/// Whether `s` starts with a four-digit year (after spaces) that ends there.
/// Whether the comma at byte `comma` of `s` stands inside a date, before its year: after a
/// day ("Mar 15, 2025", "May 1st, 2024") or a month ("15 May, 2024").
fn comma_in_date(s: &str, comma: usize) -> bool {
    if !starts_with_year(&s[comma + 1..]) {
        return false;
    }
    let word = s[..comma]
        .rsplit([' ', '(', ':'])
        .next()
        .unwrap_or_default();
    let day = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|o| word.strip_suffix(o))
        .unwrap_or(word);
    (!day.is_empty() && day.len() <= 2 && day.bytes().all(|c| c.is_ascii_digit()))
        || word.ends_with(|c: char| c.is_ascii_digit())
        || time::is_month_name(word)
}

fn starts_with_year(s: &str) -> bool {
    let t = s.trim_start().as_bytes();
    t.len() >= 4
        && t[..4].iter().all(u8::is_ascii_digit)
        && !t.get(4).is_some_and(u8::is_ascii_alphanumeric)
}

fn merge_meta(into: &mut Meta, from: Meta) {
    if from.owner.is_some() {
        into.owner = from.owner;
    }
    into.due = from.due.or(into.due);
    into.priority = from.priority.or(into.priority.take());
    if into.issue.is_none() {
        into.issue = from.issue;
    }
    into.done |= from.done;
    into.not_planned |= from.not_planned;
    into.kind = from.kind.or(into.kind);
}

/// The byte offset of the first ` key:` tag (owner, due, priority...) after the start.
fn first_tag(t: &str) -> Option<usize> {
    // The keys of [`field_of`] that are no common word: "tracking:" or "date:" may end a
    // label ("Improved tracking: ...").
    const KEYS: [&str; 28] = [
        "owner:",
        "owners:",
        "responsible:",
        "assignee:",
        "assigned:",
        "assigned to:",
        "dri:",
        "due:",
        "due date:",
        "target date:",
        "deadline:",
        "priority:",
        "eta:",
        "status:",
        "issue:",
        "ticket:",
        "bug:",
        "jira:",
        "tracker:",
        "tracking issue:",
        // (Read as a tag only with a kind of action after it: see `meta_part`.)
        "type:",
        "category:",
        // (Other languages' owner and due keys, as `field_of` reads them.)
        "responsable:",
        "responsável:",
        "responsavel:",
        "verantwortlich:",
        "fecha límite:",
        "prazo:",
    ];
    // A key is found only after the first character (the text itself is not a tag).
    if !t.is_char_boundary(1) {
        return None;
    }
    let b = t.as_bytes();
    // Every key ends with the colon: each colon is checked for the keys that end there, and
    // the first key found that way is the first tag.
    let mut best: Option<usize> = None;
    for (c, _) in b.iter().enumerate().filter(|(_, &x)| x == b':') {
        for k in KEYS {
            let Some(at) = (c + 1).checked_sub(k.len()) else {
                continue;
            };
            if at >= 1
                && b[at..=c].eq_ignore_ascii_case(k.as_bytes())
                && !b[at - 1].is_ascii_alphanumeric()
            {
                best = Some(best.map_or(at, |x: usize| x.min(at)));
            }
        }
        // A key is at most 15 bytes long: a later colon's key would start after this one.
        if best.is_some_and(|at| at + 15 <= c) {
            break;
        }
    }
    best
}

/// Splits off the last segment after a separator: ` — `, ` – `, ` - `, ` | `, ` · `, ` • `
/// (between spaces) or `, `, when it is short enough to be a tag (long tails are prose).
fn split_last_segment(t: &str) -> Option<(&str, &str)> {
    const MAX_TAIL: usize = 48;
    let b = t.as_bytes();
    // Back from the end over a tag's length; a separator is told by its last byte, then
    // checked whole.
    let last_byte = |c: u8| matches!(c, b',' | b'-' | b'|' | 0x94 | 0x93 | 0xb7 | 0xa2);
    let stop = b.len().saturating_sub(MAX_TAIL + 4);
    let mut i = b.len();
    while i > stop {
        // Most of a tail is words: sixteen bytes without a separator's last byte are passed
        // over at once (a fold the compiler vectorises).
        if i >= stop + 16 && !b[i - 16..i].iter().fold(false, |m, &c| m | last_byte(c)) {
            i -= 16;
            continue;
        }
        i -= 1;
        let sep = match b[i] {
            b',' => ",",
            b'-' => "-",
            b'|' => "|",
            0x94 => "—",
            0x93 => "–",
            0xb7 => "·",
            0xa2 => "•",
            _ => continue,
        };
        let Some(start) = (i + 1).checked_sub(sep.len()) else {
            continue;
        };
        let spaced_before = sep == "," || (start > 0 && b[start - 1] == b' ');
        // The comma of a date ("Due Mar 15, 2025") separates nothing.
        let in_date = sep == "," && comma_in_date(t, i);
        if &b[start..=i] == sep.as_bytes()
            && b.get(i + 1) == Some(&b' ')
            && spaced_before
            && !in_date
        {
            let head_end = if sep == "," { start } else { start - 1 };
            return Some((&t[..head_end], t[i + 2..].trim()));
        }
    }
    None
}

impl Reader<'_> {
    /// Takes metadata out of an item's text: leading `[P1]`, `@owner:`, `✅`; trailing
    /// `owner: x, due: y` tags, `(owner: x)` groups, `— @alice`, `(#12)`.
    /// (Borrowed from `plain` unless a bracketed group was removed.)
    pub(super) fn strip_meta<'p>(
        &mut self,
        plain: &'p str,
        line: usize,
        meta: &mut Meta,
    ) -> Cow<'p, str> {
        // Every step cuts `t` at its ends, except removing bracketed groups: `t` borrows
        // `plain`, or the text left once groups were removed.
        let mut t = plain.trim();
        // Every step below only cuts `t`, so a byte it lacks now it never gains: one scan tells
        // which of the scans for brackets, tags and mentions can find nothing. (Bits of one
        // byte folded with `|`: a reduction the compiler vectorises; a tuple of flags is not.)
        let seen = t.bytes().fold(0u8, |seen, x| {
            seen | u8::from((x == b'(') | (x == b'['))
                | u8::from(x == b':') << 1
                | u8::from(x == b'@') << 2
        });
        let (brackets, colons, ats) = (seen & 1 != 0, seen & 2 != 0, seen & 4 != 0);
        // Leading status and priority marks.
        loop {
            let before = t.len();
            for done in CHECK_MARKS.iter().chain(&["[DONE]", "DONE:", "[done]"]) {
                if let Some(rest) = t.strip_prefix(done) {
                    meta.done = true;
                    t = rest.trim_start();
                }
            }
            // `IN PROGRESS: ...`, `WON'T FIX: ...`: a status in capitals opening the item
            // (in other case it may be a label of the text, "Blocked: waiting on the vendor").
            if let Some((head, rest)) = t.split_once(':') {
                let capitals = head.len() <= 16
                    && head.bytes().any(|b| b.is_ascii_uppercase())
                    && !head.bytes().any(|b| b.is_ascii_lowercase());
                if let Some(status) = status_word(head).filter(|_| capitals) {
                    meta.done |= status == Status::Done;
                    meta.not_planned |= status == Status::Dropped;
                    t = rest.trim_start();
                }
            }
            if let Some((p, rest)) = leading_priority(t) {
                meta.priority = Some(p.to_string());
                t = rest;
            }
            // A number inside the item's markup (`**1. Add jitter.** ...`) numbers it, as a
            // list marker would.
            if let Some(rest) = leading_ordinal(t) {
                t = rest;
            }
            // `@Jane Doe: text`, `@Jane Doe Verify ...`: a mention of a person by name, as
            // document tools write it (two capitalised words, then the text's own capital).
            if let Some((name, rest)) = t.strip_prefix('@').and_then(named_mention) {
                meta.owner.get_or_insert_with(|| name.to_string());
                t = rest;
            }
            if t.starts_with('@') {
                if let Some((login, rest)) = t[1..].split_once([' ', ':']) {
                    if is_login(login) {
                        meta.owner.get_or_insert_with(|| login.to_string());
                        t = rest.trim_start_matches([':', ' ', '-', '—', '–']);
                    }
                }
            }
            if t.len() == before {
                break;
            }
        }
        // Bracketed metadata groups anywhere: `(owner: @a, due: 2026-03-01)`, `[P2]`, `(#12)`.
        if brackets {
            if let Some(rest) = self.strip_bracketed(t, line, meta) {
                return Cow::Owned(self.strip_tail(&rest, colons, ats, line, meta).to_string());
            }
        }
        Cow::Borrowed(self.strip_tail(t, colons, ats, line, meta))
    }

    /// [`Reader::strip_meta`] after the leading marks and bracketed groups: trailing tags,
    /// segments, issue references, and an @mention anywhere. (`colons`, `ats`: whether `t`
    /// has a `:` and an `@` at all.)
    fn strip_tail<'t>(
        &mut self,
        mut t: &'t str,
        colons: bool,
        ats: bool,
        line: usize,
        meta: &mut Meta,
    ) -> &'t str {
        if colons {
            t = self.cut_tag_tail(t, line, meta);
        }
        t = self.strip_segments(t, line, meta);
        let before_spaced = t.len();
        // Space-separated tags at the end: `... drain the backlog @mtanaka P1 by March 1`.
        // They are read from the end; of several logins the first written owns the item, as in
        // `(@ana, @bo)`, unless a field named the owner already.
        let owner_named = meta.owner.is_some();
        // Chips at the end (`... @Carla Mendes @March 4, 2026`), read from the last: of
        // several people, the first written owns the item.
        if ats {
            while let Some((head, chip)) = chip_tail(t, self.ctx.date) {
                if copies(head) {
                    break;
                }
                match chip {
                    Chip::Owner(name) if !owner_named => meta.owner = Some(name.to_string()),
                    Chip::Owner(_) => {}
                    Chip::Due(d) => {
                        meta.due.get_or_insert(d);
                    }
                }
                // "Add retries for @Payments Team": the sentence goes on into the chip, which
                // stays in the text.
                let last = head
                    .rsplit(' ')
                    .next()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                if matches!(
                    last.as_str(),
                    "for" | "to" | "with" | "from" | "of" | "about" | "and"
                ) {
                    break;
                }
                t = head;
            }
        }
        loop {
            let trimmed = t.trim_end();
            let Some(pos) = trimmed.rfind(' ') else { break };
            let last = &trimmed[pos + 1..];
            // (A login that closes a bracket belongs to a group that is not all metadata,
            // "(cc @li)": cutting it would leave the group open.)
            let login = last
                .strip_prefix('@')
                .filter(|l| !l.ends_with(')') && is_login(l));
            if let Some(login) = login {
                if copies(&trimmed[..pos]) {
                    break;
                }
                if !owner_named {
                    meta.owner = Some(login.trim_end_matches('.').to_string());
                }
                // `..., by @someone`: the cue goes with the name.
                let head = trimmed[..pos].trim_end();
                // (Sliced only at a character's boundary: the text may end in any letter.)
                let cue = head.len().checked_sub(3).and_then(|at| head.get(at..));
                if head.len() > 3 && cue.is_some_and(|c| c.eq_ignore_ascii_case(" by")) {
                    t = head[..head.len() - 3].trim_end_matches([',', ' ']);
                    continue;
                }
            } else if is_priority_token(last) {
                meta.priority.get_or_insert_with(|| last.to_string());
            } else if CHECK_MARKS.contains(&last) || done_in_capitals(last) {
                meta.done = true;
            } else if let Some((head, due)) = trailing_due(trimmed, self.ctx.date) {
                // A date that closes a bracket which is not metadata belongs to it: cutting
                // the date would leave the bracket open.
                if opens_bracket(head) {
                    break;
                }
                meta.due.get_or_insert(due);
                t = head;
                continue;
            } else if let Some((head, owner, due)) = mention_then_date(trimmed, self.ctx.date) {
                if !owner_named {
                    meta.owner = Some(owner.to_string());
                }
                meta.due.get_or_insert(due);
                t = head;
                continue;
            } else {
                break;
            }
            t = &t[..pos];
        }
        // A tail of tags before them: `Fix it, owner: bob, due March 30 P2`.
        if colons && t.len() < before_spaced {
            t = self.cut_tag_tail(t.trim_end().trim_end_matches([',', ';']), line, meta);
        }
        // Issue references at the very end: `... reverted: #11134`, `... Bug 12345`.
        let trimmed = t.trim_end();
        let before_ref = t.len();
        if let Some((head, r)) = trailing_bug_ref(trimmed) {
            // "Fix bug 12345" keeps its words: the reference is the item's whole object.
            if let Some(head) = reference_note(head) {
                meta.issue.get_or_insert(r);
                if inline::words_up_to(head, 2) >= 2 {
                    t = head;
                }
            }
        } else if let Some(pos) = last_space_or_paren(trimmed) {
            let last = trimmed[pos + 1..].trim_end_matches([')', '.']);
            if let Some(r) = issue_ref(last) {
                // After a colon the reference is what the sentence is about ("finish this:
                // https://.../pull/86"): it stays in the text.
                if let Some(head) = reference_note(&t[..pos]) {
                    meta.issue.get_or_insert(r);
                    if !t[..pos].trim_end().ends_with(':') {
                        t = head;
                    }
                }
            }
        }
        // The note went with its reference: what stood before it may be a tag (`Cap the
        // rate — Done (PR #412)`, `... Owner: @tanya. Tracked in #13.`).
        if t.len() < before_ref {
            if colons {
                t = self.cut_tag_tail(t.trim_end(), line, meta);
            }
            t = self.strip_segments(t, line, meta);
        }
        t.trim()
            .trim_end_matches([':', ',', ';', '-', '—', '–', '|', '·', '•', '→', '/'])
            .trim()
    }

    /// `t` without its trailing separated segments that are metadata: `— @alice`, `, P1`,
    /// `#12`.
    fn strip_segments<'t>(&mut self, mut t: &'t str, line: usize, meta: &mut Meta) -> &'t str {
        loop {
            let trimmed = t.trim_end().trim_end_matches(['.', ';']).trim_end();
            let Some((head, tail)) = split_last_segment(trimmed) else {
                break;
            };
            if tail.is_empty() {
                break;
            }
            if !self.all_meta(tail, line, meta, false) {
                // `— Lukas Hoffmann`: a person's full name after a dash, as checklists sign
                // their items. (One word may name a tool: "— Grafana".)
                let after_dash = trimmed[head.len()..].trim_start().starts_with(['—', '–']);
                if !(after_dash && meta.owner.is_none() && signs_item(tail)) {
                    break;
                }
                meta.owner = Some(tail.to_string());
            }
            t = head;
        }
        t
    }

    /// `t` without a tail of `key: value` tags, cut at the first tag key (not inside a
    /// bracket) when everything from there is metadata (recorded in `meta`).
    pub(super) fn cut_tag_tail<'t>(&mut self, t: &'t str, line: usize, meta: &mut Meta) -> &'t str {
        match first_tag(t) {
            Some(cut)
                if !opens_bracket(&t[..cut]) && self.all_meta(&t[cut..], line, meta, false) =>
            {
                &t[..cut]
            }
            _ => t,
        }
    }

    /// `t` without its bracketed groups that are all metadata (recorded in `meta`); `None`
    /// when it has none.
    fn strip_bracketed(&mut self, t: &str, line: usize, meta: &mut Meta) -> Option<String> {
        // Text is copied only once a group goes: `t[kept..]` is not written yet.
        let mut out = String::new();
        let mut kept = 0;
        let mut at = 0;
        while let Some(open) = t[at..].bytes().position(|b| b == b'(' || b == b'[') {
            let open = at + open;
            let close_ch = if t.as_bytes()[open] == b'(' { ')' } else { ']' };
            let Some(close) = t[open..].find(close_ch) else {
                break;
            };
            let end = open + close + 1;
            if self.all_meta(&t[open + 1..open + close], line, meta, true) {
                out.push_str(t[kept..open].trim_end());
                kept = end;
            }
            at = end;
        }
        (kept > 0).then(|| out + &t[kept..])
    }

    /// Whether every part of `s` (split on `,` `;` `|` `·`) is metadata; if so, records it. In
    /// brackets (`in_brackets`) one plain name may also stand beside the date the item is due:
    /// `(Raj, 2026-05-01)`, `(Raj Patel, due May 1)` name the owner.
    fn all_meta(&mut self, s: &str, line: usize, meta: &mut Meta, in_brackets: bool) -> bool {
        let parts = meta_parts(s);
        if parts.is_empty() {
            return false;
        }
        let mut found = Meta::default();
        let mut name = None;
        for part in &parts {
            // `· [INC-2041-1](https://.../browse/PAY-881)`: the link to the item's issue.
            let issue_link = meta.issue_label.as_deref() == Some(*part);
            if issue_link || self.meta_part(part, line, &mut found) {
                continue;
            }
            // (A name needs a part beside it: "(Alice)" alone is text.)
            if in_brackets && name.is_none() && parts.len() > 1 && is_name(part) {
                name = Some(*part);
                continue;
            }
            return false;
        }
        if let Some(name) = name {
            if found.due.is_none() {
                return false;
            }
            found.owner.get_or_insert_with(|| name.to_string());
        }
        // `(done, 20 March)`: beside a done status, a date alone says when it was done.
        let bare = parts.iter().filter(|p| is_bare_date(p)).count();
        if found.done && bare > 0 && bare + 1 >= parts.len() && name.is_none() {
            found.due = None;
        }
        merge_meta(meta, found);
        true
    }

    fn meta_part(&mut self, part: &str, line: usize, meta: &mut Meta) -> bool {
        // `Owner - Cy`: a dash in place of the colon after a field's key.
        let dashed = part
            .split_once(" - ")
            .filter(|(key, _)| field_of(key).is_some_and(|f| f != Field::Text));
        if let Some((key, value)) = dashed {
            self.meta_words(&format!("{}: {value}", key.trim()), line, meta);
            return true;
        }
        if let Some((field, value)) = field_line_text(part) {
            // A type is a tag only when it names a kind of action: "Validate the input type:
            // string or number" says something else.
            if field == Field::Text || (field == Field::Kind && type_kind(value).is_none()) {
                return false;
            }
            // `due: 2026-03-01 #7`: each field's value ends where the next begins.
            self.meta_words(part, line, meta);
            return true;
        }
        // `@ana`, `@ana and @bo`, `assigned to @ana` (an owner key without its colon): the
        // first named owns the item.
        let owner_value = after_owner_key(part);
        let mut logins = owner_value
            .unwrap_or(part)
            .split(" and ")
            .flat_map(|p| p.split(" & "))
            .map(|p| p.trim().strip_prefix('@').filter(|l| is_login(l)));
        if let Some(Some(first)) = logins.next() {
            if logins.all(|l| l.is_some()) {
                meta.owner.get_or_insert_with(|| first.to_string());
                return true;
            }
        }
        // `owner J. Alvarez`, `owned by Ana Lima`: after the key, a name written plainly.
        if let Some(name) = owner_value.filter(|v| is_name(v)) {
            meta.owner.get_or_insert_with(|| name.to_string());
            return true;
        }
        if is_priority_token(part) {
            meta.priority = Some(part.to_string());
            return true;
        }
        // `due 2026-03-01`, `by 31 October`: the whole part a cue and its date.
        if let Some((date, _)) = cued_date(part).filter(|(_, len)| *len == part.len()) {
            if let Some(d) = time::parse_date(date, self.ctx.date) {
                meta.due = Some(d);
                return true;
            }
        }
        // `due 2/6/2026` (a day and month that read two ways): a due date in figures where
        // one belongs but not readable: the part is the item's field, and the warning says
        // why no due date was taken (the other tags beside it still hold).
        if let Some(value) = ["due: ", "due by ", "due on ", "due "]
            .iter()
            .find_map(|cue| {
                inline::starts_with_ascii_ci(part, cue).then(|| part[cue.len()..].trim())
            })
            .filter(|v| {
                !v.contains(' ')
                    && v.bytes().any(|b| b.is_ascii_digit())
                    && cued_date(part).is_none()
            })
        {
            self.due(value, line, meta);
            return true;
        }
        // `Add tests — @dana — 2025-03-25`: a part that is a calendar date and nothing else
        // is the day the item is due.
        // (A day without its year is a tag even where no year can be told for it.)
        if is_bare_date(part) {
            meta.due = time::parse_date(part, self.ctx.date).or(meta.due);
            return true;
        }
        let lower = part.to_lowercase();
        // `High priority`, or `High` alone among the tags.
        let p = lower.strip_suffix(" priority").unwrap_or(&lower);
        if is_priority_word(p) {
            meta.priority = Some(p.to_string());
            return true;
        }
        // `— Open`, `· Done`: the item's status.
        if let Some(status) = status_word(part) {
            meta.done |= status == Status::Done;
            meta.not_planned |= status == Status::Dropped;
            return true;
        }
        // `Assigned to Ana Lima`: the same key before a plain name.
        if let Some(name) = owner_value.filter(|v| is_name(v)) {
            meta.owner.get_or_insert_with(|| name.to_string());
            return true;
        }
        // (Among tags, a bare Jira key is the item's issue: `(Owner: Maya Kaur, PLAT-412)`.)
        if let Some(r) = issue_ref(part).or_else(|| jira_key(part)) {
            meta.issue.get_or_insert(r);
            return true;
        }
        false
    }
}

/// A person's name written after an `@` at the start of an item, and the text after it:
/// up to a colon (`Jane Doe: Add a test`), or two capitalised words when a capitalised word
/// follows them (`Jane Doe Verify the signatures`). One word is a login's, read elsewhere.
fn named_mention(t: &str) -> Option<(&str, &str)> {
    if let Some((name, rest)) = t.split_once(':') {
        let words = inline::words_up_to(name, 4);
        if (2..=3).contains(&words) && is_name(name) {
            return Some((name, rest.trim_start()));
        }
    }
    let mut words = t.split(' ');
    let (first, second, third) = (words.next()?, words.next()?, words.next()?);
    let capital = |w: &str| w.starts_with(|c: char| c.is_uppercase());
    let name = &t[..first.len() + 1 + second.len()];
    (capital(first) && capital(second) && capital(third) && is_name(name))
        .then(|| (name, t[name.len()..].trim_start()))
}

/// Whether `part` is a calendar date and nothing else (no time of day).
fn is_bare_date(part: &str) -> bool {
    part.bytes().any(|b| b.is_ascii_digit())
        && time::leading_found(part)
            .is_some_and(|f| f.start == 0 && f.end == part.len() && f.stamp.time.is_none())
}

/// Whether `head` ends by copying someone in (`..., cc`, `FYI:`): the login after it owns
/// nothing, and the words stay the item's.
fn copies(head: &str) -> bool {
    head.trim_end()
        .trim_end_matches(':')
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("cc") || w.eq_ignore_ascii_case("fyi"))
}

/// Whether `word` is a status in capitals that says done (`DONE`, `FIXED.`), as a writer
/// marks a finished item at its end; in lower case the word may be the sentence's own ("make
/// sure the migration is done").
fn done_in_capitals(word: &str) -> bool {
    let w = word.trim_end_matches(['.', '!']);
    w.len() >= 4
        && w.bytes().all(|b| b.is_ascii_uppercase())
        && DONE_WORDS.contains(&w.to_ascii_lowercase().as_str())
}

/// `1. Add jitter` / `2) Page on lag`: the text after a number of one or two digits that
/// opens it, when a word follows; also a report's section number, `4.1 The purge worker
/// will ...` (before a capital: "1.5 hours" is no number of a section).
fn leading_ordinal(t: &str) -> Option<&str> {
    fn number(s: &str) -> Option<&str> {
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        (1..=2).contains(&digits).then(|| &s[digits..])
    }
    let after = number(t)?;
    if let Some(rest) = after
        .strip_prefix('.')
        .and_then(number)
        .map(|r| r.strip_prefix('.').unwrap_or(r))
        .and_then(|r| r.strip_prefix(' '))
    {
        return rest.starts_with(char::is_uppercase).then_some(rest);
    }
    let rest = after.strip_prefix(['.', ')'])?.strip_prefix(' ')?;
    rest.starts_with(char::is_alphabetic).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ItemKind;
    use crate::parse::items::tests::{
        date, one_item, text_owner_due, texts_done_dropped, texts_owners,
    };

    #[test]
    fn chips_of_a_person_or_a_date_at_the_end_are_the_owner_and_the_due_date() {
        use crate::parse::items::tests::parse;
        let pm = parse(
            "Date: 2026-03-01\n\n## Action items\n\n- [ ] Add a dry-run @Carla Mendes\n\
             - [ ] Add a dry-run @Carla Mendes @March 4, 2026\n- [ ] Add a dry-run @March 4, 2026\n\
             - [ ] Add retries for @Payments Team\n",
        );
        let got: Vec<_> = pm
            .actions
            .iter()
            .map(|a| {
                (
                    a.text.as_str(),
                    a.owner.as_deref(),
                    a.due.map(|d| d.to_string()),
                )
            })
            .collect();
        let march_4 = Some("2026-03-04".to_string());
        assert_eq!(
            got,
            [
                ("Add a dry-run", Some("Carla Mendes"), None),
                ("Add a dry-run", Some("Carla Mendes"), march_4.clone()),
                ("Add a dry-run", None, march_4),
                // The sentence goes on into the chip: it stays in the text.
                (
                    "Add retries for @Payments Team",
                    Some("Payments Team"),
                    None
                ),
            ]
        );
    }

    #[test]
    fn an_unreadable_due_date_leaves_the_tags_beside_it_read_and_says_why() {
        use crate::parse::items::tests::one_item;
        let (a, diagnostics) = one_item("- Write a runbook; owner: kpatel; due 2/6/2026");
        assert_eq!(
            (a.text.as_str(), a.owner.as_deref(), a.due),
            ("Write a runbook", Some("kpatel"), None)
        );
        let said: Vec<_> = diagnostics
            .iter()
            .filter(|d| d.code == "unparseable-date")
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            said,
            ["the due date \"2/6/2026\" reads two ways (day/month or month/day); write it as YYYY-MM-DD"]
        );
    }

    #[test]
    fn a_status_in_brackets_or_a_check_mark_is_the_item_s_status() {
        use crate::parse::items::tests::parse;
        let pm = parse(
            "## Action items\n\n- [DONE] Replace switch B7\n- [WIP] Replace switch B8\n\
             - Replace switch B9 [done]\n- Replace switch B11 [wontfix]\n\
             - Replace switch B13 ✅\n- Lower the TTL — ✅ Done\n- [ana] Replace switch B12\n",
        );
        let got: Vec<_> = pm
            .actions
            .iter()
            .map(|a| (a.text.as_str(), a.owner.as_deref(), a.done, a.not_planned))
            .collect();
        assert_eq!(
            got,
            [
                ("Replace switch B7", None, true, false),
                ("Replace switch B8", None, false, false),
                ("Replace switch B9", None, true, false),
                ("Replace switch B11", None, false, true),
                ("Replace switch B13", None, true, false),
                ("Lower the TTL", None, true, false),
                // A name in brackets is still the owner.
                ("Replace switch B12", Some("ana"), false, false),
            ]
        );
    }

    #[test]
    fn a_note_that_introduces_the_item_s_issue_goes_with_it() {
        use crate::parse::items::tests::parse;
        let pm = parse(
            "## Follow-up actions\n\n- Cap crawler rate — Done (PR #412)\n\
             - Add retry budget (tracked in #413)\n- Raise the limit, see #415\n\
             - Rewrite the indexer (blocked by #88)\n",
        );
        let got: Vec<_> = pm
            .actions
            .iter()
            .map(|a| {
                (
                    a.text.as_str(),
                    a.issue.as_ref().map(|i| i.to_string()),
                    a.done,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("Cap crawler rate", Some("#412".to_string()), true),
                ("Add retry budget", Some("#413".to_string()), false),
                ("Raise the limit", Some("#415".to_string()), false),
                // Another piece of work is not the item's issue: the note stays whole.
                ("Rewrite the indexer (blocked by #88)", None, false),
            ]
        );
    }

    #[test]
    fn owners_written_as_document_tools_write_them() {
        use crate::parse::items::tests::{date, one_item};
        for (body, text, owner, due) in [
            // A mention and a date at the end, as Notion and Confluence export them.
            (
                "- [ ] Rotate the keys @raj Jan 20, 2027",
                "Rotate the keys",
                "raj",
                date(2027, 1, 20),
            ),
            (
                "- [ ] Add alerting on queue depth @Ana Lima 2027-01-12",
                "Add alerting on queue depth",
                "Ana Lima",
                date(2027, 1, 12),
            ),
            // An owner field before the text, closed by a dash.
            (
                "- Owner: @mei — write the runbook",
                "write the runbook",
                "mei",
                None,
            ),
            (
                "- Owners: @nia @oli - add request coalescing",
                "add request coalescing",
                "nia, oli",
                None,
            ),
            (
                "- Owner: Raj Patel – load test",
                "load test",
                "Raj Patel",
                None,
            ),
        ] {
            let (a, _) = one_item(body);
            assert_eq!(
                (a.text.as_str(), a.owner.as_deref(), a.due),
                (text, Some(owner), due),
                "{body}"
            );
        }
        // A date after a word that is no mention stays in the text.
        let (a, _) = one_item("- Freeze deploys until Jan 20, 2027");
        assert_eq!(a.text, "Freeze deploys until Jan 20, 2027");
    }

    #[test]
    fn a_link_to_the_item_s_issue_is_a_tag_whatever_its_text() {
        use crate::parse::items::tests::{date, one_item};
        let (a, _) = one_item(
            "- **Add a circuit breaker** — Assigned to Ana Lima · Due Jan 12, 2027 · \
             [INC-2041-1](https://acme.atlassian.net/browse/PAY-881)",
        );
        assert_eq!(a.text, "Add a circuit breaker");
        assert_eq!(a.owner.as_deref(), Some("Ana Lima"));
        assert_eq!(a.due, date(2027, 1, 12));
        // A link that is not to an issue stays in the text.
        let (a, _) = one_item("- Add a circuit breaker · [design](https://acme.test/doc/7)");
        assert_eq!(a.text, "Add a circuit breaker · design");
    }

    #[test]
    fn a_name_beside_a_due_date_in_brackets_owns_the_item() {
        use crate::parse::items::tests::{date, one_item};
        for (body, owner) in [
            ("- Add alerts (Raj, 2026-05-01)", Some("Raj")),
            (
                "- Add alerts (Raj Patel, due May 1 2026)",
                Some("Raj Patel"),
            ),
            ("- Add alerts (SRE, 2026-05-01)", Some("SRE")),
            // A status or a relative deadline is no name.
            ("- Add alerts (In Progress, 2026-05-01)", None),
            ("- Add alerts (Next Sprint, 2026-05-01)", None),
        ] {
            let (a, _) = one_item(body);
            assert_eq!(a.owner.as_deref(), owner, "{body}");
            if owner.is_some() {
                assert_eq!((a.text.as_str(), a.due), ("Add alerts", date(2026, 5, 1)));
            }
        }
        // A group that is no metadata is read once: its unreadable date is one warning.
        let (_, diags) = one_item("- Add alerts (due: someday, Raj)");
        let unreadable = diags.iter().filter(|d| d.code == "unparseable-date");
        assert_eq!(unreadable.count(), 1);
        // A name alone is left to the text, as is a group with words that are no name.
        for body in [
            "- Fix the retry (Alice)",
            "- Move the DNS (Route53, 2026-05-01)",
        ] {
            let (a, _) = one_item(body);
            assert_eq!((a.text.as_str(), a.owner), (&body[2..], None));
        }
    }

    #[test]
    fn tags_after_middle_dots_and_an_assigned_key() {
        use crate::parse::items::tests::{date, one_item};
        for body in [
            "- Cap retries \u{b7} Owner: Bo \u{b7} Due: 2026-01-20",
            "- Cap retries \u{2022} Owner: Bo \u{2022} Due: 2026-01-20",
            "- Cap retries (assigned: @Bo, due: 2026-01-20)",
            "- Cap retries, assigned: @Bo, due: 2026-01-20",
        ] {
            let (a, _) = one_item(body);
            assert_eq!(
                (a.text.as_str(), a.owner.as_deref(), a.due),
                ("Cap retries", Some("Bo"), date(2026, 1, 20)),
                "{body}"
            );
        }
    }

    #[test]
    fn tags_as_incident_tools_write_them() {
        use crate::model::IssueRef;
        use crate::parse::items::tests::{date, one_item};
        let (a, _) = one_item(
            "- **[FH-123] Add queue alerts** \u{2014} Assigned to Ana Lima \u{2014} \
             Due Mar 15, 2025 \u{2014} Open",
        );
        assert_eq!(a.text, "FH-123 Add queue alerts");
        assert_eq!(a.owner.as_deref(), Some("Ana Lima"));
        assert_eq!(a.due, date(2025, 3, 15));
        assert_eq!(a.issue, Some(IssueRef::External("FH-123".into())));
        assert!(!a.done);
        let (a, _) = one_item("- Add 5xx alerts \u{b7} @ana \u{b7} High \u{b7} Done");
        assert_eq!(
            (a.text.as_str(), a.priority.as_deref(), a.done),
            ("Add 5xx alerts", Some("high"), true)
        );
        // A status said in brackets after the sentence: "(Finished.)", "(Done!)".
        let (a, _) = one_item("- Deactivate the release job. (Finished.)");
        assert!(a.done);
    }

    #[test]
    fn a_date_that_closes_a_bracket_of_words_stays_in_it() {
        use crate::parse::items::tests::one_item;
        // Cut at the date, the text was left with an open bracket: "Add alerts (see Raj".
        let (a, _) = one_item("- Add alerts (see Raj, by 2026-05-01)");
        assert_eq!(a.text, "Add alerts (see Raj, by 2026-05-01)");
    }

    #[test]
    fn the_last_segment_after_a_separator() {
        for (t, want) in [
            ("Tune GC, P1", Some(("Tune GC", "P1"))),
            ("Tune GC - @alice", Some(("Tune GC", "@alice"))),
            ("Tune GC \u{2014} @bob", Some(("Tune GC", "@bob"))),
            ("Tune GC \u{2013} x", Some(("Tune GC", "x"))),
            (
                "Tune GC | due: 2026-03-01",
                Some(("Tune GC", "due: 2026-03-01")),
            ),
            ("Tune GC \u{b7} Owner: Bo", Some(("Tune GC", "Owner: Bo"))),
            ("Tune GC \u{2022} P1", Some(("Tune GC", "P1"))),
            // The last separator splits; one without its spaces does not.
            ("a, b - c | d", Some(("a, b - c", "d"))),
            ("x,y-z|w\u{b7}v", None),
            // A tail longer than a tag is prose.
            (
                "Tune GC - a tail longer than forty-eight bytes which is prose",
                None,
            ),
            ("", None),
        ] {
            assert_eq!(split_last_segment(t), want, "{t:?}");
        }
    }

    #[test]
    fn a_month_and_day_in_figures_after_by_is_the_due_date_when_only_one_reading_is_a_date() {
        // (The document is dated 2023-11-01: a day without a year is the next one after.)
        let (a, _) = one_item("- Add alerting on queue depth (owner: Marco, by 3/20)");
        assert_eq!(
            (a.text.as_str(), a.owner.as_deref(), a.due),
            (
                "Add alerting on queue depth",
                Some("Marco"),
                date(2024, 3, 20)
            )
        );
        let (a, _) = one_item("- Add alerting on queue depth (@marco, by 20/3)");
        assert_eq!(
            (a.owner.as_deref(), a.due),
            (Some("marco"), date(2024, 3, 20))
        );
        // `3/4` reads two ways, and in a sentence a figure after "by" is often no date.
        let (a, _) = one_item("- Shrink the pool (by 3/4)");
        assert_eq!((a.text.as_str(), a.due), ("Shrink the pool (by 3/4)", None));
        let (a, _) = one_item("- Cut the latency by 3/20 of a second");
        assert_eq!(
            (a.text.as_str(), a.due),
            ("Cut the latency by 3/20 of a second", None)
        );
    }

    #[test]
    fn a_weekday_before_a_due_date_is_read_with_it() {
        // (The document is dated 2023-11-01: a day without a year is the next one after.)
        for (item, due) in [
            ("- Rotate the keys (due Friday, March 6)", date(2024, 3, 6)),
            (
                "- Rotate the keys — Due: Fri, Mar 6, 2026",
                date(2026, 3, 6),
            ),
            (
                "- Rotate the keys (owner: @li, due: Friday, March 6, 2026)",
                date(2026, 3, 6),
            ),
        ] {
            let (a, diagnostics) = one_item(item);
            assert_eq!((a.text.as_str(), a.due), ("Rotate the keys", due), "{item}");
            assert!(diagnostics.is_empty(), "{item}: {diagnostics:?}");
        }
        // A weekday alone is still no date, and says so.
        let (a, diagnostics) = one_item("- Rotate the keys (due: Friday)");
        assert_eq!(a.due, None);
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    }

    #[test]
    fn an_owner_key_without_its_colon_names_a_person_written_plainly() {
        for (item, owner) in [
            (
                "- Write the runbook — owner J. Alvarez, due 2026-04-01",
                "J. Alvarez",
            ),
            ("- Write the runbook (owned by Ana Lima)", "Ana Lima"),
            (
                "- Write the runbook, assigned to Platform Team",
                "Platform Team",
            ),
        ] {
            let (a, _) = one_item(item);
            assert_eq!(
                (a.text.as_str(), a.owner.as_deref()),
                ("Write the runbook", Some(owner)),
                "{item}"
            );
        }
        // Words that are no name stay in the text.
        let (a, _) = one_item("- Ask the owner to rotate keys, owner of the vault");
        assert_eq!(a.owner, None);
    }

    #[test]
    fn a_status_in_capitals_opening_an_item_or_after_its_strike_is_its_status() {
        use crate::parse::items::tests::parse;
        let pm = parse(
            "## Remediation\n\n- IN PROGRESS: Alert when purge calls fail (Owner: sre)\n\
             - WON'T FIX: Build our own purge proxy\n- DONE: Issue a new token\n\
             - [ ] ~~Move workers to a separate cluster~~ Won't fix\n\
             - [ ] ~~Add a cache~~ — Done\n- Blocked: waiting on the vendor's fix\n",
        );
        assert_eq!(
            texts_done_dropped(&pm),
            [
                ("Alert when purge calls fail", false, false),
                ("Build our own purge proxy", false, true),
                ("Issue a new token", true, false),
                ("Move workers to a separate cluster", false, true),
                ("Add a cache", true, false),
                ("Blocked: waiting on the vendor's fix", false, false),
            ]
        );
    }

    #[test]
    fn a_login_opening_an_item_before_a_dash_owns_it() {
        let (a, _) = one_item("• @sam — add a lint rule for the poll interval");
        assert_eq!(
            (a.text.as_str(), a.owner.as_deref()),
            ("add a lint rule for the poll interval", Some("sam"))
        );
    }

    #[test]
    fn an_owner_field_may_be_an_email_address() {
        use crate::parse::items::tests::parse;
        let pm = parse(
            "## Corrective actions\n\nAction 1: Make the billing job idempotent.\n\
             Owner: payments@corp.com. Due: 2025-11-21.\n\n\
             Refund all duplicated charges.\nOwner: finance@corp.com\n",
        );
        assert_eq!(
            text_owner_due(&pm),
            [
                (
                    "Make the billing job idempotent.",
                    Some("payments@corp.com"),
                    date(2025, 11, 21)
                ),
                (
                    "Refund all duplicated charges.",
                    Some("finance@corp.com"),
                    None
                ),
            ]
        );
    }

    #[test]
    fn an_obsidian_task_s_calendar_emoji_gives_its_due_date() {
        let (a, _) = one_item("- [ ] Rotate the signing keys 📅 2025-01-12");
        assert_eq!(
            (a.text.as_str(), a.due),
            ("Rotate the signing keys", date(2025, 1, 12))
        );
    }

    #[test]
    fn a_full_name_after_a_dash_signs_the_item() {
        for (item, owner, due) in [
            (
                "- [ ] Disable automatic firmware updates — Lukas Hoffmann",
                "Lukas Hoffmann",
                None,
            ),
            (
                "- [ ] Subscribe to the release notes — N. Schulz — 2025-09-30",
                "N. Schulz",
                date(2025, 9, 30),
            ),
        ] {
            let (a, _) = one_item(item);
            assert_eq!(a.owner.as_deref(), Some(owner), "{item}");
            assert_eq!(a.due, due, "{item}");
            assert!(!a.text.contains(owner), "{item}: {:?}", a.text);
        }
        // One word may name a tool, a priority is no name, and a comma joins the sentence.
        for item in [
            "- Move the alerts — Grafana",
            "- Move the alerts — High Priority",
            "- Move the alerts, Grafana Cloud",
        ] {
            let (a, _) = one_item(item);
            assert_eq!(a.owner, None, "{item}");
        }
    }

    #[test]
    fn a_type_tag_that_names_a_kind_of_action_sets_the_item_s_kind() {
        let (a, _) = one_item("- Shard the orders table. **Type: Corrective**");
        assert_eq!(
            (a.text.as_str(), a.kind),
            ("Shard the orders table.", ItemKind::Corrective)
        );
        let (a, _) = one_item("- Add a canary stage (type: preventive, owner: @li)");
        assert_eq!(
            (a.text.as_str(), a.kind, a.owner.as_deref()),
            ("Add a canary stage", ItemKind::Preventive, Some("li"))
        );
        // A type that is no kind of action is part of the sentence.
        let (a, _) = one_item("- Validate the input type: string or number");
        assert_eq!(a.text, "Validate the input type: string or number");
    }

    #[test]
    fn a_due_key_without_its_colon_gives_the_date() {
        use crate::parse::items::tests::parse;
        let pm = parse(
            "## Action items\n\n- Split the DAG into per-source DAGs. Due date 2025-11-30\n\
             - Pin the cache key (owner @dana; target 2025-11-30)\n\
             - Add lag dashboards. ETA 2025-11-30\n\
             - Remove the deprecated topic (@sam \u{2014} 2025/03/28)\n\
             - Upgrade the client, target date 2025-12-01\n\
             - Retarget 2025-12-01 alerts to the new pager\n",
        );
        assert_eq!(
            text_owner_due(&pm),
            [
                (
                    "Split the DAG into per-source DAGs.",
                    None,
                    date(2025, 11, 30)
                ),
                ("Pin the cache key", Some("dana"), date(2025, 11, 30)),
                ("Add lag dashboards.", None, date(2025, 11, 30)),
                (
                    "Remove the deprecated topic",
                    Some("sam"),
                    date(2025, 3, 28)
                ),
                ("Upgrade the client", None, date(2025, 12, 1)),
                // (A word that ends in a cue is not one.)
                ("Retarget 2025-12-01 alerts to the new pager", None, None),
            ]
        );
    }

    #[test]
    fn statuses_as_boards_and_writers_mark_them() {
        use crate::parse::items::tests::parse;
        let pm = parse(
            "## Action items\n\n| Description | Assignee | Status |\n|---|---|---|\n\
             | Evaluate Redis Cluster | Ines | \u{274c} Won't fix |\n\
             | Shard the cache | Ines | \u{1f6ab} Cancelled |\n\n\
             ### Completed\n\n- Increase the buffer size (@nora)\n\n\
             ### Won't do\n\n- Replace Fluent Bit with Vector (@abe)\n\n\
             ## Remediation\n\n1. Reduce TTL on critical records to 300s. **DONE**\n\
             2. Make sure the migration is done\n\
             3. Restore VLAN config from backup (done, 20 March)\n",
        );
        assert_eq!(
            texts_done_dropped(&pm),
            [
                ("Evaluate Redis Cluster", false, true),
                ("Shard the cache", false, true),
                ("Increase the buffer size", true, false),
                ("Replace Fluent Bit with Vector", false, true),
                ("Reduce TTL on critical records to 300s.", true, false),
                ("Make sure the migration is done", false, false),
                ("Restore VLAN config from backup", true, false),
            ]
        );
        // The day it was done is not the day it is due.
        assert_eq!(pm.actions[6].due, None);
    }

    #[test]
    fn a_priority_in_brackets_may_come_before_the_owner_s_prefix() {
        use crate::parse::items::tests::parse;
        let pm = parse(
            "## Action items\n\n- [P2] [Infra] Increase runner disk size to 200 GB\n\
             - [P1][@vera] Fix the flaky migration test\n",
        );
        let got: Vec<_> = pm
            .actions
            .iter()
            .map(|a| (a.text.as_str(), a.owner.as_deref(), a.priority.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "Increase runner disk size to 200 GB",
                    Some("Infra"),
                    Some("P2")
                ),
                ("Fix the flaky migration test", Some("vera"), Some("P1")),
            ]
        );
    }

    #[test]
    fn a_heading_s_check_mark_decorates_and_an_unticked_box_stays_open() {
        use crate::parse::items::tests::parse;
        let pm = parse(
            "# \u{2705} Action items\n\n- [ ] Automate certificate renewal\n\
             - Add a synthetic check\n\n## Follow-ups\n\n### \u{2705} Completed\n\n\
             - Rotate the keys\n- [ ] Revoke the old keys\n",
        );
        assert_eq!(
            texts_done_dropped(&pm),
            [
                ("Automate certificate renewal", false, false),
                ("Add a synthetic check", false, false),
                ("Rotate the keys", true, false),
                ("Revoke the old keys", false, false),
            ]
        );
    }

    #[test]
    fn a_group_title_that_says_open_keeps_its_items_open_under_a_done_heading() {
        use crate::parse::items::tests::parse;
        let pm = parse(
            "## Remediation and prevention\n\nImmediate actions (done):\n\
             - Reduced the gateway timeout from 30s to 5s.\n\nPlanned:\n\
             - Add a circuit breaker per gateway.\n\nNext:\n- Load-test the gateway.\n",
        );
        assert_eq!(
            texts_done_dropped(&pm),
            [
                ("Reduced the gateway timeout from 30s to 5s.", true, false),
                ("Add a circuit breaker per gateway.", false, false),
                ("Load-test the gateway.", false, false),
            ]
        );
    }

    #[test]
    fn dates_with_an_ordinal_the_day_first_or_a_month_s_abbreviation_are_read_whole_in_tags() {
        use crate::parse::items::tests::parse;
        let pm = parse(
            "## Action items\n\n- Add Safari to the test matrix (Owner: Jo, Due: May 1st, 2024)\n\
             - Add alerting on disk usage (deadline: 15 May, 2024)\n\
             - Add a canary - Responsible: Jo - Due: 2024-05-01\n\
             - Add GC tuning (due Sept. 5, 2024)\n- Add pool sizing (Owner: J. Alvarez. Due: Mar. 15, 2024)\n\n\
             | Task | Person responsible | Deadline |\n|---|---|---|\n| Add alerts | Jo | 2024-05-01 |\n",
        );
        assert_eq!(
            text_owner_due(&pm),
            [
                (
                    "Add Safari to the test matrix",
                    Some("Jo"),
                    date(2024, 5, 1)
                ),
                ("Add alerting on disk usage", None, date(2024, 5, 15)),
                ("Add a canary", Some("Jo"), date(2024, 5, 1)),
                // A month's abbreviation keeps its full stop in a tag.
                ("Add GC tuning", None, date(2024, 9, 5)),
                ("Add pool sizing", Some("J. Alvarez"), date(2024, 3, 15)),
                ("Add alerts", Some("Jo"), date(2024, 5, 1)),
            ]
        );
    }

    #[test]
    fn an_owner_field_followed_by_a_sentence_or_a_tracking_note_is_read() {
        use crate::parse::items::tests::parse;
        let pm = parse(
            "## Action items\n\n- [ ] Add a pack smoke test to CI. Owner: @tanya. See #13.\n\
             - [ ] Move publishing to the workflow. Owner: @mkovacs. Tracked in #12.\n\n\
             ### Add a link checker to the preview\n\nRun lychee on the build.\n\n\
             Owner: @dsantos. Tracked in #890.\n",
        );
        assert_eq!(
            texts_owners(&pm),
            [
                ("Add a pack smoke test to CI.", Some("tanya")),
                ("Move publishing to the workflow.", Some("mkovacs")),
                ("Add a link checker to the preview", Some("dsantos"))
            ]
        );
    }

    #[test]
    fn owner_and_due_keys_in_the_writer_s_own_language_are_read() {
        use crate::parse::items::tests::parse;
        let pm = parse(
            "## Maßnahmen\n\n\
             1. Fix the order query \u{2013} Responsable: Diego \u{2013} Fecha límite: 15/03/2024\n\
             2. Move the bot to a cloud VM. Responsável: Marcos. Prazo: 2024-09-10\n\n\
             | Aufgabe | Verantwortlich | Bis |\n|---|---|---|\n| Renew the certificate | Jannik | 2024-05-24 |\n",
        );
        assert_eq!(
            text_owner_due(&pm),
            [
                ("Fix the order query", Some("Diego"), date(2024, 3, 15)),
                (
                    "Move the bot to a cloud VM.",
                    Some("Marcos"),
                    date(2024, 9, 10)
                ),
                ("Renew the certificate", Some("Jannik"), date(2024, 5, 24)),
            ]
        );
    }

    #[test]
    fn an_owner_field_in_bold_before_the_item_names_its_owner() {
        let (a, _) = one_item("- **Owner: Jo** \u{2014} Add Safari to the test matrix");
        assert_eq!(
            (a.text.as_str(), a.owner.as_deref()),
            ("Add Safari to the test matrix", Some("Jo"))
        );
    }

    #[test]
    fn a_person_named_in_the_sentence_does_not_own_the_item() {
        for line in [
            "- Add an alert on partition events (cc @jane)",
            "- Ask @jane to review the failover plan",
            "- Tune the queue alert as discussed with @omar in the review",
        ] {
            let (a, _) = one_item(line);
            assert_eq!(a.owner, None, "{line}");
        }
        // A login as a tag does.
        let (a, _) = one_item("- Add an alert on partition events @jane");
        assert_eq!(a.owner.as_deref(), Some("jane"));
    }

    #[test]
    fn owner_tails_in_odd_forms() {
        for (line, want) in [
            (
                "- Reduce the cache TTL → owner: carol / due: 4/22/2024",
                ("Reduce the cache TTL", Some("carol")),
            ),
            // Someone copied in owns nothing.
            (
                "- Add dashboards for the API, cc @bob",
                ("Add dashboards for the API, cc @bob", None),
            ),
            // A note in brackets after the name qualifies it.
            (
                "- Add a retry budget — Owner: @alice (backup: @bob)",
                ("Add a retry budget", Some("alice")),
            ),
            (
                "- Add a retry budget. Owner: Maria Costa (DBRE lead)",
                ("Add a retry budget.", Some("Maria Costa")),
            ),
        ] {
            let (a, _) = one_item(line);
            assert_eq!((a.text.as_str(), a.owner.as_deref()), want, "{line}");
        }
    }

    #[test]
    fn a_leading_mention_of_a_person_by_name_is_the_owner() {
        for (line, text, owner) in [
            (
                "- [ ] @Jane Doe Verify webhook signatures against the raw body",
                "Verify webhook signatures against the raw body",
                "Jane Doe",
            ),
            (
                "- [ ] @Marcus Webb: Add a contract test",
                "Add a contract test",
                "Marcus Webb",
            ),
            (
                "- [ ] @jane Add a contract test",
                "Add a contract test",
                "jane",
            ),
            // A Jira user's mention in brackets.
            (
                "- [~jdoe] Verify the signatures",
                "Verify the signatures",
                "jdoe",
            ),
        ] {
            let (a, _) = one_item(line);
            assert_eq!(
                (a.text.as_str(), a.owner.as_deref()),
                (text, Some(owner)),
                "{line}"
            );
        }
    }

    #[test]
    fn a_bare_jira_key_among_the_tags_is_the_item_s_issue() {
        use crate::parse::items::tests::parse;
        let pm = parse(
            "## Follow-ups\n\n- Throttle reindex jobs (Owner: Maya Kaur, PLAT-412)\n\
             - Add heap alert \u{2014} Owner: Jon Ellis \u{b7} PLAT-413\n",
        );
        let got: Vec<_> = pm
            .actions
            .iter()
            .map(|a| {
                (
                    a.text.as_str(),
                    a.owner.as_deref(),
                    a.issue.as_ref().map(|i| i.to_string()),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "Throttle reindex jobs",
                    Some("Maya Kaur"),
                    Some("PLAT-412".to_string())
                ),
                (
                    "Add heap alert",
                    Some("Jon Ellis"),
                    Some("PLAT-413".to_string())
                ),
            ]
        );
    }

    #[test]
    fn a_type_or_a_priority_word_in_brackets_opens_the_item_and_owns_nothing() {
        use crate::parse::items::tests::parse;
        let pm = parse(
            "## Action items\n\n- [prevent] Block deploys that raise latency\n\
             - [mitigate] Page on budget burn\n- [High] Add a load test\n\
             - **[Preventive]** Cache flag rules per process\n",
        );
        let got: Vec<_> = pm
            .actions
            .iter()
            .map(|a| {
                (
                    a.text.as_str(),
                    a.owner.as_deref(),
                    a.kind,
                    a.priority.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "Block deploys that raise latency",
                    None,
                    ItemKind::Preventive,
                    None
                ),
                ("Page on budget burn", None, ItemKind::Corrective, None),
                ("Add a load test", None, ItemKind::Task, Some("High")),
                (
                    "Cache flag rules per process",
                    None,
                    ItemKind::Preventive,
                    None
                ),
            ]
        );
    }
}
