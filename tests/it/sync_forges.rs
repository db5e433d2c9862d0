//! `sync` against both fake forges, each scenario written once and run through the real client
//! of each (octocrab, the gitlab crate): one issue per item, a free second run, no duplicate
//! after crashes, ambiguous 5xx answers, random faults or a concurrent run, rate limits waited
//! out for as long as the forge asks, removed and ticked items; and the binary itself (GitHub
//! named by flags, GitLab detected from GitLab CI's variables): a sync then nothing to do, a
//! plan without a token, one clear message for each credential or repository failure. What
//! only GitLab has (its adapter's answers to GitLab's own behaviour) lives in `sync_gitlab.rs`.

use crate::both_forges;
use crate::support::{run, Access, Fault};
use crate::sync_common::*;

use std::collections::BTreeSet;
use std::time::Duration;

use postmortem_tracker::forge::Tracker;
use postmortem_tracker::plan::{plan, Action, AdoptBy};
use postmortem_tracker::render::Engine;
use postmortem_tracker::sync::sync;

both_forges!(
    first_sync_opens_one_issue_per_item_and_the_second_makes_no_write,
    a_create_answered_5xx_or_429_that_succeeded_is_adopted_not_repeated,
    a_crash_after_any_request_never_leads_to_a_duplicate,
    twenty_percent_faults_over_seeded_runs_lose_and_duplicate_nothing,
    rate_limits_are_waited_out_for_the_time_the_forge_asks,
    two_syncs_at_once_leave_one_open_issue_per_item,
    items_naming_an_issue_are_adopted_and_removed_items_reported,
    removed_items_are_closed_only_when_asked,
    ticked_items_new_issues_are_closed_but_a_reopened_one_is_respected,
    an_item_with_several_owners_is_assigned_to_the_first,
    html_table_rows_are_linked_inside_their_cells_and_tracked_once,
);

both_forges!(
    sync the_binary_syncs_then_finds_nothing_to_do_and_plans_without_a_token,
    a_dropped_item_s_issue_is_closed_as_not_planned_and_never_reminded,
    bad_token_no_permission_missing_repository_and_no_token_each_get_one_clear_message,
);

async fn first_sync_opens_one_issue_per_item_and_the_second_makes_no_write<F: SyncForge>() {
    let fake = F::start_with_owners();
    let ws = workspace();
    let expected = keys_to_track(&load(ws.path()));
    let report = sync_once(&fake, ws.path(), &NoSleep::default()).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.created.len(), expected.len());
    assert_tracked_once(&fake, ws.path(), &expected);
    assert!(report.unknown_owners.contains(&"priya-n".to_string()));

    for i in fake.all_issues() {
        assert!(i.labels.contains(&"postmortem".to_string()), "{i:?}");
        assert!(i.in_milestone, "every issue in its postmortem's milestone");
    }
    // A table row with owner, due date and type (example 04).
    let i = issue_titled(&fake, "Add jittered exponential backoff");
    assert_eq!(i.assignees, ["mkovacs"]);
    assert!(i.labels.contains(&"preventive".to_string()));
    if F::NATIVE_DUE {
        assert_eq!(i.due.as_deref(), Some("2026-03-27"), "native due date");
    } else {
        assert!(i.body.contains("2026-03-27"), "{}", i.body);
    }
    assert!(
        i.body.contains("postmortems/04-cache-failover-sre.md"),
        "{}",
        i.body
    );
    // An owner mapped in [owners] (example 07): "Tobias Brandt" → tbrandt.
    assert_eq!(
        issue_titled(&fake, "statement timeout").assignees,
        ["tbrandt"]
    );
    // An owner with no account: named in the body, not assigned, not a failure.
    let i = issue_titled(&fake, "consumer-lag alerting");
    assert!(i.assignees.is_empty());
    assert!(i.body.contains("no matching account"), "{}", i.body);
    // One milestone per postmortem that got issues; the tool's labels exist.
    let (milestones, labels) = fake.milestones_and_labels();
    let titles: BTreeSet<_> = milestones.iter().cloned().collect();
    assert_eq!(titles.len(), milestones.len(), "{milestones:?}");
    assert!(
        titles.iter().any(|t| t.contains("PM-2026-014")),
        "{titles:?}"
    );
    for l in ["postmortem", "corrective", "preventive", "task"] {
        assert!(labels.iter().any(|x| x == l), "label {l}: {labels:?}");
    }

    // Second run: the listing, nothing else.
    fake.requests().clear();
    let report = sync_once(&fake, ws.path(), &NoSleep::default()).await;
    assert!(report.created.is_empty() && report.adopted.is_empty());
    assert_eq!(fake.requests().count_writes(), 0);
    let pages = fake.all_issues().len().div_ceil(100).max(1);
    assert_eq!(
        fake.requests().len(),
        pages + F::CONNECT_REQUESTS,
        "{:?}",
        fake.requests().all()
    );
}

