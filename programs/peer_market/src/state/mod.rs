//! Rules that belong to the program's account types (layouts are generated in `interface.rs`).
//!
//! Our own accounts are authenticated by owner, discriminator and exact length
//! (`peer_runtime::state::load`); how they relate is checked through the keys they store
//! (a job names its client and worker, a worker its authority, a credit account its owner).
//! PDA seeds are verified when an account is created — with the canonical bump for workers,
//! credit accounts and matchers (one per key), and with the client's bump for jobs, whose seeds
//! include a nonce that can be used once — so no two accounts can stand for the same thing.
//! Token vaults, which hold the money, are re-derived from their stored bump on every use.
pub mod config;
pub mod credits;
pub mod ed25519;
pub mod fees;
pub mod job;
pub mod validator;
pub mod worker;
