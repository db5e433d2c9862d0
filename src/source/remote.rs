//! Postmortems on a branch of a GitHub or GitLab repository, read through the API (the
//! service has no checkout): list the branch's files, keep those the configured globs select
//! (the same [`Selector`] as local mode), read and parse each.
//!
//! ```text
//! let config = remote::read_config(&forge, &branch, std::env::vars()).await?;
//! let inputs = remote::load(&forge, &branch, &config.paths, &config.parse_options()).await?;
//! ```
//!
//! A file that cannot be a postmortem (binary, too large, not UTF-8 text) is skipped with the
//! reason, as local mode does. Anything else that fails (the token, the repository, a rate
//! limit, a 5xx) fails the whole load: a partial list would make the postmortems it missed look
//! removed.

use std::path::Path;

use crate::config::{Config, ConfigError, FILE_NAME};
use crate::forge::browse::Browse;
use crate::forge::TrackerError;
use crate::model::Postmortem;
use crate::parse::{parse, ParseOptions};

use super::select::{GlobError, Selector};
use super::{is_binary, MAX_FILE_BYTES};

/// The postmortems of one branch, and the files that were skipped with the reason.
#[derive(Debug)]
pub struct RemoteInputs {
    /// The branch read.
    pub branch: String,
    /// Each parsed postmortem with the text it was parsed from (write-back needs it), in path
    /// order. Paths are relative to the repository root, as in local mode, so identity keys
    /// agree between the service and a CI run on a checkout.
    pub documents: Vec<(Postmortem, String)>,
    /// (path, reason).
    pub skipped: Vec<(String, String)>,
}

/// Why a repository's postmortems could not be read. Every message names the repository
/// (`github:acme/svc`) and, where there is one, the file.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("{origin}: cannot list the files of branch {branch}: {source}{}", not_found_hint(.source))]
    List {
        origin: String,
        branch: String,
        source: TrackerError,
    },
    #[error("{origin}:{path}: cannot read it on branch {branch}: {source}")]
    Read {
        origin: String,
        path: String,
        branch: String,
        source: TrackerError,
    },
    #[error("{origin}: {source}")]
    Glob { origin: String, source: GlobError },
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl RemoteError {
    /// The forge's answer behind this error, to tell a retry (rate limit, 5xx) from a stop
    /// (token, permissions, missing repository): see [`TrackerError::is_fatal`].
    pub fn tracker_error(&self) -> Option<&TrackerError> {
        match self {
            RemoteError::List { source, .. } | RemoteError::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn not_found_hint(e: &TrackerError) -> &'static str {
    match e {
        TrackerError::NotFound(_) => {
            " (the repository or the branch does not exist, or the token cannot see it)"
        }
        _ => "",
    }
}

/// The repository's own `.postmortem-tracker.toml` on `branch`, then the
/// `POSTMORTEM_TRACKER_*` variables of `env`, checked as the CLI checks a local file; the
/// defaults (and `env`) when the repository has none. Errors name
/// `github:acme/svc:.postmortem-tracker.toml`.
pub async fn read_config<F: Browse>(
    forge: &F,
    branch: &str,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Config, RemoteError> {
    let origin = forge.origin();
    let text = match forge.read_file(FILE_NAME, branch).await {
        Ok(file) => file.map(|f| f.text).unwrap_or_default(),
        Err(source) => {
            return Err(RemoteError::Read {
                origin,
                path: FILE_NAME.into(),
                branch: branch.into(),
                source,
            })
        }
    };
    Ok(Config::from_toml(
        &text,
        &format!("{origin}:{FILE_NAME}"),
        env,
    )?)
}

/// Lists the files on `branch`, keeps those `globs` select (with a postmortem extension),
/// reads and parses each. One listing (paginated on GitLab) and one request per selected file.
pub async fn load<F: Browse>(
    forge: &F,
    branch: &str,
    globs: &[String],
    options: &ParseOptions,
) -> Result<RemoteInputs, RemoteError> {
    let origin = forge.origin();
    let selector = Selector::new(globs).map_err(|source| RemoteError::Glob {
        origin: origin.clone(),
        source,
    })?;
    let files = forge
        .list_files(branch)
        .await
        .map_err(|source| RemoteError::List {
            origin: origin.clone(),
            branch: branch.into(),
            source,
        })?;
    let mut documents = Vec::new();
    let mut skipped = Vec::new();
    for entry in files
        .into_iter()
        .filter(|e| selector.is_selected(Path::new(&e.path)))
    {
        let path = entry.path;
        if let Some(size) = entry.size.filter(|s| *s > MAX_FILE_BYTES) {
            skipped.push((path, over_limit(size)));
            continue;
        }
        let text = match forge.read_file(&path, branch).await {
            Ok(Some(file)) => file.text,
            // Removed by a push between the listing and this read.
            Ok(None) => {
                skipped.push((path, format!("no longer on branch {branch}")));
                continue;
            }
            // The forge answered, but not with text: a symbolic link, a submodule, bytes that
            // are not UTF-8, a file larger than the API returns.
            Err(TrackerError::Rejected { message, .. }) => {
                skipped.push((path, message));
                continue;
            }
            Err(source) => {
                return Err(RemoteError::Read {
                    origin,
                    path,
                    branch: branch.into(),
                    source,
                })
            }
        };
        if text.len() as u64 > MAX_FILE_BYTES {
            skipped.push((path, over_limit(text.len() as u64)));
        } else if is_binary(text.as_bytes()) {
            skipped.push((path, "binary file (it contains NUL bytes)".into()));
        } else {
            documents.push((parse(&path, &text, options), text));
        }
    }
    Ok(RemoteInputs {
        branch: branch.into(),
        documents,
        skipped,
    })
}

fn over_limit(size: u64) -> String {
    format!(
        "{size} bytes is over the {} MiB limit",
        MAX_FILE_BYTES / 1024 / 1024
    )
}
