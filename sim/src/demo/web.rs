//! The demo's static server: `www/` at `/`, the npm package `pkg/` at `/pkg/`, and a
//! dynamic `/config.json` telling the page where the site, list and broadcaster are.

use std::path::PathBuf;
use std::sync::Arc;

use axum::http::{header, HeaderValue, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// What the static server needs.
pub struct Site {
    /// The page's directory (`www/`).
    pub www: PathBuf,
    /// The wasm-pack output (`pkg/`).
    pub pkg: PathBuf,
    /// The body of `GET /config.json`.
    pub config: Value,
    /// Origins the page may connect to (sim and broadcaster), for the CSP.
    pub connect: Vec<String>,
}

/// The router of the static server.
pub fn router(site: Site) -> Router {
    let config = Arc::new(site.config);
    let csp = csp(&site.connect);
    Router::new()
        .route(
            "/config.json",
            get(move || {
                let c = config.clone();
                async move { Json((*c).clone()) }
            }),
        )
        .route("/health", get(|| async { (StatusCode::OK, "ok") }))
        // `ServeDir` maps `.wasm` to `application/wasm` (mime_guess).
        .nest_service("/pkg", ServeDir::new(site.pkg))
        .fallback_service(ServeDir::new(site.www))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static("default-src 'self'")),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
}

/// A strict policy: scripts and styles from the page's origin only (wasm allowed),
/// network access to the page, the sim and the broadcaster (http and ws).
fn csp(connect: &[String]) -> String {
    let mut c = String::from("'self'");
    for o in connect {
        c.push(' ');
        c.push_str(o);
        if let Some(rest) = o.strip_prefix("http://") {
            c.push_str(" ws://");
            c.push_str(rest);
        }
    }
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src {c}; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'"
    )
}

/// Why the page cannot load, when `pkg/` has not been built.
pub fn missing_pkg_hint(pkg: &std::path::Path) -> Option<String> {
    if pkg.join("sp_live.js").is_file() {
        None
    } else {
        Some(format!(
            "{} has no sp_live.js: run `make pkg` (or `make demo`) first",
            pkg.display()
        ))
    }
}
