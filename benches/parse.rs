//! Parser throughput over the corpus replicated to 50 MB, beside a bare pulldown-cmark pass over
//! the same bytes, and one large file at 1 MB and 10 MB to show the cost is linear.
//!
//! `cargo bench --bench parse`. Reads `../shared/corpus/` (or `POSTMORTEM_CORPUS_DIR`); without
//! it, the bundled examples. Criterion times the seed and real documents; the summary after its
//! figures gives the ratio for each set: seeds and real (the set the 3.5x bound was set on),
//! then published (companies' and projects' postmortems, longer on average).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use postmortem_tracker::parse::{parse, ParseOptions};

const TARGET_BYTES: usize = 50 * 1024 * 1024;

/// The documents to parse, by set: `seeds` and `real` (the set the bound was set on, and the
/// one criterion times), then `published`; without the corpus, the bundled examples alone.
fn document_sets() -> Vec<(&'static str, Vec<String>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let corpus = std::env::var_os("POSTMORTEM_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/corpus"));
    let sets: Vec<(&str, Vec<PathBuf>)> = if corpus.is_dir() {
        vec![
            (
                "seeds+real",
                vec![corpus.join("seeds"), corpus.join("real")],
            ),
            ("published", vec![corpus.join("published")]),
        ]
    } else {
        eprintln!(
            "corpus not found at {}; using examples/postmortems",
            corpus.display()
        );
        vec![("examples", vec![root.join("examples/postmortems")])]
    };
    let sets: Vec<_> = sets
        .into_iter()
        .map(|(name, dirs)| (name, read_documents(&dirs)))
        .filter(|(_, docs)| !docs.is_empty())
        .collect();
    assert!(!sets.is_empty(), "no documents to benchmark");
    sets
}

/// The Markdown and text files of `dirs`, in name order.
fn read_documents(dirs: &[PathBuf]) -> Vec<String> {
    let mut docs = Vec::new();
    for dir in dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|r| r.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for f in files.iter().filter(|f| is_doc(f)) {
            if let Ok(bytes) = std::fs::read(f) {
                docs.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    docs
}

fn is_doc(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("md" | "txt"))
}

/// The documents repeated until they hold at least `target` bytes.
fn replicate(docs: &[String], target: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut total = 0;
    while total < target {
        for d in docs {
            out.push(d.as_str());
            total += d.len();
        }
    }
    out
}

fn one_file(docs: &[String], target: usize) -> String {
    let mut s = String::with_capacity(target + 64 * 1024);
    while s.len() < target {
        for d in docs {
            s.push_str(d);
            s.push('\n');
        }
    }
    s
}

fn parse_all(docs: &[&str]) -> usize {
    let options = ParseOptions::default();
    docs.iter()
        .map(|d| parse("bench.md", d, &options).actions.len())
        .sum()
}

/// A bare pulldown-cmark pass with the extensions postmortems use and the parser reads too:
/// tables, task lists, strikethrough and YAML front matter. Events are counted, not used.
fn cmark_all(docs: &[&str]) -> usize {
    use pulldown_cmark::Options;
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    docs.iter()
        .map(|d| pulldown_cmark::Parser::new_ext(d, options).count())
        .sum()
}

fn bench(c: &mut Criterion) {
    let sets = document_sets();
    let docs = &sets[0].1;
    let corpus = replicate(docs, TARGET_BYTES);
    let bytes: usize = corpus.iter().map(|d| d.len()).sum();

    let mut g = c.benchmark_group("corpus_50MB");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("parse", |b| b.iter(|| parse_all(&corpus)));
    g.bench_function("pulldown_cmark", |b| b.iter(|| cmark_all(&corpus)));
    g.finish();

    let mut g = c.benchmark_group("single_file");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    for mb in [1usize, 10] {
        let text = one_file(docs, mb * 1024 * 1024);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(format!("parse_{mb}MB"), |b| {
            b.iter(|| {
                parse("big.md", &text, &ParseOptions::default())
                    .actions
                    .len()
            })
        });
    }
    g.finish();

    summary(&sets);
}

/// Best of a few runs, in seconds.
fn best(runs: usize, mut f: impl FnMut()) -> f64 {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// The parse's time over a bare pulldown-cmark pass's, for `docs` replicated to 50 MB, with
/// the throughput of each in MB/s.
fn stream_ratio(docs: &[String]) -> (f64, f64, f64) {
    let corpus = replicate(docs, TARGET_BYTES);
    let mb = corpus.iter().map(|d| d.len()).sum::<usize>() as f64 / 1024.0 / 1024.0;
    // The two passes alternate, so that a slower or faster spell of the machine (frequency,
    // other load) reaches both; the best of each is compared.
    let (mut p, mut m) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..5 {
        p = p.min(best(1, || {
            std::hint::black_box(parse_all(&corpus));
        }));
        m = m.min(best(1, || {
            std::hint::black_box(cmark_all(&corpus));
        }));
    }
    (p / m, mb / p, mb / m)
}

fn summary(sets: &[(&str, Vec<String>)]) {
    println!("\nsummary (each set replicated to 50 MB, each document parsed on its own):");
    for (name, docs) in sets {
        let (ratio, parse_mbs, cmark_mbs) = stream_ratio(docs);
        println!(
            "  {name:<10} ({:>3} documents)  parse {parse_mbs:>6.1} MB/s  pulldown-cmark \
             {cmark_mbs:>6.1} MB/s  parse / pulldown-cmark time ratio: {ratio:.2}",
            docs.len()
        );
    }
    let docs = &sets[0].1;
    let small = one_file(docs, 1024 * 1024);
    let large = one_file(docs, 10 * 1024 * 1024);
    let ts = best(5, || {
        std::hint::black_box(parse("s.md", &small, &ParseOptions::default()));
    });
    let tl = best(3, || {
        std::hint::black_box(parse("l.md", &large, &ParseOptions::default()));
    });
    let tm = best(3, || {
        std::hint::black_box(cmark_all(&[large.as_str()]));
    });
    println!(
        "  one file of {}: 1 MB in {:.1} ms, 10 MB in {:.1} ms; per-byte cost ratio 10 MB / 1 MB: {:.2}",
        sets[0].0,
        ts * 1e3,
        tl * 1e3,
        (tl / large.len() as f64) / (ts / small.len() as f64)
    );
    println!(
        "  one 10 MB file: parse / pulldown-cmark time ratio: {:.2}",
        tl / tm
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
