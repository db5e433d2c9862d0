//! An item's fields: `Key: value` lines and cells (owner, due date, priority, issue, status,
//! kind), owners written before or after the text, and due dates promised in the sentence.

use super::issues::{issue_in_cell, issue_prefix, issue_ref, split_trailing_issue};
use super::tables::type_kind;
use super::{Meta, Reader};
use crate::model::{ActionItem, Diagnostic, Severity};
use crate::parse::blocks::Node;
use crate::parse::{inline, time};
use chrono::NaiveDate;

/// What a `Key: value` line or cell says about an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Text,
    Kind,
    Owner,
    Due,
    Priority,
    Issue,
    Status,
}

pub(super) fn field_of(key: &str) -> Option<Field> {
    let k = key.trim().trim_matches('*').trim();
    if !k.is_ascii() {
        // `K` (Kelvin) lower-cases to `k`: non-ASCII keys take the full lower-casing.
        return field_of_lower(&k.to_lowercase());
    }
    // ASCII keys are lower-cased on the stack; none longer than the longest name matches.
    let mut buf = [0u8; 24];
    let lower = buf.get_mut(..k.len())?;
    lower.copy_from_slice(k.as_bytes());
    lower.make_ascii_lowercase();
    field_of_lower(std::str::from_utf8(lower).expect("ASCII"))
}

/// The field a lower-case column or line key names.
fn field_of_lower(k: &str) -> Option<Field> {
    Some(match k {
        "task"
        | "action"
        | "action item"
        | "action items"
        | "item"
        | "todo"
        | "to do"
        | "description"
        | "what"
        | "corrective action"
        | "preventive action"
        | "preventative action"
        | "follow-up"
        | "followup"
        | "remediation" => Field::Text,
        "type" | "kind" | "category" => Field::Kind,
        "owner" | "owners" | "assignee" | "assignees" | "assigned" | "assigned to" | "owned by"
        | "responsible" | "who" | "dri" => Field::Owner,
        "due" | "due date" | "deadline" | "target" | "target date" | "eta" | "when" | "by"
        | "date" | "due by" | "expected date" | "expected" | "target completion"
        | "completion date" | "due on" | "by when" => Field::Due,
        // The keys of writers who keep their own language's (German, Spanish, French,
        // Portuguese) beside English items: `– Responsable: Diego – Fecha límite: 15/03/2024`.
        "verantwortlich" | "zuständig" | "responsable" | "responsável" | "responsavel"
        | "encargado" => Field::Owner,
        "bis" | "frist" | "fällig" | "termin" | "fecha límite" | "fecha limite" | "fecha"
        | "échéance" | "date limite" | "prazo" | "data limite" => Field::Due,
        "priority" | "pri" | "prio" => Field::Priority,
        "issue" | "issues" | "bug" | "bugs" | "ticket" | "tickets" | "link" | "tracking"
        | "jira" | "reference" | "ref" | "tracker" | "tracking issue" => Field::Issue,
        "status" | "state" | "done" | "progress" => Field::Status,
        _ => return None,
    })
}

/// The field a table's column header names: a key of [`field_of`], else one read by its
/// words, since headers vary more than line keys do. A note or plural mark goes (`Owner(s)`,
/// `Due date (UTC)`, `Closed?`, `Ticket #`); then the word that says what the value is
/// decides: the last (`Action owner`, `Target completion date`, `Jira ticket`), else the
/// first (`Responsible party`, `Assigned team`).
pub(super) fn column_of(header: &str) -> Option<Field> {
    let k = header.trim().trim_matches('*').to_lowercase();
    let k = k
        .split('(')
        .next()?
        .trim_end_matches(['?', '#', ' ', ':', '*']);
    if let Some(f) = field_of_lower(k) {
        return Some(f);
    }
    let words: Vec<&str> = k
        .split([' ', '-', '_', '/'])
        .filter(|w| !w.is_empty())
        .collect();
    if words.len() > 4 {
        return None;
    }
    let by_last = match *words.last()? {
        // (A column of teams or leads names who owns each row, as an owner column does.)
        "owner" | "owners" | "assignee" | "assignees" | "dri" | "poc" | "contact" | "lead"
        | "team" | "accountable" | "person" | "responsible" | "driver" => Field::Owner,
        "date" | "deadline" | "eta" => Field::Due,
        // (`Key`, `Issue key`: the column a Jira export opens with.)
        "ticket" | "tickets" | "issue" | "issues" | "bug" | "jira" | "key" => Field::Issue,
        // (`Resolution`: a Jira export's column of Done, Won't Do, Duplicate.)
        "status" | "state" | "closed" | "completed" | "complete" | "resolved" | "resolution" => {
            Field::Status
        }
        "priority" => Field::Priority,
        // A findings table's answer to each finding (`| Finding | Recommendation |`, `| Risk |
        // Mitigation |`) is the action.
        "recommendation" | "recommendations" | "mitigation" | "countermeasure"
        | "countermeasures" | "fix" => Field::Text,
        // An incident tool's export heads each follow-up's text `Title` or `Summary`.
        "title" | "summary" => Field::Text,
        _ => match words[0] {
            "responsible" | "assigned" | "owning" => Field::Owner,
            "proposed" => Field::Text,
            "due" => Field::Due,
            _ => return None,
        },
    };
    Some(by_last)
}

/// Whether a column header names owners outright (`Owner`, `Assignee`, `DRI`), not by the
/// team or lead that answers for a row.
pub(super) fn names_owner_outright(header: &str) -> bool {
    column_of(header) == Some(Field::Owner)
        && !header
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| matches!(w, "team" | "lead" | "accountable"))
}

/// `Key: value` on a node's line, when the key is a known field.
pub(super) fn field_line<'n>(n: &'n Node) -> Option<(Field, &'n str)> {
    field_line_text(n.plain_str())
}

/// A `key: value` line's field and value (borrowed: most are read, not kept).
pub(super) fn field_line_text(text: &str) -> Option<(Field, &str)> {
    let (key, value) = text.split_once(':')?;
    if inline::words_up_to(key, 4) > 3 {
        return None;
    }
    let field = field_of(key)?;
    let value = value.trim();
    (!value.is_empty()).then_some((field, value))
}

/// A priority that opens an item: `[P1]`, `(P2)`, `P1:`, and a priority word in brackets,
/// `[High]`; the priority and the text after it.
pub(super) fn leading_priority(t: &str) -> Option<(&str, &str)> {
    for (open, close) in [("[", "]"), ("(", ")")] {
        if let Some(rest) = t.strip_prefix(open) {
            if let Some((p, after)) = rest.split_once(close) {
                if is_priority_token(p) || is_priority_word(p) {
                    return Some((p, after.trim_start_matches([':', ' ', '-'])));
                }
            }
        }
    }
    let (word, after) = t.split_once([' ', ':'])?;
    is_priority_token(word).then(|| (word, after.trim_start_matches([':', ' ', '-'])))
}

