//! What a job may not do to anything outside itself: see or signal host processes,
//! trace anything, reach the host's network or sockets, build namespaces, reach risky
//! kernel interfaces, or switch ABI. Each denial is asserted by its errno or status.
//!
//! Expected errnos come from `policies/python-basic.toml`: calls in its `[seccomp.deny]`
//! table answer EPERM (mount, umount2, pivot_root, chroot, unshare, setns, ptrace,
//! process_vm_*); calls never allowed and not listed get `default_action`
//! (`errno:ENOSYS`); the sandbox's fixed argument filters answer EPERM for `clone`
//! with namespace flags and EAFNOSUPPORT for other socket families.

mod common;

use common::{marker, sandbox_available, JobRun, PY_HELPERS};
use std::io::Read;
use std::net::{TcpListener, UdpSocket};
use std::os::unix::net::UnixListener;

fn program(body: &str) -> String {
    format!("{PY_HELPERS}\n{body}")
}

#[test]
fn proc_shows_only_the_jobs_own_processes() {
    if !sandbox_available() {
        return;
    }
    let host_pid = std::process::id();
    let code = program(&format!(
        r#"
import os, time
child = os.fork()
if child == 0:
    time.sleep(5)
    os._exit(0)
pids = sorted(int(n) for n in os.listdir("/proc") if n.isdigit())
print("me:", os.getpid())
print("parent:", os.getppid())
print("child:", child)
print("pids:", pids)
probe("host_pid_dir", os.stat, "/proc/{host_pid}")
os.kill(child, 9)
os.waitpid(child, 0)
"#
    ));
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    // The program is PID 2; PID 1 is the job's init.
    job.expect("me", "2");
    job.expect("parent", "1");
    let child: u32 = job.line("child").parse().unwrap();
    let pids = job.line("pids");
    // Only the program and its child are visible (init hides itself, not dumpable).
    let listed: Vec<u32> = pids
        .trim_matches(|c| c == '[' || c == ']')
        .split(", ")
        .map(|n| n.parse().unwrap())
        .collect();
    let mut allowed = vec![1, 2, child];
    allowed.sort();
    assert!(
        listed.iter().all(|p| allowed.contains(p))
            && listed.contains(&2)
            && listed.contains(&child),
        "/proc lists {listed:?}; only the job's own pids {allowed:?} may appear"
    );
    job.expect("host_pid_dir", "FileNotFoundError 2");
}

#[test]
fn killing_pid_1_does_not_end_the_job() {
    if !sandbox_available() {
        return;
    }
    let code = program(
        r#"
import os, signal, time
probe("kill_init", os.kill, 1, signal.SIGKILL)
probe("term_init", os.kill, 1, signal.SIGTERM)
time.sleep(0.2)
print("still_running: yes")
"#,
    );
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    job.expect("still_running", "yes");
}

#[test]
fn host_processes_cannot_be_signalled() {
    if !sandbox_available() {
        return;
    }
    let host_pid = std::process::id();
    let code = program(&format!(
        r#"
import os, signal
probe("kill_test_process", os.kill, {host_pid}, 0)
probe("kill_test_process_9", os.kill, {host_pid}, signal.SIGKILL)
probe("kill_group", os.killpg, {host_pid}, signal.SIGKILL)
"#
    ));
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    job.expect("kill_test_process", "ProcessLookupError 3");
    job.expect("kill_test_process_9", "ProcessLookupError 3");
    job.expect("kill_group", "ProcessLookupError 3");
    // And we are, evidently, still alive.
}

#[test]
fn ptrace_and_process_vm_access_are_refused_with_eperm() {
    if !sandbox_available() {
        return;
    }
    let code = program(
        r#"
import os, time
child = os.fork()
if child == 0:
    time.sleep(5)
    os._exit(0)
PTRACE_TRACEME, PTRACE_ATTACH, PTRACE_SEIZE = 0, 16, 0x4206
raw("ptrace_attach_child", 101, PTRACE_ATTACH, child, 0, 0)
raw("ptrace_seize_child", 101, PTRACE_SEIZE, child, 0, 0)
raw("ptrace_attach_init", 101, PTRACE_ATTACH, 1, 0, 0)
raw("ptrace_traceme", 101, PTRACE_TRACEME, 0, 0, 0)
buf = _ctypes.create_string_buffer(16)
class iovec(_ctypes.Structure):
    _fields_ = [("base", _ctypes.c_void_p), ("len", _ctypes.c_size_t)]
local = iovec(_ctypes.cast(buf, _ctypes.c_void_p), 16)
remote = iovec(_ctypes.cast(buf, _ctypes.c_void_p), 16)
raw("process_vm_readv", 310, child, _ctypes.addressof(local), 1, _ctypes.addressof(remote), 1, 0)
raw("process_vm_writev", 311, child, _ctypes.addressof(local), 1, _ctypes.addressof(remote), 1, 0)
os.kill(child, 9)
os.waitpid(child, 0)
"#,
    );
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    for label in [
        "ptrace_attach_child",
        "ptrace_seize_child",
        "ptrace_attach_init",
        "ptrace_traceme",
        "process_vm_readv",
        "process_vm_writev",
    ] {
        job.expect(label, "-1 EPERM");
    }
}

