//! State labels on both forges, through the binary: every tracked issue carries exactly one of
//! `postmortem-state::open|overdue|done`, the one its state calls for, across a sync and
//! follow-ups on later days; a label changes only when the state does, and a run that changes
//! no state writes nothing.

use crate::support;

use support::github::FakeGitHub;
use support::gitlab::FakeGitLab;
use support::service::ServiceForge;
use support::{bin, FakeForge};

const PM: &str = "# Disk outage\n\nStart: 2026-01-01 10:00 UTC\n\n## Action Items\n\n- [ ] Alert on disk usage @jdoe due: 2026-01-10\n- [ ] Write the disk runbook @jdoe due: 2026-01-20\n- [ ] Rotate the logs daily @jdoe due: 2026-01-30\n- [ ] Page the on-call on disk alerts @jdoe due: 2026-01-03\n\n## Lessons Learned\n\nDisks fill.\n";

const ALERT: &str = "Alert on disk usage";
const RUNBOOK: &str = "Write the disk runbook";
const ROTATE: &str = "Rotate the logs daily";
const PAGE: &str = "Page the on-call on disk alerts";

/// The state labels of the issue titled `title`, in the order the forge lists them.
fn states<F: ServiceForge>(forge: &F, title: &str) -> Vec<String> {
    let (_, _, labels, _) = forge.issue("acme/svc", title);
    labels
        .into_iter()
        .filter(|l| l.starts_with("postmortem-state::"))
        .collect()
}

fn assert_states<F: ServiceForge>(forge: &F, when: &str, expected: &[(&str, &str)]) {
    for (title, state) in expected {
        assert_eq!(
            states(forge, title),
            [format!("postmortem-state::{state}")],
            "{} {when}: {title}",
            F::NAME
        );
    }
}

fn state_labels_follow_the_state<F: ServiceForge>() {
    let (gh, gl) = (FakeGitHub::start(), FakeGitLab::start());
    let forge = F::pick(&gh, &gl);
    let fake = if F::NAME == "github" {
        FakeForge::GitHub(&gh)
    } else {
        FakeForge::GitLab(&gl)
    };
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("postmortems")).unwrap();
    std::fs::write(ws.path().join("postmortems/disk.md"), PM).unwrap();
    let run = |args: &[&str]| {
        let (code, out, err) = bin(ws.path(), &fake, args);
        assert_eq!(code, 0, "{} {args:?}: {out}\n{err}", F::NAME);
    };

    run(&["sync", "--today", "2026-01-05"]);
    assert_states(
        forge,
        "after the sync",
        &[
            (ALERT, "open"),
            (RUNBOOK, "open"),
            (ROTATE, "open"),
            (PAGE, "overdue"),
        ],
    );
    // Each issue was opened with its state label: no label edit after the creates.
    let edits: Vec<String> = forge
        .requests()
        .all()
        .into_iter()
        .filter(|r| {
            let on_issue = r.path.contains("/issues/");
            (r.method == "POST" && on_issue && r.path.ends_with("/labels"))
                || (r.method == "PUT" && on_issue)
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(edits.is_empty(), "{}: {edits:?}", F::NAME);

    // The alert is past due; the runbook is closed by a person.
    run(&["followup", "--today", "2026-01-12"]);
    assert_states(
        forge,
        "on 2026-01-12",
        &[
            (ALERT, "overdue"),
            (RUNBOOK, "open"),
            (ROTATE, "open"),
            (PAGE, "overdue"),
        ],
    );
    let (runbook, _, _, _) = forge.issue("acme/svc", RUNBOOK);
    forge.close("acme/svc", runbook, "2026-01-12T15:00:00Z");
    run(&["followup", "--today", "2026-01-12"]);
    assert_states(
        forge,
        "after the runbook closed",
        &[
            (ALERT, "overdue"),
            (RUNBOOK, "done"),
            (ROTATE, "open"),
            (PAGE, "overdue"),
        ],
    );

    // Nothing changed state: nothing is written, labels or otherwise.
    forge.requests().clear();
    run(&["followup", "--today", "2026-01-12"]);
    let writes: Vec<String> = forge
        .requests()
        .all()
        .into_iter()
        .filter(|r| r.is_write())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(writes.is_empty(), "{}: {writes:?}", F::NAME);

    // Later: the rotation is overdue too; the labels of the others stay as they are.
    run(&["followup", "--today", "2026-02-01"]);
    assert_states(
        forge,
        "on 2026-02-01",
        &[
            (ALERT, "overdue"),
            (RUNBOOK, "done"),
            (ROTATE, "overdue"),
            (PAGE, "overdue"),
        ],
    );
    // Never duplicated: each label once on each issue.
    for title in [ALERT, RUNBOOK, ROTATE, PAGE] {
        let (_, _, labels, _) = forge.issue("acme/svc", title);
        let mut unique = labels.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            labels.len(),
            "{}: {title}: {labels:?}",
            F::NAME
        );
    }
}

crate::both_forges!(sync state_labels_follow_the_state);
