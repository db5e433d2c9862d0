//! Write-back through the forge's API (`--write commit` / `pull-request`).
//!
//! Each change is a pure function from a file's text to its new text (the status block and
//! boxes, or the issue links). It is applied to the text on the forge, not to the checkout,
//! and written naming the version it was read at; when someone else committed in between,
//! the write is refused, and the file is read again and the change re-applied to the new
//! text, so their edit is kept. Commits carry `[skip ci]` and a trailer ([`is_own_commit`])
//! so that the tool's own commits never start another run.

use std::fmt::Write as _;

use crate::tracker::publish::{is_conflict, ChangeRequest, Publisher};
use crate::tracker::TrackerError;

/// The trailer key of the tool's commits.
pub const TRAILER_KEY: &str = "Postmortem-Tracker";

/// Which command wrote a commit: the value of its trailer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Status blocks and boxes (`followup`).
    Followup,
    /// Issue links (`sync` on a push).
    Sync,
}

/// `postmortem-tracker: update action item status [skip ci]`, a blank line and the trailer.
pub fn commit_message(source: Source) -> String {
    match source {
        Source::Followup => format!(
            "postmortem-tracker: update action item status [skip ci]\n\n{TRAILER_KEY}: follow-up\n"
        ),
        Source::Sync => {
            format!("postmortem-tracker: link action items to their issues [skip ci]\n\n{TRAILER_KEY}: sync\n")
        }
    }
}

/// True when a commit message is one the tool wrote: a line after the subject is the
/// `Postmortem-Tracker:` trailer (key compared without case, as git does).
pub fn is_own_commit(message: &str) -> bool {
    message.lines().skip(1).any(|l| {
        l.trim().split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case(TRAILER_KEY) && !v.trim().is_empty()
        })
    })
}

/// A change to one file's text: `None` when the text needs none.
pub type Apply<'a> = Box<dyn Fn(&str) -> Option<String> + Send + Sync + 'a>;

/// One file to change: `apply` maps the text on the forge to its new text, `None` when it
/// needs no change.
pub struct Change<'a> {
    /// Path in the repository (`/`-separated, from its root).
    pub path: String,
    pub apply: Apply<'a>,
}

/// The sync's issue links, applied to `text` (a version of the file at `path`): each issue
/// goes next to the item with its key in this text, unless that item already links one.
/// Keys, not line numbers, so lines moved by someone else's edit still get the right link.
pub fn relink(
    text: &str,
    path: &str,
    issues: &[(String, crate::plan::IssueSummary)],
    options: &crate::parse::ParseOptions,
) -> String {
    let doc = crate::parse::parse(path, text, options);
    let keys = crate::identity::item_keys(&doc);
    let links: Vec<crate::writeback::Link> = issues
        .iter()
        .filter_map(|(key, issue)| {
            let idx = keys.iter().position(|k| k == key)?;
            let item = &doc.actions[idx];
            if item.issue.is_some() {
                return None;
            }
            Some(crate::writeback::Link {
                line: item.line,
                reference: issue.reference.clone(),
                url: issue.url.clone()?,
            })
        })
        .collect();
    crate::writeback::insert_links(text, &links)
}

/// The sync's issue links as changes, one per file with an item that got an issue (created
/// or adopted) and passes `keep(path)`; each re-applies its links by key ([`relink`]) to the
/// file's text on the forge, and leaves items that already link an issue alone.
pub fn link_changes<'a>(
    report: &crate::sync::SyncReport,
    parse_options: &'a crate::parse::ParseOptions,
    keep: impl Fn(&str) -> bool,
) -> Vec<Change<'a>> {
    let mut by_path: std::collections::BTreeMap<String, Vec<(String, crate::plan::IssueSummary)>> =
        Default::default();
    for t in report.created.iter().chain(report.adopted.iter()) {
        if keep(&t.path) {
            by_path
                .entry(t.path.clone())
                .or_default()
                .push((t.key.clone(), t.issue.clone()));
        }
    }
    by_path
        .into_iter()
        .map(|(path, issues)| Change {
            path: path.trim_start_matches("./").to_string(),
            apply: Box::new(move |text: &str| Some(relink(text, &path, &issues, parse_options))),
        })
        .collect()
}

/// What re-applying the follow-up's status to a file on the forge needs.
pub struct StatusContext<'a> {
    pub today: chrono::NaiveDate,
    pub options: &'a crate::followup::FollowupOptions,
    pub engine: &'a crate::render::Engine,
    pub parse_options: &'a crate::parse::ParseOptions,
}

/// The follow-up's status as changes, one per document whose text changes: each parses the
/// text on the forge and computes its status block and boxes again from the same `listing`,
/// so an edit made there since is kept.
pub fn status_changes<'a>(
    documents: &[crate::followup::DocOutcome],
    listing: &'a [crate::plan::TrackedIssue],
    cx: &'a StatusContext<'a>,
) -> Vec<Change<'a>> {
    documents
        .iter()
        .filter(|d| d.changed)
        .map(|d| {
            let doc_path = d.path.clone();
            Change {
                path: d.path.trim_start_matches("./").to_string(),
                apply: Box::new(move |remote: &str| {
                    let fresh = crate::parse::parse(&doc_path, remote, cx.parse_options);
                    crate::followup::followup_doc(
                        &fresh,
                        remote,
                        Some(listing),
                        cx.today,
                        cx.options,
                        cx.engine,
                    )
                    .ok()
                    .filter(|o| o.changed)
                    .map(|o| o.text)
                }),
            }
        })
        .collect()
}

