/**
 * The `peer` command tree (commander). Each action parses its flags, builds the context
 * (cluster, keypair, commitment, send mode) and calls the command's pure function in
 * `commands/`, then prints its output as text or JSON. `runCli` never throws and never exits:
 * it returns the exit code (0 ok, 1 error, 2 usage), and every error is one line on stderr.
 */
import { Command, CommanderError, Option } from 'commander';
import { Connection, VersionedTransaction, type Commitment, type Keypair } from '@solana/web3.js';
import { createContext, ReadonlyWallet, type PeerContext } from '../sdk/src/context';
import { oneLine, PeerError, ValidationError } from '../sdk/src/errors';
import type { ProgramIds } from '../sdk/src/programs';
import { ConnectionTransport } from '../sdk/src/rpc/connection';
import type { Transport } from '../sdk/src/rpc/transport';
import type { CommandContext } from './common';
import { loadKeypair, resolveConfig, type GlobalOptions, type ResolvedConfig } from './config';
import { renderJson, renderText } from './output';
import { adminConfigShowCommand } from './commands/admin/config-show';
import { adminConfigUpdateCommand } from './commands/admin/config-update';
import { adminInitCommand } from './commands/admin/init';
import { flagHelp, MARKET_PARAM_FIELDS, POOL_PARAM_FIELDS } from './commands/admin/params';
import { claimCommand } from './commands/claim';
import { creditsBalanceCommand } from './commands/credits/balance';
import { creditsBuyCommand } from './commands/credits/buy';
import { creditsRedeemCommand } from './commands/credits/redeem';
import { jobCancelCommand } from './commands/job/cancel';
import { jobPostCommand } from './commands/job/post';
import { jobStatusCommand } from './commands/job/status';
import { stakeCommand } from './commands/stake';
import { statusCommand } from './commands/status';
import { unstakeCommand } from './commands/unstake';
import { validatorChallengeCommand } from './commands/validator/challenge';
import { validatorRegisterCommand } from './commands/validator/register';
import { validatorStatusCommand } from './commands/validator/status';
import { validatorVoteCommand } from './commands/validator/vote';
import { withdrawCommand } from './commands/withdraw';
import { addKeeperCommands } from './commands/keeper/run';
import { addDashboardCommand } from './commands/dashboard';
import { addAttestCommands } from './commands/attest';
import { addGatewayCommands } from './commands/gateway';
import { addPrivacyCommands } from './commands/privacy';
import { addCompletionCommand } from './commands/completion';
import { addLocalnetCommand } from './commands/localnet';
import { addUpCommand } from './commands/up';
import { workerBondCommand } from './commands/worker/bond';
import { workerClaimCommand } from './commands/worker/claim';
import { workerPauseCommand, workerResumeCommand } from './commands/worker/pause';
import { workerRegisterCommand } from './commands/worker/register';
import { addWorkerStartCommand } from './commands/worker/start';
import { workerStatusCommand } from './commands/worker/status';
import { workerUnbondCommand } from './commands/worker/unbond';
import { workerUpdateCommand } from './commands/worker/update';
import { workerWithdrawCommand } from './commands/worker/withdraw';

export const VERSION = '0.1.0';

export interface CliDeps {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The home directory (Solana CLI config and default keypair). */
  home: string;
  cwd: string;
  /** Makes the transport for an RPC URL (default: a web3.js Connection). Tests inject bankrun. */
  transport?: (url: string, commitment: Commitment) => Transport;
  programs?: Partial<ProgramIds>;
  /** Print stack traces (PEER_DEBUG=1). */
  debug?: boolean;
}

type Signer = 'required' | 'optional';

interface Runner {
  /** Resolves the global options, loads the keypair and builds the context. */
  context(cmd: Command, signer: Signer): CommandContext & { config: ResolvedConfig };
  print(cmd: Command, output: unknown): void;
}

