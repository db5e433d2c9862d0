//! CI environments and events: what GitHub Actions or GitLab CI says about the run, read from
//! the environment (a map, so tests need not touch the process) and, on GitHub, the event
//! payload. Pure: reading the payload file and writing outputs happen in `cli::ci`.

pub mod review;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::Value;

/// Which CI service runs us.
pub use crate::forge::ForgeKind as Forge;

/// What triggered the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A pull request (GitHub) or merge request (GitLab) was opened or pushed to.
    Review {
        /// PR number or MR iid.
        number: u64,
        /// The head lives in a fork: the token is read-only, comments cannot be written.
        fork: bool,
    },
    /// A push to `branch`; `default_branch` when the environment names it.
    Push {
        branch: String,
        default_branch: Option<String>,
    },
    /// A schedule or a manual run: the follow-up.
    Scheduled { trigger: String },
    /// Anything else (`issues`, `release`, a tag push): nothing to do.
    Other(String),
}

impl Event {
    /// A push to the default branch (or to a branch when the default is unknown: the
    /// workflow's own `branches:` filter chose it).
    pub fn is_default_push(&self) -> bool {
        matches!(self, Event::Push { branch, default_branch }
            if default_branch.as_deref().is_none_or(|d| d == branch))
    }
}

/// The run, as the CI environment describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiRun {
    pub forge: Forge,
    pub event: Event,
    /// `owner/name` or the GitLab project path or id.
    pub repo: String,
    /// API root (`GITHUB_API_URL`, `CI_API_V4_URL`).
    pub api_url: Option<String>,
    /// Where step outputs go (`GITHUB_OUTPUT`).
    pub output_file: Option<PathBuf>,
    /// Where the Markdown job summary goes (`GITHUB_STEP_SUMMARY`).
    pub summary_file: Option<PathBuf>,
}

/// Why the environment could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CiError {
    #[error("not running in GitHub Actions or GitLab CI (neither GITHUB_ACTIONS nor GITLAB_CI is set); run `plan`, `lint` or `sync` instead")]
    NotCi,
    #[error("{0} is not set; it is part of every {1} run (is this a CI job?)")]
    Missing(&'static str, &'static str),
    #[error("the event payload {path} cannot be used: {reason}")]
    Payload { path: String, reason: String },
}

/// A forced event kind (the action's `mode` input): what to do whatever triggered the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Check a pull or merge request.
    Review,
    /// Sync (as on a push to the default branch).
    Sync,
    /// Follow-up (as on a schedule).
    Followup,
}

/// Reads the CI run from `env`; `payload` is the GitHub event payload's text (the file named
/// by `GITHUB_EVENT_PATH`), when there is one.
pub fn detect(env: &HashMap<String, String>, payload: Option<&str>) -> Result<CiRun, CiError> {
    let var = |k: &str| env.get(k).filter(|v| !v.trim().is_empty()).cloned();
    if var("GITLAB_CI").is_some() {
        return gitlab(&var);
    }
    if var("GITHUB_ACTIONS").is_some() {
        return github(&var, payload);
    }
    Err(CiError::NotCi)
}

