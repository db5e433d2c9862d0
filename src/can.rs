//! The CAN report (Conditions, Actions, Needs) that incident commanders brief executives with,
//! built from a postmortem's parsed timeline by fixed rules: no model, no network, the same
//! output for the same input.
//!
//! Honesty is the design constraint: every statement in the report is a sentence of the
//! source, quoted as written, with the timeline entries (time and line) it came from. The
//! rules only choose *where* a sentence goes and link sentences together (a failure and the
//! later report that it works again, a question and its answer). They never paraphrase.
//!
//! # Rules
//! Each timeline entry is split into sentences (never inside a quotation). The speaker of a
//! sentence is the phrase before its first reporting verb ("Pete reports", "One of the SMEs
//! suggests"). Each sentence is then read in this order; the first rule that matches decides
//! its place, except that a state report (rule 8) can accompany an action (rules 5 to 7):
//! 1. *Repeat*: "asks the question a second time" adds a note to the last open question.
//! 2. *Help asked* ("asks for help", "asks for some help in flushing the queue"): a need,
//!    resolved when someone is then asked to take care of it (rule 4).
//! 3. *Question* (a `?`, or "asks how/who/what/if/whether/about"): a need, answered by a later
//!    sentence that answers, responds, replies, "offers that" or "thinks it will" in the same or
//!    next entry. A question asking to choose ("if they want … or …") is a *decision*, given by
//!    a later directive (rule 5) from an executive or the leader. "No answer", "no one answers"
//!    and "no consensus" are noted on the open question or decision.
//! 4. *Assignment* ("asks another SME to take care of it", "assigns"): an action.
//! 5. *Directive* ("directs", "decides", a quoted imperative such as “Disable it…” or
//!    “Let's move forward”): an action, tagged `decided`.
//! 6. *Need* ("needs to", "we need", "wants to make sure", "confusion as to who", "still
//!    investigating", "still looking at"): a need; unowned when the text says nobody knows who
//!    handles it. Resolved by a later sentence on the same topic (a shared content word) that
//!    reports a finding or a result ("it appears", "confirmed", "provides … info", "works").
//! 7. *Action*: a proposal ("suggests", "wants to", "should"), work in progress ("are
//!    checking", "began"), or work done (a past or passive incident verb: "has been
//!    contacted", "escalated", "restarted", "have checked").
//! 8. *State report*: a failure word ("failed", "lost", "unable", "not able", "issues",
//!    "problem", "backed up", "down", "errors") makes a *problem* condition; a recovery phrase
//!    ("working again", "able to log in", "look good", "all green", "restored", "coming in")
//!    a *restored* condition; both make a *partial* one. "May be", "might be" make a
//!    *suspected cause*. Conditional sentences ("if …") and discussions ("Discussion on …")
//!    are not state reports. A problem is marked restored by later restored conditions that
//!    share a content word with it ("e-mail", "analytics", "login", "Server 24").
//!
//! Conditions also carry where (Server 24, Main Street Datacenter (MSDC)), who and how many
//! are affected ("seven cases", "a couple of customers", "61% of our users") and since when
//! ("started about 06:20", "after the software release"), when the sentence says so.
//! Participants and roles come from appositions ("The Executive, Paul,"), statements ("Pete
//! offers that he is the leader"), and the groups that speak (SMEs, Customer Service).
//! For an ordinary postmortem, open action items become needs (citing their lines).
//!
//! `at` cuts the timeline: only entries up to that time of day are read (counted from the
//! first entry, across midnight), as a commander would write the report during the incident.

use chrono::NaiveTime;
use serde::Serialize;

use crate::model::{Postmortem, TimelineEntry, Timestamp};

/// A CAN report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CanReport {
    /// The postmortem's path.
    pub source: String,
    pub title: Option<String>,
    /// The moment the report is written as of (`--at`), when not the whole timeline.
    pub as_of: Option<String>,
    /// First and last moments known (timeline, or the postmortem's incident start and end).
    pub start: Option<String>,
    pub end: Option<String>,
    /// Minutes from start to end (or to `as_of`).
    pub duration_minutes: Option<i64>,
    /// Whether the text says the incident or call ended (within the cut).
    pub ended: bool,
    /// Timeline entries read, and in the document.
    pub entries_used: usize,
    pub entries_total: usize,
    pub participants: Vec<Participant>,
    pub conditions: Vec<Statement>,
    pub actions: Vec<Statement>,
    pub needs: Vec<Statement>,
    /// Counts for the summary line.
    pub problems_open: usize,
    pub problems_restored: usize,
}

/// A person or group on the incident, with the role the text gives them.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Participant {
    pub name: String,
    /// `leader`, `executive`, `subject-matter experts`, `customer service`, …
    pub role: Option<String>,
    /// Whether `name` is a person's name (else a role or group the text names).
    pub named: bool,
    /// Where the text first names them, and where it gives the role.
    pub cites: Vec<Cite>,
}

/// Where a statement comes from: a timeline entry's time and line.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cite {
    /// The entry's time as written in the report (`04:21:43`), if it has one.
    pub time: Option<String>,
    /// 1-based line in the document.
    pub line: usize,
}

/// What a statement is, within its section.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Tag {
    // Conditions
    Problem,
    Partial,
    Restored,
    SuspectedCause,
    /// A root cause the document states.
    Cause,
    // Actions
    Done,
    InProgress,
    Proposed,
    Decided,
    Assigned,
    // Needs
    #[serde(rename = "open_question")]
    Question,
    #[serde(rename = "decision_needed")]
    Decision,
    #[serde(rename = "unowned_work")]
    Unowned,
    Required,
    HelpRequested,
    #[serde(rename = "open_action_item")]
    OpenItem,
}

/// A sentence of the source placed in the report, with what links it to others.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Statement {
    /// The sentence as written.
    pub text: String,
    pub tag: Tag,
    /// Who said or did it, as the text names them (`Pete`, `an SME`, `Customer Service`).
    pub who: Option<String>,
    /// Who is to do it (needs), when the text says.
    pub owner: Option<String>,
    /// Places named: `Server 24`, `Main Street Datacenter (MSDC)`.
    #[serde(rename = "where")]
    pub places: Vec<String>,
    /// Who and how many are affected: `seven cases`, `a couple of customers`.
    pub affected: Option<String>,
    /// Since when: `about 06:20`, `after the software release`.
    pub since: Option<String>,
    /// Later sentences that bear on this one (restored, answered, no answer, asked again).
    pub notes: Vec<Note>,
    /// The entries this statement and its notes draw on, in time order.
    pub cites: Vec<Cite>,
    /// Index of the timeline entry the statement comes from.
    #[serde(skip)]
    entry: usize,
}

/// A later sentence linked to a statement.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Note {
    /// `restored`, `answered`, `no answer`, `asked again`, `confirmed`, `decided`, `assigned`.
    pub kind: String,
    pub text: String,
    pub cite: Cite,
    /// Document order, to sort notes added at different times.
    #[serde(skip)]
    order: usize,
}

/// Writes the CAN report of `pm` from its timeline (and its open action items), as of `at`
/// when given.
pub fn report(pm: &Postmortem, at: Option<NaiveTime>) -> CanReport {
    report_document(pm, None, at)
}

