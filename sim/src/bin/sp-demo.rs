//! `sp-demo` (`make demo`): one process running sp-sim, sp-broadcaster and a static
//! server for the demo page, with a demo list subscribed to the broadcaster's webhook.

#[path = "../demo/edits.rs"]
mod edits;
#[path = "../demo/rest.rs"]
mod rest;
#[path = "../demo/web.rs"]
mod web;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::exit;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{json, Value};
use sp_sim::{Config, Knobs};

const HOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const FIELDS: [&str; 6] = ["Title", "Subject", "From", "To", "SentDate", "Editor/Title"];

/// The sp-live demo: SharePoint simulator + webhook broadcaster + the demo page.
#[derive(Parser, Debug)]
#[command(name = "sp-demo", version)]
struct Args {
    /// Port of the demo page (static server for www/ and pkg/).
    #[arg(long, env = "SP_DEMO_PORT", default_value_t = 8080)]
    port: u16,
    /// Port of the SharePoint simulator.
    #[arg(long, env = "SP_DEMO_SIM_PORT", default_value_t = 8787)]
    sim_port: u16,
    /// Port of the broadcaster.
    #[arg(long, env = "SP_DEMO_BROADCASTER_PORT", default_value_t = 9400)]
    broadcaster_port: u16,
    /// Do not start a broadcaster: use the sp-broadcaster already listening (or about to
    /// listen) on --broadcaster-port. Lets tests kill and restart it as a real process.
    #[arg(long)]
    external_broadcaster: bool,
    /// Webhook delivery period of the simulator, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    webhook_interval_ms: u64,
    /// Rows in the demo list at start.
    #[arg(long, default_value_t = 40)]
    rows: usize,
    /// Title of the demo list.
    #[arg(long, default_value = "Mails")]
    list_title: String,
    /// Start a gentle stream of random adds, updates and deletes.
    #[arg(long)]
    edits: bool,
    /// Average time between two random edits, in milliseconds.
    #[arg(long, default_value_t = 2000)]
    edit_interval_ms: u64,
    /// `protocol` the page passes to LiveList.open: auto, socket.io-v2, socket.io-v4, websocket.
    #[arg(long, default_value = "auto",
          value_parser = ["auto", "socket.io-v2", "socket.io-v4", "websocket"])]
    protocol: String,
    /// Webhook clientState secret (random when not given).
    #[arg(long)]
    client_state: Option<String>,
    /// Engine.IO ping interval of the embedded broadcaster, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    ping_interval_ms: u64,
    /// Directory of the demo page.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../www"))]
    www: PathBuf,
    /// Directory of the wasm-pack output.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../pkg"))]
    pkg: PathBuf,
}

/// Exits with a clear message; a taken port names the flag to change it.
fn fail_bind(e: &std::io::Error, port: u16, what: &str, flag: &str) -> ! {
    if e.kind() == std::io::ErrorKind::AddrInUse {
        eprintln!("sp-demo: port {port} ({what}) is already in use; pick another with {flag} N");
    } else {
        eprintln!("sp-demo: cannot listen on 127.0.0.1:{port} ({what}, {flag}): {e}");
    }
    exit(2);
}

