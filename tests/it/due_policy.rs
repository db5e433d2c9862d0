//! The due-date policy from the user's side: with no configuration every open item of an old
//! incident is overdue, the date shows where it came from, `due = "off"` turns it off, a date in
//! the document wins, old settings still work with a warning, and bad settings are refused
//! before anything is written.

use std::path::Path;

use crate::support::command;

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    crate::support::run(command().current_dir(dir).args(args))
}

/// Every file under `postmortems/`, by name.
fn files(dir: &Path) -> Vec<(String, String)> {
    let mut v: Vec<_> = std::fs::read_dir(dir.join("postmortems"))
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// (state, due_from) of every item of a `followup --format json` report.
fn states(json: &str) -> Vec<(String, String)> {
    let v: serde_json::Value = serde_json::from_str(json).expect("json report");
    v["documents"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["items"].as_array().unwrap().clone())
        .map(|i| {
            (
                i["state"].as_str().unwrap().to_string(),
                i["due_from"].as_str().unwrap_or("none").to_string(),
            )
        })
        .collect()
}

#[test]
fn with_no_configuration_every_open_seed_item_is_overdue_and_says_why() {
    let Some(ws) = crate::support::seeds_workspace() else {
        return;
    };
    let (code, out, err) = run(
        ws.path(),
        &["followup", "--today", "2026-11-21", "--format", "json"],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let states = states(&out);
    assert_eq!(states.len(), 24, "{out}");
    assert!(
        states
            .iter()
            .all(|(s, from)| s == "overdue" && from == "policy"),
        "{states:?}"
    );
    // The status block shows the date and the rule that gave it.
    let written = files(ws.path());
    let blocks: Vec<_> = written
        .iter()
        .filter(|(_, t)| t.contains("postmortem-tracker:status:begin"))
        .collect();
    assert_eq!(blocks.len(), 3, "the three seeds with items get a block");
    for (name, text) in &blocks {
        assert!(
            text.contains(" (policy: 56 days after the incident) | **overdue "),
            "{name}:\n{text}"
        );
    }
    // A second run the same day changes no byte.
    let (code, out, _) = run(ws.path(), &["followup", "--today", "2026-11-21"]);
    assert_eq!(code, 0);
    assert!(out.contains("0 done, 0 open, 24 overdue"), "{out}");
    assert!(out.contains("0 files written"), "{out}");
    assert_eq!(files(ws.path()), written);
}

#[test]
fn off_turns_the_policy_off_and_a_written_date_always_wins() {
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("postmortems")).unwrap();
    std::fs::write(
        ws.path().join("postmortems/db.md"),
        "# DB outage\n\nStart: 2026-01-05 10:00 UTC\n\n## Action Items\n\n- [ ] Add disk alerts due: 2026-12-01\n- [ ] Review quotas\n",
    )
    .unwrap();
    let json = |ws: &Path| {
        let (code, out, err) = run(
            ws,
            &[
                "followup",
                "--today",
                "2026-06-01",
                "--dry-run",
                "--format",
                "json",
            ],
        );
        assert_eq!(code, 0, "{err}");
        states(&out)
    };
    assert_eq!(
        json(ws.path()),
        [
            ("open".to_string(), "item".to_string()),
            ("overdue".to_string(), "policy".to_string())
        ]
    );
    std::fs::write(
        ws.path().join(".postmortem-tracker.toml"),
        "due = \"off\"\n",
    )
    .unwrap();
    assert_eq!(
        json(ws.path()),
        [
            ("open".to_string(), "item".to_string()),
            ("open".to_string(), "none".to_string())
        ]
    );
    // `plan` shows the date a new issue will get, and why.
    std::fs::write(
        ws.path().join(".postmortem-tracker.toml"),
        "[due.kind]\nunknown = 10\ntask = 10\ncorrective = 10\npreventive = 10\n",
    )
    .unwrap();
    let (code, out, err) = run(ws.path(), &["plan", "--tracker", "none"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Review quotas — due 2026-01-15 (policy: 10 days after the incident)"),
        "{out}"
    );
    assert!(out.contains("Add disk alerts — due 2026-12-01\n"), "{out}");
}

#[test]
fn the_old_settings_still_work_with_a_warning_naming_the_new_one() {
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("postmortems")).unwrap();
    std::fs::write(
        ws.path().join("postmortems/db.md"),
        "# DB outage\n\nStart: 2026-01-05 10:00 UTC\n\n## Action Items\n\n- [ ] Write a runbook P1\n",
    )
    .unwrap();
    std::fs::write(
        ws.path().join(".postmortem-tracker.toml"),
        "[followup.due_days]\np1 = 3\n",
    )
    .unwrap();
    let (code, out, err) = run(
        ws.path(),
        &["followup", "--today", "2026-01-07", "--dry-run"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("followup.due_days is deprecated: use [due]"),
        "{err}"
    );
    assert!(out.contains("0 done, 1 open, 0 overdue"), "{out}");
    let (_, out, _) = run(
        ws.path(),
        &["followup", "--today", "2026-01-09", "--dry-run"],
    );
    assert!(out.contains("0 done, 0 open, 1 overdue"), "{out}");
}

#[test]
fn bad_settings_name_their_key_and_nothing_is_written() {
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("postmortems")).unwrap();
    let pm =
        "# DB outage\n\nStart: 2026-01-05 10:00 UTC\n\n## Action Items\n\n- [ ] Review quotas\n";
    std::fs::write(ws.path().join("postmortems/db.md"), pm).unwrap();
    for (toml, says) in [
        ("[due.kind]\nurgent = 3\n", "due.kind.urgent: unknown kind"),
        (
            "[due.severity]\nblocker = 3\n",
            "due.severity.blocker: unknown severity",
        ),
        ("[due]\ndefault = -7\n", "due.default: -7 days"),
        ("due = \"sometimes\"\n", "due: \"sometimes\" is neither"),
    ] {
        std::fs::write(ws.path().join(".postmortem-tracker.toml"), toml).unwrap();
        let (code, out, err) = run(ws.path(), &["followup", "--today", "2026-06-01"]);
        assert_eq!(code, 2, "{toml}: {out}\n{err}");
        assert!(
            err.contains(".postmortem-tracker.toml") && err.contains(says),
            "{toml}: {err}"
        );
        assert_eq!(
            std::fs::read_to_string(ws.path().join("postmortems/db.md")).unwrap(),
            pm,
            "nothing written from a run that cannot read its configuration"
        );
    }
}

#[test]
fn a_due_date_that_cannot_be_read_is_named_with_its_file_and_line() {
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("postmortems")).unwrap();
    std::fs::write(
        ws.path().join("postmortems/db.md"),
        "# DB outage\n\nStart: 2026-01-05 10:00 UTC\n\n## Action Items\n\n- [ ] Review quotas due: 2026-13-45\n",
    )
    .unwrap();
    let (code, out, err) = run(ws.path(), &["followup", "--today", "2026-06-01"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        err.contains("warning: postmortems/db.md:7: the due date \"2026-13-45\" cannot be read as a date; write it as YYYY-MM-DD"),
        "{err}"
    );
    // The item is still chased, by the policy's date meanwhile.
    assert!(out.contains("0 done, 0 open, 1 overdue"), "{out}");
}

#[test]
fn bad_reminder_settings_name_their_key_and_nothing_is_written() {
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("postmortems")).unwrap();
    let pm =
        "# DB outage\n\nStart: 2026-01-05 10:00 UTC\n\n## Action Items\n\n- [ ] Review quotas\n";
    std::fs::write(ws.path().join("postmortems/db.md"), pm).unwrap();
    for (toml, says) in [
        (
            "[followup]\nreminders = \"email\"\n",
            "followup.reminders: \"email\" is not a reminder mode",
        ),
        (
            "[followup]\nescalation = [\"the SRE team\"]\n",
            "followup.escalation: \"the SRE team\" is not a login",
        ),
        ("[followup]\nescalate_after = -1\n", "escalate_after"),
        (
            "[followup]\ndue_soon_days = -3\n",
            "followup.due_soon_days: -3 days",
        ),
    ] {
        std::fs::write(ws.path().join(".postmortem-tracker.toml"), toml).unwrap();
        let (code, out, err) = run(ws.path(), &["followup", "--today", "2026-06-01"]);
        assert_eq!(code, 2, "{toml}: {out}\n{err}");
        assert!(
            err.contains(".postmortem-tracker.toml") && err.contains(says),
            "{toml}: {err}"
        );
        assert_eq!(
            std::fs::read_to_string(ws.path().join("postmortems/db.md")).unwrap(),
            pm,
            "nothing written from a run that cannot read its configuration"
        );
    }
}
