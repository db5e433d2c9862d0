//! Reading a repository's postmortems through the forge's API, as the service does (it has no
//! checkout), against the fake GitHub and GitLab: the same files as a local run would pick,
//! parsed the same way; the repository's own `.postmortem-tracker.toml` honoured; clear errors
//! naming the repository and file; every repository of an owner or group.

use crate::support;

use std::time::Duration;

use postmortem_tracker::config::Config;
use postmortem_tracker::forge::browse::Browse;
use postmortem_tracker::forge::github::GitHub;
use postmortem_tracker::forge::gitlab::GitLab;
use postmortem_tracker::forge::TrackerError;
use postmortem_tracker::source::remote::{load, read_config, RemoteError, RemoteInputs};
use support::github::FakeGitHub;
use support::gitlab::FakeGitLab;
use support::Access;

const TIMEOUT: Duration = Duration::from_secs(10);

const DB: &str = "# Database outage\n\n## Summary\n\nThe primary ran out of disk.\n\n\
## Action Items\n\n- [ ] Alert on disk usage @alice due: 2024-03-01\n- [x] Add a read replica @bob\n";
const QUEUE: &str = "# Queue backlog\n\n## Corrective Actions\n\n\
1. Scale the consumers before the sale\n2. Add a dead-letter queue\n";
const NOTES: &str = "Login failures\n\nAction items:\n\n- Rotate the signing key\n";

/// A repository as teams have them: postmortems in `postmortems/` among everything else.
fn repository_files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "README.md",
            b"# svc\n\n## Action Items\n\n- [ ] not a postmortem\n".to_vec(),
        ),
        ("src/main.rs", b"fn main() {}\n".to_vec()),
        (
            "docs/guide.md",
            b"# Guide\n\n## Action Items\n\n- [ ] outside the globs\n".to_vec(),
        ),
        ("postmortems/2024-01-db.md", DB.as_bytes().to_vec()),
        ("postmortems/2024/queue.markdown", QUEUE.as_bytes().to_vec()),
        ("postmortems/notes.txt", NOTES.as_bytes().to_vec()),
        (
            "postmortems/diagram.png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
        ),
        // Binary files that someone named .md: one with bytes that are not UTF-8, one with
        // NUL bytes in otherwise valid UTF-8.
        (
            "postmortems/scan.md",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe".to_vec(),
        ),
        ("postmortems/dump.md", b"core\0dump\0\0\0".to_vec()),
    ]
}

fn default_globs() -> Vec<String> {
    Config::default().paths
}

/// What a user checks: exactly the three postmortems, parsed; the two binaries skipped with
/// the reason; nothing else read.
fn assert_postmortems(inputs: &RemoteInputs) {
    assert_eq!(inputs.branch, "main");
    let paths: Vec<&str> = inputs
        .documents
        .iter()
        .map(|(pm, _)| pm.path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "postmortems/2024-01-db.md",
            "postmortems/2024/queue.markdown",
            "postmortems/notes.txt"
        ]
    );
    let (db, text) = &inputs.documents[0];
    assert_eq!(text, DB);
    assert_eq!(db.title.as_deref(), Some("Database outage"));
    let items: Vec<(&str, Option<&str>, bool)> = db
        .actions
        .iter()
        .map(|a| (a.text.as_str(), a.owner.as_deref(), a.done))
        .collect();
    assert_eq!(
        items,
        [
            ("Alert on disk usage", Some("alice"), false),
            ("Add a read replica", Some("bob"), true)
        ],
        "{:#?}",
        db.actions
    );
    assert_eq!(
        db.actions[0].due.map(|d| d.to_string()).as_deref(),
        Some("2024-03-01")
    );
    let queue: Vec<&str> = inputs.documents[1]
        .0
        .actions
        .iter()
        .map(|a| a.text.as_str())
        .collect();
    assert_eq!(
        queue,
        [
            "Scale the consumers before the sale",
            "Add a dead-letter queue"
        ]
    );
    let notes: Vec<&str> = inputs.documents[2]
        .0
        .actions
        .iter()
        .map(|a| a.text.as_str())
        .collect();
    assert_eq!(notes, ["Rotate the signing key"]);

    let mut skipped: Vec<(&str, &str)> = inputs
        .skipped
        .iter()
        .map(|(p, r)| (p.as_str(), r.as_str()))
        .collect();
    skipped.sort();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert_eq!(skipped[0].0, "postmortems/dump.md");
    assert!(skipped[0].1.contains("binary"), "{skipped:?}");
    assert_eq!(skipped[1].0, "postmortems/scan.md");
    assert!(skipped[1].1.contains("UTF-8"), "{skipped:?}");
}

