//! One file per instruction: `process` parses accounts and arguments, `validate` checks
//! everything, and only then does the instruction change state.
pub mod initialize_config;
pub mod update_config;
