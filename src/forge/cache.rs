//! What both adapters cache per run, written once: the users looked up by login
//! ([`Users`]), the repository's milestones by title ([`Named`]), and the create-unless-present
//! protocol with its race (another run created the same milestone
//! between this run's listing and its create: the forge refuses it as existing, and the
//! milestone is found by listing again, once).

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use super::TrackerError;

/// Things the forge names (milestones: title → id), listed once and then kept current.
#[derive(Debug, Default)]
pub struct Named(Mutex<Option<HashMap<String, u64>>>);

impl Named {
    fn get(&self) -> Option<HashMap<String, u64>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set(&self, map: Option<HashMap<String, u64>>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = map;
    }

    /// The id of `name`: from the cache, else from `list` (every name and its id), else made
    /// by `create`. A create refused as `already_exists` (the forge's status for a name in
    /// use) lists again once and takes the one found.
    pub async fn ensure<L, LF, C, CF>(
        &self,
        name: &str,
        already_exists: u16,
        list: L,
        create: C,
    ) -> Result<u64, TrackerError>
    where
        L: Fn() -> LF,
        LF: Future<Output = Result<Vec<(String, u64)>, TrackerError>>,
        C: Fn() -> CF,
        CF: Future<Output = Result<u64, TrackerError>>,
    {
        for attempt in 0..2 {
            let map = match self.get() {
                Some(m) if attempt == 0 => m,
                _ => {
                    let m: HashMap<String, u64> = list().await?.into_iter().collect();
                    self.set(Some(m.clone()));
                    m
                }
            };
            if let Some(id) = map.get(name) {
                return Ok(*id);
            }
            match create().await {
                Ok(id) => {
                    if let Some(map) = self.0.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
                        map.insert(name.to_string(), id);
                    }
                    return Ok(id);
                }
                Err(TrackerError::Rejected { status, .. })
                    if status == already_exists && attempt == 0 =>
                {
                    self.set(None);
                }
                Err(e) => return Err(e),
            }
        }
        Err(TrackerError::Rejected {
            status: already_exists,
            message: format!("{name:?} could not be created or found"),
        })
    }
}

/// Logins looked up on the forge: the id to assign by, or `None` for no such user.
#[derive(Debug, Default)]
pub struct Users(Mutex<HashMap<String, Option<String>>>);

impl Users {
    /// The answer for `login` (without `@`): cached, else `lookup`'s, which is kept.
    pub async fn resolve<F, Fut>(
        &self,
        login: &str,
        lookup: F,
    ) -> Result<Option<String>, TrackerError>
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = Result<Option<String>, TrackerError>>,
    {
        let login = login.trim_start_matches('@');
        if let Some(hit) = self.0.lock().unwrap_or_else(|e| e.into_inner()).get(login) {
            return Ok(hit.clone());
        }
        let found = lookup(login.to_string()).await?;
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(login.to_string(), found.clone());
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn lists_once_creates_once_and_survives_the_race() {
        let named = Named::default();
        let (lists, creates) = (AtomicUsize::new(0), AtomicUsize::new(0));
        // Another run creates "v1" (id 7) between our listing and our create.
        let list = || async {
            let n = lists.fetch_add(1, Ordering::SeqCst);
            Ok(if n == 0 {
                vec![("v0".to_string(), 3)]
            } else {
                vec![("v0".to_string(), 3), ("v1".to_string(), 7)]
            })
        };
        let create = || async {
            creates.fetch_add(1, Ordering::SeqCst);
            Err(TrackerError::Rejected {
                status: 422,
                message: "already_exists".into(),
            })
        };
        assert_eq!(named.ensure("v1", 422, list, create).await, Ok(7));
        assert_eq!(
            (lists.load(Ordering::SeqCst), creates.load(Ordering::SeqCst)),
            (2, 1)
        );
        // Now cached: no listing, no create.
        assert_eq!(named.ensure("v0", 422, list, create).await, Ok(3));
        assert_eq!(named.ensure("v1", 422, list, create).await, Ok(7));
        assert_eq!(lists.load(Ordering::SeqCst), 2);
        // Another refusal is an error, not a loop.
        let other = || async {
            Err(TrackerError::Rejected {
                status: 403,
                message: "no".into(),
            })
        };
        assert!(named.ensure("v2", 422, list, other).await.is_err());
    }
}
