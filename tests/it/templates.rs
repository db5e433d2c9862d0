//! The templates: built-in output, user overrides, broken templates, hostile item texts.

use std::path::Path;

use postmortem_tracker::render::context::{sample, Counts, ItemState, StatusItem};
use postmortem_tracker::render::{self, check_dir, render_sample, Engine, RenderError, TEMPLATES};

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn every_builtin_template_renders_its_sample() {
    let engine = Engine::new(None).unwrap();
    for (name, _) in TEMPLATES {
        let out = render_sample(&engine, name).unwrap();
        insta::assert_snapshot!(format!("sample_{name}"), out);
    }
}

#[test]
fn an_override_changes_only_its_own_output() {
    let builtin = Engine::new(None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "issue_title.hbs",
        "Action: {{item.text}} ({{item.kind}})",
    );
    write(dir.path(), "README.md", "not a template, ignored");
    let custom = Engine::new(Some(dir.path())).unwrap();
    for (name, _) in TEMPLATES {
        let a = render_sample(&builtin, name).unwrap();
        let b = render_sample(&custom, name).unwrap();
        if name == "issue_title" {
            assert_eq!(
                b,
                "Action: Add an alert on failed logins (item 1) (corrective)"
            );
            assert_ne!(a, b);
        } else {
            assert_eq!(a, b, "{name} changed");
        }
    }
    assert!(check_dir(dir.path()).is_empty());
}

#[test]
fn a_misspelt_variable_names_template_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "reminder_comment.hbs",
        "Hello\n\n{{mention assignee}}\nDue {{item.dew}}\n",
    );
    let errors = check_dir(dir.path());
    assert_eq!(errors.len(), 1, "{errors:?}");
    let msg = errors[0].to_string();
    assert!(msg.contains("`reminder_comment`"), "{msg}");
    assert!(msg.contains("reminder_comment.hbs"), "{msg}");
    assert!(msg.contains("line 4"), "{msg}");
    assert!(msg.contains("item.dew"), "{msg}");
}

#[test]
fn a_syntax_error_names_template_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "status_block.hbs",
        "# Status\n{{#each items}}\n- {{item.text}}\n",
    );
    let err = Engine::new(Some(dir.path())).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, RenderError::Template { .. }), "{msg}");
    assert!(
        msg.contains("`status_block`") && msg.contains("status_block.hbs"),
        "{msg}"
    );
    assert!(msg.contains("line "), "{msg}");
}

#[test]
fn an_unknown_template_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "isue_body.hbs", "x");
    let errors = check_dir(dir.path());
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]
            .to_string()
            .contains("`isue_body` is not a template"),
        "{}",
        errors[0]
    );
}

#[test]
fn an_unknown_helper_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "job_summary.hbs", "Run\n{{shout command}}\n");
    let errors = check_dir(dir.path());
    assert_eq!(errors.len(), 1);
    let msg = errors[0].to_string();
    assert!(
        msg.contains("`job_summary`") && msg.contains("line 2"),
        "{msg}"
    );
}

#[test]
fn helpers() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "reminder_comment.hbs",
        "{{date item.due \"%d %B %Y\"}}|{{days_past item.due today}}|{{days_past today item.due}}|\
         {{plural 1 \"day\"}} {{plural 2 \"day\"}} {{plural 2 \"person\" \"people\"}}|{{duration 251}}|\
         {{truncate item.text 10}}|{{mention assignee}}|{{mention \"not a login\"}}",
    );
    let engine = Engine::new(Some(dir.path())).unwrap();
    let out = render_sample(&engine, "reminder_comment").unwrap();
    assert_eq!(
        out.trim_end(),
        "01 December 2023|4|0|day days people|4 h 11 min|Add an ale…|@alice|not a login"
    );
}

/// Texts that try to break out of where they are put.
const HOSTILE: &[&str] = &[
    "ping @org/everyone and @bob now",
    "end the comment --> <!-- start another",
    "a | b | c",
    "```\ncode fence\n```",
    "`unclosed code",
    "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "<!-- postmortem-tracker: key=forged path=x -->",
    "# heading\n---\n| x |\n",
    "[link](javascript:alert(1)) ![img](http://x/y.png) **bold",
];

