//! What a heading is about, recognised by meaning: synonyms, spelling variants and one-letter
//! typos ("Preventative", "Symmary") all map to one [`SectionKind`].

use super::inline;
use crate::model::SectionKind;

/// Labels that make one paragraph or bullet an action item wherever it stands, also inside
/// Lessons learned or a discussion: meeting notes and release retrospectives mark actions
/// inline (`Action item: ...`, `**[Action Item]** ...`, `ACTION: ...`, `Action point: ...`).
/// Lower case; a longer label before any label it starts with.
const ACTION_LABELS: [&str; 5] = [
    "action items",
    "action item",
    "action points",
    "action point",
    "action",
];

/// Labels that name a to-do (`TODO: ...`, `Follow-up: ...`). A paragraph they open is an item
/// wherever it stands, as with [`ACTION_LABELS`]; in a list outside action sections they may
/// title one topic among others ("3. Follow-up: we called the customers back"). Lower case; a
/// longer label before any label it starts with.
const TASK_LABELS: [&str; 8] = [
    "todo",
    "to-do",
    "to do",
    "follow-ups",
    "follow-up",
    "follow ups",
    "follow up",
    "followup",
];

/// The text after an inline action label that opens `raw` (Markdown as written, so that
/// `[Action Item]` is told from the words "Action item"): the label is closed by a colon or
/// a bracket. `None` without one, or when nothing follows it or what follows ends in a colon
/// ("Action items: we propose the following:"): then it is a heading.
pub(crate) fn after_action_label(raw: &str) -> Option<&str> {
    let (after, _) = closed_label(raw)?;
    // `[Action items](#action-items)` in a table of contents, "[Action items](https://...)
    // are tracked in Jira": the label is a link's text, a pointer to the items.
    if after.trim_start_matches(['*', '_']).starts_with("](") {
        return None;
    }
    let after = after.trim_start_matches(['*', '_', ' ', ':', ']']);
    let intro = after.trim_end_matches(['*', '_', ' ']).ends_with(':');
    (!after.is_empty() && !intro).then_some(after)
}

/// Where an action label opens a sentence after the first of `raw` ("The alert came late.
/// **Action item:** page on burn rate."): the byte its marks start at. Only an action label
/// counts there, not a task label ("Follow-up: we called them back" tells what happened).
pub(crate) fn mid_action_label(raw: &str) -> Option<usize> {
    let b = raw.as_bytes();
    // From each colon that may close a label, the sentence's end a few bytes back, then the
    // label's first word: most lines have no colon, or none so close to an end. (In a sentence
    // the label is written with its colon: `**[Action Item]**` opens paragraphs.)
    memchr::memchr_iter(b':', b).find_map(|close| {
        // Every action label ends in one of these letters: a time's colon is passed at once.
        // (A note in brackets may stand before the colon: `Action item (@hsato):`.)
        let head = raw[..close].trim_end_matches(['*', '_', ' ']);
        let head = match head.strip_suffix(')').and_then(|h| h.rfind('(')) {
            Some(open) => head[..open].trim_end(),
            None => head,
        };
        if !head.ends_with(['n', 'N', 's', 'S', 'm', 'M', 't', 'T']) {
            return None;
        }
        let from = head.len().saturating_sub(24);
        let end = from
            + b[from..head.len()]
                .iter()
                .rposition(|c| matches!(c, b'.' | b'!' | b'?'))?;
        let next = &raw[end + 1..];
        let start = end + 1 + (next.len() - next.trim_start().len());
        let label = &raw[start..];
        let action =
            start > end + 1 && after_action_label(label).is_some() && !opens_with_task_label(label);
        action.then_some(start)
    })
}

/// Whether `raw` opens with an action or task label closed by a colon or a bracket, whatever
/// follows.
pub(crate) fn opens_with_action_label(raw: &str) -> bool {
    closed_label(raw).is_some()
}

/// Whether `raw` opens with one of [`TASK_LABELS`] closed by a colon or a bracket.
pub(crate) fn opens_with_task_label(raw: &str) -> bool {
    closed_label(raw).is_some_and(|(_, task)| task)
}

/// What follows an action or task label that opens `raw`, from the colon or bracket that
/// closes it, and whether the label is a task label.
fn closed_label(raw: &str) -> Option<(&str, bool)> {
    noted_label(raw).map(|(rest, task, _)| (rest, task))
}

/// [`closed_label`], with the note in brackets right after the label (`TODO(alice):`).
fn noted_label(raw: &str) -> Option<(&str, bool, Option<&str>)> {
    // (The marks are ASCII: skipped byte by byte.)
    let marks = raw
        .bytes()
        .take_while(|c| matches!(c, b'*' | b'_' | b'[' | b'\\' | b' '))
        .count();
    let t = &raw[marks..];
    // Every action label starts with "action", every task label with "to" or "follow" (a
    // test checks): most text is ruled out by its first letters.
    let (labels, task) = if inline::starts_with_ascii_ci(t, "action") {
        (&ACTION_LABELS[..], false)
    } else if inline::starts_with_ascii_ci(t, "to") || inline::starts_with_ascii_ci(t, "follow") {
        (&TASK_LABELS[..], true)
    } else {
        return None;
    };
    labels.iter().find_map(|label| {
        if !inline::starts_with_ascii_ci(t, label) {
            return None;
        }
        let rest = t[label.len()..].trim_start_matches(['*', '_', ' ']);
        // A number after the label counts the items: `Action item 1:`, `Follow-up #2:`.
        let numbered = rest.trim_start_matches('#');
        let digits = numbered.bytes().take_while(u8::is_ascii_digit).count();
        let rest = match digits {
            0 => rest,
            n => numbered[n..].trim_start_matches(['*', '_', ' ']),
        };
        let (note, rest) = match label_note_in(rest) {
            Some((note, after)) => (Some(note), after),
            None => (None, rest),
        };
        rest.starts_with([':', ']']).then_some((rest, task, note))
    })
}

/// `(alice):` after a label: the note in brackets (a few words, with no colon or bracket of
/// its own) and the rest from the colon on.
fn label_note_in(rest: &str) -> Option<(&str, &str)> {
    let inside = rest.strip_prefix('(')?;
    let close = inside.find(')')?;
    let note = inside[..close].trim();
    let after = inside[close + 1..].trim_start_matches(['*', '_', ' ']);
    let short = !note.is_empty() && note.len() <= 40 && !note.contains(['(', ':', '[']);
    (short && after.starts_with(':')).then_some((note, after))
}

/// The note in brackets between an action or task label and its colon: the owner in
/// `TODO(alice): add alerts` (the convention code comments follow), `Action item (@bob): ...`,
/// or a priority (`Follow-up (P1): ...`).
pub(crate) fn label_note(raw: &str) -> Option<&str> {
    noted_label(raw)?.2
}

