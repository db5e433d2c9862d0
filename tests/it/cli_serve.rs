//! `postmortem-tracker serve`, the real binary: refuses to start without a secret, serves
//! webhooks and metrics on loopback, and stops cleanly on SIGTERM.

use crate::support::command;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support;

use postmortem_tracker::service::store::{Database, JobFilter, JobState, Store};
use postmortem_tracker::service::webhook::github_signature;
use support::github::FakeGitHub;
use support::gitlab::FakeGitLab;
use support::service::{postgres_database, Delivery, ServiceForge};
use support::Fault;

const SECRET: &str = "cli-serve-secret";

fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out.split(' ').nth(1).unwrap().parse().unwrap();
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn refuses_to_start_without_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let out = command()
        .current_dir(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("GITHUB_WEBHOOK_SECRET") && err.contains("GITLAB_WEBHOOK_TOKEN"),
        "{err}"
    );
    assert!(!dir.path().join("postmortem-tracker.sqlite").exists());
}

#[test]
fn bad_repository_flag_is_a_usage_error() {
    let out = command()
        .args(["serve", "--repository", "acme/svc"])
        .env("GITHUB_WEBHOOK_SECRET", SECRET)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("github:OWNER/NAME"), "{err}");
}

/// A running `serve` binary: its address and the lines of its stderr as they come.
struct Running {
    child: Child,
    addr: SocketAddr,
    lines: mpsc::Receiver<String>,
    log: Vec<String>,
}

impl Running {
    /// Starts `cmd` (its stderr piped) and waits (20 s at most) for its listening line.
    fn start(mut cmd: Command) -> Running {
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut log = Vec::new();
        let addr: SocketAddr = loop {
            let line = lines
                .recv_timeout(Duration::from_secs(20))
                .unwrap_or_else(|_| panic!("no listening line; stderr so far: {log:?}"));
            let found = line
                .split("listening on http://")
                .nth(1)
                .map(|a| a.split_whitespace().next().unwrap().parse().unwrap());
            log.push(line);
            if let Some(a) = found {
                break a;
            }
        };
        Running {
            child,
            addr,
            lines,
            log,
        }
    }

