//! `github:USER/*` in the service's watch list: the token's own user's repositories are listed
//! with the private ones (`GET /user/repos`), another user's public ones only (all GitHub
//! shows), an organisation's as the token sees them.

use crate::support;

use std::time::Duration;

use postmortem_tracker::forge::github::GitHub;
use support::github::FakeGitHub;
use support::Access;

#[tokio::test]
async fn a_users_own_repositories_include_the_private_ones() {
    let fake = FakeGitHub::start();
    {
        let mut st = fake.state();
        // FakeGitHub::TOKEN is octo-bot's.
        st.add_repo("octo-bot", "private-notes");
        st.add_repo("octo-bot", "public-site").private = false;
        st.add_repo("alice", "private-diary");
        st.add_repo("alice", "public-blog").private = false;
        st.add_token("ghp_alice_token", "alice", Access::Write);
    }
    let url = fake.base_url();
    let t = Duration::from_secs(10);
    let mine = GitHub::repositories_of(&url, "octo-bot", Some(FakeGitHub::TOKEN), t)
        .await
        .unwrap();
    assert_eq!(mine, ["octo-bot/private-notes", "octo-bot/public-site"]);
    // Someone else's: what GitHub shows anyone, the public ones.
    let theirs = GitHub::repositories_of(&url, "alice", Some(FakeGitHub::TOKEN), t)
        .await
        .unwrap();
    assert_eq!(theirs, ["alice/public-blog"]);
    // Alice's own token sees her private repository too; the login's case does not matter.
    let hers = GitHub::repositories_of(&url, "Alice", Some("ghp_alice_token"), t)
        .await
        .unwrap();
    assert_eq!(hers, ["alice/private-diary", "alice/public-blog"]);
    assert_eq!(fake.log().count("GET", "/user/repos"), 2);
}
