//! The fake GitHub and GitLab servers, proven with the real clients: octocrab and the `gitlab`
//! crate talk to them over loopback and must deserialise every answer, observe every fault as
//! the real forge presents it, and leave the state a test can check.

use crate::support;

use std::time::{Duration, Instant};

use octocrab::models::IssueState;
use octocrab::params;
use octocrab::service::middleware::retry::RetryConfig;
use octocrab::Octocrab;
use support::github::FakeGitHub;
use support::{Access, Fault};

const O: &str = "acme";
const R: &str = "svc";

fn octo(fake: &FakeGitHub, token: &str) -> Octocrab {
    Octocrab::builder()
        .base_uri(fake.base_url())
        .expect("base uri")
        .personal_token(token.to_owned())
        .add_retry_config(RetryConfig::None)
        .set_read_timeout(Some(Duration::from_secs(5)))
        .build()
        .expect("octocrab client")
}

fn github_status(err: &octocrab::Error) -> Option<u16> {
    match err {
        octocrab::Error::GitHub { source, .. } => Some(source.status_code.as_u16()),
        _ => None,
    }
}

// ------------------------------------------------------------------ GitHub

#[tokio::test]
async fn github_lists_own_issues_by_label_100_a_page_with_pull_requests_included() {
    let fake = FakeGitHub::start();
    {
        let mut st = fake.state();
        for n in 0..250 {
            let state = if n % 5 == 0 { "closed" } else { "open" };
            st.seed_issue(
                (O, R),
                &format!("item {n}"),
                "<!-- pmt -->",
                &["postmortem"],
                state,
            );
        }
        st.seed_issue((O, R), "unrelated", "", &["bug"], "open");
        st.seed_file((O, R), "main", "README.md", "hi");
    }
    let gh = octo(&fake, FakeGitHub::TOKEN);
    // A pull request with the label shows up in the issues listing, as on GitHub.
    let main_sha = fake.state().repo(O, R).branches["main"].clone();
    gh.repos(O, R)
        .create_ref(
            &params::repos::Reference::Branch("pm-writeback".into()),
            main_sha,
        )
        .await
        .unwrap();
    let pr = gh
        .pulls(O, R)
        .create("Write back", "pm-writeback", "main")
        .send()
        .await
        .unwrap();
    gh.issues(O, R)
        .add_labels(pr.number, &["postmortem".to_owned()])
        .await
        .unwrap();
    fake.log().clear();

    let first = gh
        .issues(O, R)
        .list()
        .labels(&["postmortem".to_owned()])
        .state(params::State::All)
        .per_page(100)
        .send()
        .await
        .unwrap();
    assert!(first.next.is_some(), "a Link rel=next header");
    let all = gh.all_pages(first).await.unwrap();
    assert_eq!(all.len(), 251);
    let prs: Vec<_> = all.iter().filter(|i| i.pull_request.is_some()).collect();
    assert_eq!(
        prs.len(),
        1,
        "the pull request is listed with a pull_request key"
    );
    assert_eq!(
        all.iter().filter(|i| i.state == IssueState::Closed).count(),
        50
    );

    let pages = fake.log().all();
    assert_eq!(pages.len(), 3, "251 items at 100 a page is 3 requests");
    assert_eq!(fake.log().count_writes(), 0);
    assert_eq!(pages[0].path, "/repos/acme/svc/issues");
    assert_eq!(pages[0].query_param("per_page").as_deref(), Some("100"));
    assert_eq!(
        pages[0].query_param("labels").as_deref(),
        Some("postmortem")
    );
    // The next pages follow GitHub's Link form.
    let repo_id = fake.state().repo(O, R).id;
    assert_eq!(pages[1].path, format!("/repositories/{repo_id}/issues"));
    assert_eq!(pages[2].query_param("page").as_deref(), Some("3"));
    assert_eq!(pages[2].query_param("state").as_deref(), Some("all"));
}

#[tokio::test]
async fn github_creates_labels_milestones_and_issues_then_closes_and_relabels() {
    let fake = FakeGitHub::start();
    fake.state().add_user("alice");
    let gh = octo(&fake, FakeGitHub::TOKEN);
    let issues = gh.issues(O, R);

    let label = issues
        .create_label("postmortem", "5319e7", "Tracked by postmortem-tracker")
        .await
        .unwrap();
    assert_eq!(label.name, "postmortem");
    let dup = issues
        .create_label("postmortem", "5319e7", "")
        .await
        .unwrap_err();
    assert_eq!(
        github_status(&dup),
        Some(422),
        "an existing label is a validation error"
    );
    assert_eq!(
        issues.get_label("postmortem").await.unwrap().color,
        "5319e7"
    );

    let due = chrono::DateTime::parse_from_rfc3339("2024-04-01T07:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let ms = issues
        .create_milestone("PM-2024-001: database outage")
        .due_on(due)
        .send()
        .await
        .unwrap();
    assert_eq!(ms.number, 1);
    let listed = issues.list_milestones().send().await.unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].due_on, Some(due));

    let created = issues
        .create("Add connection-pool alert")
        .body("<!-- postmortem-tracker key=abc path=pm/001.md -->")
        .labels(vec!["postmortem".into(), "overdue".into()])
        .assignees(vec!["alice".into()])
        .milestone(ms.number as u64)
        .send()
        .await
        .unwrap();
    assert_eq!(created.number, 1);
    assert_eq!(created.assignees[0].login, "alice");
    assert_eq!(created.milestone.as_ref().unwrap().open_issues, Some(1));
    assert!(created.html_url.as_str().ends_with("/acme/svc/issues/1"));

    // Unknown assignee or milestone: 422, nothing created.
    let bad = issues
        .create("x")
        .assignees(vec!["nobody".into()])
        .send()
        .await
        .unwrap_err();
    assert_eq!(github_status(&bad), Some(422));
    assert_eq!(fake.state().repo(O, R).issues.len(), 1);

    let removed = issues.remove_label(1, "overdue").await.unwrap();
    assert_eq!(removed.len(), 1);
    let closed = issues
        .update(1)
        .state(IssueState::Closed)
        .send()
        .await
        .unwrap();
    assert_eq!(closed.state, IssueState::Closed);
    assert_eq!(closed.closed_by.as_ref().unwrap().login, "octo-bot");
    let st = fake.state();
    let issue = st.repo(O, R).issue(1).unwrap();
    assert_eq!(issue.labels, vec!["postmortem"]);
    assert_eq!(issue.state, "closed");
    // "overdue" was created on the fly by the issue create, as GitHub does.
    assert!(st.repo(O, R).labels.iter().any(|l| l.name == "overdue"));
}

