//! The board step of every sync and follow-up: the boards teams watch kept current with the
//! state of every tracked issue. [`super::sync::sync`] and [`super::followup::followup`] call
//! it with the listing they already read, so `sync`, `followup`, `ci` and the service all
//! get it, and a steady state costs no tracker read beyond that listing.
//!
//! - State labels on both forges (`[state_labels]`), changed only when the state changes.
//! - A GitHub Project (`[projects.github]`): the project's fields read and matched to the
//!   configuration before any write (a missing field, a wrong type or a missing option stops
//!   the project part with nothing written), its items read (100 a page), then only the
//!   missing items added and the differing values written.

use std::collections::HashMap;

use super::Options;
use crate::board::{
    board_items, label_changes, plan_project, resolve_mapping, state_label_spec, Assessed,
    BoardItem, BoardReport, ProjectItem, ProjectReport,
};
use crate::config::GithubProjectConfig;
use crate::followup::{assess, severity, ItemOutcome};
use crate::forge::paced::{Paced, Sleeper};
use crate::forge::projects::{GraphQl, Projects, BATCH, PAGE};
use crate::forge::{ForgeKind, LabelSpec, Tracker, TrackerError};
use crate::model::Postmortem;
use crate::plan::TrackedIssue;
use crate::render::context::PostmortemRef;

/// The board step after a sync: `listing` is the sync's last listing, in which the issues
/// the sync closed (`closed`, ticked items) are still open. The sync reads no status block, so
/// an undated postmortem's policy counts from each issue's opening day, as the sync's plan
/// does; a follow-up passes its own assessment to [`board`] instead.
pub async fn after_sync<F: Tracker + GraphQl, S: Sleeper>(
    forge: &F,
    sleeper: &S,
    docs: &[Postmortem],
    listing: &[TrackedIssue],
    closed: &[u64],
    options: &Options,
) -> Result<BoardReport, TrackerError> {
    let mut listing = listing.to_vec();
    for t in listing.iter_mut().filter(|t| closed.contains(&t.number)) {
        t.open = false;
    }
    let assessed: Vec<(PostmortemRef, Option<String>, Vec<ItemOutcome>)> = docs
        .iter()
        .map(|d| {
            let items = assess(
                d,
                Some(&listing),
                options.today,
                &options.followup,
                &HashMap::new(),
            );
            (PostmortemRef::of(d, None), severity(d), items)
        })
        .collect();
    let items = board_items(assessed.iter().map(|(p, s, items)| Assessed {
        postmortem: p,
        severity: s.as_deref(),
        items,
    }));
    board(forge, sleeper, &items, &listing, options).await
}

/// Keeps the boards current for `items` (from [`board_items`]), whose issues are in
/// `listing`. Fatal tracker errors (token, access) from the labels stop it; the project's
/// problems are reported in [`BoardReport::errors`] and the run goes on.
pub async fn board<F: Tracker + GraphQl, S: Sleeper>(
    forge: &F,
    sleeper: &S,
    items: &[BoardItem],
    listing: &[TrackedIssue],
    options: &Options,
) -> Result<BoardReport, TrackerError> {
    let paced = Paced::new(forge, sleeper, &options.sync.pacing);
    let mut report = BoardReport::default();
    if options.config.state_labels.enabled {
        state_labels(&paced, items, listing, options, &mut report).await?;
    }
    if let Some(project) = &options.config.projects.github {
        if options.remote.kind != Some(ForgeKind::Github) {
            report.notices.push(format!(
                "[projects.github] is set but the tracker is {}: the GitHub project is left alone",
                options.remote.forge()
            ));
        } else {
            match github_project(&paced, items, project, options, &mut report.notices).await {
                Ok((p, errors)) => {
                    report.project = Some(p);
                    report.errors.extend(errors);
                }
                Err(e) => report.errors.push(e),
            }
        }
    }
    Ok(report)
}

