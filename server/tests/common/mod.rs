//! Shared test helpers: a real server on loopback, a fake runner that speaks
//! `docs/runner-protocol.md`, and a WebSocket watcher.

#![allow(dead_code)] // each test binary uses a different subset

use std::path::Path;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use sandpit_server::{Config, RunningServer};
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio_tungstenite::tungstenite::Message;

pub const TOKEN: &str = "test-runner-token";

/// Guard against a hung test; not a timing assertion.
pub const PATIENCE: Duration = Duration::from_secs(20);

pub async fn patiently<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, f)
        .await
        .unwrap_or_else(|_| panic!("gave up waiting for {what}"))
}

/// A config rooted in `dir`, listening on a free loopback port, with the
/// shipped profile names present as policy files.
pub fn test_config(dir: &Path) -> Config {
    let policies = dir.join("policies");
    std::fs::create_dir_all(&policies).unwrap();
    for name in ["python-basic", "python-turtle"] {
        std::fs::write(
            policies.join(format!("{name}.toml")),
            "# profile stub for tests\n",
        )
        .unwrap();
    }
    let mut config = Config::defaults();
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.runner_token = Some(TOKEN.into());
    config.data_dir = dir.join("data");
    config.memory_store_dir = dir.join("memory");
    config.front_dir = dir.join("front");
    config.policies_dir = policies;
    config.timing.long_poll = Duration::from_secs(5);
    config
}

