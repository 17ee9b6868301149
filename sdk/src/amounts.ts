/**
 * Exact conversion between human amounts ("12.5") and base units (bigint): no floats anywhere.
 *
 * - USDC has 6 decimals; 1 credit = $0.01 = 10,000 USDC base units, so a dollar amount in
 *   credits has 2 decimals ("12.5" USD = 1250 credits, "0.001" is refused).
 * - $PEER's decimals come from its mint (the market config records them).
 */
import { AmountError } from './errors';

export const USDC_DECIMALS = 6;
/** Decimal places of a USD amount expressed in credits (1 credit = $0.01). */
export const CREDIT_DECIMALS = 2;
export const U64_MAX = (1n << 64n) - 1n;

export interface ParseAmountOptions {
  /** What the amount is, for messages ("amount", "max price"). */
  label?: string;
  /** Accept "0" (default false: amounts must be positive). */
  allowZero?: boolean;
  /** Largest accepted value in base units (default u64::MAX). */
  max?: bigint;
  /** The unit's name for messages ("USDC", "PEER"). */
  unit?: string;
}

/** "12.5" with 6 decimals → 12_500_000n. Throws AmountError with a one-line reason. */
export function parseAmount(text: string, decimals: number, opts: ParseAmountOptions = {}): bigint {
  const label = opts.label ?? 'amount';
  const raw = String(text ?? '').trim();
  if (raw === '') throw new AmountError(`${label} is empty`);
  if (/^-/.test(raw)) throw new AmountError(`${label} must not be negative: ${raw}`);
  if (/^\+/.test(raw)) throw new AmountError(`${label} must be a plain decimal number: ${raw}`);
  if (!/^(\d+)(\.(\d+))?$/.test(raw)) {
    if (/^\d*\.?\d*e[+-]?\d+$/i.test(raw)) throw new AmountError(`${label} must be written without an exponent: ${raw}`);
    throw new AmountError(`${label} is not a number: ${raw}`);
  }
  const [whole, frac = ''] = raw.split('.');
  if (frac.length > decimals) {
    const unit = opts.unit ? ` ${opts.unit}` : '';
    throw new AmountError(
      decimals === 0
        ? `${label} must be a whole number${unit}: ${raw}`
        : `${label} has too many decimal places (at most ${decimals}${unit ? ` for${unit}` : ''}): ${raw}`,
    );
  }
  const value = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, '0') || '0');
  if (value === 0n && !opts.allowZero) throw new AmountError(`${label} must be greater than zero`);
  const max = opts.max ?? U64_MAX;
  if (value > max) throw new AmountError(`${label} is too large: ${raw}`);
  return value;
}

/** 12_500_000n with 6 decimals → "12.5" (no trailing zeros, no exponent). */
export function formatAmount(value: bigint, decimals: number): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const base = 10n ** BigInt(decimals);
  const whole = abs / base;
  const frac = (abs % base).toString().padStart(decimals, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** A dollar amount ("12.5") → credits (1250n). */
export function parseUsdToCredits(text: string, opts: ParseAmountOptions = {}): bigint {
  return parseAmount(text, CREDIT_DECIMALS, { unit: 'USD', ...opts });
}

/** Credits → dollars ("12.5"). */
export function formatCreditsAsUsd(credits: bigint): string {
  return formatAmount(credits, CREDIT_DECIMALS);
}

/** USDC base units → "12.5". */
export function formatUsdc(baseUnits: bigint): string {
  return formatAmount(baseUnits, USDC_DECIMALS);
}

/** "12.5" → USDC base units. */
export function parseUsdc(text: string, opts: ParseAmountOptions = {}): bigint {
  return parseAmount(text, USDC_DECIMALS, { unit: 'USDC', ...opts });
}
