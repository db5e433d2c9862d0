//! `GET /` (the dashboard page), `GET /api/items` (JSON, a page at a time, with RFC 8288
//! `Link` headers), `GET /api/items.csv` (every selected item) and `GET /api/stats` (the
//! figures): the index read off the async threads, filtered, sorted, rendered.

use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::service::dashboard::{page, parse_query, Dashboard, Page};
use crate::service::index::{self, Index, ItemRecord, ItemView};
use crate::service::store::StoreError;
use crate::service::App;

/// Reads the whole index (items, daily snapshots, incident figures) off the async threads.
async fn read_index(app: &App) -> Result<Index, StoreError> {
    app.store(|s| {
        Ok(Index {
            items: s.items()?,
            snapshots: s.snapshots()?,
            incidents: s.incidents()?,
        })
    })
    .await
}

/// Reads only the items.
async fn read_items(app: &App) -> Result<Vec<ItemRecord>, StoreError> {
    app.store(|s| s.items()).await
}

/// The day the figures are as of: the index's latest snapshot, else today.
fn as_of(index: &Index) -> chrono::NaiveDate {
    index
        .as_of()
        .unwrap_or_else(|| chrono::Utc::now().date_naive())
}

fn bad_request_json(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
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
    let view = match parse_query(q.as_deref()) {
        Ok(v) => v,
        Err(e) => {
            return html_status(
                &app.settings.dashboard,
                StatusCode::BAD_REQUEST,
                &Page::error(e.to_string()),
            )
        }
    };
    match read_index(&app).await {
        Ok(index) => html_status(
            &app.settings.dashboard,
            StatusCode::OK,
            &page(&index, &view, as_of(&index)),
        ),
        Err(e) => unavailable_html(&e),
    }
}

/// The view `q` asks for and the items in the index, or the answer to give instead.
async fn viewed(app: &App, q: Option<&str>) -> Result<(ItemView, Vec<ItemRecord>), Response> {
    let view = parse_query(q).map_err(|e| bad_request_json(e.to_string()))?;
    let items = read_items(app).await.map_err(|e| unavailable_json(&e))?;
    Ok((view, items))
}

/// `GET /api/items`: one page of the selected items as a JSON array (`?page=`, `?per_page=`
/// up to 1000, 100 by default; `?sort=`), with `Link` (first, prev, next, last) and
/// `X-Total-Count` headers.
pub(super) async fn api_items(State(app): State<App>, RawQuery(q): RawQuery) -> Response {
    let (view, items) = match viewed(&app, q.as_deref()).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let paged = view.paginate(view.select(&items));
    let link = paged.link_header("/api/items", &view);
    (
        [
            (header::LINK, link),
            (
                header::HeaderName::from_static("x-total-count"),
                paged.total.to_string(),
            ),
        ],
        Json(&paged.rows),
    )
        .into_response()
}

/// `GET /api/items.csv`: every selected item as a CSV download, in the view's order (a
/// spreadsheet wants them all: no pages).
pub(super) async fn api_items_csv(State(app): State<App>, RawQuery(q): RawQuery) -> Response {
    let (view, items) = match viewed(&app, q.as_deref()).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if view.page.is_some() || view.per_page.is_some() {
        return bad_request_json(
            "page, per_page: the CSV export holds every selected item; /api/items has pages".into(),
        );
    }
    let selected: Vec<ItemRecord> = view.select(&items).into_iter().cloned().collect();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"postmortem-items.csv\"",
            ),
        ],
        index::to_csv(&selected),
    )
        .into_response()
}

/// `GET /api/stats`: the figures of the selected items and their repositories' incidents
/// (the `report` command's `figures`), and the counts over time the trend chart draws.
pub(super) async fn api_stats(State(app): State<App>, RawQuery(q): RawQuery) -> Response {
    let view = match parse_query(q.as_deref()) {
        Ok(v) => v,
        Err(e) => return bad_request_json(e.to_string()),
    };
    if view.sort.is_some() || view.page.is_some() || view.per_page.is_some() {
        return bad_request_json(
            "sort, page, per_page: the figures are of every selected item; /api/items has \
             pages"
                .into(),
        );
    }
    match read_index(&app).await {
        Ok(index) => {
            let over_time: Vec<serde_json::Value> = index::series(&index.snapshots, &view.filter)
                .into_iter()
                .map(|(day, c)| {
                    json!({"day": day, "done": c.done, "open": c.open, "overdue": c.overdue})
                })
                .collect();
            Json(json!({
                "figures": index.figures(&view.filter, as_of(&index)),
                "over_time": over_time,
            }))
            .into_response()
        }
        Err(e) => unavailable_json(&e),
    }
}