/// The pull/merge request's body: every postmortem's counts as of `today`.
pub fn request_body(documents: &[crate::followup::DocOutcome], today: chrono::NaiveDate) -> String {
    let mut out = format!(
        "Action item status as of {today}, written by postmortem-tracker's follow-up. Merge to update the postmortems; the next run updates this branch and this description.\n\n"
    );
    // Forges cap a description (GitHub: 65,536 characters): list the first postmortems only.
    const LISTED: usize = 200;
    for d in documents.iter().take(LISTED) {
        let _ = writeln!(
            out,
            "- `{}`: {} done, {} open, {} overdue",
            d.path, d.counts.done, d.counts.open, d.counts.overdue
        );
    }
    if documents.len() > LISTED {
        let _ = writeln!(out, "- and {} more", documents.len() - LISTED);
    }
    out
}

/// Where the commits go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Straight onto the default branch.
    Commit,
    /// Onto `branch`, with one pull/merge request into the default branch.
    PullRequest { branch: String, title: String },
}

/// What a publish did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Published {
    /// The branch written to.
    pub branch: String,
    /// Files committed.
    pub written: Vec<String>,
    /// Files already up to date on the branch.
    pub unchanged: Vec<String>,
    /// Writes refused as stale, then read again and re-applied.
    pub conflicts: usize,
    /// Files that could not be written, with why; the other files went on.
    pub errors: Vec<String>,
    /// The pull/merge request (pull-request mode).
    pub request: Option<(u64, String, bool)>,
}

/// How often a file is read again after a conflict before giving up on it.
pub const MAX_ATTEMPTS: usize = 5;

/// Commits each change through `forge`, re-applying it after a conflict (at most
/// [`MAX_ATTEMPTS`] tries per file). In pull-request mode the branch is created from the
/// default branch when missing, and the one open request for it is opened or has its body
/// updated with `body`. Fatal errors (401, 403, 404 on the repository) stop the run.
pub async fn publish<P: Publisher>(
    forge: &P,
    changes: &[Change<'_>],
    target: &Target,
    message: &str,
    body: &str,
) -> Result<Published, TrackerError> {
    let default = forge.default_branch().await?;
    let branch = match target {
        Target::Commit => default.clone(),
        Target::PullRequest { branch, .. } => {
            forge.ensure_branch(branch, &default).await?;
            branch.clone()
        }
    };
    let mut out = Published {
        branch: branch.clone(),
        ..Published::default()
    };
    for change in changes {
        match publish_one(forge, change, &branch, message, &mut out.conflicts).await {
            Ok(true) => out.written.push(change.path.clone()),
            Ok(false) => out.unchanged.push(change.path.clone()),
            Err(e) if e.is_fatal() => return Err(e),
            Err(e) => out.errors.push(format!("{}: {e}", change.path)),
        }
    }
    if let Target::PullRequest { branch, title } = target {
        let ChangeRequest {
            number,
            url,
            created,
        } = forge
            .upsert_change_request(branch, &default, title, body)
            .await?;
        out.request = Some((number, url, created));
    }
    Ok(out)
}

async fn publish_one<P: Publisher>(
    forge: &P,
    change: &Change<'_>,
    branch: &str,
    message: &str,
    conflicts: &mut usize,
) -> Result<bool, TrackerError> {
    for _ in 0..MAX_ATTEMPTS {
        let Some(file) = forge.read_file(&change.path, branch).await? else {
            return Err(TrackerError::Rejected {
                status: 404,
                message: format!("not on branch {branch} (commit it first)"),
            });
        };
        let Some(text) = (change.apply)(&file.text).filter(|t| *t != file.text) else {
            return Ok(false);
        };
        match forge
            .write_file(&change.path, branch, &text, &file.version, message)
            .await
        {
            Ok(()) => return Ok(true),
            Err(e) if is_conflict(&e) => *conflicts += 1,
            Err(e) => return Err(e),
        }
    }
    Err(TrackerError::Rejected {
        status: 409,
        message: format!("still changing on {branch} after {MAX_ATTEMPTS} attempts; not written"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_commits_are_recognised_by_their_trailer() {
        assert!(is_own_commit(&commit_message(Source::Followup)));
        assert!(is_own_commit(&commit_message(Source::Sync)));
        assert!(commit_message(Source::Followup).contains("[skip ci]"));
        assert!(is_own_commit("fix\n\npostmortem-tracker: follow-up"));
        assert!(!is_own_commit("Fix the postmortem-tracker: docs"));
        assert!(!is_own_commit(
            "postmortem-tracker: update action item status"
        ));
        assert!(!is_own_commit("add postmortem for the db outage"));
    }
}
