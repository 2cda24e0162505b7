//! Helpers for the job-path end-to-end tests: the real `sandpit-server` and the real
//! `sandpit-runner work` as child processes on loopback, an HTTP client, a WebSocket
//! watcher, and a look at the host's process table.
//!
//! Every test builds its own [`Stack`] (own data dir, own port, own runner), so tests
//! running in parallel never see each other's jobs. Dropping the stack SIGKILLs the
//! processes it started (and only those).

// Each test uses a different subset of these helpers.
#![allow(dead_code)]

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;

pub const TOKEN: &str = "e2e-runner-token";

/// Guard against a hung test; not a timing assertion.
pub const PATIENCE: Duration = Duration::from_secs(40);

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("runner/ has a parent")
        .to_path_buf()
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Whether the real sandbox can run here (it needs root). In CI (`CI=true`) not being
/// root is a failure; on a developer's machine the test says why it did nothing.
pub fn sandbox_available() -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    if in_ci() {
        panic!("CI=true but not root: the job-path tests run real sandboxes and need root");
    }
    eprintln!("NOTICE: not root, so this job-path test did nothing (the sandbox needs root)");
    false
}

/// A fresh random marker, to recognise this test's processes on the host.
pub fn marker(prefix: &str) -> String {
    let mut bytes = [0u8; 8];
    std::io::Read::read_exact(
        &mut std::fs::File::open("/dev/urandom").expect("opening /dev/urandom"),
        &mut bytes,
    )
    .expect("reading /dev/urandom");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{hex}")
}

// ---------------------------------------------------------------------------------
// Binaries

pub fn runner_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_sandpit-runner"))
}

/// `sandpit-server`, from the same target directory as the runner. `cargo test
/// --workspace` builds it already; `cargo test -p sandpit-runner` does not, so then
/// (or when its sources are newer than the binary) it is built here, once.
pub fn server_bin() -> PathBuf {
    static BUILT: Mutex<Option<PathBuf>> = Mutex::new(None);
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = built.as_ref() {
        return p.clone();
    }
    let runner = runner_bin();
    let bin = runner.with_file_name("sandpit-server");
    if !bin.exists() || sources_newer_than(&repo_root().join("server"), &bin) {
        let profile_dir = runner.parent().expect("the runner binary has a directory");
        let target_dir = profile_dir.parent().expect("profile dir has a parent");
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.args(["build", "-p", "sandpit-server", "--bin", "sandpit-server"])
            .env("CARGO_TARGET_DIR", target_dir)
            .current_dir(repo_root());
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("running cargo build -p sandpit-server");
        assert!(status.success(), "building sandpit-server failed");
    }
    assert!(bin.exists(), "no sandpit-server at {}", bin.display());
    *built = Some(bin.clone());
    bin
}

/// Whether any file under `dir` (src/ and Cargo.toml) changed after `bin` was built.
fn sources_newer_than(dir: &Path, bin: &Path) -> bool {
    let Ok(built) = bin.metadata().and_then(|m| m.modified()) else {
        return true;
    };
    let mut stack = vec![dir.join("src"), dir.join("Cargo.toml")];
    while let Some(p) = stack.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&p) {
                stack.extend(entries.flatten().map(|e| e.path()));
            }
        } else if meta.modified().is_ok_and(|m| m > built) {
            return true;
        }
    }
    false
}

// ---------------------------------------------------------------------------------
// Processes

/// A child process this test started; SIGKILLed and reaped on drop.
pub struct Proc {
    pub child: Child,
    pub log: PathBuf,
    /// Kept open so the process never writes into a closed pipe.
    _stdout: Option<BufReader<ChildStdout>>,
}

impl Proc {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn signal(&self, sig: nix::sys::signal::Signal) {
        let pid = nix::unistd::Pid::from_raw(self.pid() as i32);
        nix::sys::signal::kill(pid, sig).expect("signalling our own child");
    }

