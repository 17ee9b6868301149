//! One file per instruction: `process` parses accounts and arguments, validates everything,
//! and only then changes state (token transfers last, after every account view is released).
pub mod claim_rewards;
pub mod close_staker;
pub mod initialize;
pub mod open_staker;
pub mod request_unstake;
pub mod stake;
pub mod sweep_unallocated;
pub mod update_config;
pub mod update_rewards;
pub mod withdraw;
