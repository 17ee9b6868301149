/**
 * `peer up`: starts every part of the network as its own supervised process, sets the chain up,
 * drives real traffic through the gateway, and prints what happened. The e2e tests call `startUp`
 * and `driveTraffic` directly, on their own ports.
 */
import type { Keypair, PublicKey } from '@solana/web3.js';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as sdk from '../../sdk/src';
import { configureMarket, DEMO_WINDOWS, deployLocal, fundWallets, PEER, USDC, type Chain } from './chain';
import { Layout, type UpOptions, type WalletName } from './layout';
import { answerLine, balances, conservation, fmt, readRouting, type Conservation } from './report';
import {
  attestationSpec,
  CONFIDENTIAL_BOND,
  dashboardSpec,
  demoProfile,
  gatewaySpec,
  keepersSpec,
  localnetSpec,
  validatorSpec,
  workerSpec,
  writeProfiles,
  writeValidatorRegistry,
} from './services';
import { Supervisor } from './supervisor';
import { gatewayModel, Traffic, type Answer } from './traffic';

export interface Network {
  layout: Layout;
  supervisor: Supervisor;
  chain: Chain;
  wallets: Map<WalletName, Keypair>;
  registry: sdk.ValidatorRegistry;
  demoKey: string;
  model: string;
  startedAt: number;
  /** Worker account → its name, for the timeline. */
  names: Map<string, string>;
  memory: MemorySampler;
  stop(): Promise<void>;
}

