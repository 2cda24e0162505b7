//! Benchmark client for `bench/job_path.sh` (not a test): drives a running
//! `sandpit-server` + `sandpit-runner work` over HTTP and WebSocket exactly as the
//! editor does, and measures a bare `python3` in the same run so every figure comes
//! with a ratio to a baseline taken on the same machine at the same time.
//!
//! ```text
//! job_bench latency    --server HOST:PORT [--jobs 100]
//! job_bench throughput --server HOST:PORT [--jobs 200] [--clients 2]
//! job_bench idle       --server HOST:PORT --server-pid PID [--subscribers 5000]
//! job_bench flood      --server HOST:PORT --server-pid PID --runner-pid PID --profile NAME [--mib 200]
//! ```

use anyhow::{bail, ensure, Context, Result};
use clap::{Parser, Subcommand};
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// POST → WebSocket `exit` for print('hi'), sequential, next to a bare spawn.
    Latency {
        #[arg(long)]
        server: String,
        #[arg(long, default_value_t = 100)]
        jobs: usize,
        #[arg(long, default_value = "/usr/bin/python3")]
        python: String,
    },
    /// Hello-world jobs per second from concurrent clients, next to `xargs -P`.
    Throughput {
        #[arg(long)]
        server: String,
        #[arg(long, default_value_t = 200)]
        jobs: usize,
        #[arg(long, default_value_t = 2)]
        clients: usize,
        #[arg(long, default_value = "/usr/bin/python3")]
        python: String,
        /// `xargs -P` of the bare baseline [default: --clients].
        #[arg(long)]
        bare_parallel: Option<usize>,
        /// With both pids, also print where the CPU time went.
        #[arg(long)]
        server_pid: Option<u32>,
        #[arg(long)]
        runner_pid: Option<u32>,
    },
    /// Server memory with many idle WebSocket watchers of queued jobs.
    Idle {
        #[arg(long)]
        server: String,
        #[arg(long)]
        server_pid: u32,
        #[arg(long, default_value_t = 5000)]
        subscribers: usize,
        /// Queued jobs the watchers are spread over.
        #[arg(long, default_value_t = 10)]
        jobs: usize,
    },
    /// A stdout flood through the whole path; peak memory of server, runner, helpers.
    Flood {
        #[arg(long)]
        server: String,
        #[arg(long)]
        server_pid: u32,
        #[arg(long)]
        runner_pid: u32,
        #[arg(long)]
        profile: String,
        #[arg(long, default_value_t = 200)]
        mib: u64,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    match Cli::parse().cmd {
        Cmd::Latency {
            server,
            jobs,
            python,
        } => latency(&Client::new(&server)?, jobs, &python).await,
        Cmd::Throughput {
            server,
            jobs,
            clients,
            python,
            bare_parallel,
            server_pid,
            runner_pid,
        } => {
            let pids = server_pid.zip(runner_pid);
            let bare = bare_parallel.unwrap_or(clients);
            throughput(&Client::new(&server)?, jobs, clients, bare, &python, pids).await
        }
        Cmd::Idle {
            server,
            server_pid,
            subscribers,
            jobs,
        } => idle(&Client::new(&server)?, server_pid, subscribers, jobs).await,
        Cmd::Flood {
            server,
            server_pid,
            runner_pid,
            profile,
            mib,
        } => {
            flood(
                &Client::new(&server)?,
                server_pid,
                runner_pid,
                &profile,
                mib,
            )
            .await
        }
    }
}

const HELLO: &str = "print('hi')";

/// The editor's side of the API: submit, then watch the stream to `exit`.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    addr: String,
}

/// What one watched job produced.
struct Watched {
    result: Value,
    stdout_bytes: u64,
    frames: u64,
}

impl Client {
    fn new(addr: &str) -> Result<Client> {
        Ok(Client {
            http: reqwest::Client::builder().no_proxy().build()?,
            addr: addr.trim_start_matches("http://").to_string(),
        })
    }

    async fn submit(&self, body: &Value) -> Result<String> {
        let resp = self
            .http
            .post(format!("http://{}/api/run", self.addr))
            .json(body)
            .send()
            .await?;
        let status = resp.status();
        let answer: Value = resp.json().await?;
        ensure!(status == 201, "submit refused ({status}): {answer}");
        Ok(answer["jobId"].as_str().context("jobId")?.to_string())
    }

