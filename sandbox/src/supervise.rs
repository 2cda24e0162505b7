//! Watching a running job: one poll loop over the init's pidfd, the job's pipes and the
//! runner's control frames, against the wall-clock deadline. Output is forwarded as it
//! comes and counted against the output limit (stdout + stderr + events together); the
//! helper's memory stays bounded however much the program writes.

use crate::cgroup::JobCgroup;
use crate::collect::parse_collected;
use crate::error::Step;
use crate::frames::{encode_named, FrameBuffer, Kind};
use crate::launch::Launched;
use crate::policy::Limits;
use crate::report::{Report, RECORD};
use crate::spec::{CollectQuota, Outcome, Status};
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use std::os::fd::{AsFd, BorrowedFd};
use std::time::{Duration, Instant};

/// Largest read: a full pipe. The buffer starts at one page and doubles when a read
/// fills it, so a job with little output never touches the rest (the helper is a
/// fresh process: each page first touched costs a fault).
const CHUNK: usize = 64 << 10;
const FIRST_CHUNK: usize = 4 << 10;
/// Stdin waiting to be written to the program; past this we stop reading control frames
/// until the program reads (backpressure instead of buffering).
const STDIN_BACKLOG: usize = 1 << 20;
/// Longest event line buffered while incomplete.
const MAX_EVENT_LINE: usize = 16 << 20;

/// Where the helper sends what the job produces.
pub trait Sink {
    fn frame(&mut self, kind: Kind, payload: &[u8]) -> std::io::Result<()>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Timeout,
    OutputLimit,
    Cancelled,
    SetupFailed(Step, i32),
}

struct State {
    output_used: u64,
    output_limit: u64,
    stop: Option<Stop>,
    program_end: Option<Report>,
    init_done: bool,
    init_status: Option<nix::sys::wait::WaitStatus>,
    ended_at: Option<Instant>,
}

fn read_some(fd: BorrowedFd<'_>, buf: &mut Vec<u8>) -> Option<usize> {
    loop {
        match nix::unistd::read(fd, buf) {
            Ok(n) => {
                if n == buf.len() && n < CHUNK {
                    // The bytes read stay at the front; only the new half is zeroed.
                    buf.resize(2 * n, 0);
                }
                return Some(n);
            }
            Err(Errno::EINTR) => continue,
            Err(Errno::EAGAIN) => return Some(usize::MAX),
            Err(_) => return None,
        }
    }
}

fn set_nonblocking(fd: BorrowedFd<'_>) {
    use nix::fcntl::{fcntl, FcntlArg, OFlag};
    if let Ok(flags) = fcntl(fd, FcntlArg::F_GETFL) {
        let _ = fcntl(
            fd,
            FcntlArg::F_SETFL(OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK),
        );
    }
}

