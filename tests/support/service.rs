//! The `serve` service started in the test process on loopback, and plain HTTP/1.1 requests
//! to it (one connection each, bounded waits), shared by the service tests.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use postmortem_tracker::service::store::Store;
use postmortem_tracker::service::webhook::github_signature;
use postmortem_tracker::service::{serve, Runner, Settings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// A running service.
pub struct Service {
    pub addr: SocketAddr,
    pub store: Arc<Store>,
    stop: Option<oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<Result<(), postmortem_tracker::service::ServeError>>,
}

impl Service {
    /// Opens the store at `db` and serves on `127.0.0.1:0`.
    pub async fn start(db: &Path, settings: Settings, runner: Arc<dyn Runner>) -> Service {
        let store = Arc::new(Store::open(db).unwrap());
        Self::start_with(store, settings, runner).await
    }

    /// Serves an already open store.
    pub async fn start_with(
        store: Arc<Store>,
        settings: Settings,
        runner: Arc<dyn Runner>,
    ) -> Service {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(serve(listener, settings, store.clone(), runner, async {
            let _ = rx.await;
        }));
        Service {
            addr,
            store,
            stop: Some(tx),
            handle,
        }
    }

    /// Graceful shutdown, within 10 s.
    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(10), self.handle)
            .await
            .expect("graceful shutdown within 10 s")
            .unwrap()
            .unwrap();
    }

    pub async fn post(
        &self,
        path: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> (u16, String) {
        request(self.addr, "POST", path, headers, body).await
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        request(self.addr, "GET", path, &[], b"").await
    }

    /// A GitHub delivery signed with `secret`.
    pub async fn github(
        &self,
        secret: &str,
        event: &str,
        delivery: &str,
        body: &[u8],
    ) -> (u16, String) {
        let h = gh_headers(
            event,
            delivery,
            Some(github_signature(secret.as_bytes(), body)),
        );
        self.post("/webhooks/github", &h, body).await
    }

    /// Job counts by state.
    pub fn depth(&self) -> postmortem_tracker::service::store::Depth {
        self.store.depth().unwrap()
    }

    /// Waits (at most `secs`) until the store holds no queued or running job.
    pub async fn idle(&self, secs: u64) {
        let store = self.store.clone();
        eventually_for("the queue to drain", secs, move || {
            let d = store.depth().unwrap();
            d.queued == 0 && d.running == 0
        })
        .await;
    }
}

/// The headers of a GitHub delivery.
pub fn gh_headers(event: &str, delivery: &str, signature: Option<String>) -> Vec<(String, String)> {
    let mut h = vec![
        ("X-GitHub-Event".to_string(), event.to_string()),
        ("X-GitHub-Delivery".to_string(), delivery.to_string()),
        ("Content-Type".to_string(), "application/json".to_string()),
    ];
    if let Some(s) = signature {
        h.push(("X-Hub-Signature-256".to_string(), s));
    }
    h
}

/// One HTTP/1.1 request on a fresh connection; returns the status and the body.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    read_response(s).await
}

/// Reads a whole answer (the connection closes after it): status and body.
pub async fn read_response(mut s: TcpStream) -> (u16, String) {
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf))
        .await
        .expect("an answer within 10 s")
        .unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"));
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, body.to_string())
}

/// Waits (at most 5 s) until `cond` holds.
pub async fn eventually(what: &str, cond: impl FnMut() -> bool) {
    eventually_for(what, 5, cond).await
}

/// Waits (at most `secs`) until `cond` holds.
pub async fn eventually_for(what: &str, secs: u64, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while tokio::time::Instant::now() < deadline {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out after {secs} s waiting for {what}");
}
