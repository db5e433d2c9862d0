//! Configuration: `.postmortem-tracker.toml` in the repository, then `POSTMORTEM_TRACKER_*`
//! environment variables (nested keys with `__`: `POSTMORTEM_TRACKER_LINT__REQUIRE_DUE=false`),
//! then command-line flags (applied by each command).
//!
//! Tokens never come from here: a committed file is no place for a secret.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::clock::Zone;
use crate::due::{DueConfig, Policy};
use crate::model::SectionKind;
use crate::parse::ParseOptions;

/// The file read from the repository root unless `--config` names another.
pub const FILE_NAME: &str = ".postmortem-tracker.toml";

/// Everything configurable, with its defaults.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Globs of postmortem files, relative to the repository root, used when no PATH is given.
    pub paths: Vec<String>,
    /// Sections every postmortem should have (`lint`): kind names such as `summary`,
    /// `root_cause`, `timeline`, `impact`, or `actions` for any action section.
    pub required_sections: Vec<String>,
    /// The zone of times written without one: `UTC`, an abbreviation (`CET`), or an offset
    /// (`+02:00`). Without it such times stay local.
    pub time_zone: Option<String>,
    /// A folder of handlebars templates that override the built-in ones, file by file.
    pub templates_dir: Option<PathBuf>,
    /// Extra heading synonyms: phrase → section kind (`"things to fix" = "tasks"`).
    pub headings: BTreeMap<String, String>,
    pub lint: LintConfig,
    /// Owner names as postmortems write them → tracker logins (`"Tobias Brandt" = "tbrandt"`).
    pub owners: BTreeMap<String, String>,
    /// Where and how `plan` and `sync` talk to the tracker.
    pub sync: SyncConfig,
    /// The due-date policy for items that name no date: `[due]`, or `due = "off"`.
    pub due: DueConfig,
    /// The follow-up: reminders, how the status is written back.
    pub followup: FollowupConfig,
    /// The webhook service (`serve`).
    pub service: ServiceConfig,
    /// Boards teams watch: a GitHub Project (`[projects.github]`) kept current with every
    /// tracked issue.
    pub projects: ProjectsConfig,
    /// The label that tells each tracked issue's state, for label-based boards
    /// (`[state_labels]`).
    pub state_labels: StateLabelsConfig,
}

/// The state label kept on every tracked issue (one of three, replaced when the state
/// changes), so a GitLab board or a GitHub label filter has one list per state. The `::`
/// makes them scoped labels on GitLab.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct StateLabelsConfig {
    /// Keep the labels (on by default).
    pub enabled: bool,
    pub open: String,
    pub overdue: String,
    pub done: String,
}

impl Default for StateLabelsConfig {
    fn default() -> Self {
        StateLabelsConfig {
            enabled: true,
            open: "postmortem-state::open".into(),
            overdue: "postmortem-state::overdue".into(),
            done: "postmortem-state::done".into(),
        }
    }
}

/// Boards kept current by every sync and follow-up.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ProjectsConfig {
    /// A GitHub Project (v2); unset: none.
    pub github: Option<GithubProjectConfig>,
}

/// A GitHub Project (v2), by its owner and number (`github.com/orgs/OWNER/projects/NUMBER`),
/// and how its fields map to what the tool knows of each item.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GithubProjectConfig {
    /// The organisation or user the project belongs to.
    pub owner: String,
    /// The project's number.
    pub number: u64,
    /// The project's field names.
    #[serde(default)]
    pub fields: ProjectFieldNames,
    /// The `Status` options for each state.
    #[serde(default)]
    pub status: StatusOptions,
    /// The `Kind` options for each kind of item.
    #[serde(default)]
    pub kind: KindOptions,
}

