/** Cashu error responses (NUT-00): HTTP 400 with `{detail, code}`; codes as the NUTs number them. */
export const CODES = {
  blindedMessageSigned: 10002,
  proofInvalid: 10003,
  proofSpent: 11001,
  notBalanced: 11002,
  duplicateInputs: 11003,
  duplicateOutputs: 11004,
  unitUnsupported: 11005,
  amountOutOfRange: 11006,
  keysetUnknown: 12001,
  keysetInactive: 12002,
  quoteNotPaid: 20001,
  quoteIssued: 20002,
  quotePending: 20005,
  proofPending: 11010,
  quoteExpired: 20007,
  quoteUnknown: 20010,
  badRequest: 10000,
  paymentFailed: 20008,
} as const;

export class MintError extends Error {
  constructor(
    readonly code: number,
    detail: string,
    readonly status = 400,
  ) {
    super(detail);
    this.name = 'MintError';
  }
  toJSON(): { detail: string; code: number } {
    return { detail: this.message, code: this.code };
  }
}
