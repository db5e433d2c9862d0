//! `GET /metrics`: the inputs gathered off the async threads, rendered by
//! [`crate::service::metrics::render`].

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::service::{metrics, App};

/// `GET /metrics`.
pub(super) async fn metrics(State(app): State<App>) -> Response {
    let depth = match app.store(|s| s.depth()).await {
        Ok(d) => Some(d),
        Err(e) => {
            tracing::error!(error = %e, "metrics: cannot count the jobs");
            None
        }
    };
    let index = match app.store(|s| Ok((s.items()?, s.incidents()?))).await {
        Ok((items, incidents)) => {
            // The figures' day is only a label here: they do not depend on it.
            let today = chrono::Utc::now().date_naive();
            let figures = crate::report::figures(&items, &incidents, today);
            Some((items, figures))
        }
        Err(e) => {
            tracing::error!(
                error = %e,
                "metrics: cannot read the items index"
            );
            None
        }
    };
    let out = metrics::render(
        &app.metrics,
        &app.settings.api_metrics,
        depth.as_ref(),
        index.as_ref().map(|(i, f)| (i.as_slice(), f)),
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}