async fn an_item_with_several_owners_is_assigned_to_the_first<F: SyncForge>() {
    let fake = F::start_with_owners();
    let ws = workspace();
    std::fs::write(
        ws.path().join("postmortems/90-two-owners.md"),
        "# Queue stall\n\n## Action items\n\n| Action | Owner(s) | Due |\n|---|---|---|\n\
         | Page on consumer lag | @okoye, @jdoe | 2026-02-01 |\n\
         | Split the queue per tenant | Lena Fischer, @mtanaka | 2026-02-15 |\n",
    )
    .unwrap();
    let report = sync_once(&fake, ws.path(), &NoSleep::default()).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // The first owner named is the assignee; the body keeps the whole list.
    let i = issue_titled(&fake, "Page on consumer lag");
    assert_eq!(i.assignees, ["okoye"]);
    assert!(i.body.contains("jdoe (okoye assigned)"), "{}", i.body);
    // A first owner mapped in [owners] by name: "Lena Fischer" is lfischer.
    assert_eq!(
        issue_titled(&fake, "Split the queue per tenant").assignees,
        ["lfischer"]
    );
}

/// A table written in HTML, as wikis export one: an issue per row, its link written inside the
/// row's action cell as an `<a>` tag (Markdown is not read inside HTML), and a second sync that
/// finds every row tracked by that link: no issue, no write.
async fn html_table_rows_are_linked_inside_their_cells_and_tracked_once<F: SyncForge>() {
    let fake = F::start_with_owners();
    let ws = workspace();
    let file = ws.path().join("postmortems/91-html-table.md");
    std::fs::write(
        &file,
        "# Disk full on db-3\n\n## Corrective actions\n\n<table>\n\
         <tr><th>Action</th><th>Owner</th><th>Due</th></tr>\n\
         <tr><td>Rotate logs hourly</td><td>@okoye</td><td>2026-03-01</td></tr>\n\
         <tr>\n  <td>Alert at 80% disk\n  and page at 90%</td>\n  <td>@jdoe</td>\n  \
         <td>2026-03-15</td>\n</tr>\n</table>\n",
    )
    .unwrap();
    let report = sync_once(&fake, ws.path(), &NoSleep::default()).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let text = std::fs::read_to_string(&file).unwrap();
    for (title, assignee, cell_end) in [
        ("Rotate logs hourly", "okoye", "<td>Rotate logs hourly ("),
        (
            "Alert at 80% disk and page at 90%",
            "jdoe",
            "  and page at 90% (",
        ),
    ] {
        let i = issue_titled(&fake, title);
        assert_eq!(i.assignees, [assignee]);
        assert!(
            text.contains(&format!("{cell_end}<a href="))
                && text.contains(&format!(">#{}</a>)</td>", i.number)),
            "{text}"
        );
    }
    fake.requests().clear();
    let again = sync_once(&fake, ws.path(), &NoSleep::default()).await;
    assert!(again.created.is_empty(), "{:?}", again.created);
    assert_eq!(fake.requests().count_writes(), 0);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
}

