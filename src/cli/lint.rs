//! `postmortem-tracker lint`: findings as text, JSON, GitHub annotations or a GitLab Code
//! Quality report.

use std::path::PathBuf;
use std::process::ExitCode;

use super::input::{self, Global};
use crate::lint::{lint, output, Finding};
use crate::model::{Diagnostic, Severity};
use crate::writeback::status::find_block;

/// Check postmortems: required sections, action items without owner or due date, dates that
/// cannot be read, duplicated items. Exits 1 when there are errors (with --strict, warnings).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or folders; default: the `paths` globs from configuration.
    pub paths: Vec<PathBuf>,
    /// `text` for people, `json`, `github` (workflow-command annotations) or `gitlab` (a Code
    /// Quality report to save as an artifact).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
}

/// How `lint` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Github,
    Gitlab,
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let mut inputs = input::load(&args.paths, global)?;
    inputs.config.lint.strict |= args.strict;
    let mut findings: Vec<Finding> = Vec::new();
    for (path, reason) in &inputs.skipped {
        findings.push(Finding::unreadable(path, reason));
    }
    for pm in &inputs.documents {
        // A damaged status block stops the follow-up for this file and hides what follows it
        // from the parser: said here too, so a pull request's check shows it on its line.
        if let Ok(bytes) = std::fs::read(&pm.path) {
            if let Err(damage) = find_block(&String::from_utf8_lossy(&bytes)) {
                findings.push(Finding {
                    path: pm.path.clone(),
                    diagnostic: Diagnostic::new(
                        Severity::Error,
                        Some(damage.line),
                        "status-block",
                        damage.message(),
                    ),
                });
            }
        }
        for d in lint(pm, &inputs.config) {
            findings.push(Finding {
                path: pm.path.clone(),
                diagnostic: d,
            });
        }
    }
    let out = match args.format {
        Format::Text => output::text(&findings),
        Format::Json => output::json(&findings) + "\n",
        Format::Github => output::github(&findings),
        Format::Gitlab => output::gitlab(&findings) + "\n",
    };
    print!("{out}");
    let errors = findings
        .iter()
        .filter(|f| f.diagnostic.severity == Severity::Error)
        .count();
    let warnings = findings
        .iter()
        .filter(|f| f.diagnostic.severity == Severity::Warning)
        .count();
    if args.format == Format::Text {
        eprintln!(
            "{} file{} checked: {errors} error{}, {warnings} warning{}",
            inputs.documents.len(),
            if inputs.documents.len() == 1 { "" } else { "s" },
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" },
        );
    }
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