#[tokio::test]
async fn github_comments_users_and_repository() {
    let fake = FakeGitHub::start();
    fake.state()
        .seed_issue((O, R), "item", "", &["postmortem"], "open");
    let gh = octo(&fake, FakeGitHub::TOKEN);
    let me = gh.current().user().await.unwrap();
    assert_eq!(me.login, "octo-bot");
    let repo = gh.repos(O, R).get().await.unwrap();
    assert_eq!(repo.full_name.as_deref(), Some("acme/svc"));
    assert_eq!(repo.default_branch.as_deref(), Some("main"));

    for n in 0..3 {
        gh.issues(O, R)
            .create_comment(1, format!("reminder {n} <!-- pmt:reminder -->"))
            .await
            .unwrap();
    }
    let comments = gh.issues(O, R).list_comments(1).send().await.unwrap();
    assert_eq!(comments.items.len(), 3);
    assert_eq!(
        comments.items[0].body.as_deref(),
        Some("reminder 0 <!-- pmt:reminder -->")
    );
    let edited = gh
        .issues(O, R)
        .update_comment(comments.items[2].id, "edited")
        .await
        .unwrap();
    assert_eq!(edited.body.as_deref(), Some("edited"));
    let issue = gh.issues(O, R).get(1).await.unwrap();
    assert_eq!(issue.comments, 3);
    assert!(gh.issues(O, R).get(99).await.is_err());
}

#[tokio::test]
async fn github_bad_token_read_only_token_and_hidden_repository() {
    let fake = FakeGitHub::start();
    fake.state().add_token("read-only", "viewer", Access::Read);
    fake.state()
        .add_token("outsider", "stranger", Access::Hidden);

    let err = octo(&fake, "wrong").current().user().await.unwrap_err();
    match &err {
        octocrab::Error::GitHub { source, .. } => {
            assert_eq!(source.status_code.as_u16(), 401);
            assert_eq!(source.message, "Bad credentials");
        }
        other => panic!("expected a GitHub error, got {other:?}"),
    }
    let ro = octo(&fake, "read-only");
    ro.issues(O, R).list().send().await.unwrap();
    let err = ro.issues(O, R).create("x").send().await.unwrap_err();
    assert_eq!(github_status(&err), Some(403));
    let err = octo(&fake, "outsider").repos(O, R).get().await.unwrap_err();
    assert_eq!(github_status(&err), Some(404));
    assert!(fake.state().repo(O, R).issues.is_empty());
    // No log entry carries the token.
    assert!(fake
        .log()
        .all()
        .iter()
        .all(|r| !r.body.contains("read-only")));
}

#[tokio::test]
async fn github_rate_limit_headers_and_exhaustion() {
    let fake = FakeGitHub::start();
    fake.state().rate_remaining = 2;
    let gh = octo(&fake, FakeGitHub::TOKEN);
    let rsp = gh
        ._get(format!("{}/repos/acme/svc", fake.base_url()))
        .await
        .unwrap();
    assert_eq!(rsp.headers()["x-ratelimit-remaining"], "1");
    assert!(rsp.headers().contains_key("x-ratelimit-reset"));
    let rl = gh.ratelimit().get().await.unwrap();
    assert_eq!(rl.resources.core.remaining, 0);
    let err = gh.repos(O, R).get().await.unwrap_err();
    match &err {
        octocrab::Error::GitHub { source, .. } => {
            assert_eq!(source.status_code.as_u16(), 403);
            assert!(source.message.starts_with("API rate limit exceeded"));
            let h = source.headers.as_ref().expect("headers kept");
            assert_eq!(h["x-ratelimit-remaining"], "0");
        }
        other => panic!("expected a GitHub error, got {other:?}"),
    }
}