fn fail(msg: impl std::fmt::Display) -> ! {
    eprintln!("sp-demo: {msg}");
    exit(1);
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                "sp_demo=info,sp_sim=warn,sp_broadcaster=warn,socketioxide=warn,engineioxide=warn"
                    .into()
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let a = Args::parse();
    if let Some(hint) = web::missing_pkg_hint(&a.pkg) {
        fail(hint);
    }
    if !a.www.join("index.html").is_file() {
        fail(format!("{} has no index.html (--www)", a.www.display()));
    }

    // Bind everything first, so a taken port fails fast and names its flag.
    let page = tokio::net::TcpListener::bind(SocketAddr::new(HOST, a.port))
        .await
        .unwrap_or_else(|e| fail_bind(&e, a.port, "demo page", "--port"));
    let knobs = Knobs {
        webhook_interval_ms: a.webhook_interval_ms,
        webhook_retry_delay_ms: 2000,
        webhook_max_retries: 10,
        ..Knobs::default()
    };
    let sim_cfg = Config {
        host: HOST.to_string(),
        port: a.sim_port,
        sites: vec!["/sites/dev".into()],
        knobs,
    };
    let (_, sim) = sp_sim::serve(sim_cfg)
        .await
        .unwrap_or_else(|e| fail_bind(&e, a.sim_port, "SharePoint simulator", "--sim-port"));
    let client_state = a
        .client_state
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let broadcaster = if a.external_broadcaster {
        None
    } else {
        let cfg = sp_broadcaster::Config {
            host: HOST,
            port: a.broadcaster_port,
            client_states: vec![client_state.clone()],
            ping_interval: Duration::from_millis(a.ping_interval_ms),
            ping_timeout: Duration::from_millis(a.ping_interval_ms),
            cors: sp_broadcaster::CorsMode::Public,
            ..Default::default()
        };
        let h = sp_broadcaster::serve(cfg).await.unwrap_or_else(|e| {
            fail_bind(&e, a.broadcaster_port, "broadcaster", "--broadcaster-port")
        });
        Some(h)
    };
    let broadcaster_url = format!("http://{HOST}:{}", a.broadcaster_port);
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_else(|e| fail(e));
    if a.external_broadcaster {
        wait_for(&http, &format!("{broadcaster_url}/health")).await;
    }

    // The demo list, seeded through the admin API, subscribed through real REST.
    let seeded: Value = async {
        let r = http
            .post(format!("{}/_admin/seed", sim.base_url()))
            .json(&json!({"title": a.list_title, "count": a.rows}))
            .send()
            .await?;
        r.error_for_status()?.json().await
    }
    .await
    .unwrap_or_else(|e| fail(format!("cannot seed the demo list: {e}")));
    let list_id = seeded["id"].as_str().unwrap_or_default().to_owned();
    let site = sim.site_url();
    let mut rest = rest::Rest::new(http.clone(), &site, &list_id);
    let hook = format!("{broadcaster_url}/api/webhook");
    let sub = rest
        .subscribe(&hook, &client_state)
        .await
        .unwrap_or_else(|e| fail(format!("cannot subscribe {hook}: {e}")));
    tracing::info!("webhook subscription {sub} -> {hook}");

    let config = json!({
        "siteUrl": site,
        "listId": list_id,
        "listTitle": a.list_title,
        // Plain WebSocket clients connect to the URL as given: the broadcaster's ws path.
        "broadcaster": if a.protocol == "websocket" {
            format!("{broadcaster_url}/ws")
        } else {
            broadcaster_url.clone()
        },
        "protocol": a.protocol,
        "select": FIELDS,
        "simAdmin": format!("{}/_admin", sim.base_url()),
        "webhookIntervalMs": a.webhook_interval_ms,
        "edits": a.edits,
    });
    let router = web::router(web::Site {
        www: a.www.clone(),
        pkg: a.pkg.clone(),
        config,
        connect: vec![sim.base_url(), broadcaster_url.clone()],
    });
    let page_addr = page.local_addr().unwrap_or_else(|e| fail(e));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(page, router).await {
            tracing::error!("static server: {e}");
        }
    });
    if a.edits {
        let rest = rest::Rest::new(http.clone(), &site, &list_id);
        let every = Duration::from_millis(a.edit_interval_ms.max(100));
        let max = (a.rows + 20).max(10);
        tokio::spawn(edits::run(rest, every, a.rows.saturating_sub(10), max));
    }

    println!(
        "sp-demo: SharePoint simulator  {site}  (list '{}' {list_id}, {} rows)",
        a.list_title, a.rows
    );
    println!(
        "sp-demo: broadcaster           {broadcaster_url}{}",
        if a.external_broadcaster {
            " (external)"
        } else {
            ""
        }
    );
    println!(
        "sp-demo: random edits          {}",
        if a.edits {
            "on (--edits)"
        } else {
            "off (add --edits, or DEMO_ARGS=--edits with make demo)"
        }
    );
    println!("sp-demo: open http://{page_addr}/   (Ctrl-C to stop)");

    shutdown_signal().await;
    println!("sp-demo: stopping");
    if let Some(h) = broadcaster {
        let _ = tokio::time::timeout(Duration::from_secs(3), h.shutdown()).await;
    }
    sim.shutdown();
}

/// Waits (up to 30 s) until `url` answers 200.
async fn wait_for(http: &reqwest::Client, url: &str) {
    let start = Instant::now();
    loop {
        if let Ok(r) = http.get(url).send().await {
            if r.status().is_success() {
                return;
            }
        }
        if start.elapsed() > Duration::from_secs(30) {
            fail(format!(
                "no broadcaster answers {url} (--external-broadcaster)"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
