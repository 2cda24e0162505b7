//! The API's refusals and small endpoints, driven in-process with
//! `tower::ServiceExt::oneshot` (no socket).

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt as _;
use sandpit_server::store::SqliteStore;
use sandpit_server::{app, profiles, AppState, Config};
use serde_json::{json, Value};
use tower::ServiceExt as _;

struct InProcess {
    app: Router,
    _dir: tempfile::TempDir,
}

fn in_process(tweak: impl FnOnce(&mut Config)) -> InProcess {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::test_config(dir.path());
    tweak(&mut config);
    let names = profiles::from_dir(&config.policies_dir).unwrap();
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    InProcess {
        app: app(AppState::new(config, store, names)),
        _dir: dir,
    }
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, HeaderMap, Value) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| json!({ "text": String::from_utf8_lossy(&bytes) }));
    (status, headers, body)
}

fn post_json(path: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap()
}

fn run(body: Value) -> Request<Body> {
    post_json("/api/run", body.to_string())
}

/// Every refusal has the `{"error":{"code","message"}}` shape.
fn error_code(body: &Value) -> &str {
    assert!(
        body["error"]["message"].is_string(),
        "no error message in {body}"
    );
    body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {body}"))
}

#[tokio::test]
async fn a_valid_run_is_accepted_as_queued_with_an_unguessable_id() {
    let t = in_process(|_| {});
    let (status, headers, body) = send(&t.app, run(json!({ "code": "print('hi')" }))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "queued");
    let id = body["jobId"].as_str().unwrap();
    assert!(sandpit_server::names::is_id(id), "{id}");
    assert_eq!(headers[header::LOCATION], format!("/api/run/{id}"));

    let (status, _, job) = send(
        &t.app,
        Request::get(format!("/api/run/{id}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(job, json!({ "jobId": id, "status": "queued" }));
}

#[tokio::test]
async fn malformed_json_is_a_400_in_the_error_shape() {
    let t = in_process(|_| {});
    let (status, _, body) = send(&t.app, post_json("/api/run", "{\"code\": ")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "malformed_json");
}

#[tokio::test]
async fn a_body_that_is_not_json_typed_is_a_415() {
    let t = in_process(|_| {});
    let request = Request::post("/api/run")
        .body(Body::from("{\"code\":\"x\"}"))
        .unwrap();
    let (status, _, body) = send(&t.app, request).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(error_code(&body), "unsupported_media_type");
}

#[tokio::test]
async fn wrong_shapes_are_422() {
    let t = in_process(|_| {});
    for (body, code) in [
        (json!({ "profile": "python-basic" }), "invalid_request"),
        (json!({ "code": 5 }), "invalid_request"),
        (json!({ "code": "x", "lang": "fr" }), "invalid_lang"),
        (
            json!({ "code": "x", "sessionId": "../../x" }),
            "invalid_session_id",
        ),
        (
            json!({ "code": "x", "files": [{ "name": "a", "content": "%%", "encoding": "base64" }] }),
            "invalid_base64",
        ),
        (
            json!({ "code": "x", "files": [{ "name": "a", "content": "", "encoding": "rot13" }] }),
            "invalid_encoding",
        ),
    ] {
        let (status, _, response) = send(&t.app, run(body.clone())).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} → {response}"
        );
        assert_eq!(error_code(&response), code, "{body}");
    }
}

#[tokio::test]
async fn deeply_nested_json_neither_crashes_nor_500s() {
    let t = in_process(|_| {});
    let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    // In a field the server reads: refused as a bad value.
    let deep_code = format!("{{\"code\":{}}}", nest(100_000));
    let (status, _, body) = send(&t.app, post_json("/api/run", deep_code)).await;
    assert!(status.is_client_error(), "{status}");
    error_code(&body);
    // In a field the server ignores: skipped without recursion, still fine.
    let deep_extra = format!("{{\"code\":\"x\",\"extra\":{}}}", nest(100_000));
    let (status, _, _) = send(&t.app, post_json("/api/run", deep_extra)).await;
    assert!(
        status == StatusCode::CREATED || status.is_client_error(),
        "{status}"
    );
}

#[tokio::test]
async fn bad_file_names_are_refused() {
    let t = in_process(|_| {});
    let long = "x".repeat(101);
    for name in [
        "../etc/passwd",
        "/abs",
        "a/b",
        "..",
        ".",
        "",
        "nul\0byte",
        "tab\tname",
        long.as_str(),
        "back\\slash",
    ] {
        let body = json!({ "code": "x", "files": [{ "name": name, "content": "data" }] });
        let (status, _, response) = send(&t.app, run(body)).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name:?} → {response}"
        );
        assert_eq!(error_code(&response), "invalid_file_name", "{name:?}");
    }
    let twice = json!({ "code": "x", "files": [{ "name": "a", "content": "1" }, { "name": "a", "content": "2" }] });
    let (status, _, response) = send(&t.app, run(twice)).await;
    assert_eq!(
        (status, error_code(&response)),
        (StatusCode::UNPROCESSABLE_ENTITY, "duplicate_file_name")
    );
}

