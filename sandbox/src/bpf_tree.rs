//! The seccomp allowlist as a binary search over syscall numbers.
//!
//! seccompiler lays a filter out as one comparison per syscall, in a row: a call
//! listed last, or not listed at all, walks every comparison. The kernel runs that
//! walk for each of the ~460 syscall numbers when the filter is installed (to learn
//! which calls it may allow without running the filter at all), and compiles every
//! instruction: with ~200 listed calls, about 0.4 ms per job, the largest cost of
//! confining a job's init. This program decides the same thing in ~8 comparisons:
//! the syscall numbers are cut into runs with the same verdict, found by a binary
//! search. seccompiler still builds the small programs of specific denials; and a
//! test checks this program against seccompiler's for every syscall number.
//!
//! Every instruction here is a classic-BPF seccomp instruction the kernel's filter
//! checker accepts, and every jump goes forward (the checker rejects anything else).

use seccompiler::sock_filter;

const BPF_LD_W_ABS: u16 = 0x20;
const BPF_JMP_JA: u16 = 0x05;
const BPF_JMP_JEQ_K: u16 = 0x15;
const BPF_JMP_JGE_K: u16 = 0x35;
const BPF_JMP_JSET_K: u16 = 0x45;
const BPF_RET_K: u16 = 0x06;

const SECCOMP_DATA_NR: u32 = 0;
const SECCOMP_DATA_ARCH: u32 = 4;
const SECCOMP_DATA_ARGS: u32 = 16;
pub const AUDIT_ARCH_X86_64: u32 = 0xC000_003E;
pub const SECCOMP_RET_KILL_PROCESS: u32 = 0x8000_0000;
pub const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;