/// Like [`report`], and when the document's `text` is given (the text `pm` was parsed from),
/// also reads its sections: the summary and impact as state reports (before the timeline),
/// root-cause sentences as conditions tagged `cause`, resolution sentences as actions done
/// (after it), each citing its line. Sections have no times, so `at` leaves them out.
pub fn report_document(pm: &Postmortem, text: Option<&str>, at: Option<NaiveTime>) -> CanReport {
    let cut = cut_timeline(&pm.timeline, at);
    let entries: Vec<&TimelineEntry> = pm.timeline[..cut].iter().collect();

    let (before, after) = match (text, at) {
        (Some(text), None) => section_units(pm, text),
        _ => (Vec::new(), Vec::new()),
    };
    let mut units: Units = before;
    for e in &entries {
        let cite = Cite {
            time: e.time.map(|t| short_time(&t)),
            line: e.line,
        };
        units.push((e.text.clone(), cite, Unit::Timeline));
    }
    units.extend(after);

    let mut sentences = Vec::new();
    let mut kinds = Vec::new();
    for (ei, (text, cite, unit)) in units.iter().enumerate() {
        for s in split_sentences(text) {
            let order = sentences.len();
            sentences.push(Sentence::new(s, ei, order, cite.clone()));
            kinds.push(*unit);
        }
    }

    let mut b = Builder::default();
    for i in 0..sentences.len() {
        match kinds[i] {
            // "The bug was fixed by deploying a patch" under "Root Cause and Resolution".
            Unit::Cause if sentences[i].has_any(DONE) || sentences[i].has("fixed") => {
                b.actions.push(Builder::stmt(&sentences[i], Tag::Done))
            }
            Unit::Cause => b.conditions_push(&sentences[i], Tag::Cause),
            Unit::Resolution => b.actions.push(Builder::stmt(&sentences[i], Tag::Done)),
            Unit::Timeline | Unit::State => b.read(&sentences, i),
        }
    }
    b.link_restorations();

    // Open action items of an ordinary postmortem are what is still required.
    if at.is_none() {
        for item in pm.actions.iter().filter(|a| !a.done) {
            b.needs.push(Statement {
                owner: item.owner.clone(),
                ..Statement::new(
                    item.text.clone(),
                    Tag::OpenItem,
                    None,
                    Cite {
                        time: None,
                        line: item.line,
                    },
                )
            });
        }
    }

    let participants = participants(&sentences);
    let ended = sentences.iter().any(|s| s.has_any(ENDED));
    let (start, end, duration_minutes) = span(pm, &entries, at);
    let problems_open = b
        .conditions
        .iter()
        .filter(|c| {
            matches!(c.tag, Tag::Problem | Tag::Partial)
                && !c.notes.iter().any(|n| n.kind == "restored")
        })
        .count();
    let problems_restored = b
        .conditions
        .iter()
        .filter(|c| {
            matches!(c.tag, Tag::Problem | Tag::Partial)
                && c.notes.iter().any(|n| n.kind == "restored")
        })
        .count();
    let needs = b.needs.into_iter().filter(|n| !n.settled()).collect();
    CanReport {
        source: pm.path.clone(),
        title: pm.title.clone(),
        as_of: at.map(|t| t.format("%H:%M:%S").to_string()),
        start,
        end,
        duration_minutes,
        ended,
        entries_used: entries.len(),
        entries_total: pm.timeline.len(),
        participants,
        conditions: b.conditions,
        actions: b.actions,
        needs,
        problems_open,
        problems_restored,
    }
}

/// Pieces of text to read, with their citation and kind.
type Units = Vec<(String, Cite, Unit)>;

/// Where a piece of text comes from, which decides how its sentences are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Timeline,
    /// Summary, impact, duration: read by the rules, like timeline entries.
    State,
    /// Root cause: stated as a condition.
    Cause,
    /// Resolution: what was done.
    Resolution,
}

/// The lines of the document's summary/impact sections (to read before the timeline) and of
/// its root-cause/resolution sections (after it). Lines that are timeline entries, headings
/// or list markers only are skipped.
fn section_units(pm: &Postmortem, text: &str) -> (Units, Units) {
    use crate::model::SectionKind as K;
    let lines: Vec<&str> = text.lines().collect();
    let mut sections: Vec<_> = pm.sections.iter().collect();
    sections.sort_by_key(|s| s.line);
    let timeline_lines: Vec<usize> = pm.timeline.iter().map(|e| e.line).collect();
    let heading_lines: Vec<usize> = sections.iter().map(|s| s.line).collect();
    let (mut before, mut after) = (Vec::new(), Vec::new());
    for (i, sec) in sections.iter().enumerate() {
        let unit = match sec.kind {
            K::Summary | K::Impact | K::Duration | K::Detection => Unit::State,
            K::RootCause | K::ContributingFactors => Unit::Cause,
            K::Resolution => Unit::Resolution,
            _ => continue,
        };
        let end = sections.get(i + 1).map_or(lines.len(), |n| n.line - 1);
        let target = if unit == Unit::State {
            &mut before
        } else {
            &mut after
        };
        // A paragraph or list item hard-wrapped over several lines is one text: its lines
        // are joined before it is cut into sentences, each citing the line it starts on.
        let mut para: Vec<(usize, String)> = Vec::new();
        for n in sec.line + 1..=end {
            let Some(raw) = lines.get(n - 1) else { break };
            let t = raw
                .trim()
                .trim_start_matches(['-', '*', '+', '>', '#'])
                .trim();
            // Pictures, tables, code fences and comments are no statements.
            let not_prose = ["![", "<", "|", "```", "~~~"]
                .iter()
                .any(|p| t.starts_with(p));
            if t.is_empty()
                || not_prose
                || timeline_lines.contains(&n)
                || heading_lines.contains(&n)
            {
                push_paragraph(target, &mut para, unit);
                continue;
            }
            if starts_list_item(raw) {
                push_paragraph(target, &mut para, unit);
            }
            para.push((n, t.replace("**", "").replace("__", "")));
        }
        push_paragraph(target, &mut para, unit);
        // "Root Cause: The root cause of the outage was…" on the heading line itself.
        if let Some((_, rest)) = lines.get(sec.line - 1).and_then(|l| l.split_once(':')) {
            let rest = rest.trim();
            if rest.split_whitespace().count() >= 4 {
                let cite = Cite {
                    time: None,
                    line: sec.line,
                };
                target.push((rest.to_string(), cite, unit));
            }
        }
    }
    (before, after)
}