    /// Wait for the process to end on its own (bounded by [`PATIENCE`]).
    pub fn wait_exit(&mut self) -> ExitStatus {
        self.wait_exit_within(PATIENCE)
    }

    /// Wait for the process to end on its own; fail the test after `limit`.
    pub fn wait_exit_within(&mut self, limit: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                start.elapsed() < limit,
                "process {} did not exit; log:\n{}",
                self.pid(),
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Options of one stack: extra server environment (limits, lease), and a policies
/// directory for server and runner instead of the repository's.
#[derive(Default, Clone)]
pub struct StackOpts {
    pub server_env: Vec<(String, String)>,
    pub policies: Option<PathBuf>,
}

impl StackOpts {
    pub fn policies(mut self, dir: &Path) -> Self {
        self.policies = Some(dir.to_path_buf());
        self
    }

    fn policies_dir(&self) -> PathBuf {
        self.policies
            .clone()
            .unwrap_or_else(|| repo_root().join("policies"))
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.server_env.push((key.into(), value.into()));
        self
    }
}

/// A server (and maybe a runner) with its own temporary data directory.
pub struct Stack {
    pub dir: tempfile::TempDir,
    opts: StackOpts,
    pub server: Option<Proc>,
    pub runner: Option<Proc>,
    /// The server's `host:port`.
    pub base: String,
    pub http: reqwest::Client,
    starts: u32,
}

impl Stack {
    /// A server only (no runner yet).
    pub fn server(opts: StackOpts) -> Stack {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut stack = Stack {
            dir,
            opts,
            server: None,
            runner: None,
            base: String::new(),
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("http client"),
            starts: 0,
        };
        stack.start_server();
        stack
    }

    /// A server and one runner (concurrency 2).
    pub fn full(opts: StackOpts) -> Stack {
        let mut stack = Stack::server(opts);
        stack.start_runner(&[]);
        stack
    }

    /// Starts the server on this stack's data directory (again, after a kill).
    pub fn start_server(&mut self) {
        assert!(self.server.is_none(), "a server is already running");
        self.starts += 1;
        let log = self.dir.path().join(format!("server-{}.log", self.starts));
        let mut cmd = Command::new(server_bin());
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("PORT", "0")
            .env("SANDPIT_BIND", "127.0.0.1")
            .env("RUNNER_ACCESS_TOKEN", TOKEN)
            .env("SANDPIT_DATA_DIR", self.dir.path().join("data"))
            .env("MEMORY_STORE_DIR", self.dir.path().join("memory"))
            .env("SANDPIT_FRONT_DIR", self.dir.path().join("no-front"))
            .env("SANDPIT_POLICIES_DIR", self.opts.policies_dir())
            .env("RUST_LOG", "info")
            .envs(self.opts.server_env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("server log"));
        let mut child = cmd.spawn().expect("starting sandpit-server");
        let mut stdout = BufReader::new(child.stdout.take().expect("server stdout"));
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        let proc = Proc {
            child,
            log,
            _stdout: Some(stdout),
        };
        let addr = line
            .trim()
            .strip_prefix("sandpit-server listening on http://")
            .unwrap_or_else(|| {
                panic!(
                    "server did not print its address (got {line:?}); log:\n{}",
                    proc.log_text()
                )
            });
        self.base = addr.to_string();
        self.server = Some(proc);
    }

    /// SIGKILLs the server (no chance to clean up).
    pub fn kill_server(&mut self) {
        let mut server = self.server.take().expect("a running server");
        server.child.kill().expect("SIGKILL the server");
        server.child.wait().expect("reaping the server");
    }

    /// Starts `sandpit-runner work` against this server, with the shipped policies.
    pub fn start_runner(&mut self, extra_env: &[(&str, &str)]) {
        assert!(self.runner.is_none(), "a runner is already running");
        self.starts += 1;
        let log = self.dir.path().join(format!("runner-{}.log", self.starts));
        let root = repo_root();
        let mut cmd = Command::new(runner_bin());
        cmd.arg("work")
            .arg("--policies")
            .arg(self.opts.policies_dir())
            .current_dir(&root)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("RUNNER_SERVER_URL", format!("http://{}", self.base))
            .env("RUNNER_ACCESS_TOKEN", TOKEN)
            .env("RUNNER_POLL_INTERVAL_MS", "100")
            .env("RUNNER_MAX_CONCURRENCY", "2")
            .env("SANDPIT_RUNTIME_DIR", root.join("runtime/python"))
            .env("SANDPIT_LOG", "info")
            .envs(extra_env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("runner log"));
        let child = cmd.spawn().expect("starting sandpit-runner work");
        self.runner = Some(Proc {
            child,
            log,
            _stdout: None,
        });
    }

    /// Server and runner logs, for failure messages.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        names.sort();
        for p in names
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "log"))
        {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            let tail: String = text
                .lines()
                .rev()
                .take(40)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n");
            out.push_str(&format!("--- {} ---\n{tail}\n", p.display()));
        }
        out
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.base)
    }

    /// `POST /api/run` with any body; returns status, headers and the JSON answer.
    pub async fn post_run_raw(&self, body: impl Into<reqwest::Body>, content_type: &str) -> Answer {
        let resp = self
            .http
            .post(self.url("/api/run"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("POST /api/run");
        Answer::read(resp).await
    }

    pub async fn post_run(&self, body: &Value) -> Answer {
        self.post_run_raw(body.to_string(), "application/json")
            .await
    }

    /// Submits a run that must be accepted; returns its job id.
    pub async fn submit(&self, body: &Value) -> String {
        let a = self.post_run(body).await;
        assert_eq!(a.status, 201, "submit refused: {}\n{}", a.body, self.logs());
        assert_eq!(a.body["status"], "queued");
        a.body["jobId"].as_str().expect("jobId").to_string()
    }

    pub async fn job(&self, id: &str) -> Value {
        let a = self.get(&format!("/api/run/{id}")).await;
        assert_eq!(a.status, 200, "GET job: {}", a.body);
        a.body
    }

    pub async fn get(&self, path: &str) -> Answer {
        let resp = self
            .http
            .get(self.url(path))
            .send()
            .await
            .expect("GET request");
        Answer::read(resp).await
    }

    pub async fn post_json(&self, path: &str, body: &Value, token: Option<&str>) -> Answer {
        let mut req = self.http.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Answer::read(req.send().await.expect("POST request")).await
    }

    pub async fn watch(&self, id: &str) -> Watcher {
        let url = format!("ws://{}/api/run/{id}/stream", self.base);
        // The `exit` frame repeats the whole output in its record: allow up to a
        // policy's largest output (64 MiB), with room for JSON escaping.
        let config = WebSocketConfig::default()
            .max_message_size(Some(512 << 20))
            .max_frame_size(Some(512 << 20));
        let (socket, _) = patiently("the WebSocket to connect", async {
            tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), true).await
        })
        .await
        .unwrap_or_else(|e| panic!("WebSocket to {url}: {e}"));
        Watcher { socket }
    }

    /// Submit, watch, and collect the whole stream.
    pub async fn run(&self, body: &Value) -> (String, Stream) {
        let id = self.submit(body).await;
        let mut w = self.watch(&id).await;
        let stream = w.until_close(self).await;
        (id, stream)
    }
}

