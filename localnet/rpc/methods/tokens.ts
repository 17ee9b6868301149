/** SPL Token reads: token account balance, token accounts by owner or delegate, mint supply. */
import { decodeMint, decodeTokenAccount, isTokenProgram, uiTokenAmount } from '../../encoding/spl-token';
import { uiAccount } from '../../encoding/accounts';
import { invalidParams } from '../errors';
import { checkContext, config, noMoreThan, positional, pubkey } from '../params';
import { withContext, type Handler, type RpcContext } from '../context';
import { accountQuery, decimalsLookup } from './accounts';

function tokenAccountsBy(field: 'owner' | 'delegate') {
  return (params: unknown, ctx: RpcContext) => {
    const p = positional(params);
    noMoreThan(p, 3);
    const who = pubkey(p[0], field);
    const filter = config(p[1]);
    const cfg = config(p[2]);
    checkContext(cfg, ctx.bank.slot);
    const q = accountQuery(cfg, 'binary');
    let program: string;
    let mint: string | null = null;
    if ('mint' in filter && !('programId' in filter)) {
      mint = pubkey(filter.mint, 'mint');
      const mintAccount = ctx.bank.getAccount(mint);
      if (!mintAccount || !isTokenProgram(mintAccount.owner) || !decodeMint(mintAccount.data)) throw invalidParams('could not find mint');
      program = mintAccount.owner;
    } else if ('programId' in filter && !('mint' in filter)) {
      program = pubkey(filter.programId, 'programId');
      if (!isTokenProgram(program)) throw invalidParams('unrecognized Token program id');
    } else {
      throw invalidParams('expected exactly one of {mint} or {programId}');
    }
    const decimals = decimalsLookup(ctx.bank);
    const out = ctx.bank
      .getProgramAccounts(program)
      .filter(({ account }) => {
        const acc = decodeTokenAccount(account.data);
        if (!acc || acc.state === 'uninitialized') return false;
        if (mint !== null && acc.mint !== mint) return false;
        return field === 'owner' ? acc.owner === who : acc.delegate === who;
      })
      .map(({ address, account }) => ({ pubkey: address, account: uiAccount(account, q.encoding, q.dataSlice, decimals) }));
    return withContext(ctx, out);
  };
}

export const tokenMethods: Record<string, Handler> = {
  getTokenAccountBalance(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 2);
    const address = pubkey(p[0], 'token account');
    checkContext(config(p[1]), ctx.bank.slot);
    const state = ctx.bank.getAccount(address);
    const acc = state && isTokenProgram(state.owner) ? decodeTokenAccount(state.data) : null;
    if (!acc || acc.state === 'uninitialized') throw invalidParams('not a Token account');
    const decimals = decimalsLookup(ctx.bank)(acc.mint);
    if (decimals === null) throw invalidParams('could not find mint');
    return withContext(ctx, uiTokenAmount(acc.amount, decimals));
  },

  getTokenSupply(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 2);
    const address = pubkey(p[0], 'mint');
    checkContext(config(p[1]), ctx.bank.slot);
    const state = ctx.bank.getAccount(address);
    const mint = state && isTokenProgram(state.owner) ? decodeMint(state.data) : null;
    if (!mint) throw invalidParams('not a Token mint');
    return withContext(ctx, uiTokenAmount(mint.supply, mint.decimals));
  },

  getTokenAccountsByOwner: tokenAccountsBy('owner'),
  getTokenAccountsByDelegate: tokenAccountsBy('delegate'),
};
