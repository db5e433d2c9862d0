//! `followup` through the binary, file-only (no tracker, no token): the status block written
//! into copies of the bundled examples and of small documents, the summary formats, the exit
//! codes. The repository's own examples are never modified: they are copied to a temp folder.

use crate::support::{command, run_in as run, stdout, write};
use std::path::Path;

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap()
}

const BEGIN: &str = "<!-- postmortem-tracker:status:begin";

const PM: &str = "# DB outage\n\n## Summary\n\nOn March 3, 2026 from 14:00 to 15:30 UTC the database was down.\n\n## Action Items\n\n- [ ] Add disk alerts @ana due: 2026-04-01\n- [x] Grow the volume @bob due: 2026-03-05\n- [ ] Write a runbook @cy P1\n- [ ] Review quotas\n\n## Lessons Learned\n\nWatch disks.\n";

#[test]
fn file_only_writes_the_block_once_and_reports_overdue() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "postmortems/db.md", PM);
    write(
        dir.path(),
        ".postmortem-tracker.toml",
        "[due.priority]\np1 = 7\n",
    );
    let o = run(dir.path(), &["followup", "--today", "2026-04-03"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    assert!(out.contains("1 done, 1 open, 2 overdue"), "{out}");
    assert!(out.contains("1 file written"), "{out}");
    let text = read(dir.path(), "postmortems/db.md");
    // The block sits after the action items, before the next heading; the rest is untouched.
    let block = text.find(BEGIN).expect("block written");
    assert!(text.find("Review quotas").unwrap() < block);
    assert!(block < text.find("## Lessons Learned").unwrap());
    assert!(text.starts_with("# DB outage\n\n## Summary\n"));
    assert!(text.ends_with("## Lessons Learned\n\nWatch disks.\n"));
    // Every item, with owner, due date and state; the P1 default counts from the incident.
    assert!(
        text.contains("| Add disk alerts | not tracked | ana | 2026-04-01 | **overdue 2 days** |"),
        "{text}"
    );
    assert!(
        text.contains("| Write a runbook | not tracked | cy | 2026-03-10 (policy: 7 days after the incident) | **overdue 24 days** |"),
        "{text}"
    );
    assert!(text.contains("| Grow the volume | not tracked | bob | 2026-03-05 | done |"));
    assert!(
        text.contains("| Review quotas | not tracked | none | 2026-04-28 (policy: 56 days after the incident) | open |"),
        "{text}"
    );
    assert!(text.contains("1 done / 1 open / 2 overdue, as of 2026-04-03."));

    // Same day again: nothing changes.
    let o = run(dir.path(), &["followup", "--today", "2026-04-03"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("0 files written"), "{}", stdout(&o));
    assert_eq!(read(dir.path(), "postmortems/db.md"), text);

    // --fail-on-overdue exits 1; a ticked box in the file is done on the next run.
    let o = run(
        dir.path(),
        &["followup", "--today", "2026-04-03", "--fail-on-overdue"],
    );
    assert_eq!(o.status.code(), Some(1));
    let ticked = text
        .replace("- [ ] Add disk alerts", "- [x] Add disk alerts")
        .replace("- [ ] Write a runbook", "- [x] Write a runbook");
    write(dir.path(), "postmortems/db.md", &ticked);
    let o = run(
        dir.path(),
        &["followup", "--today", "2026-04-03", "--fail-on-overdue"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let after = read(dir.path(), "postmortems/db.md");
    assert!(after.contains("3 done / 1 open / 0 overdue"), "{after}");
    assert_eq!(
        after.matches(BEGIN).count(),
        1,
        "one block, replaced in place"
    );
}

#[test]
fn dry_run_json_and_markdown_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "postmortems/db.md", PM);
    let dry_run = |format: &str| {
        run(
            dir.path(),
            &[
                "followup",
                "--today",
                "2026-04-03",
                "--dry-run",
                "--format",
                format,
            ],
        )
    };
    let o = dry_run("json");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["mode"], "file-only");
    assert_eq!(v["totals"]["overdue"], 1);
    assert_eq!(v["documents"][0]["items"][0]["state"], "overdue");
    assert_eq!(v["documents"][0]["items"][0]["days_overdue"], 2);
    assert_eq!(v["documents"][0]["changed"], true);
    assert_eq!(
        read(dir.path(), "postmortems/db.md"),
        PM,
        "dry run writes nothing"
    );

    let o = dry_run("markdown");
    let md = stdout(&o);
    assert!(
        md.contains("## postmortem-tracker followup (dry run)"),
        "{md}"
    );
    assert!(md.contains("1 overdue"), "{md}");
    assert_eq!(read(dir.path(), "postmortems/db.md"), PM);
}

#[test]
fn modes_that_need_a_tracker_say_so() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "postmortems/db.md", PM);
    let o = run(dir.path(), &["followup", "--write", "commit"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--write commit") && err.contains("token"),
        "{err}"
    );
    assert_eq!(read(dir.path(), "postmortems/db.md"), PM);
    write(
        dir.path(),
        ".postmortem-tracker.toml",
        "[followup]\nwrite = \"push\"\n",
    );
    let o = run(dir.path(), &["followup"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("followup.write"));
}

#[test]
fn on_copies_of_the_bundled_examples() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/postmortems");
    let dir = tempfile::tempdir().unwrap();
    let dst = dir.path().join("postmortems");
    std::fs::create_dir_all(&dst).unwrap();
    let mut originals = Vec::new();
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dst.join(e.file_name())).unwrap();
        originals.push((e.file_name(), std::fs::read(e.path()).unwrap()));
    }
    let o = run(
        dir.path(),
        &["followup", "postmortems", "--today", "2026-06-01"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    assert!(
        out.contains("Follow-up (file-only) as of 2026-06-01"),
        "{out}"
    );
    let checklist = read(dir.path(), "postmortems/05-invoice-backlog-checklist.md");
    assert!(checklist.contains(BEGIN), "{checklist}");
    assert!(
        checklist.contains("Add consumer-lag alerting")
            && checklist.contains("**overdue 115 days**"),
        "{checklist}"
    );
    let transcript = read(
        dir.path(),
        "postmortems/06-card-payments-bridge-transcript.txt",
    );
    assert!(!transcript.contains(BEGIN), "no action items, no block");
    // Second run: nothing to write; the originals in the repository are untouched.
    let o = run(
        dir.path(),
        &["followup", "postmortems", "--today", "2026-06-01"],
    );
    assert!(stdout(&o).contains("0 files written"), "{}", stdout(&o));
    for (name, bytes) in originals {
        assert_eq!(std::fs::read(src.join(&name)).unwrap(), bytes);
        // Removing the block gives back the original text.
        let written = std::fs::read_to_string(dst.join(&name)).unwrap();
        if let Ok(orig) = String::from_utf8(bytes) {
            assert_eq!(
                postmortem_tracker::writeback::status::remove_block(&written),
                orig,
                "{name:?}"
            );
        }
    }
}

const END: &str = "<!-- postmortem-tracker:status:end -->";

/// The file with a block written by a first follow-up.
fn with_block(dir: &Path) -> String {
    write(dir, "postmortems/db.md", PM);
    let o = run(dir, &["followup", "--today", "2026-04-03"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    read(dir, "postmortems/db.md")
}

/// The 1-based line of the first line of `text` that starts with `prefix`.
fn line_of(text: &str, prefix: &str) -> usize {
    text.lines().position(|l| l.starts_with(prefix)).unwrap() + 1
}

/// The case: the end marker deleted by hand and a line of one's own written after where
/// the block was. Before, the next run added a second block and the run after that deleted
/// the line; now every run reports the damage with file and line and changes no byte, and
/// once the block's remains are deleted as the message says, a fresh block is written.
#[test]
fn a_deleted_end_marker_costs_no_line() {
    let dir = tempfile::tempdir().unwrap();
    let written = with_block(dir.path());
    let damaged = written.replace(&format!("{END}\n"), "My own note, after the status.\n");
    write(dir.path(), "postmortems/db.md", &damaged);
    let begin = line_of(&damaged, BEGIN);
    for _ in 0..3 {
        let o = run(dir.path(), &["followup", "--today", "2026-04-04"]);
        assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
        let out = stdout(&o);
        assert!(
            out.contains(&format!(
                "error: postmortems/db.md:{begin}: the status block begun here has no end marker; nothing was written to this file"
            )),
            "{out}"
        );
        assert!(out.contains("0 files written"), "{out}");
        assert_eq!(read(dir.path(), "postmortems/db.md"), damaged);
    }
    // `lint` (the pull request's check) says it too, on its line.
    let o = run(dir.path(), &["lint", "--format", "github"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains(&format!(
            "::error file=postmortems/db.md,line={begin},title=status-block::the status block begun here has no end marker"
        )),
        "{}",
        stdout(&o)
    );
    // The fix the message gives: delete what is left of the block, keep one's own text.
    let lines: Vec<&str> = damaged.lines().collect();
    let fixed: String = lines[..begin - 1]
        .iter()
        .chain(lines.iter().skip_while(|l| !l.starts_with("My own note")))
        .map(|l| format!("{l}\n"))
        .collect();
    write(dir.path(), "postmortems/db.md", &fixed);
    let o = run(dir.path(), &["followup", "--today", "2026-04-04"]);
    assert!(o.status.success(), "{}", stdout(&o));
    let after = read(dir.path(), "postmortems/db.md");
    assert_eq!(after.matches(BEGIN).count(), 1, "{after}");
    assert!(
        after.contains("My own note, after the status.\n"),
        "{after}"
    );
}

/// Every other damage: reported at its line, the file's bytes unchanged, run after run; the
/// other files of the run are still written.
#[test]
fn a_damaged_block_is_reported_and_its_file_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let written = with_block(dir.path());
    let begin_line = written.lines().find(|l| l.starts_with(BEGIN)).unwrap();
    let b = line_of(&written, BEGIN);
    let e = line_of(&written, END);
    let cases = [
        (
            written.replace(&format!("{begin_line}\n"), ""),
            e - 1,
            "an end marker of the status block with no begin marker before it",
        ),
        (
            format!("{written}{begin_line}\nMore of my text.\n"),
            written.lines().count() + 1,
            &format!("a second status block (the first is at lines {b}-{e})") as &str,
        ),
        (
            written.replace(END, begin_line),
            e,
            &format!("a second begin marker of the status block, while the block begun at line {b} has no end marker") as &str,
        ),
        (
            written.replace("| Review quotas |", "| Review quotas (Ana: done?) |"),
            b,
            &format!("the status block (lines {b}-{e}) was changed after the tool wrote it")
                as &str,
        ),
        (
            written.replace(END, "<!-- postmortem-tracker:status:end --> kept by me"),
            e,
            "the status block's end marker was edited",
        ),
        (
            written.replace(END, "<!-- postmortem-tracker: status end -->"),
            e,
            "looks like a status block marker",
        ),
    ];
    for (damaged, line, problem) in cases {
        write(dir.path(), "postmortems/db.md", &damaged);
        write(dir.path(), "postmortems/other.md", PM);
        let o = run(dir.path(), &["followup", "--today", "2026-04-04"]);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(1), "{out}");
        assert!(
            out.contains(&format!("error: postmortems/db.md:{line}: ")) && out.contains(problem),
            "{problem}: {out}"
        );
        assert_eq!(read(dir.path(), "postmortems/db.md"), damaged);
        assert!(read(dir.path(), "postmortems/other.md").contains(BEGIN));
    }
}

/// Machine in UTC, the repository in a zone whose day is not UTC's day right now: `plan`,
/// `sync`, the Action's review and `followup` all use the configured zone's day (the default
/// due date counts from it; the follow-up reports it), never the machine's.
#[test]
fn every_command_uses_the_configured_zones_day() {
    use chrono::{Duration, Timelike as _, Utc};
    // Kiritimati (UTC+14) is a day ahead from 10:00 UTC on, Honolulu (UTC-10, no daylight
    // saving) a day behind before 10:00.
    let before = Utc::now();
    let (zone, hours) = if before.hour() >= 10 {
        ("Pacific/Kiritimati", 14)
    } else {
        ("Pacific/Honolulu", -10)
    };
    let zone_day = |t: chrono::DateTime<Utc>| (t + Duration::hours(hours)).date_naive();
    let expected = zone_day(before);
    assert_ne!(expected, before.date_naive(), "the test needs a day apart");

    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".postmortem-tracker.toml",
        &format!("time_zone = \"{zone}\"\n[due]\ndefault = 0\n"),
    );
    // Plan, sync and review date new items by the due-date policy, counted from the
    // front matter's date (here the zone's day, 0 days): the same date whatever the machine's
    // day. The follow-up's own day must be the zone's.
    write(
        dir.path(),
        "postmortems/pm.md",
        &format!(
            "---\ndate: {expected}\n---\n# Outage\n\n## Action Items\n\n- [ ] Review quotas\n"
        ),
    );
    let in_utc = |args: &[&str]| {
        let o = command()
            .current_dir(dir.path())
            .env("TZ", "UTC")
            .args(args)
            .output()
            .expect("binary runs");
        assert!(o.status.code().is_some_and(|c| c < 2), "{args:?}: {o:?}");
        stdout(&o)
    };
    let due_of = |json: &str| -> String {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        let items = if v["items"].is_array() {
            &v["items"]
        } else {
            &v["plan"]["items"]
        };
        items[0]["due"].as_str().unwrap_or_default().to_string()
    };
    let plan = due_of(&in_utc(&["plan", "--tracker", "none", "--format", "json"]));
    let sync = due_of(&in_utc(&[
        "sync",
        "--dry-run",
        "--tracker",
        "github",
        "--repo",
        "acme/svc",
        "--format",
        "json",
    ]));
    let followup: serde_json::Value =
        serde_json::from_str(&in_utc(&["followup", "--format", "json", "--dry-run"])).unwrap();
    let followup = followup["today"].as_str().unwrap().to_string();
    // A merge request pipeline without a token: the plan comment goes to the job log.
    let review = {
        let o = command()
            .current_dir(dir.path())
            .env("TZ", "UTC")
            .env("GITLAB_CI", "true")
            .env("CI_PIPELINE_SOURCE", "merge_request_event")
            .env("CI_API_V4_URL", "http://127.0.0.1:9/api/v4")
            .env("CI_PROJECT_ID", "42")
            .env("CI_PROJECT_PATH", "acme/svc")
            .env("CI_MERGE_REQUEST_IID", "1")
            .env("CI_MERGE_REQUEST_PROJECT_ID", "42")
            .env("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "42")
            .args(["ci"])
            .output()
            .expect("binary runs");
        stdout(&o)
    };
    let after = Utc::now();
    // The zone's day may have turned during the test: every command must agree with one of
    // the two, and all with each other.
    let days = [expected.to_string(), zone_day(after).to_string()];
    for (what, got) in [("plan", &plan), ("sync", &sync), ("followup", &followup)] {
        assert!(days.contains(got), "{what}: {got}, expected {days:?}");
    }
    assert_eq!(plan, followup);
    assert_eq!(sync, followup);
    assert!(
        review.contains(&format!(
            "| {followup} (policy: 0 days after the incident) |"
        )),
        "the review's plan shows the due date {followup}:\n{review}"
    );
}
