//! The fee split of a finalized job: worker, then stakers and treasury share the margin.
//! Every base unit of the fee lands in exactly one of the three (the treasury takes the
//! rounding remainder), so splitting never creates or loses money.
use crate::interface::ConfigParams;
use crate::math::{bps_of, credits_to_usdc, sub};
use peer_runtime::ProgramResult;

#[derive(Default)]
pub struct FeeSplit {
    pub worker: u64,
    pub stakers: u64,
    pub treasury: u64,
}

#[inline(always)]
pub fn split_fee(price_credits: u64, params: &ConfigParams, out: &mut FeeSplit) -> ProgramResult {
    let fee = credits_to_usdc(price_credits)?;
    out.worker = bps_of(fee, params.worker_fee_bps())?;
    let margin = sub(fee, out.worker)?;
    out.stakers = bps_of(margin, params.staker_share_bps())?;
    out.treasury = sub(margin, out.stakers)?;
    Ok(())
}