/// Host listeners of every kind the job might try to reach.
struct HostListeners {
    tcp: TcpListener,
    udp: UdpSocket,
    unix: UnixListener,
    unix_path: std::path::PathBuf,
    abstract_unix: UnixListener,
    abstract_name: String,
    _dir: tempfile::TempDir,
}

impl HostListeners {
    fn open() -> HostListeners {
        use std::os::linux::net::SocketAddrExt;
        let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
        tcp.set_nonblocking(true).unwrap();
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        udp.set_nonblocking(true).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let unix_path = dir.path().join("host.sock");
        let unix = UnixListener::bind(&unix_path).unwrap();
        unix.set_nonblocking(true).unwrap();
        let abstract_name = marker("sandpit-abstract");
        let addr =
            std::os::unix::net::SocketAddr::from_abstract_name(abstract_name.as_bytes()).unwrap();
        let abstract_unix = UnixListener::bind_addr(&addr).unwrap();
        abstract_unix.set_nonblocking(true).unwrap();
        HostListeners {
            tcp,
            udp,
            unix,
            unix_path,
            abstract_unix,
            abstract_name,
            _dir: dir,
        }
    }

    fn assert_untouched(&self) {
        assert_eq!(
            self.tcp.accept().map(|_| ()).unwrap_err().kind(),
            std::io::ErrorKind::WouldBlock,
            "the host TCP listener got a connection"
        );
        let mut buf = [0u8; 64];
        assert_eq!(
            self.udp.recv_from(&mut buf).map(|_| ()).unwrap_err().kind(),
            std::io::ErrorKind::WouldBlock,
            "the host UDP socket got a datagram"
        );
        assert_eq!(
            self.unix.accept().map(|_| ()).unwrap_err().kind(),
            std::io::ErrorKind::WouldBlock,
            "the host unix socket got a connection"
        );
        match self.abstract_unix.accept() {
            Ok((mut s, _)) => {
                let mut got = Vec::new();
                let _ = s.read_to_end(&mut got);
                panic!("the host abstract socket got a connection: {got:?}");
            }
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock),
        }
    }
}

#[test]
fn tcp_to_a_host_loopback_listener_is_denied_by_landlock() {
    if !sandbox_available() {
        return;
    }
    let l = HostListeners::open();
    let port = l.tcp.local_addr().unwrap().port();
    let code = program(&format!(
        r#"
import socket
def tcp(family, host):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect((host, {port}))
    s.sendall(b"escaped")
def tcp_bind():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
probe("tcp4", tcp, socket.AF_INET, "127.0.0.1")
probe("tcp6", tcp, socket.AF_INET6, "::1")
probe("tcp_bind", tcp_bind)
"#
    ));
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    job.expect("tcp4", "PermissionError 13");
    job.expect("tcp6", "PermissionError 13");
    job.expect("tcp_bind", "PermissionError 13");
    l.assert_untouched();
}

#[test]
fn udp_to_a_host_loopback_socket_is_unreachable() {
    if !sandbox_available() {
        return;
    }
    let l = HostListeners::open();
    let port = l.udp.local_addr().unwrap().port();
    let code = program(&format!(
        r#"
import socket
def sendto():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    return s.sendto(b"escaped", ("127.0.0.1", {port}))
def connect_send():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", {port}))
    return s.send(b"escaped")
probe("udp_sendto", sendto)
probe("udp_connect", connect_send)
"#
    ));
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    // The job's network namespace has only a loopback interface, and it is down.
    job.expect("udp_sendto", "OSError 101");
    job.expect("udp_connect", "OSError 101");
    l.assert_untouched();
}

