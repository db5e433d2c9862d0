//! Sync at scale against the fake GitHub with a few ms of latency per request: 2,000
//! generated postmortems with 10,000 items, first run and steady state. Prints requests,
//! writes, wall time and peak memory (the fake server runs in this process, so the peak
//! includes its state).
//!
//! `cargo bench --bench sync` (sizes: `BENCH_POSTMORTEMS`, `BENCH_ITEMS_PER`, `BENCH_LATENCY_MS`).

#[path = "../tests/support/mod.rs"]
mod support;

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

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    // `cargo test --benches` runs bench binaries with `--bench`-less args: keep that quick.
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
        let mut text = format!("# Incident {d}: queue backlog\n\n## Action items\n\n");
        for i in 0..per {
            text.push_str(&format!(
                "- [ ] Fix component {i} of service {d} so the backlog drains @dev{} due: 2026-03-01\n",
                i % 7
            ));
        }
        let path = format!("postmortems/{d:05}.md");
        std::fs::write(dir.path().join(&path), &text).unwrap();
        docs.push(parse(&path, &text, &Default::default()));
    }
    let items: usize = docs.iter().map(|d| d.actions.len()).sum();
    let fake = FakeGitHub::start();
    // 10,000 creates need more than a token's 5,000 requests an hour: on GitHub the first run
    // waits for the reset (up to `max_wait`) or stops and resumes on the next run. The bench
    // measures the requests themselves, so the fake's quota is lifted.
    fake.state().rate_limit = 10_000_000;
    fake.state().rate_remaining = 10_000_000;
    for u in 0..7 {
        fake.state().add_user(&format!("dev{u}"));
    }
    for m in ["GET", "POST", "PATCH"] {
        fake.faults().always(m, "/", Fault::Delay(latency));
    }
    let options = SyncOptions {
        label: "postmortem".into(),
        today: chrono::NaiveDate::from_ymd_opt(2026, 1, 10).unwrap(),
        plan: PlanOptions::default(),
        owners: Default::default(),
        milestones: true,
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
    println!(
        "sync bench: {n_docs} postmortems, {items} items, {} ms latency per request",
        latency.as_millis()
    );
    for run in ["first run", "steady state"] {
        let docs: Vec<_> = if run == "first run" {
            docs.clone()
        } else {
            docs.iter()
                .map(|d| {
                    let text = std::fs::read_to_string(dir.path().join(&d.path)).unwrap();
                    parse(&d.path, &text, &Default::default())
                })
                .collect()
        };
        fake.log().clear();
        let t = Instant::now();
        let report = rt
            .block_on(sync(&docs, &gh, &TokioSleeper, &engine, &options))
            .expect("sync");
        let wall = t.elapsed();
        let requests = fake.log().len();
        let writes = fake.log().count_writes();
        println!(
            "{run:>12}: {requests} requests, {writes} writes, {} created, {} links written, {:.1} s wall, peak RSS {:.0} MiB",
            report.created.len(),
            report.links_written.len(),
            wall.as_secs_f64(),
            peak_rss_mib().unwrap_or(f64::NAN)
        );
        if run == "steady state" {
            let target = items.div_ceil(100) + 3;
            println!(
                "steady-state target: requests <= {target} and 0 writes: {}",
                if requests <= target && writes == 0 {
                    "met"
                } else {
                    "NOT met"
                }
            );
        }
    }
}
