//! `machidayori serve`: migrate, then serve HTTP until SIGTERM/SIGINT, letting in-flight
//! requests finish.

use std::io::Write;
use std::net::SocketAddr;

use anyhow::Context;

use std::sync::Arc;

use crate::AppState;
use crate::config::Config;
use crate::line_platform::LinePlatform;
use crate::router::{Limits, router};
use crate::handlers::webhook::Intake;

pub async fn run(config: Config) -> anyhow::Result<()> {
    let db = domain::db::connect_and_migrate(&config.database_url, config.database_max_connections)
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                config.database_url_for_display()
            )
        })?;
    if !config.site_root.join("pkg/machidayori.js").exists() {
        tracing::warn!(
            site_root = %config.site_root.display(),
            "UI assets not found in SITE_ROOT: pages will load without styles and scripts (build them with `make build`)"
        );
    }
    domain::staff::accounts::warm_up().await?;

    let listener = tokio::net::TcpListener::bind(config.bind_addr)
        .await
        .with_context(|| format!("cannot listen on {} (BIND_ADDR)", config.bind_addr))?;
    let local_addr = listener
        .local_addr()
        .context("listening socket has no address")?;
    let (state, workers) = prepare(&config, db.clone(), local_addr).await?;
    let platform = state.platform.clone();
    let state_allowlist = state.allowlist.clone();
    let state_access_log = state.access_log.clone();
    let limits = Limits {
        body_bytes: config.request_body_limit,
        timeout: config.request_timeout,
    };
    let app = router(state, limits);
    tracing::info!(address = %local_addr, "listening");
    announce(&config, local_addr, &db, &platform).await;

    let purge = tokio::spawn(purge_expired_sessions(db.clone(), config.clone()));
    let purge_access_log = tokio::spawn(crate::middleware::access_log::purge_daily(
        db.clone(),
        config.access_log_retention_days,
    ));
    let follow_allowlist = tokio::spawn(follow_allowlist(db.clone(), state_allowlist));
    let access_log = state_access_log;
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stopping_tx.send(());
    });
    // After the signal, in-flight requests get SHUTDOWN_TIMEOUT to finish.
    let deadline = async move {
        if stopping_rx.await.is_ok() {
            tokio::time::sleep(config.shutdown_timeout).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = server => result.context("HTTP server failed")?,
        () = deadline => tracing::warn!("requests still running after SHUTDOWN_TIMEOUT were cut off"),
    }
    purge.abort();
    purge_access_log.abort();
    follow_allowlist.abort();
    if let Some(log) = access_log {
        log.flush_and_stop().await;
    }
    workers.stop().await;
    if let Err(e) = platform.sandbox.flush() {
        tracing::warn!(error = %e, "could not save the LINE sandbox's state");
    }
    db.close().await.ok();
    tracing::info!("stopped");
    Ok(())
}

/// Everything behind the router for a process listening on `local_addr`: the LINE channels
/// (sandbox channels are served by this process at its own address, so this waits until the
/// address is known), the webhook inbox writer and its workers.
pub async fn prepare(
    config: &Config,
    db: domain::DatabaseConnection,
    local_addr: SocketAddr,
) -> anyhow::Result<(AppState, crate::jobs::webhook_workers::WorkerTasks)> {
    let platform = Arc::new(LinePlatform::start(&db, config, local_addr).await?);
    let writers = match domain::db::backend_of(&db) {
        domain::db::Backend::Sqlite => 1,
        domain::db::Backend::Postgres => 8,
    };
    let inbox_db = domain::db::hot_writer(&db).await?;
    let handoff = crate::jobs::webhook_workers::Handoff::new(crate::jobs::webhook_workers::lease_for(config.line_api_timeout));
    let intake = Intake::start(inbox_db.clone(), writers, handoff.clone());
    let workers = crate::jobs::webhook_workers::start(crate::jobs::webhook_workers::Workers {
        count: config.webhook_workers,
        inbox_db,
        db: db.clone(),
        platform: platform.clone(),
        handoff,
        stored: intake.stored.clone(),
    });
    let allowlist =
        domain::security::allowlist::LiveAllowList::load(&db, config.admin_allowed_ips.clone()).await?;
    // The benchmark of the access log's cost compares runs with and without it; nothing else
    // may turn it off, so the switch is an undocumented variable that warns loudly.
    let access_log = if std::env::var_os("MACHIDAYORI_BENCH_WITHOUT_ACCESS_LOG").is_some() {
        tracing::warn!(
            "access log OFF (MACHIDAYORI_BENCH_WITHOUT_ACCESS_LOG, for benchmarks only)"
        );
        None
    } else {
        Some(crate::middleware::access_log::AccessLog::start(db.clone()))
    };
    Ok((
        AppState::new(config, db, platform, intake, allowlist, access_log),
        workers,
    ))
}

/// Plain lines on stderr for the person who just ran `make run`, beside the structured log.
async fn announce(
    config: &Config,
    local_addr: SocketAddr,
    db: &domain::DatabaseConnection,
    platform: &LinePlatform,
) {
    let base = config.public_url.as_ref().map_or_else(
        || format!("http://{local_addr}"),
        |u| u.as_str().trim_end_matches('/').to_owned(),
    );
    tracing::info!(url = %base, database = %config.database_url_for_display(), "machidayori is serving");
    let mut lines = vec![format!("まちだより / Machidayori: {base}/admin")];
    if domain::staff::accounts::count(db).await.unwrap_or(1) == 0 {
        lines.push("最初の管理者を作成してください / Create the first administrator:".into());
        lines.push("  cargo run -p server -- admin create --username NAME   (installed: machidayori admin create ...)".into());
        // The setup page answers only to direct loopback connections, never through a proxy.
        let loopback = crate::line_platform::loopback_of(local_addr);
        lines.push(format!(
            "  or open http://{loopback}/admin/setup in a browser on this machine"
        ));
    }
    for (key, environment, sandbox) in platform.keys() {
        if sandbox {
            lines.push(format!(
                "LINE チャネル「{key}」（{}）: サンドボックス。LINE には送信されません。{base}/admin/simulator で試せます。",
                environment.label_ja()
            ));
            lines.push(format!(
                "LINE channel `{key}`: sandbox (built-in LINE emulator); nothing is sent to LINE."
            ));
        } else {
            lines.push(format!(
                "LINE チャネル「{key}」（{}）: Webhook URL {base}/webhook/line/{key}",
                environment.label_ja()
            ));
        }
    }
    let mut err = std::io::stderr().lock();
    for line in lines {
        // A closed stderr must not stop the server.
        let _ = writeln!(err, "  {line}");
    }
}

/// Deletes expired sessions every ten minutes so the table does not grow without bound.
async fn purge_expired_sessions(db: domain::DatabaseConnection, config: Config) {
    let policy = config.session_policy();
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        match domain::staff::sessions::purge_expired(&db, policy).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "expired sessions removed"),
            Err(e) => tracing::warn!(error = %e, "could not remove expired sessions"),
        }
    }
}

/// How often the allowlist is read again, for changes made by other instances or the CLI.
const ALLOWLIST_REFRESH: std::time::Duration = std::time::Duration::from_secs(5);

async fn follow_allowlist(
    db: domain::DatabaseConnection,
    allowlist: domain::security::allowlist::LiveAllowList,
) {
    let mut tick = tokio::time::interval(ALLOWLIST_REFRESH);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // On failure the last list stays in force.
        if let Err(e) = allowlist.reload(&db).await {
            tracing::warn!(error = %e, "could not reload the admin IP allowlist");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
