//! The per-job sandbox helper, driven from async code: a writer task owns the helper's
//! stdin (fed through a channel, so several tasks can send stdin and cancel), and the
//! reader turns its stdout back into frames.

use crate::helper_client;
use sandpit_sandbox::frames::{write_frame, FrameBuffer, Kind};
use sandpit_sandbox::spec::PreparedProfile;
use std::io;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, ChildStdout, Command};
use tokio::sync::mpsc;

pub struct AsyncHelper {
    child: Child,
    /// Frames to the helper. Dropping every sender closes its stdin: "cancel".
    pub to_helper: mpsc::Sender<Vec<u8>>,
    stdout: ChildStdout,
    buf: FrameBuffer,
    /// Read buffer, kept across reads (a job's output arrives in many small reads).
    chunk: Box<[u8]>,
}

pub fn frame(kind: Kind, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(payload.len() + 5);
    // Writing to a Vec cannot fail.
    let _ = write_frame(&mut v, kind, payload);
    v
}

impl AsyncHelper {
    /// Start a helper with a clean environment and have it build and park a sandbox.
    pub async fn spawn_warm(profile: &PreparedProfile) -> io::Result<AsyncHelper> {
        let mut child = Command::from(helper_client::helper_command())
            .kill_on_drop(true)
            .spawn()?;
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| io::Error::other("helper stdin"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| io::Error::other("helper stdout"))?;
        let (tx, mut rx) = mpsc::channel::<Vec<u8>>(64);
        stdin
            .write_all(&helper_client::warm_frame(profile)?)
            .await?;
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
            child,
            to_helper: tx,
            stdout,
            buf: FrameBuffer::default(),
            chunk: vec![0u8; 64 << 10].into_boxed_slice(),
        })
    }

    /// The next frame from the helper; `None` when it closed its stdout.
    pub async fn next_frame(&mut self) -> io::Result<Option<(Kind, Vec<u8>)>> {
        loop {
            if let Some(f) = self.buf.next_frame()? {
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

    /// Reap the helper process.
    pub async fn wait(mut self) {
        drop(self.to_helper);
        let _ = self.child.wait().await;
    }
}
