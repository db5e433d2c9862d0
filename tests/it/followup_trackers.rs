//! `followup` through the binary against the fake GitHub and GitLab: overdue, due-soon, done
//! (closed on the tracker), reopened, undated, deleted items in one postmortem; an assignee and
//! a due date changed on the tracker; the status block, boxes (one a pasted checklist's glyph),
//! `overdue` labels and reminders for a fixed `--today`; a second run the same day writes
//! nothing; a run 7 days later sends one reminder per overdue issue.

use crate::both_forges;
use crate::support::bin;
use crate::sync_common::SyncForge;

both_forges!(sync follow_up_overdue_soon_done_reopened_undated_and_deleted_items);

const PM: &str = "# Queue outage\n\nStart: 2026-01-01 10:00 UTC\n\n## Action Items\n\n- [ ] Alert on queue depth @jdoe due: 2026-01-05\n- [ ] Add a second consumer @okoye due: 2026-01-20\n- ☐ Raise the partition count @jdoe due: 2026-01-05\n- [x] Document the failover @okoye due: 2026-01-05\n- [ ] Review retention\n- [ ] Remove the legacy topic @jdoe due: 2026-01-06\n\n## Lessons Learned\n\nQueues fill.\n";

const ALERT: &str = "Alert on queue depth";
const SOON: &str = "Add a second consumer";
const CLOSED: &str = "Raise the partition count";
const REOPENED: &str = "Document the failover";
const UNDATED: &str = "Review retention";
const DELETED: &str = "Remove the legacy topic";

fn line_of<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with("- ") && l.contains(needle))
        .unwrap_or_else(|| panic!("no item line {needle:?} in\n{text}"))
}

fn row_of<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with("| ") && l.contains(needle))
        .unwrap_or_else(|| panic!("no status row {needle:?} in\n{text}"))
}

/// Numbers of the issues by item text, from what the file links.
fn number_of(text: &str, needle: &str) -> u64 {
    let l = line_of(text, needle);
    let i = l.find("[#").expect("linked");
    l[i + 2..]
        .split(']')
        .next()
        .unwrap()
        .parse()
        .expect("number")
}

/// The labels of issue `number`.
fn labels_of<F: SyncForge>(fake: &F, number: u64) -> Vec<String> {
    fake.all_issues()
        .into_iter()
        .find(|i| i.number == number)
        .map(|i| i.labels)
        .unwrap_or_default()
}

/// The reminder comments on issue `number`.
fn reminders_on<F: SyncForge>(fake: &F, number: u64) -> Vec<String> {
    fake.comments(number)
        .into_iter()
        .filter(|b| b.contains("postmortem-tracker: reminder"))
        .collect()
}

/// After the sync, on the tracker: close CLOSED, delete DELETED, assign ALERT to `mkovacs`,
/// move UNDATED's due date to 2026-01-08, reopen REOPENED (ticked in the file, so the sync
/// closed its issue).
fn tracker_side<F: SyncForge>(fake: &F, n: &dyn Fn(&str) -> u64) {
    fake.set_open(n(CLOSED), false);
    let reopened = fake
        .all_issues()
        .into_iter()
        .find(|i| i.number == n(REOPENED));
    assert!(
        !reopened.unwrap().open,
        "the sync closes a ticked item's new issue"
    );
    fake.set_open(n(REOPENED), true);
    fake.assign(n(ALERT), "mkovacs");
    if !F::NATIVE_DUE {
        // The sync wrote the policy's date (56 days after the incident) in the body's Due row.
        let body = issue_body(fake, n(UNDATED));
        let row = "| Due | 2026-02-26 (policy: 56 days after the incident) |";
        assert!(body.contains(row), "{body}");
    }
    fake.set_due(n(UNDATED), "2026-01-08");
    fake.delete_issue(n(DELETED));
}

fn issue_body<F: SyncForge>(fake: &F, number: u64) -> String {
    let i = fake.all_issues().into_iter().find(|i| i.number == number);
    i.unwrap().body
}

