/**
 * `npm start` (after the build): the main job on the embedded runtime.
 *
 * Deploys every program built in target/deploy into solana-bankrun through the upgradeable
 * loader's account layout, creates real SPL mints for USDC and $PEER, initializes the market
 * with the default economics as the upgrade authority, exercises update_config, and prints what
 * it did. (The local JSON-RPC network replaces the embedded runtime in a later milestone.)
 */
import { BorshCoder, EventParser } from '@coral-xyz/anchor';
import { findProgramDataAddress } from '../sdk/src/pda';
import { startEmbedded } from '../tools/embedded/env';
import { initializeMarket } from '../tools/embedded/market';
import { expectOk, send, unitsOf } from '../tools/embedded/tx';
import { localnetPrograms, programBinary } from '../tools/workspace';
import { defaultParams } from './params';

const pct = (bps: number) => `${(bps / 100).toFixed(bps % 100 ? 2 : 0)}%`;

async function main(): Promise<void> {
  const line = (s = '') => console.log(s);
  line('Peer Cycles — main job on the embedded Solana runtime (solana-bankrun)');
  line();
  const env = await startEmbedded();
  for (const [name, id] of Object.entries(localnetPrograms())) {
    line(`deployed ${name.padEnd(12)} ${id.toBase58()}  (${programBinary(name).length} bytes, ProgramData ${findProgramDataAddress(id)[0].toBase58()})`);
  }
  line(`upgrade authority / admin   ${env.admin.publicKey.toBase58()}`);
  line(`USDC mint (6 decimals)      ${env.usdcMint.toBase58()}`);
  line(`$PEER mint (9 decimals)     ${env.peerMint.toBase58()}`);
  line();

  const params = defaultParams();
  const { accounts, result } = await initializeMarket(env, params);
  line(`initialize_config           ok, ${unitsOf(result, env.marketId)} CU`);
  const parser = new EventParser(env.marketId, new BorshCoder(env.market.idl));
  for (const ev of parser.parseLogs(result.logs)) line(`  event ${ev.name}`);

  const config = await env.market.account.config.fetch(accounts.config);
  line(`config                      ${accounts.config.toBase58()}`);
  line(`USDC vault (PDA)            ${accounts.usdcVault.toBase58()}`);
  line(`fee split                   worker ${pct(config.params.workerFeeBps)}, margin ${pct(10_000 - config.params.workerFeeBps)}` +
    ` → stakers ${pct(config.params.stakerShareBps)} / treasury ${pct(10_000 - config.params.stakerShareBps)}`);
  line(`minimum bonds ($PEER)       open ${config.params.minBond[0].toString()} · verified ${config.params.minBond[1].toString()} · confidential ${config.params.minBond[2].toString()} (base units)`);
  line(`windows                     job timeout ${config.params.jobTimeoutSecs}s · challenge ${config.params.challengeWindowSecs}s · unbond cooldown ${config.params.unbondCooldownSecs}s`);

  const update = await env.market.methods
    .updateConfig({ ...params, paused: true })
    .accountsStrict({ admin: env.admin.publicKey, config: accounts.config })
    .instruction();
  const updated = expectOk(await send(env.context, [update], [env.admin]));
  const after = await env.market.account.config.fetch(accounts.config);
  line();
  line(`update_config (pause)       ok, ${unitsOf(updated, env.marketId)} CU → paused = ${after.params.paused}`);
  for (const ev of parser.parseLogs(updated.logs)) line(`  event ${ev.name}`);
  line();
  line('done: the market is deployed and configured. Run `npm test` for the full suite, `npm run bench` for numbers.');
}

main().catch((err: unknown) => {
  console.error(`main job failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