#[tokio::test]
async fn too_many_files_are_refused() {
    let t = in_process(|c| c.limits.max_files = 2);
    let files: Vec<Value> = (0..3)
        .map(|i| json!({ "name": format!("f{i}"), "content": "" }))
        .collect();
    let (status, _, body) = send(&t.app, run(json!({ "code": "x", "files": files }))).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "too_many_files")
    );
}

#[tokio::test]
async fn a_huge_body_is_a_413() {
    let t = in_process(|c| c.limits.max_body_bytes = 64 * 1024);
    let body =
        json!({ "code": "x", "files": [{ "name": "big", "content": "y".repeat(100 * 1024) }] });
    let (status, _, response) = send(&t.app, run(body)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&response), "body_too_large");
}

#[tokio::test]
async fn code_over_its_own_limit_is_a_413() {
    let t = in_process(|c| c.limits.max_code_bytes = 10);
    let (status, _, body) = send(&t.app, run(json!({ "code": "print('way too long')" }))).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "code_too_large")
    );
}

#[tokio::test]
async fn unknown_profiles_are_refused_at_submission() {
    let t = in_process(|_| {});
    for profile in ["no-such-profile", "../python-basic", "Python-Basic"] {
        let (status, _, body) = send(&t.app, run(json!({ "code": "x", "profile": profile }))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{profile}");
        assert_eq!(error_code(&body), "unknown_profile");
    }
    let (status, _, _) = send(
        &t.app,
        run(json!({ "code": "x", "profile": "python-turtle" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let t = in_process(|c| {
        c.limits.rate_per_minute = 6;
        c.limits.rate_burst = 2;
    });
    for _ in 0..2 {
        let (status, _, _) = send(&t.app, run(json!({ "code": "x" }))).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, headers, body) = send(&t.app, run(json!({ "code": "x" }))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(&body), "rate_limited");
    let retry: u64 = headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&retry), "{retry}");
}

#[tokio::test]
async fn the_active_job_limit_answers_429_with_retry_after() {
    let t = in_process(|c| c.limits.max_active_jobs_per_ip = 2);
    for _ in 0..2 {
        let (status, _, _) = send(&t.app, run(json!({ "code": "x" }))).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, headers, body) = send(&t.app, run(json!({ "code": "x" }))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(&body), "too_many_active_jobs");
    assert!(headers.contains_key(header::RETRY_AFTER));
}

#[tokio::test]
async fn runner_endpoints_refuse_a_wrong_or_missing_token() {
    let t = in_process(|_| {});
    let claim =
        json!({ "runnerId": "r", "hostname": "h", "profiles": ["python-basic"], "waitSeconds": 0 });
    for auth in [
        None,
        Some("Bearer wrong"),
        Some("Bearer test-runner-tokenX"),
        Some(common::TOKEN),
    ] {
        let mut request = Request::post("/api/runner/jobs/claim")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(auth) = auth {
            request = request.header(header::AUTHORIZATION, auth);
        }
        let (status, headers, body) =
            send(&t.app, request.body(Body::from(claim.to_string())).unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(error_code(&body), "unauthorized");
        assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    }
    let request = Request::post("/api/runner/jobs/claim")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {}", common::TOKEN))
        .body(Body::from(claim.to_string()))
        .unwrap();
    let (status, _, _) = send(&t.app, request).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "right token, empty queue");
}

#[tokio::test]
async fn without_a_token_configured_any_runner_may_claim() {
    let t = in_process(|c| c.runner_token = None);
    let claim =
        json!({ "runnerId": "r", "hostname": "h", "profiles": ["python-basic"], "waitSeconds": 0 });
    let (status, _, _) = send(
        &t.app,
        post_json("/api/runner/jobs/claim", claim.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn unknown_jobs_routes_and_methods_answer_in_the_error_shape() {
    let t = in_process(|_| {});
    let get = |p: &str| Request::get(p).body(Body::empty()).unwrap();
    let (status, _, body) = send(&t.app, get("/api/run/AAAAAAAAAAAAAAAAAAAAAA")).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, "job_not_found")
    );
    let (status, _, body) = send(&t.app, get("/api/run/not-an-id")).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, "job_not_found")
    );
    let (status, _, body) = send(&t.app, get("/api/nothing-here")).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let (status, _, body) = send(
        &t.app,
        Request::delete("/api/run").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    let (status, _, body) = send(&t.app, get("/api/run/AAAAAAAAAAAAAAAAAAAAAA/stream")).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, "job_not_found")
    );
}

#[tokio::test]
async fn a_stream_request_that_is_not_a_websocket_is_a_400() {
    let t = in_process(|_| {});
    let (_, _, body) = send(&t.app, run(json!({ "code": "x" }))).await;
    let id = body["jobId"].as_str().unwrap();
    let request = Request::get(format!("/api/run/{id}/stream"))
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = send(&t.app, request).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "websocket_required")
    );
}

