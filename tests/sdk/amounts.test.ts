/** Exact conversion of human amounts: no floats, one-line reasons for every bad input. */
import assert from 'node:assert/strict';
import { AmountError, formatAmount, formatCreditsAsUsd, parseAmount, parseUsdToCredits, parseUsdc, U64_MAX } from '../../sdk/src';

describe('sdk: amounts', () => {
  it('parses decimals exactly, whatever floating point would do', () => {
    assert.equal(parseAmount('12.5', 6), 12_500_000n);
    assert.equal(parseAmount('0.000001', 6), 1n);
    assert.equal(parseAmount('0.1', 9) + parseAmount('0.2', 9), parseAmount('0.3', 9));
    assert.equal(parseAmount('18446744073.709551615', 9), U64_MAX);
    assert.equal(parseAmount(' 7 ', 0), 7n);
    assert.equal(parseUsdc('1'), 1_000_000n);
    assert.equal(parseUsdToCredits('12.5'), 1250n);
    assert.equal(parseUsdToCredits('0.01'), 1n);
  });

  it('formats without trailing zeros or exponents', () => {
    assert.equal(formatAmount(12_500_000n, 6), '12.5');
    assert.equal(formatAmount(1n, 9), '0.000000001');
    assert.equal(formatAmount(0n, 6), '0');
    assert.equal(formatAmount(10n ** 30n, 6), '1000000000000000000000000');
    assert.equal(formatCreditsAsUsd(1250n), '12.5');
    for (const s of ['1', '0.5', '123.456789', '18446744073.709551615']) assert.equal(formatAmount(parseAmount(s, 9), 9), s);
  });

  const bad: [string, number, RegExp][] = [
    ['1.234', 2, /too many decimal places \(at most 2\)/],
    ['0.0000001', 6, /too many decimal places/],
    ['-5', 6, /must not be negative/],
    ['-0.5', 6, /must not be negative/],
    ['NaN', 6, /is not a number/],
    ['Infinity', 6, /is not a number/],
    ['abc', 6, /is not a number/],
    ['1e3', 6, /without an exponent/],
    ['0x10', 6, /is not a number/],
    ['1,5', 6, /is not a number/],
    ['1.', 6, /is not a number/],
    ['.5', 6, /is not a number/],
    ['+5', 6, /plain decimal/],
    ['', 6, /is empty/],
    ['0', 6, /greater than zero/],
    ['0.00', 2, /greater than zero/],
    ['18446744073.709551616', 9, /too large/],
    ['1.5', 0, /whole number/],
  ];
  for (const [input, decimals, reason] of bad) {
    it(`refuses ${JSON.stringify(input)} with ${decimals} decimals`, () => {
      assert.throws(
        () => parseAmount(input, decimals),
        (err: unknown) => err instanceof AmountError && reason.test(err.message) && !err.message.includes('\n'),
      );
    });
  }

  it('accepts zero only when asked', () => {
    assert.equal(parseAmount('0', 6, { allowZero: true }), 0n);
  });
});
