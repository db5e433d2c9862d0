//! What write-back in `commit` and `pull-request` mode needs from a forge: files with their
//! version (GitHub blob sha, GitLab last commit id), branches, and one pull/merge request.
//! Implemented next to each adapter ([`super::github`], [`super::gitlab`]).
//!
//! Like the tracker calls, one request per call and no retries: the retry on a conflict lives
//! in [`crate::writeback::publish`], which reads again and re-applies the change.

use super::TrackerError;

/// A file as it is on a branch, with the version a write must name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    pub text: String,
    /// GitHub: the blob sha. GitLab: the file's last commit id.
    pub version: String,
}

/// A pull or merge request the tool keeps open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRequest {
    /// PR number / MR iid.
    pub number: u64,
    pub url: String,
    /// Opened by this call (else found open and updated).
    pub created: bool,
}

/// Files, branches and pull/merge requests of the tracker's repository.
#[allow(async_fn_in_trait)]
pub trait Publisher {
    /// The repository's default branch.
    async fn default_branch(&self) -> Result<String, TrackerError>;

    /// The file at `path` on `branch`, `None` when it does not exist.
    async fn read_file(&self, path: &str, branch: &str)
        -> Result<Option<RemoteFile>, TrackerError>;

    /// Replaces the file, naming the version it was read at. A stale version is refused with
    /// an error for which [`is_conflict`] is true, and nothing is written.
    async fn write_file(
        &self,
        path: &str,
        branch: &str,
        text: &str,
        version: &str,
        message: &str,
    ) -> Result<(), TrackerError>;

    /// Creates `branch` from the head of `from` unless it exists. True when created.
    async fn ensure_branch(&self, branch: &str, from: &str) -> Result<bool, TrackerError>;

    /// The open pull/merge request from `head` into `base` with this body: the one open for
    /// `head` is updated, else one is opened.
    async fn upsert_change_request(
        &self,
        head: &str,
        base: &str,
        title: &str,
        body: &str,
    ) -> Result<ChangeRequest, TrackerError>;
}

/// A write refused because the file changed since it was read: GitHub 409 (sha does not
/// match), GitLab 400 "has changed since you started editing it".
pub fn is_conflict(e: &TrackerError) -> bool {
    match e {
        TrackerError::Rejected { status: 409, .. } => true,
        TrackerError::Rejected {
            status: 400,
            message,
        } => {
            let m = message.to_lowercase();
            m.contains("changed since") || m.contains("last_commit_id")
        }
        _ => false,
    }
}

/// A file's text from the base64 `content` both forges' file APIs return (line breaks and
/// other whitespace in it ignored). Bad base64 or bytes that are not UTF-8 are refused, never
/// replaced: a commit would otherwise write the file back changed.
pub fn decode_content(content: &str, path: &str, branch: &str) -> Result<String, TrackerError> {
    use base64::Engine as _;
    let encoded: Vec<u8> = content
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|e| TrackerError::Rejected {
            status: 0,
            message: format!("{path} on {branch}: content is not base64: {e}"),
        })?;
    String::from_utf8(bytes).map_err(|_| TrackerError::Rejected {
        status: 0,
        message: format!("{path} on {branch}: content is not UTF-8 text"),
    })
}

/// Percent-encodes a repository path for a URL, keeping `/` between segments.
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicts_are_409_and_gitlabs_stale_400() {
        let r = |status, m: &str| TrackerError::Rejected {
            status,
            message: m.into(),
        };
        assert!(is_conflict(&r(409, "a.md does not match abc")));
        assert!(is_conflict(&r(
            400,
            "You are attempting to update a file that has changed since you started editing it."
        )));
        assert!(!is_conflict(&r(400, "branch is missing")));
        assert!(!is_conflict(&r(422, "sha wasn't supplied")));
    }

    #[test]
    fn paths_are_encoded_per_segment() {
        assert_eq!(
            encode_path("postmortems/2024-01 db.md"),
            "postmortems/2024-01%20db.md"
        );
        assert_eq!(encode_path("a/é#.md"), "a/%C3%A9%23.md");
    }
}
