/**
 * The interface of `peer_staking`: the single source of truth for its instructions, accounts,
 * events, errors, seeds and constants. `npm run build` turns it into the Anchor IDL, the TS
 * type helper and `src/interface.rs`. Error codes are positional: only ever append.
 *
 * $PEER holders stake into the pool's stake vault and earn the USDC that arrives in the pool's
 * reward vault (the market's `sweep_fees` sends the stakers' share of the network margin there;
 * anyone may add more), pro rata to their active stake when it is accounted.
 *
 * Reward rule (see README "peer_staking" and docs/economics.md):
 * - Every instruction that reads or changes stake first *accrues*: the vault balance minus what
 *   the pool has already accounted for is new reward. It joins a *stream* released linearly
 *   over reward_stream_secs (restarted by each deposit with what is left plus the new amount);
 *   what the stream released since the last accrual is the reward distributed now. With stake active it raises the
 *   reward-per-share accumulator (unsigned 64.64 fixed point); the division's remainder is
 *   carried into the next accrual, so rounding loses less than one base unit overall.
 * - A staker's earnings are `active × Δ(reward per share)`, exact in 2^-64 units; claims pay
 *   the whole base units and keep the fraction. So payouts never exceed deposits, and what is
 *   never paid is under one base unit per staker (plus under one for the carry).
 * - USDC that arrives while nothing is staked is `unallocated`: it never goes to whoever stakes
 *   next; anyone can `sweep_unallocated` it to the pool's treasury.
 */
import type { ProgramSpec } from '../../tools/idl/spec';

const SYSTEM_PROGRAM = '11111111111111111111111111111111';
const TOKEN_PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';

const DAY = 86_400n;

const POOL = { kind: 'const', constant: 'SEED_POOL' } as const;
const STAKE_VAULT = { kind: 'const', constant: 'SEED_STAKE_VAULT' } as const;
const REWARD_VAULT = { kind: 'const', constant: 'SEED_REWARD_VAULT' } as const;
const STAKER = [{ kind: 'const', constant: 'SEED_STAKER' } as const, { kind: 'account', path: 'owner' } as const];

