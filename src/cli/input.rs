//! What every command that reads postmortems shares: configuration, file listing, reading.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::config::Config;
use crate::model::Postmortem;
use crate::parse::parse_bytes;
use crate::source::{local, Loaded};

/// Options that apply to every command.
#[derive(Debug, Default)]
pub struct Global {
    pub config: Option<PathBuf>,
}

/// The parsed postmortems, and the files that were skipped with the reason.
pub struct Inputs {
    pub config: Config,
    pub documents: Vec<Postmortem>,
    pub skipped: Vec<(String, String)>,
}

/// Loads the configuration, lists the files (PATHs, or the configured globs under the current
/// folder), and parses each. Unreadable and binary files are reported and skipped; the rest of
/// the run goes on.
pub fn load(paths: &[PathBuf], global: &Global) -> anyhow::Result<Inputs> {
    let root = std::env::current_dir().context("cannot read the current folder")?;
    let config = Config::load(&root, global.config.as_deref(), std::env::vars())?;
    let files = local::list(paths, &config.paths, &root)?;
    if files.is_empty() {
        if paths.is_empty() {
            eprintln!(
                "note: no postmortems found under {} matching {} (set `paths` in {} or name files)",
                root.display(),
                config.paths.join(", "),
                crate::config::FILE_NAME
            );
        } else {
            let named: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            anyhow::bail!(
                "no postmortems found in {} (looked for .md, .markdown and .txt files)",
                named.join(", ")
            );
        }
    }
    let options = config.parse_options();
    let mut documents = Vec::with_capacity(files.len());
    let mut skipped = Vec::new();
    for file in files {
        let shown = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .display()
            .to_string();
        match local::read(&file) {
            Ok(Loaded::Text { bytes, .. }) => documents.push(parse_bytes(&shown, &bytes, &options)),
            Ok(Loaded::Skipped { reason, .. }) => {
                eprintln!("skipped {shown}: {reason}");
                skipped.push((shown, reason));
            }
            Err(e) => {
                eprintln!("skipped {shown}: {e}");
                skipped.push((shown, e.to_string()));
            }
        }
    }
    Ok(Inputs {
        config,
        documents,
        skipped,
    })
}