/// An HTTP answer, body parsed as JSON (or `Null` when it isn't).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    async fn read(resp: reqwest::Response) -> Answer {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.unwrap_or_default();
        Answer {
            status,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    /// Asserts the public error shape `{"error":{"code","message"}}` with this code.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "answer: {}", self.body);
        let err = &self.body["error"];
        assert_eq!(err["code"], code, "answer: {}", self.body);
        let message = err["message"].as_str().unwrap_or("");
        assert!(
            !message.is_empty(),
            "an error needs a message: {}",
            self.body
        );
        assert!(
            !message.contains("/tmp/") && !message.contains("/work/") && !message.contains("/root"),
            "an error message must not show host paths: {message}"
        );
    }
}

pub async fn patiently<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, f)
        .await
        .unwrap_or_else(|_| panic!("gave up waiting for {what}"))
}

// ---------------------------------------------------------------------------------
// WebSocket

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One client of one job's stream.
pub struct Watcher {
    pub socket: Socket,
}

/// Everything one watcher saw: the JSON frames in order and how the socket closed.
#[derive(Debug, Clone)]
pub struct Stream {
    pub frames: Vec<Value>,
    pub close: Option<CloseFrame>,
}

impl Stream {
    pub fn exit(&self) -> &Value {
        let last = self.frames.last().expect("at least one frame");
        assert_eq!(last["type"], "exit", "last frame: {last}");
        last
    }

