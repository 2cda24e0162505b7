//! Session memory: uploaded files and files a run leaves behind persist to the next run.

use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::common::{record, TestServer};

const SESSION: &str = "kid-session-0001";

#[tokio::test]
async fn a_session_file_persists_into_the_next_runs_claim() {
    let t = TestServer::start().await;
    let put = t
        .http
        .put(t.url(&format!("/api/sessions/{SESSION}/files/data.csv")))
        .body("x,y\n1,2\n")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);

    // First run: gets the upload plus its own file; leaves a high score behind.
    t.submit(json!({
        "code": "x", "sessionId": SESSION,
        "files": [{ "name": "helper.py", "content": "X = 1\n" }],
    }))
    .await;
    let runner = t.runner("r1");
    let first = runner.claim_one().await;
    assert_eq!(first.body["sessionId"], SESSION);
    assert_eq!(first.file("data.csv").unwrap(), b"x,y\n1,2\n");
    assert_eq!(first.file("helper.py").unwrap(), b"X = 1\n");
    let finished: Value = runner
        .finish(
            &first,
            json!({
                "result": record("ok", ""),
                "outputFiles": [
                    { "name": "score.txt", "content_base64": BASE64.encode("99") },
                    { "name": "../escape", "content_base64": BASE64.encode("no") },
                ],
            }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(finished["sessionFilesRefused"][0]["name"], "../escape");

    // Second run: the high score is there; a file sent with the run wins over the session's.
    t.submit(json!({
        "code": "x", "sessionId": SESSION,
        "files": [{ "name": "data.csv", "content": "override", "encoding": "utf8" }],
    }))
    .await;
    let second = runner.claim_one().await;
    assert_eq!(second.file("score.txt").unwrap(), b"99");
    assert_eq!(second.file("data.csv").unwrap(), b"override");
    assert!(second.file("../escape").is_none());

    let listed: Value = t
        .http
        .get(t.url(&format!("/api/sessions/{SESSION}/files")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = listed["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    // helper.py came with the run only; the (fake) runner didn't hand it back.
    assert_eq!(names, ["data.csv", "score.txt"]);
    let score = t
        .http
        .get(t.url(&format!("/api/sessions/{SESSION}/files/score.txt")))
        .send()
        .await
        .unwrap();
    assert_eq!(score.bytes().await.unwrap(), "99");
    // Nothing was written outside the session's own directory.
    assert!(!t.dir.path().join("memory/escape").exists());
}

#[tokio::test]
async fn runs_without_a_session_get_only_their_own_files() {
    let t = TestServer::start().await;
    t.http
        .put(t.url(&format!("/api/sessions/{SESSION}/files/secret.txt")))
        .body("mine")
        .send()
        .await
        .unwrap();
    t.submit(json!({ "code": "x", "files": [{ "name": "a.txt", "content": "YQ==", "encoding": "base64" }] }))
        .await;
    let claim = t.runner("r1").claim_one().await;
    assert_eq!(claim.file("a.txt").unwrap(), b"a");
    assert!(claim.file("secret.txt").is_none());
    assert_eq!(claim.body["sessionId"], Value::Null);
}

#[tokio::test]
async fn idle_sessions_and_old_jobs_are_swept() {
    let t = TestServer::start_with(|c| {
        c.timing.session_idle = Duration::from_millis(1);
        c.timing.job_retention = Duration::from_millis(1);
    })
    .await;
    t.http
        .put(t.url(&format!("/api/sessions/{SESSION}/files/a.txt")))
        .body("1")
        .send()
        .await
        .unwrap();
    let job = t.submit(json!({ "code": "x" })).await;
    t.http
        .post(t.url(&format!("/api/run/{job}/cancel")))
        .send()
        .await
        .unwrap();
    // Make sure both are older than their (1 ms) limits.
    let before = SystemTime::now();
    while SystemTime::now().duration_since(before).unwrap() < Duration::from_millis(5) {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let (sessions, jobs) = sandpit_server::server::sweep_once(t.state()).await.unwrap();
    assert_eq!((sessions, jobs), (1, 1));
    let response = t
        .http
        .get(t.url(&format!("/api/run/{job}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let listed: Value = t
        .http
        .get(t.url(&format!("/api/sessions/{SESSION}/files")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["files"], json!([]));
}
