//! `POST /webhooks/github` and `POST /webhooks/gitlab`: a delivery's size checked, then its
//! signature ([`crate::service::webhook`]), then its mark committed to the queue before the
//! answer (202), or a duplicate, an ignored event, a refusal.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde_json::json;

use super::answer;
use crate::service::store::{Queued, Recorded, StoreError};
use crate::service::watch_list::is_watched;
use crate::service::webhook::{self, Action, Delivery, Forge, Mark, WebhookError};
use crate::service::App;

pub(super) async fn github_hook(
    State(app): State<App>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    hook(app, Forge::Github, headers, body).await
}

pub(super) async fn gitlab_hook(
    State(app): State<App>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    hook(app, Forge::Gitlab, headers, body).await
}

async fn hook(app: App, forge: Forge, headers: HeaderMap, body: Body) -> Response {
    let limit = app.settings.max_body_bytes;
    // Checked before reading, so an announced oversized body is refused without buffering it.
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        app.metrics.delivery(forge, "too_large");
        answer(
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({"error": format!("body larger than {limit} bytes")}),
        )
    };
    if announced.is_some_and(|n| n > limit as u64) {
        return too_large();
    }
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => return too_large(),
    };
    let secrets = &app.settings.secrets;
    let checked = match forge {
        Forge::Github => webhook::github(
            secrets.github.as_deref().unwrap_or("").as_bytes(),
            &headers,
            &bytes,
        ),
        Forge::Gitlab => webhook::gitlab(
            secrets.gitlab.as_deref().unwrap_or("").as_bytes(),
            &headers,
            &bytes,
        ),
    };
    let delivery = match checked {
        Ok(d) => d,
        Err(e) => return refused(&app, forge, e),
    };
    accept(app, forge, delivery).await
}

fn refused(app: &App, forge: Forge, e: WebhookError) -> Response {
    // The message names the header, never a value.
    tracing::warn!(forge = forge.as_str(), error = %e, "webhook delivery refused");
    if e.is_auth() {
        app.metrics.delivery(forge, "unauthorized");
        // The message names the header, never a value.
        answer(StatusCode::UNAUTHORIZED, json!({"error": e.to_string()}))
    } else {
        app.metrics.delivery(forge, "bad_request");
        answer(StatusCode::BAD_REQUEST, json!({"error": e.to_string()}))
    }
}

async fn accept(app: App, forge: Forge, delivery: Delivery) -> Response {
    let (mark, result, why): (Option<Mark>, &'static str, Option<String>) = match delivery.action {
        Action::Pong => (None, "pong", None),
        Action::Ignore(why) => (None, "ignored", Some(why)),
        Action::Installation(change) => match &app.settings.github_app {
            Some(gh) => {
                if change.gone {
                    gh.forget(change.id);
                } else {
                    gh.learn(change.id, &change.added, &change.removed);
                }
                (None, "installation", None)
            }
            None => (
                None,
                "ignored",
                Some("the service does not run as a GitHub App".to_string()),
            ),
        },
        Action::Mark(m) => {
            // As an App, a delivery names the installation whose token its jobs use; one the
            // App does not know (uninstalled meanwhile) is acknowledged, never queued.
            let installation = app.settings.github_app.as_ref().zip(delivery.installation);
            if let Some(id) = installation
                .filter(|(gh, id)| !gh.knows(*id))
                .map(|(_, id)| id)
            {
                let why = format!("installation {id} is not one the GitHub App knows");
                (None, "unknown_installation", Some(why))
            } else if is_watched(&app.settings.repositories, m.forge, &m.repo) {
                if let Some((gh, id)) = installation {
                    gh.learn(id, std::slice::from_ref(&m.repo), &[]);
                }
                (Some(m), "queued", None)
            } else {
                let why = format!(
                    "{}:{} is not a watched repository",
                    m.forge.as_str(),
                    m.repo
                );
                (None, "ignored", Some(why))
            }
        }
    };
    let (id, event) = (delivery.id.clone(), delivery.event.clone());
    let marked = mark.clone();
    let recorded = app
        .store(move |s| s.record_delivery(forge, &id, &event, marked.as_ref(), Utc::now()))
        .await;
    let recorded = match recorded {
        Ok(r) => r,
        Err(e) => return store_error(&app, forge, &e),
    };
    // What became of the delivery, for the metrics and the log alike.
    let outcome = match recorded {
        Recorded::Duplicate => "duplicate",
        Recorded::New(Some(_)) => "queued",
        Recorded::New(None) => result,
    };
    app.metrics.delivery(forge, outcome);
    tracing::info!(
        forge = forge.as_str(),
        delivery = %delivery.id,
        event = %delivery.event,
        repository = mark.as_ref().map(|m| m.repo.as_str()),
        reason = mark.as_ref().map(|m| m.reason.as_str()),
        result = outcome,
        why = why.as_deref(),
        "webhook delivery"
    );
    match recorded {
        Recorded::Duplicate => answer(
            StatusCode::OK,
            json!({"result": "duplicate", "delivery": delivery.id}),
        ),
        Recorded::New(Some(q)) => {
            app.wake.notify_waiters();
            let m = mark.expect("a queued delivery has a mark");
            answer(
                StatusCode::ACCEPTED,
                json!({
                    "result": "queued",
                    "job": q.job_id(),
                    "coalesced": matches!(q, Queued::Coalesced(_)),
                    "repository": m.repo,
                    "reason": m.reason.as_str(),
                }),
            )
        }
        Recorded::New(None) => {
            let mut body = json!({"result": result});
            if let Some(why) = why {
                body["why"] = why.into();
            }
            // Accepted, not OK: nothing is wrong with the delivery, and a forge that retries
            // non-2xx answers must not send it again and again.
            let status = if result == "unknown_installation" {
                StatusCode::ACCEPTED
            } else {
                StatusCode::OK
            };
            answer(status, body)
        }
    }
}

fn store_error(app: &App, forge: Forge, e: &StoreError) -> Response {
    app.metrics.delivery(forge, "error");
    tracing::error!(
        forge = forge.as_str(),
        error = %e,
        "cannot record a delivery"
    );
    // 503 makes the forge retry later; the delivery was not recorded, so the retry counts.
    answer(
        StatusCode::SERVICE_UNAVAILABLE,
        json!({"error": "the queue is unavailable"}),
    )
}
