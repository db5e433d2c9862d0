//! The real binary, run the way users run it: in a folder of their own, with files, config and
//! environment, checking what it prints and how it exits.

use crate::support::{command, run_in as run, stderr, stdout, write};

const PM: &str = "# DB outage\n\n## Summary\n\nOn March 3, 2026 from 14:00 to 15:30 UTC the database was down.\n\n## Root Cause\n\nDisk full.\n\n## Timeline\n\n- 14:00 UTC alert fired\n- 15:30 UTC service restored\n\n## Action Items\n\n- [ ] Add disk alerts @ana due: 2026-04-01\n- [x] Grow the volume (#12)\n";

/// The paths of the documents `parse PATHS... --format json` read in `dir`, in its order.
fn parsed_paths(dir: &std::path::Path, paths: &[&str]) -> Vec<String> {
    let o = run(dir, &[&["parse", "--format", "json"], paths].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap().to_string())
        .collect()
}

/// Fails with the whole text when `needle` is not in it.
fn assert_has(text: &str, needle: &str) {
    assert!(text.contains(needle), "{needle:?} not in:\n{text}");
}

#[test]
fn parse_json_has_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pm.md", PM);
    let o = run(dir.path(), &["parse", "pm.md", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let doc = &v[0];
    assert_eq!(doc["path"], "pm.md");
    assert_eq!(doc["title"], "DB outage");
    assert_eq!(doc["incident"]["start"], "2026-03-03T14:00:00Z");
    assert_eq!(doc["incident"]["end"], "2026-03-03T15:30:00Z");
    assert_eq!(doc["incident"]["duration_minutes"], 90);
    let a = &doc["actions"][0];
    assert_eq!(a["text"], "Add disk alerts");
    assert_eq!(a["kind"], "task");
    assert_eq!(a["owner"], "ana");
    assert_eq!(a["due"], "2026-04-01");
    assert_eq!(a["done"], false);
    assert_eq!(a["line"], 18);
    for key in ["group", "priority", "issue"] {
        assert!(
            a.get(key).is_some(),
            "actions[].{key} is present (null when unknown)"
        );
    }
    assert_eq!(doc["actions"][1]["issue"], "#12");
    assert_eq!(doc["actions"][1]["done"], true);
    assert_eq!(doc["timeline"][1]["time"], "2026-03-03T15:30:00Z");
    assert_eq!(doc["timeline"][1]["text"], "service restored");
    assert_eq!(doc["timeline"][1]["line"], 14);
    assert!(doc["diagnostics"].as_array().unwrap().is_empty());
}

#[test]
fn without_paths_the_configured_globs_are_read() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "postmortems/2026/a.md", PM);
    write(dir.path(), "docs/postmortems/b.txt", PM);
    write(dir.path(), "notes/c.md", PM);
    assert_eq!(
        parsed_paths(dir.path(), &[]),
        ["docs/postmortems/b.txt", "postmortems/2026/a.md"]
    );

    write(
        dir.path(),
        ".postmortem-tracker.toml",
        "paths = [\"notes/**\"]\n",
    );
    assert_eq!(parsed_paths(dir.path(), &[]), ["notes/c.md"]);
}

#[test]
fn folders_are_walked_honouring_gitignore() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pms/.gitignore", "drafts/\n");
    write(dir.path(), "pms/a.md", PM);
    write(dir.path(), "pms/b.markdown", PM);
    write(dir.path(), "pms/image.png", "not a postmortem");
    write(dir.path(), "pms/drafts/wip.md", PM);
    assert_eq!(
        parsed_paths(dir.path(), &["pms"]),
        ["pms/a.md", "pms/b.markdown"]
    );
}

#[test]
fn a_folder_s_readme_and_template_are_not_postmortems_unless_named() {
    // Both hold example action items that are nobody's: no issue may come of them.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "postmortems/2026-03-db.md", PM);
    write(dir.path(), "postmortems/README.md", PM);
    write(dir.path(), "postmortems/postmortem-template.md", PM);
    assert_eq!(parsed_paths(dir.path(), &[]), ["postmortems/2026-03-db.md"]);
    assert_eq!(
        parsed_paths(dir.path(), &["postmortems"]),
        ["postmortems/2026-03-db.md"]
    );
    assert_eq!(
        parsed_paths(dir.path(), &["postmortems/README.md"]),
        ["postmortems/README.md"]
    );
}

