//! What each repository's last job read: its default branch and its files by blob id (with
//! their text). Kept in the database, not in the process, so that a restarted service and
//! every replica read an unchanged repository's files no more than once: a follow-up then costs
//! the file listing (which shows every blob id) and the issue listing.

use serde::{Deserialize, Serialize};

use super::sql::args;
use super::{Store, StoreError};
use crate::forge::publish::Published;
use crate::service::webhook::Forge;
use crate::source::remote::Seen;

/// What a repository's last job read: a follow-up job trusts the branch name (no request for
/// it), and no job reads a file whose blob id is unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remembered {
    /// The default branch the last job read.
    pub branch: Option<String>,
    /// The files it read, by path: blob id and text.
    pub seen: Seen,
}

impl Remembered {
    /// Keeps the files `published` committed onto the branch this job read (commit mode; a
    /// pull request's branch is not the one read) with their new blob ids and texts, so the
    /// next job reads none of them: the tool's own commit changes a file's blob id, and
    /// without this every write cost one more read in the job after it. An id that is not the
    /// forge's (bytes stored other than sent) only costs that read: the listing then shows
    /// another id, and a file is reused only when its listed id is the one kept.
    pub fn committed(&mut self, published: &Published) {
        if self.branch.as_deref() != Some(published.branch.as_str()) {
            return;
        }
        for c in &published.committed {
            self.seen.keep(&c.path, &c.blob_id, &c.text);
        }
    }
}

impl Store {
    /// What `forge:repo`'s last job read; nothing for a repository never read, and nothing
    /// for a record this program cannot read (it is a cache: the job reads everything again
    /// and replaces it).
    pub fn remembered(&self, forge: Forge, repo: &str) -> Result<Remembered, StoreError> {
        let repo = repo.to_string();
        self.read(move |tx, _| {
            let Some(row) = tx.query_opt(
                "SELECT branch, seen FROM remembered WHERE forge = $1 AND repo = $2",
                args![forge.as_str(), repo],
            )?
            else {
                return Ok(Remembered::default());
            };
            let seen = serde_json::from_str(&row.text(1)?).unwrap_or_default();
            Ok(Remembered {
                branch: row.opt_text(0)?,
                seen,
            })
        })
    }

    /// Replaces what `forge:repo`'s last job read with `read`.
    pub fn remember(&self, forge: Forge, repo: &str, read: &Remembered) -> Result<(), StoreError> {
        let repo = repo.to_string();
        let branch = read.branch.clone();
        let seen = serde_json::to_string(&read.seen).map_err(StoreError::Encode)?;
        self.write(move |tx, _| {
            tx.execute(
                "INSERT INTO remembered (forge, repo, branch, seen) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (forge, repo) DO UPDATE SET branch = excluded.branch, seen = excluded.seen",
                args![forge.as_str(), repo, branch, seen],
            )?;
            Ok(())
        })
        .map_err(StoreError::at("cannot save what the job read"))
    }
}
