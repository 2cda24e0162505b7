//! Caps on open job streams (WebSockets), per client IP and in total.
//!
//! An idle watcher costs a client next to nothing but costs the server a file
//! descriptor and socket buffers; without a cap one client could open sockets
//! until the process runs out of descriptors and every school is refused.
//! A slot is taken before the upgrade is accepted and held by a
//! [`StreamSlot`] guard that the socket's task owns, so it is given back on
//! every way that task can end: a normal close, an error, a panic, an abort
//! or an upgrade that never completes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

/// Descriptors left for everything that is not a job stream (listener,
/// database, runners' long polls, submissions) when judging the open-files limit.
const OTHER_DESCRIPTORS: u64 = 1024;

/// The counters of open streams, shared by the caps and their guards.
pub struct StreamSlots {
    /// `0` = no cap.
    max_per_ip: u32,
    /// `0` = no cap.
    max_total: u32,
    open: Arc<Mutex<OpenStreams>>,
}

#[derive(Default)]
struct OpenStreams {
    total: usize,
    /// Only IPs with at least one open stream, so the map can't outgrow the sockets.
    per_ip: HashMap<IpAddr, u32>,
}

/// Which cap refused a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    PerIp,
    Total,
}

/// One open stream; dropping it gives the slot back.
#[must_use = "the slot is given back as soon as the guard is dropped"]
pub struct StreamSlot {
    ip: IpAddr,
    open: Arc<Mutex<OpenStreams>>,
}

impl StreamSlots {
    pub fn new(max_per_ip: u32, max_total: u32) -> Self {
        StreamSlots {
            max_per_ip,
            max_total,
            open: Arc::default(),
        }
    }

    /// Takes a slot for a stream from `ip`, or says which cap is reached.
    pub fn try_acquire(&self, ip: IpAddr) -> Result<StreamSlot, Refusal> {
        let mut open = lock(&self.open);
        if self.max_total != 0 && open.total >= self.max_total as usize {
            return Err(Refusal::Total);
        }
        let from_ip = open.per_ip.entry(ip).or_insert(0);
        if self.max_per_ip != 0 && *from_ip >= self.max_per_ip {
            return Err(Refusal::PerIp);
        }
        *from_ip += 1;
        open.total += 1;
        Ok(StreamSlot {
            ip,
            open: Arc::clone(&self.open),
        })
    }

    /// Streams open right now (for `/metrics`).
    pub fn open(&self) -> usize {
        lock(&self.open).total
    }

    /// Why the global cap can't keep descriptors free for other clients, if it can't.
    pub fn descriptor_warning(&self) -> Option<String> {
        let soft = open_files_soft_limit()?;
        let needed = u64::from(self.max_total) + OTHER_DESCRIPTORS;
        if self.max_total == 0 {
            Some(format!(
                "SANDPIT_MAX_STREAMS=0: job streams are not capped in total, so clients can \
                 use up all {soft} open files this process may have"
            ))
        } else if needed > soft {
            Some(format!(
                "SANDPIT_MAX_STREAMS={} leaves too few of the {soft} open files this process \
                 may have for other connections; raise the limit (LimitNOFILE, ulimit -n) to \
                 at least {needed} or lower SANDPIT_MAX_STREAMS",
                self.max_total
            ))
        } else {
            None
        }
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = lock(&self.open);
        open.total -= 1;
        if let Some(from_ip) = open.per_ip.get_mut(&self.ip) {
            *from_ip -= 1;
            if *from_ip == 0 {
                open.per_ip.remove(&self.ip);
            }
        }
    }
}

/// The counters stay consistent under every critical section (plain
/// arithmetic, nothing that can panic half-way), so a poisoned lock is safe to use.
fn lock(open: &Mutex<OpenStreams>) -> MutexGuard<'_, OpenStreams> {
    open.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The soft `RLIMIT_NOFILE`, read from `/proc` (Linux only; `None` elsewhere or if unlimited).
fn open_files_soft_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_per_ip_cap_counts_each_address_separately() {
        let slots = StreamSlots::new(2, 0);
        let a1 = slots.try_acquire(ip("10.0.0.1")).unwrap();
        let _a2 = slots.try_acquire(ip("10.0.0.1")).unwrap();
        assert_eq!(
            slots.try_acquire(ip("10.0.0.1")).err(),
            Some(Refusal::PerIp)
        );
        let _b1 = slots.try_acquire(ip("10.0.0.2")).unwrap();
        assert_eq!(slots.open(), 3);
        drop(a1);
        assert_eq!(slots.open(), 2);
        let _a3 = slots.try_acquire(ip("10.0.0.1")).unwrap();
    }

    #[test]
    fn the_total_cap_applies_across_addresses() {
        let slots = StreamSlots::new(0, 2);
        let a = slots.try_acquire(ip("10.0.0.1")).unwrap();
        let _b = slots.try_acquire(ip("10.0.0.2")).unwrap();
        assert_eq!(
            slots.try_acquire(ip("10.0.0.3")).err(),
            Some(Refusal::Total)
        );
        drop(a);
        let _c = slots.try_acquire(ip("10.0.0.3")).unwrap();
    }

    #[test]
    fn zero_means_no_cap_and_released_addresses_are_forgotten() {
        let slots = StreamSlots::new(0, 0);
        let held: Vec<StreamSlot> = (0..1000)
            .map(|_| slots.try_acquire(ip("10.0.0.1")).unwrap())
            .collect();
        assert_eq!(slots.open(), 1000);
        drop(held);
        assert_eq!(slots.open(), 0);
        assert!(lock(&slots.open).per_ip.is_empty());
    }

    #[test]
    fn a_slot_is_given_back_when_its_task_panics() {
        let slots = StreamSlots::new(1, 0);
        let slot = slots.try_acquire(ip("10.0.0.1")).unwrap();
        let outcome = std::thread::spawn(move || {
            let _slot = slot;
            panic!("socket task failed");
        })
        .join();
        assert!(outcome.is_err());
        assert_eq!(slots.open(), 0);
        assert!(slots.try_acquire(ip("10.0.0.1")).is_ok());
    }

    #[test]
    fn the_open_files_limit_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(open_files_soft_limit().is_some_and(|n| n > 0));
        }
    }
}
