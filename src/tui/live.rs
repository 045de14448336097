//! The live receiver inside the UI (`tackroom open --listen ADDR`): the
//! same endpoints as `tackroom collect`, on the UI's runtime and store, so
//! traces can be watched as they arrive (sled lets one process hold a store).

use tokio::sync::mpsc::UnboundedSender;

use super::effect::Msg;
use crate::collect::{serve, CollectOptions, Collector};
use crate::store::Store;

/// Binds `addr` and serves in the background; every stored trace is
/// reported to the UI. Returns the bound address (a port of 0 picks one).
pub async fn start(
    runtime: &tokio::runtime::Runtime,
    store: &Store,
    addr: &str,
    to_ui: UnboundedSender<Msg>,
) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("--listen {addr}: {e}"))?;
    let address = listener.local_addr()?.to_string();
    let options = CollectOptions {
        quiet: std::time::Duration::from_secs(10),
        max_body: 16 << 20,
    };
    let collector = Collector::new(
        store.clone(),
        options,
        Box::new(move |stored| {
            let _ = to_ui.send(Msg::LiveStored {
                trace_id: stored.id.clone(),
            });
        }),
    )?;
    tracing::info!(%address, "receiving traces live");
    runtime.spawn(serve(collector, listener, std::future::pending()));
    Ok(address)
}
