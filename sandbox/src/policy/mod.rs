//! Policies: one TOML file per job profile, parsed strictly into [`model::Policy`].
pub mod model;
pub use model::*;
