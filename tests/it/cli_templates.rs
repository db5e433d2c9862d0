//! `postmortem-tracker templates …` as a user runs it.

fn run(args: &[&str]) -> (i32, String, String) {
    let out = crate::support::command().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn list_shows_every_template_and_its_origin() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("job_summary.hbs"), "{{command}}").unwrap();
    let (code, out, _) = run(&[
        "templates",
        "list",
        "--templates",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    for name in [
        "issue_title",
        "issue_body",
        "status_block",
        "pr_comment",
        "reminder_comment",
        "can_report",
    ] {
        assert!(
            out.lines()
                .any(|l| l.starts_with(name) && l.contains("built-in")),
            "{name}: {out}"
        );
    }
    assert!(
        out.lines()
            .any(|l| l.starts_with("job_summary") && l.contains("job_summary.hbs")),
        "{out}"
    );
}

#[test]
fn show_prints_the_text_to_copy() {
    let (code, out, _) = run(&["templates", "show", "status_block"]);
    assert_eq!(code, 0);
    assert!(out.contains("{{#each items}}"));
    let (code, _, err) = run(&["templates", "show", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("no template named `nope`"), "{err}");
}

#[test]
fn check_reports_each_broken_template_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("issue_body.hbs"),
        "{{item.text}}\n\n{{item.ownr}}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("pr_comment.hbs"), "ok {{create_count}}\n").unwrap();
    let (code, out, err) = run(&["templates", "check", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("template `issue_body`")
            && err.contains("line 3")
            && err.contains("item.ownr"),
        "{err}"
    );
    assert!(!err.contains("pr_comment"), "{err}");
    std::fs::write(
        dir.path().join("issue_body.hbs"),
        "{{item.text}}\n{{{marker}}}\n",
    )
    .unwrap();
    let (code, out, _) = run(&["templates", "check", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(out.contains("every template compiles"));
}
