//! The service's logs: `tracing` events on stderr, as JSON lines (one object per event, its
//! fields at the top level, for a log collector) or as text (for a person at a terminal).
//! `RUST_LOG` filters them (`RUST_LOG=debug`, `RUST_LOG=postmortem_tracker=warn`); without it,
//! this program's events from `info` up and other libraries' warnings.
//!
//! What is logged never carries a token or a webhook secret: events name repositories, jobs,
//! counts and error messages, and those messages never hold a credential (see
//! [`crate::service::runner`]'s `explain`, and [`crate::service::Secrets`]' `Debug`).

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

/// How log events are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable lines.
    Text,
}

impl LogFormat {
    /// The default: text when stderr is a terminal, JSON when it is not (a service manager, a
    /// container runtime, a file).
    pub fn for_stderr() -> LogFormat {
        if std::io::stderr().is_terminal() {
            LogFormat::Text
        } else {
            LogFormat::Json
        }
    }
}

/// The filter when `RUST_LOG` is unset or empty.
pub const DEFAULT_FILTER: &str = "warn,postmortem_tracker=info";

/// Why logging could not start.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// `RUST_LOG` is not a filter.
    #[error(
        "RUST_LOG={value:?}: {message} (expected e.g. info, debug or postmortem_tracker=debug)"
    )]
    Filter {
        /// The variable's value.
        value: String,
        /// What is wrong with it.
        message: String,
    },
    /// Another subscriber was installed first (a second start in one process).
    #[error("the log subscriber is already set: {0}")]
    AlreadySet(String),
}

/// The filter for a `RUST_LOG` value (`None` or empty: [`DEFAULT_FILTER`]).
pub fn filter(rust_log: Option<&str>) -> Result<EnvFilter, LogError> {
    let value = rust_log.map(str::trim).filter(|v| !v.is_empty());
    EnvFilter::try_new(value.unwrap_or(DEFAULT_FILTER)).map_err(|e| LogError::Filter {
        value: value.unwrap_or_default().to_string(),
        message: e.to_string(),
    })
}

/// Sends this process's log events to stderr in `format`, filtered by `rust_log`.
pub fn init(format: LogFormat, rust_log: Option<&str>) -> Result<(), LogError> {
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter(rust_log)?)
        .with_writer(std::io::stderr);
    let installed = match format {
        // The event's fields at the top level, and the job's span (its id, repository and
        // reason) on every event logged while it runs.
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
    };
    installed.map_err(|e| LogError::AlreadySet(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_log_values() {
        assert_eq!(
            filter(None).unwrap().to_string(),
            filter(Some("  ")).unwrap().to_string(),
            "unset and empty mean the default"
        );
        assert!(filter(Some("debug")).is_ok());
        assert!(filter(Some("postmortem_tracker=trace,hyper=warn")).is_ok());
        let e = filter(Some("postmortem_tracker=loud"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("RUST_LOG=\"postmortem_tracker=loud\": "),
            "{e}"
        );
    }
}
