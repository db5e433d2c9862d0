//! `plan`: what a sync would do, without writing anything.

use std::fmt::Write as _;
use std::process::ExitCode;

use super::input::{self, Global};
use super::remote::{self, Format, ReadArgs};
use crate::forge::{client::Client, Tracker};
use crate::plan::{plan, Action, AdoptBy, Plan, TrackedIssue};

/// `plan`'s flags: the documents, the tracker, the output format.
pub type Args = ReadArgs;

pub fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let inputs = input::load(&args.tracker.paths, global)?;
    let env = remote::env_map();
    let resolved = remote::options(inputs.config.clone(), &args.tracker.overrides(), &env)?;
    let (remote, options) = (resolved.remote, resolved.sync);
    let timeout = std::time::Duration::from_secs(inputs.config.sync.timeout_secs);
    let label = options.label.clone();
    let rt = remote::runtime()?;
    let listed: Result<Option<Vec<TrackedIssue>>, _> = rt.block_on(async {
        if remote.kind.is_none() || !remote.has_credentials() {
            return Ok(None);
        }
        let client = Client::connect(&remote, timeout)
            .await
            .map_err(|e| remote::connect_failed(&remote, e))?;
        client
            .list_issues(&label)
            .await
            .map(Some)
            .map_err(|e| anyhow::anyhow!(remote::explain(&remote, &e)))
    });
    let listed = listed?;
    // `--tracker none` (or `sync.tracker = "none"`) asked for the files alone: nothing to note.
    let chosen_none =
        args.tracker.tracker == Some(None) || inputs.config.sync.tracker.as_deref() == Some("none");
    if listed.is_none() && !chosen_none {
        let why = if remote.kind.is_none() {
            "no tracker configured".to_string()
        } else {
            format!("no {} in the environment", remote.token_var())
        };
        eprintln!(
            "note: {why}: planned from the files alone (items that name no issue would be created)"
        );
    }
    let state = listed.unwrap_or_default();
    let p = plan(&inputs.documents, &state, &options.plan);
    let doubts = misreads(&inputs.documents, &inputs.config);
    let out = match args.format {
        Format::Json => {
            // The plan's fields, and its doubts beside them for a script to check.
            let mut v = serde_json::to_value(&p)?;
            v["doubts"] = serde_json::to_value(&doubts)?;
            serde_json::to_string_pretty(&v)? + "\n"
        }
        Format::Text => text(&p) + &doubts_text(&doubts),
        Format::Markdown => markdown(&p) + &doubts_text(&doubts),
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// What the parser could not read as written: a section about actions without items, a due
/// date or owner field it could not read, a block left open, a template's blank. A person
/// should see these before a sync opens issues from the file.
const MISREADS: [&str; 5] = [
    "empty-actions",
    "unparseable-date",
    "unreadable-owner",
    "unclosed-block",
    "placeholder-item",
];

/// The [`MISREADS`] of the documents.
fn misreads(
    docs: &[crate::model::Postmortem],
    config: &crate::config::Config,
) -> Vec<crate::lint::Finding> {
    use crate::lint::{lint, Finding};
    docs.iter()
        .flat_map(|pm| {
            lint(pm, config)
                .into_iter()
                .filter(|d| MISREADS.contains(&d.code))
                .map(|diagnostic| Finding {
                    path: pm.path.clone(),
                    diagnostic,
                })
        })
        .collect()
}

/// The doubts one line each, after a blank line and a title; nothing when there are none.
fn doubts_text(findings: &[crate::lint::Finding]) -> String {
    if findings.is_empty() {
        return String::new();
    }
    format!(
        "\nRead with doubt (check these before the sync):\n{}",
        crate::lint::output::text(findings)
    )
}

fn describe(action: &Action) -> (&'static str, String) {
    match action {
        Action::Create => ("create", String::new()),
        Action::Adopt {
            by: AdoptBy::Key,
            issue,
        } => (
            "adopt",
            format!(
                "{} (found by its key; the link will be written)",
                issue.reference
            ),
        ),
        Action::Adopt {
            by: AdoptBy::FileReference,
            issue,
        } => ("adopt", format!("{} (named in the file)", issue.reference)),
        Action::Unchanged { issue } => ("unchanged", issue.reference.clone()),
    }
}

fn summary(p: &Plan) -> String {
    let (c, a, u) = p.counts();
    format!(
        "{c} to create, {a} to adopt, {u} unchanged, {} removed from files, {} duplicates to close",
        p.removed.len(),
        p.duplicates.len()
    )
}

/// Plain text, grouped by file.
pub fn text(p: &Plan) -> String {
    let mut out = String::new();
    let mut path = None;
    for i in &p.items {
        if path != Some(&i.path) {
            let _ = writeln!(out, "{}", i.path);
            path = Some(&i.path);
        }
        let (verb, what) = describe(&i.action);
        let _ = write!(out, "  {verb:<9} line {:<4} {}", i.line, i.text);
        if !what.is_empty() {
            let _ = write!(out, " — {what}");
        }
        if let (Action::Create, Some(due)) = (&i.action, i.due) {
            let _ = write!(out, " — due {due}");
            if let Some(p) = &i.due_policy {
                let _ = write!(out, " ({p})");
            }
        }
        if let (Action::Create, Some(s)) = (&i.action, i.settled) {
            let _ = write!(out, " — closed at once as {}", s.words());
        }
        out.push('\n');
    }
    for r in &p.removed {
        let _ = writeln!(
            out,
            "{}\n  removed   {} is no longer in the file (its issue stays open; close it by hand if the item was dropped)",
            r.path, r.issue.reference
        );
    }
    for d in &p.duplicates {
        let _ = writeln!(
            out,
            "duplicate #{} will be closed (keeping #{})",
            d.close, d.keep
        );
    }
    let _ = writeln!(out, "Plan: {}.", summary(p));
    out
}

/// A Markdown table (for a pull-request comment or a job summary).
pub fn markdown(p: &Plan) -> String {
    let mut out = String::from("| File | Line | Item | Action | Issue |\n|---|---|---|---|---|\n");
    let cell = |s: &str| crate::render::safe::escape_inline(s);
    for i in &p.items {
        let (verb, what) = describe(&i.action);
        let closed = match (&i.action, i.settled) {
            (Action::Create, Some(s)) => format!(", closed at once as {}", s.words()),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {verb}{closed} | {} |",
            cell(&i.path),
            i.line,
            cell(&i.text),
            cell(&what)
        );
    }
    for r in &p.removed {
        let _ = writeln!(
            out,
            "| {} | | | removed from file | {} |",
            cell(&r.path),
            cell(&r.issue.reference)
        );
    }
    let _ = writeln!(out, "\n**Plan:** {}.", summary(p));
    out
}
