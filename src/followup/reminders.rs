//! Reminder state kept in the issue body, so that a follow-up learns when each issue was last
//! reminded from the one listing it reads anyway, instead of one comment read per overdue
//! issue.
//!
//! The state is a hidden line of its own in the body the tool wrote,
//! `<!-- postmortem-tracker: reminders last=2026-11-21 unanswered=1 comments=3 escalated=no -->`,
//! written before the reminder comment it describes is posted (a failed comment puts the old
//! body back), so a run that stops half-way never reminds twice. `comments` is the issue's
//! comment count just after the tool's reminder: when the listing shows more, someone answered,
//! and the count of unanswered reminders (which drives escalation) starts again.
//!
//! Pure: bodies and counts in, state and decisions out.

use chrono::NaiveDate;

/// The start of the state line; the item marker (`key=… path=…`) is another line.
const PREFIX: &str = "<!-- postmortem-tracker: reminders ";

/// What the tool remembers about its reminders on one issue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReminderState {
    /// The day of the last reminder.
    pub last: Option<NaiveDate>,
    /// Reminders sent since the last comment of someone else.
    pub unanswered: u32,
    /// The issue's comment count just after the last reminder.
    pub comments: u64,
    /// The owners or escalation list were mentioned since the last answer.
    pub escalated: bool,
}

impl ReminderState {
    /// The hidden line that carries the state.
    pub fn marker(&self) -> String {
        format!(
            "{PREFIX}last={} unanswered={} comments={} escalated={} -->",
            self.last
                .map_or("never".to_string(), |d| d.format("%Y-%m-%d").to_string()),
            self.unanswered,
            self.comments,
            if self.escalated { "yes" } else { "no" }
        )
    }

    /// The state a body carries, `None` when it has none (an issue older than the state, or
    /// whose line a person removed) or the line cannot be read.
    pub fn of_body(body: &str) -> Option<ReminderState> {
        let start = body.find(PREFIX)? + PREFIX.len();
        let rest = &body[start..];
        let fields = &rest[..rest.find("-->")?];
        let mut state = ReminderState::default();
        for field in fields.split_whitespace() {
            let (name, value) = field.split_once('=')?;
            match name {
                "last" if value == "never" => state.last = None,
                "last" => state.last = Some(value.parse().ok()?),
                "unanswered" => state.unanswered = value.parse().ok()?,
                "comments" => state.comments = value.parse().ok()?,
                "escalated" => state.escalated = value == "yes",
                // A field of a later version: ignored, the rest still counts.
                _ => {}
            }
        }
        Some(state)
    }

    /// The state from the issue's comments (oldest first), for an issue whose body carries
    /// none yet: the day of the tool's last reminder (its marker), and how many of the tool's
    /// reminders came after the last comment of someone else.
    pub fn of_comments(comments: &[String]) -> ReminderState {
        let is_reminder = |c: &String| c.contains(super::REMINDER_MARKER_PREFIX);
        let unanswered = comments.iter().rev().take_while(|c| is_reminder(c)).count();
        ReminderState {
            last: super::last_reminder(comments.iter().map(String::as_str)),
            unanswered: u32::try_from(unanswered).unwrap_or(u32::MAX),
            comments: comments.len() as u64,
            escalated: false,
        }
    }

    /// The state with what the listing says since: more comments than after the last
    /// reminder means someone answered.
    pub fn seen(self, comments_now: u64) -> ReminderState {
        if comments_now > self.comments {
            ReminderState {
                unanswered: 0,
                escalated: false,
                comments: comments_now,
                ..self
            }
        } else {
            self
        }
    }
}

/// `body` with `state` in it: the state line replaced where it stands, else added at the end.
pub fn with_state(body: &str, state: &ReminderState) -> String {
    let line = state.marker();
    if let Some(start) = body.find(PREFIX) {
        if let Some(len) = body[start..].find("-->") {
            let end = start + len + "-->".len();
            return format!("{}{line}{}", &body[..start], &body[end..]);
        }
    }
    let sep = if body.is_empty() || body.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    format!("{body}{sep}{line}\n")
}

