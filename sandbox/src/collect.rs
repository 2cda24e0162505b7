//! Session memory: the files a program leaves in its work dir.
//!
//! Collected *inside* the sandbox by the job's init, after every other process of the
//! job is dead, under the job's own Landlock and seccomp rules: only top-level regular
//! files, opened with O_NOFOLLOW and checked with fstat on the open fd, within the
//! quota. The host never walks the job's tree (a planted symlink can't point it
//! anywhere). Records go to the parent on a pipe: `[name_len u16][name][len u32][data]`.

use crate::spec::{valid_file_name, CollectQuota, PROGRAM_NAME};
use std::io::Read;
use std::os::fd::RawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

fn write_all(fd: RawFd, mut buf: &[u8]) -> bool {
    while !buf.is_empty() {
        // SAFETY: writing from a live slice to an fd owned by this process.
        let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
        if n <= 0 {
            return false;
        }
        buf = &buf[n as usize..];
    }
    true
}

/// Inside the sandbox: send the work dir's top-level regular files.
pub fn send_work_files(work_dir: &Path, q: CollectQuota, fd: RawFd) {
    let Ok(entries) = std::fs::read_dir(work_dir) else {
        return;
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n != PROGRAM_NAME && valid_file_name(n))
        .collect();
    names.sort();
    let (mut count, mut total) = (0usize, 0u64);
    for name in names {
        if count >= q.max_files {
            break;
        }
        let Ok(mut f) = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(work_dir.join(&name))
        else {
            continue;
        };
        let Ok(meta) = f.metadata() else { continue };
        if !meta.is_file()
            || meta.len() > q.max_file_bytes
            || total + meta.len() > q.max_total_bytes
        {
            continue;
        }
        let mut data = Vec::with_capacity(meta.len() as usize);
        if (&mut f)
            .take(q.max_file_bytes + 1)
            .read_to_end(&mut data)
            .is_err()
            || data.len() as u64 > q.max_file_bytes
        {
            continue;
        }
        let mut rec = Vec::with_capacity(6 + name.len() + data.len());
        rec.extend_from_slice(&(name.len() as u16).to_le_bytes());
        rec.extend_from_slice(name.as_bytes());
        rec.extend_from_slice(&(data.len() as u32).to_le_bytes());
        rec.extend_from_slice(&data);
        if !write_all(fd, &rec) {
            return;
        }
        count += 1;
        total += data.len() as u64;
    }
}

/// Parent side: split the collected stream into (name, data), re-checking names and
/// the quota (the stream comes from inside the sandbox, so it is untrusted).
pub fn parse_collected(mut buf: &[u8], q: CollectQuota) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut total = 0u64;
    while buf.len() >= 2 && out.len() < q.max_files {
        let n = u16::from_le_bytes([buf[0], buf[1]]) as usize;
        let Some(name) = buf.get(2..2 + n).and_then(|b| std::str::from_utf8(b).ok()) else {
            break;
        };
        let Some(lenb) = buf.get(2 + n..6 + n) else {
            break;
        };
        let len = u32::from_le_bytes([lenb[0], lenb[1], lenb[2], lenb[3]]) as usize;
        let Some(data) = buf.get(6 + n..6 + n + len) else {
            break;
        };
        total += len as u64;
        if !valid_file_name(name) || len as u64 > q.max_file_bytes || total > q.max_total_bytes {
            break;
        }
        out.push((name.to_string(), data.to_vec()));
        buf = &buf[6 + n + len..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q: CollectQuota = CollectQuota {
        max_files: 2,
        max_file_bytes: 10,
        max_total_bytes: 15,
    };

    fn rec(name: &str, data: &[u8]) -> Vec<u8> {
        let mut v = (name.len() as u16).to_le_bytes().to_vec();
        v.extend_from_slice(name.as_bytes());
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn parent_rechecks_names_and_quota() {
        let mut s = rec("a.txt", b"12345");
        s.extend(rec("b.txt", b"123"));
        s.extend(rec("c.txt", b"1"));
        assert_eq!(parse_collected(&s, Q).len(), 2, "count quota");
        assert!(
            parse_collected(&rec("../x", b"1"), Q).is_empty(),
            "bad name"
        );
        assert!(
            parse_collected(&rec("big", &[0; 11]), Q).is_empty(),
            "size quota"
        );
        let truncated = &rec("a", b"12345")[..8];
        assert!(parse_collected(truncated, Q).is_empty(), "truncated record");
    }

    #[test]
    fn inside_sender_skips_links_dirs_and_the_program() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.py"), "print()").unwrap();
        std::fs::write(dir.path().join("score.txt"), "42").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("link")).unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let (r, w) = nix::unistd::pipe().unwrap();
        use std::os::fd::AsRawFd;
        send_work_files(dir.path(), Q, w.as_raw_fd());
        drop(w);
        let mut got = Vec::new();
        std::fs::File::from(r).read_to_end(&mut got).unwrap();
        assert_eq!(
            parse_collected(&got, Q),
            vec![("score.txt".to_string(), b"42".to_vec())]
        );
    }
}
