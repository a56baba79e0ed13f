//! The web face of kefu: server-rendered pages in Chinese and English, the
//! JSON API with its OpenAPI document, sessions and sign-in, and the one
//! guard every route passes through.

/// A JSON object for a template, from `key => value` pairs; values are
/// serialised by reference, so nothing is moved.
macro_rules! view {
    ($($key:ident => $value:expr),* $(,)?) => {{
        let mut map = serde_json::Map::new();
        $( map.insert(stringify!($key).to_string(), serde_json::to_value(&$value).unwrap_or_default()); )*
        serde_json::Value::Object(map)
    }};
}

pub mod api;
pub mod archive;
mod chart;
mod cookies;
pub mod error;
mod extract;
mod fields;
pub mod guard;
pub mod i18n;
pub mod imports;
mod lang;
mod metrics;
mod ops;
pub mod packs;
mod pages;
mod redirect;
mod render;
mod requests;
pub mod routes;
pub mod state;
mod xlsx;

pub use routes::{RouteSpec, router, specs, specs_for};
pub use state::{AppState, CookieSecurity, WebConfig};

use std::net::SocketAddr;
use tokio::net::TcpListener;

/// Serves until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
