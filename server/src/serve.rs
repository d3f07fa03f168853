//! `machidayori serve`: the start-up order (migrate, channels, background tasks, router) and the
//! shutdown order (stop accepting, let in-flight requests finish, stop background tasks, save
//! the sandbox, close the database).

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::AppState;
use crate::config::Config;
use crate::handlers::webhook::Intake;
use crate::jobs::{Background, webhook_workers};
use crate::line_platform::LinePlatform;
use crate::middleware::access_log::AccessLog;
use crate::router::{Limits, router};

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
    domain::staff::password::warm_up().await?;

    let listener = tokio::net::TcpListener::bind(config.bind_addr)
        .await
        .with_context(|| format!("cannot listen on {} (BIND_ADDR)", config.bind_addr))?;
    let local_addr = listener
        .local_addr()
        .context("listening socket has no address")?;
    let background = Background::new();
    let state = prepare(&config, db.clone(), local_addr, &background).await?;
    crate::jobs::spawn_all(
        &background,
        &config,
        db.clone(),
        state.allowlist().clone(),
        state.platform.clone(),
        state.context.public_base.clone(),
    );
    let platform = state.platform.clone();
    let limits = Limits {
        body_bytes: config.request_body_limit,
        timeout: config.request_timeout,
    };
    let app = router(state, limits);
    tracing::info!(address = %local_addr, "listening");
    announce(&config, local_addr, &db, &platform).await;

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
    // After the last request: the access log flushes what they left, the workers record what
    // they finished.
    background.shutdown(BACKGROUND_SHUTDOWN).await;
    if let Err(e) = platform.sandbox.flush() {
        tracing::warn!(error = %e, "could not save the LINE sandbox's state");
    }
    db.close().await.ok();
    tracing::info!("stopped");
    Ok(())
}

/// How long background tasks get to finish what they hold at shutdown.
const BACKGROUND_SHUTDOWN: Duration = Duration::from_secs(10);

/// Everything behind the router for a process listening on `local_addr`: the LINE channels
/// (sandbox channels are served by this process at its own address, so this waits until the
/// address is known), the webhook inbox writer and its workers, the access log writer; their
/// tasks run on `background`.
pub async fn prepare(
    config: &Config,
    db: domain::DatabaseConnection,
    local_addr: SocketAddr,
    background: &Background,
) -> anyhow::Result<AppState> {
    let platform = Arc::new(LinePlatform::start(&db, config, local_addr).await?);
    let writers = match domain::db::backend_of(&db) {
        domain::db::Backend::Sqlite => 1,
        domain::db::Backend::Postgres => 8,
    };
    let inbox_db = domain::db::hot_writer(&db).await?;
    let handoff =
        webhook_workers::Handoff::new(webhook_workers::lease_for(config.line_api_timeout));
    let intake = Intake::start(&inbox_db, writers, &handoff, background);
    webhook_workers::start(
        webhook_workers::Workers {
            count: config.webhook_workers,
            inbox_db,
            db: db.clone(),
            platform: platform.clone(),
            handoff,
            stored: intake.stored.clone(),
        },
        background,
    );
    let allowlist =
        domain::security::allowlist::LiveAllowList::load(&db, config.admin_allowed_ips.clone())
            .await?;
    let access_log = if config.access_log {
        Some(AccessLog::start(db.clone(), background))
    } else {
        tracing::warn!(
            "access log OFF (MACHIDAYORI_BENCH_WITHOUT_ACCESS_LOG, for benchmarks only)"
        );
        None
    };
    let redirects = crate::handlers::redirect::Redirects::start(db.clone(), background);
    Ok(AppState::new(
        config, local_addr, db, platform, intake, allowlist, access_log, redirects,
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