#[tokio::test]
async fn github_faults_as_the_client_sees_them() {
    let fake = FakeGitHub::start();
    let gh = octo(&fake, FakeGitHub::TOKEN);
    let issues_path = "/repos/acme/svc/issues";

    // 502 without applying.
    fake.faults().on("POST", issues_path, Fault::Status(502), 1);
    let err = gh.issues(O, R).create("a").send().await.unwrap_err();
    assert_eq!(github_status(&err), Some(502));
    assert!(fake.state().repo(O, R).issues.is_empty());

    // Applied, then 502: the issue exists although the client saw a failure.
    fake.faults()
        .on("POST", issues_path, Fault::ApplyThenStatus(502), 1);
    let err = gh.issues(O, R).create("b").send().await.unwrap_err();
    assert_eq!(github_status(&err), Some(502));
    assert_eq!(fake.state().repo(O, R).issues.len(), 1);

    // Dropped connection: a transport error, not an HTTP status.
    fake.faults().on("GET", issues_path, Fault::Drop, 1);
    let err = gh.issues(O, R).list().send().await.unwrap_err();
    assert_eq!(github_status(&err), None, "{err:?}");

    // Applied then dropped: a timeout-like failure after the write landed.
    fake.faults()
        .on("POST", issues_path, Fault::ApplyThenDrop, 1);
    assert!(gh.issues(O, R).create("c").send().await.is_err());
    assert_eq!(fake.state().repo(O, R).issues.len(), 2);

    // Secondary rate limit: 403 with retry-after.
    fake.faults().on(
        "POST",
        issues_path,
        Fault::SecondaryRateLimit {
            retry_after_secs: 7,
        },
        1,
    );
    let err = gh.issues(O, R).create("d").send().await.unwrap_err();
    match &err {
        octocrab::Error::GitHub { source, .. } => {
            assert_eq!(source.status_code.as_u16(), 403);
            assert!(source.message.contains("secondary rate limit"));
            assert_eq!(source.headers.as_ref().unwrap()["retry-after"], "7");
        }
        other => panic!("expected a GitHub error, got {other:?}"),
    }

    // 429 with retry-after.
    fake.faults().on(
        "GET",
        issues_path,
        Fault::TooManyRequests {
            retry_after_secs: 3,
        },
        1,
    );
    let err = gh.issues(O, R).list().send().await.unwrap_err();
    match &err {
        octocrab::Error::GitHub { source, .. } => {
            assert_eq!(source.status_code.as_u16(), 429);
            assert_eq!(source.headers.as_ref().unwrap()["retry-after"], "3");
        }
        other => panic!("expected a GitHub error, got {other:?}"),
    }

    // Slow answer, then a client read timeout shorter than the delay.
    fake.faults().on(
        "GET",
        issues_path,
        Fault::Delay(Duration::from_millis(300)),
        1,
    );
    let t = Instant::now();
    gh.issues(O, R).list().send().await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(300));
    fake.faults()
        .on("GET", issues_path, Fault::Delay(Duration::from_secs(2)), 1);
    let impatient = Octocrab::builder()
        .base_uri(fake.base_url())
        .unwrap()
        .personal_token(FakeGitHub::TOKEN.to_owned())
        .add_retry_config(RetryConfig::None)
        .set_read_timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    assert!(impatient.issues(O, R).list().send().await.is_err());

    // By request index: the very next request.
    // Indexes count arrivals: the timed-out request above has one although it is not logged yet.
    let next = fake.log().len() + 1;
    fake.faults().at_request(next, Fault::Status(500));
    let err = gh.repos(O, R).get().await.unwrap_err();
    assert_eq!(github_status(&err), Some(500));

    let log = fake.log().all();
    assert!(
        log.iter().any(|r| r.status == 0 && r.fault.is_some()),
        "drops logged with status 0"
    );
    assert_eq!(fake.log().count("POST", issues_path), 4);
}

#[tokio::test]
async fn github_octocrab_default_retry_resends_a_create_answered_502() {
    // The measured hazard of DEPENDENCIES.md, reproduced: with retries on, one create answered
    // 502 after applying becomes several issues.
    let fake = FakeGitHub::start();
    let gh = Octocrab::builder()
        .base_uri(fake.base_url())
        .unwrap()
        .personal_token(FakeGitHub::TOKEN.to_owned())
        .build()
        .unwrap();
    fake.faults().always(
        "POST",
        "/repos/acme/svc/issues",
        Fault::ApplyThenStatus(502),
    );
    assert!(gh.issues(O, R).create("once").send().await.is_err());
    let sent = fake.log().count("POST", "/repos/acme/svc/issues");
    assert!(
        sent > 1,
        "octocrab's default retry re-sent the POST ({sent})"
    );
    assert_eq!(fake.state().repo(O, R).issues.len(), sent);
}

#[tokio::test]
async fn github_random_faults_are_seeded_and_bounded() {
    let run = |seed| async move {
        let fake = FakeGitHub::start();
        fake.faults()
            .random(seed, 0.3, vec![Fault::Status(502), Fault::Drop], 10);
        let gh = octo(&fake, FakeGitHub::TOKEN);
        let mut outcomes = Vec::new();
        for _ in 0..60 {
            outcomes.push(gh.repos(O, R).get().await.is_ok());
        }
        (outcomes, fake.faults().random_injected())
    };
    let (a, injected) = run(7).await;
    let (b, _) = run(7).await;
    assert_eq!(a, b, "same seed, same faults");
    assert_eq!(injected, 10, "bounded at max");
    assert_eq!(a.iter().filter(|ok| !**ok).count(), 10);
    assert!(
        a[50..].iter().all(|ok| *ok),
        "after the bound, everything succeeds"
    );
}

#[tokio::test]
async fn github_contents_get_and_put_with_sha_conflicts() {
    let fake = FakeGitHub::start();
    let sha = fake.state().seed_file(
        (O, R),
        "main",
        "postmortems/2024-01 db.md",
        "# DB\n- [ ] fix\n",
    );
    let gh = octo(&fake, FakeGitHub::TOKEN);
    let repos = gh.repos(O, R);
    let path = "postmortems/2024-01%20db.md"; // octocrab does not encode the path
    let items = repos
        .get_content()
        .path(path)
        .r#ref("main")
        .send()
        .await
        .unwrap();
    let file = &items.items[0];
    assert_eq!(file.sha, sha);
    assert_eq!(file.decoded_content().unwrap(), "# DB\n- [ ] fix\n");

    let stale = repos
        .update_file(
            path,
            "pmt: status [skip ci]",
            "changed",
            "0000000000000000000000000000000000000000",
        )
        .branch("main")
        .send()
        .await
        .unwrap_err();
    assert_eq!(github_status(&stale), Some(409));
    let updated = repos
        .update_file(path, "pmt: status [skip ci]", "# DB\n- [x] fix\n", &sha)
        .branch("main")
        .send()
        .await
        .unwrap();
    assert_ne!(updated.content.sha, sha);
    let again = repos
        .update_file(path, "pmt: again", "x", &sha)
        .branch("main")
        .send()
        .await
        .unwrap_err();
    assert_eq!(github_status(&again), Some(409), "the old sha is now stale");
    let created = repos
        .create_file("postmortems/new.md", "add", "new")
        .branch("main")
        .send()
        .await
        .unwrap();
    assert_eq!(created.content.path, "postmortems/new.md");
    assert!(repos_missing_file_is_404(&fake).await);
    // The fake cannot answer while a test holds its state: check it last (clippy's
    // await_holding_lock catches a guard held across an await).
    let st = fake.state();
    let repo = st.repo(O, R);
    assert_eq!(
        repo.file_text("main", "postmortems/2024-01 db.md").unwrap(),
        "# DB\n- [x] fix\n"
    );
    assert_eq!(repo.commits[0].message, "pmt: status [skip ci]");
}