/// The scenario, written once and run against both forges.
fn follow_up_overdue_soon_done_reopened_undated_and_deleted_items<F: SyncForge>() {
    let fake = F::start_with_owners();
    let forge = &fake.as_fake();
    let writes = || fake.requests().count_writes();
    let clear = || fake.requests().clear();
    let labels = |i| labels_of(&fake, i);
    let reminders = |i| reminders_on(&fake, i);
    let ws = tempfile::tempdir().unwrap();
    let file = ws.path().join("postmortems/queue.md");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, PM).unwrap();
    let (code, out, err) = bin(ws.path(), forge, &["sync", "--today", "2026-01-02"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let synced = std::fs::read_to_string(&file).unwrap();
    let n = |t: &str| number_of(&synced, t);
    tracker_side(&fake, &n);

    // Day 1 of the follow-up.
    clear();
    let (code, out, err) = bin(ws.path(), forge, &["followup", "--today", "2026-01-10"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let text = std::fs::read_to_string(&file).unwrap();
    // Boxes: closed on the tracker → ticked, in the style written (a pasted checklist's ☐
    // becomes ☑); reopened (open issue, ticked box) → unticked.
    assert!(line_of(&text, CLOSED).starts_with("- ☑ "), "{text}");
    assert!(line_of(&text, REOPENED).starts_with("- [ ]"), "{text}");
    assert!(line_of(&text, ALERT).starts_with("- [ ]"));
    // The block: states, owners from the tracker, due dates from item then tracker.
    assert!(
        row_of(&text, ALERT).contains("| mkovacs | 2026-01-05 | **overdue 5 days** |"),
        "{text}"
    );
    assert!(
        row_of(&text, SOON).contains("| 2026-01-20 | open |"),
        "{text}"
    );
    assert!(row_of(&text, CLOSED).ends_with("| done |"), "{text}");
    assert!(
        row_of(&text, REOPENED).contains("**overdue 5 days**"),
        "{text}"
    );
    assert!(
        row_of(&text, UNDATED).contains("| 2026-01-08 | **overdue 2 days** |"),
        "{text}"
    );
    // Deleted on the tracker: the file's own state, and the run says so.
    assert!(
        row_of(&text, DELETED).contains("**overdue 4 days**"),
        "{text}"
    );
    assert!(out.contains("[issue not found on the tracker]"), "{out}");
    assert!(text.contains("1 done / 1 open / 4 overdue"), "{text}");
    let overdue_issues = [n(ALERT), n(REOPENED), n(UNDATED)];
    for i in overdue_issues {
        assert!(
            labels(i).iter().any(|l| l == "overdue"),
            "#{i}: {:?}",
            labels(i)
        );
        let r = reminders(i);
        assert_eq!(r.len(), 1, "#{i}: {r:?}");
    }
    assert!(
        reminders(n(ALERT))[0].contains("@mkovacs"),
        "{:?}",
        reminders(n(ALERT))
    );
    for i in [n(SOON), n(CLOSED)] {
        assert!(!labels(i).iter().any(|l| l == "overdue"));
        assert!(reminders(i).is_empty());
    }

    // Same day again: no write at all, the file unchanged.
    clear();
    let (code, out, err) = bin(ws.path(), forge, &["followup", "--today", "2026-01-10"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(writes(), 0, "second run the same day writes nothing\n{out}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    for i in overdue_issues {
        assert_eq!(reminders(i).len(), 1);
    }

    // 7 days later: one more reminder per overdue issue, and SOON is overdue now (first one).
    clear();
    let (code, out, err) = bin(
        ws.path(),
        forge,
        &["followup", "--today", "2026-01-17", "--fail-on-overdue"],
    );
    assert_eq!(
        code, 1,
        "overdue items with --fail-on-overdue\n{out}\n{err}"
    );
    for i in overdue_issues {
        assert_eq!(reminders(i).len(), 2, "#{i}");
    }
    assert_eq!(reminders(n(SOON)).len(), 0, "not overdue before the 21st");
    // An issue closed on the tracker loses its label: close ALERT, run again.
    fake.set_open(n(ALERT), false);
    let (code, out, err) = bin(ws.path(), forge, &["followup", "--today", "2026-01-17"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(!labels(n(ALERT)).iter().any(|l| l == "overdue"));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(line_of(&text, ALERT).starts_with("- [x]"), "{text}");
}