async fn a_create_answered_5xx_or_429_that_succeeded_is_adopted_not_repeated<F: SyncForge>() {
    let fake = F::start_with_owners();
    let ws = workspace();
    let expected = keys_to_track(&load(ws.path()));
    fake.faults()
        .on("POST", F::ISSUES, Fault::ApplyThenStatus(502), 3)
        .on("POST", F::ISSUES, Fault::ApplyThenDrop, 2)
        .on(
            "POST",
            F::ISSUES,
            Fault::TooManyRequests {
                retry_after_secs: 5,
            },
            1,
        );
    let sleeper = NoSleep::default();
    let report = sync_once(&fake, ws.path(), &sleeper).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        report.adopted.len(),
        5,
        "the five ambiguous creates were found by key"
    );
    assert!(
        sleeper.0.borrow().contains(&Duration::from_secs(5)),
        "Retry-After honoured"
    );
    assert_eq!(fake.all_issues().len(), expected.len());
    assert_tracked_once(&fake, ws.path(), &expected);
}

async fn a_crash_after_any_request_never_leads_to_a_duplicate<F: SyncForge>() {
    // How many requests a clean first run makes.
    let total = {
        let fake = F::start_with_owners();
        let ws = workspace();
        sync_once(&fake, ws.path(), &NoSleep::default()).await;
        fake.requests().len() - F::CONNECT_REQUESTS
    };
    assert!(total < 400, "{total}");
    let engine = Engine::new(None).unwrap();
    for n in 0..total {
        let fake = F::start_with_owners();
        let ws = workspace();
        let docs = load(ws.path());
        let expected = keys_to_track(&docs);
        let client = fake.client().await;
        // Request n lands but its answer is lost; nothing after it gets through: the process
        // is gone. Links are not written back.
        let base = fake.requests().len();
        fake.faults().at_request(base + n, Fault::ApplyThenDrop);
        for later in base + n + 1..base + n + 2000 {
            fake.faults().at_request(later, Fault::Drop);
        }
        let mut opts = options(ws.path(), REPO);
        opts.write_back = false;
        let _ = sync(&docs, &client, &NoSleep::default(), &engine, &opts).await;
        fake.faults().clear();
        let report = sync(
            &load(ws.path()),
            &fake.client().await,
            &NoSleep::default(),
            &engine,
            &options(ws.path(), REPO),
        )
        .await
        .unwrap_or_else(|e| panic!("rerun after a crash at request {n}: {e}"));
        assert!(
            report.errors.is_empty(),
            "crash at {n}: {:?}",
            report.errors
        );
        assert_eq!(
            fake.all_issues().len(),
            expected.len(),
            "crash at request {n} left a duplicate"
        );
        assert_tracked_once(&fake, ws.path(), &expected);
    }
}

async fn twenty_percent_faults_over_seeded_runs_lose_and_duplicate_nothing<F: SyncForge>() {
    let engine = Engine::new(None).unwrap();
    for seed in 1..=12u64 {
        let fake = F::start_with_owners();
        let ws = workspace();
        let expected = keys_to_track(&load(ws.path()));
        let client = fake.client().await;
        fake.faults().random(seed, 0.2, flaky_answers(), 400);
        let sleeper = NoSleep::default();
        let mut done = false;
        for _ in 0..10 {
            let docs = load(ws.path());
            if let Ok(r) = sync(&docs, &client, &sleeper, &engine, &options(ws.path(), REPO)).await
            {
                if r.errors.is_empty() {
                    done = true;
                    break;
                }
            }
        }
        assert!(done, "seed {seed}: no clean run in 10");
        assert!(fake.faults().random_injected() > 0);
        // Rate limits were waited out for as long as the forge asked, never longer.
        let waits = sleeper.0.borrow();
        assert!(
            waits.iter().all(|w| *w <= Duration::from_secs(3)),
            "seed {seed}: {waits:?}"
        );
        assert_tracked_once(&fake, ws.path(), &expected);
    }
}

async fn rate_limits_are_waited_out_for_the_time_the_forge_asks<F: SyncForge>() {
    let fake = F::start_with_owners();
    let ws = workspace();
    fake.faults()
        .on(
            "POST",
            F::ISSUES,
            Fault::SecondaryRateLimit {
                retry_after_secs: 7,
            },
            1,
        )
        .on(
            "GET",
            F::ISSUES,
            Fault::TooManyRequests {
                retry_after_secs: 4,
            },
            1,
        );
    let sleeper = NoSleep::default();
    sync_once(&fake, ws.path(), &sleeper).await;
    let waits = sleeper.0.borrow().clone();
    assert!(waits.contains(&Duration::from_secs(7)), "{waits:?}");
    assert!(waits.contains(&Duration::from_secs(4)), "{waits:?}");
    // No write retried blindly: one POST per issue plus the one refused by the limit.
    let issues = fake.all_issues().len();
    assert_eq!(fake.requests().count("POST", F::ISSUES), issues + 1);
}