/// Phrases that make a sentence ending in a colon a label about actions, with the kind of
/// the items it introduces: blog-style postmortems introduce their actions with a sentence
/// ("To prevent similar issues in the future, we've made a few changes:") instead of a
/// heading. Matched in lower case anywhere in the sentence; the first match decides.
const INTRODUCING_PHRASES: [(&str, SectionKind); 12] = [
    ("prevent", SectionKind::Preventive),
    ("happen again", SectionKind::Preventive),
    ("happening again", SectionKind::Preventive),
    ("recur", SectionKind::Preventive),
    ("in the future", SectionKind::Preventive),
    ("going forward", SectionKind::Preventive),
    ("remediation", SectionKind::Corrective),
    ("action items", SectionKind::Tasks),
    ("next steps", SectionKind::Tasks),
    ("follow-up", SectionKind::Tasks),
    ("follow up", SectionKind::Tasks),
    ("improvements", SectionKind::Measures),
];

/// The kind of the items a sentence ending in a colon introduces, when it is about actions.
pub(crate) fn introduces_actions(sentence: &str) -> Option<SectionKind> {
    let t = sentence.trim();
    if !t.ends_with(':') {
        return None;
    }
    let lower = t.to_lowercase();
    INTRODUCING_PHRASES
        .iter()
        .find(|(phrase, _)| lower.contains(phrase))
        .map(|(_, kind)| *kind)
}

/// Terms that legends under action headings define (`P1: this sprint`, `prevent = stop it
/// happening again`): Google-style action tables explain their Priority and Type columns so.
const LEGEND_TERMS: [&str; 9] = [
    "mitigate",
    "prevent",
    "process",
    "other",
    "corrective",
    "preventive",
    "investigate",
    "repair",
    "detect",
];

/// Whether a word is a term that legends define (a Type value).
pub(crate) fn is_legend_term(word: &str) -> bool {
    LEGEND_TERMS.contains(&word.to_lowercase().as_str())
}

/// Keys of the metadata lines that open many postmortems (`Owner: @x`, `Date: ...`,
/// `Status: resolved`): such a line is not the document's title.
const METADATA_KEYS: [&str; 17] = [
    "owner",
    "reporter",
    "owners",
    "author",
    "authors",
    "date",
    "status",
    "severity",
    "team",
    "reviewers",
    "reviewer",
    "id",
    "incident",
    "tags",
    "created",
    "updated",
    "published",
];

/// Whether a line is a metadata field (`Owner: @x`, `**Date**: 2024-01-01`): a key of up to
/// three words whose last word is one of [`METADATA_KEYS`] or names a role or a number
/// (`Incident ID`, `Incident commander`, `Reported by`, `Last updated`).
pub(crate) fn is_metadata_line(line: &str) -> bool {
    line.split_once(':').is_some_and(|(key, value)| {
        let key = key.trim().trim_matches(['*', '_', '-', ' ']).to_lowercase();
        let mut words = key.split_whitespace();
        let last = words.next_back().unwrap_or("");
        let meta_word = METADATA_KEYS.contains(&last)
            || matches!(last, "commander" | "lead" | "by" | "number" | "level");
        // `Incident: INC-2041` is a field; `Incident: crates mirror sync stalled` names it.
        let names_incident = last == "incident" && inline::words_up_to(value, 3) >= 3;
        !value.trim().is_empty() && meta_word && words.count() <= 2 && !names_incident
    })
}

/// Words that, in a line's key, say it dates the document rather than the incident: `Last
/// updated: ...`, `Date written: ...`, `Posted Monday, September 23, 2024`, `Exported from
/// incident.io on 2024-03-11` (a tool's footer).
const PUBLICATION_WORDS: [&str; 10] = [
    "updated",
    "exported",
    "generated",
    "written",
    "posted",
    "published",
    "modified",
    "reviewed",
    "created",
    "authored",
];

/// Whether a line dates the document itself (a byline or a metadata field), not the
/// incident: a key of up to four words with one of [`PUBLICATION_WORDS`] or `report date`;
/// without a colon, only the line's first word counts.
pub(crate) fn is_publication_line(line: &str) -> bool {
    let line = line.trim_start_matches(['*', '_', '-', '|', ' ']);
    let (key, words) = match line.split_once(':') {
        Some((key, _)) => (key, 4),
        None => (line, 1),
    };
    let is_word = |w: &str| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        PUBLICATION_WORDS.iter().any(|p| p.eq_ignore_ascii_case(w))
    };
    let named = key.split_whitespace().take(words).any(is_word);
    named || (words == 4 && inline::find_ascii_ci(key, 0, "report date").is_some())
}

/// Canonical words that headings are matched on. A heading word within one edit of one of
/// these (and at least six letters long) counts as it, so typos still classify.
const KEYWORDS: [&str; 24] = [
    "summary",
    "timeline",
    "corrective",
    "preventive",
    "preventative",
    "prevention",
    "resolution",
    "detection",
    "improvements",
    "remediation",
    "lessons",
    "conclusion",
    "appendix",
    "contributing",
    "duration",
    "recommendations",
    "mitigation",
    "measures",
    "followup",
    "chronology",
    "investigation",
    "debugging",
    "overview",
    "recovery",
];

/// The first keyword within one edit of a lower-case word (`unless_equal`: other than the
/// word itself).
fn near_keyword(lower: &[u8], unless_equal: bool) -> Option<&'static str> {
    // One edit cannot change both the first and the last letter (keywords have more than
    // two): only the keywords that share one of them are measured.
    let with = |table: &[u32; 26], c: Option<&u8>| {
        c.filter(|c| c.is_ascii_lowercase())
            .map_or(0, |c| table[usize::from(c - b'a')])
    };
    let mut candidates =
        with(&KEYWORDS_BY_FIRST, lower.first()) | with(&KEYWORDS_BY_LAST, lower.last());
    while candidates != 0 {
        let k = KEYWORDS[candidates.trailing_zeros() as usize];
        candidates &= candidates - 1;
        if !(unless_equal && k.as_bytes() == lower)
            && edit_distance_at_most_one(lower, k.as_bytes())
        {
            return Some(k);
        }
    }
    None
}

/// For each letter, the keywords that start with it, as bits of their index in [`KEYWORDS`].
const KEYWORDS_BY_FIRST: [u32; 26] = keywords_by(false);
/// For each letter, the keywords that end with it.
const KEYWORDS_BY_LAST: [u32; 26] = keywords_by(true);

const fn keywords_by(last: bool) -> [u32; 26] {
    assert!(KEYWORDS.len() <= 32);
    let mut table = [0u32; 26];
    let mut i = 0;
    while i < KEYWORDS.len() {
        let k = KEYWORDS[i].as_bytes();
        let c = if last { k[k.len() - 1] } else { k[0] };
        table[(c - b'a') as usize] |= 1 << i;
        i += 1;
    }
    table
}

fn edit_distance_at_most_one(a: &[u8], b: &[u8]) -> bool {
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let (mut i, mut j, mut edits) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            i += 1;
            j += 1;
            continue;
        }
        edits += 1;
        if edits > 1 {
            return false;
        }
        match a.len().cmp(&b.len()) {
            std::cmp::Ordering::Greater => i += 1,
            std::cmp::Ordering::Less => j += 1,
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
        }
    }
    edits + (a.len() - i) + (b.len() - j) <= 1
}

