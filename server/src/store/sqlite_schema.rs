//! The SQLite schema and connection settings.

use rusqlite::Connection;

/// WAL lets readers run beside the writer; `synchronous=NORMAL` in WAL mode
/// keeps every commit durable against a process crash (SIGKILL) and only
/// risks the last commits on a power cut, which a school server can accept.
pub(super) const PRAGMAS: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA busy_timeout = 5000;
PRAGMA foreign_keys = ON;
";

/// `status` is `queued`, `running` or a final status of the result record.
/// `runner_acked` is the highest runner event seq stored; `last_seq` the
/// highest seq of the client-facing log (which also holds the server's own
/// `status` and `exit` frames). Lease columns stay after the end so a
/// repeated result push can be recognised.
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS jobs (
    id               TEXT PRIMARY KEY,
    status           TEXT NOT NULL,
    profile          TEXT NOT NULL,
    lang             TEXT NOT NULL,
    code             TEXT NOT NULL,
    stdin            TEXT NOT NULL,
    files_json       TEXT NOT NULL,
    session_id       TEXT,
    client_ip        TEXT NOT NULL,
    created_ms       INTEGER NOT NULL,
    claimed_ms       INTEGER,
    finished_ms      INTEGER,
    runner_id        TEXT,
    lease_id         TEXT,
    lease_expires_ms INTEGER,
    lease_confirmed  INTEGER NOT NULL DEFAULT 0,
    claim_attempts   INTEGER NOT NULL DEFAULT 0,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    runner_acked     INTEGER NOT NULL DEFAULT 0,
    last_seq         INTEGER NOT NULL DEFAULT 0,
    log_bytes        INTEGER NOT NULL DEFAULT 0,
    stdin_seq        INTEGER NOT NULL DEFAULT 0,
    stdin_bytes      INTEGER NOT NULL DEFAULT 0,
    result_json      TEXT
);
CREATE INDEX IF NOT EXISTS jobs_queue ON jobs (created_ms) WHERE status = 'queued';
CREATE INDEX IF NOT EXISTS jobs_leases ON jobs (lease_expires_ms) WHERE status = 'running';
CREATE INDEX IF NOT EXISTS jobs_active_ip ON jobs (client_ip) WHERE status IN ('queued', 'running');
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs (finished_ms) WHERE finished_ms IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status);

CREATE TABLE IF NOT EXISTS events (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,
    kind   TEXT NOT NULL,
    frame  TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS stdin_chunks (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,
    data   TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
";

pub(super) fn prepare(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(PRAGMAS)?;
    conn.execute_batch(SCHEMA)
}