/// The names of the project's fields. Unset: the default name, and a project without that
/// field is skipped with a notice. Set: the field must exist (an error otherwise). Set to
/// `""`: the field is left alone.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ProjectFieldNames {
    /// Single select (default `Status`).
    pub status: Option<String>,
    /// Date (default `Due date`).
    pub due: Option<String>,
    /// Text: the postmortem's title (default `Postmortem`).
    pub postmortem: Option<String>,
    /// Text or single select: the front matter's severity (default `Severity`).
    pub severity: Option<String>,
    /// Single select (default `Kind`).
    pub kind: Option<String>,
}

/// The `Status` option each state is shown as; a new GitHub project has Todo, In Progress
/// and Done.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct StatusOptions {
    pub open: String,
    pub overdue: String,
    pub done: String,
}

impl Default for StatusOptions {
    fn default() -> Self {
        StatusOptions {
            open: "Todo".into(),
            overdue: "Todo".into(),
            done: "Done".into(),
        }
    }
}

/// The `Kind` option of each kind of item.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct KindOptions {
    pub corrective: String,
    pub preventive: String,
    pub task: String,
    /// Items whose kind the postmortem does not say. Unset: the option `Unknown` when the
    /// field has one, else the field is left empty.
    pub unknown: Option<String>,
}

impl Default for KindOptions {
    fn default() -> Self {
        KindOptions {
            corrective: "Corrective".into(),
            preventive: "Preventive".into(),
            task: "Task".into(),
            unknown: None,
        }
    }
}

/// The webhook service (`serve`); flags override these. Webhook secrets are never written
/// here: `GITHUB_WEBHOOK_SECRET` and `GITLAB_WEBHOOK_TOKEN`, or files this names.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceConfig {
    /// `ADDR:PORT` to listen on.
    pub listen: String,
    /// The database: queue, delivery ids, run history, items index. A path (or `sqlite://PATH`)
    /// for an SQLite file, or a `postgres://` URL for PostgreSQL (several replicas).
    pub database: PathBuf,
    /// Repositories to act on, `github:OWNER/NAME` or `gitlab:GROUP/PROJECT`; empty: all whose
    /// deliveries authenticate.
    pub repositories: Vec<String>,
    /// Repositories reconciled at once.
    pub workers: usize,
    /// Largest webhook body accepted, in bytes.
    pub max_body_bytes: usize,
    /// When to follow up on every repository (the watched ones, else every one seen before), as
    /// a cron expression in UTC: `0 6 * * *` (5 fields) or with seconds first (6 fields).
    /// Unset: only webhooks trigger work.
    pub schedule: Option<String>,
    /// GitHub's API root (GitHub Enterprise: `https://HOST/api/v3`). The token comes from
    /// `GITHUB_TOKEN` only.
    pub github_api_url: String,
    /// GitLab's API root (`https://HOST/api/v4`). The token comes from `GITLAB_TOKEN` only.
    pub gitlab_api_url: String,
    /// Where links and status go: `commit` (the default branch), `pull-request` (one branch
    /// and request per repository, named by the repository's `followup.branch`), or `off`.
    pub write: String,
    /// A file holding the GitHub webhook secret (a mounted Docker or Kubernetes secret), read
    /// when `GITHUB_WEBHOOK_SECRET` is not set. The secret itself is never written here.
    pub github_webhook_secret_file: Option<PathBuf>,
    /// A file holding the GitLab webhook token, read when `GITLAB_WEBHOOK_TOKEN` is not set.
    pub gitlab_webhook_token_file: Option<PathBuf>,
    /// Seconds a claimed job stays claimed unless its worker renews it: how long a replica
    /// killed mid-job holds its jobs before another replica runs them.
    pub lease_secs: u64,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            listen: "127.0.0.1:8080".into(),
            database: PathBuf::from("postmortem-tracker.sqlite"),
            repositories: Vec::new(),
            workers: 4,
            max_body_bytes: 5 * 1024 * 1024,
            schedule: None,
            github_api_url: crate::forge::github::DEFAULT_API_URL.into(),
            gitlab_api_url: "https://gitlab.com/api/v4".into(),
            write: "commit".into(),
            github_webhook_secret_file: None,
            gitlab_webhook_token_file: None,
            lease_secs: 60,
        }
    }
}

