//! `sp-sim` binary: parses flags and runs the simulator until Ctrl-C.

use clap::Parser;
use sp_sim::{Config, Knobs};

/// SharePoint Online REST simulator.
#[derive(Parser, Debug)]
#[command(name = "sp-sim", version, about)]
struct Args {
    /// Port to listen on (0 = ephemeral).
    #[arg(long, env = "SP_SIM_PORT", default_value_t = 8787)]
    port: u16,
    /// Address to bind.
    #[arg(long, env = "SP_SIM_HOST", default_value = "127.0.0.1")]
    host: String,
    /// Server-relative site URL to serve (repeatable). Default: /sites/dev.
    #[arg(long = "site")]
    sites: Vec<String>,
    /// FormDigestTimeoutSeconds.
    #[arg(long, default_value_t = 1800)]
    digest_timeout: i64,
    /// Maximum path+query length before a 414.
    #[arg(long, default_value_t = 2048)]
    url_limit: usize,
    /// Change log retention in seconds.
    #[arg(long, default_value_t = 60 * 24 * 3600)]
    retention: i64,
    /// Webhook delivery interval in milliseconds.
    #[arg(long, default_value_t = 60_000)]
    webhook_interval_ms: u64,
    /// Delay before a failed notification is retried, in milliseconds.
    #[arg(long, default_value_t = 300_000)]
    webhook_retry_delay_ms: u64,
    /// Retries before a failed notification is dropped.
    #[arg(long, default_value_t = 5)]
    webhook_max_retries: u32,
    /// List view threshold.
    #[arg(long, default_value_t = 5000)]
    view_threshold: usize,
    /// Create a list "Mails" with this many generated rows at start-up.
    #[arg(long)]
    seed: Option<usize>,
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "sp_sim=info".into()),
        )
        .init();
    let a = Args::parse();
    let knobs = Knobs {
        digest_timeout_seconds: a.digest_timeout,
        url_limit: a.url_limit,
        retention_seconds: a.retention,
        webhook_interval_ms: a.webhook_interval_ms,
        webhook_retry_delay_ms: a.webhook_retry_delay_ms,
        webhook_max_retries: a.webhook_max_retries,
        view_threshold: a.view_threshold,
        ..Knobs::default()
    };
    let config = Config {
        host: a.host,
        port: a.port,
        sites: a.sites,
        knobs,
    };
    let (addr, sim) = match sp_sim::serve(config).await {
        Ok(x) => x,
        Err(e) => {
            eprintln!("sp-sim: cannot start: {e}");
            std::process::exit(1);
        }
    };
    if let Some(n) = a.seed {
        let mut inner = sim.shared().lock();
        let now = inner.now_ms();
        if let Ok(l) = inner.create_list(0, "Mails", "", 100) {
            let mail = sp_sim::admin::data::MAIL_COLUMNS.map(String::from);
            inner.sites[0].lists[l].add_columns(mail.iter());
            for i in 0..n {
                inner.add_item(
                    0,
                    l,
                    sp_sim::admin::data::mail_row(i + 1, now - ((n - i) as i64) * 60_000),
                );
            }
            tracing::info!(
                "seeded list Mails ({}) with {n} rows",
                inner.sites[0].lists[l].id
            );
        }
    }
    println!("sp-sim listening on http://{addr}");
    println!("site: {}", sim.site_url());
    let _ = tokio::signal::ctrl_c().await;
    sim.shutdown();
}
