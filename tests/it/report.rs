//! `report` through the binary: every item with the state `followup` gives it, and the figures,
//! as JSON, CSV and Markdown; file-only on a checkout written here and on the bundled
//! examples, and with a token against the fake GitHub (close days from the tracker). A report
//! writes nothing: the files are compared byte for byte, the fake's writes are counted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use postmortem_tracker::service::index::CSV_HEADER;
use serde_json::Value;

use crate::dashboard::parse_csv;
use crate::support::github::FakeGitHub;
use crate::support::{bin, command, run, write, FakeForge};

/// The binary in `dir`: (exit code, stdout, stderr).
fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    run(command().current_dir(dir).args(args))
}

/// The stdout of a run that must succeed.
fn ok((code, out, err): (i32, String, String)) -> String {
    assert_eq!(code, 0, "{out}\n{err}");
    out
}

/// Every file under `dir` with its bytes, to prove a run changed nothing.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

const QUEUE: &str = "---\ntitle: Queue outage\nseverity: SEV1\n---\n# Queue outage\n\nStart: 2026-01-01 10:00 UTC\nDetected: 2026-01-01 10:20 UTC\nResolved: 2026-01-01 11:30 UTC\n\n## Action Items\n\n- [ ] =HYPERLINK(\"http://x\") alert on queue depth @jdoe due: 2026-01-05\n- [x] Add a second consumer @okoye due: 2026-01-20\n- [ ] Review retention, carefully due: 2026-03-01\n\n## Lessons Learned\n\nQueues fill.\n";

const DISK: &str = "Disk full on db-2\n\nDate: 2026-01-10\nDuration: 45 minutes\n\nAction items:\n- Add disk alerts @ana due: 2026-01-20\n- Grow the volume @bob due: 2026-02-15\n";

fn checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "postmortems/queue.md", QUEUE);
    write(dir.path(), "postmortems/disk.txt", DISK);
    dir
}