/// The follow-up (`followup`): due dates, overdue reminders and write-back.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FollowupConfig {
    /// Deprecated: `[due]` replaces it (read once more, with a warning).
    pub due_days: BTreeMap<String, i64>,
    /// Least days between two reminder comments on one overdue issue.
    pub reminder_interval_days: i64,
    /// The label put on overdue issues (and taken off when no longer true).
    pub overdue_label: String,
    /// How the status is written back: `local` (the working tree), `commit` (through the
    /// API) or `pull-request` (one branch and one pull/merge request).
    pub write: String,
    /// The branch `pull-request` mode pushes to.
    pub branch: String,
    /// How overdue items are chased: `issue` (a comment on each overdue issue), `digest` (one
    /// issue per repository listing every overdue and due-soon item by owner), `both`, `off`.
    pub reminders: String,
    /// After this many unanswered reminders the next also mentions the postmortem's owners
    /// (or `escalation`), once; 0: never.
    pub escalate_after: u32,
    /// Logins to mention when escalating, instead of the postmortem's front-matter `owners`.
    pub escalation: Vec<String>,
    /// Items due within this many days are listed in the digest as due soon.
    pub due_soon_days: i64,
    /// The title of the digest issue.
    pub digest_title: String,
}

impl Default for FollowupConfig {
    fn default() -> Self {
        FollowupConfig {
            due_days: BTreeMap::new(),
            reminder_interval_days: 7,
            overdue_label: "overdue".into(),
            write: "local".into(),
            branch: "postmortem-tracker/status".into(),
            reminders: "issue".into(),
            escalate_after: 2,
            escalation: Vec::new(),
            due_soon_days: 7,
            digest_title: "Overdue postmortem action items".into(),
        }
    }
}

/// The tracker and the sync's pacing. Tokens are never read from here.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SyncConfig {
    /// `github`, `gitlab` or `none`; unset: detected from the CI environment.
    pub tracker: Option<String>,
    /// `owner/name` (GitHub) or `group/project` or a project id (GitLab).
    pub repo: Option<String>,
    /// API root: `https://api.github.com`, `https://gitlab.example.com/api/v4`.
    pub api_url: Option<String>,
    /// The label on every issue the tool opens; the tool finds its issues by it.
    pub label: String,
    /// Group each postmortem's issues in a milestone.
    pub milestones: bool,
    /// Least time between two writes, in milliseconds (GitHub asks for about 1000).
    pub min_write_interval_ms: u64,
    /// Longest rate-limit wait accepted, in seconds.
    pub max_wait_secs: u64,
    /// Per-request timeout, in seconds.
    pub timeout_secs: u64,
    /// First wait before retrying a failed request, in milliseconds (doubles each time).
    pub retry_delay_ms: u64,
    /// Link to a postmortem on the forge, `{path}` replaced by its path; unset: built from
    /// the CI environment when possible.
    pub file_url: Option<String>,
    /// Deprecated: `[due.kind]` replaces it (read once more, with a warning).
    pub default_due_days: BTreeMap<String, i64>,
    /// Close the issue of an item that was removed from its postmortem (off: only report).
    pub close_removed: bool,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            tracker: None,
            repo: None,
            api_url: None,
            label: "postmortem".into(),
            milestones: true,
            min_write_interval_ms: 1000,
            max_wait_secs: 900,
            timeout_secs: 30,
            retry_delay_ms: 1000,
            file_url: None,
            default_due_days: BTreeMap::new(),
            close_removed: false,
        }
    }
}

/// Lint rules that can be switched.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LintConfig {
    /// Warn about open items without an owner.
    pub require_owner: bool,
    /// Warn about open items without a due date.
    pub require_due: bool,
    /// Treat warnings as errors (as `--strict` does).
    pub strict: bool,
}

