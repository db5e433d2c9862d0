//! `sync` against the fake GitHub, what only GitHub has: the binary with `--tracker github`,
//! and its answers to a bad token, a token without permission and a hidden repository. The
//! scenarios both forges share are in `sync_forges.rs`.

use crate::sync_common::*;

use support::github::FakeGitHub;
use support::Access;

use crate::support;

// ------------------------------------------------------------------ the binary

fn bin(
    ws: &std::path::Path,
    fake: &FakeGitHub,
    token: &str,
    args: &[&str],
) -> (i32, String, String) {
    crate::support::run(
        crate::support::command()
            .args(args)
            .args([
                "--tracker",
                "github",
                "--repo",
                REPO,
                "--api-url",
                &fake.base_url(),
            ])
            .arg("--today=2026-01-10")
            .arg("postmortems")
            .current_dir(ws)
            .env_remove("GITHUB_REPOSITORY")
            .env_remove("GITHUB_API_URL")
            .env_remove("GITLAB_TOKEN")
            .env_remove("CI_API_V4_URL")
            .env("GITHUB_TOKEN", token)
            .env("POSTMORTEM_TRACKER_SYNC__MIN_WRITE_INTERVAL_MS", "0")
            .env("POSTMORTEM_TRACKER_SYNC__RETRY_DELAY_MS", "0"),
    )
}

#[test]
fn the_binary_syncs_then_finds_nothing_to_do_and_plans_without_a_token() {
    let fake = FakeGitHub::start_with_owners();
    let ws = workspace();
    let expected = keys_to_track(&load(ws.path())).len();
    let (code, out, err) = bin(ws.path(), &fake, FakeGitHub::TOKEN, &["sync"]);
    assert_eq!(code, 0, "an unknown owner is no failure: {out}\n{err}");
    assert!(
        out.contains(&format!("Sync: {expected} created")),
        "{out}\n{err}"
    );
    assert_all_linked(ws.path());
    let (code, out, err) = bin(
        ws.path(),
        &fake,
        FakeGitHub::TOKEN,
        &["sync", "--format", "json"],
    );
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    assert_eq!(v["created"].as_array().unwrap().len(), 0);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = bin(ws.path(), &fake, "", &["plan", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["action"] != "create"));
}

#[test]
fn bad_token_no_permission_and_missing_repository_each_get_one_clear_message() {
    let fake = FakeGitHub::start_with_owners();
    fake.state()
        .add_token("ghp_readonly_secret", "viewer", Access::Read);
    fake.state()
        .add_token("ghp_outsider_secret", "stranger", Access::Hidden);
    let ws = workspace();
    for (token, want) in [
        ("ghp_wrong_secret", "GITHUB_TOKEN was rejected by GitHub"),
        (
            "ghp_readonly_secret",
            "GITHUB_TOKEN may not do this on acme/svc (403",
        ),
        ("ghp_outsider_secret", "repository acme/svc was not found"),
    ] {
        let (code, out, err) = bin(ws.path(), &fake, token, &["sync"]);
        assert_eq!(code, 2, "{token}: {out}\n{err}");
        assert!(err.contains(want), "{token}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one message: {err}");
        assert!(
            !err.contains(token) && !out.contains(token),
            "token printed: {err}"
        );
    }
    let (code, _, err) = bin(ws.path(), &fake, "", &["sync"]);
    assert_eq!(code, 2);
    assert!(err.contains("no GITHUB_TOKEN"), "{err}");
    assert!(fake.state().repo("acme", "svc").issues.is_empty());
}
