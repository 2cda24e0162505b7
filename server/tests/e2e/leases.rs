//! Leases: a runner that stops renewing loses its job within the lease bound.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{record, stdout, TestServer};

#[tokio::test]
async fn a_runner_that_stops_heartbeating_leaves_its_job_final_as_runner_lost() {
    let t = TestServer::start_with(|c| c.timing.lease = Duration::from_millis(1500)).await;
    let job = t.submit(json!({ "code": "print('a'); crash()" })).await;
    let mut watcher = t.watch(&job).await;
    let runner = t.runner("doomed");
    let claim = runner.claim_one().await;
    assert_eq!(claim.body["leaseSeconds"], 1.5);
    assert_eq!(claim.body["heartbeatSeconds"], 0.5);
    runner.push(&claim, json!([stdout(1, "a\n")])).await; // confirms the claim
                                                          // …and then the runner goes silent.
    let frames = watcher.until_exit().await;
    let result = &frames.last().unwrap()["result"];
    assert_eq!(result["status"], "internal_error");
    assert_eq!(result["message"], "runner lost");
    assert_eq!(result["stdout"], "a\n", "what was streamed before is kept");
    assert_eq!(t.job(&job).await["status"], "internal_error");

    // The lost runner's late calls are refused so it stops working on the job.
    let late = runner
        .finish(&claim, json!({ "result": record("ok", "a\n") }))
        .await;
    assert_eq!(late.status(), 409);
    let body: Value = late.json().await.unwrap();
    assert_eq!(body["error"]["code"], "lease_lost");
    assert_eq!(runner.heartbeat(&claim).await.status(), 409);
}

#[tokio::test]
async fn heartbeats_keep_a_long_job_alive_past_many_lease_periods() {
    let t = TestServer::start_with(|c| c.timing.lease = Duration::from_millis(600)).await;
    let job = t.submit(json!({ "code": "sleep" })).await;
    let runner = t.runner("steady");
    let claim = runner.claim_one().await;
    // 3 s of heartbeats every 100 ms: five lease periods.
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let response = runner.heartbeat(&claim).await;
        assert_eq!(response.status(), 200);
    }
    assert_eq!(t.job(&job).await["status"], "running");
    runner
        .finish(&claim, json!({ "result": record("ok", "") }))
        .await;
    assert_eq!(t.job(&job).await["status"], "ok");
}

#[tokio::test]
async fn a_claim_never_confirmed_goes_back_to_the_queue_for_another_runner() {
    let t = TestServer::start_with(|c| c.timing.lease = Duration::from_millis(300)).await;
    let job = t.submit(json!({ "code": "x" })).await;
    let mut watcher = t.watch(&job).await;
    let lost = t.runner("lost-response").claim_one().await; // the response "never arrived"
    let second = t.runner("second").claim_one().await;
    assert_eq!(second.job_id, job);
    assert_ne!(second.lease_id, lost.lease_id);
    let statuses: Vec<String> = watcher
        .until(|f| f["seq"] == 4)
        .await
        .iter()
        .map(|f| f["status"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(statuses, ["queued", "running", "queued", "running"]);
}

#[tokio::test]
async fn a_claim_long_poll_receives_a_job_posted_while_it_waits() {
    let t = TestServer::start().await;
    let runner = t.runner("waiting");
    let waiting = tokio::spawn(async move { runner.claim(20.0).await });
    // Let the claim reach the server and start waiting.
    while t.state().runners.connected() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let job = t.submit(json!({ "code": "x" })).await;
    let claim = waiting
        .await
        .unwrap()
        .expect("the waiting claim gets the job, not a timeout");
    assert_eq!(claim.job_id, job);
}

#[tokio::test]
async fn an_empty_queue_answers_the_claim_with_204_after_the_wait() {
    let t = TestServer::start().await;
    assert!(t.runner("r").claim(0.05).await.is_none());
}

#[tokio::test]
async fn runners_only_get_jobs_of_profiles_they_announced() {
    let t = TestServer::start().await;
    let job = t
        .submit(json!({ "code": "x", "profile": "python-turtle" }))
        .await;
    let basic_only = t.runner("basic");
    let response = t
        .http
        .post(t.url("/api/runner/jobs/claim"))
        .bearer_auth(crate::common::TOKEN)
        .json(&json!({ "runnerId": "basic", "hostname": "h", "profiles": ["python-basic"], "waitSeconds": 0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let claim = basic_only.claim_one().await; // announces both profiles
    assert_eq!(claim.job_id, job);
    assert_eq!(claim.body["profile"], "python-turtle");
}

#[tokio::test]
async fn metrics_count_connected_runners_and_run_times() {
    let t = TestServer::start().await;
    t.submit(json!({ "code": "x" })).await;
    let runner = t.runner("metered");
    let claim = runner.claim_one().await;
    runner
        .finish(&claim, json!({ "result": record("ok", "") }))
        .await;
    let text = t.metrics().await;
    assert!(text.contains("sandpit_runners_connected 1\n"), "{text}");
    assert!(text.contains("sandpit_jobs{status=\"ok\"} 1\n"), "{text}");
    assert!(text.contains("sandpit_job_run_seconds_count 1\n"), "{text}");
}