    pub fn result(&self) -> &Value {
        &self.exit()["result"]
    }

    /// All `data` of frames of this type, joined.
    pub fn text(&self, kind: &str) -> String {
        self.frames
            .iter()
            .filter(|f| f["type"] == kind)
            .map(|f| f["data"].as_str().expect("text frame data"))
            .collect()
    }

    pub fn of_type(&self, kind: &str) -> Vec<&Value> {
        self.frames.iter().filter(|f| f["type"] == kind).collect()
    }

    pub fn statuses(&self) -> Vec<&str> {
        self.of_type("status")
            .into_iter()
            .map(|f| f["status"].as_str().expect("status string"))
            .collect()
    }
}

impl Watcher {
    /// The next JSON frame, or `None` once the server closed the socket (the close
    /// frame, if any, goes to `close`).
    pub async fn next(&mut self, close: &mut Option<CloseFrame>) -> Option<Value> {
        loop {
            let msg = patiently("a WebSocket frame", self.socket.next()).await;
            match msg {
                None => return None,
                Some(Err(e)) => panic!("WebSocket error: {e}"),
                Some(Ok(Message::Text(t))) => {
                    return Some(serde_json::from_str(t.as_str()).expect("frames are JSON"))
                }
                Some(Ok(Message::Close(c))) => {
                    *close = c;
                }
                Some(Ok(_)) => {} // ping/pong
            }
        }
    }

    pub async fn send(&mut self, frame: Value) {
        self.socket
            .send(Message::Text(frame.to_string().into()))
            .await
            .expect("sending a WebSocket frame");
    }

    /// Read until the server closes the socket.
    pub async fn until_close(&mut self, stack: &Stack) -> Stream {
        let mut frames = Vec::new();
        let mut close = None;
        while let Some(f) = self.next(&mut close).await {
            frames.push(f);
        }
        assert!(
            frames.last().is_some_and(|f| f["type"] == "exit"),
            "the stream must end with exit; got {frames:?}\n{}",
            stack.logs()
        );
        Stream { frames, close }
    }

    /// Read frames until the joined stdout contains `text`; returns them.
    pub async fn until_stdout(&mut self, text: &str, stack: &Stack) -> Vec<Value> {
        let mut frames = Vec::new();
        let mut stdout = String::new();
        let mut close = None;
        while !stdout.contains(text) {
            let Some(f) = self.next(&mut close).await else {
                panic!(
                    "stream closed before stdout showed {text:?}: {frames:?}\n{}",
                    stack.logs()
                );
            };
            if f["type"] == "stdout" {
                stdout.push_str(f["data"].as_str().unwrap_or(""));
            }
            let exit = f["type"] == "exit";
            frames.push(f);
            assert!(
                !exit || stdout.contains(text),
                "job ended before stdout showed {text:?}: {frames:?}\n{}",
                stack.logs()
            );
        }
        frames
    }
}

/// Asserts the frames carry `seq` 1, 2, 3 … without gaps and nothing after `exit`.
pub fn assert_numbered(frames: &[Value]) {
    for (i, f) in frames.iter().enumerate() {
        assert_eq!(f["seq"], json!(i as u64 + 1), "frame {i} of {frames:?}");
    }
    let exits = frames.iter().filter(|f| f["type"] == "exit").count();
    assert_eq!(exits, 1, "exactly one exit frame: {frames:?}");
}

