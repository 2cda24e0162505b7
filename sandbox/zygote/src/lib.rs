//! `libsandpit_zygote.so`: what a zygote's start-up hook (`_sandpit_zygote` in the kid
//! runtime) calls through `ctypes.PyDLL` (so the interpreter's lock stays held and
//! nothing else runs meanwhile). The work is in `sandpit_sandbox::zygote`; these are
//! its C entry points, each returning -1 on failure.

use sandpit_sandbox::zygote::{self, HELPER_FDS};
use std::ffi::c_int;
use std::os::fd::IntoRawFd;

/// Wait for the runner's next request on `socket_fd` and store the helper's four fds
/// in `fds_out`. -1: the runner went away (or the socket broke); the zygote is done.
///
/// # Safety
/// `fds_out` must point to four writable `int`s.
#[no_mangle]
pub unsafe extern "C" fn sandpit_zygote_receive(socket_fd: c_int, fds_out: *mut c_int) -> c_int {
    match zygote::receive_request(socket_fd) {
        Ok(fds) => {
            for (i, fd) in fds.into_iter().enumerate().take(HELPER_FDS) {
                // SAFETY: the caller guarantees four ints at `fds_out`; i < 4.
                unsafe { *fds_out.add(i) = fd.into_raw_fd() };
            }
            0
        }
        Err(e) => {
            if e.kind() != std::io::ErrorKind::UnexpectedEof {
                eprintln!("sandpit zygote: {e}");
            }
            -1
        }
    }
}

/// Tell the runner the pid of the helper forked for its request.
#[no_mangle]
pub extern "C" fn sandpit_zygote_reply(socket_fd: c_int, pid: c_int) -> c_int {
    match zygote::reply(socket_fd, pid) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("sandpit zygote: {e}");
            -1
        }
    }
}

/// In the forked helper: run the helper protocol on the four fds at `fds` (as
/// `sandpit_zygote_receive` stored them). Returns only in the job's program process,
/// confined, with the fd on which its job's environment arrives.
///
/// # Safety
/// `fds` must point to four readable `int`s.
#[no_mangle]
pub unsafe extern "C" fn sandpit_zygote_helper(fds: *const c_int) -> c_int {
    let mut copy = [-1; HELPER_FDS];
    for (i, fd) in copy.iter_mut().enumerate() {
        // SAFETY: the caller guarantees four ints at `fds`; i < 4.
        *fd = unsafe { *fds.add(i) };
    }
    zygote::become_helper(copy).start_fd
}