    async fn connect(
        &self,
        job: &str,
    ) -> Result<
        tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
    > {
        let url = format!("ws://{}/api/run/{job}/stream", self.addr);
        // The `exit` frame repeats the whole output in its record (up to 64 MiB).
        let config = WebSocketConfig::default()
            .max_message_size(Some(512 << 20))
            .max_frame_size(Some(512 << 20));
        Ok(
            tokio_tungstenite::connect_async_with_config(url, Some(config), true)
                .await?
                .0,
        )
    }

    /// Submit, connect, read to `exit`.
    async fn run(&self, body: &Value) -> Result<Watched> {
        let job = self.submit(body).await?;
        let mut ws = self.connect(&job).await?;
        let (mut stdout_bytes, mut frames) = (0u64, 0u64);
        while let Some(msg) = ws.next().await {
            let Message::Text(text) = msg? else { continue };
            frames += 1;
            let frame: Value = serde_json::from_str(text.as_str())?;
            match frame["type"].as_str() {
                Some("stdout") => stdout_bytes += frame["data"].as_str().map_or(0, str::len) as u64,
                Some("exit") => {
                    return Ok(Watched {
                        result: frame["result"].clone(),
                        stdout_bytes,
                        frames,
                    })
                }
                _ => {}
            }
        }
        bail!("job {job}: the stream closed before exit")
    }

    /// A hello-world job that must succeed (a failure is not a measurement).
    async fn hello(&self) -> Result<Duration> {
        let start = Instant::now();
        let w = self.run(&json!({ "code": HELLO })).await?;
        let took = start.elapsed();
        ensure!(
            w.result["status"] == "ok" && w.result["stdout"] == "hi\n",
            "hello job failed: {}",
            w.result
        );
        Ok(took)
    }
}

/// A bare interpreter spawn on the same program (clean environment, like a job).
async fn bare(python: &str) -> Result<Duration> {
    let start = Instant::now();
    let out = tokio::process::Command::new(python)
        .args(["-c", HELLO])
        .env_clear()
        .output()
        .await?;
    let took = start.elapsed();
    ensure!(
        out.status.success() && out.stdout == b"hi\n",
        "bare python failed"
    );
    Ok(took)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "meets target"
    } else {
        "MISSES target"
    }
}

async fn latency(client: &Client, jobs: usize, python: &str) -> Result<()> {
    // Warm both sides (page cache, the runner's warm sandbox, HTTP keep-alive).
    for _ in 0..5 {
        client.hello().await?;
        bare(python).await?;
    }
    let (mut job_times, mut bare_times) = (Vec::new(), Vec::new());
    for _ in 0..jobs {
        job_times.push(client.hello().await?);
        bare_times.push(bare(python).await?);
    }
    job_times.sort();
    bare_times.sort();
    let (j50, j99) = (percentile(&job_times, 0.5), percentile(&job_times, 0.99));
    let (b50, b99) = (percentile(&bare_times, 0.5), percentile(&bare_times, 0.99));
    let (r50, r99) = (ms(j50) / ms(b50), ms(j99) / ms(b99));
    println!("  {jobs} sequential jobs, interleaved with {jobs} bare spawns:");
    println!(
        "  POST -> WebSocket exit   p50 {:7.2} ms   p99 {:7.2} ms",
        ms(j50),
        ms(j99)
    );
    println!(
        "  bare {python} -c \"print('hi')\"   p50 {:7.2} ms   p99 {:7.2} ms",
        ms(b50),
        ms(b99)
    );
    println!(
        "  ratio p50 {r50:.2}x (target <= 1.5x: {})   ratio p99 {r99:.2}x (target <= 2x: {})",
        verdict(r50 <= 1.5),
        verdict(r99 <= 2.0)
    );
    Ok(())
}

/// `jobs` bare spawns through `xargs -P clients`, as the baseline for throughput.
fn xargs_rate(python: &str, jobs: usize, clients: usize) -> Result<f64> {
    let script =
        format!("seq {jobs} | xargs -P {clients} -I{{}} {python} -c \"print('hi')\" >/dev/null");
    let start = Instant::now();
    let status = std::process::Command::new("sh")
        .args(["-c", &script])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .status()?;
    ensure!(status.success(), "xargs baseline failed");
    Ok(jobs as f64 / start.elapsed().as_secs_f64())
}