async fn repos_missing_file_is_404(fake: &FakeGitHub) -> bool {
    let gh = octo(fake, FakeGitHub::TOKEN);
    let err = gh
        .repos(O, R)
        .get_content()
        .path("nope.md")
        .send()
        .await
        .unwrap_err();
    github_status(&err) == Some(404)
}

#[tokio::test]
async fn github_branches_and_pull_requests() {
    let fake = FakeGitHub::start();
    fake.state().seed_file((O, R), "main", "pm.md", "text");
    let gh = octo(&fake, FakeGitHub::TOKEN);
    let main = gh
        .repos(O, R)
        .get_ref(&params::repos::Reference::Branch("main".into()))
        .await
        .unwrap();
    let sha = match main.object {
        octocrab::models::repos::Object::Commit { sha, .. } => sha,
        other => panic!("unexpected ref object {other:?}"),
    };
    gh.repos(O, R)
        .create_ref(
            &params::repos::Reference::Branch("pmt/status".into()),
            sha.clone(),
        )
        .await
        .unwrap();
    let dup = gh
        .repos(O, R)
        .create_ref(&params::repos::Reference::Branch("pmt/status".into()), sha)
        .await
        .unwrap_err();
    assert_eq!(github_status(&dup), Some(422));
    assert_eq!(
        fake.state()
            .repo(O, R)
            .file_text("pmt/status", "pm.md")
            .unwrap(),
        "text"
    );

    let pr = gh
        .pulls(O, R)
        .create("postmortem status", "pmt/status", "main")
        .body("sticky")
        .send()
        .await
        .unwrap();
    let again = gh
        .pulls(O, R)
        .create("postmortem status", "pmt/status", "main")
        .send()
        .await
        .unwrap_err();
    assert_eq!(github_status(&again), Some(422), "one open PR per head");
    let found = gh
        .pulls(O, R)
        .list()
        .head("acme:pmt/status")
        .state(params::State::Open)
        .send()
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].number, pr.number);
    let updated = gh
        .pulls(O, R)
        .update(pr.number)
        .body("updated sticky")
        .send()
        .await
        .unwrap();
    assert_eq!(updated.body.as_deref(), Some("updated sticky"));
    // Sticky PR comments use the issue-comment API on the PR number.
    gh.issues(O, R)
        .create_comment(pr.number, "plan")
        .await
        .unwrap();
    assert_eq!(fake.state().repo(O, R).comments_on(pr.number).len(), 1);
    let none = gh
        .pulls(O, R)
        .list()
        .head("acme:other")
        .send()
        .await
        .unwrap();
    assert!(none.items.is_empty());
}

// ------------------------------------------------------------------ GitLab

mod gl {
    //! The `gitlab` crate's async client against the fake GitLab.

    use std::borrow::Cow;

    use gitlab::api::projects::issues as gl_issues;
    use gitlab::api::{self, AsyncQuery, Pagination};
    use gitlab::{AsyncGitlab, GitlabBuilder};
    use serde::Deserialize;

    use super::support::gitlab::FakeGitLab;
    use super::support::{Access, Fault};

    const P: &str = "acme/svc";

    /// Just the fields an adapter reads; the crate leaves response types to the caller.
    #[derive(Debug, Deserialize)]
    pub struct Issue {
        pub iid: u64,
        pub title: String,
        pub state: String,
        pub labels: Vec<String>,
        pub due_date: Option<String>,
        pub assignees: Vec<User>,
        pub milestone: Option<Milestone>,
        pub web_url: String,
        pub closed_by: Option<User>,
    }

    #[derive(Debug, Deserialize)]
    pub struct User {
        pub id: u64,
        pub username: String,
    }

    #[derive(Debug, Deserialize)]
    pub struct Milestone {
        pub id: u64,
        pub title: String,
        pub due_date: Option<String>,
        pub expired: Option<bool>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Note {
        pub id: u64,
        pub body: String,
        pub author: User,
    }

    #[derive(Debug, Deserialize)]
    pub struct Label {
        pub name: String,
        pub color: String,
    }

    #[derive(Debug, Deserialize)]
    pub struct File {
        pub content: String,
        pub last_commit_id: String,
        pub blob_id: String,
    }

    #[derive(Debug, Deserialize)]
    pub struct MergeRequest {
        pub iid: u64,
        pub source_branch: String,
        pub state: String,
        pub description: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Commit {
        pub id: String,
        pub message: String,
    }

    /// `GET /projects/:id/milestones?title=`: the crate has no endpoint for it, so an adapter
    /// writes this one.
    pub struct ProjectMilestones<'a> {
        pub project: &'a str,
        pub title: Option<&'a str>,
    }