async fn github(fake: &FakeGitHub, repo: &str) -> GitHub {
    GitHub::new(&fake.base_url(), repo, Some(FakeGitHub::TOKEN), TIMEOUT).unwrap()
}

async fn gitlab(fake: &FakeGitLab, project: &str) -> GitLab {
    GitLab::connect(
        &format!("{}/api/v4", fake.base_url()),
        project,
        FakeGitLab::TOKEN,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn github_loads_exactly_the_postmortems_of_a_branch() {
    let fake = FakeGitHub::start();
    for (path, bytes) in repository_files() {
        fake.state()
            .seed_bytes(("acme", "svc"), "main", path, &bytes);
    }
    let gh = github(&fake, "acme/svc").await;
    assert_eq!(gh.origin(), "github:acme/svc");
    let options = Config::default().parse_options();
    let inputs = load(&gh, "main", &default_globs(), &options).await.unwrap();
    assert_postmortems(&inputs);
    // One tree listing, and a read for each selected file only (not README.md, src/, docs/).
    assert_eq!(fake.log().count("GET", "/repos/acme/svc/git/trees/main"), 1);
    assert_eq!(fake.log().count("GET", "/repos/acme/svc/contents/"), 5);
}

#[tokio::test]
async fn gitlab_loads_exactly_the_postmortems_of_a_branch_over_several_pages() {
    let fake = FakeGitLab::start();
    // 150 files that sort before the postmortems, so those are on the second page.
    for i in 0..150 {
        fake.state().seed_file(
            "acme/svc",
            "main",
            &format!("assets/generated/f{i:03}.md"),
            "# generated\n",
        );
    }
    for (path, bytes) in repository_files() {
        fake.state().seed_bytes("acme/svc", "main", path, &bytes);
    }
    let gl = gitlab(&fake, "acme/svc").await;
    assert_eq!(gl.origin(), "gitlab:acme/svc");
    let options = Config::default().parse_options();
    let inputs = load(&gl, "main", &default_globs(), &options).await.unwrap();
    assert_postmortems(&inputs);
    let pages = fake
        .log()
        .matching("GET", "/api/v4/projects/acme%2Fsvc/repository/tree");
    assert!(
        pages.len() >= 2,
        "more than 100 entries take pages: {}",
        pages.len()
    );
    for p in &pages {
        assert_eq!(p.query_param("per_page").as_deref(), Some("100"));
        assert_eq!(p.query_param("recursive").as_deref(), Some("true"));
        assert_eq!(p.query_param("ref").as_deref(), Some("main"));
    }
    assert_eq!(
        fake.log()
            .count("GET", "/api/v4/projects/acme%2Fsvc/repository/files/"),
        5
    );
}

#[tokio::test]
async fn the_repositorys_own_configuration_chooses_the_files() {
    let config = "paths = [\"incidents/**\"]\n[headings]\n\"things to fix\" = \"tasks\"\n";
    let files = [
        (".postmortem-tracker.toml", config),
        (
            "incidents/2024-02-cache.md",
            "# Cache stampede\n\n## Things to fix\n\n- Add jitter to expiry\n",
        ),
        ("postmortems/2024-01-db.md", DB),
    ];
    let gh_fake = FakeGitHub::start();
    let gl_fake = FakeGitLab::start();
    for (path, text) in files {
        gh_fake
            .state()
            .seed_file(("acme", "svc"), "main", path, text);
        gl_fake.state().seed_file("acme/svc", "main", path, text);
    }
    let gh = github(&gh_fake, "acme/svc").await;
    let gl = gitlab(&gl_fake, "acme/svc").await;
    let check = |cfg: &Config, inputs: &RemoteInputs| {
        assert_eq!(cfg.paths, ["incidents/**"]);
        let docs: Vec<(&str, Vec<&str>)> = inputs
            .documents
            .iter()
            .map(|(pm, _)| {
                (
                    pm.path.as_str(),
                    pm.actions.iter().map(|a| a.text.as_str()).collect(),
                )
            })
            .collect();
        // The configured heading synonym makes "Things to fix" an action section.
        assert_eq!(
            docs,
            [("incidents/2024-02-cache.md", vec!["Add jitter to expiry"])]
        );
    };
    let cfg = read_config(&gh, "main", Vec::new()).await.unwrap();
    let inputs = load(&gh, "main", &cfg.paths, &cfg.parse_options())
        .await
        .unwrap();
    check(&cfg, &inputs);
    let cfg = read_config(&gl, "main", Vec::new()).await.unwrap();
    let inputs = load(&gl, "main", &cfg.paths, &cfg.parse_options())
        .await
        .unwrap();
    check(&cfg, &inputs);

    // Without a file: the defaults, and the environment on top, as in the CLI.
    let bare = FakeGitHub::start();
    let gh = github(&bare, "acme/svc").await;
    let env = vec![(
        "POSTMORTEM_TRACKER_PATHS".to_string(),
        "docs/incidents/*.md".to_string(),
    )];
    let cfg = read_config(&gh, "main", env).await.unwrap();
    assert_eq!(cfg.paths, ["docs/incidents/*.md"]);
}

#[tokio::test]
async fn a_bad_configuration_file_is_named_with_its_repository() {
    let bad = "paths = [\"incidents/**\"]\nrequired_sections = [\"rot_cause\"]\n";
    let gh_fake = FakeGitHub::start();
    gh_fake
        .state()
        .seed_file(("acme", "svc"), "main", ".postmortem-tracker.toml", bad);
    let gl_fake = FakeGitLab::start();
    gl_fake.state().seed_file(
        "acme/svc",
        "main",
        ".postmortem-tracker.toml",
        "paths = [\n",
    );

    let gh = github(&gh_fake, "acme/svc").await;
    let e = read_config(&gh, "main", Vec::new()).await.unwrap_err();
    assert!(matches!(e, RemoteError::Config(_)), "{e:?}");
    let e = e.to_string();
    assert!(
        e.starts_with("github:acme/svc:.postmortem-tracker.toml: ") && e.contains("rot_cause"),
        "{e}"
    );

    let gl = gitlab(&gl_fake, "acme/svc").await;
    let e = read_config(&gl, "main", Vec::new())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("gitlab:acme/svc:.postmortem-tracker.toml: "),
        "{e}"
    );

    // A glob the configuration names that cannot be read is named with the repository too.
    let e = load(&gh, "main", &["postmortems/[".into()], &Default::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("github:acme/svc: invalid glob \"postmortems/[\""),
        "{e}"
    );
}

#[tokio::test]
async fn a_missing_repository_or_branch_is_a_clear_error() {
    let gh_fake = FakeGitHub::start();
    let gl_fake = FakeGitLab::start();
    let globs = default_globs();
    let options = Default::default();

    let gh = github(&gh_fake, "acme/nope").await;
    let e = load(&gh, "main", &globs, &options).await.unwrap_err();
    assert!(
        e.tracker_error().is_some_and(TrackerError::is_fatal),
        "{e:?}"
    );
    let e = e.to_string();
    assert!(
        e.starts_with("github:acme/nope: cannot list the files of branch main: not found (404)")
            && e.contains("does not exist"),
        "{e}"
    );
    // The configuration of a missing repository is not an error of its own: the listing says.
    assert_eq!(
        read_config(&gh, "main", Vec::new()).await.unwrap(),
        Config::default()
    );

    let gh = github(&gh_fake, "acme/svc").await;
    let e = load(&gh, "release", &globs, &options)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("branch release") && e.contains("404"), "{e}");

    let gl = gitlab(&gl_fake, "acme/nope").await;
    let e = load(&gl, "main", &globs, &options).await.unwrap_err();
    assert!(
        matches!(e.tracker_error(), Some(TrackerError::NotFound(_))),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("gitlab:acme/nope: cannot list the files of branch main: not found (404)"),
        "{e}"
    );
    let gl = gitlab(&gl_fake, "acme/svc").await;
    let e = load(&gl, "release", &globs, &options)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("Tree Not Found"), "{e}");
}

