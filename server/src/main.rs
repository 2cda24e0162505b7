#![forbid(unsafe_code)]
//! sandpit-server: built under issue 3.
fn main() -> anyhow::Result<()> {
    anyhow::bail!("sandpit-server is not built yet (issue 3)")
}