#[test]
fn file_only_json_has_every_item_and_hand_computed_figures() {
    let dir = checkout();
    let before = tree(dir.path());
    let r = json(&ok(run_in(
        dir.path(),
        &["report", "--format", "json", "--today", "2026-02-01"],
    )));
    assert_eq!(tree(dir.path()), before, "a report writes no file");

    let items = r["items"].as_array().unwrap();
    let rows: Vec<(&str, &str, &str, Option<i64>)> = items
        .iter()
        .map(|i| {
            (
                i["text"].as_str().unwrap(),
                i["state"].as_str().unwrap(),
                i["due"].as_str().unwrap(),
                i["days_overdue"].as_i64(),
            )
        })
        .collect();
    // 2026-02-01: due 01-05 → 27 days overdue; ticked → done; due 01-20 → 12 days overdue.
    assert_eq!(
        rows,
        [
            ("Add disk alerts", "overdue", "2026-01-20", Some(12)),
            ("Grow the volume", "open", "2026-02-15", None),
            (
                "=HYPERLINK(\"http://x\") alert on queue depth",
                "overdue",
                "2026-01-05",
                Some(27)
            ),
            ("Add a second consumer", "done", "2026-01-20", None),
            ("Review retention, carefully", "open", "2026-03-01", None),
        ]
    );
    let f = &r["figures"];
    assert_eq!(f["today"], "2026-02-01");
    assert_eq!(
        f["counts"],
        json(r#"{"done": 1, "open": 2, "overdue": 2, "total": 5}"#)
    );
    // Queue outage: detected 20 minutes after 10:00, restored at 11:30 (90 minutes); the disk
    // outage says only its duration.
    let inc = f["incidents"].as_array().unwrap();
    let by_path = |p: &str| inc.iter().find(|i| i["path"] == p).unwrap();
    let q = by_path("postmortems/queue.md");
    assert_eq!(q["severity"], "SEV1");
    assert_eq!(q["time_to_detect_minutes"], 20);
    assert_eq!(q["time_to_restore_minutes"], 90);
    let d = by_path("postmortems/disk.txt");
    assert_eq!(d["time_to_detect_minutes"], Value::Null);
    assert_eq!(d["time_to_restore_minutes"], 45);
    assert_eq!(
        f["incidents_by_severity"][0],
        json(
            r#"{"severity": "sev1", "incidents": 1, "detect_known": 1, "median_detect_minutes": 20,
                "restore_known": 1, "median_restore_minutes": 90}"#
        )
    );
    // File-only: no close days, so no days-to-close and no share; the done item is counted as
    // missing data, not as zero days.
    assert_eq!(
        f["days_to_close"],
        json(r#"{"by_kind": [], "by_severity": [], "done_without_dates": 1}"#)
    );
    assert_eq!(
        f["closed_by_due"],
        json(r#"{"known": 0, "on_time": 0, "share": null, "percent": null}"#)
    );
}

#[test]
fn csv_is_a_table_with_one_row_per_item_and_defused_formulas() {
    let dir = checkout();
    let before = tree(dir.path());
    let out = ok(run_in(
        dir.path(),
        &["report", "--format", "csv", "--today", "2026-02-01"],
    ));
    assert_eq!(tree(dir.path()), before, "a report writes no file");
    let rows = parse_csv(&out);
    assert_eq!(rows[0], CSV_HEADER, "the service's CSV columns");
    assert_eq!(rows.len(), 1 + 5, "header and one row per item:\n{out}");
    for r in &rows {
        assert_eq!(r.len(), CSV_HEADER.len(), "{r:?}");
    }
    let col = |name: &str| CSV_HEADER.iter().position(|h| *h == name).unwrap();
    let texts: Vec<&str> = rows[1..].iter().map(|r| r[col("text")].as_str()).collect();
    assert!(
        texts.contains(&"'=HYPERLINK(\"http://x\") alert on queue depth"),
        "a cell starting with = is defused: {texts:?}"
    );
    assert!(texts.contains(&"Review retention, carefully"), "{texts:?}");
    let states: Vec<&str> = rows[1..].iter().map(|r| r[col("state")].as_str()).collect();
    assert_eq!(states, ["overdue", "open", "overdue", "done", "open"]);
}

#[test]
fn markdown_has_the_item_table_and_the_figures() {
    let dir = checkout();
    let before = tree(dir.path());
    let out = ok(run_in(
        dir.path(),
        &["report", "--format", "markdown", "--today", "2026-02-01"],
    ));
    assert_eq!(tree(dir.path()), before, "a report writes no file");
    assert!(out.contains("5 items: 1 done, 2 open, 2 overdue."), "{out}");
    assert!(
        out.contains("| Postmortem | Line | Item | Kind | Owner | Due | State | Issue |"),
        "{out}"
    );
    assert!(
        out.contains("| postmortems/disk.txt | 7 | Add disk alerts | task | ana | 2026-01-20 | overdue (12 d) |  |"),
        "{out}"
    );
    assert!(
        out.contains("| Queue outage | SEV1 | 2026-01-01T10:00:00Z | 20 min | 1 h 30 min |"),
        "{out}"
    );
    assert!(out.contains("## Closed by the due date"), "{out}");
}

/// The Markdown is the `report` template: a `templates_dir` override changes it, and
/// `templates check` names a misspelt variable in that override with its line.
#[test]
fn markdown_comes_from_an_overridable_template() {
    let dir = checkout();
    write(
        dir.path(),
        "tpl/report.hbs",
        "{{figures.counts.overdue}} overdue as of {{figures.today}}\n{{#each items}}- {{text}}\n{{/each}}",
    );
    write(
        dir.path(),
        ".postmortem-tracker.toml",
        "templates_dir = \"tpl\"\n",
    );
    let out = ok(run_in(
        dir.path(),
        &["report", "--format", "markdown", "--today", "2026-02-01"],
    ));
    assert!(out.starts_with("2 overdue as of 2026-02-01\n"), "{out}");
    assert!(out.contains("- Add disk alerts\n"), "{out}");
    assert!(
        !out.contains("| Postmortem |"),
        "the override replaced the table: {out}"
    );

    write(
        dir.path(),
        "tpl/report.hbs",
        "# Items\n\n{{figures.countz.total}} items\n",
    );
    let (code, out, err) = run_in(dir.path(), &["templates", "check", "tpl"]);
    assert_eq!(code, 1, "{out}\n{err}");
    let text = format!("{out}{err}");
    assert!(text.contains("report"), "{text}");
    assert!(text.contains("figures.countz.total"), "{text}");
    assert!(text.contains("line 3"), "{text}");
}

/// The bundled examples: the report's states are exactly the follow-up's (a dry run's JSON),
/// item by item, in all three formats, and the copies are left as they were.
#[test]
fn bundled_examples_match_the_followup_item_by_item() {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/postmortems");
    std::fs::create_dir_all(dir.path().join("postmortems")).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        let to = dir.path().join("postmortems").join(p.file_name().unwrap());
        std::fs::copy(&p, to).unwrap();
    }
    let before = tree(dir.path());
    let day = ["--today", "2026-06-01"];
    let report = json(&ok(run_in(
        dir.path(),
        &["report", "postmortems", "--format", "json", day[0], day[1]],
    )));
    let follow = json(&ok(run_in(
        dir.path(),
        &[
            "followup",
            "postmortems",
            "--dry-run",
            "--format",
            "json",
            day[0],
            day[1],
        ],
    )));
    assert_eq!(tree(dir.path()), before);
    let expected: Vec<(String, i64, String, Value, Value)> = follow["documents"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| {
            d["items"].as_array().unwrap().iter().map(move |i| {
                (
                    d["path"].as_str().unwrap().to_string(),
                    i["line"].as_i64().unwrap(),
                    i["state"].as_str().unwrap().to_string(),
                    i["due"].clone(),
                    i["days_overdue"].clone(),
                )
            })
        })
        .collect();
    let got: Vec<(String, i64, String, Value, Value)> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["path"].as_str().unwrap().to_string(),
                i["line"].as_i64().unwrap(),
                i["state"].as_str().unwrap().to_string(),
                i["due"].clone(),
                i["days_overdue"].clone(),
            )
        })
        .collect();
    assert!(expected.len() > 20, "the examples hold many items");
    assert_eq!(got, expected);
    let totals = &follow["totals"];
    let counts = &report["figures"]["counts"];
    for k in ["done", "open", "overdue", "total"] {
        assert_eq!(counts[k], totals[k], "{k}");
    }
    // Every example states its start and end: a time to restore for each.
    let incidents = report["figures"]["incidents"].as_array().unwrap();
    assert_eq!(
        incidents.len(),
        follow["documents"].as_array().unwrap().len()
    );
    assert!(
        incidents
            .iter()
            .all(|i| i["time_to_restore_minutes"].as_i64().is_some_and(|m| m > 0)),
        "{incidents:?}"
    );

    let csv = ok(run_in(
        dir.path(),
        &["report", "postmortems", "--format", "csv", day[0], day[1]],
    ));
    let rows = parse_csv(&csv);
    assert_eq!(rows.len(), 1 + expected.len());
    assert!(rows.iter().all(|r| r.len() == CSV_HEADER.len()));
    let md = ok(run_in(
        dir.path(),
        &[
            "report",
            "postmortems",
            "--format",
            "markdown",
            day[0],
            day[1],
        ],
    ));
    // The item table: its header, its separator, then one row per item up to a blank line.
    let table_rows = md
        .lines()
        .skip_while(|l| !l.starts_with("| Postmortem | Line | Item |"))
        .skip(2)
        .take_while(|l| l.starts_with("| postmortems/"))
        .count();
    assert_eq!(table_rows, expected.len(), "{md}");
    assert_eq!(tree(dir.path()), before, "no format writes a file");
}