/// Run the supervision loop to the end. The job's cgroup is handed back so the caller
/// can report the outcome first and remove the cgroup after (off the latency path).
/// `control` is the runner's frame stream
/// (StdinData / StdinEof / Cancel); its EOF means the runner is gone (cancel).
pub fn supervise(
    job: Launched,
    limits: &Limits,
    collect: Option<CollectQuota>,
    control: BorrowedFd<'_>,
    sink: &mut dyn Sink,
    early_control: Vec<u8>,
) -> (Outcome, Option<JobCgroup>) {
    let deadline = job.started + Duration::from_millis(limits.wall_ms);
    let mut st = State {
        output_used: 0,
        output_limit: limits.output_bytes,
        stop: None,
        program_end: None,
        init_done: false,
        init_status: None,
        ended_at: None,
    };
    for fd in [
        job.stdout_r.as_fd(),
        job.stderr_r.as_fd(),
        job.events_r.as_fd(),
        job.collect_r.as_fd(),
        job.report_r.as_fd(),
        job.stdin_w.as_fd(),
    ] {
        set_nonblocking(fd);
    }
    let mut stdin_w = Some(job.stdin_w);
    let mut stdin_pending: Vec<u8> = Vec::new();
    let mut stdin_eof_requested = false;
    let mut control_open = true;
    let mut control_buf = FrameBuffer::default();
    control_buf.push(&early_control);
    let mut open = [true; 5]; // stdout, stderr, events, collect, report
    let mut event_line: Vec<u8> = Vec::new();
    let mut collected: Vec<u8> = Vec::new();
    let collect_cap = collect.map_or(0, |q| q.max_total_bytes as usize + q.max_files * 200);
    let mut report_buf: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; FIRST_CHUNK];
    let mut sink_broken = false;

    let kill = |st: &mut State, why: Stop| {
        if st.stop.is_none() && !st.init_done {
            st.stop = Some(why);
        }
        let _ = crate::sys::pidfd_send_signal(job.pidfd.as_fd(), libc::SIGKILL);
    };

    match apply_control(
        &mut control_buf,
        &mut stdin_pending,
        &mut stdin_eof_requested,
    ) {
        ControlVerdict::Continue => {}
        _ => kill(&mut st, Stop::Cancelled),
    }

    loop {
        if st.init_done && !open.iter().any(|o| *o) {
            break;
        }
        // Wall clock: past the deadline the whole namespace dies with its init.
        let now = Instant::now();
        if !st.init_done && now >= deadline {
            kill(&mut st, Stop::Timeout);
        }
        let timeout = if st.init_done {
            PollTimeout::from(200u16) // only draining pipes of a dead namespace now
        } else {
            let left = deadline
                .saturating_duration_since(now)
                .as_millis()
                .min(60_000) as u16;
            PollTimeout::from(left.max(1))
        };

        let fds = [
            job.stdout_r.as_fd(),
            job.stderr_r.as_fd(),
            job.events_r.as_fd(),
            job.collect_r.as_fd(),
            job.report_r.as_fd(),
        ];
        let mut pfds: Vec<PollFd> = Vec::with_capacity(8);
        let mut which: Vec<usize> = Vec::with_capacity(8);
        for (i, fd) in fds.iter().enumerate() {
            if open[i] {
                pfds.push(PollFd::new(*fd, PollFlags::POLLIN));
                which.push(i);
            }
        }
        if !st.init_done {
            pfds.push(PollFd::new(job.pidfd.as_fd(), PollFlags::POLLIN));
            which.push(10);
        }
        if control_open && stdin_pending.len() < STDIN_BACKLOG {
            pfds.push(PollFd::new(control, PollFlags::POLLIN));
            which.push(11);
        }
        if let Some(w) = &stdin_w {
            if !stdin_pending.is_empty() {
                pfds.push(PollFd::new(w.as_fd(), PollFlags::POLLOUT));
                which.push(12);
            }
        }
        match poll(&mut pfds, timeout) {
            Ok(0) => {
                if st.init_done {
                    break; // pipes stayed silent after init died: nothing more will come
                }
                continue;
            }
            Ok(_) => {}
            Err(Errno::EINTR) => continue,
            Err(_) => {
                kill(&mut st, Stop::SetupFailed(Step::Supervise, 0));
                break;
            }
        }
        let ready: Vec<(usize, PollFlags)> = pfds
            .iter()
            .zip(&which)
            .filter_map(|(p, w)| p.revents().filter(|r| !r.is_empty()).map(|r| (*w, r)))
            .collect();
        drop(pfds);

        for (w, _rev) in ready {
            match w {
                0..=2 => {
                    let fd = fds[w];
                    match read_some(fd, &mut buf) {
                        Some(usize::MAX) => {}
                        Some(0) | None => open[w] = false,
                        Some(n) => {
                            let room = st.output_limit.saturating_sub(st.output_used) as usize;
                            let take = n.min(room);
                            st.output_used += take as u64;
                            let data = &buf[..take];
                            let res = if w == 2 {
                                forward_events(&mut event_line, data, sink)
                            } else {
                                let kind = if w == 0 { Kind::Stdout } else { Kind::Stderr };
                                if take > 0 {
                                    sink.frame(kind, data)
                                } else {
                                    Ok(())
                                }
                            };
                            if res.is_err() {
                                sink_broken = true;
                                kill(&mut st, Stop::Cancelled);
                            }
                            if take < n || (w == 2 && event_line.len() > MAX_EVENT_LINE) {
                                kill(&mut st, Stop::OutputLimit);
                            }
                        }
                    }
                }
                3 => match read_some(fds[3], &mut buf) {
                    Some(usize::MAX) => {}
                    Some(0) | None => open[3] = false,
                    Some(n) => {
                        let room = collect_cap.saturating_sub(collected.len());
                        collected.extend_from_slice(&buf[..n.min(room)]);
                    }
                },
                4 => match read_some(fds[4], &mut buf) {
                    Some(usize::MAX) => {}
                    Some(0) | None => open[4] = false,
                    Some(n) => {
                        report_buf.extend_from_slice(&buf[..n]);
                        while report_buf.len() >= RECORD {
                            let rec: [u8; RECORD] =
                                report_buf[..RECORD].try_into().unwrap_or([0; RECORD]);
                            report_buf.drain(..RECORD);
                            match Report::decode(&rec) {
                                Some(Report::SetupFailed { step, errno }) => {
                                    kill(&mut st, Stop::SetupFailed(step, errno))
                                }
                                Some(Report::Started) => {}
                                Some(end) => st.program_end = Some(end),
                                None => kill(&mut st, Stop::SetupFailed(Step::Report, 0)),
                            }
                        }
                    }
                },
                10 => {
                    st.init_status = nix::sys::wait::waitpid(job.pid, None).ok();
                    st.init_done = true;
                    st.ended_at = Some(Instant::now());
                    // Nothing can write to the program's stdin any more.
                    stdin_w = None;
                }
                11 => match read_some(control, &mut buf) {
                    Some(usize::MAX) => {}
                    Some(0) | None => {
                        control_open = false;
                        kill(&mut st, Stop::Cancelled);
                    }
                    Some(n) => {
                        control_buf.push(&buf[..n]);
                        match apply_control(
                            &mut control_buf,
                            &mut stdin_pending,
                            &mut stdin_eof_requested,
                        ) {
                            ControlVerdict::Continue => {}
                            ControlVerdict::Cancel => kill(&mut st, Stop::Cancelled),
                            ControlVerdict::Broken => {
                                control_open = false;
                                kill(&mut st, Stop::Cancelled);
                            }
                        }
                    }
                },
                12 => {
                    if let Some(wfd) = &stdin_w {
                        match nix::unistd::write(wfd, &stdin_pending) {
                            Ok(n) => {
                                stdin_pending.drain(..n);
                            }
                            Err(Errno::EAGAIN) | Err(Errno::EINTR) => {}
                            Err(_) => {
                                // The program closed its stdin: drop what it won't read.
                                stdin_pending.clear();
                                stdin_w = None;
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        if stdin_eof_requested && stdin_pending.is_empty() {
            stdin_w = None; // closing our end: the program's input() sees EOF
        }
    }
    if !st.init_done {
        let _ = crate::sys::pidfd_send_signal(job.pidfd.as_fd(), libc::SIGKILL);
        st.init_status = nix::sys::wait::waitpid(job.pid, None).ok();
        st.ended_at = Some(Instant::now());
    }
    if !event_line.is_empty() && !sink_broken {
        // A last event without its newline still counts as an event.
        let _ = sink.frame(Kind::Event, &event_line);
    }
    if let Some(q) = collect {
        if st.stop.is_none() && !sink_broken {
            for (name, data) in parse_collected(&collected, q) {
                let _ = sink.frame(Kind::OutputFile, &encode_named(&name, &data));
            }
        }
    }
    let outcome = finish(job.started, &st, job.cgroup.as_ref(), limits.cpu_ms);
    (outcome, job.cgroup)
}

enum ControlVerdict {
    Continue,
    Cancel,
    Broken,
}

/// Apply every complete control frame: queue stdin, note EOF, or ask to cancel.
fn apply_control(buf: &mut FrameBuffer, stdin: &mut Vec<u8>, eof: &mut bool) -> ControlVerdict {
    let mut verdict = ControlVerdict::Continue;
    loop {
        match buf.next_frame() {
            Ok(Some((Kind::StdinData, d))) => stdin.extend_from_slice(&d),
            Ok(Some((Kind::StdinEof, _))) => *eof = true,
            Ok(Some((Kind::Cancel, _))) => verdict = ControlVerdict::Cancel,
            Ok(Some(_)) => {}
            Ok(None) => return verdict,
            Err(_) => return ControlVerdict::Broken,
        }
    }
}

/// Split the event stream into lines and forward each complete line as one frame.
fn forward_events(line: &mut Vec<u8>, data: &[u8], sink: &mut dyn Sink) -> std::io::Result<()> {
    let mut rest = data;
    while let Some(i) = rest.iter().position(|b| *b == b'\n') {
        line.extend_from_slice(&rest[..i]);
        if !line.is_empty() {
            sink.frame(Kind::Event, line)?;
        }
        line.clear();
        rest = &rest[i + 1..];
    }
    line.extend_from_slice(rest);
    Ok(())
}

fn finish(
    started: Instant,
    st: &State,
    cgroup: Option<&crate::cgroup::JobCgroup>,
    cpu_limit_ms: u64,
) -> Outcome {
    let wall_ms = st
        .ended_at
        .unwrap_or_else(Instant::now)
        .duration_since(started)
        .as_millis() as u64;
    let stats = cgroup.map(|c| c.stats()).unwrap_or_default();
    let (cpu_ms, mem) = if cgroup.is_some() {
        (stats.cpu_ns / 1_000_000, stats.memory_peak_bytes)
    } else {
        let ru = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).ok();
        ru.map_or((0, 0), |r| {
            let t = r.user_time() + r.system_time();
            (
                (t.tv_sec() * 1000 + t.tv_usec() / 1000) as u64,
                r.max_rss() as u64 * 1024,
            )
        })
    };
    let (exit_code, signal) = match st.program_end {
        Some(Report::Exited(c)) => (Some(c), None),
        Some(Report::Signaled(s)) => (None, Some(s)),
        _ => (None, None),
    };
    let mut failed_step = None;
    let status = match st.stop {
        Some(Stop::Cancelled) => Status::Cancelled,
        Some(Stop::OutputLimit) => Status::OutputLimit,
        Some(Stop::SetupFailed(step, errno)) => {
            failed_step = Some(format!(
                "{step} (errno {errno}: {})",
                Errno::from_raw(errno).desc()
            ));
            Status::InternalError
        }
        Some(Stop::Timeout) => Status::Timeout,
        None => match st.program_end {
            Some(Report::Exited(0)) => Status::Ok,
            Some(Report::Exited(_)) => Status::Error,
            Some(Report::Signaled(s)) if s == libc::SIGKILL && stats.oom_kills > 0 => {
                Status::MemoryLimit
            }
            Some(Report::Signaled(s)) if s == libc::SIGXCPU => Status::Timeout,
            Some(Report::Signaled(s)) if s == libc::SIGKILL && cpu_ms + 50 >= cpu_limit_ms => {
                Status::Timeout
            }
            Some(Report::Signaled(_)) => Status::Killed,
            _ if stats.oom_kills > 0 => Status::MemoryLimit,
            _ => {
                failed_step = Some(format!(
                    "init ended without a report ({:?})",
                    st.init_status
                ));
                Status::InternalError
            }
        },
    };
    let (exit_code, signal) = match status {
        Status::InternalError => (None, None),
        _ => (exit_code, signal),
    };
    Outcome {
        status,
        exit_code,
        signal,
        truncated: status == Status::OutputLimit,
        wall_ms,
        cpu_ms,
        memory_peak_bytes: mem,
        failed_step,
    }
}
