//! sandpit-sandbox: runs one untrusted Python program in a closed box.
pub mod policy;
