//! stdin and cancel travel from the browser to the runner holding the job.

use serde_json::{json, Value};

use crate::common::{record, TestServer};

#[tokio::test]
async fn stdin_typed_in_the_websocket_reaches_the_runners_control_poll() {
    let t = TestServer::start().await;
    let job = t.submit(json!({ "code": "name = input()" })).await;
    let mut watcher = t.watch(&job).await;
    let runner = t.runner("r1");
    let claim = runner.claim_one().await;

    // The runner is already waiting when the kid types.
    let poll = {
        let (runner, claim) = (runner.clone(), claim.clone());
        tokio::spawn(async move { runner.control(&claim, 0, 10.0).await })
    };
    watcher.until(|f| f["status"] == "running").await;
    watcher
        .send(json!({ "type": "stdin", "data": "Ada\n" }))
        .await;
    let control = poll.await.unwrap();
    assert_eq!(control["stdin"], json!([{ "seq": 1, "data": "Ada\n" }]));
    assert_eq!(control["cancel"], false);

    // Later input comes after the acknowledged seq; nothing is repeated.
    watcher
        .send(json!({ "type": "stdin", "data": "second\n" }))
        .await;
    let control = runner.control(&claim, 1, 10.0).await;
    assert_eq!(control["stdin"], json!([{ "seq": 2, "data": "second\n" }]));
}

#[tokio::test]
async fn stdin_sent_before_the_claim_waits_for_the_runner() {
    let t = TestServer::start().await;
    let job = t.submit(json!({ "code": "input()" })).await;
    let mut watcher = t.watch(&job).await;
    watcher
        .send(json!({ "type": "stdin", "data": "early\n" }))
        .await;
    watcher.send(json!({ "type": "stdin", "data": 42 })).await;
    let error = watcher.until(|f| f["type"] == "error").await.pop().unwrap();
    assert_eq!(error["error"]["code"], "bad_frame");
    let claim = t.runner("r1").claim_one().await;
    let control = t.runner("r1").control(&claim, 0, 0.0).await;
    assert_eq!(control["stdin"], json!([{ "seq": 1, "data": "early\n" }]));
}

#[tokio::test]
async fn cancel_over_the_websocket_reaches_the_runner_and_ends_cancelled() {
    let t = TestServer::start().await;
    let job = t.submit(json!({ "code": "while True: pass" })).await;
    let mut watcher = t.watch(&job).await;
    let runner = t.runner("r1");
    let claim = runner.claim_one().await;
    let poll = {
        let (runner, claim) = (runner.clone(), claim.clone());
        tokio::spawn(async move { runner.control(&claim, 0, 10.0).await })
    };
    watcher.until(|f| f["status"] == "running").await;
    watcher.send(json!({ "type": "cancel" })).await;
    assert_eq!(poll.await.unwrap()["cancel"], true);

    // The runner stops the program and reports it.
    runner
        .finish(&claim, json!({ "result": record("cancelled", "") }))
        .await;
    let frames = watcher.until_exit().await;
    assert_eq!(frames.last().unwrap()["result"]["status"], "cancelled");
    assert_eq!(t.job(&job).await["status"], "cancelled");
}

#[tokio::test]
async fn the_cancel_endpoint_ends_a_queued_job_at_once_and_flags_a_running_one() {
    let t = TestServer::start().await;
    let cancel = |job: &str| t.http.post(t.url(&format!("/api/run/{job}/cancel"))).send();

    let queued = t.submit(json!({ "code": "x" })).await;
    let mut watcher = t.watch(&queued).await;
    let body: Value = cancel(&queued).await.unwrap().json().await.unwrap();
    assert_eq!(body["status"], "cancelled");
    let frames = watcher.until_exit().await;
    assert_eq!(frames.last().unwrap()["result"]["status"], "cancelled");
    assert_eq!(t.job(&queued).await["result"]["status"], "cancelled");

    let running = t.submit(json!({ "code": "x" })).await;
    let runner = t.runner("r1");
    let claim = runner.claim_one().await;
    assert_eq!(
        claim.job_id, running,
        "the cancelled job is never handed out"
    );
    let body: Value = cancel(&running).await.unwrap().json().await.unwrap();
    assert_eq!(
        body,
        json!({ "jobId": running, "status": "running", "cancelRequested": true })
    );
    let heartbeat: Value = runner.heartbeat(&claim).await.json().await.unwrap();
    assert_eq!(heartbeat["cancel"], true);
    runner
        .finish(&claim, json!({ "result": record("cancelled", "") }))
        .await;
    assert_eq!(t.job(&running).await["status"], "cancelled");

    let body: Value = cancel(&running).await.unwrap().json().await.unwrap();
    assert_eq!(
        body["status"], "cancelled",
        "cancelling a finished job changes nothing"
    );
}