/** Samples the summed RSS of every child (from /proc) while the network runs. */
export class MemorySampler {
  peakBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  constructor(private readonly pids: () => number[]) {}
  start(everyMs = 500): void {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }
  sample(): number {
    let sum = 0;
    for (const pid of this.pids()) {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (m) sum += Number(m[1]) * 1024;
      } catch {
        // exited between the listing and the read
      }
    }
    this.peakBytes = Math.max(this.peakBytes, sum);
    return sum;
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

export async function startUp(opts: UpOptions, say: (line: string) => void): Promise<Network> {
  const startedAt = Date.now();
  const layout = new Layout(opts);
  const supervisor = new Supervisor({ logDir: layout.logDir, say });
  const memory = new MemorySampler(() => supervisor.livePids());
  memory.start();
  const stop = async () => {
    memory.stop();
    await supervisor.stopAll();
  };
  try {
    const fresh = layout.isLocal;
    if (fresh) layout.resetData();
    const wallets = new Map<WalletName, Keypair>();
    const validatorNames = layout.validatorNames();
    for (const name of ['admin', 'keeper', 'gateway', 'client', 'staker', 'worker-honest', 'worker-cheater', 'attestation', ...validatorNames] as WalletName[]) {
      wallets.set(name, layout.wallet(name, fresh));
    }
    const w = (n: WalletName) => wallets.get(n)!;
    if (!layout.isLocal) throw new Error('peer up against a remote cluster: see `peer up --help` and README ("Run each part on its own machine")');

    say(`[1/6] local network on ${layout.rpcUrl} (ledger ${layout.data('ledger')})`);
    await supervisor.start(localnetSpec(layout));
    say('[2/6] deploying the programs and bootstrapping the market (BPF upgradeable loader over JSON-RPC)…');
    const chain = await deployLocal(opts.root, layout.rpcUrl, layout.keyPath('admin'), layout.data('wallets'), say);
    await fundWallets(chain, w('admin'), [
      { name: 'keeper', key: w('keeper').publicKey, funds: { sol: 20 } },
      { name: 'gateway', key: w('gateway').publicKey, funds: { sol: 20, usdc: 1_000n * USDC } },
      { name: 'client', key: w('client').publicKey, funds: { sol: 20, usdc: 100n * USDC } },
      { name: 'staker', key: w('staker').publicKey, funds: { sol: 5, peer: 10_000n * PEER } },
      // The honest worker bonds the confidential tier's minimum (its DEV enclave serves that tier).
      { name: 'worker-honest', key: w('worker-honest').publicKey, funds: { sol: 20, peer: BigInt(CONFIDENTIAL_BOND) * PEER + 5_000n * PEER } },
      { name: 'worker-cheater', key: w('worker-cheater').publicKey, funds: { sol: 20, peer: 5_000n * PEER } },
      { name: 'attestation', key: w('attestation').publicKey, funds: { sol: 5 } },
      ...validatorNames.map((n) => ({ name: n, key: w(n).publicKey, funds: { sol: 20, peer: 5_000n * PEER } })),
    ]);
    const validators = validatorNames.map((n) => w(n));
    await configureMarket(chain, w('admin'), {
      keeper: w('keeper').publicKey,
      attestationAuthority: w('attestation').publicKey,
      validators,
      staker: w('staker'),
      quorum: Math.max(1, validators.length - 1),
    });
    await sdk.buyCredits(chain.ctxOf(w('client')), { credits: 2_000n });
    say(`[3/6] funded ${wallets.size} wallets (SOL airdrop; USDC and $PEER minted by the admin); challenge window ${DEMO_WINDOWS.challenge} s, vote windows ${DEMO_WINDOWS.commit} s (warped past), matcher and ${validators.length} validators registered, 10,000 $PEER staked`);

    say('[4/6] starting the services (the workers load the demo model)…');
    const profilesPath = writeProfiles(layout);
    const { path: registryPath, registry } = writeValidatorRegistry(layout, validators);
    const demoKey = `peer_demo_${randomBytes(16).toString('hex')}`;
    const cheatRate = opts.cheatRate;
    const t = (name: string, p: Promise<void>) => p.then(() => say(`  ✓ ${name}`));
    // The honest worker asks the authority to vouch for its enclave as it starts: authority first.
    const authority = t('attestation authority (vouches for DEV enclaves only: NOT hardware-attested)', supervisor.start(attestationSpec(layout)));
    const authorityUrl = layout.url(layout.ports.attestation);
    await Promise.all([
      authority,
      t(
        `worker-honest (demo model, open + verified + confidential on a DEV enclave: NOT hardware-attested, no TEE here; bond ${CONFIDENTIAL_BOND.toLocaleString('en-US')} $PEER)`,
        authority.then(() => supervisor.start(workerSpec(layout, { name: 'worker-honest', port: layout.ports.workers[0], cheatRate: 0, devEnclaveAuthorityUrl: authorityUrl }))),
      ),
      t(`worker-cheater (demo model, alters ${Math.round(cheatRate * 100)}% of its answers)`, supervisor.start(workerSpec(layout, { name: 'worker-cheater', port: layout.ports.workers[1], cheatRate }))),
      t('keepers (matcher, cranks)', supervisor.start(keepersSpec(layout))),
      ...validators.map((_, i) => t(`validator-${i + 1}`, supervisor.start(validatorSpec(layout, i, registryPath, profilesPath)))),
    ]);
    await t('gateway', supervisor.start(gatewaySpec(layout, demoKey, 500)));
    await t('dashboard', supervisor.start(dashboardSpec(layout, demoKey)));

    const names = new Map<string, string>();
    for (const n of ['worker-honest', 'worker-cheater'] as const) names.set(sdk.findWorkerPda(w(n).publicKey)[0].toBase58(), n);
    const gatewayUrl = layout.url(layout.ports.gateway);
    let model = '';
    const deadline = Date.now() + 120_000;
    while (!model) {
      try {
        model = await gatewayModel(gatewayUrl, demoKey);
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    return { layout, supervisor, chain, wallets, registry, demoKey, model, startedAt, names, memory, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface TrafficReport {
  answers: Answer[];
  refusals: { via: string; tier: string; prompt: string; error: string }[];
  firstAnswerMs: number | null;
  challengedJobs: string[];
  cheaterSlashed: bigint;
  honestChallenged: boolean;
  conservation: Conservation;
}

async function until(what: string, cond: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Whether a validator logged a matching re-execution of the job (its JSON log). */
function auditedOk(layout: Layout, job: string): boolean {
  for (const name of layout.validatorNames()) {
    try {
      const log = readFileSync(`${layout.logDir}/${name}.log`, 'utf8');
      if (log.split('\n').some((l) => l.includes('"action":"audit.ok"') && l.includes(job))) return true;
    } catch {
      // not written yet
    }
  }
  return false;
}

/** The demo's traffic; prints the timeline as it goes. */
export async function driveTraffic(net: Network, say: (line: string) => void): Promise<TrafficReport> {
  const { chain, layout } = net;
  const w = (n: WalletName) => net.wallets.get(n)!;
  const traffic = new Traffic(layout.url(layout.ports.gateway), net.demoKey, net.model);
  const routing = () => readRouting(`${layout.logDir}/keepers.log`);
  let firstAnswerMs: number | null = null;
  const show = (a: Answer | null) => {
    if (a && firstAnswerMs === null) firstAnswerMs = Date.now() - net.startedAt;
    if (a) say(`  ${answerLine(a, routing(), net.names)}`);
  };

  say(`[5/6] traffic through the gateway (openai ${'6.49.0'} client, model ${net.model}: the weak char-level DEMO model, so answers are gibberish-ish by design)`);
  show(await traffic.chat('The President said', 'open'));
  show(await traffic.stream('Congress shall make', 'open'));
  show(await traffic.chat('We the People of', 'verified'));
  show(await traffic.stream('In the beginning', 'verified'));
  show(await traffic.x402('Four score and seven', w('client'), layout.rpcUrl, chain.usdcMint));
  // The honest worker registers its enclave key after it starts: wait for the record on chain.
  const honestPda = sdk.findWorkerPda(w('worker-honest').publicKey)[0];
  const authority = w('attestation').publicKey;
  const devPolicy = { trustedAuthorities: [authority], allowedMeasurements: [], allowDev: true };
  await until('the honest worker\'s enclave on chain', async () => sdk.fetchTrustedEnclave(chain.transport, honestPda, devPolicy).then(() => true, () => false), 120_000).catch(() => undefined);
  const conf = await traffic.confidential('A secret question', chain, authority);
  if (conf) {
    show(conf);
    if (conf.enclave && !conf.enclave.hardwareAttested) {
      say(`    ⚠ ${conf.enclave.label} — there is no TEE on this machine: the enclave key lives in the worker's own memory, and the authority vouched for it only because it runs with allow_dev.`);
      say(`      checked for real: the prompt sealed to that key; the enclave's signature over the answer, on chain (submit_confidential_result) and by the gateway (enclave_verified ${conf.enclaveVerified}).`);
    }
  } else {
    say(`  confidential: refused — ${traffic.refusals.at(-1)?.error} (the honest worker's DEV enclave, NOT hardware-attested, is not serving; see ${layout.logDir}/worker-honest.log and attestation.log)`);
  }

  say('  an SDK app posts verified jobs and samples them for audit (openings sealed to a validator of the signed registry):');
  const profile = demoProfile(layout.opts.root);
  const cheaterPda = sdk.findWorkerPda(w('worker-cheater').publicKey)[0];
  show(await traffic.auditedJob(chain, w('client'), honestPda, profile, net.registry, 'The honest answer'));
  const challenged: string[] = [];
  for (let i = 0; i < 8 && challenged.length === 0; i++) {
    const a = await traffic.auditedJob(chain, w('client'), cheaterPda, profile, net.registry, `Audit me ${i}`);
    show(a);
    if (!a) continue;
    // A validator re-executes: a match is logged as audit.ok, a mismatch becomes a challenge.
    let verdict: 'challenged' | 'ok' | null = null;
    try {
      await until('the audit', async () => {
        if ((await sdk.queryChallenges(chain.transport, { worker: cheaterPda })).length > 0) verdict = 'challenged';
        else if (auditedOk(layout, a.job)) verdict = 'ok';
        return verdict !== null;
      }, 120_000);
    } catch {
      continue;
    }
    if (verdict === 'ok') {
      say(`  ✓ audit of job ${a.job.slice(0, 8)}: re-execution matches (this time the cheater answered honestly)`);
      continue;
    }
    for (const c of await sdk.queryChallenges(chain.transport, { worker: cheaterPda })) challenged.push(c.data.job.toBase58());
  }
  const bondBefore = BigInt((await sdk.fetchWorker(chain.transport, cheaterPda)).data.bond.toString());
  if (challenged.length > 0) {
    say(`  ✗ validator challenged job ${challenged[0].slice(0, 8)} (re-execution disagrees with the cheater's output hash); the challenger forwarded the opening to the other validators`);
    const challenge = sdk.findChallengePda(new (await import('@solana/web3.js')).PublicKey(challenged[0]))[0];
    const quorum = (await sdk.fetchConfig(chain.transport, sdk.findConfigPda()[0])).data.params.voteQuorum;
    await until(`${quorum} committed votes`, async () => (await sdk.queryVotes(chain.transport, challenge)).length >= quorum, 180_000);
    say(`  ${quorum} validators committed their votes; warping the clock ${DEMO_WINDOWS.commit + 1} s (commit phase over)`);
    await chain.warp(DEMO_WINDOWS.commit + 1);
    // The cranks resolve as soon as the revealed stake decides, and the voters then close their
    // votes: a challenge already gone counts as revealed and resolved.
    const resolved = async () => (await sdk.queryChallenges(chain.transport, { worker: cheaterPda })).length === 0;
    await until('the reveals', async () => (await resolved()) || (await sdk.queryVotes(chain.transport, challenge)).filter((v) => v.data.revealed).length >= quorum, 120_000);
    if (await resolved()) {
      say('  votes revealed; the cranks resolved the challenge as soon as the revealed stake decided it');
    } else {
      say(`  votes revealed; warping the clock ${DEMO_WINDOWS.reveal + 1} s (reveal phase over) for the cranks to resolve`);
      await chain.warp(DEMO_WINDOWS.reveal + 1);
      await until('the challenge to be resolved', resolved, 120_000);
    }
  } else {
    say('  (the cheater answered honestly every time it was audited: nothing to challenge)');
  }
  const bondAfter = BigInt((await sdk.fetchWorker(chain.transport, cheaterPda)).data.bond.toString());
  if (bondAfter < bondBefore) say(`  ⚖ the cheater was slashed ${fmt(bondBefore - bondAfter, 9)} $PEER (bond ${fmt(bondBefore, 9)} → ${fmt(bondAfter, 9)})`);

  // Past every challenge window: the cranks finalize what is left, and the fees are swept.
  say(`  warping the clock ${DEMO_WINDOWS.challenge + 1} s past the challenge windows: the cranks finalize every remaining job`);
  await chain.warp(DEMO_WINDOWS.challenge + 1);
  await until('every job to end', async () => (await sdk.queryJobs(chain.transport)).length === 0, 180_000);
  const honestChallenged = false; // challenges against the honest worker are counted below from the validators' logs
  const c = await conservation(chain);
  return {
    answers: traffic.answers,
    refusals: traffic.refusals,
    firstAnswerMs,
    challengedJobs: challenged,
    cheaterSlashed: bondBefore - bondAfter,
    honestChallenged: honestChallenged || (await sdk.queryChallenges(chain.transport, { worker: honestPda })).length > 0,
    conservation: c,
  };
}

export async function printSummary(net: Network, report: TrafficReport, say: (line: string) => void): Promise<void> {
  const { chain, layout } = net;
  const c = report.conservation;
  say('[6/6] final state, read from the chain');
  say(`  USDC vault ${fmt(c.vault, 6)} = credits ${c.credits} × 0.01 + unclaimed earnings ${fmt(c.earnings, 6)} + unswept fees ${fmt(c.fees, 6)}: ${c.holds ? 'conserved ✓' : 'NOT CONSERVED ✗'}`);
  const rows = await balances(chain, [...net.wallets.entries()].filter(([n]) => n !== 'attestation').map(([name, kp]) => ({ name, key: kp.publicKey as PublicKey })));
  for (const r of rows) say(`  ${r.name.padEnd(15)} ${fmt(r.usdc, 6).padStart(10)} USDC ${fmt(r.peer, 9).padStart(10)} $PEER  ${r.extra}`);
  const latency = (tier: string) => {
    const xs = report.answers.filter((a) => a.tier === tier).map((a) => a.ms).sort((x, y) => x - y);
    return xs.length ? `${(xs[Math.floor(xs.length / 2)] / 1000).toFixed(1)} s` : 'n/a';
  };
  say(`  measured: first answer ${report.firstAnswerMs !== null ? `${(report.firstAnswerMs / 1000).toFixed(1)} s after start` : 'n/a'}; peak memory of the stack ${(net.memory.peakBytes / 2 ** 20).toFixed(0)} MiB (sum of children's RSS); median latency open ${latency('open')}, verified ${latency('verified')}, confidential ${latency('confidential')}`);
  if (net.supervisor.crashes.length) say(`  crashes seen and restarted: ${net.supervisor.crashes.map((x) => x.name).join(', ')}`);
  const gw = layout.url(layout.ports.gateway);
  say('');
  say('Try it yourself (the network stays up until Ctrl-C):');
  say(`export OPENAI_BASE_URL=${gw}/v1`);
  say(`export OPENAI_API_KEY=${net.demoKey}`);
  say(`PEER_DASHBOARD_URL=${layout.url(layout.ports.dashboard)}`);
  say(`Serve from a browser tab (open tier, llama.cpp in WebAssembly; funds from the local faucet): ${layout.url(layout.ports.dashboard)}/tab`);
  say(`PEER_KEEPERS_HEALTH_URL=${layout.url(layout.ports.keepers)}/health`);
  say(`PEER_ATTESTATION_URL=${layout.url(layout.ports.attestation)}`);
  say(`curl -s $OPENAI_BASE_URL/chat/completions -H "authorization: Bearer $OPENAI_API_KEY" -H 'content-type: application/json' -d '{"model":"${net.model}","messages":[{"role":"user","content":"Hello"}],"max_tokens":24,"peer_tier":"verified"}'`);
  say(`Logs: ${layout.logDir}/<part>.log · configs: ${layout.configDir} · RPC ${layout.rpcUrl}`);
}
