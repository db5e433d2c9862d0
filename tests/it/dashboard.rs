//! The dashboard, `/api/items` and `/api/items.csv` over real HTTP on loopback, on a store
//! seeded with two repositories on two forges over three days; and the page in a real headless
//! Chromium driven through chromedriver (skipped with a message when either is missing).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use postmortem_tracker::render::context::ItemState;
use postmortem_tracker::service::index::{ItemRecord, CSV_HEADER};
use postmortem_tracker::service::store::{Job, Store};
use postmortem_tracker::service::webhook::Forge;
use postmortem_tracker::service::{serve, BoxFuture, JobResult, Runner, Settings};
use serde_json::{json, Value};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// No job is queued in these tests; a runner is still needed to start the service.
struct Idle;

impl Runner for Idle {
    fn run<'a>(&'a self, _job: &'a Job) -> BoxFuture<'a, JobResult> {
        Box::pin(async { Ok(()) })
    }
}

// ---------------------------------------------------------------------------------------------
// The seeded index.

struct Item {
    text: &'static str,
    kind: &'static str,
    owner: Option<&'static str>,
    due: Option<&'static str>,
    issue: Option<(&'static str, &'static str)>,
}

const GH_ITEMS: [Item; 3] = [
    Item {
        text: "Add a replication lag alert",
        kind: "corrective",
        owner: Some("alice"),
        due: Some("2026-11-01"),
        issue: Some(("#11", "https://github.com/acme/api/issues/11")),
    },
    Item {
        text: "Run a failover drill each quarter",
        kind: "preventive",
        owner: Some("bob"),
        due: Some("2026-11-05"),
        issue: Some(("#12", "https://github.com/acme/api/issues/12")),
    },
    // A formula-looking text with quotes and markup: escaped in HTML, defused in CSV.
    Item {
        text: "=SUM(A1) document the <runbook>, with \"quotes\"",
        kind: "task",
        owner: Some("@Alice"),
        due: None,
        issue: Some(("#13", "https://github.com/acme/api/issues/13")),
    },
];

const GL_ITEMS: [Item; 3] = [
    Item {
        text: "Roll back bad deploys automatically",
        kind: "corrective",
        owner: Some("carol"),
        due: Some("2026-12-01"),
        issue: Some((
            "platform/web#4",
            "https://gitlab.com/platform/web/-/issues/4",
        )),
    },
    Item {
        text: "Load test the cart service",
        kind: "preventive",
        owner: Some("bob"),
        due: Some("2026-11-02"),
        issue: Some((
            "platform/web#5",
            "https://gitlab.com/platform/web/-/issues/5",
        )),
    },
    Item {
        text: "Write the incident timeline",
        kind: "task",
        owner: None,
        due: None,
        issue: None,
    },
];

/// The state of each item (github's three, then gitlab's) on each seeded day.
const DAYS: [(&str, [ItemState; 6]); 3] = {
    use ItemState::{Done as D, Open as O, Overdue as L};
    [
        ("2026-11-01", [O, O, O, O, O, D]),
        ("2026-11-04", [D, O, O, O, L, D]),
        ("2026-11-08", [D, L, O, O, L, D]),
    ]
};

fn record(forge: Forge, i: usize, it: &Item, state: ItemState, today: NaiveDate) -> ItemRecord {
    let (repo, path, title, incident, base) = match forge {
        Forge::Github => (
            "acme/api",
            "postmortems/2026-10-20-db.md",
            "Database failover",
            "2026-10-20",
            "https://github.com/acme/api/blob/main/",
        ),
        Forge::Gitlab => (
            "platform/web",
            "docs/pm/checkout-500s.md",
            "Checkout 500s",
            "2026-10-28",
            "https://gitlab.com/platform/web/-/blob/main/",
        ),
    };
    let due = it.due.map(day);
    ItemRecord {
        forge: forge.as_str().into(),
        repository: repo.into(),
        path: path.into(),
        postmortem: title.into(),
        postmortem_url: Some(format!("{base}{path}")),
        line: 20 + 3 * i,
        key: format!("{repo}:{i}"),
        text: it.text.into(),
        kind: it.kind.into(),
        owner: it.owner.map(String::from),
        due,
        state,
        days_overdue: (state == ItemState::Overdue).then(|| (today - due.unwrap()).num_days()),
        issue: it.issue.map(|i| i.0.into()),
        issue_url: it.issue.map(|i| i.1.into()),
        incident: Some(day(incident)),
        closed_on: None,
    }
}