impl Default for LintConfig {
    fn default() -> Self {
        LintConfig {
            require_owner: true,
            require_due: true,
            strict: false,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            paths: vec!["postmortems/**".into(), "docs/postmortems/**".into()],
            required_sections: vec![
                "summary".into(),
                "root_cause".into(),
                "timeline".into(),
                "actions".into(),
            ],
            time_zone: None,
            templates_dir: None,
            headings: BTreeMap::new(),
            lint: LintConfig::default(),
            owners: BTreeMap::new(),
            sync: SyncConfig::default(),
            followup: FollowupConfig::default(),
            due: DueConfig::default(),
            service: ServiceConfig::default(),
            projects: ProjectsConfig::default(),
            state_labels: StateLabelsConfig::default(),
        }
    }
}

/// A configuration that cannot be used, with what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    Load { path: String, message: String },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

/// Where each setting came from: the file (named as shown in messages), or the
/// `POSTMORTEM_TRACKER_*` variable that overrides it.
struct Origins {
    file: String,
    /// (dotted key in lower case, variable name).
    env: Vec<(String, String)>,
}

impl Origins {
    fn new<'a>(file: &str, vars: impl IntoIterator<Item = &'a String>) -> Origins {
        let env = vars
            .into_iter()
            .map(|v| {
                let key = v["POSTMORTEM_TRACKER_".len()..]
                    .to_lowercase()
                    .replace("__", ".");
                (key, v.clone())
            })
            .collect();
        Origins {
            file: file.to_string(),
            env,
        }
    }

    /// Where `key` (`time_zone`, `lint.require_due`, `headings."x"`) was set.
    fn of(&self, key: &str) -> String {
        let key = key.split('"').next().unwrap_or(key).trim_end_matches('.');
        self.env
            .iter()
            .find(|(k, _)| k == key || k.starts_with(&format!("{key}.")))
            .map_or_else(
                || self.file.clone(),
                |(_, var)| format!("environment variable {var}"),
            )
    }

    /// Where the setting a deserialisation error names was set: `unknown field `x`` (for key
    /// `k`), or a value `for key `k``.
    fn of_error(&self, message: &str) -> String {
        let quoted = |after: &str| {
            let rest = &message[message.find(after)? + after.len()..];
            rest.split('`').next().map(str::to_string)
        };
        let at = quoted("for key `");
        let key = match (quoted("unknown field `"), at) {
            (Some(field), Some(at)) => format!("{at}.{field}"),
            (Some(field), None) => field,
            (None, Some(at)) => at,
            (None, None) => return self.file.clone(),
        };
        self.of(&key)
    }
}

/// What a required section name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Required {
    Kind(SectionKind),
    /// Any action section.
    Actions,
}

fn section_kind(name: &str) -> Option<SectionKind> {
    SectionKind::ALL.into_iter().find(|k| k.name() == name)
}

impl Config {
    /// Loads `file` (or `.postmortem-tracker.toml` under `root` when present) and the
    /// `POSTMORTEM_TRACKER_*` variables of `env` (pass `std::env::vars()` in the binary).
    pub fn load(
        root: &Path,
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let (path, required) = match file {
            Some(f) => (f.to_path_buf(), true),
            None => (root.join(FILE_NAME), false),
        };
        let shown = path.display().to_string();
        if required && !path.is_file() {
            return Err(ConfigError::Load {
                path: shown,
                message: "no such file".into(),
            });
        }
        let file = config::File::from(path.as_path())
            .format(config::FileFormat::Toml)
            .required(false);
        let (mut cfg, origins) = Self::build(file, &shown, env)?;
        // A missing overrides folder is the same warning for every command (the built-in
        // templates are used), not an error in some commands and silence in others.
        if let Some(dir) = &cfg.templates_dir {
            let full = root.join(dir);
            if !full.is_dir() {
                eprintln!(
                    "warning: {}: templates_dir {:?}: no such folder ({}); the built-in templates are used",
                    origins.of("templates_dir"),
                    dir.display().to_string(),
                    full.display()
                );
                cfg.templates_dir = None;
            }
        }
        for warning in cfg.deprecations() {
            eprintln!("warning: {}: {warning}", origins.of("due"));
        }
        Ok(cfg)
    }