/// Word stems of which a section name needs at least one: a cheap test before a line is
/// read as a possible heading (most lines of a document name no section). Sorted, so that
/// [`anchors_starting`] finds the few that start with a word's first letter.
const ANCHORS: [&str; 55] = [
    "action",
    "appendix",
    "cause",
    "changes",
    "chat",
    "chronolog",
    "commitment",
    "conclusion",
    "contributing",
    "correct",
    "countermeasure",
    "debug",
    "detect",
    "differently",
    "doing",
    "duration",
    "fix",
    "follow",
    "forward",
    "happen",
    "harden",
    "immediate",
    "impact",
    "improve",
    "investigat",
    "learn",
    "lesson",
    "lucky",
    "measure",
    "mitigat",
    "next",
    "overview",
    "prevent",
    "recommend",
    "recover",
    "remediat",
    "resolution",
    "root",
    "sequence",
    "summar",
    "summation",
    "synopsis",
    "takeaway",
    "task",
    "thought",
    "timeline",
    "tl",
    "to-do",
    "todo",
    "trigger",
    "troubleshoot",
    "went",
    "what",
    "work",
    "wrap",
];

/// The [`ANCHORS`] that start with the lower-case byte `first`.
fn anchors_starting(first: u8) -> &'static [&'static str] {
    if !first.is_ascii_lowercase() {
        return &[];
    }
    let c = usize::from(first - b'a');
    &ANCHORS[usize::from(ANCHORS_FROM[c])..usize::from(ANCHORS_FROM[c + 1])]
}

/// Where the anchors of each first letter start in [`ANCHORS`] (sorted): those of the letter
/// `c` are `ANCHORS[ANCHORS_FROM[c]..ANCHORS_FROM[c + 1]]`.
const ANCHORS_FROM: [u8; 27] = letter_starts(&{
    let mut firsts = [0u8; ANCHORS.len()];
    let mut i = 0;
    while i < ANCHORS.len() {
        firsts[i] = ANCHORS[i].as_bytes()[0];
        i += 1;
    }
    firsts
});

/// For a sorted list's first letters, where the entries of each letter start (and, last, the
/// list's length): a letter's entries are found without a search.
const fn letter_starts(firsts: &[u8]) -> [u8; 27] {
    assert!(firsts.len() <= u8::MAX as usize);
    let mut starts = [0u8; 27];
    let mut c = 0;
    while c < 26 {
        let mut n = 0;
        while n < firsts.len() && firsts[n] < b'a' + c as u8 {
            n += 1;
        }
        starts[c] = n as u8;
        c += 1;
    }
    starts[26] = firsts.len() as u8;
    starts
}

