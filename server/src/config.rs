//! Server configuration, read once from the environment at start.
//!
//! Every knob has a default that suits one school server; the names are
//! documented in `docs/api.md` ("Server environment").

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// What the server needs to know to run; built by [`Config::from_env`] or by tests.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address the HTTP listener binds (`SANDPIT_BIND`, `PORT`).
    pub bind: SocketAddr,
    /// Bearer token runners must present; `None` lets any runner in.
    pub runner_token: Option<String>,
    /// Session files live under here, one directory per session.
    pub memory_store_dir: PathBuf,
    /// The SQLite database lives here.
    pub data_dir: PathBuf,
    /// The built editor, served at `/` when the directory exists.
    pub front_dir: PathBuf,
    /// `*.toml` stems in this directory are the profiles a job may name.
    pub policies_dir: PathBuf,
    /// Honour the last hop of `X-Forwarded-For` as the client address.
    pub trust_proxy: bool,
    /// Browser origins allowed to call the public API from another host
    /// (`SANDPIT_CORS_ORIGINS`, comma-separated, e.g. an editor built with
    /// `VITE_API_BASE`). Empty: same origin only.
    pub cors_origins: Vec<String>,
    pub limits: Limits,
    pub timing: Timing,
}

/// Sizes and counts that protect a public server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Whole `POST /api/run` body, code and files included.
    pub max_body_bytes: usize,
    pub max_code_bytes: usize,
    /// `stdin` given with the run, and also the total typed over the socket.
    pub max_stdin_bytes: usize,
    /// Files attached to one run.
    pub max_files: usize,
    /// One `{"type":"stdin"}` WebSocket message.
    pub max_ws_message_bytes: usize,
    /// Token bucket per client IP for job submissions and uploads.
    pub rate_per_minute: u32,
    pub rate_burst: u32,
    /// Jobs queued or running at once per client IP.
    pub max_active_jobs_per_ip: u32,
    /// Job streams (WebSockets) open at once per client IP, and in total;
    /// each holds a file descriptor however idle it is.
    pub max_streams_per_ip: u32,
    pub max_streams: u32,
    /// Session quota; applies to uploads and to files a run leaves behind.
    pub session_max_files: usize,
    pub session_max_file_bytes: usize,
    pub session_max_total_bytes: usize,
    /// Everything a runner may stream for one job (the runner's policy limit
    /// normally stops the program long before this).
    pub max_job_log_bytes: u64,
    /// One event pushed by a runner (a PNG plot is the largest usual one).
    pub max_event_bytes: usize,
    /// Body of any runner request (a result carries stdout and output files).
    pub max_runner_body_bytes: usize,
}

/// Durations of leases, long polls and expiry.
#[derive(Debug, Clone)]
pub struct Timing {
    /// A claimed job's lease; the runner renews it every third of this.
    pub lease: Duration,
    /// Longest time a claim or control long poll is held open.
    pub long_poll: Duration,
    /// A session unused this long is deleted.
    pub session_idle: Duration,
    /// Finished jobs and their event logs are deleted after this.
    pub job_retention: Duration,
    /// How often sessions and old jobs are swept.
    pub janitor_every: Duration,
}

/// A variable that is set but can't be understood.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {name}={value:?} is invalid: {why}")]
pub struct ConfigError {
    name: &'static str,
    value: String,
    why: &'static str,
}

const MIB: usize = 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 8 * MIB,
            max_code_bytes: MIB,
            max_stdin_bytes: MIB,
            max_files: 32,
            max_ws_message_bytes: 64 * 1024,
            rate_per_minute: 120,
            rate_burst: 30,
            max_active_jobs_per_ip: 16,
            max_streams_per_ip: 64,
            max_streams: 20_000,
            session_max_files: 32,
            session_max_file_bytes: MIB,
            session_max_total_bytes: 4 * MIB,
            max_job_log_bytes: 64 * MIB as u64,
            max_event_bytes: 2 * MIB,
            max_runner_body_bytes: 32 * MIB,
        }
    }
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            lease: Duration::from_secs(30),
            long_poll: Duration::from_secs(25),
            session_idle: Duration::from_secs(24 * 3600),
            job_retention: Duration::from_secs(7 * 24 * 3600),
            janitor_every: Duration::from_secs(300),
        }
    }
}

