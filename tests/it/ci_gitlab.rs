//! `postmortem-tracker ci` in a GitLab CI environment (the `CI_*` variables GitLab sets for
//! each pipeline source) against the fake GitLab: a merge request pipeline run twice (one
//! sticky note, a Code Quality report), a push to the default branch, a schedule.

use crate::support;

use std::path::{Path, PathBuf};

use support::gitlab::FakeGitLab;

const MARKER: &str = "<!-- postmortem-tracker: pr-comment -->";

fn example(name: &str) -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("examples/postmortems")
            .join(name),
    )
    .unwrap()
}

fn run_ci(fake: &FakeGitLab, ws: &Path, vars: &[(&str, &str)]) -> (i32, String, String) {
    crate::support::run(
        crate::support::gitlab_ci(
            ws,
            &format!("{}/api/v4", fake.base_url()),
            FakeGitLab::TOKEN,
        )
        .envs(vars.iter().copied()),
    )
}

#[test]
fn merge_request_pipeline_keeps_one_note_and_writes_a_code_quality_report() {
    let fake = FakeGitLab::start();
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("postmortems")).unwrap();
    let iid = {
        let mut st = fake.state();
        let base = "02-booking-portal-certificate.md";
        st.seed_file(
            "acme/svc",
            "main",
            &format!("postmortems/{base}"),
            &example(base),
        );
        for f in [base, "03-checkout-promo-codes.md"] {
            let path = format!("postmortems/{f}");
            st.seed_file("acme/svc", "feature", &path, &example(f));
            std::fs::write(ws.path().join(&path), example(f)).unwrap();
        }
        st.seed_merge_request("acme/svc", "feature", "main")
    };
    let iid_s = iid.to_string();
    let vars = [
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_IID", iid_s.as_str()),
        ("CI_MERGE_REQUEST_PROJECT_ID", "42"),
        ("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "42"),
    ];
    let (code, out, err) = run_ci(&fake, ws.path(), &vars);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("note created") || out.contains("comment created"),
        "{out}"
    );
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(ws.path().join("gl-code-quality-report.json")).unwrap(),
    )
    .unwrap();
    let paths: Vec<&str> = report
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["location"]["path"].as_str().unwrap())
        .collect();
    assert!(!paths.is_empty());
    assert!(
        paths
            .iter()
            .all(|p| *p == "postmortems/03-checkout-promo-codes.md"),
        "only the changed file: {paths:?}"
    );
    let notes = |fake: &FakeGitLab| -> Vec<String> {
        fake.state()
            .project("acme/svc")
            .notes
            .iter()
            .filter(|n| n.noteable_type == "MergeRequest" && n.noteable_iid == iid)
            .map(|n| n.body.clone())
            .collect()
    };
    let first = notes(&fake);
    assert_eq!(first.len(), 1);
    assert!(first[0].contains(MARKER));
    assert!(first[0].contains("postmortems/03-checkout-promo-codes.md"));
    let env = std::fs::read_to_string(ws.path().join("postmortem-tracker.env")).unwrap();
    assert!(env.contains("PMT_CREATED=0"), "{env}");

    // A second push to the merge request: the note is edited, not duplicated.
    {
        let mut st = fake.state();
        let f = "05-invoice-backlog-checklist.md";
        st.seed_file(
            "acme/svc",
            "feature",
            &format!("postmortems/{f}"),
            &example(f),
        );
        std::fs::write(ws.path().join("postmortems").join(f), example(f)).unwrap();
    }
    let (code, out, err) = run_ci(&fake, ws.path(), &vars);
    assert_eq!(code, 0, "{out}\n{err}");
    let second = notes(&fake);
    assert_eq!(second.len(), 1, "never a second note");
    assert!(second[0].contains("postmortems/05-invoice-backlog-checklist.md"));
    assert!(fake.state().project("acme/svc").issues.is_empty());
}

#[test]
fn push_to_the_default_branch_syncs_and_a_schedule_reads_status() {
    let fake = FakeGitLab::start();
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("postmortems")).unwrap();
    let f = "03-checkout-promo-codes.md";
    std::fs::write(ws.path().join("postmortems").join(f), example(f)).unwrap();

    // A push to another branch does nothing.
    let (code, out, _) = run_ci(
        &fake,
        ws.path(),
        &[("CI_PIPELINE_SOURCE", "push"), ("CI_COMMIT_BRANCH", "dev")],
    );
    assert_eq!(code, 0);
    assert!(out.contains("nothing to do"), "{out}");
    assert!(fake.state().project("acme/svc").issues.is_empty());

    let (code, out, err) = run_ci(
        &fake,
        ws.path(),
        &[("CI_PIPELINE_SOURCE", "push"), ("CI_COMMIT_BRANCH", "main")],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let issues = fake.state().project("acme/svc").issues.len();
    assert!(issues > 0);
    assert!(out.contains("## postmortem-tracker sync"), "{out}");
    let env = std::fs::read_to_string(ws.path().join("postmortem-tracker.env")).unwrap();
    assert!(env.contains(&format!("PMT_CREATED={issues}")), "{env}");
    let text = std::fs::read_to_string(ws.path().join("postmortems").join(f)).unwrap();
    assert!(text.contains("#1"), "link written back:\n{text}");

    let (code, out, err) = run_ci(&fake, ws.path(), &[("CI_PIPELINE_SOURCE", "schedule")]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("## postmortem-tracker followup"), "{out}");
    assert_eq!(fake.state().project("acme/svc").issues.len(), issues);
}