    /// Reads a configuration file's text (a repository's `.postmortem-tracker.toml` read
    /// through the API), then the `POSTMORTEM_TRACKER_*` variables of `env`, with the same
    /// checks as [`Config::load`]. `origin` names the file in errors
    /// (`github:acme/svc:.postmortem-tracker.toml`). Empty text gives the defaults.
    pub fn from_toml(
        text: &str,
        origin: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let file = config::File::from_str(text, config::FileFormat::Toml);
        Self::build(file, origin, env).map(|(cfg, _)| cfg)
    }

    /// Layers `file` and the environment, deserialises and validates; errors name `shown`, or
    /// the environment variable a wrong value or unknown key came from.
    fn build<F>(
        file: F,
        shown: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(Config, Origins), ConfigError>
    where
        F: config::Source + Send + Sync + 'static,
    {
        let env: config::Map<String, String> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with("POSTMORTEM_TRACKER_"))
            .collect();
        let origins = Origins::new(shown, env.keys());
        let shown = shown.to_string();
        let built = config::Config::builder()
            .add_source(file)
            .add_source(
                config::Environment::with_prefix("POSTMORTEM_TRACKER")
                    .prefix_separator("_")
                    .separator("__")
                    .list_separator(",")
                    .with_list_parse_key("paths")
                    .with_list_parse_key("required_sections")
                    .with_list_parse_key("service.repositories")
                    .with_list_parse_key("followup.escalation")
                    .try_parsing(true)
                    .source(Some(env)),
            )
            .build()
            .map_err(|e| ConfigError::Load {
                path: shown.clone(),
                message: e.to_string(),
            })?;
        let cfg: Config = built.try_deserialize().map_err(|e| {
            let message = e.to_string();
            let hint = if message.contains("token") {
                "; tokens are read from GITHUB_TOKEN or GITLAB_TOKEN only, never from a file"
            } else {
                ""
            };
            ConfigError::Invalid {
                path: origins.of_error(&message),
                message: format!("{message}{hint}"),
            }
        })?;
        cfg.validate(&origins)?;
        Ok((cfg, origins))
    }