fn hostile_statuses(text: &str) -> Vec<StatusItem> {
    let mut items = sample::status_block().items;
    for i in &mut items {
        i.item.text = text.to_string();
        i.item.detail = Some(text.to_string());
        i.item.owner = Some("alice".into());
        i.item.priority = Some(text.to_string());
    }
    items
}

/// Renders every template with `text` in every user-text field.
fn render_all(text: &str) -> Vec<(&'static str, String)> {
    let engine = Engine::new(None).unwrap();
    let mut out = Vec::new();
    let mut issue = sample::issue();
    issue.item.text = text.into();
    issue.item.detail = Some(text.into());
    issue.item.priority = Some(text.into());
    issue.postmortem.title = Some(text.into());
    out.push(("issue_title", engine.render("issue_title", &issue).unwrap()));
    out.push(("issue_body", engine.render("issue_body", &issue).unwrap()));
    let mut status = sample::status_block();
    status.items = hostile_statuses(text);
    status.postmortem.title = Some(text.into());
    status.counts = Counts::of(&status.items);
    out.push((
        "status_block",
        engine.render("status_block", &status).unwrap(),
    ));
    let mut pr = sample::pr_comment();
    for e in &mut pr.entries {
        e.create.iter_mut().for_each(|i| i.text = text.into());
        e.tracked = hostile_statuses(text);
        e.findings.iter_mut().for_each(|f| f.message = text.into());
    }
    out.push(("pr_comment", engine.render("pr_comment", &pr).unwrap()));
    let mut reminder = sample::reminder();
    reminder.item.text = text.into();
    // The escalation's mentions are logins from the configuration, never user text.
    reminder.escalate = vec!["alice".into()];
    out.push((
        "reminder_comment",
        engine.render("reminder_comment", &reminder).unwrap(),
    ));
    let mut summary = sample::job_summary();
    for e in &mut summary.entries {
        e.overdue = hostile_statuses(text)
            .into_iter()
            .map(|mut s| {
                s.state = ItemState::Overdue;
                s
            })
            .collect();
    }
    summary.errors = vec![text.into()];
    out.push((
        "job_summary",
        engine.render("job_summary", &summary).unwrap(),
    ));
    let mut can = postmortem_tracker::can::sample();
    can.title = Some(text.into());
    for s in can
        .conditions
        .iter_mut()
        .chain(&mut can.actions)
        .chain(&mut can.needs)
    {
        s.text = text.into();
        s.notes.iter_mut().for_each(|n| n.text = text.into());
        s.who = Some(text.into());
        s.places = vec![text.into()];
    }
    out.push(("can_report", engine.render("can_report", &can).unwrap()));
    let mut digest = postmortem_tracker::followup::digest::sample();
    for g in &mut digest.owners {
        for i in &mut g.items {
            i.item.text = text.into();
            i.postmortem.title = Some(text.into());
        }
    }
    out.push(("digest", engine.render("digest", &digest).unwrap()));
    let mut report = postmortem_tracker::report::sample();
    for r in &mut report.items {
        (r.text, r.path, r.kind) = (text.into(), text.into(), text.into());
        (r.owner, r.issue) = (Some(text.into()), Some(text.into()));
    }
    for i in &mut report.figures.incidents {
        (i.title, i.severity, i.start) = (Some(text.into()), Some(text.into()), Some(text.into()));
    }
    report.figures.incidents_by_severity[0].severity = text.into();
    report.figures.days_to_close.by_kind[0].group = text.into();
    out.push(("report", engine.render("report", &report).unwrap()));
    assert_eq!(out.len(), TEMPLATES.len());
    out
}

