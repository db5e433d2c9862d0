//! `GET /` (the dashboard page), `GET /api/items` (JSON) and `GET /api/items.csv`: the index
//! read off the async threads, filtered, rendered.

use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::service::dashboard::{page, parse_query, Dashboard, Page};
use crate::service::index::{self, ItemRecord, Snapshot};
use crate::service::store::StoreError;
use crate::service::App;

/// Reads the whole index (items and daily counts) off the async threads.
async fn read_index(app: &App) -> Result<(Vec<ItemRecord>, Vec<Snapshot>), StoreError> {
    app.store(|s| Ok((s.items()?, s.snapshots()?))).await
}

/// Reads only the items.
async fn read_items(app: &App) -> Result<Vec<ItemRecord>, StoreError> {
    app.store(|s| s.items()).await
}

fn html_status(dashboard: &Dashboard, status: StatusCode, page: &Page) -> Response {
    match dashboard.render(page) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "dashboard: cannot render the page");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the dashboard cannot be rendered\n",
            )
                .into_response()
        }
    }
}

fn unavailable_html(e: &StoreError) -> Response {
    tracing::error!(error = %e, "dashboard: cannot read the items index");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html(
            "<!doctype html><title>Unavailable</title><p>The database is unavailable; \
             try again in a moment.</p>\n",
        ),
    )
        .into_response()
}

fn unavailable_json(e: &StoreError) -> Response {
    tracing::error!(error = %e, "api/items: cannot read the items index");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({"error": "the database is unavailable"})),
    )
        .into_response()
}

/// `GET /`: the dashboard.
pub(super) async fn page_handler(State(app): State<App>, RawQuery(q): RawQuery) -> Response {
    let filter = match parse_query(q.as_deref()) {
        Ok(f) => f,
        Err(e) => {
            return html_status(
                &app.settings.dashboard,
                StatusCode::BAD_REQUEST,
                &Page::error(e.to_string()),
            )
        }
    };
    match read_index(&app).await {
        Ok((items, snapshots)) => html_status(
            &app.settings.dashboard,
            StatusCode::OK,
            &page(&items, &snapshots, &filter),
        ),
        Err(e) => unavailable_html(&e),
    }
}

/// The items `q` selects, or the answer to give instead.
async fn selected(app: &App, q: Option<&str>) -> Result<Vec<ItemRecord>, Response> {
    let filter = parse_query(q).map_err(|e| {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": e.to_string() })),
        )
            .into_response()
    })?;
    let items = read_items(app).await.map_err(|e| unavailable_json(&e))?;
    Ok(items.into_iter().filter(|r| filter.matches(r)).collect())
}

/// `GET /api/items`: the items as a JSON array.
pub(super) async fn api_items(State(app): State<App>, RawQuery(q): RawQuery) -> Response {
    match selected(&app, q.as_deref()).await {
        Ok(items) => Json(items).into_response(),
        Err(r) => r,
    }
}

/// `GET /api/items.csv`: the items as a CSV download.
pub(super) async fn api_items_csv(State(app): State<App>, RawQuery(q): RawQuery) -> Response {
    match selected(&app, q.as_deref()).await {
        Ok(items) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"postmortem-items.csv\"",
                ),
            ],
            index::to_csv(&items),
        )
            .into_response(),
        Err(r) => r,
    }
}
