#![forbid(unsafe_code)]
//! sandpit-server: reads its configuration from the environment (see
//! `docs/api.md`) and serves until SIGINT/SIGTERM.

use anyhow::Context as _;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = sandpit_server::Config::from_env().context("reading the server configuration")?;
    let server = sandpit_server::start(config).await?;
    // Scripts and tests read this line to find the port (PORT=0 picks a free one).
    println!("sandpit-server listening on http://{}", server.addr);
    tracing::info!("listening on http://{}", server.addr);

    tokio::select! {
        result = server.wait() => result,
        _ = shutdown_signal() => {
            tracing::info!("shutting down");
            Ok(())
        }
    }
}

/// SIGINT or SIGTERM. Jobs and leases are in the database, so stopping
/// here loses nothing: runners retry until the server is back.
async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing the SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
