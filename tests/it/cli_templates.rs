//! `postmortem-tracker templates …` as a user runs it.

fn run(args: &[&str]) -> (i32, String, String) {
    crate::support::run(crate::support::command().args(args))
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

/// `check` goes on after the first broken template: every problem of the folder, each with
/// its template, line and column, in words rather than the parser's expected-token names;
/// the dashboard's override is checked too, and a file that is no template is reported.
#[test]
fn check_reports_every_broken_template_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("status_block.hbs"),
        "# Status\n{{#each items}}\n- {{item.text}}\n",
    )
    .unwrap();
    std::fs::write(d.join("pr_comment.hbs"), "Plan\n  {{/if}}\n").unwrap();
    std::fs::write(d.join("issue_title.hbs"), "Fix: {{item.text}\n").unwrap();
    std::fs::write(d.join("reminder_comment.hbs"), "Hi\n{{item.txet}}\n").unwrap();
    std::fs::write(d.join("isue_body.hbs"), "x").unwrap();
    std::fs::write(
        d.join("dashboard.html.hbs"),
        "<html>\n{{#if title}}\n</html>\n",
    )
    .unwrap();
    let (code, out, err) = run(&["templates", "check", d.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    for expected in [
        "template `status_block` (",
        "status_block.hbs) line 2, column 1: the block `{{#each}}` is never closed: add `{{/each}}` where it ends",
        "pr_comment.hbs) line 2, column 3: `{{/if}}` closes no block",
        "issue_title.hbs) line 1, column 6: the expression `{{item.text}` is not closed: end it with `}}`",
        "reminder_comment.hbs) line 2, column 1: no variable `item.txet`",
        "isue_body.hbs: `isue_body` is not a template of postmortem-tracker",
        "dashboard.html.hbs) line 2, column 1: the block `{{#if}}` is never closed",
        "6 problems in",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    assert!(!err.contains("expected"), "{err}");
    assert_eq!(err.matches("error: ").count(), 6, "{err}");
}

/// `show dashboard` prints the service's page (or its override); `list` names it; a stray
/// `.hbs` file is a warning for `list`, `show` and the commands that render, not a failure.
#[test]
fn the_dashboard_is_a_template_and_a_stray_file_is_a_warning() {
    let (code, out, err) = run(&["templates", "show", "dashboard"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("<html") || out.contains("<!doctype") || out.contains("<!DOCTYPE"),
        "{out}"
    );

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    std::fs::write(dir.path().join("dashboard.html.hbs"), "<p>{{title}}</p>\n").unwrap();
    std::fs::write(dir.path().join("notes.hbs"), "my notes").unwrap();
    let (code, out, err) = run(&["templates", "show", "dashboard", "--templates", d]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "<p>{{title}}</p>\n");
    let (code, out, err) = run(&["templates", "list", "--templates", d]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("dashboard") && l.contains("dashboard.html.hbs")),
        "{out}"
    );
    assert!(
        err.contains("notes.hbs: `notes` is not a template of postmortem-tracker")
            && err.contains("the file is ignored"),
        "{err}"
    );
    let (code, _, err) = run(&["templates", "show", "status_block", "--templates", d]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning: "), "{err}");
}