#[tokio::test]
async fn healthz_and_metrics_answer() {
    let t = in_process(|_| {});
    let (status, _, body) = send(
        &t.app,
        Request::get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "status": "ok" })));
    send(&t.app, run(json!({ "code": "x" }))).await;
    let (status, headers, body) = send(
        &t.app,
        Request::get("/metrics").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = body["text"].as_str().unwrap();
    for needle in [
        "sandpit_jobs{status=\"queued\"} 1",
        "sandpit_queue_depth 1",
        "sandpit_runners_connected 0",
        "sandpit_job_run_seconds_bucket{le=\"+Inf\"} 0",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

#[tokio::test]
async fn session_endpoints_check_ids_names_and_quota() {
    let t = in_process(|c| c.limits.session_max_file_bytes = 8);
    let put = |path: &str, body: &'static str| Request::put(path).body(Body::from(body)).unwrap();
    let (status, _, body) = send(&t.app, put("/api/sessions/bad/files/a.txt", "1")).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_session_id")
    );
    let (status, _, body) = send(&t.app, put("/api/sessions/session-1/files/%2E%2E", "1")).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_file_name")
    );
    let (status, _, body) = send(&t.app, put("/api/sessions/session-1/files/a%2Fb", "1")).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_file_name")
    );
    let (status, _, body) = send(
        &t.app,
        put("/api/sessions/session-1/files/big", "123456789"),
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
    );

    let (status, _, body) = send(&t.app, put("/api/sessions/session-1/files/a.txt", "hello")).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({ "name": "a.txt", "size": 5 }))
    );
    let request = Request::get("/api/sessions/session-1/files/a.txt")
        .body(Body::empty())
        .unwrap();
    let response = t.app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/octet-stream"
    );
    assert_eq!(
        response.headers()[header::X_CONTENT_TYPE_OPTIONS],
        "nosniff"
    );
    assert_eq!(
        response.into_body().collect().await.unwrap().to_bytes(),
        "hello"
    );
    let (status, _, body) = send(
        &t.app,
        Request::get("/api/sessions/session-1/files")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["files"][0]["name"], "a.txt");
    assert_eq!(body["files"][0]["size"], 5);
    let delete = || {
        Request::delete("/api/sessions/session-1/files/a.txt")
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(send(&t.app, delete()).await.0, StatusCode::NO_CONTENT);
    let (status, _, body) = send(&t.app, delete()).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, "file_not_found")
    );
}

#[tokio::test]
async fn the_built_editor_is_served_at_the_root_and_api_paths_stay_json() {
    let t = in_process(|c| {
        std::fs::create_dir_all(&c.front_dir).unwrap();
        std::fs::write(
            c.front_dir.join("index.html"),
            "<!doctype html><title>Sandpit</title>",
        )
        .unwrap();
    });
    let response = t
        .app
        .clone()
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&page).contains("<title>Sandpit</title>"));
    let (status, _, body) = send(
        &t.app,
        Request::get("/api/unknown").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, "not_found")
    );
}

fn preflight(origin: &str) -> Request<Body> {
    Request::options("/api/run")
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn listed_origins_may_call_the_api_from_a_browser_and_others_may_not() {
    let s = in_process(|c| c.cors_origins = vec!["https://editor.school.example".into()]);
    let (_, headers, _) = send(&s.app, preflight("https://editor.school.example")).await;
    assert_eq!(
        headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(),
        "https://editor.school.example"
    );
    let (_, headers, _) = send(&s.app, preflight("https://evil.example")).await;
    assert!(headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}

#[tokio::test]
async fn without_listed_origins_no_cross_origin_access_is_granted() {
    let s = in_process(|_| {});
    let (_, headers, _) = send(&s.app, preflight("https://editor.school.example")).await;
    assert!(headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}