/// Fills `db` over the three days; returns the records as of the last day, with the
/// `closed_on` days the store is expected to have kept (the first day each was seen done).
fn seed(db: &Path) -> Vec<ItemRecord> {
    let store = Store::open(db).unwrap();
    let mut last = Vec::new();
    for (d, states) in DAYS {
        let today = day(d);
        let gh: Vec<_> = GH_ITEMS
            .iter()
            .enumerate()
            .map(|(i, it)| record(Forge::Github, i, it, states[i], today))
            .collect();
        let gl: Vec<_> = GL_ITEMS
            .iter()
            .enumerate()
            .map(|(i, it)| record(Forge::Gitlab, i, it, states[3 + i], today))
            .collect();
        store
            .replace_items(Forge::Github, "acme/api", gh.clone(), today)
            .unwrap();
        store
            .replace_items(Forge::Gitlab, "platform/web", gl.clone(), today)
            .unwrap();
        last = gh.into_iter().chain(gl).collect();
    }
    last[0].closed_on = Some(day("2026-11-04"));
    last[5].closed_on = Some(day("2026-11-01"));
    last
}

// ---------------------------------------------------------------------------------------------
// The service, on its own runtime so the tests (and the blocking WebDriver client) stay plain.

struct Service {
    addr: SocketAddr,
    db: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    runtime: Option<tokio::runtime::Runtime>,
    _dir: tempfile::TempDir,
}