/// Whether `raw` may name a section: one of its first twelve words starts with an anchor
/// stem, or is within one letter of a keyword (a typo).
pub(crate) fn may_name_section(raw: &str) -> bool {
    let names = |w: &[u8]| {
        let anchored = anchors_starting(w[0].to_ascii_lowercase())
            .iter()
            .any(|a| inline::starts_with_ascii_ci(w, a));
        // A typo of a keyword: lower-cased on the stack (keywords are ASCII, 7 to 15 letters
        // long).
        anchored
            || ((6..=16).contains(&w.len()) && w.is_ascii() && {
                let mut buf = [0u8; 16];
                let lower = &mut buf[..w.len()];
                lower.copy_from_slice(w);
                lower.make_ascii_lowercase();
                near_keyword(lower, false).is_some()
            })
    };
    // Words are runs of letters, digits and hyphens; in ASCII text (nearly every line) they
    // are found byte by byte, without decoding characters.
    if raw.is_ascii() {
        let b = raw.as_bytes();
        let in_word = |c: u8| c.is_ascii_alphanumeric() || c == b'-';
        let (mut i, mut n) = (0, 0);
        while i < b.len() && n < 12 {
            if !in_word(b[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < b.len() && in_word(b[i]) {
                i += 1;
            }
            if names(&b[start..i]) {
                return true;
            }
            n += 1;
        }
        false
    } else {
        raw.split(|c: char| !c.is_alphanumeric() && c != '-')
            .filter(|w| !w.is_empty())
            .take(12)
            .any(|w| names(w.as_bytes()))
    }
}

/// A word a plain line may consist of and still be read as a heading ("Events Timeline",
/// "Corrective And Preventative Measures", "Action Items"); a plain line with any other word
/// is prose, however short.
const HEADING_WORD: bool = true;
/// A word the classifier reads in a heading written as one (with markup or a colon) that does
/// not make a plain line a heading ("What went well" needs its `##`).
const CONTEXT_WORD: bool = false;

/// Every word the classifier knows ([`classify_words`]), sorted, each with whether it is a
/// [`HEADING_WORD`]. A word's id is its index + 1; 0 stands for any other word.
const VOCAB: [(&str, bool); 125] = [
    ("a", HEADING_WORD),
    ("about", HEADING_WORD),
    ("action", HEADING_WORD),
    ("actions", HEADING_WORD),
    ("analysis", HEADING_WORD),
    ("and", HEADING_WORD),
    ("appendix", HEADING_WORD),
    ("are", HEADING_WORD),
    ("background", HEADING_WORD),
    ("cause", HEADING_WORD),
    ("causes", HEADING_WORD),
    ("changes", HEADING_WORD),
    ("chat", CONTEXT_WORD),
    ("chronology", CONTEXT_WORD),
    ("closing", HEADING_WORD),
    ("commitments", HEADING_WORD),
    ("conclusion", HEADING_WORD),
    ("conclusions", CONTEXT_WORD),
    ("contributing", HEADING_WORD),
    ("corrective", HEADING_WORD),
    ("countermeasures", CONTEXT_WORD),
    ("debugging", HEADING_WORD),
    ("description", HEADING_WORD),
    ("details", HEADING_WORD),
    ("detection", HEADING_WORD),
    ("did", CONTEXT_WORD),
    ("didn", CONTEXT_WORD),
    ("differently", HEADING_WORD),
    ("do", HEADING_WORD),
    ("doing", HEADING_WORD),
    ("done", CONTEXT_WORD),
    ("dr", CONTEXT_WORD),
    ("duration", HEADING_WORD),
    ("events", HEADING_WORD),
    ("executive", HEADING_WORD),
    ("factors", HEADING_WORD),
    ("final", HEADING_WORD),
    ("fixes", HEADING_WORD),
    ("follow", HEADING_WORD),
    ("followup", HEADING_WORD),
    ("followups", CONTEXT_WORD),
    ("forward", HEADING_WORD),
    ("future", CONTEXT_WORD),
    ("going", HEADING_WORD),
    ("got", CONTEXT_WORD),
    ("happened", HEADING_WORD),
    ("hardening", HEADING_WORD),
    ("immediate", HEADING_WORD),
    ("impact", HEADING_WORD),
    ("improvement", CONTEXT_WORD),
    ("improvements", HEADING_WORD),
    ("incident", HEADING_WORD),
    ("investigation", HEADING_WORD),
    ("is", CONTEXT_WORD),
    ("issue", HEADING_WORD),
    ("it", HEADING_WORD),
    ("item", HEADING_WORD),
    ("items", HEADING_WORD),
    ("learned", HEADING_WORD),
    ("learnings", HEADING_WORD),
    ("learnt", HEADING_WORD),
    ("lessons", HEADING_WORD),
    ("list", HEADING_WORD),
    ("log", CONTEXT_WORD),
    ("logs", CONTEXT_WORD),
    ("long", HEADING_WORD),
    ("lucky", CONTEXT_WORD),
    ("making", HEADING_WORD),
    ("measures", HEADING_WORD),
    // "Follow-up meeting": when and who, not tasks.
    ("meeting", CONTEXT_WORD),
    ("mitigation", HEADING_WORD),
    ("mitigations", CONTEXT_WORD),
    ("moving", HEADING_WORD),
    ("next", HEADING_WORD),
    ("not", CONTEXT_WORD),
    ("of", HEADING_WORD),
    ("open", HEADING_WORD),
    ("outage", HEADING_WORD),
    ("overview", HEADING_WORD),
    ("plan", HEADING_WORD),
    ("planned", CONTEXT_WORD),
    ("poorly", CONTEXT_WORD),
    ("prevent", CONTEXT_WORD),
    ("preventative", HEADING_WORD),
    ("prevention", HEADING_WORD),
    ("preventions", CONTEXT_WORD),
    ("preventive", HEADING_WORD),
    ("process", HEADING_WORD),
    ("recommendations", HEADING_WORD),
    ("recovery", HEADING_WORD),
    ("remaining", HEADING_WORD),
    ("remedial", CONTEXT_WORD),
    ("remediation", HEADING_WORD),
    ("resolution", HEADING_WORD),
    ("response", CONTEXT_WORD),
    ("root", HEADING_WORD),
    ("sequence", CONTEXT_WORD),
    ("short", HEADING_WORD),
    ("steps", HEADING_WORD),
    ("summary", HEADING_WORD),
    ("summation", CONTEXT_WORD),
    ("synopsis", HEADING_WORD),
    ("takeaways", CONTEXT_WORD),
    ("taken", CONTEXT_WORD),
    ("task", HEADING_WORD),
    ("tasks", HEADING_WORD),
    ("term", HEADING_WORD),
    ("the", HEADING_WORD),
    ("thoughts", HEADING_WORD),
    ("timeline", HEADING_WORD),
    ("tl", CONTEXT_WORD),
    ("tldr", CONTEXT_WORD),
    ("to", HEADING_WORD),
    ("todo", HEADING_WORD),
    ("trigger", CONTEXT_WORD),
    ("troubleshooting", CONTEXT_WORD),
    ("up", HEADING_WORD),
    ("we", HEADING_WORD),
    ("well", CONTEXT_WORD),
    ("went", CONTEXT_WORD),
    ("what", HEADING_WORD),
    ("will", HEADING_WORD),
    ("work", HEADING_WORD),
    ("wrap", CONTEXT_WORD),
    ("wrong", CONTEXT_WORD),
];

/// The id of a known word, at compile time (`w!("summary")`); an unknown word does not compile.
const fn id(word: &str) -> u8 {
    let mut i = 0;
    while i < VOCAB.len() {
        let (a, b) = (VOCAB[i].0.as_bytes(), word.as_bytes());
        if a.len() == b.len() {
            let mut k = 0;
            while k < a.len() && a[k] == b[k] {
                k += 1;
            }
            if k == a.len() {
                return (i + 1) as u8;
            }
        }
        i += 1;
    }
    panic!("a word missing from VOCAB")
}

macro_rules! w {
    ($word:literal) => {
        const { id($word) }
    };
}

/// The canonical id of a lower-case word ("todos" counts as "todo", "followups" as
/// "followup"); 0 for any other word.
fn lookup(word: &[u8]) -> u8 {
    let word = match word {
        b"todos" => b"todo".as_slice(),
        b"followups" => b"followup",
        // "Actionables": the action items.
        b"actionables" => b"tasks",
        // "Repair items" (Google's word for action items), "Outstanding work".
        b"repair" => b"remediation",
        b"outstanding" => b"remaining",
        w => w,
    };
    // VOCAB is sorted: the words with the same first letter stand together.
    let Some(&first) = word.first().filter(|c| c.is_ascii_lowercase()) else {
        return 0;
    };
    let c = usize::from(first - b'a');
    let (from, to) = (usize::from(VOCAB_FROM[c]), usize::from(VOCAB_FROM[c + 1]));
    VOCAB[from..to]
        .iter()
        .position(|(v, _)| v.as_bytes() == word)
        .map_or(0, |i| (from + i + 1) as u8)
}

/// Where the words of each first letter start in [`VOCAB`], as [`ANCHORS_FROM`] for anchors.
const VOCAB_FROM: [u8; 27] = letter_starts(&{
    let mut firsts = [0u8; VOCAB.len()];
    let mut i = 0;
    while i < VOCAB.len() {
        firsts[i] = VOCAB[i].0.as_bytes()[0];
        i += 1;
    }
    firsts
});

/// The ids of the [`HEADING_WORD`]s, as bits.
const HEADING_SET: u128 = {
    let mut bits = 0u128;
    let mut i = 0;
    while i < VOCAB.len() {
        if VOCAB[i].1 == HEADING_WORD {
            bits |= 1 << (i + 1);
        }
        i += 1;
    }
    bits
};

/// More words than any heading has: counting stops there.
const MAX_WORDS: usize = 13;

/// The id of the canonical form of one lower-case word: a known word is itself, an unknown
/// word of six letters or more within one edit of a keyword (a typo) is the keyword.
fn canonical_id(w: &[u8]) -> u8 {
    // "We'll", "we’ll": the contraction, split at its apostrophe, is "will".
    if w == b"ll" {
        return lookup(b"will");
    }
    match lookup(w) {
        0 if w.len() >= 6 => near_keyword(w, true).map_or(0, |k| lookup(k.as_bytes())),
        id => id,
    }
}

/// At most [`MAX_WORDS`] word ids, kept on the stack (a heading is classified without an
/// allocation).
struct Words {
    ids: [u8; MAX_WORDS],
    len: usize,
}

impl Words {
    fn new() -> Words {
        Words {
            ids: [0; MAX_WORDS],
            len: 0,
        }
    }

    /// Adds a word's id; past [`MAX_WORDS`] ids, none.
    fn push(&mut self, id: u8) {
        if let Some(slot) = self.ids.get_mut(self.len) {
            *slot = id;
            self.len += 1;
        }
    }

    fn pop(&mut self) {
        self.len = self.len.saturating_sub(1);
    }
}

impl std::ops::Deref for Words {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.ids[..self.len]
    }
}

/// Heading text as canonical word ids ("Follow-Up" → "followup", "To-Dos" → "todo"), at
/// most [`MAX_WORDS`] of them. Text whose words are ASCII (nearly every heading, also one
/// with emoji or curly quotes, which separate words) is read word by word, each lower-cased
/// on the stack; other text through a lower-case copy.
fn words(heading: &str) -> Words {
    if !has_ascii_words(heading) {
        return words_unicode(heading);
    }
    let b = heading.as_bytes();
    let mut out = Words::new();
    let mut prev: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < b.len() && out.len() < MAX_WORDS {
        if !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let w = &b[start..i];
        // Compound words: "follow-up" / "follow up" / "follow-ups", "to-do(s)", "post-mortem".
        if let Some((ps, pe)) = prev {
            let (p, gap) = (&b[ps..pe], &b[pe..start]);
            let is = |x: &[u8], y: &str| x.eq_ignore_ascii_case(y.as_bytes());
            let hyphen = gap == b"-";
            let compound =
                if is(p, "follow") && (hyphen || gap == b" ") && (is(w, "up") || is(w, "ups")) {
                    Some(Some(w!("followup")))
                } else if is(p, "to") && hyphen && (is(w, "do") || is(w, "dos")) {
                    Some(Some(w!("todo")))
                } else if is(p, "post")
                    && (hyphen || gap == b" ")
                    && (is(w, "mortem") || is(w, "incident"))
                {
                    // "Post-incident actions" are the incident's actions: the qualifier adds
                    // no word ("Incident actions", "Post-mortem action items").
                    Some(None)
                } else {
                    None
                };
            if let Some(id) = compound {
                out.pop();
                if let Some(id) = id {
                    out.push(id);
                }
                prev = None;
                continue;
            }
        }
        let mut buf = [0u8; 32];
        let id = match buf.get_mut(..w.len()) {
            Some(lower) => {
                lower.copy_from_slice(w);
                lower.make_ascii_lowercase();
                canonical_id(lower)
            }
            None => 0,
        };
        out.push(id);
        prev = Some((start, i));
    }
    out
}

/// Whether every letter and digit of `text` is ASCII: then its words are ASCII words.
fn has_ascii_words(text: &str) -> bool {
    text.is_ascii() || !text.chars().any(|c| !c.is_ascii() && c.is_alphanumeric())
}

/// [`words`] for text with non-ASCII letters, whose lower case may change its length.
fn words_unicode(heading: &str) -> Words {
    let lower = heading
        .to_lowercase()
        .replace("follow-up", "followup")
        .replace("follow up", "followup")
        .replace("to-do", "todo")
        .replace("post-mortem", " ")
        .replace("post-incident", " ")
        .replace("post incident", " ");
    let mut out = Words::new();
    for w in lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
    {
        out.push(canonical_id(w.as_bytes()));
    }
    out
}

/// Whether a heading lists actions already taken ("Actions taken", "Steps taken").
pub(crate) fn actions_taken(heading: &str) -> bool {
    lists_actions(heading, "taken", w!("taken"))
}

/// Whether a heading lists actions planned ("Actions planned", "Planned actions").
pub(crate) fn actions_planned(heading: &str) -> bool {
    lists_actions(heading, "planned", w!("planned"))
}

/// Whether a heading holds an action word ("actions", "steps") and `state` (whose id is
/// `state_id`).
fn lists_actions(heading: &str, state: &str, state_id: u8) -> bool {
    // Most headings do not hold the word: those are not read into word ids. (Text with
    // non-ASCII letters always is: its lower case may hold the word where its bytes do not.)
    if has_ascii_words(heading) && inline::find_ascii_ci(heading, 0, state).is_none() {
        return false;
    }
    let w = words(heading);
    let has = |x: u8| w.contains(&x);
    (has(w!("actions")) || has(w!("action")) || has(w!("steps"))) && has(state_id)
}

/// Words of the headings that split actions by when they are due or how far along they are
/// ("Short term", "Long-term", "This sprint", "Done", "In progress", "Remaining", "P1"),
/// as teams' templates and trackers' exports group them.
const GROUP_HEADING_WORDS: [&str; 39] = [
    "short",
    "long",
    "mid",
    "medium",
    "near",
    "term",
    "quick",
    "wins",
    "phase",
    "stage",
    "immediate",
    "now",
    "next",
    "later",
    "soon",
    "this",
    "week",
    "weeks",
    "sprint",
    "month",
    "quarter",
    "done",
    "completed",
    "complete",
    "finished",
    "in",
    "progress",
    "remaining",
    "open",
    "pending",
    "planned",
    "ongoing",
    "future",
    "upcoming",
    "backlog",
    "p0",
    "p1",
    "p2",
    "p3",
];

/// Whether a heading only says when its actions are due or how far along they are (up to
/// four of [`GROUP_HEADING_WORDS`] and numbers): under an action heading, it groups actions.
pub(crate) fn is_group_heading(heading: &str) -> bool {
    let mut n = 0;
    let mut named = false;
    for word in heading
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        n += 1;
        // (A number counts the groups: "Phase 2".)
        let number = word.bytes().all(|b| b.is_ascii_digit());
        let known = GROUP_HEADING_WORDS
            .iter()
            .any(|g| g.eq_ignore_ascii_case(word));
        if n > 4 || !(known || number) {
            return false;
        }
        named |= known;
    }
    named
}