pub(super) fn is_priority_token(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 2 && (b[0] == b'P' || b[0] == b'p') && (b'0'..=b'4').contains(&b[1])
}

/// Whether `w` is a priority written as a word (`High`, `critical`), not as `P1`.
pub(super) fn is_priority_word(w: &str) -> bool {
    ["high", "medium", "low", "critical", "urgent"]
        .iter()
        .any(|p| w.eq_ignore_ascii_case(p))
}

/// A login as written in text, where a sentence's punctuation may follow it.
pub(super) fn is_login(s: &str) -> bool {
    let s = s.trim_end_matches(['.', ',', ')', ':']);
    s.len() <= 80 && !s.starts_with('@') && crate::model::is_login(s)
}

/// An e-mail address standing for an owner (`payments@corp.com`): a local part, one `@`, and
/// a domain with a dot.
pub(super) fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"._%+-".contains(&c));
    let labels: Vec<&str> = domain.split('.').collect();
    local_ok
        && labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'))
}

/// A person's or a team's name written plainly (`Raj`, `Raj Patel`, `SRE`): one to three
/// words, each opening with a capital and made of letters (and `.`, `'`, `-`), that is no
/// status (`Done`, `In Progress`) or relative deadline (`Next Sprint`).
pub(super) fn is_name(part: &str) -> bool {
    (1..=3).contains(&part.split_whitespace().count())
        && part.split_whitespace().all(|w| {
            w.starts_with(char::is_uppercase)
                && w.chars()
                    .all(|c| c.is_alphabetic() || matches!(c, '.' | '\'' | '-'))
        })
        && status_word(part).is_none()
        && !is_relative(part)
}

/// The statuses written beside an item that is not done (`— Open`, `· In progress`), as a
/// tracker or a table column shows them.
/// Check marks that say an item is done, where a status stands (`Add alerts ✅`, `— ✅ Done`).
pub(super) const CHECK_MARKS: [&str; 6] = ["✅", "✔️", "✔", "☑️", "☑", "✓"];

const OPEN_STATUSES: [&str; 18] = [
    "open",
    "next",
    "upcoming",
    "later",
    "remaining",
    "still to do",
    "new",
    "pending",
    "blocked",
    "planned",
    "deferred",
    "started",
    "in progress",
    "not started",
    "todo",
    "to do",
    "wip",
    "backlog",
];

/// What a status written beside an item says of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Open,
    Done,
    /// The action will not be done ([`says_dropped`]).
    Dropped,
}

/// Whether `part` is only a status, and which: done (`Done`, `Closed`), dropped (`Won't do`,
/// `Cancelled`) or open ([`OPEN_STATUSES`], `Not done`).
pub(super) fn status_word(part: &str) -> Option<Status> {
    // `✅`, `✅ Done`: a check mark says done.
    let part = part.trim();
    if let Some(rest) = CHECK_MARKS.iter().find_map(|m| part.strip_prefix(m)) {
        let rest = rest.trim();
        return if rest.is_empty() {
            Some(Status::Done)
        } else {
            status_word(rest)
        };
    }
    let lower = part.to_lowercase();
    if OPEN_STATUSES.contains(&lower.as_str()) {
        return Some(Status::Open);
    }
    let words = inline::words_up_to(&lower, 4);
    if is_dropped_status(&lower) {
        return Some(Status::Dropped);
    }
    match (words, done_word_in(&lower)) {
        // "Not done", "Not yet closed": an open status in a few words.
        (..=3, Some(false)) => Some(Status::Open),
        (1, Some(true)) => Some(Status::Done),
        // "done 2024-02-22", "fixed in v1.2", "merged in #88": a done word first, then when
        // or where.
        (..=4, Some(true)) if done_then_when(&lower) => Some(Status::Done),
        _ => None,
    }
}

/// `[name] text`, `\[name] text` or `(team, other team) text`: an owner prefix, and the text
/// after it. A link (`[x](url)`), a category (`(Process/Structure)`), a priority or a
/// number in brackets is not an owner.
pub(super) fn owner_prefix(raw: &str) -> Option<(&str, &str)> {
    let t = raw.trim_start().trim_start_matches('\\');
    let close = match t.as_bytes().first()? {
        b'[' => ']',
        b'(' => ')',
        _ => return None,
    };
    let end = t.find(close)?;
    let inside = t[1..end].trim();
    let rest = t[end + 1..].trim_start();
    if rest.starts_with(['(', '[', ':']) || inline::words_up_to(rest, 2) < 2 {
        return None;
    }
    let names = !inside.is_empty()
        && inside.split(',').all(|part| {
            // (`[~jdoe]`: a Jira user's mention.)
            let part = part.trim().trim_start_matches(['@', '~']);
            !part.is_empty()
                && inline::words_up_to(part, 4) <= 3
                && part.chars().any(char::is_alphabetic)
                && part
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '?'))
        })
        && !is_priority_token(inside)
        && !is_priority_word(inside)
        // (`[prevent] Block deploys`: the item's type.)
        && super::tables::type_kind(inside).is_none()
        // (`[not done]` is a status, as `[done]` is.)
        && done_word_in(inside).is_none()
        && issue_prefix(t).is_none();
    // (`[@vera]`, `[~jdoe]`: the login without its `@` or `~`, as everywhere else.)
    let inside = inside
        .strip_prefix(['@', '~'])
        .filter(|l| is_login(l))
        .unwrap_or(inside);
    names.then_some((inside, rest))
}

/// `Owner: @mei — text`, `Owners: @nia @oli - text`: an owner field before the item's text,
/// closed by a dash. The owners (logins without their `@`, joined by `, `) and the text.
pub(super) fn owner_field_prefix(raw: &str) -> Option<(String, &str)> {
    // (`**Owner: Jo** — ...`: the field in bold.)
    let t = raw.trim_start().trim_start_matches(['*', '_']);
    // (An owner key is short: a colon further on closes none.)
    let colon = memchr::memchr(b':', &t.as_bytes()[..t.len().min(24)])?;
    let (key, rest) = (&t[..colon], &t[colon + 1..]);
    if field_of(key) != Some(Field::Owner) {
        return None;
    }
    let rest = rest.trim_start_matches(['*', '_', ' ']);
    let (value, text) = [" — ", " – ", " - "]
        .iter()
        .find_map(|dash| rest.split_once(dash))?;
    let value = value.trim_end_matches(['*', '_']);
    let parts: Vec<&str> = value
        .split([',', ' '])
        .map(|p| p.trim_matches(['*', '_']))
        .filter(|p| !p.is_empty() && *p != "and" && *p != "&")
        .collect();
    let logins = parts
        .iter()
        .all(|p| p.strip_prefix('@').is_some_and(is_login));
    let owners = if logins {
        parts.iter().map(|p| &p[1..]).collect::<Vec<_>>().join(", ")
    } else if is_name(value.trim()) {
        value.trim().to_string()
    } else {
        return None;
    };
    (!parts.is_empty() && inline::words_up_to(text, 2) >= 2).then_some((owners, text.trim_start()))
}