    fn validate(&self, origins: &Origins) -> Result<(), ConfigError> {
        // Every message starts with its key (`time_zone: …`), which tells where it was set.
        let invalid = |message: String| ConfigError::Invalid {
            path: origins.of(message.split(':').next().unwrap_or_default()),
            message,
        };
        let names: Vec<&str> = SectionKind::ALL.iter().map(|k| k.name()).collect();
        for name in &self.required_sections {
            if name != "actions" && section_kind(name).is_none() {
                return Err(invalid(format!(
                    "required_sections: unknown section {name:?}; use actions or one of {}",
                    names.join(", ")
                )));
            }
        }
        for (phrase, kind) in &self.headings {
            if section_kind(kind).is_none() {
                return Err(invalid(format!(
                    "headings.{phrase:?}: unknown section kind {kind:?}; use one of {}",
                    names.join(", ")
                )));
            }
        }
        if let Some(t) = &self.sync.tracker {
            if !matches!(t.as_str(), "github" | "gitlab" | "none") {
                return Err(invalid(format!(
                    "sync.tracker: {t:?} is not a tracker; use github, gitlab or none"
                )));
            }
        }
        for kind in self.sync.default_due_days.keys() {
            if !matches!(
                kind.as_str(),
                "corrective" | "preventive" | "task" | "unknown"
            ) {
                return Err(invalid(format!(
                    "sync.default_due_days: unknown kind {kind:?}; use corrective, preventive, task or unknown"
                )));
            }
        }
        if !matches!(
            self.followup.write.as_str(),
            "local" | "commit" | "pull-request"
        ) {
            return Err(invalid(format!(
                "followup.write: {:?} is not a write mode; use local, commit or pull-request",
                self.followup.write
            )));
        }
        if self.followup.reminder_interval_days < 1 {
            return Err(invalid(
                "followup.reminder_interval_days: must be 1 or more".into(),
            ));
        }
        if self.followup.overdue_label.trim().is_empty() {
            return Err(invalid("followup.overdue_label: must not be empty".into()));
        }
        if crate::followup::Reminders::parse(&self.followup.reminders).is_none() {
            return Err(invalid(format!(
                "followup.reminders: {:?} is not a reminder mode; use issue, digest, both or off",
                self.followup.reminders
            )));
        }
        if !(0..=365).contains(&self.followup.due_soon_days) {
            return Err(invalid(format!(
                "followup.due_soon_days: {} days: write a number of days from 0 to 365",
                self.followup.due_soon_days
            )));
        }
        if self.followup.digest_title.trim().is_empty() {
            return Err(invalid("followup.digest_title: must not be empty".into()));
        }
        if let Some(bad) = self
            .followup
            .escalation
            .iter()
            .find(|l| !crate::model::is_login(l.trim_start_matches('@')))
        {
            return Err(invalid(format!(
                "followup.escalation: {bad:?} is not a login; write GitHub or GitLab usernames such as \"alice\""
            )));
        }
        if self.sync.label.trim().is_empty() {
            return Err(invalid("sync.label: must not be empty".into()));
        }
        if let Err(e) = self.try_due_policy() {
            return Err(invalid(e.to_string()));
        }
        if let Some(message) = self.board_problem() {
            return Err(invalid(message));
        }
        if let Some(tz) = &self.time_zone {
            if Zone::parse(tz).is_none() {
                return Err(invalid(format!(
                    "time_zone: cannot read {tz:?}; write an IANA name such as Europe/Berlin, UTC, an abbreviation such as CET or PST, or an offset such as +02:00"
                )));
            }
        }
        Ok(())
    }

    /// What is wrong with `[state_labels]` or `[projects.github]`, starting with its key.
    fn board_problem(&self) -> Option<String> {
        let l = &self.state_labels;
        let names = [
            ("open", &l.open),
            ("overdue", &l.overdue),
            ("done", &l.done),
        ];
        if let Some((key, _)) = names.iter().find(|(_, n)| n.trim().is_empty()) {
            return Some(format!("state_labels.{key}: must not be empty"));
        }
        if l.open.eq_ignore_ascii_case(&l.overdue)
            || l.open.eq_ignore_ascii_case(&l.done)
            || l.overdue.eq_ignore_ascii_case(&l.done)
        {
            return Some(
                "state_labels: open, overdue and done must be three different labels".into(),
            );
        }
        let p = self.projects.github.as_ref()?;
        // The owner goes into a query as a login: letters, digits and `-`.
        if p.owner.is_empty()
            || !p
                .owner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        {
            return Some(format!(
                "projects.github.owner: {:?} is not a GitHub organisation or user name",
                p.owner
            ));
        }
        if p.number == 0 {
            return Some("projects.github.number: must be the project's number (1 or more), as in github.com/orgs/OWNER/projects/NUMBER".into());
        }
        None
    }

    /// The required sections, validated.
    pub fn required(&self) -> Vec<Required> {
        self.required_sections
            .iter()
            .filter_map(|n| {
                if n == "actions" {
                    Some(Required::Actions)
                } else {
                    section_kind(n).map(Required::Kind)
                }
            })
            .collect()
    }

    /// The due-date policy: `[due]`, else the deprecated `[followup.due_days]` and
    /// `[sync.default_due_days]`, else the defaults. Validation has checked it.
    pub fn due_policy(&self) -> Policy {
        self.try_due_policy().unwrap_or_default()
    }

    fn try_due_policy(&self) -> Result<Policy, crate::due::PolicyError> {
        if self.due != DueConfig::default() {
            return Policy::from_config(&self.due);
        }
        let (table, _) =
            crate::due::from_deprecated(&self.followup.due_days, &self.sync.default_due_days);
        Policy::from_config(&DueConfig::Table(table))
    }

