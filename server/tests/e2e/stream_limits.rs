//! Caps on open job streams: per client IP (`SANDPIT_MAX_STREAMS_PER_IP`) and
//! in total (`SANDPIT_MAX_STREAMS`), refused before the upgrade with a 429.

use std::time::Duration;

use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest as _};

use crate::common::{patiently, TestServer, Watcher};

/// What the server answered to one upgrade request.
enum Upgrade {
    Open(Box<Watcher>),
    Refused {
        status: u16,
        retry_after: Option<String>,
        body: Value,
    },
}

impl Upgrade {
    /// The open stream, checked to be live: a queued job's first frame arrives.
    async fn live(self) -> Watcher {
        match self {
            Upgrade::Open(mut watcher) => {
                let first = watcher.next().await.expect("a first frame");
                assert_eq!(first["status"], "queued", "{first}");
                *watcher
            }
            Upgrade::Refused { status, body, .. } => {
                panic!("expected the stream to open, got {status}: {body}")
            }
        }
    }

    fn assert_refused(self) {
        match self {
            Upgrade::Open(_) => panic!("expected a 429, the stream opened"),
            Upgrade::Refused {
                status,
                retry_after,
                body,
            } => {
                assert_eq!(status, 429, "{body}");
                let secs: u64 = retry_after
                    .expect("a Retry-After header")
                    .parse()
                    .expect("Retry-After in whole seconds");
                assert!(secs >= 1);
                assert_eq!(body["error"]["code"], "too_many_streams", "{body}");
                assert!(body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty()));
            }
        }
    }
}

/// Asks to watch `job`, as `client` (the X-Forwarded-For hop) when given.
async fn open(t: &TestServer, job: &str, client: Option<&str>) -> Upgrade {
    let url = format!(
        "{}/api/run/{job}/stream",
        t.base.replace("http://", "ws://")
    );
    let mut request = url.into_client_request().unwrap();
    if let Some(ip) = client {
        request
            .headers_mut()
            .insert("x-forwarded-for", ip.parse().unwrap());
    }
    match patiently(
        "an upgrade answer",
        tokio_tungstenite::connect_async(request),
    )
    .await
    {
        Ok((socket, _)) => Upgrade::Open(Box::new(Watcher { socket })),
        Err(tungstenite::Error::Http(response)) => Upgrade::Refused {
            status: response.status().as_u16(),
            retry_after: response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned()),
            body: serde_json::from_slice(response.body().as_deref().unwrap_or_default())
                .expect("a JSON error body"),
        },
        Err(e) => panic!("upgrade failed: {e}"),
    }
}

/// Retries until the server has given a slot back and the stream opens.
async fn open_once_a_slot_is_free(t: &TestServer, job: &str, client: Option<&str>) -> Watcher {
    patiently("a freed stream slot", async {
        loop {
            match open(t, job, client).await {
                opened @ Upgrade::Open(_) => return opened.live().await,
                refused => refused.assert_refused(),
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
}

async fn open_streams_metric(t: &TestServer) -> u64 {
    let text = t.metrics().await;
    text.lines()
        .find_map(|l| l.strip_prefix("sandpit_websocket_clients "))
        .expect("the open streams gauge")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_per_ip_cap_refuses_the_next_stream_until_one_closes() {
    let t = TestServer::start_with(|c| c.limits.max_streams_per_ip = 3).await;
    let job = t.submit(json!({ "code": "print('hi')" })).await;

    // Refused requests of other kinds don't keep a slot.
    for _ in 0..5 {
        let unknown = "A".repeat(job.len()); // well-formed, not stored
        assert!(matches!(
            open(&t, &unknown, None).await,
            Upgrade::Refused { status: 404, .. }
        ));
        let plain = t
            .http
            .get(t.url(&format!("/api/run/{job}/stream")))
            .send()
            .await
            .unwrap();
        assert_eq!(plain.status(), 400);
    }

    let mut watchers = Vec::new();
    for _ in 0..3 {
        watchers.push(open(&t, &job, None).await.live().await);
    }
    open(&t, &job, None).await.assert_refused();
    assert_eq!(open_streams_metric(&t).await, 3);

    // A polite close gives the slot back ...
    let mut closing = watchers.pop().unwrap();
    closing.socket.close(None).await.unwrap();
    watchers.push(open_once_a_slot_is_free(&t, &job, None).await);
    open(&t, &job, None).await.assert_refused();

    // ... and so does a client that just vanishes.
    drop(watchers.pop());
    watchers.push(open_once_a_slot_is_free(&t, &job, None).await);
    open(&t, &job, None).await.assert_refused();
    assert_eq!(open_streams_metric(&t).await, 3);
}

#[tokio::test]
async fn the_per_ip_cap_counts_each_client_address_separately() {
    let t = TestServer::start_with(|c| {
        c.trust_proxy = true;
        c.limits.max_streams_per_ip = 2;
    })
    .await;
    let job = t.submit(json!({ "code": "print('hi')" })).await;
    let a = Some("203.0.113.1");
    let _a1 = open(&t, &job, a).await.live().await;
    let _a2 = open(&t, &job, a).await.live().await;
    open(&t, &job, a).await.assert_refused();
    let _b1 = open(&t, &job, Some("203.0.113.2")).await.live().await;
}

#[tokio::test]
async fn the_global_cap_refuses_streams_from_any_address_until_one_closes() {
    let t = TestServer::start_with(|c| {
        c.trust_proxy = true;
        c.limits.max_streams_per_ip = 0;
        c.limits.max_streams = 3;
    })
    .await;
    let job = t.submit(json!({ "code": "print('hi')" })).await;
    let mut watchers = Vec::new();
    for ip in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        watchers.push(open(&t, &job, Some(ip)).await.live().await);
    }
    open(&t, &job, Some("198.51.100.4")).await.assert_refused();
    assert_eq!(open_streams_metric(&t).await, 3);

    let mut closing = watchers.remove(0);
    closing.socket.close(None).await.unwrap();
    watchers.push(open_once_a_slot_is_free(&t, &job, Some("198.51.100.4")).await);
    open(&t, &job, Some("198.51.100.5")).await.assert_refused();
}

#[tokio::test]
async fn zero_turns_both_caps_off() {
    let t = TestServer::start_with(|c| {
        c.limits.max_streams_per_ip = 0;
        c.limits.max_streams = 0;
    })
    .await;
    let job = t.submit(json!({ "code": "print('hi')" })).await;
    let mut watchers = Vec::new();
    for _ in 0..100 {
        watchers.push(open(&t, &job, None).await.live().await);
    }
    assert_eq!(open_streams_metric(&t).await, 100);
}