/// A field's value cut where the next field begins: a priority (`P2`), a cued date
/// (`by March 1`, `due 2026-03-01`), another `Key:` field, an issue reference. (value, rest)
pub(super) fn split_value(v: &str) -> (&str, &str) {
    let v = v.trim();
    // `Owner: @dsantos. Tracked in #890.`: a sentence's end closes the value (not the
    // full stop of an initial or an abbreviation: `J. Alvarez`, `Mar. 15`).
    let (v, after_sentence) = match memchr::memmem::find(v.as_bytes(), b". ")
        .filter(|&dot| !inline::is_abbreviation(v, dot))
    {
        Some(dot) => (&v[..dot], &v[dot + 2..]),
        None => (v, ""),
    };
    let starts = v
        .char_indices()
        .filter(|&(i, c)| i > 0 && c != ' ' && v[..i].ends_with(' '))
        .map(|(i, _)| i);
    for at in starts {
        let rest = &v[at..];
        let word = rest.split(' ').next().unwrap_or("");
        let next_field = is_priority_token(word)
            || cued_date(rest).is_some()
            || field_line_text(rest).is_some_and(|(f, _)| f != Field::Text && f != Field::Owner)
            || issue_ref(word).is_some()
            // `due: 2026-01-05 — Won't do`: a status after the value.
            || (v[..at].trim_end().ends_with(['—', '–', '-', '·', ','])
                && status_word(rest.trim_end_matches(['.', ' '])).is_some());
        if next_field {
            // A dash between two fields separates them (`Owner: Sam — Due: ...`).
            return (v[..at].trim_end_matches([' ', '-', '–', '—']), rest);
        }
    }
    (v, after_sentence)
}

/// Words that put the date an item is due right after them, in its tags and in its sentences
/// (a longer cue before the shorter one it opens with).
const DUE_CUES: [&str; 9] = [
    "due by ",
    "due on ",
    "due: ",
    "due date ",
    "due ",
    "deadline ",
    "eta ",
    "target date ",
    "target ",
];

/// A date after a cue at the start of `s` (`by March 1`, `due 2026-03-01`, `due by ...`):
/// the date as written, and how many bytes of `s` the cue and date take.
pub(super) fn cued_date(s: &str) -> Option<(&str, usize)> {
    for cue in DUE_CUES.iter().chain(&["by "]) {
        if s.len() > cue.len() && inline::starts_with_ascii_ci(s, cue) {
            // (A weekday before the date says no more: `due Friday, March 6`.)
            let rest = time::without_weekday(&s[cue.len()..]);
            let at = s.len() - rest.len();
            // A month and day in figures (`due 3/30`, `by 3/20`) when they are all the rest
            // (in a sentence `by 3/4` is as often a fraction), as `trailing_due`.
            if time::numeric_month_day(rest).is_some() {
                return Some((rest, s.len()));
            }
            let f = time::leading_found(rest)?;
            if f.start != 0 || (f.stamp.date.is_none() && f.month_day.is_none()) {
                return None;
            }
            return Some((&rest[..f.end], at + f.end));
        }
    }
    None
}

/// Whether a field's value says there is none (`-`, `n/a`, `TBD`, `unassigned`).
pub(super) fn is_empty_value(v: &str) -> bool {
    let v = v.trim().to_lowercase();
    v.is_empty()
        || matches!(
            v.as_str(),
            "-" | "n/a"
                | "na"
                | "none"
                | "tbd"
                | "tba"
                | "?"
                | "..."
                | "—"
                | "unassigned"
                | "nobody"
        )
}

/// `v` without the periods that end a sentence; the period of an initial stays (`Tom B.`).
pub(super) fn without_period(v: &str) -> &str {
    let trimmed = v.trim_end_matches('.');
    let b = trimmed.as_bytes();
    let initial = b.len() >= 2 && b[b.len() - 1].is_ascii_uppercase() && b[b.len() - 2] == b' ';
    if initial && v.len() == trimmed.len() + 1 {
        v
    } else {
        trimmed
    }
}

/// An owner's name without the `@` of a login, the period of a sentence or a key that says
/// it is one (`POC: Raj` in an Owner cell).
fn clean_owner(v: &str) -> String {
    let v = match v.split_once(':') {
        Some((key, name)) if column_of(key) == Some(Field::Owner) => name,
        _ => v,
    };
    // A note in brackets after the name qualifies it (`@alice (backup: @bob)`, `Maria Costa
    // (DBRE lead)`); a separator before the next field (`carol / due: ...`) is none of it.
    let v = v.trim().trim_end_matches(['/', '|', '→', ';', ' ']);
    let v = match v.strip_suffix(')').and_then(|t| t.rfind('(')) {
        Some(open) if !v[..open].trim().is_empty() => &v[..open],
        _ => v,
    };
    // Several owners (`@lena, @omar`) stay listed, each without the `@`.
    // (`Owner: @ben, due 2026-05-15` leaves `@ben,`: an empty name is no owner.)
    let names: Vec<&str> = without_period(v.trim())
        .split(',')
        .map(|name| name.trim().trim_start_matches('@').trim())
        .filter(|name| !name.is_empty())
        .collect();
    names.join(", ")
}

/// Relative deadlines ("2 weeks", "Q3", "next sprint") are not dates and not errors.
fn is_relative(v: &str) -> bool {
    let v = v.to_lowercase();
    [
        "week", "day", "month", "sprint", "quarter", "q1", "q2", "q3", "q4", "asap", "tbd", "n/a",
        "ongoing", "next", "soon",
    ]
    .iter()
    .any(|w| v.contains(w))
}