/// Whether a line begins a list item (`- `, `* `, `+ `, `1. `, `1) `): a new text, not the
/// continuation of the line before.
fn starts_list_item(raw: &str) -> bool {
    let t = raw.trim_start();
    if let Some(rest) = t.strip_prefix(['-', '*', '+']) {
        return rest.starts_with(' ');
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0
        && matches!(
            t.as_bytes().get(digits..digits + 2),
            Some([b'.' | b')', b' '])
        )
}

/// Adds the sentences of a paragraph (its lines, with their numbers) to `target`, each citing
/// the line its first word stands on, and empties the paragraph.
fn push_paragraph(target: &mut Units, para: &mut Vec<(usize, String)>, unit: Unit) {
    let mut joined = String::new();
    let mut starts = Vec::with_capacity(para.len());
    for (n, t) in para.drain(..) {
        if !joined.is_empty() {
            joined.push(' ');
        }
        starts.push((joined.len(), n));
        joined.push_str(&t);
    }
    let mut cursor = 0;
    for s in split_sentences(&joined) {
        let first = s.split_whitespace().next().unwrap_or("");
        let at = joined[cursor..].find(first).map_or(cursor, |i| cursor + i);
        cursor = at + first.len();
        let line = starts
            .iter()
            .take_while(|(offset, _)| *offset <= at)
            .last()
            .map_or(0, |(_, n)| *n);
        target.push((s, Cite { time: None, line }, unit));
    }
}

/// How far ahead (in sentences, or in conditions) a statement looks for what answers,
/// resolves or restores it.
const LOOKAHEAD: usize = 500;

/// Note kinds that settle a need, which then leaves the Needs section.
const RESOLVING: [&str; 4] = ["answered", "decided", "assigned", "resolved"];

fn short_time(t: &Timestamp) -> String {
    match (t.date, t.time) {
        (None, Some(time)) => time.format("%H:%M:%S").to_string(),
        _ => t.to_string(),
    }
}

/// How many leading entries of `timeline` fall at or before `at`. Times of day are counted
/// from the first timed entry, adding a day whenever the clock goes backwards (midnight).
/// Entries without a time go with the entry before them. An `at` earlier in the day than the
/// first entry is before the incident (none), unless the timeline runs past midnight: then
/// it is the next day.
fn cut_timeline(timeline: &[TimelineEntry], at: Option<NaiveTime>) -> usize {
    let Some(at) = at else {
        return timeline.len();
    };
    let times: Vec<NaiveTime> = timeline.iter().filter_map(|e| e.time?.time).collect();
    let past_midnight = times.windows(2).any(|w| w[1] < w[0]);
    if times.first().is_some_and(|first| at < *first) && !past_midnight {
        return 0;
    }
    let mut first: Option<NaiveTime> = None;
    let mut prev_secs = 0i64;
    let mut day = 0i64;
    let mut count = 0;
    for (i, e) in timeline.iter().enumerate() {
        if let Some(t) = e.time.and_then(|t| t.time) {
            let first = *first.get_or_insert(t);
            let mut secs = (t - first).num_seconds() + day * 86_400;
            if secs < prev_secs {
                day += 1;
                secs += 86_400;
            }
            prev_secs = secs;
            let mut at_secs = (at - first).num_seconds();
            if at_secs < 0 {
                at_secs += 86_400;
            }
            if secs > at_secs {
                return count;
            }
        }
        count = i + 1;
    }
    count
}

fn span(
    pm: &Postmortem,
    entries: &[&TimelineEntry],
    at: Option<NaiveTime>,
) -> (Option<String>, Option<String>, Option<i64>) {
    let timed: Vec<Timestamp> = entries
        .iter()
        .filter_map(|e| e.time)
        .filter(|t| t.time.is_some())
        .collect();
    if let Some(at) = at {
        let first = timed.first().copied();
        let end = Timestamp {
            date: None,
            time: Some(at),
            offset: first.and_then(|f| f.offset),
        };
        let minutes = first.and_then(|f| Timestamp { date: None, ..f }.minutes_until(&end));
        return (
            first.map(|f| short_time(&f)),
            Some(short_time(&end)),
            minutes,
        );
    }
    if pm.incident.start.is_some() || pm.incident.end.is_some() {
        let minutes = pm.incident.duration_minutes.or_else(|| {
            pm.incident
                .start
                .zip(pm.incident.end)
                .and_then(|(s, e)| s.minutes_until(&e))
        });
        return (
            pm.incident.start.map(|t| short_time(&t)),
            pm.incident.end.map(|t| short_time(&t)),
            minutes,
        );
    }
    let (first, last) = (timed.first().copied(), timed.last().copied());
    let minutes = first.zip(last).and_then(|(f, l)| {
        if f.date.is_some() {
            return f.minutes_until(&l);
        }
        // Times of day: walk entry by entry in seconds, a day added whenever the clock goes
        // back (midnight), so rounding never accumulates.
        let mut total = 0i64;
        for w in timed.windows(2) {
            let (a, b) = (w[0].time?, w[1].time?);
            let mut secs = (b - a).num_seconds();
            if secs < 0 {
                secs += 86_400;
            }
            total += secs;
        }
        Some(total / 60)
    });
    (
        first.map(|t| short_time(&t)),
        last.map(|t| short_time(&t)),
        minutes,
    )
}

// ---------------------------------------------------------------------------------------------
// Sentences

/// One sentence of one entry, with its normalised words.
#[derive(Debug)]
struct Sentence {
    text: String,
    /// Lower case, curly quotes and apostrophes made plain, punctuation as spaces, padded with
    /// spaces so that `has(" word ")` matches whole words.
    norm: String,
    entry: usize,
    /// Index among all sentences.
    order: usize,
    cite: Cite,
    speaker: Option<String>,
    /// Content words, for linking sentences about the same thing.
    topics: Vec<String>,
}

impl Sentence {
    fn new(text: String, entry: usize, order: usize, cite: Cite) -> Sentence {
        let norm = normalise(&text);
        let speaker = speaker(&text);
        let topics = topics(&text, speaker.as_deref());
        Sentence {
            topics,
            text,
            norm,
            entry,
            order,
            cite,
            speaker,
        }
    }

    fn has(&self, phrase: &str) -> bool {
        has_phrase(&self.norm, phrase)
    }

    fn has_any(&self, phrases: &[&str]) -> bool {
        phrases.iter().any(|p| self.has(p))
    }

    fn starts_with_any(&self, phrases: &[&str]) -> bool {
        phrases
            .iter()
            .any(|p| self.norm.starts_with(&format!(" {p} ")))
    }
}

/// Whether `phrase` occurs in `norm` (see [`normalise`]) as whole words, without allocating.
fn has_phrase(norm: &str, phrase: &str) -> bool {
    let bytes = norm.as_bytes();
    norm.match_indices(phrase).any(|(at, _)| {
        at > 0 && bytes[at - 1] == b' ' && bytes.get(at + phrase.len()) == Some(&b' ')
    })
}

fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    for c in text.chars() {
        let c = match c {
            '’' | '‘' => '\'',
            c => c,
        };
        if c.is_alphanumeric() || c == '\'' || c == '-' || c == '%' {
            out.extend(c.to_lowercase());
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    // "e-mail" and "email", "log in" and "login" are the same thing.
    out.replace(" e-mail ", " email ")
        .replace(" e-mails ", " email ")
        .replace(" log in ", " login ")
        .replace(" log-in ", " login ")
        .replace(" re-run ", " rerun ")
}

/// Splits `text` into sentences at `.`, `?` or `!` followed by white space, never inside a
/// quotation (“…” or "…"), so a quoted speech stays with its speaker.
fn split_sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut straight_open = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        cur.push(c);
        match c {
            '“' => depth += 1,
            '”' => depth = (depth - 1).max(0),
            '"' => straight_open = !straight_open,
            _ => {}
        }
        let in_quote = depth > 0 || straight_open;
        let terminal = matches!(c, '.' | '?' | '!');
        let closes_quote = matches!(c, '”' | '"') && !in_quote && i > 0 && {
            matches!(chars[i - 1], '.' | '?' | '!' | ',')
        };
        let next_space = chars.get(i + 1).is_none_or(|c| c.is_whitespace());
        if ((terminal && !in_quote) || (closes_quote && chars[i - 1] != ',')) && next_space {
            // Do not split after an abbreviation such as "e.g." or an initial ("J. Smith").
            let word = cur
                .trim_end_matches(['.', '?', '!'])
                .rsplit(' ')
                .next()
                .unwrap_or("");
            let abbreviation = c == '.'
                && (word.len() == 1 || ["e.g", "i.e", "etc", "approx", "vs"].contains(&word));
            if !abbreviation {
                push_sentence(&mut out, &mut cur);
            }
        }
        i += 1;
    }
    push_sentence(&mut out, &mut cur);
    out
}

fn push_sentence(out: &mut Vec<String>, cur: &mut String) {
    let s = cur.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().any(char::is_alphanumeric) {
        out.push(s);
    }
    cur.clear();
}

/// Reporting and acting verbs that end a sentence's subject.
const SPEECH_VERBS: &[&str] = &[
    "says",
    "said",
    "say",
    "reports",
    "reported",
    "report",
    "asks",
    "asked",
    "ask",
    "responds",
    "responded",
    "replies",
    "replied",
    "offers",
    "offered",
    "suggests",
    "suggested",
    "observes",
    "observed",
    "confirms",
    "confirmed",
    "directs",
    "directed",
    "chimes",
    "wants",
    "want",
    "thinks",
    "joins",
    "joined",
    "provides",
    "provided",
    "answers",
    "answered",
    "explains",
    "notes",
    "states",
    "decides",
    "decided",
    "agrees",
    "mentions",
];

/// The phrase before the sentence's first reporting verb, as the speaker, when short enough
/// to be a name or a role ("Pete", "One of the SMEs", "Customer Service", "The Executive").
fn speaker(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let pos = words.iter().position(|w| {
        let w = w
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        SPEECH_VERBS.contains(&w.as_str())
    })?;
    if pos == 0 || pos > 5 {
        return None;
    }
    let subject = words[..pos].join(" ");
    let subject = subject.trim_matches(|c: char| !c.is_alphanumeric());
    // "After several minutes, the Executive" → "the Executive".
    let subject = subject.rsplit(", ").next().unwrap_or(subject);
    let lower = subject.to_lowercase();
    if ["there", "it", "this", "that", "discussion"].contains(&lower.as_str()) {
        return None;
    }
    Some(normalise_role_phrase(subject))
}

/// "One of the SMEs" and "An SME" are the same kind of speaker.
fn normalise_role_phrase(subject: &str) -> String {
    let lower = subject.to_lowercase();
    if lower.contains("sme") && !lower.contains("smes are") {
        if lower.starts_with("another") {
            return "another SME".into();
        }
        if lower.starts_with("one of") || lower.starts_with("an ") || lower == "sme" {
            return "an SME".into();
        }
    }
    subject.to_string()
}

const STOPWORDS: &[&str] = &[
    "hour",
    "hours",
    "last",
    "half",
    "time",
    "day",
    "days",
    "minute",
    "tonight",
    "today",
    "the",
    "a",
    "an",
    "and",
    "or",
    "but",
    "of",
    "to",
    "in",
    "on",
    "for",
    "with",
    "at",
    "by",
    "from",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "it",
    "its",
    "this",
    "that",
    "there",
    "their",
    "they",
    "them",
    "he",
    "she",
    "we",
    "our",
    "us",
    "you",
    "i",
    "as",
    "well",
    "some",
    "any",
    "all",
    "no",
    "not",
    "now",
    "only",
    "also",
    "then",
    "than",
    "so",
    "if",
    "about",
    "into",
    "up",
    "out",
    "one",
    "another",
    "more",
    "most",
    "other",
    "again",
    "still",
    "says",
    "said",
    "reports",
    "reported",
    "asks",
    "asked",
    "states",
    "there's",
    "looks",
    "look",
    "like",
    "good",
    "green",
    "working",
    "works",
    "able",
    "unable",
    "failed",
    "fails",
    "failing",
    "lost",
    "being",
    "issue",
    "issues",
    "problem",
    "problems",
    "current",
    "state",
    "new",
    "old",
    "have",
    "has",
    "had",
    "do",
    "does",
    "did",
    "will",
    "would",
    "can",
    "could",
    "may",
    "might",
    "just",
    "very",
    "what",
    "who",
    "which",
    "how",
    "when",
    "where",
    "why",
    "appear",
    "appears",
    "seems",
    "back",
    "coming",
    "restored",
    "resolved",
    "fully",
    "successfully",
    "after",
    "before",
    "during",
    "several",
    "minutes",
    "group",
    "team",
    "sme",
    "smes",
    "executive",
    "reporting",
    "checking",
    "checked",
    "couple",
    "customer",
    "service",
    "provides",
    "background",
    "info",
    "information",
    "needs",
    "need",
];