/// CPU seconds of a process (`own`) and of its reaped descendants (`children`).
fn cpu_secs(pid: u32) -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<f64> = stat[stat.rfind(')')? + 1..]
        .split_whitespace()
        .skip(11)
        .take(4)
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    // utime, stime, cutime, cstime in clock ticks (100 per second on Linux).
    let tick = 100.0;
    Some((
        (fields.first()? + fields.get(1)?) / tick,
        (fields.get(2)? + fields.get(3)?) / tick,
    ))
}

/// CPU seconds of a runner's jobs: its reaped children (exec'd helpers) and its
/// live ones with everything they reaped (zygotes, whose forked helpers reap their
/// sandboxes, which reap their programs).
fn runner_cpu_secs(runner: u32) -> Option<(f64, f64)> {
    let (own, mut jobs) = cpu_secs(runner)?;
    for task in std::fs::read_dir(format!("/proc/{runner}/task"))
        .ok()?
        .flatten()
    {
        let children = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        for pid in children.split_whitespace().filter_map(|p| p.parse().ok()) {
            if let Some((a, b)) = cpu_secs(pid) {
                jobs += a + b;
            }
        }
    }
    Some((own, jobs))
}

async fn throughput(
    client: &Client,
    jobs: usize,
    clients: usize,
    bare_parallel: usize,
    python: &str,
    pids: Option<(u32, u32)>,
) -> Result<()> {
    for _ in 0..clients * 2 {
        client.hello().await?;
    }
    let bare_before = xargs_rate(python, jobs, bare_parallel)?;
    let cpu_before = pids.and_then(|(s, r)| Some((cpu_secs(s)?, runner_cpu_secs(r)?)));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let client = client.clone();
        let mine = jobs / clients + usize::from(c < jobs % clients);
        tasks.push(tokio::spawn(async move {
            for _ in 0..mine {
                client.hello().await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let wall = start.elapsed().as_secs_f64();
    let rate = jobs as f64 / wall;
    let cpu_after = pids.and_then(|(s, r)| Some((cpu_secs(s)?, runner_cpu_secs(r)?)));
    let bare_after = xargs_rate(python, jobs, bare_parallel)?;
    let bare_rate = (bare_before + bare_after) / 2.0;
    let ratio = rate / bare_rate;
    println!("  {jobs} hello-world jobs from {clients} concurrent clients:");
    println!("  server + runner        {rate:7.1} jobs/s");
    println!(
        "  bare xargs -P{bare_parallel}         {bare_rate:7.1} runs/s (before {bare_before:.1}, after {bare_after:.1})"
    );
    println!(
        "  ratio {ratio:.2}x (target >= 0.7x: {})",
        verdict(ratio >= 0.7)
    );
    if let (Some(((s0, _), (r0, c0))), Some(((s1, _), (r1, c1)))) = (cpu_before, cpu_after) {
        let per = |x: f64| x * 1000.0 / jobs as f64;
        println!(
            "  CPU per job: server {:.2} ms, runner {:.2} ms, helpers + sandboxes + python {:.2} ms \
             (2 cores = {:.2} ms of CPU per job available at this rate)",
            per(s1 - s0),
            per(r1 - r0),
            per(c1 - c0),
            per(2.0 * wall)
        );
    }
    Ok(())
}

/// A `Vm*` line of /proc/PID/status, in KiB.
fn vm_kib(pid: u32, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))?
        .trim_start_matches(':')
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

async fn idle(client: &Client, server_pid: u32, subscribers: usize, jobs: usize) -> Result<()> {
    let mut ids = Vec::new();
    for i in 0..jobs {
        ids.push(
            client
                .submit(&json!({ "code": format!("print({i})") }))
                .await?,
        );
    }
    let before = vm_kib(server_pid, "VmRSS").context("server RSS")?;
    let start = Instant::now();
    // Connect in waves so the listener's backlog is never the limit being measured.
    let mut sockets = Vec::with_capacity(subscribers);
    for wave in (0..subscribers).collect::<Vec<_>>().chunks(200) {
        let mut pending = Vec::new();
        for &i in wave {
            let (client, job) = (client.clone(), ids[i % ids.len()].clone());
            pending.push(tokio::spawn(async move {
                let mut ws = client.connect(&job).await?;
                // The replay's first frame: the server has this watcher subscribed.
                match ws.next().await {
                    Some(Ok(Message::Text(t))) if t.as_str().contains("queued") => Ok(ws),
                    other => bail!("unexpected first frame: {other:?}"),
                }
            }));
        }
        for p in pending {
            sockets.push(p.await??);
        }
    }
    let connected_in = start.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = vm_kib(server_pid, "VmRSS").context("server RSS")?;
    let hwm = vm_kib(server_pid, "VmHWM").context("server HWM")?;
    let per = (after.saturating_sub(before)) as f64 * 1024.0 / subscribers as f64;
    println!(
        "  {subscribers} idle WebSocket watchers of {jobs} queued jobs (connected in {:.1} s):",
        connected_in.as_secs_f64()
    );
    println!(
        "  server RSS {:.1} MiB before, {:.1} MiB with them (peak {:.1} MiB); ~{:.1} KiB per watcher",
        mib(before),
        mib(after),
        mib(hwm),
        per / 1024.0
    );
    println!(
        "  target <= 200 MiB: {}",
        verdict(mib(after.max(hwm)) <= 200.0)
    );
    drop(sockets);
    Ok(())
}

/// Peak resident memory seen for each role while a job runs.
#[derive(Default, Debug, Clone, Copy)]
struct Peaks {
    server: u64,
    runner: u64,
    helper: u64,
    zygote: u64,
    program: u64,
}

/// Every descendant of `root` with its depth below it (1: a child) and command line.
fn descendants(root: u32) -> Vec<(u32, usize, String)> {
    let mut table = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let ppid: u32 = rest
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
            .unwrap_or_default();
        table.push((pid, ppid, cmd));
    }
    let mut out = Vec::new();
    let mut parents = vec![(root, 0)];
    while let Some((p, depth)) = parents.pop() {
        for (pid, ppid, cmd) in &table {
            if *ppid == p {
                out.push((*pid, depth + 1, cmd.clone()));
                parents.push((*pid, depth + 1));
            }
        }
    }
    out
}

/// Sample VmHWM of the server, the runner and the runner's processes until `stop`.
fn sample_peaks(server: u32, runner: u32, stop: Arc<AtomicBool>) -> Peaks {
    let mut peaks = Peaks::default();
    loop {
        peaks.server = peaks.server.max(vm_kib(server, "VmHWM").unwrap_or(0));
        peaks.runner = peaks.runner.max(vm_kib(runner, "VmHWM").unwrap_or(0));
        for (pid, depth, cmd) in descendants(runner) {
            let hwm = vm_kib(pid, "VmHWM").unwrap_or(0);
            // An exec'd helper and its sandbox's init are this binary (depths 1, 2);
            // with warm fork the runner's child is the zygote, and below it come the
            // helper and init (depths 2, 3, forks of the interpreter: their peak
            // counts the pages they share with it); the rest is the kid's.
            let forked = cmd.ends_with("/work/main.py ");
            if cmd.contains("__sandbox-helper") || (forked && (depth == 2 || depth == 3)) {
                peaks.helper = peaks.helper.max(hwm);
            } else if forked && depth == 1 {
                peaks.zygote = peaks.zygote.max(hwm);
            } else {
                peaks.program = peaks.program.max(hwm);
            }
        }
        if stop.load(Ordering::Relaxed) {
            return peaks;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

async fn flood(
    client: &Client,
    server_pid: u32,
    runner_pid: u32,
    profile: &str,
    mib_total: u64,
) -> Result<()> {
    let program = format!(
        "import sys\nchunk = ('x' * 1023 + '\\n') * 64\nfor _ in range({}):\n    sys.stdout.write(chunk)\n",
        mib_total * 16
    );
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || sample_peaks(server_pid, runner_pid, stop))
    };
    let start = Instant::now();
    let watched = client
        .run(&json!({ "code": program, "profile": profile }))
        .await;
    let took = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    let peaks = sampler.join().expect("sampler thread");
    let w = watched?;
    let got = w.stdout_bytes as f64 / (1 << 20) as f64;
    println!(
        "  profile {profile}: program writes {mib_total} MiB; status {}, {got:.1} MiB streamed to the watcher in {} frames, {:.2} s ({:.0} MiB/s)",
        w.result["status"],
        w.frames,
        took.as_secs_f64(),
        got / took.as_secs_f64()
    );
    let top = peaks.server.max(peaks.runner).max(peaks.helper);
    println!(
        "  peak RSS (VmHWM): server {:.1} MiB, runner {:.1} MiB, helper/init {:.1} MiB, zygote {:.1} MiB (kid's python {:.1} MiB, not counted)",
        mib(peaks.server),
        mib(peaks.runner),
        mib(peaks.helper),
        mib(peaks.zygote),
        mib(peaks.program)
    );
    println!("  target < 64 MiB each: {}", verdict(mib(top) < 64.0));
    Ok(())
}