impl Service {
    fn start() -> (Service, Vec<ItemRecord>) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db.sqlite");
        let expected = seed(&db);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let addr = runtime.block_on(async {
            let store = Arc::new(Store::open(&db).unwrap());
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let settings = Settings {
                workers: 1,
                ..Settings::default()
            };
            tokio::spawn(serve(listener, settings, store, Arc::new(Idle), async {
                let _ = rx.await;
            }));
            addr
        });
        let svc = Service {
            addr,
            db,
            stop: Some(tx),
            runtime: Some(runtime),
            _dir: dir,
        };
        (svc, expected)
    }

    fn get(&self, path: &str) -> Answer {
        http(self.addr, "GET", path, None)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A small blocking HTTP/1.1 client (loopback only), for the service and for chromedriver.

struct Answer {
    status: u16,
    headers: BTreeMap<String, String>,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> Answer {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    // Bounded: chromedriver's slowest command here (a page load) has its own 30 s timeout.
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    // chromedriver keeps the connection open whatever `Connection: close` says: read the head,
    // then exactly the body it announces.
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let split = loop {
        if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = s
            .read(&mut buf)
            .unwrap_or_else(|e| panic!("{method} {path}: no answer: {e}"));
        assert!(
            n > 0,
            "{method} {path}: not an HTTP answer: {:?}",
            String::from_utf8_lossy(&raw)
        );
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut payload = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {head}"));
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: Option<usize> = headers.get("content-length").and_then(|l| l.parse().ok());
    let chunked = headers
        .get("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"));
    loop {
        let complete = match length {
            Some(len) => payload.len() >= len,
            None if chunked => payload.ends_with(b"0\r\n\r\n"),
            None => false,
        };
        if complete {
            break;
        }
        let n = s
            .read(&mut buf)
            .unwrap_or_else(|e| panic!("{method} {path}: body cut short: {e}"));
        if n == 0 {
            break;
        }
        payload.extend_from_slice(&buf[..n]);
    }
    if chunked {
        payload = dechunk(&payload);
    }
    Answer {
        status,
        headers,
        body: String::from_utf8(payload).expect("a UTF-8 body"),
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = std::str::from_utf8(&b[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next()?.trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 || b.len() < eol + 2 + size {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[(eol + 4 + size).min(b.len())..];
    }
}

/// RFC 4180: quoted fields, doubled quotes, CRLF rows.
pub(crate) fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(field.is_empty() && row.is_empty(), "the CSV ends with CRLF");
    rows
}

fn records(a: &Answer) -> Vec<ItemRecord> {
    assert_eq!(a.status, 200, "{}", a.body);
    serde_json::from_str(&a.body).unwrap_or_else(|e| panic!("{e}: {}", a.body))
}

/// What the CSV must hold for `r`, column by column (named by the CSV's own header).
fn csv_field(r: &ItemRecord, column: &str) -> String {
    let v = serde_json::to_value(r).unwrap();
    let plain = match column {
        "due" | "incident" | "closed_on" | "owner" | "issue" | "issue_url" | "days_overdue" => {
            match &v[column] {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }
        }
        "line" => r.line.to_string(),
        _ => v[column].as_str().unwrap().to_string(),
    };
    // A cell a spreadsheet would evaluate is defused with a leading quote.
    if plain.starts_with(['=', '+', '-', '@']) {
        format!("'{plain}")
    } else {
        plain
    }
}

/// The texts of handlebars' HTML escaping, to find seeded texts in the page.
fn html_escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('=', "&#x3D;")
}

fn texts(rs: &[ItemRecord]) -> Vec<&str> {
    rs.iter().map(|r| r.text.as_str()).collect()
}

// ---------------------------------------------------------------------------------------------

#[test]
fn json_and_csv_hold_exactly_the_seeded_items() {
    let (svc, expected) = Service::start();

    let all = records(&svc.get("/api/items"));
    assert_eq!(all, expected);
    assert_eq!(all[0].closed_on, Some(day("2026-11-04")), "kept from day 2");

    let cases: [(&str, &[usize]); 6] = [
        ("owner=bob", &[1, 4]),
        ("owner=alice", &[0, 2]), // `@Alice` is alice
        ("overdue=true", &[1, 4]),
        ("repository=platform%2Fweb&state=open", &[3]),
        ("kind=task&forge=gitlab", &[5]),
        ("state=done&kind=corrective", &[0]),
    ];
    for (q, want) in cases {
        let want: Vec<ItemRecord> = want.iter().map(|&i| expected[i].clone()).collect();
        let got = records(&svc.get(&format!("/api/items?{q}")));
        assert_eq!(texts(&got), texts(&want), "{q}");
        assert_eq!(got, want, "{q}");

        // The CSV of the same filter holds the same items, field for field.
        let csv = svc.get(&format!("/api/items.csv?{q}"));
        assert_eq!(csv.status, 200, "{}", csv.body);
        let rows = parse_csv(&csv.body);
        assert_eq!(rows[0], CSV_HEADER, "{q}");
        assert_eq!(rows.len() - 1, got.len(), "{q}");
        for (row, r) in rows[1..].iter().zip(&got) {
            for (column, cell) in rows[0].iter().zip(row) {
                assert_eq!(*cell, csv_field(r, column), "{q}: {column} of {:?}", r.text);
            }
        }
    }

    let csv = svc.get("/api/items.csv");
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        csv.headers["content-disposition"],
        "attachment; filename=\"postmortem-items.csv\""
    );
    let rows = parse_csv(&csv.body);
    assert_eq!(rows.len(), 1 + expected.len());
    let text = rows[0].iter().position(|c| c == "text").unwrap();
    assert_eq!(
        rows[3][text], "'=SUM(A1) document the <runbook>, with \"quotes\"",
        "a formula is defused, quotes and commas survive"
    );

    for (q, names) in [
        ("state=closed", "state=closed"),
        ("kind=bug", "kind=bug"),
        ("overdue=maybe", "overdue=maybe"),
        ("ownr=bob", "ownr"),
    ] {
        for path in ["/api/items", "/api/items.csv"] {
            let a = svc.get(&format!("{path}?{q}"));
            assert_eq!(a.status, 400, "{path}?{q}: {}", a.body);
            let e = a.json()["error"].as_str().unwrap().to_string();
            assert!(e.starts_with(names), "{path}?{q}: {e}");
        }
    }

    let metrics = svc.get("/metrics").body;
    for line in [
        "postmortem_tracker_items{state=\"done\",kind=\"corrective\"} 1",
        "postmortem_tracker_items{state=\"done\",kind=\"task\"} 1",
        "postmortem_tracker_items{state=\"overdue\",kind=\"preventive\"} 2",
        "postmortem_tracker_items{state=\"open\",kind=\"corrective\"} 1",
        "postmortem_tracker_items{state=\"open\",kind=\"task\"} 1",
        "postmortem_tracker_items{state=\"open\",kind=\"preventive\"} 0",
        "postmortem_tracker_items_overdue 2",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in\n{metrics}");
    }
}

#[test]
fn an_unreadable_index_is_503_not_an_empty_page() {
    let (svc, _) = Service::start();
    assert_eq!(svc.get("/api/items").status, 200);
    // Another process breaks the database under the running service.
    let conn = rusqlite::Connection::open(&svc.db).unwrap();
    conn.execute_batch("DROP TABLE items; DROP TABLE snapshots;")
        .unwrap();
    drop(conn);

    let page = svc.get("/");
    assert_eq!(page.status, 503, "{}", page.body);
    assert!(
        page.body.contains("database is unavailable"),
        "{}",
        page.body
    );
    for path in ["/api/items", "/api/items.csv"] {
        let a = svc.get(path);
        assert_eq!(a.status, 503, "{path}: {}", a.body);
        assert_eq!(a.json()["error"], "the database is unavailable", "{path}");
    }
    // A bad filter is still the caller's error, told before the store is read.
    assert_eq!(svc.get("/api/items?state=closed").status, 400);
    // /metrics still answers, without the items gauges it cannot read.
    let m = svc.get("/metrics");
    assert_eq!(m.status, 200);
    assert!(m.body.contains("postmortem_tracker_jobs{"), "{}", m.body);
    assert!(!m.body.contains("postmortem_tracker_items"), "{}", m.body);
}

/// The `<tr>` rows of the items table.
fn table_rows(html: &str) -> Vec<&str> {
    let body = html
        .split_once("<table id=\"items\">")
        .and_then(|(_, rest)| rest.split_once("<tbody>"))
        .and_then(|(_, rest)| rest.split_once("</tbody>"))
        .map(|(b, _)| b)
        .unwrap_or("");
    body.split("<tr ").skip(1).collect()
}

/// The `<svg id=ID …>…</svg>` element.
fn svg<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<svg id=\"{id}\""))
        .unwrap_or_else(|| panic!("no chart {id}"));
    let end = html[start..].find("</svg>").unwrap();
    &html[start..start + end]
}

