//! `GET /metrics`: the inputs gathered off the async threads, rendered by
//! [`crate::service::metrics::render`].

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::dashboard::read_items;
use crate::service::{metrics, App};

/// `GET /metrics`.
pub(super) async fn metrics(State(app): State<App>) -> Response {
    let store = app.store.clone();
    let depth = match tokio::task::spawn_blocking(move || store.depth()).await {
        Ok(Ok(d)) => Some(d),
        _ => None,
    };
    let items = match read_items(&app).await {
        Ok(items) => Some(items),
        Err(e) => {
            eprintln!("metrics: cannot read the items index: {e}");
            None
        }
    };
    let out = metrics::render(
        &app.metrics,
        &app.settings.api_metrics,
        depth.as_ref(),
        items.as_deref(),
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}
