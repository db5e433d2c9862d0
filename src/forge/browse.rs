//! What reading a repository without a checkout needs from a forge: every file on a branch
//! ([`Browse::list_files`]) and, for watching a whole owner, every repository of it
//! (`GitHub::repositories_of`, `GitLab::repositories_of`). One file is read with
//! [`Publisher::read_file`], the same call write-back uses.
//!
//! Implemented next to each adapter ([`super::github`], [`super::gitlab`]); like the other
//! adapter calls, one request per call (plus pagination) and no retries.

use super::publish::Publisher;
use super::TrackerError;

/// A regular file on a branch, as the forge's tree lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoEntry {
    /// Relative to the repository root, `/`-separated.
    pub path: String,
    /// Bytes, when the listing tells (GitHub does, GitLab does not).
    pub size: Option<u64>,
    /// The blob's git id: the same id is the same content, so a file already read need not be
    /// read again.
    pub sha: String,
}

/// Listing a repository's files through the API.
#[allow(async_fn_in_trait)]
pub trait Browse: Publisher {
    /// The repository as the service names it: `github:acme/svc`, `gitlab:group/project`.
    fn origin(&self) -> String;

    /// Every regular file on `branch`, sorted by path: no folders, submodules or symbolic
    /// links (a local walk does not follow links either). A repository without any commit has
    /// no files; a missing repository or branch is [`TrackerError::NotFound`].
    async fn list_files(&self, branch: &str) -> Result<Vec<RepoEntry>, TrackerError>;
}

/// Git's file mode of a symbolic link, as both forges report it in trees.
pub const SYMLINK_MODE: &str = "120000";