async fn two_syncs_at_once_leave_one_open_issue_per_item<F: SyncForge>() {
    let fake = F::start_with_owners();
    let ws = workspace();
    let docs = load(ws.path());
    let expected = keys_to_track(&docs);
    let engine = Engine::new(None).unwrap();
    let opts = options(ws.path(), REPO);
    let (a, b) = (fake.client().await, fake.client().await);
    let (sa, sb) = (NoSleep::default(), NoSleep::default());
    let (ra, rb) = tokio::join!(
        sync(&docs, &a, &sa, &engine, &opts),
        sync(&docs, &b, &sb, &engine, &opts)
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert!(ra.errors.is_empty() && rb.errors.is_empty());
    assert_tracked_once(&fake, ws.path(), &expected);
    let closed = ra.duplicates_closed.len() + rb.duplicates_closed.len();
    let all = fake.all_issues().len();
    assert!(closed > 0, "the two runs raced and opened duplicates");
    assert!(closed >= all - expected.len(), "every extra issue closed");
    // The older issue is kept: every closed one is newer than its twin.
    for d in ra.duplicates_closed.iter().chain(&rb.duplicates_closed) {
        assert!(d.keep < d.close);
    }
}

/// Deletes the line of the item "Review expiring credentials" from example 02, as a person
/// would delete a tracked item (its link and all).
fn delete_tracked_item(root: &std::path::Path) {
    let path = root.join("postmortems/02-booking-portal-certificate.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("Review expiring credentials"))
        .collect();
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
}

async fn items_naming_an_issue_are_adopted_and_removed_items_reported<F: SyncForge>() {
    let fake = F::start_with_owners();
    let ws = workspace();
    let report = sync_once(&fake, ws.path(), &NoSleep::default()).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // Example 04 names issues for four of its items (#12, #15, an URL, #19) and example 05 one:
    // they are adopted, not opened again.
    let by_file = report
        .plan
        .items
        .iter()
        .filter(|i| {
            matches!(
                i.action,
                Action::Adopt {
                    by: AdoptBy::FileReference,
                    ..
                }
            )
        })
        .count();
    assert_eq!(by_file, 5);
    // Drop one item from a file: the next plan reports its issue as removed, opens nothing.
    delete_tracked_item(ws.path());
    let state = fake.client().await.list_issues("postmortem").await.unwrap();
    let p = plan(&load(ws.path()), &state, &options(ws.path(), REPO).plan);
    assert_eq!(p.removed.len(), 1, "{:?}", p.removed);
    assert_eq!(
        p.removed[0].path,
        "postmortems/02-booking-portal-certificate.md"
    );
    assert_eq!(p.counts().0, 0, "nothing to create");
}

async fn removed_items_are_closed_only_when_asked<F: SyncForge>() {
    let fake = F::start_with_owners();
    let ws = workspace();
    let engine = Engine::new(None).unwrap();
    let mut opts = options(ws.path(), REPO);
    sync_once(&fake, ws.path(), &NoSleep::default()).await;
    delete_tracked_item(ws.path());
    let removed_issue = || {
        let (number, _, _, comments) = fake.issue(REPO, "Review expiring credentials");
        (
            number,
            issue_titled(&fake, "Review expiring credentials").open,
            comments,
        )
    };
    let sync_again = |opts: &postmortem_tracker::sync::SyncOptions| {
        let opts = opts.clone();
        let (fake, engine, root) = (&fake, &engine, ws.path().to_path_buf());
        async move {
            sync(
                &load(&root),
                &fake.client().await,
                &NoSleep::default(),
                engine,
                &opts,
            )
            .await
            .unwrap()
        }
    };
    // Off by default: reported, left open.
    let report = sync_again(&opts).await;
    assert_eq!(report.plan.removed.len(), 1);
    assert!(report.removed_closed.is_empty());
    let (number, open, _) = removed_issue();
    assert!(open);
    // On: closed once, with a comment that says why; a further run does nothing more.
    opts.close_removed = true;
    let report = sync_again(&opts).await;
    assert_eq!(report.removed_closed.len(), 1);
    assert_eq!(report.removed_closed[0].issue.number, Some(number));
    let (_, open, comments) = removed_issue();
    assert_eq!((open, comments), (false, 1));
    // Deleted from the postmortem is not done: GitHub shows it as not planned.
    assert_eq!(
        issue_titled(&fake, "Review expiring credentials")
            .close_reason
            .as_deref(),
        F::CLOSE_REASONS.then_some("not_planned")
    );
    let before = fake.requests().count_writes();
    let report = sync_again(&opts).await;
    assert!(report.removed_closed.is_empty());
    assert_eq!(
        fake.requests().count_writes(),
        before,
        "a closed removed item is left alone"
    );
}

/// A ticked item: its new issue is closed at once; an issue someone reopened on purpose is
/// left open when the run does not write the links (the service's pull-request and off modes:
/// the link may never land, so the item stays unlinked and its issue is adopted every run).
async fn ticked_items_new_issues_are_closed_but_a_reopened_one_is_respected<F: SyncForge>() {
    let fake = F::start_with_owners();
    let dir = tempfile::tempdir().unwrap();
    let pm = dir.path().join("postmortems/db.md");
    std::fs::create_dir_all(pm.parent().unwrap()).unwrap();
    std::fs::write(
        &pm,
        "# DB outage\n\n## Action items\n\n- [x] Raise the WAL size\n- [ ] Alert on lag\n",
    )
    .unwrap();
    let docs = load(dir.path());
    let engine = Engine::new(None).unwrap();
    let mut opts = options(dir.path(), REPO);
    opts.write_back = false;
    let client = fake.client().await;
    let report = sync(&docs, &client, &NoSleep::default(), &engine, &opts)
        .await
        .unwrap();
    assert_eq!(report.created.len(), 2);
    let wal = issue_titled(&fake, "Raise the WAL size");
    assert!(!wal.open, "the ticked item's new issue is closed");
    assert_eq!(
        wal.close_reason.as_deref(),
        F::CLOSE_REASONS.then_some("completed"),
        "closed as done"
    );
    assert!(issue_titled(&fake, "Alert on lag").open);

    // Someone reopens it: the work is not done after all. The next run adopts it again (no
    // link was written) and leaves it open.
    fake.set_open(wal.number, true);
    let report = sync(&docs, &client, &NoSleep::default(), &engine, &opts)
        .await
        .unwrap();
    assert!(report.created.is_empty(), "{:?}", report.created);
    assert!(
        issue_titled(&fake, "Raise the WAL size").open,
        "a reopen is respected"
    );
}

// ------------------------------------------------------------------ the binary

/// An item the postmortem says will not be done (`— Won't do`): its issue records the decision,
/// closed as not planned at once; the follow-up, past its due date, calls it not planned, not
/// overdue, and reminds nobody of it.
fn a_dropped_item_s_issue_is_closed_as_not_planned_and_never_reminded<F: SyncForge>() {
    let fake = F::start_with_owners();
    let ws = tempfile::tempdir().unwrap();
    let file = ws.path().join("postmortems/billing.md");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(
        &file,
        "# Double charges\n\nStart: 2026-01-01 10:00 UTC\n\n## Action items\n\n\
         - [ ] Rewrite the billing service @jdoe due: 2026-01-05 — Won't do\n\
         - [ ] Alert on duplicate charges @okoye due: 2026-01-05\n",
    )
    .unwrap();
    let forge = &fake.as_fake();
    let run = |args: &[&str]| crate::support::bin(ws.path(), forge, args);
    let (code, out, err) = run(&["sync", "--today", "2026-01-02"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let dropped = issue_titled(&fake, "Rewrite the billing service");
    assert!(!dropped.open, "the dropped item's new issue is closed");
    assert_eq!(
        dropped.close_reason.as_deref(),
        F::CLOSE_REASONS.then_some("not_planned"),
        "closed as not planned"
    );
    let open = issue_titled(&fake, "Alert on duplicate charges");
    assert!(open.open);
    // Work not to be done is handed to nobody: its owner is named, not assigned (an
    // assignment would notify them).
    assert!(dropped.assignees.is_empty(), "{:?}", dropped.assignees);
    assert!(dropped.body.contains("jdoe"), "{}", dropped.body);
    assert!(
        !dropped.body.contains("no matching account"),
        "{}",
        dropped.body
    );
    assert_eq!(open.assignees, ["okoye"]);
    assert!(!out.contains("jdoe"), "no unknown owner reported: {out}");

    let (code, out, err) = run(&["followup", "--today", "2026-01-10"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let text = std::fs::read_to_string(&file).unwrap();
    let row = |needle: &str| {
        text.lines()
            .find(|l| l.starts_with("| ") && l.contains(needle))
            .unwrap_or_else(|| panic!("no status row {needle:?} in\n{text}"))
            .to_string()
    };
    assert!(
        row("Rewrite the billing").ends_with("| not planned |"),
        "{text}"
    );
    assert!(
        text.contains("0 done / 0 open / 1 overdue / 1 not planned, as of 2026-01-10."),
        "{text}"
    );
    assert!(
        row("Alert on duplicate").contains("overdue 5 days"),
        "{text}"
    );
    // Its box stays as written; no reminder and no overdue label for it.
    assert!(text.contains("- [ ] Rewrite the billing service"), "{text}");
    let reminded = |n: u64| {
        fake.comments(n)
            .iter()
            .any(|c| c.contains("postmortem-tracker: reminder"))
    };
    assert!(!reminded(dropped.number));
    assert!(reminded(open.number), "the overdue item is reminded");
    let labels = issue_titled(&fake, "Rewrite the billing service").labels;
    assert!(!labels.iter().any(|l| l == "overdue"), "{labels:?}");
}

fn the_binary_syncs_then_finds_nothing_to_do_and_plans_without_a_token<F: SyncForge>() {
    let fake = F::start_with_owners();
    let ws = workspace();
    let run = |token: &str, args: &[&str]| run(&mut fake.binary(ws.path(), token, REPO, args));
    let expected = keys_to_track(&load(ws.path())).len();
    let (code, out, err) = run(F::TOKEN, &["sync"]);
    assert_eq!(code, 0, "an unknown owner is no failure: {out}\n{err}");
    assert!(
        out.contains(&format!("Sync: {expected} created")),
        "{out}\n{err}"
    );
    assert_all_linked(ws.path());
    let (code, out, err) = run(F::TOKEN, &["sync"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Sync: 0 created, 0 adopted"), "{out}");
    let (code, out, err) = run(F::TOKEN, &["sync", "--format", "json"]);
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    assert_eq!(v["created"].as_array().unwrap().len(), 0);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run("", &["plan", "--format", "json"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["action"] != "create"));
}

fn bad_token_no_permission_missing_repository_and_no_token_each_get_one_clear_message<
    F: SyncForge,
>() {
    let fake = F::start_with_owners();
    fake.add_token("readonly-secret", "viewer", Access::Read);
    fake.add_token("outsider-secret", "stranger", Access::Hidden);
    let ws = workspace();
    let var = F::TOKEN_VAR;
    let title = F::TITLE;
    for (token, repo, want) in [
        (
            "wrong-secret",
            REPO,
            format!("{var} was rejected by {title}"),
        ),
        (
            "readonly-secret",
            REPO,
            format!("{var} may not do this on acme/svc (403"),
        ),
        (
            "outsider-secret",
            REPO,
            format!("{title} repository acme/svc was not found"),
        ),
        (
            F::TOKEN,
            "acme/nope",
            format!("{title} repository acme/nope was not found"),
        ),
    ] {
        let (code, out, err) = run(&mut fake.binary(ws.path(), token, repo, &["sync"]));
        assert_eq!(code, 2, "{token}: {out}\n{err}");
        assert!(err.contains(&want), "{token}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one message: {err}");
        assert!(
            !err.contains(token) && !out.contains(token),
            "token printed: {err}"
        );
    }
    let (code, _, err) = run(&mut fake.binary(ws.path(), "", REPO, &["sync"]));
    assert_eq!(code, 2);
    assert!(err.contains(&format!("no {var}")), "{err}");
    assert!(fake.all_issues().is_empty());
}