/// What a user checks: nobody but the owner is mentioned, no comment is closed or opened
/// except the tool's own marker, no HTML tag appears, every table row keeps its columns.
fn assert_safe(name: &str, out: &str) {
    let mentions: Vec<&str> = out
        .match_indices('@')
        .filter(|(i, _)| {
            let next = out[i + 1..].chars().next();
            let prev = out[..*i].chars().last();
            next.is_some_and(|c| c.is_alphanumeric())
                && !prev.is_some_and(|c| c.is_alphanumeric() || c == '.')
        })
        .map(|(i, _)| &out[i..(i + 8).min(out.len())])
        .collect();
    assert!(
        mentions.iter().all(|m| m.starts_with("@alice")),
        "{name}: unexpected mention in {mentions:?}"
    );
    let opens = out.matches("<!--").count();
    let closes = out.matches("-->").count();
    let own_markers = out.matches("<!-- postmortem-tracker: ").count();
    assert_eq!(
        opens, own_markers,
        "{name}: a comment opened by user text:\n{out}"
    );
    assert_eq!(
        closes, own_markers,
        "{name}: a comment closed by user text:\n{out}"
    );
    assert!(
        !out.contains("<!-- postmortem-tracker: key=forged"),
        "{name}: forged marker:\n{out}"
    );
    assert!(
        !out.contains("<script") && !out.contains("<img"),
        "{name}: HTML:\n{out}"
    );
    assert!(!out.contains("```"), "{name}: code fence:\n{out}");
    // Table rows: every row of a table has as many unescaped pipes as its header.
    let mut header_pipes = None;
    for line in out.lines() {
        if line.starts_with('|') {
            let pipes = count_unescaped_pipes(line);
            let expected = *header_pipes.get_or_insert(pipes);
            assert_eq!(pipes, expected, "{name}: broken table row: {line}");
        } else {
            header_pipes = None;
        }
    }
    // Parsed as Markdown: user text adds no HTML, heading or code block.
    use pulldown_cmark::{Event, Parser, Tag};
    for ev in Parser::new(out) {
        match ev {
            Event::Html(h) | Event::InlineHtml(h) => assert!(
                h.trim_start().starts_with("<!-- postmortem-tracker: ") || h.trim().is_empty(),
                "{name}: HTML from user text: {h:?}"
            ),
            Event::Start(Tag::CodeBlock(_)) | Event::Code(_) => {
                panic!("{name}: code from user text:\n{out}")
            }
            _ => {}
        }
    }
}

fn count_unescaped_pipes(line: &str) -> usize {
    let mut n = 0;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => n += 1,
            _ => escaped = false,
        }
    }
    n
}

#[test]
fn hostile_texts_render_safely_in_every_template() {
    for text in HOSTILE {
        for (name, out) in render_all(text) {
            assert_safe(name, &out);
        }
    }
}

#[test]
fn a_100_kb_text_is_truncated_with_a_marker() {
    let text = "The queue backed up again | @everyone --> ".repeat(2500);
    assert!(text.len() > 100_000);
    for (name, out) in render_all(&text) {
        assert_safe(name, &out);
        assert!(out.len() < 60_000, "{name}: {} bytes", out.len());
        if name != "issue_title" {
            assert!(
                out.contains("truncated") || out.contains('…'),
                "{name}: no marker"
            );
        }
    }
}

#[test]
fn the_owner_is_mentioned_and_nobody_else() {
    let mut reminder = sample::reminder();
    reminder.item.text = "@alice please also ask @carol".into();
    let out = Engine::new(None)
        .unwrap()
        .render("reminder_comment", &reminder)
        .unwrap();
    assert!(out.starts_with("@alice: "), "{out}");
    assert!(
        out.contains("@\u{200B}alice please also ask @\u{200B}carol"),
        "{out}"
    );
}

#[test]
fn the_issue_marker_is_kept_raw() {
    let out = render_sample(&Engine::new(None).unwrap(), "issue_body").unwrap();
    let (key, path) = render::safe::parse_marker(&out).unwrap();
    assert_eq!(key, "pm-0001a1b2c3");
    assert_eq!(path, "postmortems/2023-11-01-login-outage.md");
}
