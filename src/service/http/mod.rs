//! The HTTP side of the service (axum): the router and one file per group of endpoints.
//!
//! - [`webhooks`]: `POST /webhooks/github`, `POST /webhooks/gitlab`
//! - [`dashboard`]: `GET /`, `GET /api/items`, `GET /api/items.csv`, `GET /api/stats`
//! - [`jobs`]: `GET /api/jobs`
//! - [`metrics`]: `GET /metrics`
//! - [`health`]: `GET /healthz`, `GET /readyz`

mod dashboard;
mod health;
mod jobs;
mod metrics;
mod webhooks;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::App;

/// Every endpoint of the service.
pub(super) fn router(app: App) -> Router {
    Router::new()
        .route("/webhooks/github", post(webhooks::github_hook))
        .route("/webhooks/gitlab", post(webhooks::gitlab_hook))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/api/jobs", get(jobs::api_jobs))
        .route("/", get(dashboard::page_handler))
        .route("/api/items", get(dashboard::api_items))
        .route("/api/items.csv", get(dashboard::api_items_csv))
        .route("/api/stats", get(dashboard::api_stats))
        .with_state(app)
}

/// A JSON answer.
fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, Json(body)).into_response()
}