/// With a token: the issues' close days give days to close and the share closed by the due
/// date; the report makes no write on the tracker and changes no file.
#[test]
fn with_a_token_close_days_come_from_the_tracker() {
    let fake = FakeGitHub::start();
    for u in ["jdoe", "okoye"] {
        fake.state().add_user(u);
    }
    let forge = FakeForge::GitHub(&fake);
    let ws = tempfile::tempdir().unwrap();
    // Incident on 2026-01-01; three items due 2026-01-05, 2026-01-05 and 2026-01-20.
    write(
        ws.path(),
        "postmortems/queue.md",
        "---\nseverity: SEV2\n---\n# Queue outage\n\nStart: 2026-01-01 10:00 UTC\n\n## Action Items\n\n- [ ] Alert on queue depth @jdoe due: 2026-01-05\n- [ ] Add a second consumer @okoye due: 2026-01-05\n- [ ] Review retention @jdoe due: 2026-01-20\n",
    );
    let (code, out, err) = bin(ws.path(), &forge, &["sync", "--today", "2026-01-02"]);
    assert_eq!(code, 0, "{out}\n{err}");
    // Closed on the tracker: the alert 3 days after the incident (on time), the consumer 10
    // days after (late); retention stays open.
    {
        let mut st = fake.state();
        let r = st.repo_mut("acme", "svc");
        for i in r.issues.iter_mut() {
            let closed = match i.title.as_str() {
                t if t.contains("Alert on queue depth") => "2026-01-04T12:00:00Z",
                t if t.contains("Add a second consumer") => "2026-01-11T12:00:00Z",
                _ => continue,
            };
            i.state = "closed".into();
            i.closed_at = Some(closed.into());
        }
    }
    let before = tree(ws.path());
    fake.log().clear();
    let (code, out, err) = bin(
        ws.path(),
        &forge,
        &["report", "--format", "json", "--today", "2026-01-15"],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(fake.log().count_writes(), 0, "a report writes nothing");
    assert!(!out.contains(FakeGitHub::TOKEN) && !err.contains(FakeGitHub::TOKEN));
    assert_eq!(tree(ws.path()), before, "a report writes no file");
    let r = json(&out);
    let by_text = |t: &str| {
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["text"] == t)
            .unwrap_or_else(|| panic!("{t} in {r}"))
            .clone()
    };
    let alert = by_text("Alert on queue depth");
    assert_eq!(alert["forge"], "github");
    assert_eq!(alert["repository"], "acme/svc");
    assert_eq!(alert["state"], "done");
    assert_eq!(alert["closed_on"], "2026-01-04");
    assert_eq!(by_text("Add a second consumer")["closed_on"], "2026-01-11");
    assert_eq!(by_text("Review retention")["state"], "open");
    let f = &r["figures"];
    // Days to close: 3 and 10; the nearest-rank median of two is the lower, 3.
    assert_eq!(
        f["days_to_close"],
        json(
            r#"{"by_kind": [{"group": "task", "count": 2, "median_days": 3}],
                "by_severity": [{"group": "sev2", "count": 2, "median_days": 3}],
                "done_without_dates": 0}"#
        )
    );
    // Closed by the due date (2026-01-05): the alert yes, the consumer no.
    assert_eq!(
        f["closed_by_due"],
        json(r#"{"known": 2, "on_time": 1, "share": 0.5, "percent": 50}"#)
    );
}

