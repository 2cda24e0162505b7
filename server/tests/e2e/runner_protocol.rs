//! The push side of the runner protocol: sequencing, idempotency, refusals.

use serde_json::{json, Value};

use crate::common::{assert_gapless, record, stdout, TestServer};

#[tokio::test]
async fn a_retried_event_batch_is_stored_once() {
    let t = TestServer::start().await;
    let job = t.submit(json!({ "code": "x" })).await;
    let runner = t.runner("r1");
    let claim = runner.claim_one().await;

    let batch = json!([stdout(1, "a"), stdout(2, "b")]);
    let first: Value = runner
        .push(&claim, batch.clone())
        .await
        .json()
        .await
        .unwrap();
    let retry: Value = runner.push(&claim, batch).await.json().await.unwrap();
    assert_eq!(
        (first["acked"].as_u64(), retry["acked"].as_u64()),
        (Some(2), Some(2))
    );
    // An overlapping batch stores only what is new.
    let overlap: Value = runner
        .push(&claim, json!([stdout(2, "b"), stdout(3, "c")]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(overlap["acked"], 3);
    runner
        .finish(&claim, json!({ "result": record("ok", "abc") }))
        .await;

    let frames = t.watch(&job).await.until_exit().await;
    assert_gapless(&frames);
    let data: Vec<&str> = frames.iter().filter_map(|f| f["data"].as_str()).collect();
    assert_eq!(data, ["a", "b", "c"]);
}

#[tokio::test]
async fn a_batch_that_skips_ahead_is_refused_with_the_acked_seq() {
    let t = TestServer::start().await;
    t.submit(json!({ "code": "x" })).await;
    let runner = t.runner("r1");
    let claim = runner.claim_one().await;
    runner.push(&claim, json!([stdout(1, "a")])).await;
    let gap = runner.push(&claim, json!([stdout(3, "c")])).await;
    assert_eq!(gap.status(), 409);
    let body: Value = gap.json().await.unwrap();
    assert_eq!(body["error"]["code"], "seq_gap");
    assert_eq!(body["acked"], 1);
    let inside: Value = runner
        .push(&claim, json!([stdout(2, "b"), stdout(4, "d")]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inside["error"]["code"], "invalid_sequence");
}

#[tokio::test]
async fn a_repeated_result_push_is_acknowledged_without_a_second_exit() {
    let t = TestServer::start().await;
    let job = t.submit(json!({ "code": "x" })).await;
    let runner = t.runner("r1");
    let claim = runner.claim_one().await;
    let body = json!({ "events": [stdout(1, "hi\n")], "result": record("ok", "hi\n") });
    let first: Value = runner
        .finish(&claim, body.clone())
        .await
        .json()
        .await
        .unwrap();
    let again: Value = runner.finish(&claim, body).await.json().await.unwrap();
    assert_eq!(
        (first["accepted"].clone(), first["duplicate"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(
        (again["accepted"].clone(), again["duplicate"].clone()),
        (json!(true), json!(true))
    );
    let frames = t.watch(&job).await.until_exit().await;
    assert_eq!(frames.iter().filter(|f| f["type"] == "exit").count(), 1);
    assert_eq!(frames.iter().filter(|f| f["type"] == "stdout").count(), 1);
}

#[tokio::test]
async fn bad_events_and_results_are_refused() {
    let t = TestServer::start().await;
    t.submit(json!({ "code": "x" })).await;
    let runner = t.runner("r1");
    let claim = runner.claim_one().await;
    for (events, code) in [
        (
            json!([{ "seq": 1, "type": "exit", "result": {} }]),
            "invalid_event",
        ),
        (
            json!([{ "seq": 1, "type": "status", "status": "ok" }]),
            "invalid_event",
        ),
        (
            json!([{ "seq": 1, "type": "stdout", "data": 5 }]),
            "invalid_event",
        ),
        (
            json!([{ "seq": 0, "type": "stdout", "data": "x" }]),
            "invalid_event",
        ),
        (
            json!([{ "seq": 1, "type": "visualization" }]),
            "invalid_event",
        ),
        (json!(["text"]), "invalid_event"),
    ] {
        let response = runner.push(&claim, events.clone()).await;
        assert_eq!(response.status(), 422, "{events}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], code, "{events}");
    }
    let response = runner
        .finish(&claim, json!({ "result": record("running", "") }))
        .await;
    assert_eq!(response.status(), 422);
    let response = runner.finish(&claim, json!({ "result": "ok" })).await;
    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn extra_fields_on_stdout_events_never_reach_clients() {
    let t = TestServer::start().await;
    let job = t.submit(json!({ "code": "x" })).await;
    let runner = t.runner("r1");
    let claim = runner.claim_one().await;
    runner
        .push(
            &claim,
            json!([{ "seq": 1, "type": "stdout", "data": "x", "type2": "exit", "extra": 1 }]),
        )
        .await;
    runner
        .finish(&claim, json!({ "result": record("ok", "x") }))
        .await;
    let frames = t.watch(&job).await.until_exit().await;
    assert_eq!(
        frames[2],
        json!({ "type": "stdout", "data": "x", "seq": 3 })
    );
}

#[tokio::test]
async fn a_foreign_lease_is_refused_everywhere() {
    let t = TestServer::start().await;
    t.submit(json!({ "code": "x" })).await;
    let runner = t.runner("r1");
    let mut claim = runner.claim_one().await;
    claim.lease_id = "AAAAAAAAAAAAAAAAAAAAAA".into();
    assert_eq!(runner.heartbeat(&claim).await.status(), 409);
    assert_eq!(
        runner.push(&claim, json!([stdout(1, "x")])).await.status(),
        409
    );
    assert_eq!(
        runner
            .finish(&claim, json!({ "result": record("ok", "") }))
            .await
            .status(),
        409
    );
}

#[tokio::test]
async fn a_job_that_streams_past_the_log_limit_is_refused_with_413() {
    let t = TestServer::start_with(|c| c.limits.max_job_log_bytes = 4096).await;
    t.submit(json!({ "code": "x" })).await;
    let runner = t.runner("r1");
    let claim = runner.claim_one().await;
    let ok = runner
        .push(&claim, json!([stdout(1, &"a".repeat(1000))]))
        .await;
    assert_eq!(ok.status(), 200);
    let full = runner
        .push(&claim, json!([stdout(2, &"b".repeat(5000))]))
        .await;
    assert_eq!(full.status(), 413);
    let body: Value = full.json().await.unwrap();
    assert_eq!(body["error"]["code"], "event_log_full");
    // The runner then reports output_limit, which is still accepted.
    let end = runner
        .finish(&claim, json!({ "result": record("output_limit", "") }))
        .await;
    assert_eq!(end.status(), 200);
}

#[tokio::test]
async fn runner_endpoints_over_the_network_refuse_a_wrong_token() {
    let t = TestServer::start().await;
    let mut runner = t.runner("intruder");
    runner.token = "not-the-token".into();
    let response = runner.claim_raw(0.0).await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
}
