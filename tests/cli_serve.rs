//! `postmortem-tracker serve`, the real binary: refuses to start without a secret, serves
//! webhooks and metrics on loopback, and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use postmortem_tracker::service::webhook::github_signature;

const SECRET: &str = "cli-serve-secret";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_postmortem-tracker"));
    for (k, _) in std::env::vars() {
        if k.starts_with("POSTMORTEM_TRACKER_") {
            c.env_remove(k);
        }
    }
    c.env_remove("GITHUB_WEBHOOK_SECRET")
        .env_remove("GITLAB_WEBHOOK_TOKEN");
    c
}

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
    let out = bin()
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
    let out = bin()
        .args(["serve", "--repository", "acme/svc"])
        .env("GITHUB_WEBHOOK_SECRET", SECRET)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("github:OWNER/NAME"), "{err}");
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
    let mut child = bin()
        .current_dir(dir.path())
        .arg("serve")
        .env("GITHUB_WEBHOOK_SECRET", SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut log = Vec::new();
    let addr: SocketAddr = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no listening line; stderr so far: {log:?}"));
        if let Some(a) = line.split("listening on http://").nth(1) {
            break a.split_whitespace().next().unwrap().parse().unwrap();
        }
        log.push(line);
    };

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
    let sig = github_signature(SECRET.as_bytes(), push);
    let h = [
        ("X-GitHub-Event", "push"),
        ("X-GitHub-Delivery", "cli-3"),
        ("X-Hub-Signature-256", sig.as_str()),
    ];
    assert_eq!(http(addr, "POST", "/webhooks/github", &h, push).0, 202);
    // The service cannot reconcile yet: the job must end as failed, saying so, not as done.
    let start = Instant::now();
    let metrics = loop {
        let (_, m) = http(addr, "GET", "/metrics", &[], b"");
        if m.contains("postmortem_tracker_jobs{state=\"failed\"} 1")
            || start.elapsed() > Duration::from_secs(10)
        {
            break m;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        metrics.contains("postmortem_tracker_jobs{state=\"failed\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("postmortem_tracker_jobs{state=\"done\"} 0"),
        "{metrics}"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "still running 10 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    let rest: Vec<String> = rx.try_iter().collect();
    log.extend(rest);
    let all = log.join("\n");
    assert!(all.contains("stopped"), "{all}");
    assert!(all.contains("not implemented yet"), "{all}");
    assert!(!all.contains(SECRET), "the secret leaked: {all}");
    assert!(dir.path().join("from-config.sqlite").is_file());
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
        ("[service]\nsecret = \"x\"\n", "secret"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".postmortem-tracker.toml"), toml).unwrap();
        let out = bin()
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
