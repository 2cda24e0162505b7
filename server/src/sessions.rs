//! Session memory: files that persist between a kid's runs.
//!
//! Layout under `MEMORY_STORE_DIR`:
//!
//! ```text
//! <session-id>/last-used            mtime = last use, for expiry
//! <session-id>/files/f-<hex(name)>  one file per stored name
//! <session-id>/tmp-<random>         a write in progress (renamed into files/)
//! ```
//!
//! The on-disk name is the hex of the checked file name, so no client
//! string ever becomes a path, and the session id is checked to be a plain
//! `[A-Za-z0-9_-]` name before it gets here. Only the server writes in this
//! tree, and it only creates regular files.

use std::fs;
use std::io::{self, ErrorKind};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::names::{self, check_file_name};
use crate::store::JobFile;

/// Limits per session (uploads and files a run leaves behind alike).
#[derive(Debug, Clone, Copy)]
pub struct SessionQuota {
    pub max_files: usize,
    pub max_file_bytes: usize,
    pub max_total_bytes: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("a session can hold at most {0} files")]
    TooManyFiles(usize),
    #[error("a session file can be at most {0} bytes")]
    FileTooLarge(usize),
    #[error("a session can hold at most {0} bytes in total")]
    Full(usize),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// One stored file, as listed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SessionFile {
    pub name: String,
    pub size: u64,
    /// Last change, unix milliseconds.
    #[serde(rename = "modifiedMs")]
    pub modified_ms: u64,
}

pub struct SessionStore {
    root: PathBuf,
    quota: SessionQuota,
    /// Serialises quota check + write so two uploads can't both squeeze in.
    writes: Mutex<()>,
}

impl SessionStore {
    pub fn new(root: PathBuf, quota: SessionQuota) -> Self {
        SessionStore {
            root,
            quota,
            writes: Mutex::new(()),
        }
    }

    pub fn quota(&self) -> SessionQuota {
        self.quota
    }

    fn session_dir(&self, session: &str) -> PathBuf {
        debug_assert!(names::is_session_id(session));
        self.root.join(session)
    }

    fn file_path(&self, session: &str, name: &str) -> PathBuf {
        self.session_dir(session)
            .join("files")
            .join(format!("f-{}", hex(name.as_bytes())))
    }

    /// Files of a session, sorted by name; an unknown session has none.
    pub fn list(&self, session: &str) -> io::Result<Vec<SessionFile>> {
        let dir = self.session_dir(session).join("files");
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry?;
            let Some(name) = stored_name(&entry.file_name().to_string_lossy()) else {
                continue;
            };
            let meta = entry.metadata()?; // does not follow links
            if !meta.is_file() {
                continue;
            }
            files.push(SessionFile {
                name,
                size: meta.len(),
                modified_ms: millis(meta.modified().unwrap_or(UNIX_EPOCH)),
            });
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(files)
    }