#[test]
fn bad_input_gets_clear_messages_and_documented_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    // A missing file: exit 2, named.
    let o = run(dir.path(), &["parse", "nope.md"]);
    assert_eq!(o.status.code(), Some(2));
    assert_has(&stderr(&o), "nope.md: no such file or directory");

    // A folder without postmortems: exit 2, says what was looked for.
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let o = run(dir.path(), &["lint", "empty"]);
    assert_eq!(o.status.code(), Some(2));
    assert_has(&stderr(&o), "no postmortems found in empty");

    // No PATH and nothing under the default globs: a note, not a failure (a new repository).
    let o = run(dir.path(), &["lint"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_has(&stderr(&o), "no postmortems found");

    // A binary file among good ones: skipped with a message, the rest is read.
    write(dir.path(), "mixed/good.md", PM);
    std::fs::write(dir.path().join("mixed/blob.md"), b"\x00\x01\x02binary").unwrap();
    let o = run(dir.path(), &["parse", "mixed", "--format", "json"]);
    assert!(o.status.success());
    assert_has(&stderr(&o), "skipped mixed/blob.md: binary file");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    // lint counts an unreadable file as an error.
    let o = run(dir.path(), &["lint", "mixed"]);
    assert_eq!(o.status.code(), Some(1));
    assert_has(&stdout(&o), "mixed/blob.md: error: not read: binary file");

    // Invalid UTF-8: read lossily, with a diagnostic naming the line.
    std::fs::write(
        dir.path().join("latin1.md"),
        b"# T\n\n## Action Items\n- Caf\xe9 @bob\n",
    )
    .unwrap();
    let o = run(dir.path(), &["parse", "latin1.md", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v[0]["diagnostics"][0]["code"], "invalid-utf8");
    assert_eq!(v[0]["diagnostics"][0]["line"], 4);
    assert_eq!(v[0]["actions"][0]["owner"], "bob");

    // A broken configuration file: exit 2, names the file.
    write(
        dir.path(),
        "cfg/.postmortem-tracker.toml",
        "required_sections = [\"rootcause\"]\n",
    );
    let o = run(&dir.path().join("cfg"), &["lint", "../latin1.md"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(".postmortem-tracker.toml") && stderr(&o).contains("rootcause"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn lint_formats_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pm.md", PM);
    write(
        dir.path(),
        "thin.md",
        "# Thin\n\n## Action Items\n\n- Fix it\n- Fix it\n- Check it by 2026-02-30\n\n## Tasks\n",
    );

    let o = run(dir.path(), &["lint", "pm.md", "thin.md"]);
    assert_eq!(o.status.code(), Some(0), "warnings only: success");
    let out = stdout(&o);
    assert!(
        out.contains("thin.md:5: warning: action item has no owner"),
        "{out}"
    );
    assert!(
        out.contains("thin.md:6: warning: the same action item stands at line 5"),
        "{out}"
    );
    assert!(
        out.contains("thin.md:9: warning: the section \"Tasks\" has no action items"),
        "{out}"
    );
    assert!(
        out.contains("thin.md: warning: no root cause section [missing-section]"),
        "{out}"
    );
    assert!(
        !out.contains("pm.md:18: warning: action item has no owner"),
        "{out}"
    );
    assert_has(&stderr(&o), "2 files checked: 0 errors");

    let o = run(dir.path(), &["lint", "thin.md", "--strict"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("thin.md:5: error:"));

    let o = run(dir.path(), &["lint", "thin.md", "--format", "github"]);
    assert!(
        stdout(&o).contains(
            "::warning file=thin.md,line=5,title=missing-owner::action item has no owner"
        ),
        "{}",
        stdout(&o)
    );

    let o = run(dir.path(), &["lint", "thin.md", "--format", "gitlab"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["check_name"] == "duplicate-item" && i["location"]["lines"]["begin"] == 6));

    let o = run(dir.path(), &["lint", "thin.md", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["path"] == "thin.md" && f["severity"].is_string()));

    // Configuration switches rules off; the environment overrides the file.
    write(
        dir.path(),
        ".postmortem-tracker.toml",
        "required_sections = []\n[lint]\nrequire_owner = false\n",
    );
    let o = command()
        .current_dir(dir.path())
        .args(["lint", "thin.md"])
        .env("POSTMORTEM_TRACKER_LINT__REQUIRE_DUE", "false")
        .output()
        .unwrap();
    let out = stdout(&o);
    assert!(
        !out.contains("missing-owner")
            && !out.contains("missing-due")
            && !out.contains("missing-section"),
        "{out}"
    );
    assert!(out.contains("duplicate-item"), "{out}");
}

#[test]
fn help_teaches() {
    let o = command().arg("--help").output().unwrap();
    let help = stdout(&o);
    assert!(help.contains("parse") && help.contains("lint"));
    assert!(help.contains("Exit codes: 0 success, 1 problems found, 2 could not run"));
    let o = command().args(["lint", "--help"]).output().unwrap();
    assert!(stdout(&o).contains("--strict"));
    assert!(stdout(&o).contains("github"));
}

#[test]
fn plan_without_a_token_reads_the_files_alone() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pm.md",
        "# T\n\n## Action Items\n\n- Split the a | b pool\n- [x] Grow the volume (#12)\n",
    );
    let o = command()
        .current_dir(dir.path())
        .args(["plan", "pm.md", "--format", "markdown", "--tracker", "none"])
        .env_remove("GITHUB_TOKEN")
        .env_remove("GITLAB_TOKEN")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    // A pipe in an item cannot break the table; the named issue is adopted, not created.
    assert!(
        out.contains("| pm.md | 5 | Split the a \\| b pool | create |"),
        "{out}"
    );
    assert!(
        out.contains("| pm.md | 6 | Grow the volume | adopt | #12"),
        "{out}"
    );
    assert!(out.contains("1 to create, 1 to adopt"), "{out}");
}

#[test]
fn plan_says_which_new_issues_the_sync_closes_at_once() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pm.md",
        "# T\n\n## Action Items\n\n- [x] Grow the volume\n\
         - [ ] Rewrite the disk layer — Won't do\n- [ ] Alert on disk usage\n",
    );
    let o = run(dir.path(), &["plan", "pm.md", "--tracker", "none"]);
    let out = stdout(&o);
    let line = |no: &str| {
        out.lines()
            .find(|l| l.contains(&format!("line {no} ")))
            .unwrap_or_else(|| panic!("no line {no} in\n{out}"))
    };
    assert!(line("5").ends_with("— closed at once as done"), "{out}");
    assert!(
        line("6").ends_with("— closed at once as not planned"),
        "{out}"
    );
    assert!(!line("7").contains("closed"), "{out}");
    let o = run(
        dir.path(),
        &["plan", "pm.md", "--tracker", "none", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let settled: Vec<_> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["settled"].as_str())
        .collect();
    assert_eq!(settled, [Some("done"), Some("not_planned"), None]);
}

#[test]
fn plan_shows_what_was_read_with_doubt_before_the_sync() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pm.md",
        "# T\n\n## Action Items\n\n- Add disk alerts due: someday soon\n\n## Follow-ups\n\n\
         <ul><li>Rotate the keys</li></ul>\n\n## Notes\n\n```\nlogs\n",
    );
    let o = command()
        .current_dir(dir.path())
        .args(["plan", "pm.md", "--tracker", "none"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let doubts = out
        .split_once("Read with doubt")
        .map(|(_, d)| d)
        .unwrap_or_else(|| panic!("no doubts in:\n{out}"));
    for said in [
        "pm.md:5: warning: the due date \"someday soon\"",
        "[unparseable-date]",
        "pm.md:13: warning: a code fence opened here is never closed",
    ] {
        assert_has(doubts, said);
    }
    // JSON gives the same doubts, each with its file, line and code.
    let o = run(
        dir.path(),
        &["plan", "pm.md", "--tracker", "none", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let doubts: Vec<(&str, u64, &str)> = v["doubts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap(),
                d["line"].as_u64().unwrap_or(0),
                d["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        doubts.contains(&("pm.md", 5, "unparseable-date")),
        "{doubts:?}"
    );
    assert!(
        doubts.contains(&("pm.md", 13, "unclosed-block")),
        "{doubts:?}"
    );
    assert!(v["items"].is_array(), "{v}");
    // A plan without doubts says none.
    write(dir.path(), "ok.md", PM);
    let o = run(dir.path(), &["plan", "ok.md", "--tracker", "none"]);
    assert!(!stdout(&o).contains("Read with doubt"), "{}", stdout(&o));
    let o = run(
        dir.path(),
        &["plan", "ok.md", "--tracker", "none", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["doubts"], serde_json::json!([]), "{v}");
}

/// A `templates_dir` that names no folder (the README's sample value, copied as is): in a
/// repository without that folder, every command says the same one-line warning and goes on
/// with the built-in templates: no "os error 2" twice, no command failing, none silent.
#[test]
fn a_missing_templates_folder_is_one_warning_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "postmortems/db.md", PM);
    write(
        dir.path(),
        ".postmortem-tracker.toml",
        "templates_dir = \"ci/templates\"\n",
    );
    let warning = format!(
        "warning: {}: templates_dir \"ci/templates\": no such folder ({}); the built-in templates are used\n",
        dir.path().join(".postmortem-tracker.toml").display(),
        dir.path().join("ci/templates").display()
    );
    for args in [
        &["lint"][..],
        &["parse"],
        &["plan", "--tracker", "none"],
        &["followup", "--today", "2026-04-03", "--dry-run"],
        &["can", "postmortems/db.md"],
        &["templates", "list"],
        &["templates", "show", "status_block"],
    ] {
        let o = run(dir.path(), args);
        let err = stderr(&o);
        assert!(o.status.code() != Some(2), "{args:?}: {err}");
        assert_eq!(err.matches(&warning).count(), 1, "{args:?}: {err}");
        assert!(!err.contains("os error"), "{args:?}: {err}");
    }
}

/// A wrong value or a misspelt key in a `POSTMORTEM_TRACKER_*` variable names the variable,
/// not a configuration file that does not exist.
#[test]
fn an_environment_error_names_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "postmortems/db.md", PM);
    for (var, value, says) in [
        (
            "POSTMORTEM_TRACKER_TIME_ZONE",
            "Mars",
            "error: environment variable POSTMORTEM_TRACKER_TIME_ZONE: time_zone: cannot read \"Mars\"",
        ),
        (
            "POSTMORTEM_TRACKER_LINT__REQUIRE_DEU",
            "false",
            "error: environment variable POSTMORTEM_TRACKER_LINT__REQUIRE_DEU: unknown field `require_deu`",
        ),
    ] {
        let o = command()
            .current_dir(dir.path())
            .env(var, value)
            .args(["lint"])
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(says), "{err}");
        assert!(!err.contains(".postmortem-tracker.toml"), "{err}");
    }
}

/// `plan --tracker none` asked for the files alone: no note that no tracker is configured.
#[test]
fn plan_with_tracker_none_does_not_say_none_is_configured() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "postmortems/db.md", PM);
    let o = run(dir.path(), &["plan", "--tracker", "none"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_has(&stdout(&o), "Add disk alerts");
    assert_eq!(stderr(&o), "");
    // Without the choice, the note stays: it tells why nothing was read from a tracker.
    let o = run(dir.path(), &["plan"]);
    assert_has(&stderr(&o), "note: no tracker configured");
}

/// A broken template in a file-only follow-up (no tracker at all) is reported as the
/// template's fault, with its line, before anything is written; not as a refused request.
#[test]
fn a_broken_template_in_a_file_only_followup_blames_the_template() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "postmortems/db.md", PM);
    write(
        dir.path(),
        ".postmortem-tracker.toml",
        "templates_dir = \"tpl\"\n",
    );
    for (template, says) in [
        (
            "## Status\n{{#each items}}\n| {{item.txt}} |\n{{/each}}\n",
            "line 3, column 3: no variable `item.txt`",
        ),
        (
            "## Status\n{{#each items}}\n| {{item.text}} |\n",
            "line 2, column 1: the block `{{#each}}` is never closed",
        ),
    ] {
        write(dir.path(), "tpl/status_block.hbs", template);
        let o = run(dir.path(), &["followup", "--today", "2026-04-03"]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains("error: template `status_block` (tpl/status_block.hbs) ")
                && err.contains(says),
            "{err}"
        );
        assert!(!err.contains("refused") && !err.contains("GitHub"), "{err}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("postmortems/db.md")).unwrap(),
            PM
        );
    }
}

/// Every TOML sample in the README (the configuration, the service's section) is a valid
/// configuration as written, so copying one never starts with an error.
#[test]
fn the_readme_configuration_samples_are_valid() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let samples: Vec<&str> = readme
        .split("```toml\n")
        .skip(1)
        .map(|s| s.split("```").next().unwrap())
        .collect();
    assert!(samples.len() >= 2, "{}", samples.len());
    for sample in samples {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), ".postmortem-tracker.toml", sample);
        write(dir.path(), "postmortems/db.md", PM);
        let o = run(dir.path(), &["lint"]);
        assert_ne!(o.status.code(), Some(2), "{sample}\n{}", stderr(&o));
        assert!(
            !stderr(&o).contains("warning: "),
            "{sample}\n{}",
            stderr(&o)
        );
    }
}