    impl api::Endpoint for ProjectMilestones<'_> {
        fn method(&self) -> hyper::Method {
            hyper::Method::GET
        }
        fn endpoint(&self) -> Cow<'static, str> {
            format!(
                "projects/{}/milestones",
                api::common::path_escaped(self.project)
            )
            .into()
        }
        fn parameters(&self) -> api::QueryParams<'_> {
            let mut p = api::QueryParams::default();
            p.push_opt("title", self.title);
            p
        }
    }
    impl api::Pageable for ProjectMilestones<'_> {}

    pub async fn client(
        fake: &FakeGitLab,
        token: &str,
    ) -> Result<AsyncGitlab, gitlab::GitlabError> {
        GitlabBuilder::new(fake.host(), token)
            .insecure()
            .build_async()
            .await
    }

    fn api_status<E: std::error::Error + Send + Sync + 'static>(
        err: &api::ApiError<E>,
    ) -> Option<u16> {
        match err {
            api::ApiError::GitlabWithStatus { status, .. }
            | api::ApiError::GitlabService { status, .. }
            | api::ApiError::GitlabObjectWithStatus { status, .. }
            | api::ApiError::GitlabUnrecognizedWithStatus { status, .. } => Some(status.as_u16()),
            _ => None,
        }
    }

    #[tokio::test]
    async fn gitlab_client_build_calls_current_user_and_bad_token_is_401() {
        let fake = FakeGitLab::start();
        let c = client(&fake, FakeGitLab::TOKEN).await.unwrap();
        assert_eq!(fake.log().count("GET", "/api/v4/user"), 1);
        let me: User = api::users::CurrentUser::builder()
            .build()
            .unwrap()
            .query_async(&c)
            .await
            .unwrap();
        assert_eq!(me.username, "tracker-bot");

        let Err(err) = client(&fake, "wrong").await else {
            panic!("a bad token must fail to build a client");
        };
        assert!(format!("{err}").contains("401"), "{err}");
        let logged = fake.log().matching("GET", "/api/v4/user");
        assert_eq!(logged.last().unwrap().status, 401);
    }

    #[tokio::test]
    async fn gitlab_lists_own_issues_by_label_100_a_page() {
        let fake = FakeGitLab::start();
        {
            let mut st = fake.state();
            for n in 0..230 {
                let state = if n % 4 == 0 { "closed" } else { "opened" };
                st.seed_issue(
                    P,
                    &format!("item {n}"),
                    "<!-- pmt -->",
                    &["postmortem"],
                    state,
                );
            }
            st.seed_issue(P, "other", "", &["bug"], "opened");
        }
        let c = client(&fake, FakeGitLab::TOKEN).await.unwrap();
        fake.log().clear();
        let endpoint = api::issues::ProjectIssues::builder()
            .project(P)
            .labels(["postmortem"])
            .build()
            .unwrap();
        let all: Vec<Issue> = api::paged(endpoint, Pagination::All)
            .query_async(&c)
            .await
            .unwrap();
        assert_eq!(all.len(), 230);
        assert_eq!(all.iter().filter(|i| i.state == "closed").count(), 58);
        let pages = fake.log().all();
        assert_eq!(pages.len(), 3, "230 items at 100 a page");
        assert_eq!(pages[0].path, "/api/v4/projects/acme%2Fsvc/issues");
        assert_eq!(pages[0].query_param("per_page").as_deref(), Some("100"));
        assert_eq!(
            pages[0].query_param("labels").as_deref(),
            Some("postmortem")
        );
        assert_eq!(pages[2].query_param("page").as_deref(), Some("3"));
    }

    #[tokio::test]
    async fn gitlab_pagination_headers_match_gitlab() {
        let fake = FakeGitLab::start();
        for n in 0..45 {
            fake.state()
                .seed_issue(P, &format!("i{n}"), "", &["postmortem"], "opened");
        }
        let c = client(&fake, FakeGitLab::TOKEN).await.unwrap();
        let endpoint = api::issues::ProjectIssues::builder()
            .project(42)
            .build()
            .unwrap();
        // Raw access to see the headers an adapter may use.
        let rsp = api::raw(endpoint).query_async(&c).await.unwrap();
        let page1: Vec<serde_json::Value> = serde_json::from_slice(&rsp).unwrap();
        assert_eq!(page1.len(), 20, "GitLab's default page is 20");
        let hdr = fake.log().all().last().unwrap().clone();
        assert_eq!(hdr.path, "/api/v4/projects/42/issues");
        // Headers themselves are checked through a plain request.
        let (status, h, _) = super::support::raw_get(
            &fake.base_url(),
            "/api/v4/projects/acme%2Fsvc/issues?per_page=20&page=2",
            &[("PRIVATE-TOKEN", FakeGitLab::TOKEN)],
        );
        assert_eq!(status, 200);
        for want in [
            "x-total: 45",
            "x-total-pages: 3",
            "x-page: 2",
            "x-per-page: 20",
            "x-next-page: 3",
            "x-prev-page: 1",
            "ratelimit-limit: 2000",
            "rel=\"next\"",
            "rel=\"prev\"",
        ] {
            assert!(h.contains(want), "{want} missing in\n{h}");
        }
        let (status, h, body) =
            super::support::raw_get(&fake.base_url(), "/api/v4/projects/42/issues", &[]);
        assert_eq!(status, 401);
        assert_eq!(body, r#"{"message":"401 Unauthorized"}"#);
        assert!(h.contains("content-type: application/json"));
    }

    #[tokio::test]
    async fn gitlab_creates_issue_with_assignee_milestone_due_date_then_closes_and_relabels() {
        let fake = FakeGitLab::start();
        let c = client(&fake, FakeGitLab::TOKEN).await.unwrap();

        let users: Vec<User> = api::users::Users::builder()
            .username("alice")
            .build()
            .unwrap()
            .query_async(&c)
            .await
            .unwrap();
        assert_eq!(users.len(), 1);
        let alice = users[0].id;
        let none: Vec<User> = api::users::Users::builder()
            .username("nobody")
            .build()
            .unwrap()
            .query_async(&c)
            .await
            .unwrap();
        assert!(none.is_empty());

        let label: Label = api::projects::labels::CreateLabel::builder()
            .project(P)
            .name("postmortem")
            .color("#5319e7")
            .build()
            .unwrap()
            .query_async(&c)
            .await
            .unwrap();
        assert_eq!(
            (label.name.as_str(), label.color.as_str()),
            ("postmortem", "#5319e7")
        );
        let dup = api::projects::labels::CreateLabel::builder()
            .project(P)
            .name("postmortem")
            .color("#5319e7")
            .build()
            .unwrap()
            .query_async(&c)
            .await
            .map(|_: Label| ())
            .unwrap_err();
        assert_eq!(api_status(&dup), Some(409));

        let ms: Milestone = api::projects::milestones::CreateProjectMilestone::builder()
            .project(P)
            .title("PM-2024-001")
            .due_date(chrono::NaiveDate::from_ymd_opt(2024, 4, 1).unwrap())
            .build()
            .unwrap()
            .query_async(&c)
            .await
            .unwrap();
        let found: Vec<Milestone> = api::paged(
            ProjectMilestones {
                project: P,
                title: Some("PM-2024-001"),
            },
            Pagination::All,
        )
        .query_async(&c)
        .await
        .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, ms.id);
        assert_eq!(found[0].expired, Some(false));
        assert_eq!(found[0].due_date.as_deref(), Some("2024-04-01"));

        let issue: Issue = gl_issues::CreateIssue::builder()
            .project(P)
            .title("Add connection-pool alert")
            .description("<!-- postmortem-tracker key=abc -->")
            .labels(["postmortem", "overdue"])
            .assignee_id(alice)
            .milestone_id(ms.id)
            .due_date(chrono::NaiveDate::from_ymd_opt(2024, 3, 15).unwrap())
            .build()
            .unwrap()
            .query_async(&c)
            .await
            .unwrap();
        assert_eq!(
            (issue.iid, issue.title.as_str()),
            (1, "Add connection-pool alert")
        );
        assert_eq!(issue.due_date.as_deref(), Some("2024-03-15"));
        assert_eq!(issue.assignees[0].username, "alice");
        assert_eq!(issue.milestone.as_ref().unwrap().title, "PM-2024-001");
        assert!(issue.web_url.ends_with("/acme/svc/-/issues/1"));
        let body = &fake
            .log()
            .matching("POST", "/api/v4/projects/acme%2Fsvc/issues")[0]
            .body;
        assert!(
            body.contains("assignee_ids%5B%5D="),
            "form-encoded ids: {body}"
        );

        let edited: Issue = gl_issues::EditIssue::builder()
            .project(P)
            .issue(1)
            .remove_label("overdue")
            .state_event(gl_issues::IssueStateEvent::Close)
            .build()
            .unwrap()
            .query_async(&c)
            .await
            .unwrap();
        assert_eq!(edited.state, "closed");
        assert_eq!(edited.labels, vec!["postmortem"]);
        assert_eq!(edited.closed_by.unwrap().username, "tracker-bot");
        assert!(fake
            .state()
            .project(P)
            .labels
            .iter()
            .any(|l| l.name == "overdue"));
    }

    #[tokio::test]
    async fn gitlab_notes_on_issues() {
        let fake = FakeGitLab::start();
        fake.state()
            .seed_issue(P, "item", "", &["postmortem"], "opened");
        let c = client(&fake, FakeGitLab::TOKEN).await.unwrap();
        for n in 0..3 {
            let _: Note = gl_issues::notes::CreateIssueNote::builder()
                .project(P)
                .issue(1)
                .body(format!("reminder {n}"))
                .build()
                .unwrap()
                .query_async(&c)
                .await
                .unwrap();
        }
        let notes: Vec<Note> = api::paged(
            gl_issues::notes::IssueNotes::builder()
                .project(P)
                .issue(1)
                .build()
                .unwrap(),
            Pagination::All,
        )
        .query_async(&c)
        .await
        .unwrap();
        assert_eq!(notes.len(), 3);
        assert_eq!(
            notes[0].body, "reminder 2",
            "GitLab lists newest first by default"
        );
        assert_eq!(notes[0].author.username, "tracker-bot");
        assert!(notes[0].id > notes[2].id);
        assert_eq!(fake.state().project(P).issue_notes(1).len(), 3);
    }

    #[tokio::test]
    async fn gitlab_read_only_and_hidden_project() {
        let fake = FakeGitLab::start();
        fake.state().add_token("ro", "viewer", Access::Read);
        fake.state().add_token("out", "stranger", Access::Hidden);
        let ro = client(&fake, "ro").await.unwrap();
        let err = gl_issues::CreateIssue::builder()
            .project(P)
            .title("x")
            .build()
            .unwrap()
            .query_async(&ro)
            .await
            .map(|_: Issue| ())
            .unwrap_err();
        assert_eq!(api_status(&err), Some(403));
        let out = client(&fake, "out").await.unwrap();
        let err = api::projects::Project::builder()
            .project(P)
            .build()
            .unwrap()
            .query_async(&out)
            .await
            .map(|_: serde_json::Value| ())
            .unwrap_err();
        assert_eq!(api_status(&err), Some(404));
        let ok: serde_json::Value = api::projects::Project::builder()
            .project(42)
            .build()
            .unwrap()
            .query_async(&ro)
            .await
            .unwrap();
        assert_eq!(ok["path_with_namespace"], "acme/svc");
        assert!(fake.state().project(P).issues.is_empty());
    }

    #[tokio::test]
    async fn gitlab_faults_as_the_client_sees_them() {
        let fake = FakeGitLab::start();
        let c = client(&fake, FakeGitLab::TOKEN).await.unwrap();
        let path = "/api/v4/projects/acme%2Fsvc/issues";
        let create = |t: &'static str| {
            gl_issues::CreateIssue::builder()
                .project(P)
                .title(t)
                .build()
                .unwrap()
        };

        fake.faults().on(
            "POST",
            path,
            Fault::TooManyRequests {
                retry_after_secs: 9,
            },
            1,
        );
        let err = create("a")
            .query_async(&c)
            .await
            .map(|_: Issue| ())
            .unwrap_err();
        match err {
            api::ApiError::GitlabRateLimited {
                retry_after,
                rl_remaining,
                ..
            } => {
                assert_eq!(retry_after.as_secs(), 9);
                assert_eq!(rl_remaining, 0);
            }
            other => panic!("expected a rate-limit error, got {other:?}"),
        }

        fake.faults()
            .on("POST", path, Fault::ApplyThenStatus(502), 1);
        let err = create("b")
            .query_async(&c)
            .await
            .map(|_: Issue| ())
            .unwrap_err();
        assert_eq!(api_status(&err), Some(502));
        assert_eq!(fake.state().project(P).issues.len(), 1, "the create landed");

        fake.faults().on("POST", path, Fault::Status(500), 1);
        let err = create("c")
            .query_async(&c)
            .await
            .map(|_: Issue| ())
            .unwrap_err();
        assert_eq!(api_status(&err), Some(500));

        fake.faults().on("GET", path, Fault::Drop, 1);
        let list = api::issues::ProjectIssues::builder()
            .project(P)
            .build()
            .unwrap();
        let err = list
            .query_async(&c)
            .await
            .map(|_: Vec<Issue>| ())
            .unwrap_err();
        assert_eq!(api_status(&err), None, "a transport error: {err:?}");
        assert_eq!(fake.state().project(P).issues.len(), 1);
    }

    #[tokio::test]
    async fn gitlab_files_with_last_commit_id_conflicts_and_commits() {
        let fake = FakeGitLab::start();
        let first = fake
            .state()
            .seed_file(P, "main", "postmortems/db.md", "- [ ] fix\n");
        let c = client(&fake, FakeGitLab::TOKEN).await.unwrap();
        let file: File = api::projects::repository::files::File::builder()
            .project(P)
            .file_path("postmortems/db.md")
            .ref_("main")
            .build()
            .unwrap()
            .query_async(&c)
            .await
            .unwrap();
        assert_eq!(file.last_commit_id, first);
        assert_eq!(file.blob_id.len(), 40);
        use base64::Engine as _;
        let text = base64::engine::general_purpose::STANDARD
            .decode(&file.content)
            .unwrap();
        assert_eq!(text, b"- [ ] fix\n");
        let logged = fake.log().all().last().unwrap().path.clone();
        assert_eq!(
            logged,
            "/api/v4/projects/acme%2Fsvc/repository/files/postmortems%2Fdb.md"
        );

        let update = |last: &str, content: &'static str| {
            api::projects::repository::files::UpdateFile::builder()
                .project(P)
                .file_path("postmortems/db.md")
                .branch("main")
                .content(content.as_bytes())
                .commit_message("pmt: status [skip ci]")
                .last_commit_id(last.to_owned())
                .build()
                .unwrap()
        };
        let err = update("0000000000000000000000000000000000000000", "x")
            .query_async(&c)
            .await
            .map(|_: serde_json::Value| ())
            .unwrap_err();
        assert_eq!(
            api_status(&err),
            Some(400),
            "a stale last_commit_id is a 400"
        );
        let ok: serde_json::Value = update(&first, "- [x] fix\n").query_async(&c).await.unwrap();
        assert_eq!(ok["file_path"], "postmortems/db.md");
        let err = update(&first, "again")
            .query_async(&c)
            .await
            .map(|_: serde_json::Value| ())
            .unwrap_err();
        assert_eq!(api_status(&err), Some(400), "the first id is stale now");

        // Commits API: several files in one commit, with the same conflict check.
        use api::projects::repository::commits::{CommitAction, CommitActionType, CreateCommit};
        let head = fake.state().project(P).branches["main"].clone();
        let last = fake.state().project(P).files
            [&("main".to_owned(), "postmortems/db.md".to_owned())]
            .last_commit_id
            .clone();
        assert_eq!(head, last);
        let commit: Commit = CreateCommit::builder()
            .project(P)
            .branch("main")
            .commit_message("pmt: status block [skip ci]")
            .action(
                CommitAction::builder()
                    .action(CommitActionType::Update)
                    .file_path("postmortems/db.md")
                    .content(b"- [x] fix\n<!-- status -->\n".as_slice())
                    .last_commit_id(last.clone())
                    .build()
                    .unwrap(),
            )
            .action(
                CommitAction::builder()
                    .action(CommitActionType::Create)
                    .file_path("postmortems/index.md")
                    .content(b"index\n".as_slice())
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap()
            .query_async(&c)
            .await
            .unwrap();
        assert_eq!(commit.message, "pmt: status block [skip ci]");
        let st = fake.state();
        let proj = st.project(P);
        assert_eq!(
            proj.file_text("main", "postmortems/index.md").unwrap(),
            "index\n"
        );
        assert_eq!(proj.branches["main"], commit.id);
    }

    #[tokio::test]
    async fn gitlab_branches_and_merge_requests() {
        let fake = FakeGitLab::start();
        fake.state().seed_file(P, "main", "pm.md", "text");
        let c = client(&fake, FakeGitLab::TOKEN).await.unwrap();
        let _: serde_json::Value = api::projects::repository::branches::CreateBranch::builder()
            .project(P)
            .branch("pmt/status")
            .ref_("main")
            .build()
            .unwrap()
            .query_async(&c)
            .await
            .unwrap();
        assert_eq!(
            fake.state()
                .project(P)
                .file_text("pmt/status", "pm.md")
                .unwrap(),
            "text"
        );

        let create = || {
            api::projects::merge_requests::CreateMergeRequest::builder()
                .project(P)
                .source_branch("pmt/status")
                .target_branch("main")
                .title("postmortem status")
                .description("sticky")
                .build()
                .unwrap()
        };
        let mr: MergeRequest = create().query_async(&c).await.unwrap();
        assert_eq!(mr.iid, 1);
        let err = create()
            .query_async(&c)
            .await
            .map(|_: MergeRequest| ())
            .unwrap_err();
        assert_eq!(api_status(&err), Some(409), "one open MR per source branch");

        let found: Vec<MergeRequest> = api::projects::merge_requests::MergeRequests::builder()
            .project(P)
            .source_branch("pmt/status")
            .state(api::merge_requests::MergeRequestState::Opened)
            .build()
            .unwrap()
            .query_async(&c)
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].source_branch, "pmt/status");
        let edited: MergeRequest = api::projects::merge_requests::EditMergeRequest::builder()
            .project(P)
            .merge_request(1)
            .description("updated sticky")
            .build()
            .unwrap()
            .query_async(&c)
            .await
            .unwrap();
        assert_eq!(edited.description.as_deref(), Some("updated sticky"));
        assert_eq!(edited.state, "opened");
        let _: Note = api::projects::merge_requests::notes::CreateMergeRequestNote::builder()
            .project(P)
            .merge_request(1)
            .body("plan")
            .build()
            .unwrap()
            .query_async(&c)
            .await
            .unwrap();
        assert_eq!(fake.state().project(P).notes.len(), 1);
    }
}