#[tokio::test]
async fn a_watcher_of_a_cancelled_job_gets_replay_exit_and_close() {
    let t = TestServer::start().await;
    let job = t.submit(json!({ "code": "x" })).await;
    let mut watcher = t.watch(&job).await;
    t.http
        .post(t.url(&format!("/api/run/{job}/cancel")))
        .send()
        .await
        .unwrap();
    let live = watcher.until_exit().await;
    let replayed = t.watch(&job).await.until_exit().await;
    assert_eq!(live, replayed);
    assert_eq!(replayed.len(), 2, "queued, exit: {replayed:?}");
}

#[tokio::test]
async fn typed_input_beyond_the_stdin_limit_is_answered_with_an_error_frame() {
    let t = TestServer::start_with(|c| c.limits.max_stdin_bytes = 10).await;
    let job = t.submit(json!({ "code": "input()" })).await;
    let mut watcher = t.watch(&job).await;
    watcher
        .send(json!({ "type": "stdin", "data": "12345678" }))
        .await;
    watcher
        .send(json!({ "type": "stdin", "data": "12345678" }))
        .await;
    let error = watcher.until(|f| f["type"] == "error").await.pop().unwrap();
    assert_eq!(error["error"]["code"], "stdin_too_large");
    let claim = t.runner("r1").claim_one().await;
    let control = t.runner("r1").control(&claim, 0, 0.0).await;
    assert_eq!(control["stdin"], json!([{ "seq": 1, "data": "12345678" }]));
}

#[tokio::test]
async fn an_oversized_websocket_message_closes_only_that_socket() {
    let t = TestServer::start_with(|c| c.limits.max_ws_message_bytes = 1024).await;
    let job = t.submit(json!({ "code": "input()" })).await;
    let mut greedy = t.watch(&job).await;
    greedy.next().await.unwrap();
    greedy
        .send(json!({ "type": "stdin", "data": "x".repeat(4096) }))
        .await;
    use futures_util::StreamExt as _;
    use tokio_tungstenite::tungstenite::Message;
    match crate::common::patiently("the socket to close", greedy.socket.next()).await {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 1009),
        None | Some(Err(_)) => {} // reset before the close frame arrived
        other => panic!("expected the socket to close, got {other:?}"),
    }
    let mut polite = t.watch(&job).await;
    assert_eq!(polite.next().await.unwrap()["status"], "queued");
}

#[tokio::test]
async fn a_pending_control_poll_ends_when_the_job_becomes_final() {
    // Polls held far longer than the test's patience: only the result can end this one.
    let t =
        TestServer::start_with(|c| c.timing.long_poll = std::time::Duration::from_secs(600)).await;
    let job = t.submit(json!({ "code": "print('hi')" })).await;
    let runner = t.runner("r1");
    let claim = runner.claim_one().await;
    let poll = {
        let (runner, claim) = (runner.clone(), claim.clone());
        tokio::spawn(async move {
            runner
                .http
                .get(format!(
                    "{}/api/runner/jobs/{}/control",
                    runner.base, claim.job_id
                ))
                .query(&[
                    ("leaseId", claim.lease_id.clone()),
                    ("after", "0".into()),
                    ("waitSeconds", "600".into()),
                ])
                .bearer_auth(&runner.token)
                .send()
                .await
                .unwrap()
        })
    };
    // The poll is waiting (the server answers nothing before its wait ends otherwise).
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        !poll.is_finished(),
        "a control poll with nothing to say waits"
    );
    let finished = runner
        .finish(&claim, json!({ "result": record("ok", "hi\n") }))
        .await;
    assert_eq!(finished.status(), 200);
    // The runner's connection is answered (so it can be reused), not left hanging:
    // the lease is over, which the answer says.
    let answer = crate::common::patiently("the control poll's answer", poll)
        .await
        .unwrap();
    assert_eq!(answer.status(), 409);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["error"]["code"], "lease_lost", "{body}");
    assert_eq!(t.job(&job).await["status"], "ok");
}
