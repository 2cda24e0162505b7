//! Find the real Python interpreter and exactly what of its installation the sandbox
//! must see. Done once per profile when the runner starts (it runs the interpreter on
//! the host once, with `-I -S`, to ask it where it lives).

use serde::{Deserialize, Serialize};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum InterpError {
    #[error("python interpreter `{0}` not found on PATH")]
    NotFound(String),
    #[error("could not run `{path}` to inspect it: {source}")]
    Probe {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("`{path}` did not answer like a CPython 3 interpreter: {detail}")]
    NotPython { path: String, detail: String },
}

/// The interpreter as the sandbox will run it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedInterpreter {
    /// Absolute path exec'd inside the sandbox (same path as on the host).
    pub exec_path: PathBuf,
    /// e.g. "3.11.2".
    pub version: String,
    /// Host paths bound read-only at the same path inside.
    pub binds: Vec<PathBuf>,
    /// Symlinks recreated inside: (link path, link text).
    pub symlinks: Vec<(PathBuf, PathBuf)>,
    /// Directories hidden under an empty read-only tmpfs (the base installation's
    /// site-packages: host packages are not part of the kids' sandbox).
    pub masks: Vec<PathBuf>,
    /// The site-packages directories `site` consults on the host (a warm interpreter
    /// started on the host hides those the sandbox does not show, see `zygote`).
    #[serde(default)]
    pub site_dirs: Vec<PathBuf>,
}

const PROBE: &str = "import sys, sysconfig, json, site; p = sysconfig.get_paths(); \
print(json.dumps({'executable': sys.executable, 'prefix': sys.prefix, 'base_prefix': sys.base_prefix, \
'version': '%d.%d.%d' % sys.version_info[:3], 'stdlib': p['stdlib'], 'platstdlib': p['platstdlib'], \
'site_dirs': site.getsitepackages()}))";

#[derive(Deserialize)]
struct Probe {
    executable: String,
    prefix: String,
    base_prefix: String,
    version: String,
    stdlib: String,
    platstdlib: String,
    site_dirs: Vec<String>,
}

/// Find `python` (absolute path, or a name on PATH) and resolve its installation.
pub fn resolve(python: &Path) -> Result<ResolvedInterpreter, InterpError> {
    resolve_cached(python, None)
}

/// Like [`resolve`], remembering the answer in `cache_dir` (a directory only the
/// runner can write) for as long as the interpreter binary (and a venv's
/// `pyvenv.cfg`) stay the same file: `sandpit-runner exec` then skips running Python
/// on the host at every start. Wrapper scripts (pyenv shims) are never cached, since
/// what they run can change while the script does not.
pub fn resolve_cached(
    python: &Path,
    cache_dir: Option<&Path>,
) -> Result<ResolvedInterpreter, InterpError> {
    let candidate = if python.is_absolute() {
        python.to_path_buf()
    } else {
        find_on_path(python).ok_or_else(|| InterpError::NotFound(python.display().to_string()))?
    };
    let cache = cache_dir.map(|d| {
        d.join(format!(
            "interp-v2-{:016x}.json",
            fnv1a(candidate.as_os_str().as_encoded_bytes())
        ))
    });
    if let Some(hit) = cache.as_deref().and_then(|f| cached(f, &candidate)) {
        return Ok(hit);
    }
    let resolved = probe_and_plan(&candidate)?;
    if let (Some(file), Some(print)) = (cache, fingerprint(&candidate, &resolved.exec_path)) {
        let entry = CacheEntry {
            candidate: candidate.clone(),
            fingerprint: print,
            resolved: resolved.clone(),
        };
        if let Ok(json) = serde_json::to_vec(&entry) {
            let _ = write_private(&file, &json); // a cache: failing to write it is harmless
        }
    }
    Ok(resolved)
}