/// Content words of `text`, singular, without the speaker's words; a word followed by a
/// number is one topic ("server 24").
fn topics(text: &str, speaker: Option<&str>) -> Vec<String> {
    let norm = normalise(text);
    let speaker_words: Vec<String> = speaker
        .map(|s| normalise(s).split_whitespace().map(String::from).collect())
        .unwrap_or_default();
    let words: Vec<&str> = norm.split_whitespace().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        if let Some(n) = words
            .get(i + 1)
            .filter(|n| n.chars().all(|c| c.is_ascii_digit()))
        {
            if !w.chars().all(|c| c.is_ascii_digit()) && !STOPWORDS.contains(&w) {
                out.push(format!("{w} {n}"));
                i += 2;
                continue;
            }
        }
        let singular = w.strip_suffix('s').filter(|s| s.len() > 3).unwrap_or(w);
        if w.len() > 2
            && !STOPWORDS.contains(&w)
            && !STOPWORDS.contains(&singular)
            && !speaker_words.iter().any(|s| s == w)
            && !w.chars().all(|c| c.is_ascii_digit())
        {
            out.push(singular.to_string());
        }
        i += 1;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Word lists for the rules (see the module documentation).

const REPEAT: &[&str] = &[
    "a second time",
    "asks the question a second",
    "asks again",
    "asks the question again",
];
const HELP: &[&str] = &[
    "asks for help",
    "asks for some help",
    "asks for more help",
    "needs help",
];
const ASK: &[&str] = &["asks", "asked", "ask", "wonders", "questions"];
const ASK_OBJECT: &[&str] = &[
    "how", "who", "what", "whether", "if", "why", "when", "where", "which", "about",
];
const ANSWER: &[&str] = &[
    "answers",
    "answered",
    "responds",
    "responded",
    "replies",
    "replied",
    "offers that",
    "thinks it will",
    "says it will",
    "estimates",
];
/// Verbs with which another speaker's sentence answers a question.
const REPLY_VERBS: &[&str] = &[
    "says", "said", "replies", "replied", "answers", "responds", "suggests", "explains",
    "confirms", "thinks",
];
const NO_ANSWER: &[&str] = &[
    "no one gives",
    "nobody gives",
    "nobody on the bridge knows",
    "nobody knows",
    "no one knows",
    "no clear answer",
    "no estimate",
    "stays open",
    "remains open",
    "nobody volunteers",
    "no one volunteers",
    "no answer",
    "no one answers",
    "nobody answers",
    "no response",
    "not answered",
    "no consensus",
    "but no one answers",
];
const ASSIGN: &[&str] = &[
    "to take care of",
    "to handle",
    "assigns",
    "assigned",
    "takes ownership",
];
const DIRECTIVE: &[&str] = &[
    "approves",
    "approved",
    "directs",
    "directed",
    "decides",
    "decided",
    "let's move forward",
    "let's go ahead",
    "go ahead",
    "let's proceed",
    "let's work on",
    "let's roll back",
];
/// Verbs a quoted imperative starts with (“Disable it, then we can discuss it.”).
const IMPERATIVE: &[&str] = &[
    "disable", "enable", "restart", "stop", "start", "run", "rerun", "roll", "revert", "deploy",
    "flush", "fail", "switch", "block", "scale", "page", "escalate", "shut",
];
const NEED: &[&str] = &[
    "asks that",
    "needs to",
    "need to",
    "we need",
    "needs more",
    "need more",
    "wants to make sure",
    "want to make sure",
    "must",
    "is required",
    "are required",
    "still need",
];
const UNOWNED: &[&str] = &[
    "confusion as to who",
    "unclear who",
    "no owner",
    "nobody owns",
    "not sure who",
    "no one owns",
    "no one is assigned",
];
const ONGOING: &[&str] = &[
    "still investigating",
    "still looking",
    "still working",
    "still checking",
    "still trying",
    "still unknown",
];
const FINDING: &[&str] = &[
    "it appears",
    "appears that",
    "turned out",
    "turns out",
    "found that",
    "confirmed that",
    "provides some background info",
    "provides background info",
    "provides info",
    "provides information",
    "provides some info",
];
const PROPOSE: &[&str] = &[
    "suggests",
    "suggested",
    "proposes",
    "proposed",
    "wants to",
    "want to",
    "should",
    "recommends",
    "offers to",
];
const IN_PROGRESS: &[&str] = &[
    "are checking",
    "is checking",
    "are running",
    "is running",
    "began",
    "begins",
    "started restoring",
    "are working",
    "is working on",
    "are restoring",
    "is restoring",
];
/// Past or passive forms of what responders do.
const DONE: &[&str] = &[
    "rolls back",
    "restarts",
    "disables",
    "enables",
    "flushes",
    "deploys",
    "pages",
    "finds",
    "reverts",
    "escalates",
    "fixes",
    "patches",
    "reroutes",
    "replaces",
    "has been contacted",
    "have been contacted",
    "was contacted",
    "contacted",
    "have checked",
    "has checked",
    "checked",
    "escalated",
    "restarted",
    "rolled back",
    "reverted",
    "deployed",
    "disabled",
    "enabled",
    "flushed",
    "rerouted",
    "patched",
    "fixed",
    "replaced",
    "removed",
    "added",
    "scaled",
    "notified",
    "paged",
    "restored from",
    "applied",
    "implemented",
    "investigated",
    "tried",
    "ran",
    "reran",
    "re-ran",
    "failed over",
    "cleared",
    "killed",
    "identified",
    "discovered",
    "diagnosed",
    "found",
    "updated",
    "migrated",
    "engaged",
    "informed",
    "alerted",
    "detected",
    "received",
    "tested",
    "explored",
    "suspected",
    "assumed",
    "initiated",
    "performed",
    "conducted",
    "monitored",
];
const PROBLEM: &[&str] = &[
    "declined",
    "declines",
    "rejected",
    "refused",
    "failed",
    "fails",
    "failing",
    "failure",
    "lost",
    "losing",
    "unable",
    "not able",
    "cannot",
    "can't",
    "down",
    "outage",
    "error",
    "errors",
    "issue",
    "issues",
    "problem",
    "problems",
    "backed up",
    "slow",
    "slowdown",
    "degraded",
    "broken",
    "not working",
    "meltdown",
    "latency",
    "timeout",
    "timeouts",
    "crash",
    "crashed",
    "unavailable",
    "disruption",
    "corrupt",
];
/// [`PROBLEM`] without the generic nouns (issue, problem) that recovery reports also use.
const SPECIFIC_PROBLEM: &[&str] = &[
    "declined",
    "declines",
    "rejected",
    "refused",
    "failed",
    "fails",
    "failing",
    "failure",
    "lost",
    "losing",
    "unable",
    "not able",
    "cannot",
    "can't",
    "down",
    "outage",
    "error",
    "errors",
    "backed up",
    "slow",
    "slowdown",
    "degraded",
    "broken",
    "not working",
    "meltdown",
    "latency",
    "timeout",
    "timeouts",
    "crash",
    "crashed",
    "unavailable",
    "disruption",
    "corrupt",
];
const RESTORED: &[&str] = &[
    "back to",
    "is normal",
    "are normal",
    "is falling",
    "is recovering",
    "is healthy",
    "are healthy",
    "working again",
    "back up",
    "back online",
    "restored",
    "resolved",
    "recovered",
    "look good",
    "looks good",
    "all green",
    "are able to",
    "is able to",
    "were able to",
    "coming in",
    "do not appear to have any",
    "no longer",
    "is fixed",
    "are fixed",
    "running again",
    "back to normal",
];
const SUSPECT: &[&str] = &[
    "may be", "might be", "could be", "possibly", "suspect", "probably",
];
const DISCUSSION: &[&str] = &[
    "discussion",
    "there is discussion",
    "there is some discussion",
    "there is further",
    "additional discussion",
    "some discussion",
    "the discussion",
];
const ENDED: &[&str] = &[
    "call is terminated",
    "call terminated",
    "call ended",
    "call is ended",
    "bridge is closed",
    "bridge closed",
    "incident closed",
    "incident is closed",
    "incident resolved",
];

// ---------------------------------------------------------------------------------------------
// Reading sentences into the three sections.

#[derive(Default)]
struct Builder {
    conditions: Vec<Statement>,
    actions: Vec<Statement>,
    needs: Vec<Statement>,
    /// Condition index → its sentence's topics and order.
    condition_topics: Vec<Vec<String>>,
    condition_order: Vec<usize>,
    /// Need index → (sentence index, topics).
    need_topics: Vec<(usize, Vec<String>)>,
}

impl Statement {
    fn new(text: String, tag: Tag, who: Option<String>, cite: Cite) -> Statement {
        Statement {
            text,
            tag,
            who,
            owner: None,
            places: Vec::new(),
            affected: None,
            since: None,
            notes: Vec::new(),
            cites: vec![cite],
            entry: 0,
        }
    }

    /// Whether the last word on a need settles it: answered, decided, assigned, resolved.
    /// ("Sven says …" then "No one gives a clear answer" leaves the question open.)
    fn settled(&self) -> bool {
        self.notes
            .last()
            .is_some_and(|n| RESOLVING.contains(&n.kind.as_str()))
    }

    fn note(&mut self, kind: &str, s: &Sentence) {
        self.notes.push(Note {
            kind: kind.to_string(),
            text: s.text.clone(),
            cite: s.cite.clone(),
            order: s.order,
        });
        self.notes.sort_by_key(|n| n.order);
        if !self.cites.contains(&s.cite) {
            self.cites.push(s.cite.clone());
        }
    }
}

impl Builder {
    fn stmt(s: &Sentence, tag: Tag) -> Statement {
        Statement {
            entry: s.entry,
            ..Statement::new(s.text.clone(), tag, s.speaker.clone(), s.cite.clone())
        }
    }

    fn read(&mut self, all: &[Sentence], i: usize) {
        let s = &all[i];
        // Links look at most LOOKAHEAD sentences ahead, so a huge document stays linear.
        let later = &all[i + 1..all.len().min(i + 1 + LOOKAHEAD)];

        // 1. A question asked again.
        if s.has_any(REPEAT) {
            if let Some(q) = self
                .needs
                .iter_mut()
                .rev()
                .find(|n| matches!(n.tag, Tag::Question | Tag::Decision | Tag::Unowned))
            {
                q.note("asked again", s);
            }
            return;
        }
        // "No answer", "no consensus": noted on the last open question of the same entry or
        // the one before.
        if s.has_any(NO_ANSWER) && !s.has_any(ASK) {
            // The last question or decision of this entry or the one before, even one
            // answered later in the entry ("no one answers … after several minutes, answers").
            let open = self
                .needs
                .iter_mut()
                .rev()
                .take_while(|n| n.entry + 1 >= s.entry)
                .find(|n| matches!(n.tag, Tag::Question | Tag::Decision | Tag::Unowned));
            if let Some(q) = open {
                q.note("no answer", s);
                return;
            }
            if !s.has("consensus") {
                return;
            }
            // A discussion without consensus is itself a decision not yet made.
            let mut need = Self::stmt(s, Tag::Decision);
            if let Some(d) = later
                .iter()
                .find(|l| l.entry == s.entry && l.has_any(DIRECTIVE))
            {
                need.note("decided", d);
            }
            self.needs.push(need);
            return;
        }
        // 2. Help asked for.
        if s.has_any(HELP) {
            let mut need = Self::stmt(s, Tag::HelpRequested);
            need.owner = None;
            if let Some(a) = later
                .iter()
                .take_while(|l| l.entry <= s.entry + 1)
                .find(|l| l.has_any(ASSIGN))
            {
                need.note("assigned", a);
            }
            self.needs.push(need);
            return;
        }
        // 3. Questions and decisions asked for.
        let asks = asks_something(&s.norm) || s.text.contains('?');
        let asks_for_update = s.has("asks for an update") || s.has("asks for update");
        if asks_for_update {
            return;
        }
        if asks && !s.has_any(ASSIGN) {
            let decision = (s.has(" if they want") || s.has("whether") || s.has("if they want"))
                && s.has("or");
            let tag = if decision {
                Tag::Decision
            } else if s.has("who will") || s.has("who is going to") {
                // "Maria asks who will follow up with the security team": work seeking an owner.
                Tag::Unowned
            } else {
                Tag::Question
            };
            let mut need = Self::stmt(s, tag);
            if decision {
                if let Some(d) = later
                    .iter()
                    .find(|l| l.has_any(DIRECTIVE) && l.speaker.as_deref().is_some_and(is_decider))
                {
                    need.note("decided", d);
                }
            } else {
                // An answer in the same or the next entry, unless the text says there was none
                // first; "no answer" notes are added when their sentence is read.
                // Up to the next question: an answer word, a finding, or another speaker
                // saying something ("Sven says reservations are released by the banks").
                if let Some(a) = later
                    .iter()
                    .take_while(|l| l.entry <= s.entry + 1)
                    .take_while(|l| !(asks_something(&l.norm) || l.text.contains('?')))
                    .find(|l| {
                        let other_speaks = l.entry == s.entry
                            && l.speaker.is_some()
                            && l.speaker != s.speaker
                            && l.has_any(REPLY_VERBS);
                        (l.has_any(ANSWER) || l.has_any(FINDING) || other_speaks)
                            && !l.has_any(NO_ANSWER)
                    })
                {
                    need.note("answered", a);
                }
            }
            self.needs.push(need);
            return;
        }
        let discussion = s.starts_with_any(DISCUSSION);
        // 4. Assignments.
        if s.has_any(ASSIGN) && s.has_any(ASK)
            || s.has("assigns")
            || s.has("assigned to")
            || asks_someone_to(&s.norm)
        {
            let mut action = Self::stmt(s, Tag::Assigned);
            // "SME asks for some help in flushing the queue. Pete asks another SME to take
            // care of it.": the request says what "it" is.
            if let Some(req) = all[..i]
                .iter()
                .rev()
                .take_while(|p| p.entry + 1 >= s.entry)
                .find(|p| p.has_any(HELP))
            {
                action.note("request", req);
            }
            self.actions.push(action);
            // "Maria declares service restored, asks everyone to stay…": also a state report.
            self.state_report_before_request(s, later);
            return;
        }
        // 5. Directives.
        if s.has_any(DIRECTIVE) || quoted_imperative(&s.text) {
            self.actions.push(Self::stmt(s, Tag::Decided));
            self.state_report_before_request(s, later);
            return;
        }
        if discussion {
            return;
        }
        // 6. Needs.
        let unowned = s.has_any(UNOWNED);
        if unowned || s.has_any(NEED) || s.has_any(ONGOING) {
            let mut need = Self::stmt(s, if unowned { Tag::Unowned } else { Tag::Required });
            if !unowned {
                // "Joe said he needs to check": the speaker is the owner.
                need.owner = s.speaker.clone().filter(|sp| {
                    is_person(sp) && (s.has("he needs") || s.has("she needs") || s.has("i need"))
                });
            }
            let topics = s.topics.clone();
            for l in later {
                if l.has_any(FINDING) && shares(&topics, &l.topics) {
                    need.note("resolved", l);
                    break;
                }
            }
            self.need_topics.push((i, topics));
            self.needs.push(need);
            return;
        }
        // 7. Actions (a state report may come with them).
        let tag = if s.has_any(PROPOSE) {
            Some(Tag::Proposed)
        } else if s.has_any(IN_PROGRESS) {
            Some(Tag::InProgress)
        } else if s.has_any(DONE) && !s.has_any(RESTORED) && !s.has("there are") {
            Some(Tag::Done)
        } else if s.has_any(DONE) && s.has_any(RESTORED) {
            // "They have checked with a customer and they are able to log in": both.
            self.actions.push(Self::stmt(s, Tag::Done));
            None
        } else {
            None
        };
        if let Some(tag) = tag {
            self.actions.push(Self::stmt(s, tag));
            return;
        }
        self.state_report(s, later);
    }

    /// Rule 8 on the part of an assignment or directive before its request ("She states that
    /// card payments have been declined …, and asks each team to …"); what is asked for
    /// ("asks Sven to hold the timeout change") is no state. The condition quotes the whole
    /// sentence.
    fn state_report_before_request(&mut self, s: &Sentence, later: &[Sentence]) {
        // ASCII lower-casing keeps byte offsets, so the cut is valid in `s.text`.
        let lower = s.text.to_ascii_lowercase();
        let cut = [
            " asks ",
            " asked ",
            " directs ",
            " approves ",
            " says",
            " decides ",
        ]
        .iter()
        .filter_map(|m| lower.find(m))
        .min();
        let Some(cut) = cut.filter(|c| *c > 0) else {
            return;
        };
        let mut prefix = Sentence::new(s.text[..cut].to_string(), s.entry, s.order, s.cite.clone());
        prefix.speaker = s.speaker.clone();
        let before = self.conditions.len();
        self.state_report(&prefix, later);
        if self.conditions.len() > before {
            if let Some(c) = self.conditions.last_mut() {
                c.text = s.text.clone();
            }
        }
    }

    /// Rule 8: a sentence that reports the state of things becomes a condition.
    fn state_report(&mut self, s: &Sentence, later: &[Sentence]) {
        if s.has("if") {
            return;
        }
        if s.has("provides") && (s.has("info") || s.has("information")) {
            return;
        }
        let restored = s.has_any(RESTORED);
        // "The issue was resolved": a generic noun next to a recovery phrase is no new problem.
        let problem = has_unnegated(&s.norm, PROBLEM)
            && (!restored || has_unnegated(&s.norm, SPECIFIC_PROBLEM));
        let tag = match (problem, restored) {
            (_, _) if s.has_any(SUSPECT) => Some(Tag::SuspectedCause),
            // "New e-mail is coming in, but the old e-mail is backed up".
            (true, true) if s.has("but") || s.has("except") => Some(Tag::Partial),
            (true, true) => Some(Tag::Restored),
            (true, false) => Some(Tag::Problem),
            (false, true) => Some(Tag::Restored),
            (false, false) => None,
        };
        if let Some(tag) = tag {
            self.conditions_push(s, tag);
            if tag == Tag::SuspectedCause {
                if let Some(conf) = later
                    .iter()
                    .take_while(|l| l.entry == s.entry)
                    .find(|l| l.has("confirms"))
                {
                    if let Some(c) = self.conditions.last_mut() {
                        c.note("confirmed", conf);
                    }
                }
            }
        }
    }

    /// Adds a condition with what the sentence says of where, who and since when.
    fn conditions_push(&mut self, s: &Sentence, tag: Tag) {
        {
            let mut c = Self::stmt(s, tag);
            c.places = places(&s.text);
            c.affected = affected(&s.norm);
            c.since = since(&s.text, &s.norm);
            self.condition_topics.push(s.topics.clone());
            self.condition_order.push(s.order);
            self.conditions.push(c);
        }
    }

    /// Marks each problem restored by the later restored conditions that share a topic.
    fn link_restorations(&mut self) {
        for i in 0..self.conditions.len() {
            if !matches!(self.conditions[i].tag, Tag::Problem | Tag::Partial) {
                continue;
            }
            let notes: Vec<(String, Cite, usize)> = (i + 1
                ..self.conditions.len().min(i + 1 + LOOKAHEAD))
                .filter(|&j| {
                    self.conditions[j].tag == Tag::Restored
                        && shares(&self.condition_topics[i], &self.condition_topics[j])
                })
                .map(|j| {
                    (
                        self.conditions[j].text.clone(),
                        self.conditions[j].cites[0].clone(),
                        self.condition_order[j],
                    )
                })
                .collect();
            for (text, cite, order) in notes {
                let c = &mut self.conditions[i];
                c.notes.push(Note {
                    kind: "restored".into(),
                    text,
                    cite: cite.clone(),
                    order,
                });
                if !c.cites.contains(&cite) {
                    c.cites.push(cite);
                }
            }
        }
    }
}

/// "asks how long", "asks both Executives if they want", "asks about the e-mail issues": an
/// asking verb with a question word among the four words after it.
fn asks_something(norm: &str) -> bool {
    let words: Vec<&str> = norm.split_whitespace().collect();
    words.iter().enumerate().any(|(i, w)| {
        ASK.contains(w)
            && words[i + 1..]
                .iter()
                .take(4)
                .any(|o| ASK_OBJECT.contains(o))
            && words.get(i + 1) != Some(&"for")
    })
}

/// "Maria asks Sven to hold the change", "asks another SME to take care of it": an asking
/// verb, one to three words, then `to`.
fn asks_someone_to(norm: &str) -> bool {
    let words: Vec<&str> = norm.split_whitespace().collect();
    words.iter().enumerate().any(|(i, w)| {
        (*w == "asks" || *w == "asked")
            && !matches!(
                words.get(i + 1),
                Some(&("for" | "that" | "about" | "the" | "a" | "if" | "whether"))
            )
            && words[i + 1..]
                .iter()
                .take(4)
                .position(|x| *x == "to")
                .is_some_and(|p| p >= 1)
    })
}

/// Whether one of `phrases` occurs without a negation (`no`, `not`, `any`, `without`,
/// `never`) in the three words before it: "do not appear to have any functionality issues"
/// reports no problem.
fn has_unnegated(norm: &str, phrases: &[&str]) -> bool {
    const NEGATIONS: &[&str] = &["no", "not", "any", "without", "never", "nor"];
    phrases.iter().any(|p| {
        let pat = format!(" {p} ");
        norm.match_indices(&pat).any(|(at, _)| {
            !norm[..at]
                .split_whitespace()
                .rev()
                .take(3)
                .any(|w| NEGATIONS.contains(&w))
        })
    })
}

fn shares(a: &[String], b: &[String]) -> bool {
    a.iter().any(|x| b.contains(x))
}

/// Who can answer a request for a decision: an executive, the leader or a named person.
fn is_decider(speaker: &str) -> bool {
    let l = speaker.to_lowercase();
    l.contains("executive") || l.contains("leader") || l.contains("commander") || is_person(speaker)
}

/// A single capitalised word that is no role or group: a person's name.
fn is_person(s: &str) -> bool {
    let roles = [
        "SME",
        "SMEs",
        "Someone",
        "Everyone",
        "Executive",
        "Leader",
        "Customer",
        "Service",
        "Another",
        "Nobody",
        "No",
        "Present",
        "The",
        "One",
        "An",
        "A",
        "We",
        "They",
        "He",
        "She",
        "I",
    ];
    !s.contains(' ')
        && s.starts_with(|c: char| c.is_uppercase())
        && s.chars().skip(1).all(|c| c.is_lowercase())
        && !roles.contains(&s)
}

/// A quotation that starts with an imperative verb: “Disable it, then we can discuss it.”
fn quoted_imperative(text: &str) -> bool {
    text.split(['“', '"']).skip(1).step_by(2).any(|q| {
        let first = q
            .split(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or("")
            .to_lowercase();
        IMPERATIVE.contains(&first.as_str())
    })
}

/// Places named: "Server 24", "Main Street Datacenter (MSDC)".
fn places(text: &str) -> Vec<String> {
    const NUMBERED: &[&str] = &[
        "server", "host", "node", "cluster", "database", "db", "region", "shard",
    ];
    const SITES: &[&str] = &[
        "datacenter",
        "datacentre",
        "center",
        "centre",
        "region",
        "zone",
    ];
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .collect();
    let raw: Vec<&str> = text.split_whitespace().collect();
    let capitalised = |w: &str| w.starts_with(|c: char| c.is_uppercase());
    let mut out: Vec<String> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let lower = w.to_lowercase();
        if NUMBERED.contains(&lower.as_str()) {
            if let Some(n) = words.get(i + 1) {
                if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) {
                    out.push(format!("{w} {n}"));
                }
            }
        }
        // "Main Street Datacenter", "Frankfurt Data Center": capitalised words before it.
        if SITES.contains(&lower.as_str()) && capitalised(w) {
            let mut start = i;
            while start > 0 && i - start < 4 && capitalised(&words[start - 1]) {
                start -= 1;
                if raw[start].ends_with([',', '.', ';', ':']) {
                    start += 1;
                    break;
                }
            }
            if start < i {
                let mut name = words[start..=i].join(" ");
                if let Some(abbr) = raw.get(i + 1).filter(|a| a.starts_with('(')) {
                    name.push(' ');
                    name.push_str(abbr.trim_end_matches([',', '.', ';']));
                }
                out.push(name);
            }
        }
    }
    out.dedup();
    out
}

