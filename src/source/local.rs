//! Postmortems in the local working tree: named files, folders walked with `.gitignore`
//! honoured, or the configured globs.

use std::io::Read;
use std::path::{Path, PathBuf};

use ignore::WalkBuilder;

use super::select::{is_postmortem_file, GlobError, Selector};
use super::{is_binary, Loaded, MAX_FILE_BYTES};

pub use super::select::EXTENSIONS;

/// Why files could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{0}: no such file or directory")]
    Missing(String),
    #[error(transparent)]
    Glob(#[from] GlobError),
    #[error("{path}: {message}")]
    Walk { path: String, message: String },
}

/// Lists the postmortem files named by `paths` (files are taken as given; folders are walked
/// for `.md`, `.markdown` and `.txt` files but a README or template, honouring `.gitignore`),
/// or, when `paths` is empty, the files under `root` that match `globs` (see [`Selector`]).
/// Sorted, without duplicates.
pub fn list(paths: &[PathBuf], globs: &[String], root: &Path) -> Result<Vec<PathBuf>, SourceError> {
    let mut out = Vec::new();
    if paths.is_empty() {
        let selector = Selector::new(globs)?;
        walk(root, &mut out, |rel| selector.is_selected(rel))?;
    } else {
        for p in paths {
            if p.is_file() {
                out.push(p.clone());
            } else if p.is_dir() {
                walk(p, &mut out, is_postmortem_file)?;
            } else {
                return Err(SourceError::Missing(p.display().to_string()));
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Collects the files under `dir` whose path relative to `dir` passes `keep`.
fn walk(
    dir: &Path,
    out: &mut Vec<PathBuf>,
    keep: impl Fn(&Path) -> bool,
) -> Result<(), SourceError> {
    // `require_git(false)`: a .gitignore counts even outside a git checkout (an unpacked
    // release, a CI workspace without .git).
    for entry in WalkBuilder::new(dir).require_git(false).build() {
        let entry = entry.map_err(|e| SourceError::Walk {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        if entry.file_type().is_some_and(|t| t.is_file()) {
            let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
            if keep(rel) {
                out.push(entry.into_path());
            }
        }
    }
    Ok(())
}

/// Reads one file, skipping binaries and files over [`MAX_FILE_BYTES`].
pub fn read(path: &Path) -> std::io::Result<Loaded> {
    let display = path.display().to_string();
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len > MAX_FILE_BYTES {
        return Ok(Loaded::Skipped {
            path: display,
            reason: format!(
                "{len} bytes is over the {} MiB limit",
                MAX_FILE_BYTES / 1024 / 1024
            ),
        });
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(MAX_FILE_BYTES).read_to_end(&mut bytes)?;
    if is_binary(&bytes) {
        return Ok(Loaded::Skipped {
            path: display,
            reason: "binary file (it contains NUL bytes)".into(),
        });
    }
    Ok(Loaded::Text {
        path: display,
        bytes,
    })
}