    /// `/metrics` until it contains `want` (bounded), or the last answer.
    fn metrics_until(&self, want: &[&str], secs: u64) -> String {
        let start = Instant::now();
        loop {
            let (_, m) = http(self.addr, "GET", "/metrics", &[], b"");
            if want.iter().all(|w| m.contains(w)) || start.elapsed() > Duration::from_secs(secs) {
                return m;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Everything it printed to stderr so far.
    fn stderr(&mut self) -> String {
        self.log.extend(self.lines.try_iter());
        self.log.join("\n")
    }

    /// Sends SIGTERM and waits (10 s at most) for the exit; then every line of stderr.
    #[cfg(unix)]
    fn terminate(&mut self) -> (std::process::ExitStatus, Vec<String>) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let start = Instant::now();
        let exit = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "still running 10 s after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        // The reader thread ends at the pipe's end: every line is in the channel.
        self.log.extend(self.lines.iter());
        (exit, self.log.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signed_push(addr: SocketAddr, delivery: &str, body: &[u8]) -> (u16, String) {
    let sig = github_signature(SECRET.as_bytes(), body);
    let h = [
        ("X-GitHub-Event", "push"),
        ("X-GitHub-Delivery", delivery),
        ("X-Hub-Signature-256", sig.as_str()),
    ];
    http(addr, "POST", "/webhooks/github", &h, body)
}

#[cfg(unix)]
#[test]
fn serves_webhooks_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    // Listen address and database from the configuration file.
    std::fs::write(
        dir.path().join(".postmortem-tracker.toml"),
        "[service]\nlisten = \"127.0.0.1:0\"\ndatabase = \"from-config.sqlite\"\n",
    )
    .unwrap();
    let mut cmd = command();
    cmd.current_dir(dir.path())
        .arg("serve")
        .env("GITHUB_WEBHOOK_SECRET", SECRET);
    let mut svc = Running::start(cmd);
    let addr = svc.addr;
    assert!(
        svc.stderr().contains("GITHUB_TOKEN is not set"),
        "a service that cannot act warns at start: {}",
        svc.stderr()
    );

    assert_eq!(http(addr, "GET", "/healthz", &[], b"").0, 200);
    let ping = br#"{"zen":"Keep it logically awesome.","hook_id":1}"#;
    let sig = github_signature(SECRET.as_bytes(), ping);
    let h = [
        ("X-GitHub-Event", "ping"),
        ("X-GitHub-Delivery", "cli-1"),
        ("X-Hub-Signature-256", sig.as_str()),
    ];
    assert_eq!(
        http(addr, "POST", "/webhooks/github", &h, ping),
        (200, "{\"result\":\"pong\"}".to_string())
    );
    let h = [
        ("X-GitHub-Event", "ping"),
        ("X-GitHub-Delivery", "cli-2"),
        ("X-Hub-Signature-256", "sha256=00"),
    ];
    assert_eq!(http(addr, "POST", "/webhooks/github", &h, ping).0, 401);
    let push = br#"{"ref":"refs/heads/main","repository":{"full_name":"acme/svc","default_branch":"main"}}"#;
    assert_eq!(signed_push(addr, "cli-3", push).0, 202);
    // Without GITHUB_TOKEN the job cannot be done: it ends failed, saying why, not done.
    let metrics = svc.metrics_until(&["postmortem_tracker_jobs{state=\"failed\"} 1"], 10);
    assert!(
        metrics.contains("postmortem_tracker_jobs{state=\"failed\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("postmortem_tracker_jobs{state=\"done\"} 0"),
        "{metrics}"
    );
    let (_, jobs) = http(addr, "GET", "/api/jobs", &[], b"");
    assert!(jobs.contains("no GITHUB_TOKEN"), "{jobs}");

    let (exit, lines) = svc.terminate();
    assert!(exit.success(), "{exit:?}");
    let all = lines.join("\n");
    assert!(all.contains("stopped"), "{all}");
    assert!(!all.contains(SECRET), "the secret leaked: {all}");
    assert!(dir.path().join("from-config.sqlite").is_file());
}

/// Kill -9 with jobs queued and running, start again on the same database: every job runs to
/// its end, and nothing is done twice (each item has one issue; repositories finished before
/// the kill get no request after it).
#[cfg(unix)]
fn killed_with_jobs_queued_then_restarted_runs_each_job_once<F: ServiceForge>() {
    const REPOS: usize = 6;
    let gh = FakeGitHub::start();
    let gl = FakeGitLab::start();
    let forge = F::pick(&gh, &gl);
    for i in 0..REPOS {
        forge.seed(
            &format!("acme/r{i}"),
            &[
                (
                    ".postmortem-tracker.toml",
                    "[sync]\nmin_write_interval_ms = 0\nretry_delay_ms = 0\n",
                ),
                (
                    "postmortems/outage.md",
                    "# Outage\n\n## Action items\n\n- [ ] Add an alert\n- [ ] Write a runbook\n",
                ),
            ],
        );
    }
    // Every write waits: jobs stay running long enough to be killed mid-way. (The prefix of
    // every request about a repository of acme's: `/repos/acme/`, `/api/v4/projects/acme%2F`.)
    let writes = F::api_prefix("acme/").trim_end_matches('/').to_string();
    forge
        .faults()
        .always("POST", &writes, Fault::Delay(Duration::from_millis(150)));
    let dir = tempfile::tempdir().unwrap();
    // The service's own pacing (it, not the repositories, decides how fast the shared token
    // writes): none, so that only the injected delay keeps jobs running.
    std::fs::write(
        dir.path().join(".postmortem-tracker.toml"),
        "[sync]\nmin_write_interval_ms = 0\nretry_delay_ms = 0\n",
    )
    .unwrap();
    let db = dir.path().join("service.sqlite");
    let start = |db: &std::path::Path| {
        let mut cmd = command();
        cmd.current_dir(dir.path())
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--workers",
                "2",
                "--database",
            ])
            .arg(db)
            .args([F::API_URL_FLAG, &forge.api_url()])
            .env(F::SECRET_VAR, SECRET)
            .env(F::TOKEN_VAR, F::TOKEN);
        Running::start(cmd)
    };
    let first = start(&db);
    for i in 0..REPOS {
        let push = F::push(SECRET, &format!("acme/r{i}"), &format!("k-{i}"));
        assert_eq!(deliver(first.addr, &push).0, 202);
    }
    // Kill once at least one job is done and others wait or run.
    first.metrics_until(&["postmortem_tracker_job_runs_total{result=\"done\"}"], 60);
    let mut first = first;
    let _ = first.child.kill(); // SIGKILL: no shutdown, no grace
    let _ = first.child.wait();
    let store = Store::open(&db).unwrap();
    let jobs = store.jobs(&JobFilter::default(), 100).unwrap();
    let done_before: Vec<String> = jobs
        .iter()
        .filter(|j| j.state == JobState::Done)
        .map(|j| j.mark.repo.clone())
        .collect();
    assert!(
        !done_before.is_empty() && done_before.len() < REPOS,
        "the kill should land mid-run: done {done_before:?}"
    );
    drop(store);
    let requests_at_kill = forge.requests().len();

    let second = start(&db);
    let metrics = second.metrics_until(
        &[
            "postmortem_tracker_jobs{state=\"queued\"} 0",
            "postmortem_tracker_jobs{state=\"running\"} 0",
        ],
        120,
    );
    assert!(
        metrics.contains("postmortem_tracker_jobs{state=\"done\"} 6"),
        "{metrics}"
    );
    drop(second);

    for i in 0..REPOS {
        let path = format!("acme/r{i}");
        let issues = forge.issues(&path);
        assert_eq!(issues.len(), 2, "{path}: {issues:?}");
        let text = forge.file_text(&path, "postmortems/outage.md");
        for number in issues.keys() {
            assert!(text.contains(&format!("#{number}")), "{path}:\n{text}");
        }
    }
    let after: Vec<_> = forge
        .requests()
        .all()
        .into_iter()
        .skip(requests_at_kill)
        .collect();
    for repo in &done_before {
        assert!(
            !after
                .iter()
                .any(|r| r.path.starts_with(&F::api_prefix(repo))),
            "{repo} was done before the kill but ran again"
        );
    }
}

#[test]
fn bad_service_configuration_names_file_and_key() {
    for (toml, want) in [
        ("[service]\nlisten = \"localhost\"\n", "service.listen"),
        (
            "[service]\nrepositories = [\"acme\"]\n",
            "service.repositories",
        ),
        ("[service]\nworkers = 0\n", "service.workers"),
        ("[service]\nschedule = \"daily\"\n", "service.schedule"),
        ("[service]\nlease_secs = 0\n", "service.lease_secs"),
        ("[service]\nsecret = \"x\"\n", "secret"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".postmortem-tracker.toml"), toml).unwrap();
        let out = command()
            .current_dir(dir.path())
            .arg("serve")
            .env("GITHUB_WEBHOOK_SECRET", SECRET)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{toml}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(".postmortem-tracker.toml") && err.contains(want),
            "{toml}: {err}"
        );
    }
}

#[test]
fn webhook_secret_from_a_file_named_in_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("gh-secret"), format!("{SECRET}\n")).unwrap();
    std::fs::write(
        dir.path().join(".postmortem-tracker.toml"),
        "[service]\nlisten = \"127.0.0.1:0\"\ngithub_webhook_secret_file = \"gh-secret\"\n",
    )
    .unwrap();
    let mut cmd = command();
    cmd.current_dir(dir.path()).arg("serve");
    let svc = Running::start(cmd);
    let ping = br#"{"zen":"Design for failure.","hook_id":2}"#;
    let sig = github_signature(SECRET.as_bytes(), ping);
    let h = [
        ("X-GitHub-Event", "ping"),
        ("X-GitHub-Delivery", "file-1"),
        ("X-Hub-Signature-256", sig.as_str()),
    ];
    assert_eq!(
        http(svc.addr, "POST", "/webhooks/github", &h, ping),
        (200, "{\"result\":\"pong\"}".to_string())
    );
    drop(svc);

    // A missing file: a usage error naming the key and the path.
    std::fs::write(
        dir.path().join(".postmortem-tracker.toml"),
        "[service]\ngitlab_webhook_token_file = \"nope/token\"\n",
    )
    .unwrap();
    let out = command()
        .current_dir(dir.path())
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("service.gitlab_webhook_token_file") && err.contains("nope/token"),
        "{err}"
    );
}

