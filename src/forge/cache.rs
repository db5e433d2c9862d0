//! What both adapters cache per run, written once: the users looked up by login
//! ([`Users`]), the repository's labels ([`Labels`]) and milestones by title ([`Named`]), and
//! the create-unless-present protocol with its race (another run created the same label or
//! milestone between this run's listing and its create: the forge refuses it as existing; a
//! label is then simply there, a milestone is found by listing again, once).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Mutex;

use super::{LabelSpec, TrackerError};

/// The repository's label names (lower case: both forges match labels without case), listed
/// once and then kept current.
#[derive(Debug, Default)]
pub struct Labels(Mutex<Option<HashSet<String>>>);

impl Labels {
    /// Creates the labels of `wanted` the repository does not have: the names come from the
    /// cache, else from `list` (every label's name); each missing one is made by `create`. A
    /// create refused as `already_exists` (the forge's status for a name in use: another run
    /// made it first) counts as made. On an error the labels made so far stay cached.
    pub async fn ensure<L, LF, C, CF>(
        &self,
        wanted: &[LabelSpec],
        already_exists: u16,
        list: L,
        create: C,
    ) -> Result<(), TrackerError>
    where
        L: FnOnce() -> LF,
        LF: Future<Output = Result<Vec<String>, TrackerError>>,
        C: Fn(&LabelSpec) -> CF,
        CF: Future<Output = Result<(), TrackerError>>,
    {
        let cached = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let mut known = match cached {
            Some(k) => k,
            None => list().await?.iter().map(|n| n.to_lowercase()).collect(),
        };
        let mut result = Ok(());
        for label in wanted {
            if known.contains(&label.name.to_lowercase()) {
                continue;
            }
            match create(label).await {
                Ok(()) => {}
                Err(TrackerError::Rejected { status, .. }) if status == already_exists => {}
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
            known.insert(label.name.to_lowercase());
        }
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(known);
        result
    }
}

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

    fn label(name: &str) -> LabelSpec {
        LabelSpec {
            name: name.into(),
            color: "ededed".into(),
            description: String::new(),
        }
    }

    #[tokio::test]
    async fn labels_are_listed_once_and_a_raced_create_counts_as_made() {
        let labels = Labels::default();
        let lists = AtomicUsize::new(0);
        let created = Mutex::new(Vec::new());
        let list = || async {
            lists.fetch_add(1, Ordering::SeqCst);
            Ok(vec!["Postmortem".to_string()])
        };
        // "overdue" was made by another run meanwhile: 409, as GitLab says it.
        let create = |l: &LabelSpec| {
            created.lock().unwrap().push(l.name.clone());
            let refused = l.name == "overdue";
            async move {
                if refused {
                    Err(TrackerError::Rejected {
                        status: 409,
                        message: "Label already exists".into(),
                    })
                } else {
                    Ok(())
                }
            }
        };
        let wanted = [label("postmortem"), label("overdue"), label("action-item")];
        assert_eq!(labels.ensure(&wanted, 409, list, create).await, Ok(()));
        assert_eq!(*created.lock().unwrap(), ["overdue", "action-item"]);
        // Cached, the raced one included: no listing, no create.
        assert_eq!(labels.ensure(&wanted, 409, list, create).await, Ok(()));
        assert_eq!(lists.load(Ordering::SeqCst), 1);
        assert_eq!(created.lock().unwrap().len(), 2);
        // Any other refusal is the caller's error; what was made before it stays cached.
        let failing = |l: &LabelSpec| {
            created.lock().unwrap().push(l.name.clone());
            async { Err(TrackerError::Forbidden("no".into())) }
        };
        let more = [label("a"), label("b")];
        assert!(labels.ensure(&more, 409, list, failing).await.is_err());
        assert_eq!(created.lock().unwrap().len(), 3, "stops at the first error");
    }

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
