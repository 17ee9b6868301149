/**
 * Program errors → named SDK errors. The failing program is the first "Program <id> failed"
 * line of the logs (the innermost invocation: a token transfer failing inside our program names
 * the Token program), its code comes from the failure or that line, and the name and message
 * from that program's IDL (Anchor framework codes below 6000 from Anchor's own table).
 */
import { LangErrorCode, LangErrorMessage } from '@coral-xyz/anchor';
import { SystemProgram, type PublicKey } from '@solana/web3.js';
import { InsufficientFundsError, PeerError, ProgramError, TransactionFailedError } from '../errors';
import { peerMarket, peerStaking, type ProgramIds } from '../programs';
import type { TxFailure } from './transport';

const TOKEN_PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
const ATA_PROGRAM = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL';

/** SPL Token's errors, by code. */
const TOKEN_ERRORS = [
  'NotRentExempt',
  'InsufficientFunds',
  'InvalidMint',
  'MintMismatch',
  'OwnerMismatch',
  'FixedSupply',
  'AlreadyInUse',
  'InvalidNumberOfProvidedSigners',
  'InvalidNumberOfRequiredSigners',
  'UninitializedState',
  'NativeNotSupported',
  'NonNativeHasBalance',
  'InvalidInstruction',
  'InvalidState',
  'Overflow',
  'AuthorityTypeNotSupported',
  'MintCannotFreeze',
  'AccountFrozen',
  'MintDecimalsMismatch',
  'NonNativeNotSupported',
];
const SYSTEM_ERRORS = [
  'AccountAlreadyInUse',
  'ResultWithNegativeLamports',
  'InvalidProgramId',
  'InvalidAccountDataLength',
  'MaxSeedLengthExceeded',
  'AddressWithSeedMismatch',
  'NonceNoRecentBlockhashes',
  'NonceBlockhashNotExpired',
  'NonceUnexpectedBlockhashValue',
];

const LANG_NAMES = new Map<number, string>(Object.entries(LangErrorCode).map(([name, code]) => [code as number, name]));
const FAILED = /^Program (\w+) failed: (.*)$/;
const ANCHOR_LOG = /AnchorError(?: caused by account: (\w+)\.| thrown in [^.]*\.\s*| occurred\.)\s*Error Code: (\w+)\. Error Number: (\d+)\. Error Message: (.*?)\.?$/;

/** The first "Program X failed: ..." of the logs: the innermost failing program. */
export function failingProgram(logs: string[]): { programId: string; reason: string } | null {
  for (const line of logs) {
    const m = FAILED.exec(line);
    if (m) return { programId: m[1], reason: m[2] };
  }
  return null;
}

/**
 * The SDK error for a failed simulation or transaction. `instructionPrograms` are the program ids
 * of the transaction's instructions (to name the program when the logs are missing).
 */
export function translateFailure(failure: TxFailure, logs: string[], programs: ProgramIds, instructionPrograms: PublicKey[] = []): PeerError {
  switch (failure.kind) {
    case 'accountNotFound':
      return new InsufficientFundsError('SOL', 'the fee payer has no SOL (its account does not exist)', logs);
    case 'insufficientFundsForFee':
      return new InsufficientFundsError('SOL', 'the fee payer cannot pay the transaction fee', logs);
    case 'insufficientFundsForRent':
      return new InsufficientFundsError('SOL', 'an account would be left below the rent-exempt minimum', logs);
    default:
      break;
  }
  const failed = failingProgram(logs);
  const programId =
    failed?.programId ??
    (failure.instructionIndex !== null && instructionPrograms[failure.instructionIndex] ? instructionPrograms[failure.instructionIndex].toBase58() : null);
  const customFromLine = failed ? /custom program error: 0x([0-9a-f]+)/i.exec(failed.reason) : null;
  const code = failure.customCode ?? (customFromLine ? parseInt(customFromLine[1], 16) : null);

  if (programId && code !== null) {
    const ours = programId === programs.market.toBase58() ? peerMarket : programId === programs.staking.toBase58() ? peerStaking : null;
    if (ours) {
      const anchorLine = logs.map((l) => ANCHOR_LOG.exec(l)).find((m) => m && Number(m[3]) === code);
      const known = ours.errorByCode(code);
      const name = known?.name ?? LANG_NAMES.get(code) ?? anchorLine?.[2] ?? `Custom${code}`;
      const message = known?.msg ?? LangErrorMessage.get(code) ?? anchorLine?.[4] ?? failure.message;
      return new ProgramError({
        program: ours.name,
        programId,
        errorCode: code,
        errorName: name,
        message,
        account: anchorLine?.[1] ?? null,
        instructionIndex: failure.instructionIndex,
        logs,
      });
    }
    if (programId === TOKEN_PROGRAM) {
      if (code === 1) return new InsufficientFundsError('token', 'the token account holds less than the amount', logs);
      const name = TOKEN_ERRORS[code] ?? `Custom${code}`;
      return new ProgramError({ program: 'spl_token', programId, errorCode: code, errorName: name, message: name, instructionIndex: failure.instructionIndex, logs });
    }
    if (programId === SystemProgram.programId.toBase58()) {
      if (code === 1) {
        const detail = logs.find((l) => /insufficient lamports/i.test(l));
        return new InsufficientFundsError('SOL', detail ? detail.replace(/^Transfer: /, '') : 'not enough SOL', logs);
      }
      const name = SYSTEM_ERRORS[code] ?? `Custom${code}`;
      return new ProgramError({ program: 'system', programId, errorCode: code, errorName: name, message: name, instructionIndex: failure.instructionIndex, logs });
    }
    if (programId === ATA_PROGRAM) {
      return new ProgramError({ program: 'associated_token', programId, errorCode: code, errorName: `Custom${code}`, message: failure.message, instructionIndex: failure.instructionIndex, logs });
    }
  }
  if (/insufficient (funds|lamports)/i.test(failure.message) || logs.some((l) => /insufficient lamports/i.test(l))) {
    return new InsufficientFundsError('SOL', failure.message, logs);
  }
  const where = failure.instructionIndex !== null ? `instruction ${failure.instructionIndex}: ` : '';
  return new TransactionFailedError(`${where}${failure.message}`, logs);
}

