//! Lint findings for people (`text`), programs (`json`), GitHub Actions annotations
//! (`github`) and GitLab's Code Quality report (`gitlab`).

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use super::Finding;
use crate::model::Severity;

/// `path:line: severity: message [code]`, one per line, as compilers print.
pub fn text(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let d = &f.diagnostic;
        let at = match d.line {
            Some(l) => format!("{}:{l}", f.path),
            None => f.path.clone(),
        };
        let _ = writeln!(
            out,
            "{at}: {}: {} [{}]",
            d.severity.name(),
            d.message,
            d.code
        );
    }
    out
}

/// A JSON array of `{path, severity, line, code, message}`.
pub fn json(findings: &[Finding]) -> String {
    serde_json::to_string_pretty(findings).expect("findings serialise")
}

/// GitHub Actions workflow commands: `::warning file=P,line=N,title=CODE::MESSAGE`.
pub fn github(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let d = &f.diagnostic;
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = format!("file={}", escape_property(&f.path));
        if let Some(l) = d.line {
            let _ = write!(props, ",line={l}");
        }
        let _ = write!(props, ",title={}", escape_property(d.code));
        let _ = writeln!(out, "::{level} {props}::{}", escape_data(&d.message));
    }
    out
}

/// Escaping the runner applies to a command's message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping the runner applies to a command's properties.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitLab Code Quality report (a JSON array in the Code Climate format), for
/// `artifacts:reports:codequality`.
pub fn gitlab(findings: &[Finding]) -> String {
    let issues: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            let d = &f.diagnostic;
            let severity = match d.severity {
                Severity::Error => "major",
                Severity::Warning => "minor",
                Severity::Info => "info",
            };
            // Stable across runs for the same finding, so GitLab can tell new from fixed.
            let mut h = Sha256::new();
            h.update(f.path.as_bytes());
            h.update([0]);
            h.update(d.code.as_bytes());
            h.update([0]);
            h.update(d.message.as_bytes());
            let fingerprint: String = h.finalize()[..16]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            serde_json::json!({
                "description": d.message,
                "check_name": d.code,
                "fingerprint": fingerprint,
                "severity": severity,
                "location": { "path": f.path, "lines": { "begin": d.line.unwrap_or(1) } },
            })
        })
        .collect();
    serde_json::to_string_pretty(&issues).expect("report serialises")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Diagnostic;

    fn finding() -> Finding {
        Finding {
            path: "pm/a,b.md".into(),
            diagnostic: Diagnostic::new(
                Severity::Warning,
                Some(7),
                "missing-owner",
                "no owner: 100% sure\nreally",
            ),
        }
    }

    #[test]
    fn github_commands_are_escaped() {
        assert_eq!(
            github(&[finding()]),
            "::warning file=pm/a%2Cb.md,line=7,title=missing-owner::no owner: 100%25 sure%0Areally\n"
        );
    }

    #[test]
    fn gitlab_report_has_the_code_quality_fields() {
        let v: serde_json::Value = serde_json::from_str(&gitlab(&[finding()])).unwrap();
        let issue = &v[0];
        assert_eq!(issue["check_name"], "missing-owner");
        assert_eq!(issue["severity"], "minor");
        assert_eq!(issue["location"]["path"], "pm/a,b.md");
        assert_eq!(issue["location"]["lines"]["begin"], 7);
        assert_eq!(issue["fingerprint"].as_str().unwrap().len(), 32);
    }

    #[test]
    fn text_names_file_and_line() {
        assert_eq!(
            text(&[finding()]),
            "pm/a,b.md:7: warning: no owner: 100% sure\nreally [missing-owner]\n"
        );
    }
}