fn gitlab(var: &dyn Fn(&str) -> Option<String>) -> Result<CiRun, CiError> {
    const GL: &str = "GitLab CI";
    let source = var("CI_PIPELINE_SOURCE").ok_or(CiError::Missing("CI_PIPELINE_SOURCE", GL))?;
    let event = match source.as_str() {
        "merge_request_event" => {
            let iid =
                var("CI_MERGE_REQUEST_IID").ok_or(CiError::Missing("CI_MERGE_REQUEST_IID", GL))?;
            let number = iid.parse().map_err(|_| CiError::Payload {
                path: "CI_MERGE_REQUEST_IID".into(),
                reason: format!("{iid:?} is not a number"),
            })?;
            // A fork MR runs in the target project only when a member starts it; the source
            // project differs from the project otherwise.
            let fork = match (
                var("CI_MERGE_REQUEST_SOURCE_PROJECT_ID"),
                var("CI_MERGE_REQUEST_PROJECT_ID"),
            ) {
                (Some(s), Some(t)) => s != t,
                _ => false,
            };
            Event::Review { number, fork }
        }
        "push" | "web" | "api" | "trigger" | "pipeline" if var("CI_COMMIT_BRANCH").is_some() => {
            Event::Push {
                branch: var("CI_COMMIT_BRANCH").unwrap_or_default(),
                default_branch: var("CI_DEFAULT_BRANCH"),
            }
        }
        "push" if var("CI_COMMIT_TAG").is_some() => Event::Other(format!(
            "push of tag {}",
            var("CI_COMMIT_TAG").unwrap_or_default()
        )),
        "schedule" => Event::Scheduled { trigger: source },
        other => Event::Other(other.to_string()),
    };
    // The merge request's iid counts in its target project; a fork's pipeline runs in the fork.
    let target = match event {
        Event::Review { .. } => {
            var("CI_MERGE_REQUEST_PROJECT_PATH").or_else(|| var("CI_MERGE_REQUEST_PROJECT_ID"))
        }
        _ => None,
    };
    let repo = target
        .or_else(|| var("CI_PROJECT_PATH"))
        .or_else(|| var("CI_PROJECT_ID"))
        .ok_or(CiError::Missing("CI_PROJECT_ID", GL))?;
    Ok(CiRun {
        forge: Forge::Gitlab,
        event,
        repo,
        api_url: var("CI_API_V4_URL"),
        output_file: None,
        summary_file: None,
    })
}

fn github(var: &dyn Fn(&str) -> Option<String>, payload: Option<&str>) -> Result<CiRun, CiError> {
    const GH: &str = "GitHub Actions";
    let name = var("GITHUB_EVENT_NAME").ok_or(CiError::Missing("GITHUB_EVENT_NAME", GH))?;
    let path = var("GITHUB_EVENT_PATH").unwrap_or_default();
    let bad = |reason: String| CiError::Payload {
        path: path.clone(),
        reason,
    };
    let json: Value = match payload {
        Some(text) => serde_json::from_str(text).map_err(|e| bad(format!("not JSON ({e})")))?,
        None => Value::Null,
    };
    let event = match name.as_str() {
        "pull_request" | "pull_request_target" => {
            let pr = &json["pull_request"];
            let number = json["number"]
                .as_u64()
                .or_else(|| pr["number"].as_u64())
                .ok_or_else(|| bad("no pull request number (`number`)".into()))?;
            let base = pr["base"]["repo"]["full_name"].as_str();
            // A deleted fork has `head.repo: null`; it is still a fork.
            let head = pr["head"]["repo"]["full_name"].as_str();
            Event::Review {
                number,
                fork: base.is_some() && head != base,
            }
        }
        "push" => {
            let git_ref = json["ref"]
                .as_str()
                .map(str::to_string)
                .or_else(|| var("GITHUB_REF"))
                .unwrap_or_default();
            match git_ref.strip_prefix("refs/heads/") {
                Some(b) => Event::Push {
                    branch: b.to_string(),
                    default_branch: json["repository"]["default_branch"]
                        .as_str()
                        .map(str::to_string),
                },
                None => Event::Other(format!("push of {git_ref}")),
            }
        }
        "schedule" | "workflow_dispatch" => Event::Scheduled { trigger: name },
        other => Event::Other(other.to_string()),
    };
    Ok(CiRun {
        forge: Forge::Github,
        event,
        repo: var("GITHUB_REPOSITORY").ok_or(CiError::Missing("GITHUB_REPOSITORY", GH))?,
        api_url: var("GITHUB_API_URL"),
        output_file: var("GITHUB_OUTPUT").map(PathBuf::from),
        summary_file: var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
    })
}

/// The step outputs of every run (zero when a count does not apply to the event).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Outputs {
    /// Issues opened.
    pub created: usize,
    /// Existing issues linked to their items.
    pub adopted: usize,
    pub overdue: usize,
    pub open: usize,
    pub done: usize,
}