/// What to do about one overdue, open issue today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Send a reminder.
    pub remind: bool,
    /// The reminder also mentions the postmortem's owners or the escalation list.
    pub escalate: bool,
    /// The state after the reminder (the body's new state line when `remind`).
    pub next: ReminderState,
}

/// Whether to remind today: none sent yet, or the last `interval_days` or more ago; and
/// whether to escalate: `escalate_after` reminders went unanswered and nobody was told yet
/// (0 turns escalation off). `comments_now` is the issue's comment count in the listing.
pub fn decide(
    state: ReminderState,
    comments_now: u64,
    today: NaiveDate,
    interval_days: i64,
    escalate_after: u32,
) -> Decision {
    let state = state.seen(comments_now);
    if !super::reminder_due(state.last, today, interval_days) {
        return Decision {
            remind: false,
            escalate: false,
            next: state,
        };
    }
    let escalate = escalate_after > 0 && state.unanswered >= escalate_after && !state.escalated;
    Decision {
        remind: true,
        escalate,
        next: ReminderState {
            last: Some(today),
            unanswered: state.unanswered.saturating_add(1),
            // The reminder about to be posted is one more comment.
            comments: comments_now + 1,
            escalated: state.escalated || escalate,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_state_line_round_trips_and_replaces_itself() {
        let s = ReminderState {
            last: Some(day("2026-11-21")),
            unanswered: 2,
            comments: 5,
            escalated: true,
        };
        let body = "Add alerts\n\n<!-- postmortem-tracker: key=abc path=pm.md -->";
        let once = with_state(body, &s);
        assert!(once.starts_with(body), "{once}");
        assert_eq!(ReminderState::of_body(&once), Some(s));
        let next = ReminderState { unanswered: 3, ..s };
        let twice = with_state(&once, &next);
        assert_eq!(twice.matches("reminders last=").count(), 1, "{twice}");
        assert_eq!(ReminderState::of_body(&twice), Some(next));
        assert_eq!(with_state(&twice, &next), twice);
        assert_eq!(ReminderState::of_body(body), None);
        assert_eq!(
            ReminderState::of_body("<!-- postmortem-tracker: reminders last=soon -->"),
            None,
            "a line that cannot be read is no state"
        );
    }

    #[test]
    fn interval_answer_and_escalation() {
        let t = day("2026-11-21");
        // Never reminded: remind, no escalation.
        let d = decide(ReminderState::default(), 0, t, 7, 2);
        assert!(d.remind && !d.escalate);
        assert_eq!((d.next.unanswered, d.next.comments), (1, 1));
        // Same day again: nothing.
        let again = decide(d.next, 1, t, 7, 2);
        assert!(!again.remind);
        // 8 days later, unanswered: second reminder, still no escalation.
        let d2 = decide(d.next, 1, day("2026-11-29"), 7, 2);
        assert!(d2.remind && !d2.escalate && d2.next.unanswered == 2);
        // Third, two unanswered before it: escalates, once.
        let d3 = decide(d2.next, 2, day("2026-12-07"), 7, 2);
        assert!(d3.remind && d3.escalate && d3.next.escalated);
        let d4 = decide(d3.next, 3, day("2026-12-15"), 7, 2);
        assert!(d4.remind && !d4.escalate, "escalated once, not every run");
        // Someone answers: the count starts again.
        let d5 = decide(d4.next, 5, day("2026-12-23"), 7, 2);
        assert!(d5.remind && !d5.escalate);
        assert_eq!((d5.next.unanswered, d5.next.escalated), (1, false));
        // escalate_after = 0: never.
        let off = decide(d2.next, 2, day("2026-12-07"), 7, 0);
        assert!(off.remind && !off.escalate);
    }

    #[test]
    fn state_from_comments_for_issues_without_one() {
        let r = |d: &str| format!("overdue\n<!-- postmortem-tracker: reminder date={d} -->");
        let comments = vec![
            r("2026-11-01"),
            "on it".to_string(),
            r("2026-11-08"),
            r("2026-11-15"),
        ];
        let s = ReminderState::of_comments(&comments);
        assert_eq!(s.last, Some(day("2026-11-15")));
        assert_eq!((s.unanswered, s.comments), (2, 4));
        let none = ReminderState::of_comments(&["hello".to_string()]);
        assert_eq!((none.last, none.unanswered), (None, 0));
    }
}