#[tokio::test]
async fn a_github_repository_without_commits_has_no_postmortems() {
    let fake = FakeGitHub::start();
    fake.state().add_repo("acme", "new").empty = true;
    let gh = github(&fake, "acme/new").await;
    let inputs = load(&gh, "main", &default_globs(), &Default::default())
        .await
        .unwrap();
    assert!(inputs.documents.is_empty() && inputs.skipped.is_empty());
    assert_eq!(fake.log().count("GET", "/repos/acme/new/git/trees/main"), 1);
}

#[tokio::test]
async fn a_tree_too_large_for_one_github_answer_is_refused_not_read_in_part() {
    let fake = FakeGitHub::start();
    for (path, bytes) in repository_files() {
        fake.state()
            .seed_bytes(("acme", "svc"), "main", path, &bytes);
    }
    fake.state().tree_limit = 4;
    let gh = github(&fake, "acme/svc").await;
    let e = load(&gh, "main", &default_globs(), &Default::default())
        .await
        .unwrap_err();
    let shown = e.to_string();
    assert!(
        shown.starts_with("github:acme/svc: cannot list the files of branch main:")
            && shown.contains("too large")
            && shown.contains("truncated"),
        "{shown}"
    );
    assert_eq!(fake.log().count("GET", "/repos/acme/svc/contents/"), 0);
}

