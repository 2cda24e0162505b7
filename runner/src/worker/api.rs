//! The server's runner API (`docs/runner-protocol.md`), as a small typed client.
//! Every call carries the bearer token; transport errors and 5xx are retryable, 4xx
//! are not (the server said no).

use anyhow::{anyhow, Result};
use reqwest::{Client, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Clone)]
pub struct Api {
    client: Client,
    base: String,
    token: Option<String>,
}

/// A call that failed: `retry` says whether trying again may help.
#[derive(Debug)]
pub struct CallError {
    pub retry: bool,
    pub error: anyhow::Error,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

pub type CallResult<T> = std::result::Result<T, CallError>;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Claimed {
    pub job_id: String,
    pub lease_id: String,
    pub heartbeat_seconds: f64,
    pub profile: String,
    pub lang: Option<String>,
    pub code: String,
    pub stdin: Option<String>,
    #[serde(default)]
    pub files: Vec<WireFile>,
    pub session_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct WireFile {
    pub name: String,
    pub content_base64: String,
}

#[derive(Debug, Deserialize)]
pub struct Control {
    #[serde(default)]
    pub stdin: Vec<StdinChunk>,
    #[serde(default)]
    pub cancel: bool,
}

#[derive(Debug, Deserialize)]
pub struct StdinChunk {
    pub seq: u64,
    pub data: String,
}

#[derive(Debug, Deserialize)]
pub struct Ack {
    #[serde(default)]
    pub cancel: bool,
}

impl Api {
    pub fn new(base: &str, token: Option<String>) -> Result<Api> {
        let client = Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("sandpit-runner/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Api {
            client,
            base: base.trim_end_matches('/').to_string(),
            token: token.filter(|t| !t.is_empty()),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send(
        &self,
        req: reqwest::RequestBuilder,
        timeout: Duration,
    ) -> CallResult<Option<Value>> {
        let req = match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let resp = req.timeout(timeout).send().await.map_err(|e| CallError {
            retry: true,
            error: e.into(),
        })?;
        let status = resp.status();
        if status == StatusCode::NO_CONTENT {
            return Ok(None);
        }
        let body = resp.bytes().await.map_err(|e| CallError {
            retry: true,
            error: e.into(),
        })?;
        if !status.is_success() {
            let msg = String::from_utf8_lossy(&body)
                .chars()
                .take(300)
                .collect::<String>();
            return Err(CallError {
                retry: status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS,
                error: anyhow!("server answered {status}: {msg}"),
            });
        }
        serde_json::from_slice(&body)
            .map(Some)
            .map_err(|e| CallError {
                retry: false,
                error: anyhow!("bad JSON from server: {e}"),
            })
    }

    fn parse<T: serde::de::DeserializeOwned>(v: Value) -> CallResult<T> {
        serde_json::from_value(v).map_err(|e| CallError {
            retry: false,
            error: anyhow!("unexpected answer: {e}"),
        })
    }

    /// Long-poll for a job; `None` when the wait ended without one.
    pub async fn claim(
        &self,
        runner_id: &str,
        hostname: &str,
        profiles: &[String],
        wait: Duration,
    ) -> CallResult<Option<Claimed>> {
        let body = json!({ "runnerId": runner_id, "hostname": hostname, "profiles": profiles, "waitSeconds": wait.as_secs_f64() });
        let req = self
            .client
            .post(self.url("/api/runner/jobs/claim"))
            .json(&body);
        match self.send(req, wait + Duration::from_secs(15)).await? {
            Some(v) => Self::parse(v).map(Some),
            None => Ok(None),
        }
    }

    pub async fn heartbeat(&self, job: &str, lease: &str) -> CallResult<Ack> {
        let req = self
            .client
            .post(self.url(&format!("/api/runner/jobs/{job}/lease")))
            .json(&json!({ "leaseId": lease }));
        Self::parse(
            self.send(req, Duration::from_secs(20))
                .await?
                .unwrap_or(Value::Null),
        )
    }

    pub async fn push_events(&self, job: &str, lease: &str, events: &[Value]) -> CallResult<Ack> {
        let req = self
            .client
            .post(self.url(&format!("/api/runner/jobs/{job}/events")))
            .json(&json!({ "leaseId": lease, "events": events }));
        Self::parse(
            self.send(req, Duration::from_secs(30))
                .await?
                .unwrap_or(Value::Null),
        )
    }

    /// Long-poll for stdin after `after` and for a cancel request.
    pub async fn control(
        &self,
        job: &str,
        lease: &str,
        after: u64,
        wait: Duration,
    ) -> CallResult<Control> {
        let req = self
            .client
            .get(self.url(&format!("/api/runner/jobs/{job}/control")))
            .query(&[
                ("leaseId", lease.to_string()),
                ("after", after.to_string()),
                ("waitSeconds", wait.as_secs_f64().to_string()),
            ]);
        Self::parse(
            self.send(req, wait + Duration::from_secs(15))
                .await?
                .unwrap_or(Value::Null),
        )
    }

    pub async fn push_result(
        &self,
        job: &str,
        lease: &str,
        events: &[Value],
        result: &Value,
        output_files: &[Value],
    ) -> CallResult<()> {
        let req = self
            .client
            .post(self.url(&format!("/api/runner/jobs/{job}/result")))
            .json(&json!({
                "leaseId": lease,
                "events": events,
                "result": result,
                "outputFiles": output_files,
            }));
        self.send(req, Duration::from_secs(60)).await.map(|_| ())
    }
}