/// Labels and headings of what a document keeps beside its actions without promising it:
/// links, the people who took part or reviewed, a glossary, questions still open.
const REFERENCE_TITLES: [&str; 18] = [
    "links",
    "related links",
    "references",
    "resources",
    "related",
    "further reading",
    "participants",
    "attendees",
    "reviewers",
    "approvers",
    "contacts",
    "glossary",
    "legend",
    "open questions",
    "questions",
    "discussion points",
    "rejected ideas",
    "sign-off",
];

/// Whether a heading or label names reference material ([`REFERENCE_TITLES`]): under an
/// action heading, what stands under it is no action.
pub(crate) fn is_reference_title(heading: &str) -> bool {
    let t = heading.trim().trim_end_matches(':').trim();
    REFERENCE_TITLES.iter().any(|r| t.eq_ignore_ascii_case(r))
}

/// Classifies a heading by meaning. Headings longer than twelve words are prose: `Other`.
pub(crate) fn classify(heading: &str) -> SectionKind {
    let w = words(heading);
    if w.is_empty() || w.len() > 12 {
        return SectionKind::Other;
    }
    match classify_words(&w) {
        SectionKind::Other => {
            phrase_kind(heading.trim_start_matches(|c: char| !c.is_alphanumeric()))
        }
        kind => kind,
    }
}