#[test]
fn host_unix_sockets_path_and_abstract_are_unreachable() {
    if !sandbox_available() {
        return;
    }
    let l = HostListeners::open();
    let code = program(&format!(
        r#"
import socket
def connect(addr):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect(addr)
    s.sendall(b"escaped")
probe("unix_path", connect, {path:?})
probe("unix_abstract", connect, "\0" + {name:?})
"#,
        path = l.unix_path.display().to_string(),
        name = l.abstract_name,
    ));
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    // The host path does not exist inside; abstract names are per network namespace,
    // so the host's listener does not exist in the job's.
    job.expect("unix_path", "FileNotFoundError 2");
    job.expect("unix_abstract", "ConnectionRefusedError 111");
    l.assert_untouched();
}

#[test]
fn mount_and_namespace_calls_are_refused_with_eperm() {
    if !sandbox_available() {
        return;
    }
    let code = program(
        r#"
import os
CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000
raw("mount", 165, 0, 0, 0, 0, 0)
raw("umount2", 166, 0, 0)
raw("unshare_user", 272, CLONE_NEWUSER)
raw("unshare_mnt", 272, CLONE_NEWNS)
raw("setns", 308, 0, 0)
raw("pivot_root", 155, 0, 0)
raw("chroot", 161, 0)
probe("os_chroot", os.chroot, "/tmp")
if hasattr(os, "unshare"):
    probe("os_unshare", os.unshare, os.CLONE_NEWUSER)
else:
    print("os_unshare: PermissionError 1")  # Python < 3.12 has no os.unshare
"#,
    );
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    for label in [
        "mount",
        "umount2",
        "unshare_user",
        "unshare_mnt",
        "setns",
        "pivot_root",
        "chroot",
    ] {
        job.expect(label, "-1 EPERM");
    }
    job.expect("os_chroot", "PermissionError 1");
    job.expect("os_unshare", "PermissionError 1");
}

#[test]
fn identity_changes_are_refused_with_eperm() {
    if !sandbox_available() {
        return;
    }
    let code = program(
        r#"
import os
probe("setuid0", os.setuid, 0)
probe("setgid0", os.setgid, 0)
probe("setgroups", os.setgroups, [0])
raw("capset", 126, 0, 0)
"#,
    );
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    job.expect("setuid0", "PermissionError 1");
    job.expect("setgid0", "PermissionError 1");
    job.expect("setgroups", "PermissionError 1");
    job.expect("capset", "-1 EPERM");
}

#[test]
fn risky_kernel_interfaces_answer_enosys() {
    if !sandbox_available() {
        return;
    }
    let code = program(
        r#"
raw("io_uring_setup", 425, 1, 0)
raw("io_uring_enter", 426, 0, 0, 0, 0, 0, 0)
raw("io_uring_register", 427, 0, 0, 0, 0)
raw("bpf", 321, 0, 0, 0)
raw("keyctl", 250, 0, 0, 0, 0, 0)
raw("add_key", 248, 0, 0, 0, 0, 0)
raw("request_key", 249, 0, 0, 0, 0)
raw("userfaultfd", 323, 0)
raw("perf_event_open", 298, 0, 0, -1, -1, 0)
raw("kexec_load", 246, 0, 0, 0, 0)
raw("init_module", 175, 0, 0, 0)
raw("finit_module", 313, -1, 0, 0)
raw("personality", 135, 0x0040000)
raw("memfd_create", 319, 0, 0)
raw("open_tree", 428, 0, 0, 0)
raw("move_mount", 429, 0, 0, 0, 0, 0)
raw("fsopen", 430, 0, 0)
raw("fsmount", 432, 0, 0, 0)
raw("mount_setattr", 442, 0, 0, 0, 0, 0)
raw("open_by_handle_at", 304, 0, 0, 0)
raw("name_to_handle_at", 303, 0, 0, 0, 0, 0)
raw("reboot", 169, 0, 0, 0, 0)
raw("syslog", 103, 0, 0, 0)
raw("mknodat", 259, 0, 0, 0, 0)
raw("modify_ldt", 154, 0, 0, 0)
raw("iopl", 172, 3)
raw("seccomp", 317, 0, 0, 0)
raw("landlock_create_ruleset", 444, 0, 0, 0)
raw("pidfd_getfd", 438, 0, 0, 0)
"#,
    );
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    for label in [
        "io_uring_setup",
        "io_uring_enter",
        "io_uring_register",
        "bpf",
        "keyctl",
        "add_key",
        "request_key",
        "userfaultfd",
        "perf_event_open",
        "kexec_load",
        "init_module",
        "finit_module",
        "personality",
        "memfd_create",
        "open_tree",
        "move_mount",
        "fsopen",
        "fsmount",
        "mount_setattr",
        "open_by_handle_at",
        "name_to_handle_at",
        "reboot",
        "syslog",
        "mknodat",
        "modify_ldt",
        "iopl",
        "seccomp",
        "landlock_create_ruleset",
        "pidfd_getfd",
    ] {
        job.expect(label, "-1 ENOSYS");
    }
}

