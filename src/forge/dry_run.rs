//! A tracker that changes nothing: it answers the listing from the state it was given (the
//! real listing, or nothing when there is no token) and records every write it is asked for.

use std::sync::Mutex;

use super::{tracked, Closing, IssueEdit, LabelSpec, NewIssue, StateChange, Tracker, TrackerError};
use crate::plan::TrackedIssue;

/// Records writes instead of making them.
#[derive(Debug, Default)]
pub struct DryRun {
    state: Mutex<Vec<TrackedIssue>>,
    /// What a real tracker would have been asked to do, in order (`create #3 "title"`).
    pub actions: Mutex<Vec<String>>,
}

impl DryRun {
    /// A dry run over `state` (the tool's issues as listed).
    pub fn new(state: Vec<TrackedIssue>) -> DryRun {
        DryRun {
            state: Mutex::new(state),
            actions: Mutex::new(Vec::new()),
        }
    }

    /// The recorded writes.
    pub fn recorded(&self) -> Vec<String> {
        self.actions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn record(&self, s: String) {
        self.actions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(s);
    }
}

impl Tracker for DryRun {
    fn describe(&self) -> String {
        "dry run".into()
    }

    async fn list_issues(&self, _label: &str) -> Result<Vec<TrackedIssue>, TrackerError> {
        Ok(self.state.lock().unwrap_or_else(|e| e.into_inner()).clone())
    }

    async fn create_issue(&self, new: &NewIssue) -> Result<TrackedIssue, TrackerError> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let number = state.iter().map(|t| t.number).max().unwrap_or(0) + 1;
        let issue = tracked(
            number,
            format!("dry-run:issues/{number}"),
            new.title.clone(),
            true,
            Some(&new.body),
            &new.labels,
        );
        state.push(issue.clone());
        drop(state);
        self.record(format!("create #{number} {:?}", new.title));
        Ok(issue)
    }

    /// Records the edit as the call that asked for it would read: a close (its duplicate
    /// label implied), a label added or removed, a body replaced.
    async fn edit_issue(&self, number: u64, edit: &IssueEdit<'_>) -> Result<(), TrackerError> {
        match edit.state {
            Some(StateChange::Close(Closing::DuplicateOf(k))) => {
                self.record(format!("close #{number} as a duplicate of #{k}"));
                return Ok(());
            }
            Some(StateChange::Close(_)) => self.record(format!("close #{number}")),
            Some(StateChange::Reopen) | None => {}
        }
        if let Some((label, present)) = edit.label {
            let verb = if present { "add" } else { "remove" };
            self.record(format!("{verb} label {label} on #{number}"));
        }
        if edit.body.is_some() {
            let and = if edit.state == Some(StateChange::Reopen) {
                " and reopen it"
            } else {
                ""
            };
            self.record(format!("update the body of #{number}{and}"));
        }
        Ok(())
    }

    async fn ensure_labels(&self, labels: &[LabelSpec]) -> Result<(), TrackerError> {
        let names: Vec<&str> = labels.iter().map(|l| l.name.as_str()).collect();
        self.record(format!("ensure labels {}", names.join(", ")));
        Ok(())
    }

    async fn ensure_milestone(&self, title: &str) -> Result<u64, TrackerError> {
        self.record(format!("ensure milestone {title:?}"));
        Ok(0)
    }

    async fn resolve_user(&self, login: &str) -> Result<Option<String>, TrackerError> {
        Ok(Some(login.trim_start_matches('@').to_string()))
    }

    async fn comment(&self, number: u64, _body: &str) -> Result<(), TrackerError> {
        self.record(format!("comment on #{number}"));
        Ok(())
    }

    async fn comments(&self, _number: u64) -> Result<Vec<String>, TrackerError> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn records_writes_and_lists_what_it_created() {
        let t = DryRun::new(Vec::new());
        let new = NewIssue {
            title: "Add an alert".into(),
            body: crate::render::safe::marker("abc", "pm.md"),
            labels: vec!["postmortem".into()],
            assignee: None,
            milestone: None,
            due: None,
        };
        let created = t.create_issue(&new).await.unwrap();
        assert_eq!(created.number, 1);
        assert_eq!(created.key, Some(crate::identity::ItemKey::new("abc")));
        t.close_issue(1, Closing::DuplicateOf(2)).await.unwrap();
        t.close_issue(1, Closing::Done).await.unwrap();
        t.set_label(1, "overdue", false).await.unwrap();
        t.update_issue(1, "new body", true).await.unwrap();
        t.update_issue(1, "new body", false).await.unwrap();
        assert_eq!(t.list_issues("postmortem").await.unwrap().len(), 1);
        assert_eq!(
            t.recorded(),
            [
                "create #1 \"Add an alert\"",
                "close #1 as a duplicate of #2",
                "close #1",
                "remove label overdue on #1",
                "update the body of #1 and reopen it",
                "update the body of #1",
            ]
        );
    }
}
