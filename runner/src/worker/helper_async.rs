//! The per-job sandbox helper, driven from async code: a writer task owns the helper's
//! stdin (fed through a channel, so several tasks can send stdin and cancel), and the
//! reader turns its stdout back into frames. The helper is forked by the profile's
//! zygote where there is one, else exec'd.

use super::zygotes::ZygoteSlot;
use crate::helper_client;
use sandpit_sandbox::cgroup_pool::CgroupLease;
use sandpit_sandbox::frames::{write_frame, FrameBuffer, Kind};
use sandpit_sandbox::netns::NetnsLease;
use sandpit_sandbox::spec::PreparedProfile;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::unix::pipe;
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

/// The helper's process: our child, or a zygote's child watched through a pidfd
/// (readable once it has exited), with the network namespace lent to its sandbox.
enum Process {
    Exec(Child),
    Forked {
        pidfd: Arc<OwnedFd>,
        netns: Option<NetnsLease>,
        cgroup: Option<CgroupLease>,
    },
}

pub struct AsyncHelper {
    process: Process,
    /// Frames to the helper. Dropping every sender closes its stdin: "cancel".
    pub to_helper: mpsc::Sender<Vec<u8>>,
    stdout: Box<dyn AsyncRead + Send + Sync + Unpin>,
    buf: FrameBuffer,
    /// Read buffer, kept across reads (a job's output arrives in many small reads).
    chunk: Box<[u8]>,
    /// The helper sent its outcome: its sandbox's init has been reaped, so nothing of
    /// the job runs any more once the helper itself has exited.
    saw_outcome: bool,
}

pub fn frame(kind: Kind, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(payload.len() + 5);
    // Writing to a Vec cannot fail.
    let _ = write_frame(&mut v, kind, payload);
    v
}

impl AsyncHelper {
    /// Start a helper with a clean environment and have it build and park a sandbox:
    /// forked by `zygote` if given (and answering), else exec'd.
    pub async fn spawn_warm(
        profile: &PreparedProfile,
        zygote: Option<Arc<ZygoteSlot>>,
    ) -> io::Result<AsyncHelper> {
        if let Some(slot) = zygote {
            let forked = tokio::task::spawn_blocking(move || slot.fork_helper())
                .await
                .map_err(io::Error::other)?;
            match forked {
                Ok(h) => {
                    let lent = h.cgroup.as_ref().map(|c| c.lent().clone());
                    let process = Process::Forked {
                        pidfd: Arc::new(h.pidfd),
                        netns: Some(h.netns),
                        cgroup: h.cgroup,
                    };
                    let stdin = pipe::Sender::from_owned_fd(h.stdin)?;
                    let stdout = pipe::Receiver::from_owned_fd(h.stdout)?;
                    let warm = helper_client::warm_frame(profile, lent.as_ref())?;
                    return Self::start(warm, process, Box::new(stdin), Box::new(stdout)).await;
                }
                // The zygote's slot has logged why (once, not for every job).
                Err(e) => tracing::debug!("could not fork a helper, exec'ing one: {e}"),
            }
        }
        let mut child = Command::from(helper_client::helper_command())
            .kill_on_drop(true)
            .spawn()?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| io::Error::other("helper stdin"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| io::Error::other("helper stdout"))?;
        Self::start(
            helper_client::warm_frame(profile, None)?,
            Process::Exec(child),
            Box::new(stdin),
            Box::new(stdout),
        )
        .await
    }

    /// Send the profile frame, then hand stdin to the writer task.
    async fn start(
        warm: Vec<u8>,
        process: Process,
        mut stdin: Box<dyn AsyncWrite + Send + Sync + Unpin>,
        stdout: Box<dyn AsyncRead + Send + Sync + Unpin>,
    ) -> io::Result<AsyncHelper> {
        let (tx, mut rx) = mpsc::channel::<Vec<u8>>(64);
        stdin.write_all(&warm).await?;
        stdin.flush().await?;
        tokio::spawn(async move {
            while let Some(bytes) = rx.recv().await {
                if stdin.write_all(&bytes).await.is_err() || stdin.flush().await.is_err() {
                    break;
                }
            }
            // Channel closed: stdin closes when `stdin` drops here.
        });
        Ok(AsyncHelper {
            process,
            to_helper: tx,
            stdout,
            buf: FrameBuffer::default(),
            chunk: vec![0u8; 64 << 10].into_boxed_slice(),
            saw_outcome: false,
        })
    }

    /// The next frame from the helper; `None` when it closed its stdout.
    pub async fn next_frame(&mut self) -> io::Result<Option<(Kind, Vec<u8>)>> {
        loop {
            if let Some(f) = self.buf.next_frame()? {
                self.saw_outcome |= f.0 == Kind::Outcome;
                return Ok(Some(f));
            }
            let n = self.stdout.read(&mut self.chunk).await?;
            if n == 0 {
                return Ok(None);
            }
            self.buf.push(&self.chunk[..n]);
        }
    }

    /// Wait until the sandbox is parked; an `Outcome` instead means set-up failed.
    pub async fn wait_parked(&mut self) -> io::Result<()> {
        match self.next_frame().await? {
            Some((Kind::Parked, _)) => Ok(()),
            Some((Kind::Outcome, p)) => Err(io::Error::other(format!(
                "sandbox set-up failed: {}",
                String::from_utf8_lossy(&p)
            ))),
            other => Err(io::Error::other(format!(
                "helper said {:?} instead of parking",
                other.map(|f| f.0)
            ))),
        }
    }

    pub async fn send(&self, bytes: Vec<u8>) -> io::Result<()> {
        self.to_helper
            .send(bytes)
            .await
            .map_err(|_| io::Error::other("helper stdin closed"))
    }

    /// Wait until the helper process has ended (and reap it, if it is ours).
    pub async fn wait(mut self) {
        let (tx, _) = mpsc::channel(1);
        drop(std::mem::replace(&mut self.to_helper, tx));
        match &mut self.process {
            Process::Exec(child) => {
                let _ = child.wait().await;
            }
            Process::Forked {
                pidfd,
                netns,
                cgroup,
            } => {
                // It exits right after its outcome: a short wait on a blocking thread.
                let pidfd = Arc::clone(pidfd);
                let waited =
                    tokio::task::spawn_blocking(move || helper_client::wait_pidfd(&pidfd)).await;
                // Its namespace and cgroup serve the next sandbox only if this job is
                // known to be over; otherwise they go with their leases.
                if waited.is_ok() && self.saw_outcome {
                    if let Some(lease) = netns.take() {
                        lease.give_back();
                    }
                    if let Some(lease) = cgroup.take() {
                        lease.give_back();
                    }
                }
            }
        }
    }
}

impl Drop for AsyncHelper {
    /// As `kill_on_drop` does for an exec'd helper: a helper nobody waits for any
    /// more (a cancelled task, a dropped pool) must not keep its sandbox. After a
    /// `wait` the process has exited and the signal finds nothing.
    fn drop(&mut self) {
        if let Process::Forked { pidfd, .. } = &self.process {
            let _ = sandpit_sandbox::sys::pidfd_send_signal(pidfd.as_fd(), libc::SIGKILL);
        }
    }
}