/// Who and how many are affected: a quantity before customers, users, cases…
fn affected(norm: &str) -> Option<String> {
    const WHO: &[&str] = &[
        "contacts",
        "calls",
        "callers",
        "complaints",
        "orders",
        "payments",
        "customers",
        "customer",
        "users",
        "user",
        "cases",
        "clients",
        "accounts",
        "tenants",
        "requests",
        "transactions",
        "sites",
    ];
    const QUANTITY: &[&str] = &[
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "several",
        "many",
        "all",
        "most",
        "some",
        "few",
        "couple",
        "dozens",
        "hundreds",
        "thousands",
    ];
    let words: Vec<&str> = norm.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        if !WHO.contains(w) {
            continue;
        }
        // "a couple of customers", "seven cases", "61% of our users", "100% of users".
        for back in 1..=4.min(i) {
            let q = words[i - back];
            let numeric =
                q.trim_end_matches('%').chars().all(|c| c.is_ascii_digit()) && !q.is_empty();
            if QUANTITY.contains(&q) || numeric {
                let start = if q == "couple" || q == "few" {
                    i - back - usize::from(i - back > 0)
                } else {
                    i - back
                };
                return Some(words[start..=i].join(" "));
            }
        }
    }
    None
}

/// Since when: "started about 06:20", "since 14:00", "after the software release".
fn since(text: &str, norm: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        let lw = w.to_lowercase();
        if ["started", "began", "since", "starting"]
            .contains(&lw.trim_matches(|c: char| !c.is_alphanumeric()))
        {
            let rest: Vec<&str> = words[i + 1..].iter().take(3).copied().collect();
            if let Some(t) = rest.iter().position(|r| {
                r.contains(':') && r.chars().next().is_some_and(|c| c.is_ascii_digit())
            }) {
                let phrase = rest[..=t].join(" ");
                return Some(phrase.trim_end_matches(['.', ',', ';']).to_string());
            }
        }
    }
    for marker in ["after the ", "since the ", "following the "] {
        if let Some(p) = norm.find(&format!(" {marker}")) {
            let tail: Vec<&str> = norm[p + 1..].split_whitespace().take(4).collect();
            let stop = tail
                .iter()
                .position(|w| ["there", "we", "the"].contains(w) && *w != "the")
                .unwrap_or(tail.len());
            let words: Vec<&str> = tail[..stop].to_vec();
            if words.iter().any(|w| {
                [
                    "release",
                    "deploy",
                    "deployment",
                    "upgrade",
                    "update",
                    "change",
                    "migration",
                    "maintenance",
                ]
                .contains(w)
            }) {
                let end = words
                    .iter()
                    .position(|w| {
                        [
                            "release",
                            "deploy",
                            "deployment",
                            "upgrade",
                            "update",
                            "change",
                            "migration",
                            "maintenance",
                        ]
                        .contains(w)
                    })
                    .unwrap_or(words.len() - 1);
                return Some(words[..=end].join(" "));
            }
        }
    }
    None
}

