//! `GET /api/jobs`: the run history as JSON.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde_json::json;

use super::answer;
use crate::service::store;
use crate::service::webhook::Forge;
use crate::service::App;

/// Query of `GET /api/jobs`.
#[derive(Debug, serde::Deserialize)]
pub(super) struct JobsQuery {
    forge: Option<String>,
    repository: Option<String>,
    state: Option<String>,
    limit: Option<usize>,
}

/// The run history as JSON, newest first: `?forge=github&repository=acme/svc&state=failed&limit=50`.
pub(super) async fn api_jobs(
    State(app): State<App>,
    query: axum::extract::Query<JobsQuery>,
) -> Response {
    let q = query.0;
    let bad = |m: String| answer(StatusCode::BAD_REQUEST, json!({ "error": m }));
    let forge = match q.forge.as_deref().map(|f| (f, Forge::parse(f))) {
        None => None,
        Some((_, Some(f))) => Some(f),
        Some((f, None)) => return bad(format!("forge={f}: expected github or gitlab")),
    };
    let state = match q.state.as_deref() {
        None => None,
        Some("queued") => Some(store::JobState::Queued),
        Some("running") => Some(store::JobState::Running),
        Some("done") => Some(store::JobState::Done),
        Some("failed") => Some(store::JobState::Failed),
        Some(other) => {
            return bad(format!(
                "state={other}: expected queued, running, done or failed"
            ))
        }
    };
    let filter = store::JobFilter {
        forge,
        repo: q.repository.map(|r| r.to_lowercase()),
        state,
    };
    let limit = q.limit.unwrap_or(100).min(1000);
    let jobs = match app.store(move |s| s.jobs(&filter, limit)).await {
        Ok(j) => j,
        Err(e) => {
            tracing::error!(
                error = %e,
                "api/jobs: cannot read the run history"
            );
            return answer(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"error": "the database is unavailable"}),
            );
        }
    };
    let ts = |t: Option<chrono::DateTime<Utc>>| t.map(|t| t.to_rfc3339());
    let rows: Vec<_> = jobs
        .iter()
        .map(|j| {
            json!({
                "id": j.id,
                "forge": j.mark.forge.as_str(),
                "repository": j.mark.repo,
                "reason": j.mark.reason.as_str(),
                "state": j.state.as_str(),
                "marks": j.marks,
                "attempts": j.attempts,
                "created_at": j.created_at.to_rfc3339(),
                "started_at": ts(j.started_at),
                "finished_at": ts(j.finished_at),
                "error": j.error,
                "not_before": ts(j.not_before),
            })
        })
        .collect();
    answer(StatusCode::OK, json!(rows))
}