/// Asserts `result` is the contract's result record.
pub fn assert_result_record(result: &Value, profile: &str) {
    let obj = result.as_object().expect("result is an object");
    for key in [
        "status",
        "exit_code",
        "signal",
        "stdout",
        "stderr",
        "truncated",
        "wall_ms",
        "cpu_ms",
        "memory_peak_bytes",
        "visualizations",
        "profile",
    ] {
        assert!(obj.contains_key(key), "result record lacks {key}: {result}");
    }
    assert!(result["status"].is_string());
    assert!(result["stdout"].is_string() && result["stderr"].is_string());
    assert!(result["truncated"].is_boolean());
    for key in ["wall_ms", "cpu_ms", "memory_peak_bytes"] {
        assert!(result[key].is_u64(), "{key} is a whole number: {result}");
    }
    assert!(result["visualizations"].is_array());
    assert_eq!(result["profile"], profile);
}

// ---------------------------------------------------------------------------------
// Host process table

/// A process as the host sees it, identified by pid and start time (pids get reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostPid {
    pub pid: u32,
    pub start: u64,
}

/// (state, ppid, starttime) from /proc/PID/stat.
fn stat(pid: u32) -> Option<(char, u32, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    let ppid = fields.get(1)?.parse().ok()?;
    let start = fields.get(19)?.parse().ok()?;
    Some((state, ppid, start))
}

fn all_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse().ok()))
                .collect()
        })
        .unwrap_or_default()
}

/// Every living descendant of `root` (children, their children …).
pub fn descendants(root: u32) -> Vec<HostPid> {
    let table: Vec<(u32, char, u32, u64)> = all_pids()
        .into_iter()
        .filter_map(|pid| stat(pid).map(|(s, ppid, start)| (pid, s, ppid, start)))
        .collect();
    let mut found = Vec::new();
    let mut parents = vec![root];
    while let Some(parent) = parents.pop() {
        for &(pid, state, ppid, start) in &table {
            if ppid == parent && state != 'Z' {
                found.push(HostPid { pid, start });
                parents.push(pid);
            }
        }
    }
    found
}

/// Whether this exact process still lives (a zombie is dead).
pub fn alive(p: HostPid) -> bool {
    matches!(stat(p.pid), Some((state, _, start)) if start == p.start && state != 'Z')
}

/// Living host processes whose command line contains `marker`.
pub fn processes_with(marker: &str) -> Vec<u32> {
    all_pids()
        .into_iter()
        .filter(|&pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(marker))
                && stat(pid).is_some_and(|(s, _, _)| s != 'Z')
        })
        .collect()
}

/// Poll `cond` every 50 ms for at most `within`; whether it held.
pub fn eventually(within: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    cond()
}

/// A policies directory holding the shipped `python-basic.toml` and a copy of it
/// named `name` with some `[limits]` values replaced, e.g. ("output_kib", "65536").
pub fn derived_policies(name: &str, limits: &[(&str, &str)]) -> tempfile::TempDir {
    let shipped = repo_root().join("policies/python-basic.toml");
    let text = std::fs::read_to_string(&shipped).expect("reading python-basic.toml");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(&shipped, dir.path().join("python-basic.toml")).expect("copying policy");
    let derived: Vec<String> = text
        .lines()
        .map(|line| {
            if line.starts_with("name = ") {
                return format!("name = {name:?}");
            }
            for (key, value) in limits {
                if line.starts_with(&format!("{key} = ")) {
                    return format!("{key} = {value}");
                }
            }
            line.to_string()
        })
        .collect();
    std::fs::write(
        dir.path().join(format!("{name}.toml")),
        derived.join("\n") + "\n",
    )
    .expect("writing the derived policy");
    dir
}

/// A run body with just the program.
pub fn code(program: &str) -> Value {
    json!({ "code": program })
}