impl Config {
    /// Defaults relative to the current directory, as the contract names them.
    pub fn defaults() -> Self {
        Config {
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 8000),
            runner_token: None,
            memory_store_dir: PathBuf::from("server_data/memory"),
            data_dir: PathBuf::from("server_data"),
            front_dir: PathBuf::from("front/dist"),
            policies_dir: PathBuf::from("policies"),
            trust_proxy: false,
            cors_origins: Vec::new(),
            limits: Limits::default(),
            timing: Timing::default(),
        }
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup`, so tests need not touch the real environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(&lookup);
        let mut c = Config::defaults();
        let port: u16 = env.parse("PORT")?.unwrap_or(8000);
        c.bind = match env.get("SANDPIT_BIND") {
            None => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port),
            Some(v) => parse_bind(&v, port).ok_or(ConfigError {
                name: "SANDPIT_BIND",
                value: v,
                why: "expected an IP address or IP:PORT",
            })?,
        };
        c.runner_token = env.get("RUNNER_ACCESS_TOKEN").filter(|t| !t.is_empty());
        if let Some(v) = env.get("MEMORY_STORE_DIR") {
            c.memory_store_dir = v.into();
        }
        if let Some(v) = env.get("SANDPIT_DATA_DIR") {
            c.data_dir = v.into();
        }
        if let Some(v) = env.get("SANDPIT_FRONT_DIR") {
            c.front_dir = v.into();
        }
        if let Some(v) = env.get("SANDPIT_POLICIES_DIR") {
            c.policies_dir = v.into();
        }
        c.trust_proxy = env.flag("SANDPIT_TRUST_PROXY")?;
        if let Some(v) = env.get("SANDPIT_CORS_ORIGINS") {
            c.cors_origins = v
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_string)
                .collect();
            if c.cors_origins
                .iter()
                .any(|o| o.parse::<axum::http::HeaderValue>().is_err() || !o.contains("://"))
            {
                return Err(ConfigError {
                    name: "SANDPIT_CORS_ORIGINS",
                    value: v,
                    why: "expected comma-separated origins like https://editor.example.org",
                });
            }
        }

        let l = &mut c.limits;
        env.set(&mut l.max_body_bytes, "SANDPIT_MAX_BODY_BYTES")?;
        env.set(&mut l.max_code_bytes, "SANDPIT_MAX_CODE_BYTES")?;
        env.set(&mut l.max_stdin_bytes, "SANDPIT_MAX_STDIN_BYTES")?;
        env.set(&mut l.max_files, "SANDPIT_MAX_FILES")?;
        env.set(&mut l.max_ws_message_bytes, "SANDPIT_MAX_WS_MESSAGE_BYTES")?;
        env.set(&mut l.rate_per_minute, "SANDPIT_RATE_LIMIT_PER_MINUTE")?;
        env.set(&mut l.rate_burst, "SANDPIT_RATE_LIMIT_BURST")?;
        env.set(
            &mut l.max_active_jobs_per_ip,
            "SANDPIT_MAX_ACTIVE_JOBS_PER_IP",
        )?;
        env.set(&mut l.max_streams_per_ip, "SANDPIT_MAX_STREAMS_PER_IP")?;
        env.set(&mut l.max_streams, "SANDPIT_MAX_STREAMS")?;
        env.set(&mut l.session_max_files, "SANDPIT_SESSION_MAX_FILES")?;
        env.set(
            &mut l.session_max_file_bytes,
            "SANDPIT_SESSION_MAX_FILE_BYTES",
        )?;
        env.set(&mut l.session_max_total_bytes, "SANDPIT_SESSION_MAX_BYTES")?;
        env.set(&mut l.max_job_log_bytes, "SANDPIT_MAX_JOB_LOG_BYTES")?;
        env.set(&mut l.max_event_bytes, "SANDPIT_MAX_EVENT_BYTES")?;
        env.set(
            &mut l.max_runner_body_bytes,
            "SANDPIT_MAX_RUNNER_BODY_BYTES",
        )?;

        let t = &mut c.timing;
        env.seconds(&mut t.lease, "SANDPIT_LEASE_SECS", 1.0)?;
        env.seconds(&mut t.long_poll, "SANDPIT_LONG_POLL_SECS", 1.0)?;
        env.seconds(&mut t.session_idle, "SANDPIT_SESSION_IDLE_HOURS", 3600.0)?;
        env.seconds(&mut t.job_retention, "SANDPIT_JOB_RETENTION_HOURS", 3600.0)?;
        Ok(c)
    }

    /// Where the SQLite database file lives.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("sandpit.sqlite3")
    }
}

fn parse_bind(value: &str, port: u16) -> Option<SocketAddr> {
    if let Ok(addr) = value.parse::<SocketAddr>() {
        return Some(addr);
    }
    let ip = value.trim_matches(|c| c == '[' || c == ']');
    ip.parse::<IpAddr>()
        .ok()
        .map(|ip| SocketAddr::new(ip, port))
}

/// Small typed reader over the lookup function.
struct Env<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Env<'_> {
    fn get(&self, name: &str) -> Option<String> {
        (self.0)(name).map(|v| v.trim().to_owned())
    }

    fn parse<T: std::str::FromStr>(&self, name: &'static str) -> Result<Option<T>, ConfigError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| ConfigError {
                name,
                value: v,
                why: "expected a non-negative whole number",
            }),
        }
    }

    fn set<T: std::str::FromStr>(
        &self,
        slot: &mut T,
        name: &'static str,
    ) -> Result<(), ConfigError> {
        if let Some(v) = self.parse(name)? {
            *slot = v;
        }
        Ok(())
    }

    fn flag(&self, name: &'static str) -> Result<bool, ConfigError> {
        match self.get(name).as_deref() {
            None | Some("") | Some("0") | Some("false") | Some("no") => Ok(false),
            Some("1") | Some("true") | Some("yes") => Ok(true),
            Some(other) => Err(ConfigError {
                name,
                value: other.to_owned(),
                why: "expected 1 or 0",
            }),
        }
    }

    /// A duration given as a (possibly fractional) number of `unit`-second units.
    fn seconds(
        &self,
        slot: &mut Duration,
        name: &'static str,
        unit: f64,
    ) -> Result<(), ConfigError> {
        let Some(v) = self.get(name) else {
            return Ok(());
        };
        match v.parse::<f64>() {
            Ok(n) if n.is_finite() && n > 0.0 && n * unit < 1e9 => {
                *slot = Duration::from_secs_f64(n * unit);
                Ok(())
            }
            _ => Err(ConfigError {
                name,
                value: v,
                why: "expected a positive number",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn contract_defaults_apply_when_nothing_is_set() {
        let c = from(&[]).unwrap();
        assert_eq!(c.bind, "0.0.0.0:8000".parse().unwrap());
        assert_eq!(c.runner_token, None);
        assert_eq!(c.memory_store_dir, PathBuf::from("server_data/memory"));
        assert_eq!(
            c.database_path(),
            PathBuf::from("server_data/sandpit.sqlite3")
        );
    }

    #[test]
    fn port_and_bind_combine() {
        let c = from(&[("PORT", "9001"), ("SANDPIT_BIND", "127.0.0.1")]).unwrap();
        assert_eq!(c.bind, "127.0.0.1:9001".parse().unwrap());
        let c = from(&[("SANDPIT_BIND", "[::1]:7000")]).unwrap();
        assert_eq!(c.bind, "[::1]:7000".parse().unwrap());
    }

    #[test]
    fn invalid_values_are_refused_with_the_variable_name() {
        let err = from(&[("PORT", "eighty")]).unwrap_err().to_string();
        assert!(err.contains("PORT"), "{err}");
        assert!(from(&[("SANDPIT_LEASE_SECS", "0")]).is_err());
        assert!(from(&[("SANDPIT_TRUST_PROXY", "maybe")]).is_err());
    }

    #[test]
    fn stream_caps_have_defaults_and_zero_turns_them_off() {
        let c = from(&[]).unwrap();
        assert_eq!(
            (c.limits.max_streams_per_ip, c.limits.max_streams),
            (64, 20_000)
        );
        let c = from(&[
            ("SANDPIT_MAX_STREAMS_PER_IP", "0"),
            ("SANDPIT_MAX_STREAMS", "500"),
        ])
        .unwrap();
        assert_eq!(
            (c.limits.max_streams_per_ip, c.limits.max_streams),
            (0, 500)
        );
        assert!(from(&[("SANDPIT_MAX_STREAMS", "-1")]).is_err());
    }

    #[test]
    fn fractional_durations_and_empty_token() {
        let c = from(&[("SANDPIT_LEASE_SECS", "0.5"), ("RUNNER_ACCESS_TOKEN", "")]).unwrap();
        assert_eq!(c.timing.lease, Duration::from_millis(500));
        assert_eq!(c.runner_token, None);
    }
}
