//! `sluice syncs railway …` (being written).

use crate::context::Context;
use crate::error::CliResult;

#[derive(clap::Args, Debug)]
pub struct SyncsArgs {}

pub async fn run(_ctx: &Context, _args: &SyncsArgs) -> CliResult<()> {
    Ok(())
}