/// A blocking test (as the binary's tests will be) uses the fakes without a runtime of its own.
#[test]
fn fakes_serve_blocking_tests_and_send_github_link_headers() {
    let fake = FakeGitHub::start();
    for n in 0..5 {
        fake.state()
            .seed_issue((O, R), &format!("i{n}"), "", &["postmortem"], "open");
    }
    let auth = format!("Bearer {}", FakeGitHub::TOKEN);
    let (status, head, body) = support::raw_get(
        &fake.base_url(),
        "/repos/acme/svc/issues?labels=postmortem&state=all&per_page=2&page=2",
        &[("Authorization", auth.as_str())],
    );
    assert_eq!(status, 200);
    let items: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(items.len(), 2);
    let id = fake.state().repo(O, R).id;
    let link = head
        .lines()
        .find(|l| l.starts_with("link:"))
        .expect("a Link header");
    assert!(
        link.contains(&format!("/repositories/{id}/issues?")),
        "{link}"
    );
    assert!(link.contains("page=3>; rel=\"next\""), "{link}");
    assert!(link.contains("page=3>; rel=\"last\""), "{link}");
    assert!(link.contains("page=1>; rel=\"prev\""), "{link}");
    assert!(head.contains("x-ratelimit-remaining: 4999"), "{head}");

    let (status, _, body) = support::raw_get(&fake.base_url(), "/repos/acme/svc/issues", &[]);
    assert_eq!(
        status, 404,
        "a private repository is hidden without a token"
    );
    assert!(body.contains("\"Not Found\""));
    let (status, _, body) = support::raw_get(
        &fake.base_url(),
        "/user",
        &[("Authorization", "Bearer nope")],
    );
    assert_eq!(status, 401);
    assert!(body.contains("Bad credentials"));
    assert_eq!(fake.log().len(), 3);
}

