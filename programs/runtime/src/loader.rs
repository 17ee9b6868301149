//! The BPF upgradeable loader's accounts, for "only the upgrade authority may initialize".
//!
//! `ProgramData` starts with the bincode `UpgradeableLoaderState::ProgramData` header:
//! u32 LE tag (3), u64 LE deployment slot, `Option<Pubkey>` upgrade authority (u8 tag + 32).
use crate::account::AccountInfo;
use crate::Pubkey;

/// `BPFLoaderUpgradeab1e11111111111111111111111`
pub const BPF_UPGRADEABLE_LOADER_ID: Pubkey = [
    0x02, 0xa8, 0xf6, 0x91, 0x4e, 0x88, 0xa1, 0xb0, 0xe2, 0x10, 0x15, 0x3e, 0xf7, 0x63, 0xae, 0x2b, 0x00, 0xc2, 0xb9,
    0x3d, 0x16, 0xc1, 0x24, 0xd2, 0xc0, 0x53, 0x7a, 0x10, 0x04, 0x80, 0x00, 0x00,
];

const PROGRAM_DATA_TAG: u32 = 3;
/// tag + slot + option tag + key.
pub const PROGRAM_DATA_HEADER_LEN: usize = 45;

/// The upgrade authority recorded in a `ProgramData` account; `None` when `program_data` is
/// not one (wrong owner, too short, other state) or the program is immutable. The caller
/// checks the address is its own ProgramData PDA.
#[inline(always)]
pub fn upgrade_authority(program_data: &AccountInfo) -> Option<Pubkey> {
    let mut authority = [0u8; 32];
    if read_upgrade_authority(program_data, &mut authority) {
        Some(authority)
    } else {
        None
    }
}

#[inline(never)]
fn read_upgrade_authority(program_data: &AccountInfo, out: &mut Pubkey) -> bool {
    if !program_data.is_owned_by(&BPF_UPGRADEABLE_LOADER_ID) {
        return false;
    }
    let Ok(data) = program_data.try_borrow_data() else {
        return false;
    };
    if data.len() < PROGRAM_DATA_HEADER_LEN
        || u32::from_le_bytes([data[0], data[1], data[2], data[3]]) != PROGRAM_DATA_TAG
        || data[12] != 1
    {
        return false;
    }
    out.copy_from_slice(&data[13..PROGRAM_DATA_HEADER_LEN]);
    true
}