/// What a group title or a heading over items says of them all: finished work
/// ([`titles_finished_work`]) makes each done, work given up ("Won't do", "Cancelled:") not
/// planned; a login ([`owner_title`]) owns those that name no owner.
pub(crate) fn apply_title<'a>(title: &str, items: impl Iterator<Item = &'a mut ActionItem>) {
    let finished = titles_finished_work(title);
    let dropped = inline::words_up_to(title, 4) <= 3
        && says_dropped(title.trim().trim_matches(['*', '_', ':', ' ']));
    let owner = owner_title(title);
    if !finished && !dropped && owner.is_none() {
        return;
    }
    for item in items {
        // (An unticked box under it is the item's own word: still open; so is a group title
        // under it that says so, "Planned:" after "Immediate actions (done):".)
        let open_group = item
            .group
            .as_deref()
            .is_some_and(|g| status_word(g.trim().trim_end_matches(':')) == Some(Status::Open));
        item.done |= finished && !item.checkbox && !open_group;
        item.not_planned |= dropped;
        if let Some(login) = owner {
            item.owner.get_or_insert_with(|| login.to_string());
        }
    }
}

/// The login a group title or a sub-heading among the items is made of (`@alice:`,
/// `**@bob**`, `### @carol`): the owner of the items under it that name none.
fn owner_title(title: &str) -> Option<&str> {
    let t = title
        .trim()
        .trim_end_matches(':')
        .trim_matches(['*', '_', ' ']);
    let login = t.strip_prefix('@')?.trim_end_matches(':');
    is_login(login).then_some(login)
}

/// Whether a group title or a sub-heading among the items says the items under it are
/// finished ("Completed:", "Done already", "### Completed actions"): at most three words, one
/// saying done and none saying otherwise ("Not done", "To be completed").
fn titles_finished_work(title: &str) -> bool {
    // (Most lines it is asked of are longer: counted before a lower-case copy is made.)
    if inline::words_up_to(title, 4) > 3 {
        return false;
    }
    let lower = title.trim().trim_end_matches(':').trim().to_lowercase();
    // Only words that say finished, or name what was finished: "Complete by Friday" and
    // "Definition of done" say something else.
    let mut words = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty());
    // A check mark alone says so; beside words, one of them must ("✅ Action items" is a
    // heading decorated, "✅ Completed" says done).
    let only_marks = lower.chars().all(|c| !c.is_alphanumeric());
    (if only_marks {
        says_done(&lower)
    } else {
        done_word_in(&lower) == Some(true)
    }) && words.all(|w| {
        matches!(
            w,
            "done"
                | "complete"
                | "completed"
                | "closed"
                | "fixed"
                | "resolved"
                | "finished"
                | "already"
                | "actions"
                | "action"
                | "items"
                | "tasks"
                | "work"
                | "immediate"
        )
    })
}

/// Whether a status or field value says the work is finished (`Done`, `Closed ✅`), and not
/// that it is not or not yet (`Not done`, `To be completed`, `Partially fixed`): an item read
/// as done has its issue closed, so a doubtful one stays open.
pub(super) fn says_done(v: &str) -> bool {
    done_word_in(v) == Some(true) || v.contains(['✅', '✔', '✓'])
}

/// The statuses that say an action will not be done.
const DROPPED_STATUSES: [&str; 22] = [
    "won't do",
    "wont do",
    "won't fix",
    "wont fix",
    "wontfix",
    "won't implement",
    "will not do",
    "will not fix",
    "cancelled",
    "canceled",
    "dropped",
    "not planned",
    "not doing",
    "obsolete",
    "abandoned",
    "rejected",
    "descoped",
    "out of scope",
    "declined",
    "superseded",
    "duplicate",
    "not needed",
];

/// Whether a status says the action will not be done: it opens with one of
/// [`DROPPED_STATUSES`] (`Won't do`, `Cancelled (covered by #12)`), not merely holds the word
/// ("In progress; won't ship before Q3", "Not cancelled", "not planned yet").
pub(super) fn says_dropped(v: &str) -> bool {
    let lower = status_text(v);
    DROPPED_STATUSES.iter().any(|d| {
        lower.strip_prefix(d).is_some_and(|rest| {
            let rest = rest.trim_start();
            !rest.starts_with(char::is_alphanumeric) || rest.starts_with("by ")
        })
    })
}

/// Whether `part` is only a dropped status (`Won't do`, `Cancelled.`): a tail of an item's
/// text says so only whole ("— dropped packets" is the action's own words).
fn is_dropped_status(part: &str) -> bool {
    DROPPED_STATUSES.contains(&status_text(part.trim().trim_end_matches(['.', '!'])).as_str())
}

/// A status as [`DROPPED_STATUSES`] spell it: trimmed, without the symbol or emoji that
/// boards put before it (`❌ Won't fix`, `🚫 Cancelled`), lower case, a curly apostrophe
/// straight.
fn status_text(v: &str) -> String {
    v.trim_start_matches(|c: char| !c.is_alphanumeric())
        .trim()
        .to_lowercase()
        .replace('’', "'")
}

/// Words that, before a word saying done, say the work is not finished or not yet: "Not
/// done", "Isn't resolved", "Not yet closed", "To be completed", "Partially fixed".
const UNFINISHED_CUES: [&str; 12] = [
    "not",
    "t",
    "no",
    "never",
    "yet",
    "be",
    "partially",
    "partly",
    "half",
    "almost",
    "nearly",
    "awaiting",
];

/// Whether `lower` opens with a word that says done, then a date or `in`/`on`/`via` what
/// (`done in commit a41f9c2`, `completed 2024-02-01`).
fn done_then_when(lower: &str) -> bool {
    let (first, rest) = lower.split_once(' ').unwrap_or((lower, ""));
    is_done_word(first)
        && (rest.starts_with(|c: char| c.is_ascii_digit())
            || ["in ", "on ", "via ", "with ", "as of "]
                .iter()
                .any(|w| rest.starts_with(w)))
}

/// Words that say a piece of work is done, in a status or in capitals at an item's end (`...
/// DONE`).
pub(super) const DONE_WORDS: [&str; 7] = [
    "done",
    "complete",
    "completed",
    "closed",
    "fixed",
    "resolved",
    "finished",
];

/// Words that say a change is done as trackers write it in a status (`Merged`, `Shipped`,
/// `Deployed`); not in capitals at an item's end ("... BEFORE BEING MERGED").
const SHIPPED_WORDS: [&str; 6] = [
    "merged",
    "shipped",
    "implemented",
    "deployed",
    "delivered",
    "released",
];

/// Whether `w` (lower case) is one of [`DONE_WORDS`] or [`SHIPPED_WORDS`].
fn is_done_word(w: &str) -> bool {
    DONE_WORDS.contains(&w) || SHIPPED_WORDS.contains(&w)
}