async fn state_labels<F: Tracker, S: Sleeper>(
    paced: &Paced<'_, F, S>,
    items: &[BoardItem],
    listing: &[TrackedIssue],
    options: &Options,
    report: &mut BoardReport,
) -> Result<(), TrackerError> {
    let changes = label_changes(items, listing, &options.config.state_labels);
    let mut specs: Vec<LabelSpec> = Vec::new();
    for c in changes.iter().filter(|c| c.add.is_some()) {
        let spec = state_label_spec(&options.config.state_labels, c.state);
        if !specs
            .iter()
            .any(|s| s.name.eq_ignore_ascii_case(&spec.name))
        {
            specs.push(spec);
        }
    }
    if !specs.is_empty() {
        paced
            .retrying(true, || paced.tracker().ensure_labels(&specs))
            .await?;
    }
    for c in changes {
        let edits = c
            .add
            .iter()
            .map(|l| (l, true))
            .chain(c.remove.iter().map(|l| (l, false)));
        let mut ok = true;
        for (label, present) in edits {
            let done = paced
                .retrying(true, || paced.tracker().set_label(c.number, label, present))
                .await;
            match done {
                Ok(()) => {}
                Err(e) if e.is_fatal() => return Err(e),
                Err(e) => {
                    ok = false;
                    report
                        .errors
                        .push(format!("#{}: state label {label:?}: {e}", c.number));
                }
            }
        }
        if ok {
            report.labels.push(c);
        }
    }
    Ok(())
}

/// Reads the project, plans, then writes: the missing items added, the differing values
/// set. Returns what was done and the errors of single items; `Err` when the project cannot
/// be used at all (nothing was written then).
async fn github_project<F: Tracker + GraphQl, S: Sleeper>(
    paced: &Paced<'_, F, S>,
    items: &[BoardItem],
    config: &GithubProjectConfig,
    options: &Options,
    notices: &mut Vec<String>,
) -> Result<(ProjectReport, Vec<String>), String> {
    let remote = &options.remote;
    let client = Projects::new(paced.tracker());
    let text = |e: TrackerError| e.to_string();
    let schema = paced
        .retrying(false, || client.schema(&config.owner, config.number))
        .await
        .map_err(text)?;
    let (mapping, found) = resolve_mapping(&schema, config).map_err(|e| e.to_string())?;
    notices.extend(found);
    let mut existing: Vec<ProjectItem> = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let (page, next) = paced
            .retrying(false, || client.items_page(&schema.id, after.as_deref()))
            .await
            .map_err(text)?;
        existing.extend(page);
        match next {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    let plan = plan_project(items, &existing, &remote.repo, &mapping).map_err(|e| e.to_string())?;
    let mut report = ProjectReport {
        title: schema.title.clone(),
        url: schema.url.clone(),
        ..ProjectReport::default()
    };
    let mut errors = Vec::new();
    if plan.is_empty() {
        return Ok((report, errors));
    }
    let mut item_of = plan.items.clone();
    for numbers in plan.add.chunks(PAGE) {
        let ids = paced
            .retrying(false, || client.issue_ids(&remote.repo, numbers))
            .await
            .map_err(text)?;
        let found: Vec<(u64, String)> = numbers
            .iter()
            .filter_map(|n| match ids.get(n) {
                Some(id) => Some((*n, id.clone())),
                None => {
                    errors.push(format!(
                        "#{n}: not found in {} on GitHub: not added to the project",
                        remote.repo
                    ));
                    None
                }
            })
            .collect();
        for batch in found.chunks(BATCH) {
            let (added, failed) = paced
                .retrying(true, || client.add_items(&schema.id, batch))
                .await
                .map_err(text)?;
            report.added.extend(
                batch
                    .iter()
                    .map(|(n, _)| *n)
                    .filter(|n| added.contains_key(n)),
            );
            item_of.extend(added);
            errors.extend(failed);
        }
    }
    let writes: Vec<(String, crate::board::FieldWrite)> = plan
        .writes
        .into_iter()
        .filter_map(|w| Some((item_of.get(&w.number)?.clone(), w)))
        .collect();
    for batch in writes.chunks(BATCH) {
        let failed = paced
            .retrying(true, || client.write(&schema.id, batch))
            .await
            .map_err(text)?;
        report.fields_written += batch.len() - failed.len();
        errors.extend(failed);
    }
    Ok((report, errors))
}
