//! Every forge client bounds each request by the timeout (`sync.timeout_secs`): a forge that
//! stops answering fails the call as transient (it may have been applied) instead of holding
//! a job or a CI run for good. GitLab's crate has no timeout of its own; the tool adds it.

use crate::support;

use std::time::{Duration, Instant};

use postmortem_tracker::forge::client::{Client, Remote};
use postmortem_tracker::forge::{Tracker, TrackerError};
use support::github::FakeGitHub;
use support::gitlab::FakeGitLab;
use support::service::ServiceForge;
use support::Fault;

async fn a_request_without_an_answer_times_out<F: ServiceForge>() {
    let gh = FakeGitHub::start();
    let gl = FakeGitLab::start();
    let forge = F::pick(&gh, &gl);
    forge.seed("acme/svc", &[]);
    let remote = Remote {
        kind: Some(F::FORGE),
        repo: "acme/svc".into(),
        api_url: forge.api_url(),
        token: Some(F::TOKEN.into()),
        app: None,
    };
    let client = Client::connect(&remote, Duration::from_secs(1))
        .await
        .unwrap();
    let issues = format!("{}issues", F::api_prefix("acme/svc"));
    forge
        .faults()
        .on("GET", &issues, Fault::Delay(Duration::from_secs(4)), 1);
    let started = Instant::now();
    let e = client.list_issues("postmortem").await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "gave up after {:?}",
        started.elapsed()
    );
    assert!(matches!(e, TrackerError::Transient(_)), "{e:?}");
    // The next request, answered in time, goes through.
    assert!(client.list_issues("postmortem").await.is_ok());
}

crate::both_forges!(a_request_without_an_answer_times_out);
