/** Pure instruction builders, by program: `instructions.market.postJob(...)`, `instructions.staking.stake(...)`. */
export * as market from './market';
export * as staking from './staking';
export { buildInstruction, instructionBuilder, type InstructionBuilder } from './build';
