//! Follow-up at scale against the fake GitHub with a few ms of latency per request: 2,000
//! generated postmortems with 10,000 items, synced first (setup, not measured, no latency).
//! Measured, through the binary: `--write commit` first run (every file committed) and steady
//! state (nothing to commit), then `--write local` first run and steady state. Prints
//! requests, writes and wall time.
//!
//! `cargo bench --bench followup` (sizes: `BENCH_POSTMORTEMS`, `BENCH_ITEMS_PER`,
//! `BENCH_LATENCY_MS`).

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use postmortem_tracker::forge::github::GitHub;
use postmortem_tracker::forge::paced::{Pacing, TokioSleeper};
use postmortem_tracker::parse::parse;
use postmortem_tracker::plan::PlanOptions;
use postmortem_tracker::render::Engine;
use postmortem_tracker::sync::{sync, SyncOptions};
use support::github::FakeGitHub;
use support::Fault;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let n_docs = env_or("BENCH_POSTMORTEMS", 2000);
    let per = env_or("BENCH_ITEMS_PER", 5);
    let latency = Duration::from_millis(env_or("BENCH_LATENCY_MS", 3) as u64);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("postmortems")).unwrap();
    let mut docs = Vec::with_capacity(n_docs);
    for d in 0..n_docs {
        let mut text = format!(
            "# Incident {d}: queue backlog\n\nStart: 2026-01-01 10:00 UTC\n\n## Action items\n\n"
        );
        for i in 0..per {
            // Some overdue, some not yet due.
            let due = if i % 2 == 0 {
                "2026-01-05"
            } else {
                "2026-03-01"
            };
            text.push_str(&format!(
                "- [ ] Fix component {i} of service {d} so the backlog drains @dev{} due: {due}\n",
                i % 7
            ));
        }
        let path = format!("postmortems/{d:05}.md");
        std::fs::write(dir.path().join(&path), &text).unwrap();
        docs.push(parse(&path, &text, &Default::default()));
    }
    let items: usize = docs.iter().map(|d| d.actions.len()).sum();
    let fake = FakeGitHub::start();
    fake.state().rate_limit = 10_000_000;
    fake.state().rate_remaining = 10_000_000;
    for u in 0..7 {
        fake.state().add_user(&format!("dev{u}"));
    }
    let options = SyncOptions {
        label: "postmortem".into(),
        today: chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
        plan: PlanOptions::default(),
        owners: Default::default(),
        milestones: false,
        file_url: None,
        root: dir.path().to_path_buf(),
        write_back: true,
        close_removed: false,
        parse_options: Default::default(),
        state_labels: None,
        pacing: Pacing {
            min_write_interval: Duration::ZERO,
            ..Pacing::default()
        },
    };
    let engine = Engine::new(None).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _runtime = rt.enter();
    let gh = GitHub::new(
        &fake.base_url(),
        "acme/svc",
        Some(FakeGitHub::TOKEN),
        Duration::from_secs(60),
    )
    .unwrap();
    println!("follow-up bench: {n_docs} postmortems, {items} items; setup: sync (not measured)");
    let t = Instant::now();
    rt.block_on(sync(&docs, &gh, &TokioSleeper, &engine, &options))
        .expect("sync");
    // The linked files are on the default branch, as after the sync's write-back is merged.
    for d in &docs {
        let text = std::fs::read_to_string(dir.path().join(&d.path)).unwrap();
        fake.state()
            .seed_file(("acme", "svc"), "main", &d.path, &text);
    }
    println!("setup: {:.1} s", t.elapsed().as_secs_f64());
    for m in ["GET", "POST", "PATCH", "PUT"] {
        fake.faults().always(m, "/", Fault::Delay(latency));
    }
    println!("{} ms latency per request", latency.as_millis());
    for (run, mode) in [
        ("commit, first run", "commit"),
        ("commit, steady state", "commit"),
        ("local, first run", "local"),
        ("local, steady state", "local"),
    ] {
        fake.log().clear();
        let t = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_postmortem-tracker"))
            .args([
                "followup",
                "postmortems",
                "--today",
                "2026-01-10",
                "--write",
                mode,
            ])
            .args(["--tracker", "github", "--repo", "acme/svc", "--api-url"])
            .arg(fake.base_url())
            .current_dir(dir.path())
            .env("GITHUB_TOKEN", FakeGitHub::TOKEN)
            .env("POSTMORTEM_TRACKER_SYNC__MIN_WRITE_INTERVAL_MS", "0")
            .env_remove("GITHUB_REPOSITORY")
            .env_remove("GITHUB_API_URL")
            .output()
            .unwrap();
        let wall = t.elapsed();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let last = stdout.lines().last().unwrap_or_default().to_string();
        let requests = fake.log().len();
        let writes = fake.log().count_writes();
        let puts = fake.log().count("PUT", "/repos/acme/svc/contents/");
        println!(
            "{run:>22}: exit {}, {requests} requests, {writes} writes ({puts} file commits), {:.1} s wall — {last}",
            out.status.code().unwrap_or(-1),
            wall.as_secs_f64(),
        );
        if !out.status.success() && out.status.code() != Some(1) {
            eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        }
    }
}