/// The first word of `v` that says done: `Some(true)` when said plainly, `Some(false)` when a
/// word before it takes it back ([`UNFINISHED_CUES`]); `None` when `v` has none.
fn done_word_in(v: &str) -> Option<bool> {
    let lower = v.to_lowercase();
    let mut unfinished = false;
    for w in lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if is_done_word(w) {
            return Some(!unfinished);
        }
        unfinished |= UNFINISHED_CUES.contains(&w);
    }
    None
}

/// `... by March 1` / `... due 2026-03-01` at the very end of an item: (text before, date).
pub(super) fn trailing_due(t: &str, reference: Option<NaiveDate>) -> Option<(&str, NaiveDate)> {
    // A date ends in a digit, or in a month name ("by the end of March" is no date).
    if !t
        .trim_end_matches(['.', ')'])
        .ends_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    // A cue and its date take a few dozen bytes at the end: only those are searched.
    let mut from = t.len().saturating_sub(48);
    while !t.is_char_boundary(from) {
        from -= 1;
    }
    let lower = t[from..].to_ascii_lowercase();
    // (`📅 2025-01-12`: the due date of Obsidian's task lists.)
    for cue in DUE_CUES.iter().chain(&["by ", "📅 "]) {
        // The cue starts a word, after a space.
        let Some(p) = lower.rfind(cue).filter(|&p| lower[..p].ends_with(' ')) else {
            continue;
        };
        let p = from + p;
        let (head, rest) = (&t[..p - 1], &t[p + cue.len()..]);
        // After "due", also a month and day in figures (`due 3/30`); after "by" they may be a
        // fraction ("cut errors by 1/20").
        if *cue != "by " && time::numeric_month_day(rest).is_some() {
            return time::parse_date(rest, reference).map(|d| (head, d));
        }
        let f = time::moments(rest).into_iter().next()?;
        let whole = rest.trim_end_matches(['.', ')']).trim_end();
        if f.start == 0 && f.end >= whole.len() {
            return time::parse_date(rest, reference).map(|d| (head, d));
        }
    }
    None
}

/// `... @raj Jan 20, 2027`, `... @Ana Lima 2027-01-12`: a mention of the owner (a login, or a
/// name as document tools write their mentions) and then a date, ending the text: (the text
/// before, the owner, the day due).
pub(super) fn mention_then_date(
    t: &str,
    reference: Option<NaiveDate>,
) -> Option<(&str, &str, NaiveDate)> {
    // (The last `@` after a space, found byte by byte: most items have none.)
    let at = memchr::memrchr_iter(b'@', t.as_bytes())
        .find(|&a| a > 0 && t.as_bytes()[a - 1] == b' ')?
        - 1;
    let after = &t[at + 2..];
    let mut end = 0;
    for k in 1..=3 {
        end += after[end..].find(' ')? + 1;
        let (owner, date) = (after[..end].trim_end(), after[end..].trim());
        let whole = time::leading_found(date)
            .is_some_and(|f| f.start == 0 && f.end == date.len() && f.stamp.time.is_none());
        let named = if k == 1 {
            is_login(owner)
        } else {
            is_name(owner)
        };
        if whole && named {
            return Some((&t[..at], owner, time::parse_date(date, reference)?));
        }
        if !after[end..].starts_with(char::is_uppercase) {
            return None;
        }
    }
    None
}

/// What a mention at the end of an item holds, as document tools write their chips.
pub(super) enum Chip<'t> {
    /// `@Carla Mendes`: a person's name, each word capitalised.
    Owner(&'t str),
    /// `@March 4, 2026`: a date.
    Due(NaiveDate),
}

/// A chip that ends `t` (`@Carla Mendes`, `@March 4, 2026`, as Notion and Confluence export a
/// person or a date): the text before it and what it holds. A login (`@carla`) is no chip:
/// the tags read it.
pub(super) fn chip_tail(t: &str, reference: Option<NaiveDate>) -> Option<(&str, Chip<'_>)> {
    let t = t.trim_end();
    let at =
        memchr::memrchr_iter(b'@', t.as_bytes()).find(|&a| a > 0 && t.as_bytes()[a - 1] == b' ')?;
    let (head, after) = (t[..at].trim_end(), t[at + 1..].trim());
    if inline::words_up_to(head, 2) < 2 {
        return None;
    }
    let whole_date = time::leading_found(after)
        .filter(|f| f.start == 0 && f.end == after.len() && f.stamp.time.is_none());
    if whole_date.is_some() {
        return time::parse_date(after, reference).map(|d| (head, Chip::Due(d)));
    }
    let words: Vec<&str> = after.split(' ').collect();
    let capitalised = |w: &&str| {
        w.starts_with(char::is_uppercase)
            && w.chars()
                .all(|c| c.is_alphabetic() || matches!(c, '-' | '\''))
    };
    ((2..=3).contains(&words.len()) && words.iter().all(capitalised) && is_name(after))
        .then_some((head, Chip::Owner(after)))
}

/// A calendar date promised in the sentence itself: `by 2026-03-01`, `due March 1`,
/// `scheduled for September 5, 2024`, `deadline: ...`, and in a sentence about a scheduled
/// event, the date it is set `for` or `on` ("Scheduled onsite assessment for 2025-06-20").
/// Dates that are part of the action ("freeze until 2015-11-20") are not deadlines.
pub(super) fn natural_due(text: &str, reference: Option<NaiveDate>) -> Option<NaiveDate> {
    if !text.bytes().any(|c| c.is_ascii_digit()) {
        return None;
    }
    // ("Scheduled", "schedule", "scheduling"; not "the scheduler", a thing's name.)
    let mut scheduled = false;
    let mut from = 0;
    while let Some(p) = inline::find_ascii_ci(text, from, "schedul") {
        from = text[p..]
            .find(|c: char| !c.is_alphabetic())
            .map_or(text.len(), |k| p + k);
        let word = &text[p..from];
        if !word.eq_ignore_ascii_case("scheduler") && !word.eq_ignore_ascii_case("schedulers") {
            scheduled = true;
            break;
        }
    }
    let in_sentences: &[&str] = if scheduled {
        &[" by ", "before ", " for ", " on "]
    } else {
        &[" by ", "before "]
    };
    for cue in DUE_CUES.iter().chain(in_sentences) {
        let mut from = 0;
        while let Some(p) = inline::find_ascii_ci(text, from, cue) {
            from = p + cue.len();
            // (A word that ends in a cue is not one: "overdue", "beta".)
            if !cue.starts_with(' ') && text[..p].ends_with(|c: char| c.is_alphanumeric()) {
                continue;
            }
            let rest = &text[from..];
            if let Some(f) = time::leading_found(rest) {
                if f.start == 0 && (f.stamp.date.is_some() || f.month_day.is_some()) {
                    return time::parse_date(&rest[..f.end], reference);
                }
            }
        }
    }
    None
}

