//! `postmortem-tracker parse`: what the parser finds, as JSON or a readable summary.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use super::input::{self, Global};
use crate::model::Postmortem;

/// Print the action items, timeline and incident times found in postmortems.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or folders (folders are walked for .md, .markdown and .txt files, honouring
    /// .gitignore). Default: the `paths` globs from configuration (postmortems/**,
    /// docs/postmortems/**).
    pub paths: Vec<PathBuf>,
    /// Output format: `json` (one object per file; documented in the README) or `text`.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// How `parse` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let inputs = input::load(&args.paths, global)?;
    let out = match args.format {
        Format::Json => serde_json::to_string_pretty(&inputs.documents)? + "\n",
        Format::Text => inputs.documents.iter().map(text).collect(),
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// A readable summary of one postmortem.
pub fn text(pm: &Postmortem) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: {}",
        pm.path,
        pm.title.as_deref().unwrap_or("(no title)")
    );
    let inc = &pm.incident;
    if inc.start.is_some() || inc.end.is_some() {
        let show =
            |t: &Option<crate::model::Timestamp>| t.map_or("?".to_string(), |t| t.to_string());
        let _ = write!(s, "  incident: {} to {}", show(&inc.start), show(&inc.end));
        if let Some(m) = inc.duration_minutes {
            let _ = write!(s, " ({m} min)");
        }
        s.push('\n');
    }
    let _ = writeln!(s, "  action items: {}", pm.actions.len());
    for a in &pm.actions {
        let mut tags = Vec::new();
        if let Some(g) = &a.group {
            tags.push(format!("group: {g}"));
        }
        if let Some(o) = &a.owner {
            tags.push(format!("owner: {o}"));
        }
        if let Some(d) = a.due {
            tags.push(format!("due: {d}"));
        }
        if let Some(p) = &a.priority {
            tags.push(format!("priority: {p}"));
        }
        if let Some(i) = &a.issue {
            tags.push(format!("issue: {i}"));
        }
        if a.done {
            tags.push("done".into());
        }
        if a.not_planned {
            tags.push("not planned".into());
        }
        let tags = if tags.is_empty() {
            String::new()
        } else {
            format!(" ({})", tags.join(", "))
        };
        let _ = writeln!(
            s,
            "    {:>4}  {:<10} {}{tags}",
            a.line,
            a.kind.name(),
            a.text
        );
    }
    let _ = writeln!(s, "  timeline entries: {}", pm.timeline.len());
    for e in &pm.timeline {
        let t = e.time.map(|t| t.to_string()).unwrap_or_default();
        let text: String = e.text.chars().take(70).collect();
        let _ = writeln!(s, "    {:>4}  {t:<25} {text}", e.line);
    }
    for d in &pm.diagnostics {
        let at = d.line.map(|l| format!(":{l}")).unwrap_or_default();
        let _ = writeln!(s, "  {}{at}: {}: {}", pm.path, d.severity.name(), d.message);
    }
    s
}