    pub fn read(&self, session: &str, name: &str) -> io::Result<Option<Vec<u8>>> {
        match fs::read(self.file_path(session, name)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every file of the session, for a job's work directory.
    pub fn snapshot(&self, session: &str) -> io::Result<Vec<JobFile>> {
        let mut files = Vec::new();
        for f in self.list(session)? {
            if let Some(content) = self.read(session, &f.name)? {
                files.push(JobFile {
                    name: f.name,
                    content,
                });
            }
        }
        Ok(files)
    }

    /// Stores (or replaces) one file within the quota.
    pub fn put(&self, session: &str, name: &str, content: &[u8]) -> Result<(), SessionError> {
        let _guard = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        self.put_locked(session, name, content)
    }

    fn put_locked(&self, session: &str, name: &str, content: &[u8]) -> Result<(), SessionError> {
        let q = self.quota;
        if content.len() > q.max_file_bytes {
            return Err(SessionError::FileTooLarge(q.max_file_bytes));
        }
        let others: Vec<SessionFile> = self
            .list(session)?
            .into_iter()
            .filter(|f| f.name != name)
            .collect();
        if others.len() + 1 > q.max_files {
            return Err(SessionError::TooManyFiles(q.max_files));
        }
        let total: u64 = others.iter().map(|f| f.size).sum::<u64>() + content.len() as u64;
        if total > q.max_total_bytes as u64 {
            return Err(SessionError::Full(q.max_total_bytes));
        }
        let dir = self.session_dir(session);
        fs::create_dir_all(dir.join("files"))?;
        let tmp = dir.join(format!("tmp-{}", names::new_id()));
        fs::write(&tmp, content)?;
        // rename is atomic: readers see the old or the new file, never half.
        if let Err(e) = fs::rename(&tmp, self.file_path(session, name)) {
            let _ = fs::remove_file(&tmp);
            return Err(e.into());
        }
        self.touch(session)?;
        Ok(())
    }

    /// Deletes one file; false when it didn't exist.
    pub fn delete(&self, session: &str, name: &str) -> io::Result<bool> {
        let _guard = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        match fs::remove_file(self.file_path(session, name)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Stores the files a run left in its work directory. Each file is
    /// checked again (name, size, quota); those refused are returned with
    /// the reason and the rest are kept, so one stray file can't cost the
    /// kid their high score. Files the run didn't return are left as they are.
    pub fn store_outputs(&self, session: &str, files: &[JobFile]) -> Vec<(String, String)> {
        let _guard = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        let mut refused = Vec::new();
        for file in files {
            if let Err(e) = check_file_name(&file.name) {
                refused.push((file.name.clone(), e.to_string()));
                continue;
            }
            if self.read(session, &file.name).ok().flatten().as_deref() == Some(&file.content[..]) {
                continue; // unchanged: don't rewrite it
            }
            if let Err(e) = self.put_locked(session, &file.name, &file.content) {
                refused.push((file.name.clone(), e.to_string()));
            }
        }
        refused
    }

    /// Marks the session as used now (only if it exists).
    pub fn touch(&self, session: &str) -> io::Result<()> {
        let dir = self.session_dir(session);
        if !dir.is_dir() {
            return Ok(());
        }
        let marker = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("last-used"))?;
        marker.set_modified(SystemTime::now())
    }

    /// Deletes sessions unused for `idle`; returns how many.
    pub fn sweep_expired(&self, idle: Duration, now: SystemTime) -> io::Result<usize> {
        let _guard = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        let entries = match fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        let mut removed = 0;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            if !names::is_session_id(&name.to_string_lossy()) || !entry.file_type()?.is_dir() {
                continue;
            }
            let dir = entry.path();
            let last_used = fs::symlink_metadata(dir.join("last-used"))
                .or_else(|_| entry.metadata())
                .and_then(|m| m.modified())
                .unwrap_or(UNIX_EPOCH);
            if now.duration_since(last_used).unwrap_or_default() >= idle {
                // remove_dir_all does not follow symbolic links.
                fs::remove_dir_all(&dir)?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The file name behind an on-disk `f-<hex>` name, if it is one.
fn stored_name(disk_name: &str) -> Option<String> {
    let hex = disk_name.strip_prefix("f-")?;
    if hex.len() % 2 != 0 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    let name = String::from_utf8(bytes?).ok()?;
    check_file_name(&name).is_ok().then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(dir: &std::path::Path) -> SessionStore {
        SessionStore::new(
            dir.to_path_buf(),
            SessionQuota {
                max_files: 3,
                max_file_bytes: 10,
                max_total_bytes: 15,
            },
        )
    }

    #[test]
    fn files_round_trip_under_server_chosen_names() {
        let tmp = tempfile::tempdir().unwrap();
        let s = store(tmp.path());
        s.put("session-1", "分数.txt", b"42").unwrap();
        assert_eq!(s.read("session-1", "分数.txt").unwrap().unwrap(), b"42");
        let listed = s.list("session-1").unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].name.as_str(), listed[0].size), ("分数.txt", 2));
        let on_disk: Vec<String> = fs::read_dir(tmp.path().join("session-1/files"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(on_disk, vec![format!("f-{}", hex("分数.txt".as_bytes()))]);
        assert!(s.delete("session-1", "分数.txt").unwrap());
        assert!(!s.delete("session-1", "分数.txt").unwrap());
        assert!(s.list("no-such-session").unwrap().is_empty());
    }

    #[test]
    fn quota_limits_size_count_and_total() {
        let tmp = tempfile::tempdir().unwrap();
        let s = store(tmp.path());
        assert!(matches!(
            s.put("session-1", "a", &[0; 11]),
            Err(SessionError::FileTooLarge(10))
        ));
        s.put("session-1", "a", &[0; 10]).unwrap();
        assert!(matches!(
            s.put("session-1", "b", &[0; 6]),
            Err(SessionError::Full(15))
        ));
        s.put("session-1", "a", &[0; 5]).unwrap(); // replacing counts only the new size
        s.put("session-1", "b", &[0; 5]).unwrap();
        s.put("session-1", "c", &[0; 1]).unwrap();
        assert!(matches!(
            s.put("session-1", "d", &[0; 1]),
            Err(SessionError::TooManyFiles(3))
        ));
    }

    #[test]
    fn outputs_are_rechecked_and_the_rest_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let s = store(tmp.path());
        let refused = s.store_outputs(
            "session-1",
            &[
                JobFile {
                    name: "../evil".into(),
                    content: b"x".to_vec(),
                },
                JobFile {
                    name: "score".into(),
                    content: b"99".to_vec(),
                },
                JobFile {
                    name: "big".into(),
                    content: vec![0; 11],
                },
            ],
        );
        let refused_names: Vec<&str> = refused.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(refused_names, vec!["../evil", "big"]);
        assert_eq!(s.read("session-1", "score").unwrap().unwrap(), b"99");
        assert!(!tmp.path().join("evil").exists());
    }

    #[test]
    fn idle_sessions_are_swept_and_used_ones_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let s = store(tmp.path());
        s.put("old-session", "a", b"1").unwrap();
        s.put("new-session", "a", b"1").unwrap();
        let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
        fs::File::options()
            .write(true)
            .open(tmp.path().join("old-session/last-used"))
            .unwrap()
            .set_modified(an_hour_ago)
            .unwrap();
        let removed = s
            .sweep_expired(Duration::from_secs(1800), SystemTime::now())
            .unwrap();
        assert_eq!(removed, 1);
        assert!(s.list("old-session").unwrap().is_empty());
        assert_eq!(s.list("new-session").unwrap().len(), 1);
    }
}
