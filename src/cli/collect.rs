//! `tackroom collect --listen ADDR`: the live receiver.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use crate::collect::{serve, CollectOptions, Collector};

#[derive(Debug, clap::Args)]
pub struct CollectArgs {
    /// Address to listen on (OTLP/HTTP's usual port is 4318)
    #[arg(long, default_value = "127.0.0.1:4318")]
    pub listen: String,
    /// Seconds without news after which a trace without its root is stored anyway
    #[arg(long, default_value_t = 10.0)]
    pub quiet: f64,
    /// Largest request body in MiB (also after gzip)
    #[arg(long, default_value_t = 16)]
    pub max_body_mb: usize,
}

pub fn run(store_dir: &Path, args: CollectArgs) -> anyhow::Result<ExitCode> {
    let store = super::open_store(store_dir)?;
    let options = CollectOptions {
        quiet: Duration::from_secs_f64(args.quiet.max(0.0)),
        max_body: args.max_body_mb.max(1) << 20,
    };
    let collector = Collector::new(
        store,
        options,
        Box::new(|t| {
            let state = match (t.new, t.merged) {
                (true, _) => "stored",
                (false, true) => "merged late pieces into",
                (false, false) => "already stored",
            };
            println!("{state} trace {} ({} steps, {})", t.id, t.steps, t.format);
        }),
    )?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.listen))?;
        eprintln!(
            "tackroom collect listening on http://{} (OTLP /v1/traces, Langfuse /api/public/otel, LangSmith /runs); Ctrl-C stops",
            listener.local_addr()?
        );
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        serve(collector, listener, shutdown).await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
