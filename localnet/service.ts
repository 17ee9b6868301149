/**
 * localnet as a service: start the network from its configuration, print where it serves,
 * stop it (flushes and compacts the ledger).
 */
import type { LocalnetConfig } from './config';
import { localnetOptions } from './config';
import { startLocalnet, type Localnet } from './index';
import { preload } from './preload';

export interface LocalnetService {
  net: Localnet;
  stop(): Promise<void>;
}

export interface LocalnetServiceIo {
  /** The startup summary (stdout by default). */
  out?: (text: string) => void;
  /** One log line per action (stderr by default; nothing when `quiet`). */
  log?: (line: string) => void;
}

export async function startLocalnetService(config: LocalnetConfig, io: LocalnetServiceIo = {}): Promise<LocalnetService> {
  const out = io.out ?? ((text: string) => process.stdout.write(text));
  const log = io.log ?? ((line: string) => process.stderr.write(`[localnet] ${line}\n`));
  const net = await startLocalnet({ ...localnetOptions(config), log: config.quiet ? false : log });
  let loaded;
  try {
    loaded = await preload(net.bank, { programs: config.bpf_program, accounts: config.account });
  } catch (err) {
    await net.close();
    throw err;
  }
  out(
    [
      'Peer Cycles localnet (litesvm runtime)',
      `  JSON-RPC   ${net.rpcUrl}`,
      `  WebSocket  ${net.wsUrl}`,
      `  genesis    ${net.genesisHash}`,
      `  faucet     ${net.faucet.toBase58()}`,
      `  ledger     ${net.ledgerDir ?? '(in memory; pass --ledger DIR to keep state)'}`,
      ...(loaded.programs || loaded.accounts ? [`  loaded     ${loaded.programs} program(s), ${loaded.accounts} account(s)`] : []),
      '',
    ].join('\n'),
  );
  return { net, stop: () => net.close() };
}
