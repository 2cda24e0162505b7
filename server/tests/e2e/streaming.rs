//! Submit → stream → exit, replay for late joiners, many watchers, slow watchers.

use serde_json::{json, Value};

use crate::common::{assert_gapless, patiently, record, stdout, TestServer};

#[tokio::test]
async fn submit_stream_exit_delivers_every_frame_in_order_then_closes() {
    let t = TestServer::start().await;
    let job = t.submit(json!({ "code": "print('hi')" })).await;
    let mut watcher = t.watch(&job).await;
    assert_eq!(
        watcher.next().await.unwrap(),
        json!({ "type": "status", "status": "queued", "seq": 1 })
    );

    let runner = t.runner("r1");
    let claim = runner.claim_one().await;
    assert_eq!(claim.job_id, job);
    assert_eq!(claim.body["code"], "print('hi')");
    assert_eq!(claim.body["profile"], "python-basic");
    assert_eq!(claim.body["lang"], "en");
    let events = json!([
        stdout(1, "hi\n"),
        { "seq": 2, "type": "stderr", "data": "careful\n" },
        { "seq": 3, "type": "visualization", "kind": "turtle", "ops": [["fd", 100]] },
    ]);
    let pushed: Value = runner.push(&claim, events).await.json().await.unwrap();
    assert_eq!(pushed["acked"], 3);
    assert_eq!(pushed["cancel"], false);
    let finished = runner
        .finish(&claim, json!({ "result": record("ok", "hi\n") }))
        .await;
    assert_eq!(finished.status(), 200);

    let frames = watcher.until_exit().await;
    assert_eq!(
        frames,
        vec![
            json!({ "type": "status", "status": "running", "seq": 2 }),
            json!({ "type": "stdout", "data": "hi\n", "seq": 3 }),
            json!({ "type": "stderr", "data": "careful\n", "seq": 4 }),
            json!({ "type": "visualization", "kind": "turtle", "ops": [["fd", 100]], "seq": 5 }),
            json!({ "type": "exit", "result": record("ok", "hi\n"), "seq": 6 }),
        ]
    );
    let job_view = t.job(&job).await;
    assert_eq!(job_view["status"], "ok");
    assert_eq!(job_view["result"], record("ok", "hi\n"));
}

#[tokio::test]
async fn a_late_joiner_gets_the_full_replay_then_live_frames_without_gap_or_duplicate() {
    let t = TestServer::start().await;
    let job = t.submit(json!({ "code": "x" })).await;
    let runner = t.runner("r1");
    let claim = runner.claim_one().await;
    runner
        .push(&claim, json!([stdout(1, "a"), stdout(2, "b")]))
        .await;

    let mut late = t.watch(&job).await;
    let replay = late.until(|f| f["data"] == "b").await;
    assert_eq!(replay.len(), 4, "queued, running, a, b: {replay:?}");

    runner.push(&claim, json!([stdout(3, "c")])).await;
    runner
        .finish(
            &claim,
            json!({ "events": [stdout(4, "d")], "result": record("ok", "abcd") }),
        )
        .await;
    let mut frames = replay;
    frames.extend(late.until_exit().await);
    assert_gapless(&frames);
    let data: String = frames.iter().filter_map(|f| f["data"].as_str()).collect();
    assert_eq!(data, "abcd");

    // Joining after the end replays everything, ending with exit.
    let mut after_the_end = t.watch(&job).await;
    assert_eq!(after_the_end.until_exit().await, frames);
}

#[tokio::test]
async fn two_watchers_see_identical_streams() {
    let t = TestServer::start().await;
    let job = t.submit(json!({ "code": "x" })).await;
    let mut first = t.watch(&job).await;
    let runner = t.runner("r1");
    let claim = runner.claim_one().await;
    runner.push(&claim, json!([stdout(1, "one\n")])).await;
    let mut second = t.watch(&job).await;
    for i in 2..=40 {
        runner
            .push(&claim, json!([stdout(i, &format!("line {i}\n"))]))
            .await;
    }
    runner
        .finish(&claim, json!({ "result": record("ok", "") }))
        .await;
    let a = first.until_exit().await;
    let b = second.until_exit().await;
    assert_gapless(&a);
    assert_eq!(a, b);
    assert_eq!(a.len(), 2 + 40 + 1);
}

#[tokio::test]
async fn a_watcher_that_stops_reading_catches_up_from_the_log_without_loss() {
    let t = TestServer::start().await;
    let job = t.submit(json!({ "code": "x" })).await;
    let mut slow = t.watch(&job).await;
    let runner = t.runner("r1");
    let claim = runner.claim_one().await;
    // ~6 MiB in 600 frames while the watcher reads nothing: far more than
    // the socket buffers and the hub's ring hold, so the server must drop
    // the live copies and re-read them from the store.
    let chunk = "z".repeat(10 * 1024);
    for batch in 0..30u64 {
        let events: Vec<Value> = (1..=20).map(|i| stdout(batch * 20 + i, &chunk)).collect();
        let response = runner.push(&claim, Value::Array(events)).await;
        assert_eq!(response.status(), 200);
    }
    runner
        .finish(&claim, json!({ "result": record("ok", "") }))
        .await;
    let frames = patiently("the slow watcher to drain", slow.until_exit()).await;
    assert_gapless(&frames);
    let stdout_frames = frames.iter().filter(|f| f["type"] == "stdout").count();
    assert_eq!(stdout_frames, 600);
    assert!(frames
        .iter()
        .filter(|f| f["type"] == "stdout")
        .all(|f| f["data"] == chunk.as_str()));
}

#[tokio::test]
async fn watchers_of_finished_jobs_release_their_hub_entries() {
    let t = TestServer::start().await;
    let job = t.submit(json!({ "code": "x" })).await;
    let runner = t.runner("r1");
    let claim = runner.claim_one().await;
    runner
        .finish(&claim, json!({ "result": record("ok", "") }))
        .await;
    for _ in 0..3 {
        t.watch(&job).await.until_exit().await;
    }
    // The server side of each socket ends right after exit.
    patiently("hub entries to be released", async {
        while t.state().hub.watched_jobs() != 0 {
            tokio::task::yield_now().await;
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn a_large_result_reaches_live_and_late_watchers_whole_in_the_exit_frame() {
    // Larger than what the hub passes on inline: watchers read the exit frame from
    // the store, which keeps the result once, in the job's row, and fills it in.
    let t = TestServer::start().await;
    let job = t.submit(json!({ "code": "print('x' * 99999)" })).await;
    let mut live = t.watch(&job).await;
    let runner = t.runner("r1");
    let claim = runner.claim_one().await;
    let big = "x".repeat(99_999) + "\n";
    let pushed: Value = runner
        .push(&claim, json!([stdout(1, &big)]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pushed["acked"], 1);
    let finished = runner
        .finish(&claim, json!({ "result": record("ok", &big) }))
        .await;
    assert_eq!(finished.status(), 200);
    let seen = live.until_exit().await;
    let exit = seen.last().unwrap();
    assert_eq!(exit["type"], "exit");
    assert_eq!(
        exit["result"],
        record("ok", &big),
        "the live exit frame is whole"
    );
    let late = t.watch(&job).await.until_exit().await;
    assert_eq!(
        late.last(),
        Some(exit),
        "a late watcher gets the same exit frame"
    );
    assert_eq!(t.job(&job).await["result"], record("ok", &big));
}