/// Participants and roles, in the order the text first names them.
fn participants(sentences: &[Sentence]) -> Vec<Participant> {
    let mut out: Vec<Participant> = Vec::new();
    let mut add = |name: String, role: Option<&str>, named: bool, cite: &Cite| {
        if let Some(p) = out.iter_mut().find(|p| p.name.eq_ignore_ascii_case(&name)) {
            if p.role.is_none() && role.is_some() {
                p.role = role.map(String::from);
                if !p.cites.contains(cite) {
                    p.cites.push(cite.clone());
                }
            }
            return;
        }
        out.push(Participant {
            name,
            role: role.map(String::from),
            named,
            cites: vec![cite.clone()],
        });
    };
    const ROLES: &[(&str, &str)] = &[
        ("executive", "executive"),
        ("leader", "leader"),
        ("incident commander", "leader"),
        ("commander", "leader"),
        ("manager", "manager"),
    ];
    for s in sentences {
        // Apposition: "The Executive, Paul, joins".
        for (word, role) in ROLES {
            let pat = format!("the {word}, ");
            if let Some(p) = s.text.to_lowercase().find(&pat) {
                let rest = &s.text[p + pat.len()..];
                let name: String = rest.chars().take_while(|c| c.is_alphabetic()).collect();
                if is_person(&name) && rest[name.len()..].starts_with(',') {
                    add(name, Some(role), true, &s.cite);
                }
            }
        }
        // "Maria (leader), Sven (payments SME)" and "Ingrid, the VP of E-commerce,".
        for (name, role) in named_roles(&s.text) {
            add(name, Some(&role), true, &s.cite);
        }
        // "Pete offers that he is the leader", "Pete is the incident commander".
        if let Some(sp) = s.speaker.as_deref().filter(|sp| is_person(sp)) {
            let role = ROLES.iter().find(|(w, _)| {
                s.has(&format!("he is the {w}"))
                    || s.has(&format!("she is the {w}"))
                    || s.has(&format!("is the {w}"))
            });
            add(sp.to_string(), role.map(|(_, r)| *r), true, &s.cite);
        }
        let lower = s.norm.as_str();
        if lower.contains(" sme ") || lower.contains(" smes ") {
            add(
                "SMEs".into(),
                Some("subject-matter experts"),
                false,
                &s.cite,
            );
        }
        if lower.contains(" customer service ") {
            add(
                "Customer Service".into(),
                Some("customer service"),
                false,
                &s.cite,
            );
        }
        if lower.contains(" another executive ") {
            add(
                "a second executive".into(),
                Some("executive"),
                false,
                &s.cite,
            );
        }
        if lower.contains(" network group ") || lower.contains(" network team ") {
            add(
                "the network group".into(),
                Some("on a separate bridge"),
                false,
                &s.cite,
            );
        }
        if lower.contains(" on-call engineer ") {
            add(
                "the on-call engineer".into(),
                Some("on-call"),
                false,
                &s.cite,
            );
        }
    }
    out
}

