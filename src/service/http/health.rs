//! `GET /healthz` (the process answers) and `GET /readyz` (the database answers).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::service::App;

/// `GET /healthz`.
pub(super) async fn healthz() -> &'static str {
    "ok\n"
}

/// `GET /readyz`.
pub(super) async fn readyz(State(app): State<App>) -> Response {
    match app.store(|s| s.depth()).await {
        Ok(_) => (StatusCode::OK, "ready\n").into_response(),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            "the database is unavailable\n",
        )
            .into_response(),
    }
}