#[test]
fn prctl_passes_only_to_make_a_process_dumpable() {
    if !sandbox_available() {
        return;
    }
    // prctl (157) is not allowlisted; only PR_SET_DUMPABLE (4) with 1 passes, what
    // exec does for an interpreter anyway. The rest (seccomp, no_new_privs, names,
    // the memory map, undumpable) answer ENOSYS.
    let code = program(
        r#"
raw("dumpable_1", 157, 4, 1)
raw("dumpable_0", 157, 4, 0)
raw("dumpable_1_high_bits", 157, 4, 0x100000001)
raw("get_dumpable", 157, 3)
raw("set_seccomp", 157, 22, 2, 0)
raw("set_no_new_privs", 157, 38, 1)
raw("set_name", 157, 15, 0)
raw("set_mm", 157, 35, 8, 0)
"#,
    );
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    job.expect("dumpable_1", "0 0");
    for label in [
        "dumpable_0",
        "dumpable_1_high_bits",
        "get_dumpable",
        "set_seccomp",
        "set_no_new_privs",
        "set_name",
        "set_mm",
    ] {
        job.expect(label, "-1 ENOSYS");
    }
}

#[test]
fn an_x32_abi_syscall_kills_the_job() {
    if !sandbox_available() {
        return;
    }
    // getpid (39) with the x32 bit: the sandbox kills x32 calls outright (SIGSYS).
    let code = r#"
import ctypes
print("before", flush=True)
ctypes.CDLL(None).syscall(39 | 0x40000000)
print("after", flush=True)
"#;
    let job = JobRun::basic(code).run();
    job.assert_status("killed");
    assert_eq!(
        job.record["signal"].as_i64(),
        Some(31),
        "SIGSYS: {}",
        job.record
    );
    assert_eq!(job.stdout(), "before\n");
}

#[test]
fn clone_with_a_new_user_namespace_is_refused_with_eperm() {
    if !sandbox_available() {
        return;
    }
    let code = program(
        r#"
SIGCHLD = 17
for name, flag in [("newuser", 0x10000000), ("newpid", 0x20000000), ("newnet", 0x40000000), ("newns", 0x00020000)]:
    raw("clone_" + name, 56, flag | SIGCHLD, 0, 0, 0, 0)
raw("clone3", 435, 0, 0)
"#,
    );
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    for label in [
        "clone_newuser",
        "clone_newpid",
        "clone_newnet",
        "clone_newns",
    ] {
        job.expect(label, "-1 EPERM");
    }
    // clone3 cannot be filtered by its flags (they sit in memory), so it is refused
    // as a whole, with ENOSYS so that glibc falls back to clone.
    job.expect("clone3", "-1 ENOSYS");
}

#[test]
fn netlink_and_packet_sockets_are_not_supported() {
    if !sandbox_available() {
        return;
    }
    let code = program(
        r#"
import socket
probe("netlink", socket.socket, socket.AF_NETLINK, socket.SOCK_RAW, 0)
probe("packet", socket.socket, socket.AF_PACKET, socket.SOCK_RAW, 0)
probe("vsock", socket.socket, 40, socket.SOCK_STREAM, 0)
probe("alg", socket.socket, 38, socket.SOCK_SEQPACKET, 0)
"#,
    );
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    for label in ["netlink", "packet", "vsock", "alg"] {
        job.expect(label, "OSError 97");
    }
}

#[test]
fn terminal_injection_ioctl_is_refused() {
    if !sandbox_available() {
        return;
    }
    // TIOCSTI would push characters into a terminal's input; only terminal queries
    // pass the sandbox's ioctl filter. The job's stdio are pipes, where the kernel
    // itself answers ENOTTY to terminal requests, but it would accept FIOASYNC
    // (a generic fd ioctl): that one proves the filter, not the pipe, refused.
    let code = program(
        r#"
ch = _ctypes.c_char(b"x")
raw("tiocsti", 16, 0, 0x5412, _ctypes.addressof(ch))
raw("tiocsctty", 16, 0, 0x540E, 0)
raw("fioasync", 16, 0, 0x5452, 0)
"#,
    );
    let job = JobRun::basic(&code).run();
    job.assert_status("ok");
    for label in ["tiocsti", "tiocsctty", "fioasync"] {
        job.expect(label, "-1 ENOTTY");
    }
}