function makeRunner(deps: CliDeps): Runner {
  return {
    context(cmd, signer) {
      const opts = cmd.optsWithGlobals() as GlobalOptions;
      const config = resolveConfig(opts, { home: deps.home, cwd: deps.cwd });
      let keypair: Keypair | null = null;
      let peer: PeerContext | null = null;
      // Built on first use, so commands check their arguments before the keypair and the network.
      const build = (): PeerContext => {
        // A keypair named with -k must load, even for reads: a typo should not read someone else's data.
        if (signer === 'required' || config.keypairExplicit) keypair = loadKeypair(config.keypairPath);
        else {
          try {
            keypair = loadKeypair(config.keypairPath);
          } catch {
            keypair = null;
          }
        }
        const transport = deps.transport
          ? deps.transport(config.url, config.commitment)
          : new ConnectionTransport(new Connection(config.url, { commitment: config.commitment, disableRetryOnRateLimit: true }));
        return createContext({
          transport,
          wallet: keypair ?? undefined,
          programs: deps.programs,
          send: {
            commitment: config.commitment,
            mode: config.mode,
            priorityFee: config.priorityFee,
            feePayer: config.feePayerPath ? loadKeypair(config.feePayerPath) : undefined,
          },
        });
      };
      return {
        get peer() {
          peer ??= build();
          return peer;
        },
        cwd: deps.cwd,
        config,
      };
    },
    print(cmd, output) {
      const opts = cmd.optsWithGlobals() as GlobalOptions;
      const shown = opts.dumpTransactionMessage ? withMessages(output) : output;
      const format = opts.output ?? 'text';
      deps.stdout(format === 'text' ? renderText(shown) : renderJson(shown, format === 'json-compact'));
    },
  };
}

/**
 * --dump-transaction-message: next to every printed or signed transaction, its message alone
 * (base64), which is what offline signers and multisig tools take.
 */
function withMessages(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withMessages);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = withMessages(v);
  if ((out.mode === 'print' || out.mode === 'sign') && typeof out.transaction === 'string') {
    const tx = VersionedTransaction.deserialize(Buffer.from(out.transaction, 'base64'));
    out.message = Buffer.from(tx.message.serialize()).toString('base64');
  }
  return out;
}