/// Headings read as phrases, where single words would mislead: blog posts' "How we are
/// preventing this from happening again" and "What we're changing", a student's "To Do list";
/// a heading that opens with "Preventing" ("Preventing recurrence": further on, the word
/// describes, "Rule Preventing Inbound Traffic").
fn phrase_kind(h: &str) -> SectionKind {
    let starts = |p: &str| inline::starts_with_ascii_ci(h, p);
    let holds = |p: &str| inline::find_ascii_ci(h, 0, p).is_some();
    // (Not what was prevented during the incident: "How we prevented data loss".)
    // "How we're making sure this doesn't happen again", "Ensuring this won't happen again"
    // (but not a question: "Why did it happen again?").
    let again = holds("happen again") || holds("happens again") || holds("happening again");
    if starts("preventing ")
        || (starts("how we") && (holds("preventing") || holds("prevent ")))
        || (again && !starts("why"))
    {
        SectionKind::Preventive
    } else if (starts("what we") && (holds(" chang") || holds(" fix") || holds(" improv")))
        || (starts("steps we") && holds(" taking"))
    {
        SectionKind::Measures
    } else if starts("to do list") || starts("todo list") {
        SectionKind::Tasks
    } else {
        foreign_action_heading(h).unwrap_or(SectionKind::Other)
    }
}

/// Action headings in the languages that writers whose first language is not English keep
/// for their headings, also over English content (students' and small teams' postmortems:
/// `## Maßnahmen`, `## Acciones correctivas`, `## Plan d'action`): matched at the heading's
/// start in lower case, a longer phrase before one it starts with.
const FOREIGN_ACTION_HEADINGS: [(&str, SectionKind); 38] = [
    // German
    ("korrekturmaßnahmen", SectionKind::Corrective),
    ("sofortmaßnahmen", SectionKind::Corrective),
    ("gegenmaßnahmen", SectionKind::Measures),
    ("vorbeugende maßnahmen", SectionKind::Preventive),
    ("präventivmaßnahmen", SectionKind::Preventive),
    ("maßnahmen", SectionKind::Measures),
    ("massnahmen", SectionKind::Measures),
    ("aufgaben", SectionKind::Tasks),
    ("nächste schritte", SectionKind::Tasks),
    ("offene punkte", SectionKind::Tasks),
    // Spanish
    ("acciones correctivas", SectionKind::Corrective),
    ("acciones preventivas", SectionKind::Preventive),
    ("medidas correctivas", SectionKind::Corrective),
    ("medidas preventivas", SectionKind::Preventive),
    ("plan de acción", SectionKind::Tasks),
    ("plan de accion", SectionKind::Tasks),
    ("próximos pasos", SectionKind::Tasks),
    ("tareas", SectionKind::Tasks),
    // French
    ("actions correctives", SectionKind::Corrective),
    ("actions préventives", SectionKind::Preventive),
    ("mesures correctives", SectionKind::Corrective),
    ("mesures préventives", SectionKind::Preventive),
    ("plan d'action", SectionKind::Tasks),
    ("plan d’action", SectionKind::Tasks),
    ("prochaines étapes", SectionKind::Tasks),
    ("tâches", SectionKind::Tasks),
    // Portuguese
    ("ações corretivas", SectionKind::Corrective),
    ("acoes corretivas", SectionKind::Corrective),
    ("ações preventivas", SectionKind::Preventive),
    ("acoes preventivas", SectionKind::Preventive),
    ("medidas corretivas", SectionKind::Corrective),
    ("itens de ação", SectionKind::Tasks),
    ("itens de acao", SectionKind::Tasks),
    ("plano de ação", SectionKind::Tasks),
    ("próximos passos", SectionKind::Tasks),
    ("tarefas", SectionKind::Tasks),
    // Dutch, Italian
    ("actiepunten", SectionKind::Tasks),
    ("azioni correttive", SectionKind::Corrective),
];

/// The kind of an action heading in another language ([`FOREIGN_ACTION_HEADINGS`]).
fn foreign_action_heading(h: &str) -> Option<SectionKind> {
    // (A number before it, `4. Maßnahmen`, says nothing.)
    let h = h.trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | ')' | ' '));
    // (Every phrase opens with a letter from a to v: most headings are ruled out before a
    // lower-case copy is made.)
    let first = h.chars().next()?.to_lowercase().next()?;
    if !matches!(first, 'a'..='v') {
        return None;
    }
    let lower = h.to_lowercase();
    FOREIGN_ACTION_HEADINGS
        .iter()
        .find(|(phrase, _)| {
            lower.starts_with(phrase)
                && !lower[phrase.len()..].starts_with(|c: char| c.is_alphanumeric())
        })
        .map(|&(_, kind)| kind)
}

/// Whether a plain line (no heading markup, no colon) is made only of heading words and
/// means a known section: "Events Timeline" yes, "The timeline was short" no.
pub(crate) fn is_plain_heading(line: &str) -> Option<SectionKind> {
    let w = words(line);
    if w.is_empty() || w.len() > 6 {
        return None;
    }
    if !w.iter().all(|&i| i != 0 && HEADING_SET >> i & 1 == 1) {
        return None;
    }
    Some(classify_words(&w)).filter(|k| *k != SectionKind::Other)
}

/// Whether word `a` is directly followed by word `b`; `present` has the bits of the words.
/// Inlined: nearly always the first test decides, and a call would cost more than it.
#[inline(always)]
fn adjacent(w: &[u8], present: u128, a: u8, b: u8) -> bool {
    let both = 1 << a | 1 << b;
    present & both == both && w.windows(2).any(|p| p[0] == a && p[1] == b)
}