#[tokio::test]
async fn a_read_that_fails_on_the_forge_fails_the_load_with_the_file_named() {
    // A 5xx on one file must not drop it silently: the items in it would look removed.
    let fake = FakeGitHub::start();
    for (path, bytes) in repository_files() {
        fake.state()
            .seed_bytes(("acme", "svc"), "main", path, &bytes);
    }
    fake.faults().on(
        "GET",
        "/repos/acme/svc/contents/postmortems/2024",
        support::Fault::Status(502),
        1,
    );
    let gh = github(&fake, "acme/svc").await;
    let e = load(&gh, "main", &default_globs(), &Default::default())
        .await
        .unwrap_err();
    assert!(
        matches!(e.tracker_error(), Some(TrackerError::Transient(_))),
        "{e:?}"
    );
    let e = e.to_string();
    assert!(
        e.starts_with("github:acme/svc:postmortems/2024") && e.contains("on branch main"),
        "{e}"
    );
}

#[tokio::test]
async fn every_repository_of_a_github_organisation_or_user() {
    let fake = FakeGitHub::start();
    {
        let mut st = fake.state();
        st.add_org("acme");
        // 120 more, so the listing takes two pages of 100.
        for i in 0..120 {
            st.add_repo("acme", &format!("r{i:03}"));
        }
        st.add_repo("acme", "old").archived = true;
        st.add_repo("other", "x");
        st.add_repo("alice", "notes").private = false;
        st.add_repo("alice", "secret");
    }
    let url = fake.base_url();
    let token = Some(FakeGitHub::TOKEN);
    let repos = GitHub::repositories_of(&url, "acme", token, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(repos.len(), 121, "{repos:?}");
    assert!(repos.contains(&"acme/svc".to_string()));
    assert!(repos.contains(&"acme/r119".to_string()));
    assert!(!repos
        .iter()
        .any(|r| r == "acme/old" || r.starts_with("other/")));
    assert!(fake.log().count("GET", "/orgs/acme/repos") >= 2);

    // A user, not an organisation: the organisation listing is 404, the user's answers.
    let repos = GitHub::repositories_of(&url, "alice", token, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(repos, ["alice/notes"]);

    let e = GitHub::repositories_of(&url, "nobody", token, TIMEOUT)
        .await
        .unwrap_err();
    assert!(matches!(e, TrackerError::NotFound(_)), "{e:?}");
    let e = GitHub::repositories_of(&url, "../admin", token, TIMEOUT)
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("not a GitHub user or organisation"),
        "{e}"
    );
}

#[tokio::test]
async fn every_project_of_a_gitlab_group_and_its_subgroups() {
    let fake = FakeGitLab::start();
    {
        let mut st = fake.state();
        st.add_project(43, "acme/platform/api");
        st.add_project(44, "acme/old").archived = true;
        st.add_project(45, "other/x");
        for i in 0..110 {
            st.add_project(100 + i, &format!("acme/bulk/p{i:03}"));
        }
    }
    let url = format!("{}/api/v4", fake.base_url());
    let projects = GitLab::repositories_of(&url, "acme", FakeGitLab::TOKEN)
        .await
        .unwrap();
    assert_eq!(projects.len(), 112, "{projects:?}");
    assert_eq!(projects[0], "acme/bulk/p000");
    assert!(projects.contains(&"acme/platform/api".to_string()));
    assert!(projects.contains(&"acme/svc".to_string()));
    assert!(!projects
        .iter()
        .any(|p| p == "acme/old" || p.starts_with("other/")));
    let calls = fake.log().matching("GET", "/api/v4/groups/acme/projects");
    assert!(calls.len() >= 2, "two pages: {}", calls.len());
    assert_eq!(
        calls[0].query_param("include_subgroups").as_deref(),
        Some("true")
    );

    let sub = GitLab::repositories_of(&url, "acme/platform", FakeGitLab::TOKEN)
        .await
        .unwrap();
    assert_eq!(sub, ["acme/platform/api"]);

    let e = GitLab::repositories_of(&url, "nobody", FakeGitLab::TOKEN)
        .await
        .unwrap_err();
    assert!(matches!(e, TrackerError::NotFound(_)), "{e:?}");

    // A token that cannot see the group gets GitLab's 404, not an empty list.
    fake.state()
        .add_token("glpat-hidden", "alice", Access::Hidden);
    let e = GitLab::repositories_of(&url, "acme", "glpat-hidden")
        .await
        .unwrap_err();
    assert!(matches!(e, TrackerError::NotFound(_)), "{e:?}");
}
