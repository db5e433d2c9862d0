//! `postmortem-tracker can FILE` as a user runs it.

use std::path::PathBuf;

fn seed003() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/seeds");
    let found = std::fs::read_dir(&dir).ok().and_then(|d| {
        d.filter_map(|e| e.ok()).map(|e| e.path()).find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("003_"))
        })
    });
    if found.is_none() {
        eprintln!("skipped: seed 003 not found under {}", dir.display());
    }
    found
}

fn run(args: &[&str], cwd: &std::path::Path) -> (i32, String, String) {
    crate::support::run(
        crate::support::command()
            .args(args)
            .current_dir(cwd)
            .env_remove("POSTMORTEM_TRACKER_TEMPLATES_DIR"),
    )
}

#[test]
fn markdown_json_and_as_of() {
    let Some(seed) = seed003() else { return };
    let seed = seed.to_str().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let (code, md, err) = run(&["can", seed], cwd.path());
    assert_eq!(code, 0, "{err}");
    assert!(md.contains("## Conditions") && md.contains("## Needs"));
    assert!(md.contains("[07:17:00]"));

    let (code, early, _) = run(&["can", seed, "--at", "05:00:00"], cwd.path());
    assert_eq!(code, 0);
    assert!(early.contains("as of 05:00:00"));
    assert!(
        !early.contains("[05:08:05") && !early.contains("07:17:00"),
        "{early}"
    );

    let (code, json, _) = run(
        &["can", seed, "--format", "json", "--at", "05:00"],
        cwd.path(),
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["as_of"], "05:00:00");
    assert_eq!(v["entries_used"], 7);

    let (code, _, err) = run(&["can", seed, "--at", "5 o'clock"], cwd.path());
    assert_eq!(code, 2);
    assert!(err.contains("not a time of day"), "{err}");
    let (code, _, err) = run(&["can", "no-such-file.txt"], cwd.path());
    assert_eq!(code, 2);
    assert!(err.contains("no-such-file.txt"), "{err}");
}

#[test]
fn the_can_template_is_overridden_from_the_flag_or_the_configuration() {
    let Some(seed) = seed003() else { return };
    let seed = seed.to_str().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let dir = cwd.path().join("my-templates");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("can_report.hbs"),
        "{{#each needs}}NEED {{#each cites}}{{time}}{{/each}}\n{{/each}}",
    )
    .unwrap();
    let (code, out, err) = run(
        &["can", seed, "--templates", dir.to_str().unwrap()],
        cwd.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("NEED 03:39:25\n"), "{out}");
    assert!(!out.contains("## Conditions"));

    std::fs::write(
        cwd.path().join(".postmortem-tracker.toml"),
        "templates_dir = \"my-templates\"\n",
    )
    .unwrap();
    let (code, out2, err) = run(&["can", seed], cwd.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, out2);

    std::fs::write(
        dir.join("can_report.hbs"),
        "{{#each needs}}\n{{txet}}\n{{/each}}\n",
    )
    .unwrap();
    let (code, _, err) = run(&["can", seed], cwd.path());
    assert_eq!(code, 2);
    assert!(
        err.contains("template `can_report`") && err.contains("line 2") && err.contains("txet"),
        "{err}"
    );
}

/// A binary file and a file over 64 MiB are skipped with the message every command gives,
/// and no report is printed (exit 2: nothing could be read).
#[test]
fn a_binary_or_huge_file_is_skipped_with_a_message() {
    let cwd = tempfile::tempdir().unwrap();
    let bin = cwd.path().join("capture.txt");
    std::fs::write(&bin, b"09:00 Pete says hello\n\x00\x01\x02 binary").unwrap();
    let (code, out, err) = run(&["can", "capture.txt"], cwd.path());
    assert_eq!(code, 2, "{out}");
    assert_eq!(out, "");
    assert!(
        err.contains("skipped capture.txt: binary file (it contains NUL bytes); no report written"),
        "{err}"
    );

    let huge = cwd.path().join("huge.md");
    let f = std::fs::File::create(&huge).unwrap();
    f.set_len(65 * 1024 * 1024).unwrap();
    let (code, out, err) = run(&["can", "huge.md"], cwd.path());
    assert_eq!(code, 2, "{out}");
    assert_eq!(out, "");
    assert!(
        err.contains("skipped huge.md: 68157440 bytes is over the 64 MiB limit"),
        "{err}"
    );
}

const WRAPPED: &str = "# Disk full\n\n## Timeline\n\n- 09:00 Alerts fire for the primary database.\n- 09:20 Ana frees disk space and writes resume.\n\n## Root Cause\n\nThe primary database had no free disk. Its WAL archive directory shares a volume\nwith the data directory, so the archive filled it.\n";

/// A sentence hard-wrapped over two lines is one cause, citing the line it starts on.
#[test]
fn a_hard_wrapped_sentence_is_one_cause() {
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(cwd.path().join("pm.md"), WRAPPED).unwrap();
    let (code, json, err) = run(&["can", "pm.md", "--format", "json"], cwd.path());
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let causes: Vec<(String, u64)> = v["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["tag"] == "cause")
        .map(|c| {
            (
                c["text"].as_str().unwrap().to_string(),
                c["cites"][0]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        causes.contains(&(
            "Its WAL archive directory shares a volume with the data directory, so the archive filled it."
                .to_string(),
            10
        )),
        "{causes:?}"
    );
    assert!(
        !causes
            .iter()
            .any(|(t, _)| t.starts_with("with the data directory")),
        "{causes:?}"
    );
}

/// `--at` before the first timeline entry: nothing had happened yet, so no entry is read.
#[test]
fn at_before_the_first_entry_reports_none() {
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(cwd.path().join("pm.md"), WRAPPED).unwrap();
    let (code, json, err) = run(
        &["can", "pm.md", "--format", "json", "--at", "08:00"],
        cwd.path(),
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["entries_used"], 0, "{json}");
    assert_eq!(v["entries_total"], 2, "{json}");
    assert_eq!(v["conditions"], serde_json::json!([]), "{json}");
    assert_eq!(v["actions"], serde_json::json!([]), "{json}");
    assert!(
        err.contains(
            "note: pm.md: the timeline begins after 08:00:00: as of then nothing had happened yet"
        ),
        "{err}"
    );
    let (code, json, _) = run(
        &["can", "pm.md", "--format", "json", "--at", "09:00"],
        cwd.path(),
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["entries_used"], 1, "{json}");
}