/// The Action's report step, run as the runner runs it (bash -eo pipefail, the step's `env:`
/// given as the inputs fill it): the report file is written and its path is the `report`
/// output; a format it does not know fails the step with a message.
#[test]
fn the_action_writes_the_report_and_outputs_its_path() {
    let action: Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        action["outputs"]["report"]["value"],
        "${{ steps.report.outputs.path }}"
    );
    let step = action["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "report")
        .expect("a step with id report");
    assert!(step["if"].as_str().unwrap().contains("inputs.report != ''"));
    let script = step["run"].as_str().unwrap();
    assert!(
        !script.contains("${{"),
        "inputs reach the script through env only"
    );

    let dir = checkout();
    let tools = tempfile::tempdir().unwrap();
    let bin_dir = tools.path().join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_postmortem-tracker"),
        bin_dir.join("postmortem-tracker"),
    )
    .unwrap();
    let runner_temp = tools.path().join("runner-temp");
    std::fs::create_dir_all(&runner_temp).unwrap();
    let output = tools.path().join("github-output");
    let before = tree(dir.path());
    let step_run = |format: &str| {
        run(std::process::Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(dir.path())
            .env_clear()
            .env(
                "PATH",
                format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap()),
            )
            .env("HOME", tools.path())
            .env("RUNNER_TEMP", &runner_temp)
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_TOKEN", "")
            .env("INPUT_PATHS", "postmortems")
            .env("INPUT_CONFIG", "")
            .env("INPUT_REPORT", format))
    };
    ok(step_run("csv"));
    let file = runner_temp.join("postmortem-tracker-report.csv");
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        format!("path={}\n", file.display())
    );
    let rows = parse_csv(&std::fs::read_to_string(&file).unwrap());
    assert_eq!(rows.len(), 1 + 5, "header and one row per item");
    assert_eq!(tree(dir.path()), before, "the checkout is left as it was");

    let (code, out, _) = step_run("xlsx");
    assert_eq!(code, 2);
    assert!(
        out.contains("expected json, csv or markdown, got 'xlsx'"),
        "{out}"
    );
}

