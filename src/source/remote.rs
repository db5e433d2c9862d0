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

use std::collections::HashMap;
use std::path::Path;

use crate::config::{Config, ConfigError, FILE_NAME};
use crate::forge::browse::{Browse, RepoEntry};
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

/// Files read before, by path: each one's blob id and text. A listing that shows the same blob
/// id shows the same content, so the file is not read again.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Seen {
    files: HashMap<String, (String, String)>,
}

impl Seen {
    /// `path`'s text: kept when `entry`'s blob id is the one read before, else read (and
    /// kept). `None` when the file went away meanwhile.
    async fn read<F: Browse>(
        &mut self,
        forge: &F,
        entry: &RepoEntry,
        branch: &str,
    ) -> Result<Option<String>, TrackerError> {
        if let Some((sha, text)) = self.files.get(&entry.path) {
            if !entry.sha.is_empty() && *sha == entry.sha {
                return Ok(Some(text.clone()));
            }
        }
        let Some(file) = forge.read_file(&entry.path, branch).await? else {
            self.files.remove(&entry.path);
            return Ok(None);
        };
        if !entry.sha.is_empty() {
            self.files
                .insert(entry.path.clone(), (entry.sha.clone(), file.text.clone()));
        }
        Ok(Some(file.text))
    }

    /// Keeps `text` as `path`'s content under `blob_id`: a file this program just committed, so
    /// that a listing showing that id reads nothing.
    pub fn keep(&mut self, path: &str, blob_id: &str, text: &str) {
        self.files
            .insert(path.to_string(), (blob_id.to_string(), text.to_string()));
    }

    /// Forgets the files `listing` no longer has (deleted ones would be kept forever).
    fn keep_only(&mut self, listing: &[RepoEntry]) {
        let listed: std::collections::HashSet<&str> =
            listing.iter().map(|e| e.path.as_str()).collect();
        self.files.retain(|p, _| listed.contains(p.as_str()));
    }
}

/// Every file on `branch` (one listing, paginated on GitLab).
pub async fn list<F: Browse>(forge: &F, branch: &str) -> Result<Vec<RepoEntry>, RemoteError> {
    forge
        .list_files(branch)
        .await
        .map_err(|source| RemoteError::List {
            origin: forge.origin(),
            branch: branch.into(),
            source,
        })
}

/// [`read_config`] from a listing of the branch: no request when the repository has no
/// configuration file or when its blob is one `seen` already holds.
pub async fn read_listed_config<F: Browse>(
    forge: &F,
    branch: &str,
    files: &[RepoEntry],
    seen: &mut Seen,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Config, RemoteError> {
    let origin = forge.origin();
    let text = match files.iter().find(|e| e.path == FILE_NAME) {
        None => String::new(),
        Some(entry) => seen
            .read(forge, entry, branch)
            .await
            .map_err(|source| RemoteError::Read {
                origin: origin.clone(),
                path: FILE_NAME.into(),
                branch: branch.into(),
                source,
            })?
            .unwrap_or_default(),
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
    let files = list(forge, branch).await?;
    load_listed(forge, branch, files, globs, options, &mut Seen::default()).await
}

/// [`load`] from a listing of the branch, reading only the files whose blob `seen` does not
/// hold already; `seen` keeps what was read for the next time.
pub async fn load_listed<F: Browse>(
    forge: &F,
    branch: &str,
    files: Vec<RepoEntry>,
    globs: &[String],
    options: &ParseOptions,
    seen: &mut Seen,
) -> Result<RemoteInputs, RemoteError> {
    let origin = forge.origin();
    let selector = Selector::new(globs).map_err(|source| RemoteError::Glob {
        origin: origin.clone(),
        source,
    })?;
    seen.keep_only(&files);
    let mut documents = Vec::new();
    let mut skipped = Vec::new();
    for entry in files
        .into_iter()
        .filter(|e| selector.is_selected(Path::new(&e.path)))
    {
        if let Some(size) = entry.size.filter(|s| *s > MAX_FILE_BYTES) {
            skipped.push((entry.path, over_limit(size)));
            continue;
        }
        let read = seen.read(forge, &entry, branch).await;
        let path = entry.path;
        let text = match read {
            Ok(Some(text)) => text,
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
