//! Restarts lose nothing: queued jobs stay claimable, results stay served,
//! running jobs wait for their runner.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

use crate::common::{assert_gapless, patiently, record, stdout, FakeRunner, TestServer, TOKEN};

#[tokio::test]
async fn after_a_restart_queued_jobs_are_claimable_and_results_served() {
    let mut t = TestServer::start().await;
    let finished = t.submit(json!({ "code": "done" })).await;
    let runner = t.runner("r1");
    let claim = runner.claim_one().await;
    runner.push(&claim, json!([stdout(1, "out\n")])).await;
    runner
        .finish(&claim, json!({ "result": record("ok", "out\n") }))
        .await;
    let before = t.watch(&finished).await.until_exit().await;
    let queued = t.submit(json!({ "code": "waiting" })).await;

    t.restart().await;

    assert_eq!(t.job(&finished).await["result"], record("ok", "out\n"));
    assert_eq!(
        t.watch(&finished).await.until_exit().await,
        before,
        "the log survives intact"
    );
    assert_eq!(t.job(&queued).await["status"], "queued");
    let claim = t.runner("r2").claim_one().await;
    assert_eq!(claim.job_id, queued);
    assert_eq!(claim.body["code"], "waiting");
}

#[tokio::test]
async fn a_runner_that_kept_its_job_through_a_restart_can_finish_it() {
    let mut t = TestServer::start().await;
    let job = t.submit(json!({ "code": "x" })).await;
    let claim = t.runner("r1").claim_one().await;
    t.runner("r1")
        .push(&claim, json!([stdout(1, "before\n")]))
        .await;

    t.restart().await;

    let runner = t.runner("r1"); // same runner, new address
    assert_eq!(runner.heartbeat(&claim).await.status(), 200);
    let retried: Value = runner
        .push(&claim, json!([stdout(1, "before\n"), stdout(2, "after\n")]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(retried["acked"], 2);
    runner
        .finish(&claim, json!({ "result": record("ok", "before\nafter\n") }))
        .await;
    let frames = t.watch(&job).await.until_exit().await;
    assert_gapless(&frames);
    let data: String = frames.iter().filter_map(|f| f["data"].as_str()).collect();
    assert_eq!(data, "before\nafter\n");
}

/// The real binary, started on a free port.
struct Binary {
    child: Child,
    base: String,
}

fn spawn_binary(dir: &std::path::Path) -> Binary {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sandpit-server"))
        .env("PORT", "0")
        .env("SANDPIT_BIND", "127.0.0.1")
        .env("SANDPIT_DATA_DIR", dir.join("data"))
        .env("MEMORY_STORE_DIR", dir.join("memory"))
        .env("SANDPIT_POLICIES_DIR", dir.join("policies"))
        .env("SANDPIT_FRONT_DIR", dir.join("front"))
        .env("RUNNER_ACCESS_TOKEN", TOKEN)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("sandpit-server listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Binary { child, base }
}

#[tokio::test]
async fn the_server_binary_killed_with_sigkill_restarts_without_losing_jobs() {
    let dir = tempfile::tempdir().unwrap();
    crate::common::test_config(dir.path()); // writes the policy files
    let http = reqwest::Client::new();
    let submit = |base: String, code: &'static str| {
        let http = http.clone();
        async move {
            let body: Value = http
                .post(format!("{base}/api/run"))
                .json(&json!({ "code": code }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body["jobId"].as_str().unwrap().to_owned()
        }
    };
    let runner_at = |base: &str| FakeRunner {
        base: base.to_owned(),
        http: http.clone(),
        runner_id: "r1".into(),
        token: TOKEN.into(),
    };

    let mut first = spawn_binary(dir.path());
    let done = submit(first.base.clone(), "done").await;
    let runner = runner_at(&first.base);
    let claim = runner.claim_one().await;
    runner
        .finish(
            &claim,
            json!({ "events": [stdout(1, "kept\n")], "result": record("ok", "kept\n") }),
        )
        .await;
    let queued = submit(first.base.clone(), "still queued").await;
    first.child.kill().unwrap(); // SIGKILL: no shutdown code runs
    first.child.wait().unwrap();

    let mut second = spawn_binary(dir.path());
    let view: Value = http
        .get(format!("{}/api/run/{done}", second.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["result"], record("ok", "kept\n"));
    let claim = patiently("the queued job", runner_at(&second.base).claim_one()).await;
    assert_eq!(claim.job_id, queued);
    second.child.kill().unwrap();
    second.child.wait().unwrap();
}