    /// Warnings about settings that still work but are to be replaced, each naming its
    /// replacement.
    pub fn deprecations(&self) -> Vec<String> {
        let (_, warnings) =
            crate::due::from_deprecated(&self.followup.due_days, &self.sync.default_due_days);
        warnings
    }

    /// The configured `time_zone`, when it is set and readable (validation rejects the rest).
    pub fn zone(&self) -> Option<Zone> {
        self.time_zone.as_deref().and_then(Zone::parse)
    }

    /// Parser options from this configuration.
    pub fn parse_options(&self) -> ParseOptions {
        ParseOptions {
            synonyms: self
                .headings
                .iter()
                .filter_map(|(p, k)| section_kind(k).map(|k| (p.clone(), k)))
                .collect(),
            default_zone: self.zone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            "paths = [\"incidents/**\"]\ntime_zone = \"CET\"\n[lint]\nrequire_due = false\n[headings]\n\"things to fix\" = \"tasks\"\n",
        )
        .unwrap();
        let cfg = Config::load(
            dir.path(),
            None,
            env(&[
                ("POSTMORTEM_TRACKER_LINT__REQUIRE_OWNER", "false"),
                ("POSTMORTEM_TRACKER_REQUIRED_SECTIONS", "timeline,actions"),
                ("UNRELATED", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(cfg.paths, ["incidents/**"]);
        assert!(!cfg.lint.require_due);
        assert!(!cfg.lint.require_owner);
        assert_eq!(cfg.required_sections, ["timeline", "actions"]);
        let opts = cfg.parse_options();
        assert_eq!(
            opts.synonyms,
            [("things to fix".to_string(), SectionKind::Tasks)]
        );
        assert_eq!(opts.default_zone, Zone::parse("+01:00"));
    }

    #[test]
    fn defaults_without_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = Config::load(dir.path(), None, env(&[])).unwrap();
        assert_eq!(cfg, Config::default());
    }

    #[test]
    fn clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "required_sections = [\"rot_cause\"]\n").unwrap();
        let e = Config::load(dir.path(), Some(&f), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.toml") && e.contains("rot_cause"), "{e}");

        std::fs::write(&f, "github_token = \"ghp_secret\"\n").unwrap();
        let e = Config::load(dir.path(), Some(&f), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("never from a file") && !e.contains("ghp_secret"),
            "{e}"
        );

        std::fs::write(&f, "paths = [\n").unwrap();
        let e = Config::load(dir.path(), Some(&f), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.toml"), "{e}");

        let e = Config::load(dir.path(), Some(&dir.path().join("nope.toml")), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("nope.toml: no such file"), "{e}");

        std::fs::write(&f, "time_zone = \"Mars/Olympus\"\n").unwrap();
        let e = Config::load(dir.path(), Some(&f), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("time_zone"), "{e}");
    }

    #[test]
    fn text_from_a_repository_is_read_and_checked_like_a_file() {
        let origin = "github:acme/svc:.postmortem-tracker.toml";
        let cfg = Config::from_toml(
            "paths = [\"incidents/**\"]\n[lint]\nrequire_due = false\n",
            origin,
            env(&[("POSTMORTEM_TRACKER_LINT__REQUIRE_OWNER", "false")]),
        )
        .unwrap();
        assert_eq!(cfg.paths, ["incidents/**"]);
        assert!(!cfg.lint.require_due && !cfg.lint.require_owner);
        assert_eq!(
            Config::from_toml("", origin, env(&[])).unwrap(),
            Config::default()
        );

        for bad in [
            "paths = [\n",
            "required_sections = [\"rot_cause\"]\n",
            "unknown_key = 1\n",
        ] {
            let e = Config::from_toml(bad, origin, env(&[]))
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(origin), "{bad:?}: {e}");
        }
        let e = Config::from_toml("gitlab_token = \"glpat-secret\"\n", origin, env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("never from a file") && !e.contains("glpat-secret"),
            "{e}"
        );
    }

    /// A wrong value or an unknown key set in the environment names the variable, not the
    /// file (which may not exist); one set in the file names the file.
    #[test]
    fn errors_name_the_variable_they_come_from() {
        let dir = tempfile::tempdir().unwrap();
        for (var, value, says) in [
            (
                "POSTMORTEM_TRACKER_TIME_ZONE",
                "Mars",
                "time_zone: cannot read \"Mars\"",
            ),
            (
                "POSTMORTEM_TRACKER_LINT__REQUIRE_DEU",
                "false",
                "unknown field `require_deu`",
            ),
            ("POSTMORTEM_TRACKER_LINT__STRICT", "maybe", "lint.strict"),
            (
                "POSTMORTEM_TRACKER_FOLLOWUP__WRITE",
                "email",
                "followup.write",
            ),
        ] {
            let e = Config::load(dir.path(), None, env(&[(var, value)]))
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with(&format!("environment variable {var}: ")),
                "{e}"
            );
            assert!(e.contains(says) && !e.contains(FILE_NAME), "{e}");
        }
        std::fs::write(
            dir.path().join(FILE_NAME),
            "time_zone = \"Mars\"\n[lint]\nstrict = true\n",
        )
        .unwrap();
        let e = Config::load(
            dir.path(),
            None,
            env(&[("POSTMORTEM_TRACKER_LINT__STRICT", "false")]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains(FILE_NAME) && e.contains("time_zone"), "{e}");
    }

    #[test]
    fn board_settings_are_read_and_checked() {
        let origin = ".postmortem-tracker.toml";
        let cfg = Config::from_toml(
            "[projects.github]\nowner = \"acme\"\nnumber = 7\n[projects.github.fields]\ndue = \"Target\"\n[projects.github.status]\noverdue = \"At risk\"\n",
            origin,
            env(&[("POSTMORTEM_TRACKER_STATE_LABELS__DONE", "state/done")]),
        )
        .unwrap();
        let p = cfg.projects.github.as_ref().unwrap();
        assert_eq!((p.owner.as_str(), p.number), ("acme", 7));
        assert_eq!(p.fields.due.as_deref(), Some("Target"));
        assert_eq!(p.fields.status, None, "unset: the default name");
        assert_eq!(
            (p.status.open.as_str(), p.status.overdue.as_str()),
            ("Todo", "At risk")
        );
        assert_eq!(cfg.state_labels.done, "state/done");
        assert!(cfg.state_labels.enabled);
        assert_eq!(Config::default().projects.github, None);

        for (bad, says) in [
            ("[projects.github]\nowner = \"acme\"\n", "number"),
            (
                "[projects.github]\nowner = \"acme/x\"\nnumber = 1\n",
                "projects.github.owner",
            ),
            (
                "[projects.github]\nowner = \"acme\"\nnumber = 0\n",
                "projects.github.number",
            ),
            (
                "[projects.github]\nowner = \"acme\"\nnumber = 1\nfeilds = {}\n",
                "feilds",
            ),
            ("[state_labels]\nopen = \"\"\n", "state_labels.open"),
            (
                "[state_labels]\ndone = \"postmortem-state::open\"\n",
                "three different labels",
            ),
        ] {
            let e = Config::from_toml(bad, origin, env(&[]))
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(origin) && e.contains(says), "{bad:?}: {e}");
        }
    }

    #[test]
    fn a_missing_templates_folder_is_dropped_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            "templates_dir = \"ci/templates\"\n",
        )
        .unwrap();
        let cfg = Config::load(dir.path(), None, env(&[])).unwrap();
        assert_eq!(cfg.templates_dir, None);
        std::fs::create_dir_all(dir.path().join("ci/templates")).unwrap();
        let cfg = Config::load(dir.path(), None, env(&[])).unwrap();
        assert_eq!(cfg.templates_dir, Some(PathBuf::from("ci/templates")));
    }
}