impl Outputs {
    /// The outputs of a job that opened `created` issues and linked `adopted`, with every
    /// item's state from `statuses`.
    pub fn of(
        statuses: &[(
            crate::render::context::PostmortemRef,
            Vec<crate::render::context::StatusItem>,
        )],
        created: usize,
        adopted: usize,
    ) -> Outputs {
        let all: Vec<_> = statuses.iter().flat_map(|(_, s)| s.clone()).collect();
        let c = crate::render::context::Counts::of(&all);
        Outputs {
            created,
            adopted,
            overdue: c.overdue,
            open: c.open,
            done: c.done,
        }
    }

    /// `name=value` lines for `$GITHUB_OUTPUT`.
    pub fn github(&self) -> String {
        let mut out = String::new();
        for (k, v) in [
            ("created", self.created),
            ("adopted", self.adopted),
            ("overdue", self.overdue),
            ("open", self.open),
            ("done", self.done),
        ] {
            let _ = writeln!(out, "{k}={v}");
        }
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An environment of `pairs` (also used by the options' tests).
    pub(crate) fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn github_pull_request_from_a_fork() {
        let e = env(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_REPOSITORY", "acme/svc"),
        ]);
        let payload = r#"{"number": 7, "pull_request": {"base": {"repo": {"full_name": "acme/svc"}},
            "head": {"repo": {"full_name": "someone/svc"}}}}"#;
        let run = detect(&e, Some(payload)).unwrap();
        assert_eq!(
            run.event,
            Event::Review {
                number: 7,
                fork: true
            }
        );
    }

    #[test]
    fn github_push_knows_the_default_branch() {
        let e = env(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", "push"),
            ("GITHUB_REPOSITORY", "acme/svc"),
        ]);
        let run = detect(
            &e,
            Some(r#"{"ref": "refs/heads/dev", "repository": {"default_branch": "main"}}"#),
        )
        .unwrap();
        assert!(!run.event.is_default_push());
        let run = detect(
            &e,
            Some(r#"{"ref": "refs/heads/main", "repository": {"default_branch": "main"}}"#),
        )
        .unwrap();
        assert!(run.event.is_default_push());
    }

    #[test]
    fn bad_payload_and_missing_variables_say_what() {
        let e = env(&[("GITHUB_ACTIONS", "true"), ("GITHUB_EVENT_NAME", "push")]);
        let err = detect(&e, Some("{")).unwrap_err().to_string();
        assert!(err.contains("not JSON"), "{err}");
        let err = detect(&e, Some("{}")).unwrap_err().to_string();
        assert!(err.contains("GITHUB_REPOSITORY"), "{err}");
        assert_eq!(detect(&env(&[]), None), Err(CiError::NotCi));
    }

    #[test]
    fn gitlab_events() {
        let base = [
            ("GITLAB_CI", "true"),
            ("CI_PROJECT_PATH", "acme/svc"),
            ("CI_DEFAULT_BRANCH", "main"),
        ];
        let mut e = env(&base);
        e.insert("CI_PIPELINE_SOURCE".into(), "merge_request_event".into());
        e.insert("CI_MERGE_REQUEST_IID".into(), "3".into());
        assert_eq!(
            detect(&e, None).unwrap().event,
            Event::Review {
                number: 3,
                fork: false
            }
        );
        let mut e = env(&base);
        e.insert("CI_PIPELINE_SOURCE".into(), "push".into());
        e.insert("CI_COMMIT_BRANCH".into(), "main".into());
        assert!(detect(&e, None).unwrap().event.is_default_push());
        let mut e = env(&base);
        e.insert("CI_PIPELINE_SOURCE".into(), "schedule".into());
        assert!(matches!(
            detect(&e, None).unwrap().event,
            Event::Scheduled { .. }
        ));
    }

    #[test]
    fn outputs_are_name_value_lines() {
        let o = Outputs {
            created: 2,
            adopted: 1,
            overdue: 0,
            open: 3,
            done: 4,
        };
        assert_eq!(
            o.github(),
            "created=2\nadopted=1\noverdue=0\nopen=3\ndone=4\n"
        );
    }
}
