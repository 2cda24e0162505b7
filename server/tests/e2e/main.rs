//! End-to-end tests: a real server on 127.0.0.1, real HTTP and WebSocket
//! clients, and a fake runner that speaks `docs/runner-protocol.md`.

#[path = "../common/mod.rs"]
mod common;

mod control;
mod leases;
mod restart;
mod runner_protocol;
mod sessions;
mod stream_limits;
mod streaming;