#[cfg(unix)]
crate::both_forges!(sync
    logs_are_json_lines_naming_the_job_and_never_a_secret,
    killed_with_jobs_queued_then_restarted_runs_each_job_once,
    a_replica_killed_mid_job_leaves_it_to_the_other_after_its_lease,
);

/// Two `serve` processes on one PostgreSQL database, a lease of 2 s: the replica running a job
/// is killed (SIGKILL, no shutdown); the other claims the job once the lease has run out and
/// finishes it, adopting what the first had created (no duplicate issue).
#[cfg(unix)]
fn a_replica_killed_mid_job_leaves_it_to_the_other_after_its_lease<F: ServiceForge>() {
    let Some(db) = postgres_database("kill -9 of a replica") else {
        return;
    };
    let gh = FakeGitHub::start();
    let gl = FakeGitLab::start();
    let forge = F::pick(&gh, &gl);
    let repo = "acme/slow";
    let no_pacing = "[sync]\nmin_write_interval_ms = 0\nretry_delay_ms = 0\n";
    forge.seed(
        repo,
        &[
            (".postmortem-tracker.toml", no_pacing),
            (
                "postmortems/outage.md",
                "# Outage\n\n## Action items\n\n- [ ] Add an alert\n- [ ] Write a runbook\n",
            ),
        ],
    );
    // Every write waits: the job runs for seconds.
    let writes = F::api_prefix("acme/").trim_end_matches('/').to_string();
    forge
        .faults()
        .always("POST", &writes, Fault::Delay(Duration::from_millis(1200)));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".postmortem-tracker.toml"),
        format!("{no_pacing}[service]\nlease_secs = 2\n"),
    )
    .unwrap();
    let start = || {
        let mut cmd = command();
        cmd.current_dir(dir.path())
            .args(["serve", "--listen", "127.0.0.1:0", "--database", &db.url])
            .args([F::API_URL_FLAG, &forge.api_url()])
            .env(F::SECRET_VAR, SECRET)
            .env(F::TOKEN_VAR, F::TOKEN);
        Running::start(cmd)
    };
    let mut first = start();
    assert_eq!(deliver(first.addr, &F::push(SECRET, repo, "kill-1")).0, 202);
    let store = Store::connect(&Database::Postgres(db.url.clone())).unwrap();
    let job = || store.recent_jobs(1).unwrap().pop().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while job().state != JobState::Running {
        assert!(
            Instant::now() < deadline,
            "the job never started: {:?}",
            job()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = start();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(job().state, JobState::Running, "still running on the first");
    let _ = first.child.kill(); // SIGKILL: no shutdown, the claim stays
    let _ = first.child.wait();
    let killed_at = chrono::Utc::now();

    let deadline = Instant::now() + Duration::from_secs(60);
    while job().state != JobState::Done {
        assert!(
            Instant::now() < deadline && job().state != JobState::Failed,
            "not finished by the second replica: {:?}",
            job()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let done = job();
    assert_eq!(done.attempts, 2, "{done:?}");
    assert!(
        done.started_at.unwrap() > killed_at,
        "claimed again before the kill: {done:?}"
    );
    let issues = forge.issues(repo);
    assert_eq!(issues.len(), 2, "one issue per item: {issues:?}");
    let text = forge.file_text(repo, "postmortems/outage.md");
    for number in issues.keys() {
        assert!(text.contains(&format!("#{number}")), "{text}");
    }
    drop(second);
}

/// A database that cannot be used stops `serve` before it listens, with exit 2 and a message
/// naming the setting; a URL's password is never shown.
#[test]
fn unusable_database_is_refused_at_start_naming_the_setting() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = format!("postgres://svc:hunter2@127.0.0.1:{port}/pmt?connect_timeout=2");
    let newer = postgres_database("a schema newer than the binary");
    if let Some(db) = &newer {
        drop(Store::connect(&Database::Postgres(db.url.clone())).unwrap());
        let url = db.url.clone();
        std::thread::spawn(move || {
            let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            c.batch_execute("UPDATE postmortem_tracker_schema SET version = 99")
                .unwrap();
        })
        .join()
        .unwrap();
    }
    let mut cases = vec![(
        refused.clone(),
        "cannot connect to the database postgres://svc:***@127.0.0.1".to_string(),
    )];
    if let Some(db) = &newer {
        cases.push((
            db.url.clone(),
            "written by a newer postmortem-tracker (schema 99".into(),
        ));
    }
    for (url, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        let out = command()
            .current_dir(dir.path())
            .args(["serve", "--listen", "127.0.0.1:0", "--database", &url])
            .env("GITHUB_WEBHOOK_SECRET", SECRET)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{url}: {err}");
        assert!(
            err.contains("error: --database / service.database: "),
            "{err}"
        );
        assert!(err.contains(&want), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        assert!(!err.contains("listening"), "nothing started: {err}");
    }
}

/// Sends `d` to the service at `addr`.
fn deliver(addr: SocketAddr, d: &Delivery) -> (u16, String) {
    let headers: Vec<(&str, &str)> = d
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    http(addr, "POST", d.endpoint, &headers, &d.body)
}

/// The log of a real run with a token and a webhook secret set, stderr piped (so JSON by
/// default): every line is a JSON object; the delivery and the job are logged with their
/// repository and reason, the job with its requests, writes and outcome; neither the token nor
/// the secret appears anywhere.
#[cfg(unix)]
fn logs_are_json_lines_naming_the_job_and_never_a_secret<F: ServiceForge>() {
    let gh = FakeGitHub::start();
    let gl = FakeGitLab::start();
    let forge = F::pick(&gh, &gl);
    forge.seed(
        "acme/svc",
        &[(
            "postmortems/outage.md",
            "# Outage\n\n## Action items\n\n- [ ] Add an alert\n",
        )],
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".postmortem-tracker.toml"),
        "[sync]\nmin_write_interval_ms = 0\nretry_delay_ms = 0\n",
    )
    .unwrap();
    let mut cmd = command();
    cmd.current_dir(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0", F::API_URL_FLAG])
        .arg(forge.api_url())
        .env(F::SECRET_VAR, SECRET)
        .env(F::TOKEN_VAR, F::TOKEN);
    let mut svc = Running::start(cmd);
    let push = |id: &str| deliver(svc.addr, &F::push(SECRET, "acme/svc", id));
    assert_eq!(push("log-1").0, 202);
    svc.metrics_until(
        &["postmortem_tracker_job_runs_total{result=\"done\"} 1"],
        30,
    );
    let forge_writes = forge
        .requests()
        .all()
        .into_iter()
        .filter(|r| r.method != "GET")
        .count() as u64;
    // Again, with nothing changed: a job that writes nothing.
    assert_eq!(push("log-2").0, 202);
    svc.metrics_until(
        &["postmortem_tracker_job_runs_total{result=\"done\"} 2"],
        30,
    );
    let (exit, lines) = svc.terminate();
    assert!(exit.success(), "{exit:?}");

    let all = lines.join("\n");
    assert!(!all.contains(SECRET), "the webhook secret leaked: {all}");
    assert!(!all.contains(F::TOKEN), "the token leaked: {all}");
    let events: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    let all_of = |message: &str| -> Vec<&serde_json::Value> {
        events.iter().filter(|e| e["message"] == message).collect()
    };
    let find = |message: &str| {
        *all_of(message)
            .first()
            .unwrap_or_else(|| panic!("no {message:?} event in {all}"))
    };
    let listening = events
        .iter()
        .find(|e| {
            e["message"]
                .as_str()
                .is_some_and(|m| m.starts_with(&format!("listening on http://{}", svc.addr)))
        })
        .unwrap_or_else(|| panic!("no listening event in {all}"));
    assert_eq!(listening["address"], svc.addr.to_string());
    let delivery = find("webhook delivery");
    assert_eq!(delivery["repository"], "acme/svc", "{delivery}");
    assert_eq!(delivery["reason"], "sync", "{delivery}");
    assert_eq!(delivery["result"], "queued", "{delivery}");
    let done = find("job done");
    assert_eq!(done["level"], "INFO", "{done}");
    assert_eq!(done["repository"], "acme/svc", "{done}");
    assert_eq!(done["reason"], "sync", "{done}");
    assert_eq!(done["forge"], F::NAME, "{done}");
    assert_eq!(done["outcome"], "done", "{done}");
    // The job read the repository, opened the item's issue and committed its link (labels
    // and milestones created on the way are requests, not counted writes).
    let requests = done["requests"].as_u64().unwrap();
    let writes = done["writes"].as_u64().unwrap();
    assert!(writes >= 2, "an issue and a commit: {done}");
    assert!(
        writes <= forge_writes,
        "the fake saw {forge_writes} writes: {done}"
    );
    assert!(requests > writes, "{done}");
    let again = all_of("job done")[1];
    assert_eq!(
        again["writes"], 0,
        "nothing changed, nothing written: {again}"
    );
    assert!(again["requests"].as_u64().unwrap() > 0, "{again}");
    assert_eq!(find("job started")["repository"], "acme/svc");
}

/// `--log-format text` writes lines for people, and `RUST_LOG` filters them: at `warn`, the
/// warning about the missing token shows, the listening and stopped lines do not.
#[cfg(unix)]
#[test]
fn text_logs_filtered_by_rust_log() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let child = command()
        .current_dir(dir.path())
        .args(["serve", "--log-format", "text", "--listen"])
        .arg(addr.to_string())
        .env("GITHUB_WEBHOOK_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Serving: the listening line would have been logged by now.
    let start = Instant::now();
    while TcpStream::connect(addr).is_err() {
        assert!(start.elapsed() < Duration::from_secs(20), "not listening");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(http(addr, "GET", "/healthz", &[], b"").0, 200);
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].contains("WARN") && lines[0].contains("GITHUB_TOKEN is not set"),
        "{err}"
    );
    assert!(!lines[0].starts_with('{'), "text, not JSON: {err}");
}
