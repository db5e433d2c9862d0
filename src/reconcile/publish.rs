//! The write-back changes of a job, for [`crate::forge::publish::publish`]: the sync's issue
//! links and the follow-up's status blocks, each a pure function re-applied to a file's text on
//! the forge (by item key, not line number), and the pull/merge request's body.

use std::fmt::Write as _;

use crate::forge::publish::Change;
use crate::identity::ItemKey;

/// The sync's issue links, applied to `text` (a version of the file at `path`): each issue
/// goes next to the item with its key in this text, unless that item already links one.
/// Keys, not line numbers, so lines moved by someone else's edit still get the right link.
pub fn relink(
    text: &str,
    path: &str,
    issues: &[(ItemKey, crate::plan::IssueSummary)],
    options: &crate::parse::ParseOptions,
) -> String {
    let doc = crate::parse::parse(path, text, options);
    crate::writeback::insert_links(text, &crate::sync::links_for(&doc, issues))
}

/// The sync's issue links as changes, one per file with an item that got an issue (created
/// or adopted) and passes `keep(path)`; each re-applies its links by key ([`relink`]) to the
/// file's text on the forge, and leaves items that already link an issue alone.
pub fn link_changes<'a>(
    report: &crate::sync::SyncReport,
    parse_options: &'a crate::parse::ParseOptions,
    keep: impl Fn(&str) -> bool,
) -> Vec<Change<'a>> {
    let mut by_path: std::collections::BTreeMap<String, Vec<(ItemKey, crate::plan::IssueSummary)>> =
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