/// A postmortem that is not valid UTF-8 is read with replacement characters: `followup`
/// refuses to write into it, but a report writes nothing, so its items are in the report.
#[test]
fn invalid_utf8_items_are_reported_not_dropped() {
    let dir = checkout();
    let mut bytes = b"# Cache outage\n\nDate: 2026-01-10\n\n## Action Items\n\n- [ ] Add cache alerts due: 2026-01-20 caf\xe9\n".to_vec();
    bytes.extend_from_slice(b"- [x] Resize the cache due: 2026-01-15\n");
    std::fs::write(dir.path().join("postmortems/cache.md"), &bytes).unwrap();
    let before = tree(dir.path());
    let out = ok(run_in(
        dir.path(),
        &["report", "--format", "csv", "--today", "2026-02-01"],
    ));
    assert_eq!(tree(dir.path()), before);
    let rows = parse_csv(&out);
    assert_eq!(rows.len(), 1 + 5 + 2, "{out}");
    let col = |name: &str| CSV_HEADER.iter().position(|h| *h == name).unwrap();
    let cache: Vec<(&str, &str)> = rows[1..]
        .iter()
        .filter(|r| r[col("path")] == "postmortems/cache.md")
        .map(|r| (r[col("due")].as_str(), r[col("state")].as_str()))
        .collect();
    assert_eq!(cache, [("2026-01-20", "overdue"), ("2026-01-15", "done")]);
}

/// A status block edited by hand stops `followup` writing that file (exit 1); the report still
/// has its items, says which file on stderr, and exits 0 so a CI step keeps the report.
#[test]
fn a_damaged_status_block_is_a_warning_not_a_missing_report() {
    let dir = checkout();
    ok(run_in(dir.path(), &["followup", "--today", "2026-02-01"]));
    let path = dir.path().join("postmortems/queue.md");
    let written = std::fs::read_to_string(&path).unwrap();
    let end = "<!-- postmortem-tracker:status:end -->\n";
    assert!(written.contains(end), "{written}");
    std::fs::write(&path, written.replace(end, "My own note.\n")).unwrap();
    let (code, _, _) = run_in(dir.path(), &["followup", "--today", "2026-02-01"]);
    assert_eq!(code, 1, "followup refuses the damaged block");

    let before = tree(dir.path());
    let (code, out, err) = run_in(
        dir.path(),
        &["report", "--format", "json", "--today", "2026-02-01"],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let r = json(&out);
    assert_eq!(tree(dir.path()), before);
    assert!(err.contains("warning: postmortems/queue.md"), "{err}");
    assert_eq!(r["figures"]["counts"]["total"], 5);
}