/// What the program answers for one syscall number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Return this action (ALLOW, or the policy's default for unlisted calls).
    Return(u32),
    /// Allow only when every (argument, value) pair matches, else `otherwise`.
    /// `Dword` compares the low 32 bits of the argument, `Qword` all 64.
    ArgsEqual {
        checks: Vec<ArgCheck>,
        otherwise: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgCheck {
    Dword { arg: u8, value: u32 },
    Qword { arg: u8, value: u64 },
}

fn stmt(code: u16, k: u32) -> sock_filter {
    sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

/// The program: other architectures are killed (as seccompiler's are), then the
/// syscall number is looked up in `runs`, which starts at syscall 0 and holds
/// (first number, verdict) in ascending order; each run lasts until the next one.
pub fn program(runs: &[(u32, Verdict)]) -> Vec<sock_filter> {
    assert!(
        runs.first().is_some_and(|(n, _)| *n == 0),
        "runs must start at syscall 0"
    );
    assert!(runs.windows(2).all(|w| w[0].0 < w[1].0), "runs must ascend");
    let mut out = vec![
        stmt(BPF_LD_W_ABS, SECCOMP_DATA_ARCH),
        jump(BPF_JMP_JEQ_K, AUDIT_ARCH_X86_64, 1, 0),
        stmt(BPF_RET_K, SECCOMP_RET_KILL_PROCESS),
        stmt(BPF_LD_W_ABS, SECCOMP_DATA_NR),
    ];
    search(runs, &mut out);
    out
}

/// Emit the search over `runs` (the accumulator holds the syscall number).
fn search(runs: &[(u32, Verdict)], out: &mut Vec<sock_filter>) {
    if let [(_, verdict)] = runs {
        leaf(verdict, out);
        return;
    }
    let mid = runs.len() / 2;
    let (below, from) = runs.split_at(mid);
    // nr >= first of the upper half? Then the `ja` over the lower half, else skip it.
    out.push(jump(BPF_JMP_JGE_K, from[0].0, 0, 1));
    let ja_at = out.len();
    out.push(stmt(BPF_JMP_JA, 0));
    search(below, out);
    out[ja_at].k = (out.len() - ja_at - 1) as u32;
    search(from, out);
}

fn leaf(verdict: &Verdict, out: &mut Vec<sock_filter>) {
    match verdict {
        Verdict::Return(action) => out.push(stmt(BPF_RET_K, *action)),
        Verdict::ArgsEqual { checks, otherwise } => {
            // Each word compared: a load and a jump that, on a mismatch, skips ahead
            // to the final `ret otherwise`. The accumulator then holds an argument,
            // which is fine: this leaf ends in a return either way.
            let words: Vec<(u32, u32)> = checks
                .iter()
                .flat_map(|c| match *c {
                    ArgCheck::Dword { arg, value } => vec![(arg_offset(arg), value)],
                    ArgCheck::Qword { arg, value } => vec![
                        (arg_offset(arg), value as u32),
                        (arg_offset(arg) + 4, (value >> 32) as u32),
                    ],
                })
                .collect();
            for (i, (offset, value)) in words.iter().enumerate() {
                let left = words.len() - i - 1; // word checks after this one
                let to_otherwise = u8::try_from(2 * left + 1).expect("few argument checks");
                out.push(stmt(BPF_LD_W_ABS, *offset));
                out.push(jump(BPF_JMP_JEQ_K, *value, 0, to_otherwise));
            }
            out.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
            out.push(stmt(BPF_RET_K, *otherwise));
        }
    }
}

/// x32 calls have bit 30 set in the syscall number (they share x86-64's arch value,
/// so the arch check above lets them through): this program kills them outright.
pub fn x32_killer() -> Vec<sock_filter> {
    vec![
        stmt(BPF_LD_W_ABS, SECCOMP_DATA_ARCH),
        jump(BPF_JMP_JEQ_K, AUDIT_ARCH_X86_64, 1, 0), // x86-64 → go on
        stmt(BPF_RET_K, SECCOMP_RET_KILL_PROCESS),    // other arch → kill
        stmt(BPF_LD_W_ABS, SECCOMP_DATA_NR),
        jump(BPF_JMP_JSET_K, 0x4000_0000, 0, 1), // x32 bit set?
        stmt(BPF_RET_K, SECCOMP_RET_KILL_PROCESS),
        stmt(BPF_RET_K, SECCOMP_RET_ALLOW),
    ]
}

/// Offset of argument `arg`'s low word in `struct seccomp_data` (little endian).
fn arg_offset(arg: u8) -> u32 {
    assert!(arg < 6, "syscalls have six arguments");
    SECCOMP_DATA_ARGS + 8 * u32::from(arg)
}

/// A classic-BPF interpreter for the instructions seccomp filters use, to check
/// programs against each other in tests (the kernel is the one that runs them).
#[cfg(test)]
pub mod interpret {
    use seccompiler::sock_filter;

    /// `struct seccomp_data` for one call.
    pub struct Call {
        pub nr: u32,
        pub arch: u32,
        pub args: [u64; 6],
    }

    fn word(call: &Call, offset: u32) -> u32 {
        match offset {
            0 => call.nr,
            4 => call.arch,
            16..=63 if offset.is_multiple_of(4) => {
                let arg = call.args[((offset - 16) / 8) as usize];
                if (offset - 16).is_multiple_of(8) {
                    arg as u32
                } else {
                    (arg >> 32) as u32
                }
            }
            _ => panic!("load from offset {offset}"),
        }
    }

    /// The action `program` returns for `call`.
    pub fn run(program: &[sock_filter], call: &Call) -> u32 {
        let (mut pc, mut acc) = (0usize, 0u32);
        loop {
            let i = &program[pc];
            let cond = |taken: bool| if taken { i.jt } else { i.jf } as usize;
            pc += 1 + match i.code {
                0x20 => {
                    acc = word(call, i.k);
                    0
                }
                0x54 => {
                    acc &= i.k;
                    0
                }
                0x05 => i.k as usize,
                0x15 => cond(acc == i.k),
                0x25 => cond(acc > i.k),
                0x35 => cond(acc >= i.k),
                0x45 => cond(acc & i.k != 0),
                0x06 => return i.k,
                other => panic!("instruction {other:#x} at {}", pc),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::interpret::{run, Call};
    use super::*;

    fn call(nr: u32, args: [u64; 6]) -> Call {
        Call {
            nr,
            arch: AUDIT_ARCH_X86_64,
            args,
        }
    }

    #[test]
    fn the_x32_killer_kills_x32_calls_and_other_architectures_only() {
        let p = x32_killer();
        assert_eq!(run(&p, &call(1, [0; 6])), SECCOMP_RET_ALLOW);
        assert_eq!(
            run(&p, &call(0x4000_0001, [0; 6])),
            SECCOMP_RET_KILL_PROCESS
        );
        let i386 = Call {
            nr: 1,
            arch: 0x4000_0003,
            args: [0; 6],
        };
        assert_eq!(run(&p, &i386), SECCOMP_RET_KILL_PROCESS);
    }

    #[test]
    fn every_number_gets_its_runs_verdict_and_other_architectures_are_killed() {
        const DENY: u32 = 0x0005_0026; // ERRNO(ENOSYS)
        let prctl = Verdict::ArgsEqual {
            checks: vec![
                ArgCheck::Dword { arg: 0, value: 4 },
                ArgCheck::Qword { arg: 1, value: 1 },
            ],
            otherwise: DENY,
        };
        let runs = vec![
            (0, Verdict::Return(SECCOMP_RET_ALLOW)),
            (3, Verdict::Return(DENY)),
            (9, Verdict::Return(SECCOMP_RET_ALLOW)),
            (10, Verdict::Return(DENY)),
            (157, prctl),
            (158, Verdict::Return(DENY)),
            (300, Verdict::Return(SECCOMP_RET_ALLOW)),
            (301, Verdict::Return(DENY)),
        ];
        let p = program(&runs);
        let expect = |nr: u32| match nr {
            0..=2 | 9 | 300 => SECCOMP_RET_ALLOW,
            _ => DENY,
        };
        for nr in (0..1024).chain([0x4000_0000, u32::MAX]) {
            if nr != 157 {
                assert_eq!(run(&p, &call(nr, [0; 6])), expect(nr), "nr {nr}");
            }
        }
        let prctl_gets = |a0: u64, a1: u64| run(&p, &call(157, [a0, a1, 0, 0, 0, 0]));
        assert_eq!(prctl_gets(4, 1), SECCOMP_RET_ALLOW);
        assert_eq!(
            prctl_gets(4 | (7 << 32), 1),
            SECCOMP_RET_ALLOW,
            "dword: low half"
        );
        assert_eq!(prctl_gets(4, 1 | (1 << 32)), DENY, "qword: both halves");
        assert_eq!(prctl_gets(4, 0), DENY);
        assert_eq!(prctl_gets(3, 1), DENY);
        let i386 = Call {
            nr: 0,
            arch: 0x4000_0003,
            args: [0; 6],
        };
        assert_eq!(run(&p, &i386), SECCOMP_RET_KILL_PROCESS);
    }
}
