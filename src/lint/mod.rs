//! Lint: what a careful reviewer would flag in a postmortem. Pure: a parsed document and the
//! configuration in, findings out.

pub mod output;

use std::collections::HashMap;

use crate::config::{Config, Required};
use crate::model::{Diagnostic, Postmortem, SectionKind, Severity};
use crate::parse::plain_text;

/// One finding, with the file it is about.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    pub path: String,
    #[serde(flatten)]
    pub diagnostic: Diagnostic,
}

impl Finding {
    /// A file that could not be read as a postmortem (binary, too large, not UTF-8): an
    /// error of the run, with `reason`.
    pub fn unreadable(path: &str, reason: &str) -> Finding {
        Finding {
            path: path.to_string(),
            diagnostic: Diagnostic::new(
                Severity::Error,
                None,
                "unreadable",
                format!("not read: {reason}"),
            ),
        }
    }
}

/// The parser's diagnostics plus the lint rules, in line order.
pub fn lint(pm: &Postmortem, cfg: &Config) -> Vec<Diagnostic> {
    let mut out = pm.diagnostics.clone();
    out.retain(|d| d.code != "no-sections");
    for required in cfg.required() {
        let present = match required {
            Required::Actions => pm.sections.iter().any(|s| s.kind.is_action()),
            // A transcript has a timeline without a heading for it.
            Required::Kind(SectionKind::Timeline) if !pm.timeline.is_empty() => true,
            Required::Kind(k) => pm.sections.iter().any(|s| s.kind == k),
        };
        if !present {
            let name = match required {
                Required::Actions => "action items (or corrective/preventive measures, tasks)",
                Required::Kind(k) => section_label(k),
            };
            out.push(Diagnostic::new(
                Severity::Warning,
                None,
                "missing-section",
                format!("no {name} section"),
            ));
        }
    }
    for s in pm.sections.iter().filter(|s| s.kind.is_action()) {
        let next = pm
            .sections
            .iter()
            .find(|n| n.line > s.line && !n.kind.is_action())
            .map_or(usize::MAX, |n| n.line);
        let has_items = pm.actions.iter().any(|a| a.line > s.line && a.line < next);
        let has_sub = pm
            .sections
            .iter()
            .any(|n| n.line > s.line && n.line < next && n.kind.is_action());
        if !has_items && !has_sub {
            out.push(Diagnostic::new(
                Severity::Warning,
                Some(s.line),
                "empty-actions",
                format!("the section {:?} has no action items", s.heading),
            ));
        }
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    // A due date written but unreadable has its own warning: the item's lines (up to the next
    // item's) holding one get no second one for the missing date.
    let unreadable_due: Vec<usize> = pm
        .diagnostics
        .iter()
        .filter(|d| d.code == "unparseable-date")
        .filter_map(|d| d.line)
        .collect();
    let due_unreadable = |a: &crate::model::ActionItem| {
        let end = pm
            .actions
            .iter()
            .map(|b| b.line)
            .filter(|&l| l > a.line)
            .min()
            .unwrap_or(usize::MAX);
        unreadable_due.iter().any(|&l| l >= a.line && l < end)
    };
    // (Finished or dropped work needs no owner and no date.)
    for a in pm.actions.iter().filter(|a| !a.done && !a.not_planned) {
        if cfg.lint.require_owner && a.owner.is_none() {
            out.push(Diagnostic::new(
                Severity::Warning,
                Some(a.line),
                "missing-owner",
                format!(
                    "action item has no owner (add @login or `Owner: name`): {}",
                    short(&a.text)
                ),
            ));
        }
        if cfg.lint.require_due && a.due.is_none() && !due_unreadable(a) {
            out.push(Diagnostic::new(
                Severity::Warning,
                Some(a.line),
                "missing-due",
                format!(
                    "action item has no due date (add `due: YYYY-MM-DD`): {}",
                    short(&a.text)
                ),
            ));
        }
        let key = plain_text(&a.text).to_lowercase();
        match seen.get(&key) {
            Some(first) => out.push(Diagnostic::new(
                Severity::Warning,
                Some(a.line),
                "duplicate-item",
                format!(
                    "the same action item stands at line {first}: {}",
                    short(&a.text)
                ),
            )),
            None => {
                seen.insert(key, a.line);
            }
        }
    }
    if cfg.lint.strict {
        for d in &mut out {
            if d.severity == Severity::Warning {
                d.severity = Severity::Error;
            }
        }
    }
    out.sort_by_key(|d| d.line.unwrap_or(0));
    out
}

fn section_label(k: SectionKind) -> &'static str {
    match k {
        SectionKind::RootCause => "root cause",
        SectionKind::LessonsLearned => "lessons learned",
        SectionKind::ContributingFactors => "contributing factors",
        other => other.name(),
    }
}

fn short(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<(String, Option<usize>, Severity)> {
        codes_requiring_due(text, false)
    }

    fn codes_requiring_due(text: &str, due: bool) -> Vec<(String, Option<usize>, Severity)> {
        let pm = crate::parse::parse("pm.md", text, &crate::parse::ParseOptions::default());
        let mut cfg = Config {
            required_sections: vec![],
            ..Config::default()
        };
        cfg.lint.require_owner = false;
        cfg.lint.require_due = due;
        lint(&pm, &cfg)
            .into_iter()
            .map(|d| (d.code.to_string(), d.line, d.severity))
            .collect()
    }

    #[test]
    fn the_parser_says_when_it_is_unsure_and_lint_shows_it_as_warnings() {
        let got = codes(
            "# Outage\n\n## Action Items\n\n## Root Cause\n\nA bad deploy.\n\n\
             ## Follow-up work\n\n- Add alerts Owner: ???\n- Rotate keys due: someday soon\n",
        );
        let w = Severity::Warning;
        assert_eq!(
            got,
            [
                ("empty-actions".to_string(), Some(3), w),
                ("unreadable-owner".to_string(), Some(11), w),
                ("unparseable-date".to_string(), Some(12), w),
            ]
        );
    }

    #[test]
    fn an_unreadable_due_date_is_one_warning_not_two() {
        let got = codes_requiring_due(
            "## Action Items\n\n- Add alerts. Due: end of May\n- Rotate keys\n\n\
             ### Tune GC\n\nOwner: @ana\nDue: someday\n",
            true,
        );
        let w = Severity::Warning;
        assert_eq!(
            got,
            [
                ("unparseable-date".to_string(), Some(3), w),
                ("missing-due".to_string(), Some(4), w),
                ("unparseable-date".to_string(), Some(9), w),
            ]
        );
    }
}