fn classify_words(w: &[u8]) -> SectionKind {
    // The words present as bits: most tests below are one bit test, predictably false.
    let present = w.iter().fold(0u128, |bits, &i| bits | 1 << i);
    let has = |x: u8| present >> x & 1 == 1;
    let pair = |a: u8, b: u8| adjacent(w, present, a, b);
    use SectionKind::*;

    if has(w!("appendix")) || pair(w!("chat"), w!("log")) || pair(w!("chat"), w!("logs")) {
        return Appendix;
    }
    // What the heading promises, decided first: a heading that names actions is about them
    // whatever else it names ("Further Mitigations and Learnings", "Root Cause
    // Remediations").
    let corrective = has(w!("corrective"))
        || has(w!("remediation"))
        || has(w!("remedial"))
        || pair(w!("immediate"), w!("actions"))
        || pair(w!("immediate"), w!("action"))
        || has(w!("mitigations"));
    let preventive = has(w!("prevent"))
        || has(w!("prevention"))
        || has(w!("preventive"))
        || has(w!("preventative"))
        || has(w!("preventions"))
        || (has(w!("future")) && has(w!("measures")));
    let tasks = pair(w!("action"), w!("items"))
        || pair(w!("action"), w!("item"))
        || pair(w!("actions"), w!("items"))
        || pair(w!("action"), w!("plan"))
        || pair(w!("actions"), w!("planned"))
        || pair(w!("planned"), w!("actions"))
        || pair(w!("next"), w!("steps"))
        || pair(w!("future"), w!("work"))
        || has(w!("todo"))
        // "To Do" alone ("How to do a failover" is no list of tasks).
        || (pair(w!("to"), w!("do")) && w.len() == 2)
        || has(w!("tasks"))
        || has(w!("task"))
        || ((has(w!("followup")) || has(w!("followups"))) && !has(w!("meeting")))
        // ("Long-term actions"; "Actions taken" is read below; "Call to action" and
        // "After-action report" are no list of them.)
        || (w.len() <= 2 && has(w!("action")))
        || (w.len() <= 3 && has(w!("actions")))
        || (pair(w!("what"), w!("is")) && has(w!("done")))
        // "What we are doing about it", "What we're doing to prevent this".
        || (has(w!("what")) && has(w!("doing")))
        // A retrospective's "What will we do differently?".
        || (has(w!("differently")) && (has(w!("do")) || has(w!("doing"))))
        // "What we will do", "What we're going to do".
        || (has(w!("what")) && has(w!("do")) && (has(w!("will")) || has(w!("going"))))
        // "What's next", "What comes next" (not "What happened next").
        || (has(w!("what")) && has(w!("next")) && !has(w!("happened")) && w.len() <= 3)
        || pair(w!("work"), w!("items"))
        || pair(w!("open"), w!("items"))
        || pair(w!("remaining"), w!("work"))
        || pair(w!("remaining"), w!("items"));
    // "Improvements", "Fixes"; "measures" only with a word that makes them promised
    // ("Corrective measures" above) or alone: "Security measures" describes what exists.
    let measures = has(w!("improvements"))
        || has(w!("improvement"))
        || has(w!("recommendations"))
        || has(w!("fixes"))
        || (has(w!("measures")) && w.len() == 1)
        || has(w!("countermeasures"))
        // Promises in other words: "Going forward", "Hardening", "Our commitments", "Changes
        // we're making".
        // (As a heading's few words: "The hardening change broke..." tells a story.)
        || (w.len() <= 3
            && (pair(w!("going"), w!("forward"))
                || pair(w!("moving"), w!("forward"))
                || has(w!("hardening"))
                || has(w!("commitments"))))
        || (w.len() <= 4 && has(w!("changes")) && (has(w!("making")) || has(w!("planned"))));
    let lessons = has(w!("lessons"))
        || has(w!("learnings"))
        || has(w!("takeaways"))
        || pair(w!("went"), w!("well"))
        || pair(w!("went"), w!("wrong"))
        || pair(w!("went"), w!("poorly"))
        || pair(w!("got"), w!("lucky"))
        || (has(w!("what")) && (pair(w!("did"), w!("not")) || has(w!("didn"))));
    if lessons {
        // "Lessons learned and action items": mixed, so the items count, kind unknown.
        return if corrective || preventive || tasks {
            Measures
        } else {
            LessonsLearned
        };
    }
    if has(w!("timeline")) || has(w!("chronology")) || pair(w!("sequence"), w!("of")) {
        return Timeline;
    }
    if has(w!("contributing")) {
        return ContributingFactors;
    }
    let root_cause =
        pair(w!("root"), w!("cause")) || pair(w!("root"), w!("causes")) || has(w!("summation"));
    if root_cause && !corrective && !preventive {
        return RootCause;
    }
    // "Actions Taken" is what was done during the incident, not what is promised after it.
    if pair(w!("actions"), w!("taken"))
        || pair(w!("action"), w!("taken"))
        || pair(w!("steps"), w!("taken"))
        || pair(w!("measures"), w!("taken"))
    {
        return Resolution;
    }
    match (corrective, preventive) {
        (true, true) => return Measures,
        (true, false) => return Corrective,
        (false, true) => return Preventive,
        (false, false) => {}
    }
    if tasks {
        return Tasks;
    }
    // "Incident response and fixes" tells what was done during the incident: not a list of
    // promises. ("Response" alone is no section: "Incident Response Training:" titles a
    // group of items.)
    if measures && !has(w!("response")) {
        return Measures;
    }
    if has(w!("detection")) {
        return Detection;
    }
    if has(w!("resolution"))
        || has(w!("recovery"))
        || has(w!("debugging"))
        || has(w!("investigation"))
        || has(w!("troubleshooting"))
        || has(w!("mitigation"))
    {
        return Resolution;
    }
    if has(w!("impact")) {
        return Impact;
    }
    if has(w!("duration")) {
        return Duration;
    }
    if has(w!("cause")) || has(w!("causes")) || has(w!("trigger")) {
        return RootCause;
    }
    if has(w!("summary"))
        || has(w!("overview"))
        // "What happened?" names the story; in a longer heading ("... read on to see what
        // happened") it does not.
        || (pair(w!("what"), w!("happened")) && w.len() <= 3)
        || has(w!("synopsis"))
        || pair(w!("tl"), w!("dr"))
        || has(w!("tldr"))
    {
        return Summary;
    }
    if has(w!("conclusion"))
        || has(w!("conclusions"))
        || (has(w!("thoughts")) && (has(w!("final")) || has(w!("closing"))))
        || pair(w!("wrap"), w!("up"))
    {
        return Conclusion;
    }
    Other
}

#[cfg(test)]
mod tests {
    use super::*;
    use SectionKind::*;

    #[test]
    fn labels_start_with_the_letters_that_select_them_and_longer_ones_come_first() {
        assert!(ACTION_LABELS.iter().all(|l| l.starts_with("action")));
        assert!(TASK_LABELS
            .iter()
            .all(|l| l.starts_with("to") || l.starts_with("follow")));
        for table in [&ACTION_LABELS[..], &TASK_LABELS] {
            for (k, label) in table.iter().enumerate() {
                let shadowed = table[..k].iter().any(|earlier| label.starts_with(earlier));
                assert!(!shadowed, "{label:?} comes after a label it starts with");
            }
        }
    }

    #[test]
    fn action_headings_in_other_languages_and_contractions_name_actions() {
        for (heading, kind) in [
            ("Maßnahmen", Measures),
            ("4. Maßnahmen", Measures),
            ("Nächste Schritte", Tasks),
            ("Acciones correctivas", Corrective),
            ("ACOES CORRETIVAS", Corrective),
            ("Ações preventivas", Preventive),
            ("Plan d'action", Tasks),
            ("Tareas pendientes", Tasks),
            ("Itens de ação", Tasks),
            ("What we'll do", Tasks),
            ("What we\u{2019}ll do", Tasks),
            // A phrase is a word's start, not any start: "Aufgabenverteilung" is no list.
            ("Aufgabenverteilung", Other),
            ("Tarea", Other),
        ] {
            assert_eq!(classify(heading), kind, "{heading}");
        }
        // (The first letters rule headings out before a lower-case copy; a longer phrase
        // comes before one it starts with.)
        for (k, (phrase, _)) in FOREIGN_ACTION_HEADINGS.iter().enumerate() {
            assert!(matches!(phrase.chars().next(), Some('a'..='v')), "{phrase}");
            assert_eq!(phrase.to_lowercase(), *phrase);
            let shadowed = FOREIGN_ACTION_HEADINGS[..k]
                .iter()
                .any(|(earlier, _)| phrase.starts_with(earlier));
            assert!(!shadowed, "{phrase:?} comes after a phrase it starts with");
        }
    }

