//! What write-back in `commit` and `pull-request` mode needs from a forge: files with their
//! version (GitHub blob sha, GitLab last commit id), branches, and one pull/merge request.
//! Implemented next to each adapter ([`super::github`], [`super::gitlab`]).
//!
//! Like the tracker calls, one request per call and no retries, except in [`publish`]: each
//! change is a pure function from a file's text to its new text, applied to the text on the
//! forge (not the checkout) and written naming the version it was read at; when someone else
//! committed in between, the write is refused, the file read again and the change re-applied,
//! so their edit is kept. Commits carry `[skip ci]` and a trailer ([`is_own_commit`]) so that
//! the tool's own commits never start another run.

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

/// One file write: `text` as the new content of `path` on `branch`, naming the `version` it
/// was read at, committed with `message`. (Named fields: five strings in a row are easy to
/// pass in the wrong order.)
#[derive(Debug, Clone, Copy)]
pub struct FileWrite<'a> {
    /// Path in the repository, `/`-separated.
    pub path: &'a str,
    /// The branch the commit goes on.
    pub branch: &'a str,
    /// The file's whole new text.
    pub text: &'a str,
    /// What [`RemoteFile::version`] said when the file was read: a write over a newer
    /// version is refused ([`is_conflict`]).
    pub version: &'a str,
    /// The commit message.
    pub message: &'a str,
}

/// The pull/merge request the tool keeps open from `head` into `base`.
#[derive(Debug, Clone, Copy)]
pub struct RequestSpec<'a> {
    /// The branch the tool commits to.
    pub head: &'a str,
    /// The branch it merges into (the default branch).
    pub base: &'a str,
    /// The title, given when the request is opened (an open one keeps its own).
    pub title: &'a str,
    /// The description, kept current.
    pub body: &'a str,
}

/// Files, branches and pull/merge requests of the tracker's repository.
#[allow(async_fn_in_trait)]
pub trait Publisher {
    /// The repository's default branch.
    async fn default_branch(&self) -> Result<String, TrackerError>;

    /// The file at `path` on `branch`, `None` when it does not exist.
    async fn read_file(&self, path: &str, branch: &str)
        -> Result<Option<RemoteFile>, TrackerError>;

    /// Replaces the file, naming the version it was read at, and gives the new file's git blob
    /// id: the one the forge answered with, else [`blob_id`] of the text sent. A stale version
    /// is refused with an error for which [`is_conflict`] is true, and nothing is written.
    async fn write_file(&self, write: &FileWrite<'_>) -> Result<String, TrackerError>;

    /// Creates `branch` from the head of `from` unless it exists. True when created.
    async fn ensure_branch(&self, branch: &str, from: &str) -> Result<bool, TrackerError>;

    /// The open pull/merge request from `head` into `base` with this body: the one open for
    /// `head` is updated (unless its body already says this), else one is opened.
    async fn upsert_change_request(
        &self,
        request: &RequestSpec<'_>,
    ) -> Result<ChangeRequest, TrackerError>;
}

/// Whether a pull/merge request's description on the forge already says `wanted` (forges
/// may drop trailing white space), so that updating it would write nothing new.
pub fn same_text(on_forge: Option<&str>, wanted: &str) -> bool {
    on_forge.is_some_and(|t| t.trim_end() == wanted.trim_end())
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

/// The git blob id of `text`: the sha1 of `blob <length>\0` followed by its bytes. Both forges
/// name a file's content by it (GitHub's contents API `sha`, GitLab's files API `blob_id`, and
/// both trees), so the id of a text just committed tells the next listing's reader that the
/// file still holds that text.
pub fn blob_id(text: &str) -> String {
    use sha1::{Digest, Sha1};
    let mut hash = Sha1::new();
    hash.update(format!("blob {}\0", text.len()));
    hash.update(text);
    hex::encode(hash.finalize())
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

/// The trailer key of the tool's commits.
pub const TRAILER_KEY: &str = "Postmortem-Tracker";

/// Which command wrote a commit: the value of its trailer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Status blocks and boxes (`followup`).
    Followup,
    /// Issue links (`sync` on a push).
    Sync,
}

/// `postmortem-tracker: update action item status [skip ci]`, a blank line and the trailer.
pub fn commit_message(source: Source) -> String {
    match source {
        Source::Followup => format!(
            "postmortem-tracker: update action item status [skip ci]\n\n{TRAILER_KEY}: follow-up\n"
        ),
        Source::Sync => {
            format!("postmortem-tracker: link action items to their issues [skip ci]\n\n{TRAILER_KEY}: sync\n")
        }
    }
}

/// True when a commit message is one the tool wrote: a line after the subject is the
/// `Postmortem-Tracker:` trailer (key compared without case, as git does).
pub fn is_own_commit(message: &str) -> bool {
    message.lines().skip(1).any(|l| {
        l.trim().split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case(TRAILER_KEY) && !v.trim().is_empty()
        })
    })
}

/// A change to one file's text: `None` when the text needs none.
pub type Apply<'a> = Box<dyn Fn(&str) -> Option<String> + Send + Sync + 'a>;

/// One file to change: `apply` maps the text on the forge to its new text, `None` when it
/// needs no change.
pub struct Change<'a> {
    /// Path in the repository (`/`-separated, from its root).
    pub path: String,
    pub apply: Apply<'a>,
}

