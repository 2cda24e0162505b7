//! Runners that have called in recently: for `/metrics` and for the profile
//! names they announce.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Upper bound on remembered runners, so made-up ids can't grow the map.
const MAX_RUNNERS: usize = 4096;

#[derive(Debug, Clone)]
struct Seen {
    profiles: Vec<String>,
    at: Instant,
}

/// Runner id → last contact.
pub struct RunnerRegistry {
    /// A runner counts as connected if seen within this window.
    window: Duration,
    seen: Mutex<HashMap<String, Seen>>,
}

impl RunnerRegistry {
    pub fn new(window: Duration) -> Self {
        RunnerRegistry {
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Seen>> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a claim: the runner introduces itself.
    pub fn announce(&self, runner_id: &str, hostname: &str, profiles: &[String]) {
        let now = Instant::now();
        let mut seen = self.lock();
        if seen.len() >= MAX_RUNNERS && !seen.contains_key(runner_id) {
            let window = self.window;
            seen.retain(|_, s| now.duration_since(s.at) < window);
            if seen.len() >= MAX_RUNNERS {
                return;
            }
        }
        let previous = seen.insert(
            runner_id.to_owned(),
            Seen {
                profiles: profiles.to_vec(),
                at: now,
            },
        );
        let newly_connected = match previous {
            None => true,
            Some(p) => now.duration_since(p.at) >= self.window,
        };
        if newly_connected {
            tracing::info!(
                runner = runner_id,
                host = hostname,
                ?profiles,
                "runner connected"
            );
        }
    }

    /// Records any other call from a known runner.
    pub fn touch(&self, runner_id: &str) {
        if let Some(s) = self.lock().get_mut(runner_id) {
            s.at = Instant::now();
        }
    }

    /// Runners seen within the window.
    pub fn connected(&self) -> usize {
        let now = Instant::now();
        self.lock()
            .values()
            .filter(|s| now.duration_since(s.at) < self.window)
            .count()
    }

    /// Profiles announced by connected runners.
    pub fn profiles(&self) -> BTreeSet<String> {
        let now = Instant::now();
        self.lock()
            .values()
            .filter(|s| now.duration_since(s.at) < self.window)
            .flat_map(|s| s.profiles.iter().cloned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announced_runners_count_as_connected_with_their_profiles() {
        let reg = RunnerRegistry::new(Duration::from_secs(60));
        assert_eq!(reg.connected(), 0);
        reg.announce("r1", "host-a", &["python-basic".into()]);
        reg.announce("r2", "host-b", &["python-turtle".into()]);
        reg.touch("r1");
        assert_eq!(reg.connected(), 2);
        assert!(reg.profiles().contains("python-turtle"));
    }

    #[test]
    fn runners_fall_out_of_the_window() {
        let reg = RunnerRegistry::new(Duration::ZERO);
        reg.announce("r1", "host-a", &[]);
        assert_eq!(reg.connected(), 0);
    }
}