#[test]
fn the_page_reads_without_javascript() {
    let (svc, expected) = Service::start();
    let a = svc.get("/");
    assert_eq!(a.status, 200);
    assert_eq!(a.headers["content-type"], "text/html; charset=utf-8");
    let html = &a.body;
    assert!(!html.contains("<script"), "no JavaScript");

    let rows = table_rows(html);
    assert_eq!(rows.len(), 6);
    for (row, r) in rows.iter().zip(&expected) {
        assert!(row.contains(&html_escaped(&r.text)), "{} in {row}", r.text);
        assert!(row.contains(&format!("<span class=\"badge {0}\">{0}</span>", state(r))));
        if let Some(url) = &r.issue_url {
            assert!(row.contains(&format!("<a href=\"{}\">", html_escaped(url))));
        }
    }
    assert!(!html.contains("<runbook>"), "item text is escaped");
    assert!(rows[1].contains(">3 d<"), "days overdue: {}", rows[1]);
    for (id, n) in [("total-done", 2), ("total-open", 2), ("total-overdue", 2)] {
        assert!(html.contains(&format!("id=\"{id}\">{n}<")), "{id} = {n}");
    }

    // Open and overdue over three days: 5/0, 3/1, 2/2.
    let over_time = svg(html, "chart-open-over-time");
    assert!(over_time.contains("<title id=\"chart-open-over-time-title\">"));
    let line = |class: &str| -> Vec<(f64, f64)> {
        let at = over_time
            .find(&format!("<polyline class=\"line {class}\" points=\""))
            .unwrap();
        let rest = &over_time[at..];
        let pts = rest
            .split("points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        pts.split(' ')
            .map(|p| {
                let (x, y) = p.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect()
    };
    let (open, overdue) = (line("open"), line("overdue"));
    assert_eq!(open.len(), 3);
    assert!(
        open[0].1 < open[1].1 && open[1].1 < open[2].1,
        "open falls: {open:?}"
    );
    assert!(overdue[0].1 > overdue[2].1, "overdue rises: {overdue:?}");
    assert_eq!(
        open[2].1, overdue[2].1,
        "2 open and 2 overdue on the last day"
    );
    assert!(over_time.contains("2026-11-04: 3 open"));

    // Time to close: corrective 15 days (20 Oct to 4 Nov), task 4 days (28 Oct to 1 Nov).
    let close = svg(html, "chart-time-to-close");
    assert!(
        close.contains(">corrective<") && close.contains(">15 d<"),
        "{close}"
    );
    assert!(
        close.contains(">task<") && close.contains(">4 d<"),
        "{close}"
    );
    let states = svg(html, "chart-states");
    assert_eq!(states.matches("<rect class=\"bar ").count(), 3);

    assert!(html.contains("href=\"/api/items\"") && html.contains("href=\"/api/items.csv\""));

    // A filter in the query narrows the rows, keeps the choice selected and the export links.
    let a = svc.get("/?owner=bob");
    assert_eq!(a.status, 200);
    let rows = table_rows(&a.body);
    assert_eq!(rows.len(), 2);
    assert!(rows[0].contains("Run a failover drill each quarter"));
    assert!(rows[1].contains("Load test the cart service"));
    assert!(a
        .body
        .contains("<option value=\"bob\" selected>bob</option>"));
    assert!(a.body.contains("href=\"/api/items.csv?owner&#x3D;bob\""));
    assert!(a.body.contains("id=\"total-overdue\">2<"));

    let a = svc.get("/?owner=nobody");
    assert_eq!(table_rows(&a.body).len(), 0);
    assert!(a.body.contains("No item matches these filters."));

    let a = svc.get("/?state=closed");
    assert_eq!(a.status, 400);
    assert!(
        a.body
            .contains("state&#x3D;closed: expected done, open or overdue"),
        "{}",
        a.body
    );
}

fn state(r: &ItemRecord) -> &'static str {
    match r.state {
        ItemState::Done => "done",
        ItemState::Open => "open",
        ItemState::Overdue => "overdue",
    }
}

// ---------------------------------------------------------------------------------------------
// A real browser.

/// Chromium (or Chrome) and its driver: `CHROME_BIN` / `CHROMEDRIVER` when set (CI on GitHub
/// points them at the runner's Chrome), else Debian's paths.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let chrome = std::env::var_os("CHROME_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let driver = std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"));
    for p in [&chrome, &driver] {
        if !p.is_file() {
            println!(
                "SKIPPED: {} is missing; install Debian's chromium and chromium-driver (.ci/run \
                 does), or set CHROME_BIN and CHROMEDRIVER",
                p.display()
            );
            return None;
        }
    }
    Some((chrome, driver))
}

/// chromedriver and its session; dropping it ends the session (which closes the browser) and
/// kills the driver.
struct Driver {
    child: Child,
    addr: SocketAddr,
    session: Option<String>,
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(id) = self.session.take() {
            // Bounded by the client's timeouts; a failure here must not hide the test's own.
            let _ = std::panic::catch_unwind(|| {
                http(self.addr, "DELETE", &format!("/session/{id}"), None)
            });
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start(driver: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver.display()));
        let d = Driver {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            session: None,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if TcpStream::connect_timeout(&d.addr, Duration::from_millis(200)).is_ok()
                && http(d.addr, "GET", "/status", None).json()["value"]["ready"] == true
            {
                return d;
            }
            assert!(Instant::now() < deadline, "chromedriver not ready in 20 s");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A WebDriver command of the session; panics with the driver's message on an error.
    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let id = self.session.as_deref().expect("a session");
        let a = http(
            self.addr,
            method,
            &format!("/session/{id}{path}"),
            body.as_ref(),
        );
        let v = a.json();
        assert_eq!(a.status, 200, "{method} {path}: {v}");
        v["value"].clone()
    }

    fn find(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    fn click(&self, css: &str) {
        let el = self.find(css);
        self.cmd("POST", &format!("/element/{el}/click"), Some(json!({})));
    }

    fn script(&self, js: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": js, "args": []})),
        )
    }

    /// Waits (bounded) until `js` returns true.
    fn wait_for(&self, what: &str, js: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.script(js) != true {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn output_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("test-output").join("dashboard");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const ROWS_JS: &str = "return Array.from(document.querySelectorAll('#items tbody tr'))\
    .map(tr => Array.from(tr.cells).map(td => td.innerText.trim()));";

#[test]
fn a_browser_filters_the_table_and_draws_the_charts() {
    let Some((chrome, driver)) = browser() else {
        return;
    };
    let (svc, _) = Service::start();
    let profile = tempfile::tempdir().unwrap();
    let mut d = Driver::start(&driver);
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--window-size=1300,1500",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.path().display())])
    .collect::<Vec<_>>();
    let created = http(
        d.addr,
        "POST",
        "/session",
        Some(&json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": {"pageLoad": 30000, "script": 10000, "implicit": 0},
            "goog:chromeOptions": {"binary": chrome, "args": args},
        }}})),
    );
    let v = created.json();
    assert_eq!(created.status, 200, "new session: {v}");
    d.session = Some(v["value"]["sessionId"].as_str().unwrap().to_string());

    let base = format!("http://{}/", svc.addr);
    d.cmd("POST", "/url", Some(json!({ "url": base })));
    d.wait_for(
        "the page",
        "return document.readyState === 'complete' && !!document.querySelector('#items');",
    );
    let rows = d.script(ROWS_JS);
    assert_eq!(rows.as_array().unwrap().len(), 6, "{rows}");

    // Choose an owner in the form and submit it with the button, as a person would.
    d.click("select[name=owner] option[value=bob]");
    d.click("#filters button[type=submit]");
    d.wait_for(
        "the filtered page",
        "return location.search.includes('owner=bob') && document.readyState === 'complete';",
    );
    let url = d.cmd("GET", "/url", None);
    assert!(url.as_str().unwrap().contains("owner=bob"), "{url}");
    let rows = d.script(ROWS_JS);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let cell = |r: usize, c: usize| rows[r][c].as_str().unwrap().to_string();
    assert!(cell(0, 0).starts_with("acme/api"));
    assert_eq!(cell(0, 3), "Run a failover drill each quarter");
    assert_eq!(cell(0, 5), "bob");
    assert_eq!(cell(0, 7), "overdue");
    assert_eq!(cell(0, 8), "3 d");
    assert!(cell(1, 0).starts_with("platform/web"));
    assert_eq!(cell(1, 3), "Load test the cart service");
    assert_eq!(cell(1, 9), "platform/web#5");
    let selected = d.script("return document.querySelector('select[name=owner]').value;");
    assert_eq!(selected, "bob", "the form keeps the choice");

    // The charts are drawn: real boxes with a size, not just markup.
    let boxes = d.script(
        "const size = el => { const r = el.getBoundingClientRect(); \
           return {w: r.width, h: r.height}; }; \
         const q = s => Array.from(document.querySelectorAll(s)).map(size); \
         return { svg: q('#chart-open-over-time'), \
                  open: q('#chart-open-over-time polyline.line.open'), \
                  overdue: q('#chart-open-over-time polyline.line.overdue'), \
                  states: q('#chart-states rect.bar'), \
                  close: q('#chart-time-to-close rect.bar') };",
    );
    let dims = |k: &str| -> Vec<(f64, f64)> {
        boxes[k]
            .as_array()
            .unwrap_or_else(|| panic!("{k}: {boxes}"))
            .iter()
            .map(|b| (b["w"].as_f64().unwrap(), b["h"].as_f64().unwrap()))
            .collect()
    };
    let svg = dims("svg");
    assert!(
        svg.len() == 1 && svg[0].0 > 300.0 && svg[0].1 > 100.0,
        "{boxes}"
    );
    let open = dims("open");
    assert!(
        open.len() == 1 && open[0].0 > 100.0 && open[0].1 > 10.0,
        "{boxes}"
    );
    assert!(dims("overdue")[0].0 > 100.0, "{boxes}");
    // Bob's items: 0 done, 0 open, 2 overdue; one bar with a width.
    let states = dims("states");
    assert_eq!(states.len(), 3, "{boxes}");
    assert!(states[2].0 > 50.0 && states[2].1 > 5.0, "{boxes}");
    assert!(states[0].0 == 0.0 && states[1].0 == 0.0, "{boxes}");

    let png = d.cmd("GET", "/screenshot", None);
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(png.as_str().unwrap())
        .unwrap();
    assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
    let path = output_dir().join("dashboard-owner-bob.png");
    std::fs::write(&path, &bytes).unwrap();
    println!("screenshot: {}", path.display());

    // And the unfiltered page, for people to look at.
    d.cmd("POST", "/url", Some(json!({ "url": base })));
    d.wait_for(
        "the page",
        "return document.readyState === 'complete' && !!document.querySelector('#items');",
    );
    let png = d.cmd("GET", "/screenshot", None);
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(png.as_str().unwrap())
        .unwrap();
    let path = output_dir().join("dashboard.png");
    std::fs::write(&path, &bytes).unwrap();
    println!("screenshot: {}", path.display());
}