#[derive(Serialize, Deserialize)]
struct CacheEntry {
    candidate: PathBuf,
    fingerprint: Vec<u64>,
    resolved: ResolvedInterpreter,
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Identity of the interpreter file (and of a venv's config), or `None` when the
/// candidate is not the interpreter itself (a wrapper script).
fn fingerprint(candidate: &Path, exec_path: &Path) -> Option<Vec<u64>> {
    use std::os::unix::fs::MetadataExt;
    let real = std::fs::canonicalize(exec_path).ok()?;
    if std::fs::canonicalize(candidate).ok()? != real {
        return None;
    }
    let m = std::fs::metadata(&real).ok()?;
    let mut print = vec![
        m.dev(),
        m.ino(),
        m.size(),
        m.mtime() as u64,
        m.mtime_nsec() as u64,
    ];
    if let Some(cfg) = venv_of(exec_path).map(|v| v.join("pyvenv.cfg")) {
        let c = std::fs::metadata(cfg).ok()?;
        print.extend([c.ino(), c.mtime() as u64, c.mtime_nsec() as u64]);
    }
    Some(print)
}

fn cached(file: &Path, candidate: &Path) -> Option<ResolvedInterpreter> {
    let entry: CacheEntry = serde_json::from_slice(&std::fs::read(file).ok()?).ok()?;
    let same = entry.candidate == candidate
        && fingerprint(candidate, &entry.resolved.exec_path).as_ref() == Some(&entry.fingerprint);
    same.then_some(entry.resolved)
}

fn write_private(file: &Path, data: &[u8]) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let dir = file.parent().unwrap_or(Path::new("/"));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let tmp = file.with_extension(format!("tmp{}", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&tmp)?;
    f.write_all(data)?;
    std::fs::rename(&tmp, file)
}

fn probe_and_plan(candidate: &Path) -> Result<ResolvedInterpreter, InterpError> {
    let shown = candidate.display().to_string();
    let out = Command::new(candidate)
        .args(["-I", "-S", "-c", PROBE])
        .env_clear()
        .output()
        .map_err(|source| InterpError::Probe {
            path: shown.clone(),
            source,
        })?;
    if !out.status.success() {
        return Err(InterpError::NotPython {
            path: shown,
            detail: String::from_utf8_lossy(&out.stderr)
                .chars()
                .take(300)
                .collect(),
        });
    }
    let probe: Probe = serde_json::from_slice(&out.stdout).map_err(|e| InterpError::NotPython {
        path: shown.clone(),
        detail: e.to_string(),
    })?;
    if !probe.version.starts_with('3') {
        return Err(InterpError::NotPython {
            path: shown,
            detail: format!("version {}", probe.version),
        });
    }
    // `sys.executable` is the real interpreter even when `candidate` was a wrapper
    // script (a pyenv shim), and keeps a venv's own path (so pyvenv.cfg is found).
    let exec_path = PathBuf::from(&probe.executable);
    plan(&exec_path, &probe).map_err(|source| InterpError::Probe {
        path: shown,
        source,
    })
}

fn find_on_path(name: &Path) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The venv an executable belongs to: CPython looks for `pyvenv.cfg` beside the
/// executable or one directory up. (The probe runs with `-S`, so that no `.pth` file
/// of the installation runs on the host; then Python itself does not report the venv.)
fn venv_of(exec_path: &Path) -> Option<PathBuf> {
    let bin = exec_path.parent()?;
    [bin, bin.parent()?]
        .into_iter()
        .find(|d| d.join("pyvenv.cfg").is_file())
        .map(Path::to_path_buf)
}

/// Paths the sandbox puts its own mounts on: an interpreter there would be hidden.
const SHADOWED: &[&str] = &["/tmp", "/work", "/dev", "/proc", "/sandpit"];

fn plan(exec_path: &Path, probe: &Probe) -> io::Result<ResolvedInterpreter> {
    let mut binds: Vec<PathBuf> = Vec::new();
    let base = PathBuf::from(&probe.base_prefix);
    let prefix = venv_of(exec_path).unwrap_or_else(|| PathBuf::from(&probe.prefix));
    if base == Path::new("/usr") || base == Path::new("/usr/local") {
        // A distribution Python: its stdlib only; system libraries come from the policy.
        binds.push(PathBuf::from(&probe.stdlib));
        binds.push(PathBuf::from(&probe.platstdlib));
    } else {
        // A self-contained install (pyenv, /opt/python...): its lib dir holds the stdlib
        // and libpython.
        binds.push(base.join("lib"));
    }
    if prefix != base {
        binds.push(prefix.clone()); // a venv: its own site-packages are wanted
    }
    // Follow the exec path's symlink chain: recreate each link, bind the final file.
    let mut symlinks = Vec::new();
    let mut p = exec_path.to_path_buf();
    for _ in 0..16 {
        let meta = std::fs::symlink_metadata(&p)?;
        if !meta.file_type().is_symlink() {
            break;
        }
        let text = std::fs::read_link(&p)?;
        let next = normalize(&p.parent().unwrap_or(Path::new("/")).join(&text));
        symlinks.push((p.clone(), text));
        p = next;
    }
    binds.push(p);
    binds.sort();
    binds.dedup();
    if let Some(b) = binds
        .iter()
        .find(|b| SHADOWED.iter().any(|s| b.starts_with(s)))
    {
        return Err(io::Error::other(format!(
            "{} lies under a directory the sandbox mounts its own filesystem on ({}); install the interpreter elsewhere (e.g. /opt)",
            b.display(),
            SHADOWED.join(", ")
        )));
    }
    // Drop binds already inside another bind.
    let all = binds.clone();
    binds.retain(|b| !all.iter().any(|o| o != b && b.starts_with(o)));
    symlinks.retain(|(l, _)| !binds.iter().any(|b| l.starts_with(b)));
    let site = PathBuf::from(&probe.stdlib).join("site-packages");
    // The stdlib's own site-packages always belongs to the base installation (a
    // venv keeps its packages under its prefix, bound above).
    let masks = if site.is_dir() { vec![site] } else { vec![] };
    Ok(ResolvedInterpreter {
        exec_path: exec_path.to_path_buf(),
        version: probe.version.clone(),
        binds,
        symlinks,
        masks,
        site_dirs: probe.site_dirs.iter().map(PathBuf::from).collect(),
    })
}

/// Lexically normalise an absolute path (`a/b/../c` → `a/c`), no filesystem access.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_python_binds_its_stdlib_and_real_binary_and_recreates_the_link() {
        let r = resolve(Path::new("/usr/bin/python3")).unwrap();
        assert_eq!(r.exec_path, PathBuf::from("/usr/bin/python3"));
        assert!(
            r.binds
                .iter()
                .any(|b| b.to_string_lossy().starts_with("/usr/lib/python3.")),
            "{r:?}"
        );
        assert!(r.binds.iter().any(|b| b
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("python3.")));
        assert_eq!(r.symlinks.len(), 1, "{r:?}");
        assert!(
            !r.binds.iter().any(|b| b == Path::new("/usr")),
            "never all of /usr"
        );
    }

    #[test]
    fn a_cached_resolution_is_used_while_the_binary_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let first = resolve_cached(Path::new("/usr/bin/python3"), Some(dir.path())).unwrap();
        let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(files.len(), 1, "one cache entry written");
        assert_eq!(
            resolve_cached(Path::new("/usr/bin/python3"), Some(dir.path())).unwrap(),
            first
        );
        // A changed fingerprint is a miss (the entry is rebuilt, not trusted).
        let f = files[0].path();
        let mut entry: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        entry["resolved"]["version"] = "9.9.9".into();
        entry["fingerprint"][0] = 1.into();
        std::fs::write(&f, serde_json::to_vec(&entry).unwrap()).unwrap();
        assert_eq!(
            resolve_cached(Path::new("/usr/bin/python3"), Some(dir.path())).unwrap(),
            first
        );
    }

    #[test]
    fn normalize_is_lexical() {
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
    }
}