/// Where the commits go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Straight onto the default branch.
    Commit,
    /// Onto `branch`, with one pull/merge request into the default branch.
    PullRequest { branch: String, title: String },
}

/// A file as a commit left it on the branch: what reading it there would give now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    /// Path in the repository, `/`-separated.
    pub path: String,
    /// The git blob id of `text`, as [`Publisher::write_file`] gave it.
    pub blob_id: String,
    /// The whole text committed.
    pub text: String,
}

/// What a publish did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Published {
    /// The branch written to.
    pub branch: String,
    /// Files committed.
    pub written: Vec<String>,
    /// The same files with what they hold now, for a reader that keeps files by blob id.
    #[serde(skip)]
    pub committed: Vec<Committed>,
    /// Files already up to date on the branch.
    pub unchanged: Vec<String>,
    /// Writes refused as stale, then read again and re-applied.
    pub conflicts: usize,
    /// Files that could not be written, with why; the other files went on.
    pub errors: Vec<String>,
    /// The pull/merge request (pull-request mode).
    pub request: Option<(u64, String, bool)>,
}

/// How often a file is read again after a conflict before giving up on it.
pub const MAX_ATTEMPTS: usize = 5;

/// Commits each change through `forge`, re-applying it after a conflict (at most
/// [`MAX_ATTEMPTS`] tries per file). In pull-request mode the branch is created from the
/// default branch when missing, and the one open request for it is opened or has its body
/// updated with `body`. Fatal errors (401, 403, 404 on the repository) stop the run.
pub async fn publish<P: Publisher>(
    forge: &P,
    changes: &[Change<'_>],
    target: &Target,
    message: &str,
    body: &str,
) -> Result<Published, TrackerError> {
    let default = forge.default_branch().await?;
    let branch = match target {
        Target::Commit => default.clone(),
        Target::PullRequest { branch, .. } => {
            forge.ensure_branch(branch, &default).await?;
            branch.clone()
        }
    };
    let mut out = Published {
        branch: branch.clone(),
        ..Published::default()
    };
    for change in changes {
        match publish_one(forge, change, &branch, message, &mut out.conflicts).await {
            Ok(Some(committed)) => {
                out.written.push(change.path.clone());
                out.committed.push(committed);
            }
            Ok(None) => out.unchanged.push(change.path.clone()),
            Err(e) if e.is_fatal() => return Err(e),
            Err(e) => out.errors.push(format!("{}: {e}", change.path)),
        }
    }
    if let Target::PullRequest { branch, title } = target {
        let ChangeRequest {
            number,
            url,
            created,
        } = forge
            .upsert_change_request(&RequestSpec {
                head: branch,
                base: &default,
                title,
                body,
            })
            .await?;
        out.request = Some((number, url, created));
    }
    Ok(out)
}

/// Commits one change (re-applied after each conflict); `None` when the file needs none.
async fn publish_one<P: Publisher>(
    forge: &P,
    change: &Change<'_>,
    branch: &str,
    message: &str,
    conflicts: &mut usize,
) -> Result<Option<Committed>, TrackerError> {
    for _ in 0..MAX_ATTEMPTS {
        let Some(file) = forge.read_file(&change.path, branch).await? else {
            return Err(TrackerError::Rejected {
                status: 404,
                message: format!("not on branch {branch} (commit it first)"),
            });
        };
        let Some(text) = (change.apply)(&file.text).filter(|t| *t != file.text) else {
            return Ok(None);
        };
        match forge
            .write_file(&FileWrite {
                path: &change.path,
                branch,
                text: &text,
                version: &file.version,
                message,
            })
            .await
        {
            Ok(blob_id) => {
                return Ok(Some(Committed {
                    path: change.path.clone(),
                    blob_id,
                    text,
                }))
            }
            Err(e) if is_conflict(&e) => *conflicts += 1,
            Err(e) => return Err(e),
        }
    }
    Err(TrackerError::Rejected {
        status: 409,
        message: format!("still changing on {branch} after {MAX_ATTEMPTS} attempts; not written"),
    })
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
    fn blob_ids_are_gits() {
        // What `git hash-object --stdin` says for each text.
        assert_eq!(
            blob_id("hello\n"),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
        assert_eq!(blob_id(""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
        // The length counts bytes, not characters.
        assert_eq!(blob_id("é"), "4b04fff51468d8ab5201ab02b725dc477bc7cb45");
    }

    #[test]
    fn paths_are_encoded_per_segment() {
        assert_eq!(
            encode_path("postmortems/2024-01 db.md"),
            "postmortems/2024-01%20db.md"
        );
        assert_eq!(encode_path("a/é#.md"), "a/%C3%A9%23.md");
    }

    #[test]
    fn own_commits_are_recognised_by_their_trailer() {
        assert!(is_own_commit(&commit_message(Source::Followup)));
        assert!(is_own_commit(&commit_message(Source::Sync)));
        assert!(commit_message(Source::Followup).contains("[skip ci]"));
        assert!(is_own_commit("fix\n\npostmortem-tracker: follow-up"));
        assert!(!is_own_commit("Fix the postmortem-tracker: docs"));
        assert!(!is_own_commit(
            "postmortem-tracker: update action item status"
        ));
        assert!(!is_own_commit("add postmortem for the db outage"));
    }
}
