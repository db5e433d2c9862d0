//! The rules (see the module documentation of [`super`]): each sentence read, in order, into
//! the Conditions, Actions and Needs, and later sentences linked to earlier ones (an answer to
//! its question, a recovery to its failure).

use super::extract::*;
use super::phrases::*;
use super::sentences::*;
use super::{Cite, Note, Statement, Tag};

/// How far ahead (in sentences, or in conditions) a statement looks for what answers,
/// resolves or restores it.
pub(super) const LOOKAHEAD: usize = 500;

/// Note kinds that settle a need, which then leaves the Needs section.
pub(super) const RESOLVING: [&str; 4] = ["answered", "decided", "assigned", "resolved"];

#[derive(Default)]
pub(super) struct Builder {
    pub(super) conditions: Vec<Statement>,
    pub(super) actions: Vec<Statement>,
    pub(super) needs: Vec<Statement>,
    /// Condition index → its sentence's topics and order.
    pub(super) condition_topics: Vec<Vec<String>>,
    pub(super) condition_order: Vec<usize>,
    /// Need index → (sentence index, topics).
    pub(super) need_topics: Vec<(usize, Vec<String>)>,
}

impl Statement {
    pub(super) fn new(text: String, tag: Tag, who: Option<String>, cite: Cite) -> Statement {
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
    pub(super) fn settled(&self) -> bool {
        self.notes
            .last()
            .is_some_and(|n| RESOLVING.contains(&n.kind.as_str()))
    }

    pub(super) fn note(&mut self, kind: &str, s: &Sentence) {
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
    pub(super) fn stmt(s: &Sentence, tag: Tag) -> Statement {
        Statement {
            entry: s.entry,
            ..Statement::new(s.text.clone(), tag, s.speaker.clone(), s.cite.clone())
        }
    }

    pub(super) fn read(&mut self, all: &[Sentence], i: usize) {
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
    pub(super) fn state_report_before_request(&mut self, s: &Sentence, later: &[Sentence]) {
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
    pub(super) fn state_report(&mut self, s: &Sentence, later: &[Sentence]) {
        if s.has("if") {
            return;
        }
        if s.has("provides") && (s.has("info") || s.has("information")) {
            return;
        }
        let restored = s.has_any(RESTORED);
        // "The issue was resolved": a generic noun next to a recovery phrase is no new problem.
        let specific = has_unnegated(&s.norm, SPECIFIC_PROBLEM);
        let problem = specific || (!restored && has_unnegated(&s.norm, GENERIC_PROBLEM));
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
    pub(super) fn conditions_push(&mut self, s: &Sentence, tag: Tag) {
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
    pub(super) fn link_restorations(&mut self) {
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
pub(super) fn asks_something(norm: &str) -> bool {
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
pub(super) fn asks_someone_to(norm: &str) -> bool {
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
pub(super) fn has_unnegated(norm: &str, phrases: &[&str]) -> bool {
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

pub(super) fn shares(a: &[String], b: &[String]) -> bool {
    a.iter().any(|x| b.contains(x))
}

/// Who can answer a request for a decision: an executive, the leader or a named person.
pub(super) fn is_decider(speaker: &str) -> bool {
    let l = speaker.to_lowercase();
    l.contains("executive") || l.contains("leader") || l.contains("commander") || is_person(speaker)
}

/// A single capitalised word that is no role or group: a person's name.
pub(super) fn is_person(s: &str) -> bool {
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
pub(super) fn quoted_imperative(text: &str) -> bool {
    text.split(['“', '"']).skip(1).step_by(2).any(|q| {
        let first = q
            .split(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or("")
            .to_lowercase();
        IMPERATIVE.contains(&first.as_str())
    })
}