    #[test]
    fn emoji_and_curly_quotes_separate_words_as_spaces_do() {
        for (decorated, plain) in [
            ("🚨 Follow-ups ✅", "Follow-ups"),
            ("📝 Action Items", "Action Items"),
            ("“Root Cause” 🔍", "Root Cause"),
            ("⏱️ Timeline", "Timeline"),
        ] {
            assert_eq!(
                words(decorated).to_vec(),
                words(plain).to_vec(),
                "{decorated}"
            );
            assert_eq!(classify(decorated), classify(plain), "{decorated}");
        }
        // Non-ASCII letters are words: "Maßnahmen" is one word, not "Ma" and "nahmen".
        assert_eq!(words("Maßnahmen").len(), 1);
        assert!(actions_taken("✅ Actions taken") && !actions_planned("✅ Actions taken"));
        assert!(actions_planned("Planned actions") && !actions_taken("Planned actions"));
    }

    #[test]
    fn classifies_by_meaning() {
        let cases = [
            ("Corrective and Preventative Measures:", Measures),
            ("Corrective And Preventive Measures", Measures),
            ("Improvements/Fixes", Measures),
            ("Tasks to Address the Issue", Tasks),
            ("A List Of Tasks To Address The Issue", Tasks),
            ("Action Items", Tasks),
            ("Post-incident actions", Tasks),
            ("Post Incident Actions", Tasks),
            ("Post-Mortem Action Items", Tasks),
            ("Post-incident review", Other),
            ("To Do", Tasks),
            ("To Do list", Tasks),
            ("How to do a failover", Other),
            ("Long-term actions", Tasks),
            (
                "How we're making sure this doesn't happen again",
                Preventive,
            ),
            ("Ensuring this won't happen again", Preventive),
            ("Why did it happen again?", Other),
            ("Steps we are taking", Measures),
            ("What we are improving", Measures),
            ("Call to action", Other),
            ("After-action report", Other),
            (
                "How we are preventing this from happening again",
                Preventive,
            ),
            ("How we're preventing recurrence", Preventive),
            ("How we will prevent this", Preventive),
            ("How we prevented data loss", Other),
            ("What we're changing", Measures),
            ("What we've changed", Measures),
            ("What changed in the release", Other),
            ("Actionables", Tasks),
            ("Follow-up meeting", Other),
            ("Follow-ups", Tasks),
            ("Repair items", Corrective),
            ("Outstanding work", Tasks),
            ("Outstanding items", Tasks),
            ("Preventing recurrence", Preventive),
            ("Preventing this in the future", Preventive),
            ("What happened?", Summary),
            ("What we are doing about it", Tasks),
            ("TODO", Tasks),
            ("To-Dos", Tasks),
            ("Follow-Up", Tasks),
            ("Prevention", Preventive),
            ("Measures against such problem in future", Preventive),
            ("Remediation", Corrective),
            ("Immediate Actions (Completed)", Corrective),
            ("Short-term Improvements (In Progress)", Measures),
            ("Actions Taken", Resolution),
            ("Root Cause and Resolution", RootCause),
            ("Events Timeline", Timeline),
            ("horror Timeline", Timeline),
            ("Issue Symmary", Summary),
            ("Lessons Learned", LessonsLearned),
            ("What went well", LessonsLearned),
            ("What did not", LessonsLearned),
            ("What didn't work", LessonsLearned),
            ("Duration of Outage", Duration),
            (
                "Choose your Databases wisely, read on to see what happened",
                Other,
            ),
            ("Contributing Factors", ContributingFactors),
            ("Corrective Actions", Corrective),
            ("Traefik Rule Preventing Some Inbound Traffic", Other),
            ("Final Thoughts", Conclusion),
            ("Issue Synopsis", Summary),
            ("Further Mitigations and Learnings", Measures),
            ("Lessons Learned and Action Items", Measures),
            ("Root Cause Remediations", Corrective),
            ("Remediations", Corrective),
            ("Remedial Measures", Corrective),
            ("Follow-up work", Tasks),
            ("Future Work", Tasks),
            ("What we are doing about it", Tasks),
            ("What will we do differently?", Tasks),
            ("What we will do", Tasks),
            ("What we're going to do", Tasks),
            ("What we did", Other),
            ("Open items", Tasks),
            ("Open questions", Other),
            ("Remaining work", Tasks),
            ("Actions planned", Tasks),
            ("Measures", Measures),
            ("Security measures", Other),
            ("Measures taken", Resolution),
            ("Incident response and fixes", Other),
            ("Incident Response Training", Other),
            ("Going forward", Measures),
            ("Moving Forward", Measures),
            ("Hardening", Measures),
            ("Our commitments", Measures),
            ("Changes we're making", Measures),
            ("Planned changes", Measures),
            ("What's next", Tasks),
            ("What happened next", Summary),
            ("Changes made", Other),
            ("The hardening change broke three services", Other),
            ("We missed our SLA commitments for these customers", Other),
        ];
        for (heading, kind) in cases {
            assert_eq!(classify(heading), kind, "{heading}");
        }
    }

    #[test]
    fn lines_that_may_name_a_section() {
        assert!(ANCHORS.windows(2).all(|p| p[0] < p[1]));
        assert_eq!(
            anchors_starting(b'r'),
            ["recommend", "recover", "remediat", "resolution", "root"]
        );
        assert!(may_name_section("Root-cause analysis"));
        assert!(may_name_section("REMEDIATION"));
        assert!(may_name_section("the sumary")); // a typo of a keyword
        assert!(!may_name_section("We restarted the database"));
    }

    #[test]
    fn keywords_are_not_typos_of_each_other() {
        // canonical_id relies on it.
        for k in KEYWORDS {
            assert_eq!(near_keyword(k.as_bytes(), true), None, "{k}");
        }
    }

    #[test]
    fn known_words_are_looked_up_and_typos_folded() {
        assert!(VOCAB.windows(2).all(|p| p[0].0 < p[1].0));
        for (i, (w, _)) in VOCAB.iter().enumerate() {
            let canonical = match *w {
                "followups" => w!("followup"),
                _ => (i + 1) as u8,
            };
            assert_eq!(lookup(w.as_bytes()), canonical, "{w}");
        }
        assert_eq!(lookup(b"todos"), w!("todo"));
        assert_eq!(lookup(b"monitoring"), 0);
        assert_eq!(canonical_id(b"symmary"), w!("summary"));
        assert_eq!(canonical_id(b"mitigations"), w!("mitigations"));
        // "Post-mortem" and "post-incident" qualify a heading's words and add none.
        assert_eq!(
            *words("Follow-Up To-Dos, post mortem"),
            [w!("followup"), w!("todo")]
        );
        for h in [
            "Follow-Up To-Dos, post-mortem",
            "Post-incident actions",
            "follow ups and TODOS",
            "Root cause",
        ] {
            assert_eq!(*words(h), *words_unicode(h), "{h}");
        }
    }

    #[test]
    fn plain_lines_need_heading_words_only() {
        assert_eq!(is_plain_heading("Events Timeline"), Some(Timeline));
        assert_eq!(is_plain_heading("Follow-Up"), Some(Tasks));
        assert_eq!(is_plain_heading("The timeline was short"), None);
        assert_eq!(is_plain_heading("Monitoring"), None);
    }
}