impl Reader<'_> {
    pub(super) fn apply_field(
        &mut self,
        field: Field,
        value: &str,
        line: usize,
        meta: &mut Meta,
        text: &mut Option<(String, usize)>,
    ) {
        match field {
            Field::Text => {
                // `Task: ... (#12)`: a link written back next to the item.
                let (value, issue) = split_trailing_issue(value);
                if meta.issue.is_none() {
                    meta.issue = issue;
                }
                text.get_or_insert((value.into_owned(), line));
            }
            Field::Kind => meta.kind = type_kind(value),
            Field::Owner => {
                // `Owner: Bob Smith by March 1 P2`: the name ends where the next field begins.
                let (name, rest) = split_value(value);
                self.owner(name, line, meta);
                self.meta_words(rest, line, meta);
            }
            Field::Due => self.due(value, line, meta),
            Field::Priority => meta.priority = Some(value.trim_end_matches('.').to_string()),
            Field::Issue => meta.issue = issue_in_cell(value),
            Field::Status => {
                meta.done |= says_done(value);
                meta.not_planned |= says_dropped(value);
            }
        }
    }

    /// A due field's value: a date, or a warning that says why there is none. Every due
    /// field that cannot be read is flagged: an item whose promise has no date is never
    /// reminded of, so a person must see it before the merge.
    pub(super) fn due(&mut self, value: &str, line: usize, meta: &mut Meta) {
        if let Some(d) = time::parse_date(value, self.ctx.date) {
            meta.due = Some(d);
            return;
        }
        let month_day = time::leading_found(value.trim()).is_some_and(|f| f.month_day.is_some());
        // `2/6/2026`: both first numbers could be the month.
        let groups: Vec<&str> = value.trim().split(['/', '.', '-']).collect();
        let two_ways = groups.len() == 3
            && groups[..2]
                .iter()
                .all(|g| g.parse::<u32>().is_ok_and(|n| (1..=12).contains(&n)));
        let why = if two_ways {
            "reads two ways (day/month or month/day)"
        } else if month_day {
            "has no year, and the document states no date to take one from"
        } else if is_relative(value) {
            "is not a calendar date, so no reminder can fall due"
        } else {
            "cannot be read as a date"
        };
        self.diagnostics.push(Diagnostic::new(
            Severity::Warning,
            Some(line),
            "unparseable-date",
            format!("the due date {value:?} {why}; write it as YYYY-MM-DD"),
        ));
    }

    /// An owner field's value, or a warning when it cannot be a name: no letter at all
    /// (`Owner: ???`), or a sentence (more than six words) where a name or a team belongs.
    pub(super) fn owner(&mut self, value: &str, line: usize, meta: &mut Meta) {
        // No owner yet is not a name, nor a misread one: `lint` reports the missing owner.
        if is_empty_value(value) {
            return;
        }
        let name = clean_owner(value);
        if name.chars().any(char::is_alphabetic) && inline::words_up_to(&name, 7) <= 6 {
            meta.owner = Some(name);
            return;
        }
        self.diagnostics.push(Diagnostic::new(
            Severity::Warning,
            Some(line),
            "unreadable-owner",
            format!("the owner {value:?} is not a name; write @login or `Owner: name`"),
        ));
    }

    /// A field line's fields (`Owner: @ana. Due: 2026-05-01.`) as the item read last's:
    /// the line stands under that item.
    pub(super) fn fields_of_last(&mut self, fields: &str, line: usize) {
        let mut meta = Meta::default();
        self.meta_words(fields, line, &mut meta);
        if let Some(item) = self.out.last_mut() {
            super::merge(item, meta);
        }
    }

    /// Space-separated fields after another field's value (`by March 1 P2`, `due: x`,
    /// `#12`): each one found is recorded; reading stops at the first word that is none.
    pub(super) fn meta_words(&mut self, mut rest: &str, line: usize, meta: &mut Meta) {
        loop {
            rest = rest.trim_start_matches([' ', ',', ';', '-', '—', '–', '·']);
            if rest.is_empty() {
                return;
            }
            // `due: 2026-01-05 — Won't do`: a status ends the fields.
            if let Some(status) = status_word(rest.trim_end_matches(['.', ' '])) {
                meta.done |= status == Status::Done;
                meta.not_planned |= status == Status::Dropped;
                return;
            }
            if let Some((field, _)) = field_line_text(rest).filter(|(f, _)| *f != Field::Text) {
                let value = rest.split_once(':').map_or("", |(_, v)| v.trim());
                let (value, after) = split_value(value);
                let mut text = None;
                // An owner's value is split again by `apply_field`, to the same end.
                self.apply_field(field, value, line, meta, &mut text);
                rest = after;
                continue;
            }
            let (word, after) = rest.split_once(' ').unwrap_or((rest, ""));
            if is_priority_token(word) {
                meta.priority.get_or_insert_with(|| word.to_string());
                rest = after;
            } else if let Some((date, len)) = cued_date(rest) {
                if meta.due.is_none() {
                    self.due(date, line, meta);
                }
                rest = &rest[len..];
            } else if let Some(r) = issue_ref(word) {
                meta.issue.get_or_insert(r);
                rest = after;
            } else {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IssueRef;
    use crate::parse::items::tests::*;

    #[test]
    fn an_owner_field_that_names_nobody_sets_no_owner() {
        for none in ["unassigned", "TBD", "n/a", "-"] {
            let (a, diags) = one_item(&format!("- Write a replay tool. Owner: {none}"));
            assert_eq!(a.text, "Write a replay tool.", "{none}");
            assert_eq!(a.owner, None, "{none}");
            assert!(diags.is_empty(), "{none}: {diags:?}");
        }
        let (a, _) = one_item("- Write a replay tool. Owner: Tom B.");
        assert_eq!(a.owner.as_deref(), Some("Tom B."));
    }

    #[test]
    fn statuses_as_trackers_write_them_say_done_or_dropped() {
        let pm = parse(
            "## Action items\n\n- Replace the lock file with flock (done in commit a41f9c2).\n\
             - Move the print server to the update ring (done 2024-02-22).\n\
             - Add a disk alert for the build hosts (fixed in v1.2)\n\
             - Add a quota alert for the build hosts (not done yet)\n\n\
             | Action | Owner | Status |\n|---|---|---|\n| Document the WAL replay | Piotr | Merged |\n\
             | Pin the leaf certificate | Ana | Declined |\n| Add a canary stage | Jo | ✓ |\n\
             | Add a rollback job | Jo | Shipped |\n| Add a runbook | Jo | Superseded by #12 |\n",
        );
        assert_eq!(
            texts_done_dropped(&pm),
            [
                ("Replace the lock file with flock.", true, false),
                ("Move the print server to the update ring.", true, false),
                ("Add a disk alert for the build hosts", true, false),
                ("Add a quota alert for the build hosts", false, false),
                ("Document the WAL replay", true, false),
                ("Pin the leaf certificate", false, true),
                ("Add a canary stage", true, false),
                ("Add a rollback job", true, false),
                ("Add a runbook", false, true),
            ]
        );
        // A tracker's word in capitals at an item's end is the item's own.
        let (a, _) = one_item("- Every change MUST BE REVIEWED BEFORE BEING MERGED");
        assert_eq!(
            (a.text.as_str(), a.done),
            ("Every change MUST BE REVIEWED BEFORE BEING MERGED", false)
        );
    }

    #[test]
    fn a_status_that_says_the_action_will_not_be_done_makes_it_not_planned() {
        let pm = parse(
            "## Action Items\n\n| Action | Owner | Status |\n|---|---|---|\n\
             | Refund tooling | @olga | Won't do |\n| Rewrite billing | @pat | Cancelled |\n\
             | Add alerts | @mia | Done |\n\n\
             - [ ] Page finance — Not planned\n- Add a ledger. Status: dropped (covered)\n\
             - Add a ledger two (status: won’t fix)\n- Cancel stale charge jobs nightly\n",
        );
        assert_eq!(
            texts_done_dropped(&pm),
            [
                ("Refund tooling", false, true),
                ("Rewrite billing", false, true),
                ("Add alerts", true, false),
                ("Page finance", false, true),
                ("Add a ledger.", false, true),
                ("Add a ledger two", false, true),
                // A word in the action is no status.
                ("Cancel stale charge jobs nightly", false, false),
            ]
        );
        // "Cancelled" beside an item is its status, not its owner's name.
        let (a, _) = one_item("- Rewrite billing — Cancelled");
        assert_eq!((a.owner, a.not_planned), (None, true));
        // The words in an action's own tail, or a status that only mentions them, drop
        // nothing and cut nothing.
        let pm = parse(
            "## Action Items\n\n| Action | Status |\n|---|---|\n\
             | Ship the fix | In progress; won't ship before Q3 |\n| Pin the driver | Not cancelled |\n\n\
             - Alert on packet loss — dropped packets\n- Clean up DNS, obsolete records\n\
             - Rotate the keys — not cancelled\n- Add SLO alerts — not planned yet\n\
             - Shard the queue. Status: not planned for Q2\n",
        );
        let got: Vec<_> = pm
            .actions
            .iter()
            .map(|a| (a.text.as_str(), a.not_planned))
            .collect();
        assert_eq!(
            got,
            [
                ("Ship the fix", false),
                ("Pin the driver", false),
                ("Alert on packet loss — dropped packets", false),
                ("Clean up DNS, obsolete records", false),
                ("Rotate the keys — not cancelled", false),
                ("Add SLO alerts — not planned yet", false),
                ("Shard the queue.", false),
            ]
        );
    }

    #[test]
    fn a_status_that_says_not_done_or_not_yet_leaves_the_item_open() {
        let doc = "## Action Items\n\n\
             | Action | Owner | Status |\n|---|---|---|\n\
             | Add alerts | @a | Not done |\n\
             | Split the pool | @b | To be completed |\n\
             | Pin the driver | @c | Partially fixed |\n\
             | Rotate keys | @d | Isn't resolved yet |\n\
             | Drop the cache | @e | Not Yet Closed |\n\
             | Page on lag | @f | Completed |\n\
             | Cap retries | @g | Closed ✅ |\n\n\
             - Add a runbook. Status: not done\n\
             - Move backups (status: to be completed)\n\
             - Test restores. Status: done\n";
        assert_eq!(
            texts_done(&parse(doc)),
            [
                ("Add alerts", false),
                ("Split the pool", false),
                ("Pin the driver", false),
                ("Rotate keys", false),
                ("Drop the cache", false),
                ("Page on lag", true),
                ("Cap retries", true),
                ("Add a runbook.", false),
                ("Move backups", false),
                ("Test restores.", true),
            ]
        );
        // A status in a prefix's brackets is no owner, said either way.
        let (a, _) = one_item("- [not done] Add alerts on lag");
        assert_eq!(a.owner, None);
    }

    #[test]
    fn issue_fields_in_a_tail_are_cut_and_a_label_that_ends_in_a_field_word_is_kept() {
        let (a, _) = one_item("- Rotate logs hourly. Jira: OPS-12. Status: Complete");
        assert_eq!(a.text, "Rotate logs hourly.");
        assert_eq!(a.issue, Some(IssueRef::External("OPS-12".into())));
        assert!(a.done);
        let (a, _) = one_item("- Improved tracking: we will track the response rates");
        assert_eq!(
            a.text,
            "Improved tracking: we will track the response rates"
        );
        assert_eq!(a.issue, None);
    }

    #[test]
    fn two_owners_joined_by_and_leave_the_text_whole() {
        for written in [
            "- Add request coalescing (@alice and @bob)",
            "- Add request coalescing (@alice & @bob)",
            "- Add request coalescing (@alice, @bob)",
            "- Add request coalescing @alice @bob",
        ] {
            let (a, _) = one_item(written);
            assert_eq!(a.text, "Add request coalescing", "{written}");
            assert_eq!(a.owner.as_deref(), Some("alice"), "{written}");
        }
    }

    #[test]
    fn fields_separated_by_dashes_keep_no_dash() {
        for dash in ["-", "–", "—"] {
            let (a, _) = one_item(&format!(
                "- Add a deadlock detector {dash} Owner: Sam Ortiz {dash} Due: 2025-12-05"
            ));
            assert_eq!(a.text, "Add a deadlock detector", "{dash}");
            assert_eq!(a.owner.as_deref(), Some("Sam Ortiz"), "{dash}");
            assert_eq!(a.due, date(2025, 12, 5), "{dash}");
        }
    }

    #[test]
    fn a_deadline_with_a_comma_in_its_date_is_read() {
        let (a, diags) = one_item("- [ ] Rotate the keys Deadline: December 22, 2023");
        assert_eq!(a.text, "Rotate the keys");
        assert_eq!(a.due, date(2023, 12, 22));
        assert!(diags.is_empty(), "{diags:?}");
        let (a, _) = one_item("- Rotate the keys (owner: @ana, deadline: December 22, 2023)");
        assert_eq!(
            (a.owner.as_deref(), a.due),
            (Some("ana"), date(2023, 12, 22))
        );
    }

    #[test]
    fn a_fields_value_ends_where_the_next_field_begins() {
        let (a, diags) = one_item("- [ ] Tune GC Owner: Bob Smith by March 1 P2");
        assert_eq!(a.text, "Tune GC");
        assert_eq!(a.owner.as_deref(), Some("Bob Smith"));
        assert_eq!(a.due, date(2024, 3, 1));
        assert_eq!(a.priority.as_deref(), Some("P2"));
        assert!(diags.is_empty(), "{diags:?}");
        let (a, _) = one_item("- Tune GC owner: Bob Smith due: 2024-02-01 #7");
        assert_eq!(a.owner.as_deref(), Some("Bob Smith"));
        assert_eq!(a.due, date(2024, 2, 1));
        assert_eq!(a.issue, Some(IssueRef::Local(7)));
    }

    #[test]
    fn every_unreadable_due_field_is_flagged() {
        for (line, text) in [
            ("- Tune GC due: someday soon", "Tune GC"),
            ("- Tune GC due: Febtember 3", "Tune GC"),
            ("- Tune GC (due: 2 weeks)", "Tune GC"),
        ] {
            let (a, diags) = one_item(line);
            assert_eq!(a.text, text);
            assert_eq!(a.due, None);
            let d: Vec<_> = diags
                .iter()
                .filter(|d| d.code == "unparseable-date")
                .collect();
            assert_eq!(d.len(), 1, "{line}: {diags:?}");
            assert_eq!(d[0].line, Some(5));
            assert_eq!(d[0].severity, Severity::Warning);
        }
        // A day without a year in a document that states no date cannot be placed.
        let pm = parse("## Action Items\n\n- Tune GC due: March 1\n");
        assert_eq!(pm.actions[0].due, None);
        assert!(
            pm.diagnostics[0].message.contains("no year"),
            "{:?}",
            pm.diagnostics
        );
    }

    #[test]
    fn an_owner_prefix_or_a_trailing_by_names_the_owner() {
        let pm = parse(
            "## Action Items\n\n* [garndt?] more clarity on AMI configuration\n\
             - [ ] (tc, cloudops teams) ramp the teams back up on the platform\n\
             - Add a canary stage, by @someone\n\
             - (Process/Structure) Better communication between teams is needed\n\
             - [Runbook](https://example.com/rb) needs an owner section\n",
        );
        assert_eq!(
            texts_owners(&pm),
            [
                ("more clarity on AMI configuration", Some("garndt?")),
                (
                    "ramp the teams back up on the platform",
                    Some("tc, cloudops teams")
                ),
                ("Add a canary stage", Some("someone")),
                (
                    "(Process/Structure) Better communication between teams is needed",
                    None
                ),
                ("Runbook needs an owner section", None),
            ]
        );
    }

    #[test]
    fn an_owner_field_that_is_not_a_name_is_flagged() {
        let (a, diags) = one_item("- Add disk alerts Owner: ???");
        assert_eq!(
            (a.text.as_str(), a.owner.as_deref()),
            ("Add disk alerts", None)
        );
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(
            (diags[0].code, diags[0].line),
            ("unreadable-owner", Some(5))
        );
        let pm = parse(
            "## Action Items\n\n| Action | Owner |\n|---|---|\n\
             | Add alerts | whoever ends up having time for it next week |\n| Fix it | - |\n",
        );
        assert!(pm.actions.iter().all(|a| a.owner.is_none()));
        let codes: Vec<_> = pm.diagnostics.iter().map(|d| (d.code, d.line)).collect();
        assert_eq!(codes, [("unreadable-owner", Some(5))]);
    }

    #[test]
    fn key_value_tags_before_space_separated_ones_are_read_too() {
        let pm = parse(
            "# X\n\nDate: 2026-03-02\n\n## Action Items\n\n\
             - Fix it, owner: bob, due March 30 P2\n- Tune it, owner: ana, due 3/30 P1\n",
        );
        let march_30 = NaiveDate::from_ymd_opt(2026, 3, 30);
        assert_eq!(
            text_owner_due(&pm),
            [
                ("Fix it", Some("bob"), march_30),
                ("Tune it", Some("ana"), march_30)
            ]
        );
        let priorities: Vec<_> = pm.actions.iter().map(|a| a.priority.as_deref()).collect();
        assert_eq!(priorities, [Some("P2"), Some("P1")]);
    }

    #[test]
    fn due_takes_a_month_and_day_in_figures_when_only_one_reading_is_a_date() {
        let pm = parse(
            "# X\n\nDate: 2026-03-02\n\n## Action Items\n\n\
             - Capacity review, owner: dave, due 3/30\n- Rotate keys — @li — due 30/3\n\
             - Drain the queue, due: 4/20\n- Split the pool, due 3/4\n- Cut errors by 1/20\n",
        );
        let got: Vec<(&str, Option<String>)> = pm
            .actions
            .iter()
            .map(|a| (a.text.as_str(), a.due.map(|d| d.to_string())))
            .collect();
        let day = |d: &str| Some(d.to_string());
        assert_eq!(
            got,
            [
                ("Capacity review", day("2026-03-30")),
                ("Rotate keys", day("2026-03-30")),
                ("Drain the queue", day("2026-04-20")),
                // Either day first or month first: no date, and a warning says so.
                ("Split the pool", None),
                // After "by", figures may be a fraction.
                ("Cut errors by 1/20", None),
            ]
        );
        let warned: Vec<_> = pm
            .diagnostics
            .iter()
            .filter(|d| d.code == "unparseable-date")
            .map(|d| d.line)
            .collect();
        assert_eq!(warned, [Some(10)]);
    }

    #[test]
    fn a_date_promised_in_the_sentence_is_the_due_date() {
        let reference = NaiveDate::from_ymd_opt(2024, 5, 1);
        for (text, want) in [
            ("Fix it BY 2024-06-01", date(2024, 6, 1)),
            ("Due March 3 for all", date(2025, 3, 3)),
            ("Rotate keys, deadline 2024-07-01.", date(2024, 7, 1)),
            ("Scheduled For September 5, 2024", date(2024, 9, 5)),
            (
                "Scheduled onsite assessment for 2025-06-20",
                date(2025, 6, 20),
            ),
            ("Review scheduled on June 5", date(2024, 6, 5)),
            ("Plan capacity for 2025-06-20", None),
            ("Freeze until 2015-11-20", None),
            ("Done by the team in 2024", None),
            // A scheduler is a thing, not a date set: the day it shipped on is no due date.
            (
                "The scheduler now falls back to the database. This shipped on March 8th.",
                None,
            ),
            (
                "Move the scheduler, then schedule a drill on June 5",
                date(2024, 6, 5),
            ),
        ] {
            assert_eq!(natural_due(text, reference), want, "{text:?}");
        }
    }
}
