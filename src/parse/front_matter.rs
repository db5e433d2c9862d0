//! YAML front matter: a `---` block at the very top of the document.

use std::collections::BTreeMap;

use super::Line;
use crate::model::{Diagnostic, FrontMatter, Severity};

/// Longest front matter read, in lines: beyond it a `---` pair is more likely two rules.
const MAX_LINES: usize = 500;

/// Reads front matter, if any, and marks its lines as not content.
pub(crate) fn read(
    lines: &mut [Line<'_>],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<FrontMatter> {
    if lines.first()?.body != "---" || lines[0].indent != 0 {
        return None;
    }
    let close = lines
        .iter()
        .take(MAX_LINES)
        .skip(1)
        .position(|l| l.body == "---" || l.body == "...")?
        + 1;
    let yaml: String = lines[1..close]
        .iter()
        .map(|l| l.body)
        .collect::<Vec<_>>()
        .join("\n");
    // Indentation matters in YAML: rebuild from the original indents.
    let yaml = lines[1..close]
        .iter()
        .zip(yaml.split('\n'))
        .map(|(l, body)| format!("{}{}", " ".repeat(l.indent), body))
        .collect::<Vec<_>>()
        .join("\n");
    for l in &mut lines[..=close] {
        l.skip = true;
    }
    let value: serde_yaml_ng::Value = match serde_yaml_ng::from_str(&yaml) {
        Ok(v) => v,
        Err(e) => {
            let line = e.location().map(|loc| loc.line() + 1);
            diagnostics.push(Diagnostic::new(
                Severity::Error,
                line,
                "front-matter",
                format!("front matter is not valid YAML: {e}"),
            ));
            return None;
        }
    };
    let serde_yaml_ng::Value::Mapping(map) = value else {
        if !value.is_null() {
            diagnostics.push(Diagnostic::new(
                Severity::Error,
                Some(2),
                "front-matter",
                "front matter must be a mapping of keys to values",
            ));
        }
        return None;
    };
    let mut fm = FrontMatter::default();
    let mut extra = BTreeMap::new();
    for (k, v) in map {
        let Some(key) = k.as_str().map(str::to_lowercase) else {
            continue;
        };
        let as_text = |v: &serde_yaml_ng::Value| match v {
            serde_yaml_ng::Value::String(s) => Some(s.clone()),
            serde_yaml_ng::Value::Number(n) => Some(n.to_string()),
            serde_yaml_ng::Value::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        match key.as_str() {
            "title" => fm.title = as_text(&v),
            "date" => fm.date = as_text(&v),
            "severity" | "sev" => fm.severity = as_text(&v),
            "id" => fm.id = as_text(&v),
            "status" => fm.status = as_text(&v),
            "owners" | "owner" | "authors" | "author" => match &v {
                serde_yaml_ng::Value::Sequence(s) => {
                    fm.owners.extend(s.iter().filter_map(as_text));
                }
                other => fm.owners.extend(as_text(other)),
            },
            _ => {
                if let Ok(json) = serde_json::to_value(&v) {
                    extra.insert(key, json);
                }
            }
        }
    }
    fm.extra = extra;
    Some(fm)
}
