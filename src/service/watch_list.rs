//! The watch list: which repositories the service acts on (`--repository`,
//! `service.repositories`), parsed from `github:owner/name`, `gitlab:group/sub/project` or an
//! owner's every repository (`github:acme/*`), and whether a repository is on it.

use std::collections::BTreeSet;

use super::webhook::Forge;

/// Whether `repo` is watched: named, or under an `owner/*` entry (on GitLab, subgroups
/// included). An empty watch list watches everything.
pub fn is_watched(watch: &BTreeSet<(Forge, String)>, forge: Forge, repo: &str) -> bool {
    watch.is_empty()
        || watch.iter().any(|(f, w)| {
            *f == forge
                && match w.strip_suffix("/*") {
                    Some(owner) => repo
                        .strip_prefix(owner)
                        .and_then(|rest| rest.strip_prefix('/'))
                        .is_some_and(|rest| {
                            !rest.is_empty() && (forge == Forge::Gitlab || !rest.contains('/'))
                        }),
                    None => w == repo,
                }
        })
}

/// A watch list entry that is not `FORGE:OWNER/NAME` (or `FORGE:OWNER/*`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{entry:?}: {problem}")]
pub struct WatchListError {
    /// The entry as given.
    pub entry: String,
    /// What is wrong with it.
    pub problem: String,
}

/// Parses one `--repository` value: `github:owner/name` or `gitlab:group/sub/project`, or
/// every repository of an owner: `github:acme/*`, `gitlab:acme/platform/*`.
pub fn parse_repository(s: &str) -> Result<(Forge, String), WatchListError> {
    let bad = |problem: String| WatchListError {
        entry: s.to_string(),
        problem,
    };
    let (forge, repo) = s
        .split_once(':')
        .ok_or_else(|| bad("expected github:OWNER/NAME or gitlab:GROUP/PROJECT".into()))?;
    let forge = Forge::parse(&forge.to_lowercase())
        .ok_or_else(|| bad(format!("unknown forge {forge:?} (github or gitlab)")))?;
    let repo = repo.trim().trim_matches('/').to_lowercase();
    if !repo.contains('/') || repo.split('/').any(str::is_empty) {
        return Err(bad(
            "expected OWNER/NAME (or OWNER/* for all of an owner's) after the forge".into(),
        ));
    }
    if forge == Forge::Github && repo.matches('/').count() != 1 {
        return Err(bad(
            "a GitHub repository is OWNER/NAME (or OWNER/*), without subgroups".into(),
        ));
    }
    if repo.contains('*') && !(repo.ends_with("/*") && repo.matches('*').count() == 1) {
        return Err(bad(
            "`*` stands only for a whole name at the end: OWNER/*".into()
        ));
    }
    Ok((forge, repo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_flags() {
        assert_eq!(
            parse_repository("GitLab:Group/Sub/Project").unwrap(),
            (Forge::Gitlab, "group/sub/project".to_string())
        );
        for bad in [
            "acme/svc",
            "github:acme/team/svc",
            "github:acme/team/*",
            "gitlab:acme/*/x",
            "bitbucket:a/b",
            "github:acme",
            "github:/a",
            "github:a//b",
        ] {
            assert!(parse_repository(bad).is_err(), "{bad}");
        }
    }
}
