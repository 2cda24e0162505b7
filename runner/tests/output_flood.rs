//! A program that tries to write 200 MiB is stopped at the output limit, and the
//! runner's memory stays bounded while it does.
//!
//! This is the only test in this binary on purpose: the peak RSS is read with
//! `getrusage(RUSAGE_CHILDREN)`, which covers every child this test process waited
//! for, so no other job may run from this process.

mod common;

use common::{sandbox_available, TestPolicy};
use nix::sys::resource::{getrusage, UsageWho};

const MIB: usize = 1 << 20;

#[test]
fn two_hundred_mib_of_output_ends_with_output_limit_and_bounded_runner_memory() {
    if !sandbox_available() {
        return;
    }
    // 1 MiB output limit (python-basic's), short wall limit.
    let policy = TestPolicy::short();
    let code = r#"
import sys
chunk = b"x" * 65536
for _ in range(200 * 16):
    sys.stdout.buffer.write(chunk)
"#;
    let job = policy.job(code).run();
    job.assert_status("output_limit");
    assert_eq!(job.record["truncated"], true);
    assert_eq!(
        job.stdout().len(),
        MIB,
        "stdout holds exactly the 1 MiB output limit"
    );
    assert!(job.stdout().bytes().all(|b| b == b'x'));
    // The largest of every process this test waited for: the exec process, and below
    // it the helper, the job's init and the program itself.
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).expect("getrusage");
    let peak_kib = usage.max_rss() as usize;
    assert!(
        peak_kib * 1024 < 64 * MIB,
        "peak RSS of the runner's processes was {peak_kib} KiB (limit 64 MiB)"
    );
}