pub struct TestServer {
    pub server: Option<RunningServer>,
    pub config: Config,
    pub base: String,
    pub dir: TempDir,
    pub http: reqwest::Client,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut config = test_config(dir.path());
        tweak(&mut config);
        let server = sandpit_server::start(config.clone())
            .await
            .expect("server starts");
        TestServer {
            base: format!("http://{}", server.addr),
            server: Some(server),
            config,
            dir,
            http: reqwest::Client::new(),
        }
    }

    /// Stops this server and starts a new one on the same data directory
    /// (a new port: runners and clients must use the new `base`).
    pub async fn restart(&mut self) {
        self.server.take().unwrap().stop();
        let server = sandpit_server::start(self.config.clone())
            .await
            .expect("server restarts");
        self.base = format!("http://{}", server.addr);
        self.server = Some(server);
    }

    pub fn state(&self) -> &sandpit_server::AppState {
        &self.server.as_ref().unwrap().state
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn runner(&self, runner_id: &str) -> FakeRunner {
        FakeRunner {
            base: self.base.clone(),
            http: self.http.clone(),
            runner_id: runner_id.into(),
            token: TOKEN.into(),
        }
    }

    /// Submits a run and returns its job id.
    pub async fn submit(&self, body: Value) -> String {
        let response = self
            .http
            .post(self.url("/api/run"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 201, "submit failed: {body}");
        assert_eq!(body["status"], "queued");
        body["jobId"].as_str().unwrap().to_owned()
    }

    pub async fn job(&self, job_id: &str) -> Value {
        self.http
            .get(self.url(&format!("/api/run/{job_id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The `/metrics` page as text.
    pub async fn metrics(&self) -> String {
        self.http
            .get(self.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn watch(&self, job_id: &str) -> Watcher {
        let url = format!(
            "{}/api/run/{job_id}/stream",
            self.base.replace("http://", "ws://")
        );
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("websocket connects");
        Watcher { socket }
    }
}

/// A WebSocket client of one job.
pub struct Watcher {
    pub socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl Watcher {
    /// The next JSON frame, or `None` once the server closed the stream.
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            match patiently("a websocket frame", self.socket.next()).await {
                Some(Ok(Message::Text(text))) => return Some(serde_json::from_str(&text).unwrap()),
                Some(Ok(Message::Close(_))) | None => return None,
                Some(Ok(_)) => continue,
                Some(Err(e)) => panic!("websocket error: {e}"),
            }
        }
    }

    /// Frames up to and including `exit`, then checks the server closes.
    pub async fn until_exit(&mut self) -> Vec<Value> {
        let mut frames = Vec::new();
        while let Some(frame) = self.next().await {
            let is_exit = frame["type"] == "exit";
            frames.push(frame);
            if is_exit {
                assert!(self.next().await.is_none(), "the server closes after exit");
                return frames;
            }
        }
        panic!("stream closed before exit: {frames:?}");
    }

    /// Frames until one matches `pred` (inclusive).
    pub async fn until(&mut self, pred: impl Fn(&Value) -> bool) -> Vec<Value> {
        let mut frames = Vec::new();
        loop {
            let frame = self.next().await.expect("stream still open");
            let done = pred(&frame);
            frames.push(frame);
            if done {
                return frames;
            }
        }
    }

    pub async fn send(&mut self, frame: Value) {
        self.socket
            .send(Message::Text(frame.to_string().into()))
            .await
            .unwrap();
    }
}

/// Seqs must run 1, 2, 3 … with no gap or repeat.
pub fn assert_gapless(frames: &[Value]) {
    let seqs: Vec<u64> = frames
        .iter()
        .map(|f| f["seq"].as_u64().expect("frame has seq"))
        .collect();
    let expected: Vec<u64> = (1..=frames.len() as u64).collect();
    assert_eq!(seqs, expected, "frames: {frames:?}");
}

/// A job as handed over by a claim.
#[derive(Debug, Clone)]
pub struct Claim {
    pub job_id: String,
    pub lease_id: String,
    pub body: Value,
}

impl Claim {
    pub fn file(&self, name: &str) -> Option<Vec<u8>> {
        use base64::Engine as _;
        self.body["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .map(|f| {
                base64::engine::general_purpose::STANDARD
                    .decode(f["content_base64"].as_str().unwrap())
                    .unwrap()
            })
    }
}

/// A runner written from `docs/runner-protocol.md`; it never runs code.
#[derive(Clone)]
pub struct FakeRunner {
    pub base: String,
    pub http: reqwest::Client,
    pub runner_id: String,
    pub token: String,
}

impl FakeRunner {
    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    pub async fn claim_raw(&self, wait_seconds: f64) -> reqwest::Response {
        self.post("/api/runner/jobs/claim")
            .json(&json!({
                "runnerId": self.runner_id,
                "hostname": "test-host",
                "profiles": ["python-basic", "python-turtle"],
                "waitSeconds": wait_seconds,
            }))
            .send()
            .await
            .unwrap()
    }

    pub async fn claim(&self, wait_seconds: f64) -> Option<Claim> {
        let response = patiently("a claim", self.claim_raw(wait_seconds)).await;
        match response.status().as_u16() {
            204 => None,
            200 => {
                let body: Value = response.json().await.unwrap();
                Some(Claim {
                    job_id: body["jobId"].as_str().unwrap().into(),
                    lease_id: body["leaseId"].as_str().unwrap().into(),
                    body,
                })
            }
            other => panic!("claim answered {other}: {}", response.text().await.unwrap()),
        }
    }

    /// Claims the next job, waiting for it.
    pub async fn claim_one(&self) -> Claim {
        self.claim(5.0).await.expect("a job to claim")
    }

    pub async fn heartbeat(&self, claim: &Claim) -> reqwest::Response {
        self.post(&format!("/api/runner/jobs/{}/lease", claim.job_id))
            .json(&json!({ "leaseId": claim.lease_id }))
            .send()
            .await
            .unwrap()
    }

    pub async fn push(&self, claim: &Claim, events: Value) -> reqwest::Response {
        self.post(&format!("/api/runner/jobs/{}/events", claim.job_id))
            .json(&json!({ "leaseId": claim.lease_id, "events": events }))
            .send()
            .await
            .unwrap()
    }

    pub async fn control(&self, claim: &Claim, after: u64, wait_seconds: f64) -> Value {
        let response = self
            .http
            .get(format!(
                "{}/api/runner/jobs/{}/control",
                self.base, claim.job_id
            ))
            .query(&[
                ("leaseId", claim.lease_id.clone()),
                ("after", after.to_string()),
                ("waitSeconds", wait_seconds.to_string()),
            ])
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    pub async fn finish(&self, claim: &Claim, body: Value) -> reqwest::Response {
        let mut body = body;
        body["leaseId"] = json!(claim.lease_id);
        self.post(&format!("/api/runner/jobs/{}/result", claim.job_id))
            .json(&body)
            .send()
            .await
            .unwrap()
    }
}

/// A result record as `sandpit-runner exec --json` prints it.
pub fn record(status: &str, stdout: &str) -> Value {
    json!({
        "status": status,
        "exit_code": if status == "ok" { json!(0) } else { Value::Null },
        "signal": null,
        "stdout": stdout,
        "stderr": "",
        "truncated": false,
        "wall_ms": 12,
        "cpu_ms": 8,
        "memory_peak_bytes": 9437184,
        "visualizations": [],
        "profile": "python-basic",
    })
}

pub fn stdout(seq: u64, data: &str) -> Value {
    json!({ "seq": seq, "type": "stdout", "data": data })
}