/// "Name (role)" and "Name, the role," pairs of a sentence.
fn named_roles(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let words: Vec<&str> = text.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        let name = w.trim_end_matches([',', ':']);
        if !is_person(name) {
            continue;
        }
        // "Sven (payments SME)," — a short parenthesis right after the name.
        if words.get(i + 1).is_some_and(|n| n.starts_with('(')) {
            let rest = words[i + 1..].join(" ");
            if let Some(end) = rest.find(')') {
                let role = &rest[1..end];
                // "(MSDC)" after "Datacenter" is an abbreviation, not a role.
                let words_ok = (1..=4).contains(&role.split_whitespace().count());
                if words_ok && role.chars().any(char::is_lowercase) {
                    out.push((name.to_string(), role.to_string()));
                }
            }
        }
        // "Maria, the incident manager on duty." / "Ingrid, the VP of E-commerce, joins".
        if w.ends_with(',') && words.get(i + 1) == Some(&"the") {
            let rest = words[i + 2..].join(" ");
            let end = rest.find([',', '.', ';']).unwrap_or(rest.len());
            let role = &rest[..end];
            if (1..=6).contains(&role.split_whitespace().count()) {
                out.push((name.to_string(), role.to_string()));
            }
        }
    }
    out
}

/// A filled report for `templates check` and tests of the `can_report` template.
pub fn sample() -> CanReport {
    let c = |t: &str, line| Cite {
        time: Some(t.into()),
        line,
    };
    let mut problem = Statement::new(
        "Pete says, “After the software release, there are a couple of customers that are not able to log in.”".into(),
        Tag::Problem,
        Some("Pete".into()),
        c("04:21:43", 11),
    );
    problem.affected = Some("a couple of customers".into());
    problem.since = Some("after the software release".into());
    problem.places = vec!["Server 24".into()];
    problem.notes.push(Note {
        kind: "restored".into(),
        text: "Customer Service reports they have checked with a customer and they are able to log in.".into(),
        cite: c("06:31:05", 35),
        order: 1,
    });
    problem.cites.push(c("06:31:05", 35));
    let mut need = Statement::new(
        "Pete asks both Executives if they want the group to focus on resolving the issue or continue investigating.".into(),
        Tag::Decision,
        Some("Pete".into()),
        c("04:58:41", 17),
    );
    need.owner = Some("Joe".into());
    need.notes.push(Note {
        kind: "no answer".into(),
        text: "No answer from either one.".into(),
        cite: c("04:58:41", 17),
        order: 1,
    });
    CanReport {
        source: "incidents/bridge.txt".into(),
        title: Some("Login failures after release".into()),
        as_of: Some("05:00:00".into()),
        start: Some("03:39:25".into()),
        end: Some("05:00:00".into()),
        duration_minutes: Some(80),
        ended: false,
        entries_used: 7,
        entries_total: 21,
        participants: vec![Participant {
            name: "Paul".into(),
            role: Some("executive".into()),
            named: true,
            cites: vec![c("04:21:43", 11)],
        }],
        conditions: vec![problem],
        actions: vec![Statement::new(
            "Pete reports that the executive has been contacted.".into(),
            Tag::Done,
            Some("Pete".into()),
            c("04:19:20", 9),
        )],
        needs: vec![need],
        problems_open: 0,
        problems_restored: 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_keep_quotations_whole() {
        let s = split_sentences(
            "Paul directs the group to “not do it. This will hurt.” Many want more. Pete says, “Go.” Done",
        );
        assert_eq!(
            s,
            vec![
                "Paul directs the group to “not do it. This will hurt.”",
                "Many want more.",
                "Pete says, “Go.”",
                "Done"
            ]
        );
    }

    #[test]
    fn speakers() {
        assert_eq!(speaker("Pete reports that x").as_deref(), Some("Pete"));
        assert_eq!(
            speaker("One of the SMEs suggests x").as_deref(),
            Some("an SME")
        );
        assert_eq!(
            speaker("After several minutes, the Executive says, “Go.”").as_deref(),
            Some("the Executive")
        );
        assert_eq!(speaker("E-mail test failed for Server 24."), None);
    }

    #[test]
    fn extraction() {
        assert_eq!(
            places("Pete reports there are some issues in the Main Street Datacenter (MSDC), which started about 06:20."),
            vec!["Main Street Datacenter (MSDC)"]
        );
        assert_eq!(
            places("E-mail test failed for Server 24 and analytics."),
            vec!["Server 24"]
        );
        assert_eq!(
            affected(&normalise("there are seven cases now")).as_deref(),
            Some("seven cases")
        );
        assert_eq!(
            affected(&normalise("there are a couple of customers that")).as_deref(),
            Some("a couple of customers")
        );
        assert_eq!(
            affected(&normalise("affecting 61% of our users")).as_deref(),
            Some("61% of our users")
        );
        let t = "there are some issues, which started about 06:20.";
        assert_eq!(since(t, &normalise(t)).as_deref(), Some("about 06:20"));
        let t = "“After the software release, there are customers”";
        assert_eq!(
            since(t, &normalise(t)).as_deref(),
            Some("after the software release")
        );
    }

    #[test]
    fn an_ordinary_postmortem_reads_sections_timeline_and_open_items() {
        use crate::model::{ActionItem, Incident, ItemKind, Section, SectionKind};
        let text = "\
Impact
Checkout was down and 40% of users could not pay.
Timeline
10:00 - Alerts fired on checkout errors.
10:20 - We rolled back the release.
10:45 - Checkout is working again.
Root Cause
A bad cache key in release 7.1.
Resolution
The release was rolled back and the cache flushed.
Action Items
- Add a canary stage
";
        let t = |h, m| {
            Some(Timestamp {
                date: None,
                time: NaiveTime::from_hms_opt(h, m, 0),
                offset: None,
            })
        };
        let entry = |time, text: &str, line| TimelineEntry {
            time,
            text: text.into(),
            line,
        };
        let section = |kind, heading: &str, line| Section {
            kind,
            heading: heading.into(),
            line,
        };
        let pm = Postmortem {
            path: "pm.md".into(),
            id: "pm.md".into(),
            title: None,
            front_matter: None,
            incident: Incident::default(),
            sections: vec![
                section(SectionKind::Impact, "Impact", 1),
                section(SectionKind::Timeline, "Timeline", 3),
                section(SectionKind::RootCause, "Root Cause", 7),
                section(SectionKind::Resolution, "Resolution", 9),
                section(SectionKind::Tasks, "Action Items", 11),
            ],
            actions: vec![ActionItem {
                text: "Add a canary stage".into(),
                detail: None,
                group: None,
                kind: ItemKind::Task,
                owner: None,
                due: None,
                priority: None,
                issue: None,
                done: false,
                checkbox: false,
                line: 12,
            }],
            timeline: vec![
                entry(t(10, 0), "Alerts fired on checkout errors.", 4),
                entry(t(10, 20), "We rolled back the release.", 5),
                entry(t(10, 45), "Checkout is working again.", 6),
            ],
            diagnostics: vec![],
        };
        let r = report_document(&pm, Some(text), None);
        let impact = &r.conditions[0];
        assert_eq!((impact.tag, impact.cites[0].line), (Tag::Problem, 2));
        assert_eq!(impact.affected.as_deref(), Some("40% of users"));
        assert_eq!(impact.notes[0].cite.time.as_deref(), Some("10:45:00"));
        let cause = r.conditions.iter().find(|c| c.tag == Tag::Cause).unwrap();
        assert_eq!(cause.cites[0].line, 8);
        let rollback = r
            .actions
            .iter()
            .find(|a| a.text.contains("We rolled back"))
            .unwrap();
        assert_eq!(rollback.tag, Tag::Done);
        assert!(r
            .actions
            .iter()
            .any(|a| a.cites[0].line == 10 && a.tag == Tag::Done));
        let item = &r.needs[0];
        assert_eq!((item.tag, item.cites[0].line), (Tag::OpenItem, 12));
        assert_eq!(r.duration_minutes, Some(45));
        // As of 10:30 the sections and items (undated) are left out, and so is the recovery.
        let early = report_document(&pm, Some(text), NaiveTime::from_hms_opt(10, 30, 0));
        assert!(early.needs.is_empty());
        assert_eq!(early.conditions.len(), 1);
        assert_eq!(
            early.conditions[0].cites[0].time.as_deref(),
            Some("10:00:00")
        );
    }

    #[test]
    fn a_huge_or_odd_timeline_neither_panics_nor_crawls() {
        let texts = [
            "We need to check the queue. Who owns it? No answer.",
            "E-mail failed on Server 1 “unclosed quote. And more? Yes!",
            "",
            "....???!!! “”\"\" @everyone --> |",
            "Pete asks if they want A or B. The Executive says, “Let’s move forward.”",
            "Email is working again.",
        ];
        let timeline: Vec<TimelineEntry> = (0..20_000)
            .map(|i| TimelineEntry {
                time: Some(Timestamp {
                    date: None,
                    time: NaiveTime::from_num_seconds_from_midnight_opt((i * 7 % 86_400) as u32, 0),
                    offset: None,
                }),
                text: texts[i % texts.len()].repeat(1 + i % 3),
                line: i + 1,
            })
            .collect();
        let pm = Postmortem {
            path: "big.md".into(),
            id: "big.md".into(),
            title: None,
            front_matter: None,
            incident: Default::default(),
            sections: vec![],
            actions: vec![],
            timeline,
            diagnostics: vec![],
        };
        let started = std::time::Instant::now();
        let r = report(&pm, None);
        assert!(!r.conditions.is_empty() && !r.needs.is_empty());
        let r = report(&pm, NaiveTime::from_hms_opt(0, 0, 30));
        assert_eq!(r.entries_used, 5);
        assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
    }

    #[test]
    fn cut_counts_across_midnight() {
        let e = |h, m| TimelineEntry {
            time: Some(Timestamp {
                date: None,
                time: NaiveTime::from_hms_opt(h, m, 0),
                offset: None,
            }),
            text: String::new(),
            line: 1,
        };
        let tl = vec![e(23, 0), e(23, 30), e(0, 15), e(1, 0)];
        assert_eq!(cut_timeline(&tl, NaiveTime::from_hms_opt(0, 20, 0)), 3);
        assert_eq!(cut_timeline(&tl, NaiveTime::from_hms_opt(23, 10, 0)), 1);
        assert_eq!(cut_timeline(&tl, None), 4);
        // Within one day, a moment before the first entry is before the incident.
        let day = vec![e(9, 0), e(9, 30)];
        assert_eq!(cut_timeline(&day, NaiveTime::from_hms_opt(8, 0, 0)), 0);
        assert_eq!(cut_timeline(&day, NaiveTime::from_hms_opt(9, 0, 0)), 1);
    }

    #[test]
    fn a_hard_wrapped_sentence_is_one_statement() {
        let text = "# Outage\n\n## Root Cause\n\nThe primary database had no free disk. Its WAL archive directory shares a volume\nwith the data directory, so the archive filled it.\n\n- A second cause that is\n  wrapped too.\n- Third.\n";
        let pm = crate::parse::parse("pm.md", text, &Default::default());
        let r = report_document(&pm, Some(text), None);
        let causes: Vec<(&str, usize)> = r
            .conditions
            .iter()
            .filter(|c| c.tag == Tag::Cause)
            .map(|c| (c.text.as_str(), c.cites[0].line))
            .collect();
        assert_eq!(
            causes,
            [
                ("The primary database had no free disk.", 5),
                ("Its WAL archive directory shares a volume with the data directory, so the archive filled it.", 5),
                ("A second cause that is wrapped too.", 8),
                ("Third.", 10),
            ]
        );
    }
}
