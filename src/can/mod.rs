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

use crate::model::{Postmortem, TimelineEntry};

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
        for item in pm.actions.iter().filter(|a| !a.done && !a.not_planned) {
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

use builder::Builder;
use extract::participants;
use input::{cut_timeline, section_units, short_time, span, Unit, Units};
use phrases::{DONE, ENDED};
use sentences::{split_sentences, Sentence};

mod builder;
mod extract;
mod input;
mod phrases;
mod sample;
mod sentences;
#[cfg(test)]
mod tests;

pub use sample::sample;