export const peerStaking: ProgramSpec = {
  name: 'peer_staking',
  version: '0.1.0',
  description: 'Peer Cycles staking: stake $PEER, earn the stakers\' share of the network margin in USDC',
  constants: [
    { name: 'SEED_POOL', kind: 'bytes', value: 'pool', docs: 'Seed of the pool PDA (one per program).' },
    { name: 'SEED_STAKE_VAULT', kind: 'bytes', value: 'stake_vault', docs: 'Seed of the $PEER stake vault token account PDA.' },
    { name: 'SEED_REWARD_VAULT', kind: 'bytes', value: 'reward_vault', docs: 'Seed of the USDC reward vault token account PDA.' },
    { name: 'SEED_STAKER', kind: 'bytes', value: 'staker', docs: 'Seed of a staker account PDA, followed by the owner\'s address.' },
    { name: 'USDC_DECIMALS', kind: 'u8', value: 6n, docs: 'Decimals the USDC mint must have.' },
    { name: 'MIN_UNSTAKE_COOLDOWN_SECS', kind: 'u32', value: 3_600n, docs: 'Shortest unstake cooldown the admin may set.' },
    { name: 'MAX_UNSTAKE_COOLDOWN_SECS', kind: 'u32', value: 30n * DAY, docs: 'Longest unstake cooldown the admin may set.' },
    { name: 'MAX_REWARD_STREAM_SECS', kind: 'u32', value: 30n * DAY, docs: 'Longest reward stream the admin may set.' },
    {
      name: 'MAX_MIN_STAKE',
      kind: 'u64',
      value: 1_000_000_000_000_000n,
      docs: 'Highest min_stake the admin may set, in $PEER base units.',
    },
  ],
  types: {
    U64F64: {
      kind: 'struct',
      docs: 'Unsigned fixed point: int + frac / 2^64 (a 128-bit value in two u64 limbs).',
      fields: [
        { name: 'int', type: 'u64', docs: 'Whole part.' },
        { name: 'frac', type: 'u64', docs: 'Fraction, in units of 2^-64.' },
      ],
    },
    PoolParams: {
      kind: 'struct',
      docs: 'Parameters the admin sets, each bounded by the MIN_/MAX_ constants.',
      fields: [
        { name: 'unstake_cooldown_secs', type: 'u32', docs: 'Delay between request_unstake and withdraw.' },
        {
          name: 'min_stake',
          type: 'u64',
          docs: 'Smallest active stake a staker may hold, other than zero ($PEER base units).',
        },
        {
          name: 'reward_stream_secs',
          type: 'u32',
          docs: 'USDC reaching the reward vault is released to stakers linearly over this long (restarted by each deposit), so stake added just before a deposit earns about nothing of it. 0: at once (no protection against stake sniping).',
        },
      ],
    },
    Pool: {
      kind: 'struct',
      docs: 'The staking pool (PDA ["pool"]): vaults, parameters, totals and the reward accumulator.',
      fields: [
        { name: 'admin', type: 'pubkey' },
        { name: 'peer_mint', type: 'pubkey' },
        { name: 'usdc_mint', type: 'pubkey' },
        { name: 'stake_vault', type: 'pubkey', docs: '$PEER vault (PDA ["stake_vault"], owned by the pool PDA).' },
        {
          name: 'reward_vault',
          type: 'pubkey',
          docs: 'USDC vault (PDA ["reward_vault"], owned by the pool PDA): the market\'s staking_reward_vault.',
        },
        { name: 'treasury', type: 'pubkey', docs: 'USDC token account that receives unallocated rewards.' },
        { name: 'params', type: { defined: 'PoolParams' } },
        { name: 'total_staked', type: 'u64', docs: 'Sum of active stakes (the stake that earns).' },
        { name: 'total_cooling', type: 'u64', docs: 'Sum of stakes in cooldown (not earning, not yet withdrawn).' },
        {
          name: 'reward_per_share',
          type: { defined: 'U64F64' },
          docs: 'USDC base units earned per active $PEER base unit since the pool began.',
        },
        {
          name: 'reward_carry',
          type: 'u64',
          docs: 'Remainder of the last accrual\'s division, in 2^-64 USDC base units, added to the next one.',
        },
        {
          name: 'accounted_rewards',
          type: 'u64',
          docs: 'Reward vault balance already attributed (owed to stakers, unallocated or dust); the rest is new.',
        },
        { name: 'unallocated_rewards', type: 'u64', docs: 'USDC that arrived while nothing was staked, for the treasury.' },
        { name: 'total_rewards_distributed', type: 'u64', docs: 'All USDC ever attributed to stakers.' },
        { name: 'total_rewards_claimed', type: 'u64', docs: 'All USDC ever paid to stakers.' },
        { name: 'total_unallocated_swept', type: 'u64', docs: 'All USDC ever swept to the treasury.' },
        { name: 'stakers', type: 'u64', docs: 'Open staker accounts.' },
        { name: 'bump', type: 'u8' },
        { name: 'stake_vault_bump', type: 'u8' },
        { name: 'reward_vault_bump', type: 'u8' },
        {
          name: 'stream_remaining',
          type: 'u64',
          docs: 'USDC received but not yet released to stakers: it is released linearly until stream_end.',
        },
        { name: 'stream_end', type: 'i64', docs: 'When the stream is fully released (reward_stream_secs after the last deposit).' },
        { name: 'stream_updated_at', type: 'i64', docs: 'When the stream was last released from.' },
        { name: 'reserved', type: { array: ['u8', 40] }, docs: 'Room for later fields without a migration.' },
      ],
    },
    Staker: {
      kind: 'struct',
      docs: 'One owner\'s stake (PDA ["staker", owner]).',
      fields: [
        { name: 'owner', type: 'pubkey' },
        { name: 'active', type: 'u64', docs: 'Stake that earns rewards.' },
        { name: 'cooling', type: 'u64', docs: 'Stake in cooldown: earns nothing, withdrawable at cooldown_ends_at.' },
        { name: 'cooldown_ends_at', type: 'i64', docs: 'Unix time from which `cooling` may be withdrawn.' },
        {
          name: 'reward_per_share_paid',
          type: { defined: 'U64F64' },
          docs: 'The pool\'s reward_per_share when this staker\'s rewards were last settled.',
        },
        {
          name: 'rewards_owed',
          type: { defined: 'U64F64' },
          docs: 'Settled, unclaimed rewards (USDC base units; claims pay the whole part).',
        },
        { name: 'total_claimed', type: 'u64' },
        { name: 'bump', type: 'u8' },
        { name: 'reserved', type: { array: ['u8', 32] }, docs: 'Room for later fields without a migration.' },
      ],
    },
    PoolInitialized: {
      kind: 'struct',
      fields: [
        { name: 'admin', type: 'pubkey' },
        { name: 'peer_mint', type: 'pubkey' },
        { name: 'usdc_mint', type: 'pubkey' },
        { name: 'stake_vault', type: 'pubkey' },
        { name: 'reward_vault', type: 'pubkey' },
        { name: 'treasury', type: 'pubkey' },
        { name: 'params', type: { defined: 'PoolParams' } },
      ],
    },
    PoolConfigUpdated: {
      kind: 'struct',
      fields: [
        { name: 'admin', type: 'pubkey' },
        { name: 'previous', type: { defined: 'PoolParams' } },
        { name: 'params', type: { defined: 'PoolParams' } },
        { name: 'previous_treasury', type: 'pubkey' },
        { name: 'treasury', type: 'pubkey' },
      ],
    },
    Accrual: {
      kind: 'struct',
      docs: 'What an accrual did: USDC released from the reward stream, spread over active stake or set aside as unallocated.',
      fields: [
        { name: 'amount', type: 'u64', docs: 'USDC released from the stream (0: nothing was due).' },
        { name: 'total_staked', type: 'u64', docs: 'Active stake it was spread over (0: it went to unallocated_rewards).' },
        { name: 'reward_per_share', type: { defined: 'U64F64' }, docs: 'The pool\'s accumulator afterwards.' },
        { name: 'unallocated_rewards', type: 'u64', docs: 'The pool\'s unallocated rewards afterwards.' },
        { name: 'received', type: 'u64', docs: 'New USDC found in the reward vault, added to the stream.' },
        { name: 'stream_remaining', type: 'u64', docs: 'USDC still to be released afterwards.' },
      ],
    },
    RewardsAccrued: {
      kind: 'struct',
      docs: 'update_rewards found new USDC (the other instructions report their accrual in their own event).',
      fields: [{ name: 'accrual', type: { defined: 'Accrual' } }],
    },
    StakerOpened: {
      kind: 'struct',
      fields: [
        { name: 'owner', type: 'pubkey' },
        { name: 'staker', type: 'pubkey' },
      ],
    },
    Staked: {
      kind: 'struct',
      fields: [
        { name: 'owner', type: 'pubkey' },
        { name: 'amount', type: 'u64' },
        { name: 'active', type: 'u64' },
        { name: 'total_staked', type: 'u64' },
        { name: 'accrual', type: { defined: 'Accrual' }, docs: 'The accrual done before the stake was added.' },
      ],
    },
    UnstakeRequested: {
      kind: 'struct',
      fields: [
        { name: 'owner', type: 'pubkey' },
        { name: 'amount', type: 'u64' },
        { name: 'active', type: 'u64' },
        { name: 'cooling', type: 'u64' },
        { name: 'cooldown_ends_at', type: 'i64' },
        { name: 'total_staked', type: 'u64' },
        { name: 'accrual', type: { defined: 'Accrual' }, docs: 'The accrual done before the stake left.' },
      ],
    },
    Withdrawn: {
      kind: 'struct',
      fields: [
        { name: 'owner', type: 'pubkey' },
        { name: 'amount', type: 'u64' },
        { name: 'total_cooling', type: 'u64' },
      ],
    },
    RewardsClaimed: {
      kind: 'struct',
      fields: [
        { name: 'owner', type: 'pubkey' },
        { name: 'amount', type: 'u64' },
        { name: 'destination', type: 'pubkey' },
        { name: 'accrual', type: { defined: 'Accrual' }, docs: 'The accrual done before settling.' },
      ],
    },
    StakerClosed: {
      kind: 'struct',
      fields: [
        { name: 'owner', type: 'pubkey' },
        { name: 'staker', type: 'pubkey' },
        { name: 'total_claimed', type: 'u64' },
      ],
    },
    UnallocatedSwept: {
      kind: 'struct',
      fields: [
        { name: 'amount', type: 'u64' },
        { name: 'treasury', type: 'pubkey' },
        { name: 'accrual', type: { defined: 'Accrual' }, docs: 'The accrual done before sweeping.' },
      ],
    },
  },
  accounts: ['Pool', 'Staker'],
  events: [
    'PoolInitialized',
    'PoolConfigUpdated',
    'RewardsAccrued',
    'StakerOpened',
    'Staked',
    'UnstakeRequested',
    'Withdrawn',
    'RewardsClaimed',
    'StakerClosed',
    'UnallocatedSwept',
  ],
  instructions: [
    {
      name: 'initialize',
      docs: 'Creates the pool and its two vaults. Only the program\'s upgrade authority may call it, once.',
      accounts: [
        { name: 'admin', signer: true, writable: true, docs: 'Pays rent; must be the program\'s upgrade authority.' },
        { name: 'pool', writable: true, pda: [POOL] },
        { name: 'program_data', programData: true, docs: 'This program\'s ProgramData account (BPF upgradeable loader).' },
        { name: 'peer_mint' },
        { name: 'usdc_mint' },
        { name: 'stake_vault', writable: true, pda: [STAKE_VAULT] },
        { name: 'reward_vault', writable: true, pda: [REWARD_VAULT] },
        { name: 'treasury', docs: 'USDC token account that receives unallocated rewards.' },
        { name: 'token_program', address: TOKEN_PROGRAM },
        { name: 'system_program', address: SYSTEM_PROGRAM },
      ],
      args: [{ name: 'params', type: { defined: 'PoolParams' } }],
    },
    {
      name: 'update_config',
      docs: 'Replaces the parameters and the treasury (admin only, same bounds as initialization).',
      accounts: [
        { name: 'admin', signer: true },
        { name: 'pool', writable: true, pda: [POOL] },
        { name: 'treasury', docs: 'USDC token account (pass the current one to keep it).' },
      ],
      args: [{ name: 'params', type: { defined: 'PoolParams' } }],
    },
    {
      name: 'open_staker',
      docs: 'Creates the owner\'s staker account (rent paid by the owner, returned by close_staker).',
      accounts: [
        { name: 'owner', signer: true, writable: true },
        { name: 'staker', writable: true, pda: STAKER },
        { name: 'pool', writable: true, pda: [POOL] },
        { name: 'system_program', address: SYSTEM_PROGRAM },
      ],
      args: [],
    },
    {
      name: 'stake',
      docs: 'Accrues, then moves `amount` $PEER from the owner\'s token account into the stake vault as active stake.',
      accounts: [
        { name: 'owner', signer: true },
        { name: 'staker', writable: true, pda: STAKER },
        { name: 'pool', writable: true, pda: [POOL] },
        { name: 'source', writable: true, docs: 'The owner\'s $PEER token account.' },
        { name: 'stake_vault', writable: true, pda: [STAKE_VAULT] },
        { name: 'reward_vault', pda: [REWARD_VAULT] },
        { name: 'token_program', address: TOKEN_PROGRAM },
      ],
      args: [{ name: 'amount', type: 'u64' }],
    },
    {
      name: 'request_unstake',
      docs: 'Accrues, then moves `amount` of active stake into cooldown: it stops earning at once.',
      accounts: [
        { name: 'owner', signer: true },
        { name: 'staker', writable: true, pda: STAKER },
        { name: 'pool', writable: true, pda: [POOL] },
        { name: 'reward_vault', pda: [REWARD_VAULT] },
      ],
      args: [{ name: 'amount', type: 'u64' }],
    },
    {
      name: 'withdraw',
      docs: 'Pays out all stake in cooldown once the cooldown has passed.',
      accounts: [
        { name: 'owner', signer: true },
        { name: 'staker', writable: true, pda: STAKER },
        { name: 'pool', writable: true, pda: [POOL] },
        { name: 'stake_vault', writable: true, pda: [STAKE_VAULT] },
        { name: 'destination', writable: true, docs: '$PEER token account.' },
        { name: 'token_program', address: TOKEN_PROGRAM },
      ],
      args: [],
    },
    {
      name: 'claim_rewards',
      docs: 'Accrues, settles, and pays the owner\'s whole USDC rewards.',
      accounts: [
        { name: 'owner', signer: true },
        { name: 'staker', writable: true, pda: STAKER },
        { name: 'pool', writable: true, pda: [POOL] },
        { name: 'reward_vault', writable: true, pda: [REWARD_VAULT] },
        { name: 'destination', writable: true, docs: 'USDC token account.' },
        { name: 'token_program', address: TOKEN_PROGRAM },
      ],
      args: [],
    },
    {
      name: 'close_staker',
      docs: 'Closes a staker account with nothing staked, cooling or owed; its rent returns to the owner.',
      accounts: [
        { name: 'owner', signer: true, writable: true },
        { name: 'staker', writable: true, pda: STAKER },
        { name: 'pool', writable: true, pda: [POOL] },
      ],
      args: [],
    },
    {
      name: 'update_rewards',
      docs: 'Accrues the USDC that arrived in the reward vault (permissionless; e.g. right after the market sweeps fees).',
      accounts: [
        { name: 'pool', writable: true, pda: [POOL] },
        { name: 'reward_vault', pda: [REWARD_VAULT] },
      ],
      args: [],
    },
    {
      name: 'sweep_unallocated',
      docs: 'Accrues, then pays the unallocated rewards (USDC that arrived while nothing was staked) to the treasury. Permissionless.',
      accounts: [
        { name: 'pool', writable: true, pda: [POOL] },
        { name: 'reward_vault', writable: true, pda: [REWARD_VAULT] },
        { name: 'treasury', writable: true, docs: 'Must be the pool\'s treasury.' },
        { name: 'token_program', address: TOKEN_PROGRAM },
      ],
      args: [],
    },
  ],
  errors: [
    { name: 'DuplicateMutableAccount', msg: 'The same account was passed twice where writable accounts must differ' },
    { name: 'MathOverflow', msg: 'Arithmetic overflow' },
    { name: 'Unauthorized', msg: 'The signer is not the pool admin' },
    { name: 'NotUpgradeAuthority', msg: 'Only the program upgrade authority may initialize the pool' },
    { name: 'PoolAlreadyInitialized', msg: 'The pool account already exists' },
    { name: 'InvalidPeerMint', msg: 'The $PEER mint must be an initialized SPL mint other than USDC' },
    { name: 'InvalidUsdcMint', msg: 'The USDC mint must be an initialized SPL mint with 6 decimals' },
    { name: 'InvalidTreasury', msg: 'The treasury must be a USDC token account other than the reward vault' },
    { name: 'InvalidUnstakeCooldown', msg: 'unstake_cooldown_secs is outside [MIN_UNSTAKE_COOLDOWN_SECS, MAX_UNSTAKE_COOLDOWN_SECS]' },
    { name: 'InvalidMinStake', msg: 'min_stake must be within [1, MAX_MIN_STAKE]' },
    { name: 'StakerAlreadyOpen', msg: 'The staker account already exists' },
    { name: 'NotStakerOwner', msg: 'The staker account belongs to another owner' },
    { name: 'InvalidPeerAccount', msg: 'Expected a $PEER token account (held by the owner, for a source)' },
    { name: 'InvalidUsdcAccount', msg: 'Expected a USDC token account' },
    { name: 'ZeroAmount', msg: 'The amount must be greater than zero' },
    { name: 'BelowMinStake', msg: 'An active stake must be zero or at least min_stake' },
    { name: 'InsufficientStake', msg: 'The amount exceeds the active stake' },
    { name: 'NothingToWithdraw', msg: 'No stake is in cooldown' },
    { name: 'CooldownNotElapsed', msg: 'The unstake cooldown has not passed yet' },
    { name: 'NothingToClaim', msg: 'No whole USDC base unit of rewards is owed' },
    { name: 'StakerNotEmpty', msg: 'The staker account still has stake, stake in cooldown, or rewards owed' },
    { name: 'NothingToSweep', msg: 'There are no unallocated rewards' },
    { name: 'InvalidPoolTreasury', msg: 'The treasury is not the pool\'s treasury' },
    { name: 'InsufficientFunds', msg: 'The source token account holds less than the amount' },
    { name: 'InvalidRewardStream', msg: 'reward_stream_secs is above MAX_REWARD_STREAM_SECS' },
  ],
};

export default peerStaking;
