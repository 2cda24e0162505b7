//! The result record (contract: "Runner CLI") as far as the server needs it:
//! which statuses are final, and the records the server writes itself when
//! no runner can (a job cancelled while queued, a runner that vanished).

use serde_json::json;

/// Every final `status` of the contract.
pub const FINAL_STATUSES: [&str; 8] = [
    "ok",
    "error",
    "timeout",
    "memory_limit",
    "output_limit",
    "killed",
    "cancelled",
    "internal_error",
];

pub fn is_final_status(status: &str) -> bool {
    FINAL_STATUSES.contains(&status)
}

/// The message of a job whose runner stopped renewing its lease.
pub const RUNNER_LOST: &str = "runner lost";

/// Output gathered from a job's log for a record the server writes.
#[derive(Debug, Default, Clone)]
pub struct PartialOutput {
    pub stdout: String,
    pub stderr: String,
    pub truncated: bool,
}

/// A result record written by the server. `message` is the documented extra
/// field that says why (e.g. "runner lost"); it never carries host detail.
pub fn server_record(
    status: &str,
    message: Option<&str>,
    profile: &str,
    output: &PartialOutput,
    wall_ms: u64,
) -> String {
    let mut record = json!({
        "status": status,
        "exit_code": null,
        "signal": null,
        "stdout": output.stdout,
        "stderr": output.stderr,
        "truncated": output.truncated,
        "wall_ms": wall_ms,
        "cpu_ms": 0,
        "memory_peak_bytes": 0,
        "visualizations": [],
        "profile": profile,
    });
    if let Some(message) = message {
        record["message"] = json!(message);
    }
    record.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_records_carry_every_contract_field() {
        let out = PartialOutput {
            stdout: "hi\n".into(),
            ..Default::default()
        };
        let v: serde_json::Value = serde_json::from_str(&server_record(
            "internal_error",
            Some(RUNNER_LOST),
            "python-basic",
            &out,
            7,
        ))
        .unwrap();
        for key in [
            "status",
            "exit_code",
            "signal",
            "stdout",
            "stderr",
            "truncated",
            "wall_ms",
            "cpu_ms",
            "memory_peak_bytes",
            "visualizations",
            "profile",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        assert_eq!(v["message"], "runner lost");
        assert_eq!(v["stdout"], "hi\n");
        assert!(is_final_status("cancelled"));
        assert!(!is_final_status("running"));
    }
}