/** A context without a keypair (read-only commands need an address argument then). */
function isReadonly(ctx: CommandContext): boolean {
  return ctx.peer.wallet instanceof ReadonlyWallet;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function buildProgram(deps: CliDeps): Command {
  const run = makeRunner(deps);
  const program = new Command('peer');
  program
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .description('Peer Cycles: stake $PEER, run a worker, buy credits and post inference jobs, validate results.')
    .version(VERSION, '-V, --version')
    .option('-u, --url <url-or-moniker>', 'cluster: mainnet-beta, devnet, testnet, localnet (m, d, t, l) or an RPC URL [default: the Solana CLI config, else localnet]')
    .option('-k, --keypair <path>', 'signer keypair file [default: the Solana CLI config, else ~/.config/solana/id.json]')
    .option('-C, --config <path>', 'Solana CLI config file [default: ~/.config/solana/cli/config.yml]')
    .option('--commitment <level>', 'processed, confirmed or finalized [default: the Solana CLI config, else confirmed]')
    .addOption(new Option('--output <format>', 'output format').choices(['text', 'json', 'json-compact']).default('text'))
    .option('-v, --verbose', 'on errors, print the stack and the transaction logs')
    .option('--simulate', 'simulate the transaction and print its compute units and logs; send nothing')
    .option('--print-only', 'print the unsigned transaction (base64) instead of sending it')
    .option('--sign-only', 'sign the transaction and print it (base64) instead of sending it; send it later with `peer send-transaction`')
    .option('--dump-transaction-message', 'with --print-only or --sign-only: also print the transaction message (base64)')
    .option('--fee-payer <keypair>', 'keypair file that pays the fees [default: the signer]')
    .option('--priority-fee <micro-lamports>', 'priority fee per compute unit')
    .option('--with-compute-unit-price <micro-lamports>', 'the same as --priority-fee (the Solana CLI\'s name)')
    .option('--priority-fee-cap <lamports>', 'upper bound of the whole priority fee')
    .addHelpText(
      'after',
      `
Amounts are human units: $PEER for stakes and bonds ("12.5"), US dollars for credits and prices
("12.5" = $12.50 = 1250 credits; 1 credit = $0.01).

Examples:
  peer -u devnet stake 250
  peer credits buy 20
  peer job post --model llama-3.1-8b-instruct --max-price 0.5 --prompt "Hello"
  peer worker status --output json`,
    );

  const action =
    <A extends unknown[]>(signer: Signer, fn: (ctx: CommandContext, cmd: Command, ...args: A) => Promise<unknown>) =>
    async (...all: unknown[]): Promise<void> => {
      const cmd = all[all.length - 1] as Command;
      const args = all.slice(0, -2) as A;
      const ctx = run.context(cmd, signer);
      run.print(cmd, await fn(ctx, cmd, ...args));
    };

  // ---- staker ------------------------------------------------------------------------------------
  program
    .command('stake')
    .description('stake $PEER and earn the stakers\' share of the network margin in USDC')
    .argument('<amount>', '$PEER to stake, e.g. 250 or 12.5')
    .option('--source <token-account>', '$PEER token account to stake from [default: your associated token account]')
    .action(action('required', (ctx, cmd, amount: string) => stakeCommand(ctx, { amount, source: cmd.opts().source })));
  program
    .command('unstake')
    .description('start the unstake cooldown for part of your stake (it stops earning at once)')
    .argument('<amount>', '$PEER to unstake')
    .action(action('required', (ctx, _cmd, amount: string) => unstakeCommand(ctx, { amount })));
  program
    .command('withdraw')
    .description('withdraw the stake whose cooldown has passed')
    .option('--destination <token-account>', '$PEER token account [default: your associated token account]')
    .action(action('required', (ctx, cmd) => withdrawCommand(ctx, { destination: cmd.opts().destination })));
  program
    .command('claim')
    .description('claim your staking rewards (USDC)')
    .option('--destination <token-account>', 'USDC token account [default: your associated token account]')
    .action(action('required', (ctx, cmd) => claimCommand(ctx, { destination: cmd.opts().destination })));
  program
    .command('status')
    .description('your stake, cooldown and claimable rewards')
    .argument('[owner]', 'staker wallet [default: the keypair\'s]')
    .action(
      action('optional', (ctx, _cmd, owner: string | undefined) => {
        if (!owner && isReadonly(ctx)) throw new ValidationError('no keypair: pass the owner address or -k <keypair>');
        return statusCommand(ctx, { owner });
      }),
    );

  // ---- worker ------------------------------------------------------------------------------------
  const worker = program.command('worker').description('run a worker: register, bond $PEER, claim earnings');
  const settingsOptions = (c: Command, required: boolean): Command =>
    c
      .option('--tier <tiers>', `tiers served, comma-separated: open, verified, confidential${required ? '' : ' (replaces)'}`, collect)
      .option('--model <name>', 'model served (name or 64-hex id); repeat for several', collect)
      .option('--price <tier=usd>', 'price per job in USD for a tier, e.g. open=0.05; repeat per tier', collect)
      .option('--capacity <jobs>', `concurrent jobs${required ? ' [default: 1]' : ''}`)
      .option('--endpoint <url>', 'URL clients send prompts to')
      .option('--encryption-key <key>', 'x25519 public key (base58 or hex) [default: derived from the keypair]');
  settingsOptions(worker.command('register').description('register the keypair as a worker'), true).action(
    action('required', (ctx, cmd) => {
      const o = cmd.opts();
      return workerRegisterCommand(ctx, { tiers: o.tier, models: o.model, prices: o.price, capacity: o.capacity, endpoint: o.endpoint, encryptionKey: o.encryptionKey });
    }),
  );
  settingsOptions(worker.command('update').description('change some settings (the others are kept)'), false).action(
    action('required', (ctx, cmd) => {
      const o = cmd.opts();
      return workerUpdateCommand(ctx, { tiers: o.tier, models: o.model, prices: o.price, capacity: o.capacity, endpoint: o.endpoint, encryptionKey: o.encryptionKey });
    }),
  );
  worker
    .command('bond')
    .description('bond $PEER (each tier needs a minimum bond)')
    .argument('<amount>', '$PEER to bond')
    .option('--source <token-account>', '$PEER token account [default: your associated token account]')
    .action(action('required', (ctx, cmd, amount: string) => workerBondCommand(ctx, { amount, source: cmd.opts().source })));
  worker
    .command('unbond')
    .description('start the unbond cooldown for part of the bond')
    .argument('<amount>', '$PEER to unbond')
    .action(action('required', (ctx, _cmd, amount: string) => workerUnbondCommand(ctx, { amount })));
  worker
    .command('withdraw')
    .description('withdraw the unbonded $PEER after the cooldown')
    .option('--destination <token-account>', '$PEER token account [default: your associated token account]')
    .action(action('required', (ctx, cmd) => workerWithdrawCommand(ctx, { destination: cmd.opts().destination })));
  worker
    .command('claim')
    .description('claim your USDC earnings')
    .option('--destination <token-account>', 'USDC token account [default: your associated token account]')
    .action(action('required', (ctx, cmd) => workerClaimCommand(ctx, { destination: cmd.opts().destination })));
  addWorkerStartCommand(worker);
  worker.command('pause').description('stop taking new jobs').action(action('required', (ctx) => workerPauseCommand(ctx)));
  worker.command('resume').description('take new jobs again').action(action('required', (ctx) => workerResumeCommand(ctx)));
  worker
    .command('status')
    .description('bond, earnings, jobs, reputation and settings')
    .argument('[authority]', 'worker wallet [default: the keypair\'s]')
    .action(
      action('optional', (ctx, _cmd, authority: string | undefined) => {
        if (!authority && isReadonly(ctx)) throw new ValidationError('no keypair: pass the worker\'s authority address or -k <keypair>');
        return workerStatusCommand(ctx, { authority });
      }),
    );

  // ---- credits -----------------------------------------------------------------------------------
  const credits = program.command('credits').description('buy, redeem and check credits (1 credit = $0.01 of USDC)');
  credits
    .command('buy')
    .description('buy credits with USDC')
    .argument('<usd>', 'dollars to spend, e.g. 12.5 (at most 2 decimals)')
    .option('--source <token-account>', 'USDC token account [default: your associated token account]')
    .action(action('required', (ctx, cmd, amount: string) => creditsBuyCommand(ctx, { amount, source: cmd.opts().source })));
  credits
    .command('redeem')
    .description('turn unspent credits back into USDC')
    .argument('<usd>', 'dollars of credits to redeem')
    .option('--destination <token-account>', 'USDC token account [default: your associated token account]')
    .action(action('required', (ctx, cmd, amount: string) => creditsRedeemCommand(ctx, { amount, destination: cmd.opts().destination })));
  credits
    .command('balance')
    .description('free and locked credits')
    .argument('[owner]', 'wallet [default: the keypair\'s]')
    .action(
      action('optional', (ctx, _cmd, owner: string | undefined) => {
        if (!owner && isReadonly(ctx)) throw new ValidationError('no keypair: pass the owner address or -k <keypair>');
        return creditsBalanceCommand(ctx, { owner });
      }),
    );

  // ---- jobs --------------------------------------------------------------------------------------
  const job = program.command('job').description('post inference jobs and read their verified results');
  job
    .command('post')
    .description('post a job; the prompt is encrypted to the worker\'s key and only its hash goes on-chain')
    .requiredOption('--model <name>', 'model name (or 64-hex id)')
    .requiredOption('--max-price <usd>', 'most you pay for the job, in USD (locked until it ends)')
    .option('--prompt <text>', 'the prompt')
    .option('--prompt-file <path>', 'read the prompt from a file')
    .option('--tier <tier>', 'open, verified or confidential', 'open')
    .option('--worker <address>', 'worker account to encrypt to [default: the cheapest eligible worker]')
    .option('--no-pin', 'let any eligible worker take the job (only the chosen worker can read the prompt)')
    .option('--seed <u64>', 'sampling seed [default: random]')
    .option('--envelope-out <path>', 'write the encrypted prompt here [default: inline, base64]')
    .action(
      action('required', (ctx, cmd) => {
        const o = cmd.opts();
        return jobPostCommand(ctx, {
          model: o.model,
          maxPrice: o.maxPrice,
          prompt: o.prompt,
          promptFile: o.promptFile,
          tier: o.tier,
          worker: o.worker,
          pin: o.pin,
          seed: o.seed,
          envelopeOut: o.envelopeOut,
        });
      }),
    );
  job
    .command('status')
    .description('the job\'s state; with --result-file, its result decrypted and verified')
    .argument('<job>', 'job address')
    .option('--result-file <path>', 'the encrypted result the worker returned')
    .option('--enclave-signature <hex|base64>', 'confidential jobs: the enclave\'s signature over (job, output hash)')
    .option('--wait', 'wait until the job has a result or has ended')
    .option('--timeout <seconds>', 'with --wait: give up after this long [default: 300]')
    .action(
      action('optional', (ctx, cmd, jobAddress: string) => {
        const o = cmd.opts();
        return jobStatusCommand(ctx, { job: jobAddress, resultFile: o.resultFile, enclaveSignature: o.enclaveSignature, wait: o.wait, timeout: o.timeout });
      }),
    );
  job
    .command('cancel')
    .description('cancel a job no worker took yet (credits unlock, rent returns)')
    .argument('<job>', 'job address')
    .action(action('required', (ctx, _cmd, jobAddress: string) => jobCancelCommand(ctx, { job: jobAddress })));

  // ---- validator ---------------------------------------------------------------------------------
  const validator = program.command('validator').description('bond as a validator, challenge wrong results, vote on challenges');
  validator
    .command('register')
    .description('register the keypair as a validator, bonding $PEER')
    .argument('<amount>', '$PEER to bond (at least the validator minimum)')
    .option('--source <token-account>', '$PEER token account [default: your associated token account]')
    .action(action('required', (ctx, cmd, amount: string) => validatorRegisterCommand(ctx, { amount, source: cmd.opts().source })));
  validator
    .command('challenge')
    .description('challenge a result with the output you got re-executing the job')
    .argument('<job>', 'job address')
    .option('--output-hash <hex>', 'sha256 of your output')
    .option('--output-file <path>', 'your output (hashed here)')
    .action(
      action('required', (ctx, cmd, jobAddress: string) =>
        validatorChallengeCommand(ctx, { job: jobAddress, outputHash: cmd.opts().outputHash, outputFile: cmd.opts().outputFile }),
      ),
    );
  validator
    .command('vote')
    .description('commit a vote on a challenge (or reveal it with --reveal after the commit phase)')
    .argument('<challenge>', 'challenge address')
    .option('--output-hash <hex>', 'sha256 of the output you got')
    .option('--output-file <path>', 'the output you got (hashed here)')
    .option('--reveal', 'reveal the vote committed earlier')
    .action(
      action('required', (ctx, cmd, challenge: string) =>
        validatorVoteCommand(ctx, { challenge, outputHash: cmd.opts().outputHash, outputFile: cmd.opts().outputFile, reveal: cmd.opts().reveal }),
      ),
    );
  validator
    .command('status')
    .description('bond, challenges and votes')
    .argument('[authority]', 'validator wallet [default: the keypair\'s]')
    .action(
      action('optional', (ctx, _cmd, authority: string | undefined) => {
        if (!authority && isReadonly(ctx)) throw new ValidationError('no keypair: pass the validator\'s authority address or -k <keypair>');
        return validatorStatusCommand(ctx, { authority });
      }),
    );

  // ---- admin -------------------------------------------------------------------------------------
  const admin = program.command('admin').description('initialize and configure the market (the programs\' upgrade authority)');
  const paramOptions = (c: Command): Command => {
    for (const f of [...MARKET_PARAM_FIELDS, ...POOL_PARAM_FIELDS]) c.option(`--${f.flag} <value>`, flagHelp(f));
    return c;
  };
  const paramValues = (o: Record<string, string | undefined>): Record<string, string | undefined> => {
    const out: Record<string, string | undefined> = {};
    for (const f of MARKET_PARAM_FIELDS) out[f.name] = o[f.name];
    for (const f of POOL_PARAM_FIELDS) {
      const key = `pool${f.name[0].toUpperCase()}${f.name.slice(1)}`;
      out[key] = o[key];
    }
    return out;
  };
  paramOptions(
    admin
      .command('init')
      .description('initialize the staking pool and the market in one transaction (parameters default to product.md\'s economics)')
      .requiredOption('--usdc-mint <address>', 'USDC mint (6 decimals)')
      .requiredOption('--peer-mint <address>', '$PEER mint')
      .option('--treasury <token-account>', 'USDC token account of the treasury [default: your associated token account]')
      .option('--no-staking', 'initialize the market alone')
      .option('--staking-reward-vault <token-account>', 'with --no-staking: USDC account for the stakers\' share'),
  ).action(
    action('required', (ctx, cmd) => {
      const o = cmd.opts();
      return adminInitCommand(ctx, {
        usdcMint: o.usdcMint,
        peerMint: o.peerMint,
        treasury: o.treasury,
        staking: o.staking,
        stakingRewardVault: o.stakingRewardVault,
        params: paramValues(o),
      });
    }),
  );
  const config = admin.command('config').description('show or update the parameters');
  config
    .command('show')
    .description('the market config, unswept fees and the staking pool')
    .action(action('optional', (ctx) => adminConfigShowCommand(ctx)));
  paramOptions(config.command('update').description('change parameters (the others are kept)'))
    .option('--pool-treasury <token-account>', 'new USDC treasury of the staking pool')
    .action(action('required', (ctx, cmd) => adminConfigUpdateCommand(ctx, { params: paramValues(cmd.opts()), poolTreasury: cmd.opts().poolTreasury })));

  addKeeperCommands(program);
  addDashboardCommand(program);
  addAttestCommands(program, run.print);
  addGatewayCommands(program, run.print);
  addPrivacyCommands(program);
  addUpCommand(program);
  addLocalnetCommand(program);
  program
    .command('send-transaction')
    .description('send a signed transaction (base64, e.g. from --sign-only) and wait for it')
    .argument('<base64>', 'the signed transaction')
    .action(
      action('optional', async (ctx, _cmd, encoded: string) => {
        if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded.trim())) throw new ValidationError('the transaction must be base64');
        let tx: VersionedTransaction;
        try {
          tx = VersionedTransaction.deserialize(Buffer.from(encoded.trim(), 'base64'));
        } catch {
          throw new ValidationError('not a serialized transaction');
        }
        const commitment = (ctx as CommandContext & { config: ResolvedConfig }).config.commitment;
        // Its blockhash is at most as young as the latest one: that one's last valid height bounds the wait.
        const { lastValidBlockHeight } = await ctx.peer.transport.getLatestBlockhash(commitment);
        const res = await ctx.peer.transport.sendAndConfirm(tx, { commitment, lastValidBlockHeight });
        if (res.failure) throw new PeerError(res.failure.kind, `transaction failed: ${res.failure.message}`, res.logs);
        return { signature: res.signature, logs: res.logs };
      }),
    );
  addCompletionCommand(program, deps.stdout);
  return program;
}

/** Runs the CLI on `argv` (without "node" and the script); returns the exit code. */
export async function runCli(argv: string[], deps: CliDeps): Promise<number> {
  const program = buildProgram(deps);
  const configure = (c: Command): void => {
    c.exitOverride();
    c.configureOutput({ writeOut: deps.stdout, writeErr: deps.stderr, outputError: (str, write) => write(str) });
    c.commands.forEach(configure);
  };
  configure(program);
  if (argv.length === 0) {
    deps.stdout(program.helpInformation());
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      if (err.code === 'commander.executeSubCommandAsync') return 0;
      return 2;
    }
    deps.stderr(`error: ${oneLine(err)}\n`);
    const verbose = deps.debug || program.opts().verbose === true;
    if (verbose && err instanceof Error && err.stack) deps.stderr(`${err.stack}\n`);
    if (verbose && err instanceof PeerError && err.logs.length) deps.stderr(`${err.logs.join('\n')}\n`);
    return 1;
  }
}
