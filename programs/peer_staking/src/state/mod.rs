//! Rules that belong to the program's account types (layouts are generated in `interface.rs`).
pub mod pool;
pub mod reward;
pub mod staker;
