//! `GET /r/{code}`: a tracked link of a delivery (`domain::delivery::links`). Answers 302 to the
//! link's original URL and counts the click; a code we did not issue gets a 404 page and no
//! redirect (never an open redirect). Clicks are written in batches by one task, like the
//! access log, so a burst of taps after a delivery costs one insert per 500 clicks. Link
//! previews (LINE's servers fetching the page to show a card) and HEAD requests are not
//! counted.
//!
//! Links are looked up once by their code and kept in memory: a code never changes where it
//! leads. A recipient's own code of a link (a delivery that records who clicked) is checked
//! against the link's key (`links::Link::destination`) and counted as theirs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use domain::delivery::links::{self, Click, Link};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::jobs::Background;

/// Clicks waiting to be written; beyond this they are dropped (and the drop is logged).
const QUEUE_CAPACITY: usize = 100_000;
const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// Codes kept in memory; the cache starts over when it is full.
const CACHE_CAPACITY: usize = 100_000;

/// The redirect's cache of codes and its click writer.
#[derive(Clone)]
pub struct Redirects {
    cache: Arc<RwLock<HashMap<String, Link>>>,
    clicks: mpsc::Sender<Click>,
    dropped: Arc<AtomicU64>,
}

impl Redirects {
    pub fn start(db: domain::DatabaseConnection, background: &Background) -> Self {
        let (clicks, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let dropped = Arc::new(AtomicU64::new(0));
        let writer_dropped = dropped.clone();
        background.spawn_graceful(|stop| write_clicks(db, receiver, writer_dropped, stop));
        Self {
            cache: Arc::new(RwLock::new(HashMap::new())),
            clicks,
            dropped,
        }
    }

    /// The link whose code `code` is (the start of a tapped code).
    async fn link(
        &self,
        db: &domain::DatabaseConnection,
        code: &str,
    ) -> Result<Option<Link>, domain::DomainError> {
        if let Some(found) = self.cache.read().ok().and_then(|c| c.get(code).cloned()) {
            return Ok(Some(found));
        }
        let found = links::resolve(db, code).await?;
        if let (Some(found), Ok(mut cache)) = (&found, self.cache.write()) {
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
            cache.insert(code.to_owned(), found.clone());
        }
        Ok(found)
    }

    fn count(&self, link_id: i64, friend_id: Option<i64>) {
        let click = Click {
            link_id,
            friend_id,
            at: Utc::now(),
        };
        if self.clicks.try_send(click).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

pub async fn follow(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    if !links::is_plausible_code(&code) {
        return not_found();
    }
    let found = match state
        .redirects
        .link(state.db(), links::link_code(&code))
        .await
    {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!(error = %e, "cannot look up a tracked link");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                page(
                    "ただいま混み合っています。少し時間をおいて、もう一度リンクを開いてください。",
                ),
            )
                .into_response();
        }
    };
    let Some(found) = found.and_then(|link| link.destination(&code)) else {
        return not_found();
    };
    let Ok(location) = HeaderValue::from_str(&found.url) else {
        return not_found();
    };
    if method == Method::GET && !is_preview(&headers) {
        state.redirects.count(found.link_id, found.friend_id);
    }
    let mut response = StatusCode::FOUND.into_response();
    let h = response.headers_mut();
    h.insert(header::LOCATION, location);
    // Every tap must reach us to be counted.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// A link preview or crawler, not a person: LINE's and other apps' card fetchers.
fn is_preview(headers: &HeaderMap) -> bool {
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    [
        "facebookexternalhit",
        "line-poker",
        "linebot",
        "twitterbot",
        "slackbot",
        "discordbot",
        "bot/",
        "crawler",
        "spider",
    ]
    .iter()
    .any(|marker| agent.contains(marker))
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        page("このリンクは見つかりませんでした。リンクが正しいかご確認ください。"),
    )
        .into_response()
}

fn page(message: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>まちだより</title></head><body style=\"font-family:sans-serif;font-size:18px;line-height:1.7;margin:2rem;color:#1a1a1a\"><main><h1 style=\"font-size:1.3rem\">リンクを開けませんでした</h1><p>{message}</p></main></body></html>"
    ))
}

async fn write_clicks(
    db: domain::DatabaseConnection,
    mut receiver: mpsc::Receiver<Click>,
    dropped: Arc<AtomicU64>,
    stop: CancellationToken,
) {
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut batch = Vec::with_capacity(links::INSERT_ROWS);
    let mut last = false;
    while !last {
        tokio::select! {
            _ = tick.tick() => {}
            () = stop.cancelled() => last = true,
        }
        loop {
            while batch.len() < links::INSERT_ROWS {
                match receiver.try_recv() {
                    Ok(click) => batch.push(click),
                    Err(_) => break,
                }
            }
            if batch.is_empty() {
                break;
            }
            let full = batch.len() == links::INSERT_ROWS;
            if let Err(e) = links::record_clicks(&db, &batch).await {
                // Once more, then the batch is given up (the redirect itself already worked).
                tracing::warn!(error = %e, clicks = batch.len(), "could not store clicks; trying again");
                tokio::time::sleep(Duration::from_millis(200)).await;
                if let Err(e) = links::record_clicks(&db, &batch).await {
                    tracing::error!(error = %e, clicks = batch.len(), "clicks lost");
                }
            }
            batch.clear();
            if !full {
                break;
            }
        }
        let lost = dropped.swap(0, Ordering::Relaxed);
        if lost > 0 {
            tracing::warn!(clicks = lost, "click queue full: clicks dropped");
        }
    }
}