/// GitLab: an answer to a listing that says the budget is spent (`RateLimit-Remaining: 0`,
/// `RateLimit-Reset` two minutes ahead) makes the next request wait until the reset, through
/// the injected sleeper, before it is sent; it then succeeds. Neither listing fails.
#[tokio::test]
async fn gitlab_spent_budget_waits_before_the_next_request() {
    use crate::sync_common::{NoSleep, SyncForge};
    use postmortem_tracker::forge::paced::{Paced, Pacing};
    use support::gitlab::FakeGitLab;

    let fake = FakeGitLab::start();
    let c = fake.client().await;
    let sleeper = NoSleep::default();
    let pacing = Pacing::default();
    let paced = Paced::new(&c, &sleeper, &pacing);
    let issues = "/api/v4/projects/acme%2Fsvc/issues";
    let reset = {
        let mut st = fake.state();
        // The next answer is the last the budget allows.
        st.rate_limit = st.rate_observed + 1;
        st.rate_reset = chrono::Utc::now().timestamp() as u64 + 120;
        st.rate_reset
    };
    assert!(paced.list("postmortem").await.unwrap().is_empty());
    assert!(
        sleeper.0.borrow().is_empty(),
        "the first listing is sent at once"
    );
    assert!(paced.list("postmortem").await.unwrap().is_empty());
    let waits = sleeper.0.borrow().clone();
    assert_eq!(
        waits.len(),
        1,
        "one wait before the second listing: {waits:?}"
    );
    let ahead = reset - chrono::Utc::now().timestamp() as u64;
    assert!(
        waits[0] >= Duration::from_secs(ahead.saturating_sub(5))
            && waits[0] <= Duration::from_secs(120),
        "waited until the reset: {waits:?}"
    );
    assert_eq!(fake.log().count("GET", issues), 2);
}
