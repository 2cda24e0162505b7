//! The HTTP surface: one module per group of endpoints.

mod health;
mod run;
mod runner;
mod sessions;
mod stream;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::handler::HandlerWithoutStateExt as _;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use tower_http::services::ServeDir;

use crate::client_ip::ClientIp;
use crate::error::{self, ApiError};
use crate::AppState;

/// The whole application; serve it with connect info so rate limits see
/// the client's address.
pub fn app(state: AppState) -> Router {
    let limits = &state.config.limits;
    let rate_limited = || middleware::from_fn_with_state(state.clone(), rate_limit);

    let public = Router::new()
        .route(
            "/api/run",
            post(run::submit)
                .route_layer(rate_limited())
                .layer(DefaultBodyLimit::max(limits.max_body_bytes)),
        )
        .route("/api/run/{job_id}", get(run::status))
        .route("/api/run/{job_id}/cancel", post(run::cancel))
        .route("/api/run/{job_id}/stream", get(stream::upgrade))
        .route("/api/sessions/{session_id}/files", get(sessions::list))
        .route(
            "/api/sessions/{session_id}/files/{name}",
            get(sessions::download).delete(sessions::remove).merge(
                axum::routing::put(sessions::upload)
                    .route_layer(rate_limited())
                    .layer(DefaultBodyLimit::max(limits.session_max_file_bytes)),
            ),
        )
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics));

    // Anything not routed: a file of the editor if there is one, else a JSON 404.
    let front = ServeDir::new(&state.config.front_dir)
        .not_found_service(error::route_not_found.into_service());

    let cors_layer = cors(&state.config.cors_origins);
    let router = public
        .merge(runner::router(&state))
        .method_not_allowed_fallback(error::method_not_allowed)
        .fallback_service(front)
        .with_state(state);
    // The editor may be served from another origin (VITE_API_BASE): only the
    // origins the operator lists may call the API from a browser. Outermost, so
    // preflight requests are answered before routing.
    match cors_layer {
        Some(layer) => router.layer(layer),
        None => router,
    }
}

fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use axum::http::{header, HeaderValue, Method};
    if origins.is_empty() {
        return None;
    }
    let list: Vec<HeaderValue> = origins.iter().filter_map(|o| o.parse().ok()).collect();
    Some(
        tower_http::cors::CorsLayer::new()
            .allow_origin(list)
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
            .allow_headers([header::CONTENT_TYPE]),
    )
}

/// Token bucket per client IP, checked before the body is even read.
async fn rate_limit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if let Err(wait) = state.rate_limiter.check(ip) {
        return Err(ApiError::too_many(
            "rate_limited",
            "too many requests from your network; try again in a moment",
            wait.as_secs_f64().ceil() as u64,
        ));
    }
    Ok(next.run(request).await)
}
