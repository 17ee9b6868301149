/**
 * Real traffic through the running network: chat requests with the official `openai` client to
 * the gateway (open and verified tiers, some streamed), one paid per request over x402 with
 * `@x402/fetch`, a confidential request (on the honest worker's DEV enclave: NOT
 * hardware-attested, this machine has no TEE), and an SDK app posting verified jobs itself and
 * sampling them for audit (the client side of the audit path: openings sealed to validators of
 * the signed registry). Every answer is the demo model's own text.
 */
import { createKeyPairSignerFromBytes } from '@solana/kit';
import { PublicKey, type Keypair } from '@solana/web3.js';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { ExactSvmScheme } from '@x402/svm/exact/client';
import OpenAI from 'openai';
import * as sdk from '../../sdk/src';
import { profileId, type ExecutionProfile } from '../../worker';
import type { Chain } from './chain';

const DEVNET = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1';

export type Tier = 'open' | 'verified' | 'confidential';

export interface Answer {
  via: 'openai' | 'openai-stream' | 'x402' | 'sdk-audited';
  tier: Tier;
  prompt: string;
  text: string;
  job: string;
  worker: string | null;
  ms: number;
  /** Time to the first streamed token. */
  ttftMs: number | null;
  audited: boolean;
  /** Confidential tier: the gateway checked the enclave's signature (PeerProof.enclave_verified). */
  enclaveVerified?: boolean | null;
  /**
   * Confidential tier: the answering worker's enclave as the client reads it from the chain
   * (the measurement says DEV or hardware; a DEV enclave is NOT hardware-attested).
   */
  enclave?: { hardwareAttested: boolean; label: string };
}

export interface Refusal {
  via: string;
  tier: Tier;
  prompt: string;
  error: string;
}

export interface TrafficResult {
  answers: Answer[];
  refusals: Refusal[];
}

interface PeerProof {
  job: string;
  worker: string;
  enclave_verified?: boolean | null;
}

export class Traffic {
  readonly answers: Answer[] = [];
  readonly refusals: Refusal[] = [];
  readonly openai: OpenAI;

  constructor(
    private readonly gatewayUrl: string,
    apiKey: string,
    private readonly model: string,
  ) {
    this.openai = new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey, maxRetries: 0, timeout: 300_000 });
  }

  /** One non-streamed chat request. */
  async chat(prompt: string, tier: Tier, maxTokens = 32): Promise<Answer | null> {
    const started = Date.now();
    try {
      const params = { model: this.model, messages: [{ role: 'user' as const, content: prompt }], max_tokens: maxTokens, peer_tier: tier };
      const res = await this.openai.chat.completions.create(params as OpenAI.ChatCompletionCreateParamsNonStreaming);
      const proof = (res as unknown as { peer: PeerProof }).peer;
      const a: Answer = { via: 'openai', tier, prompt, text: res.choices[0]?.message?.content ?? '', job: proof.job, worker: proof.worker, ms: Date.now() - started, ttftMs: null, audited: false };
      if (tier === 'confidential') a.enclaveVerified = proof.enclave_verified ?? null;
      this.answers.push(a);
      return a;
    } catch (err) {
      this.refusals.push({ via: 'openai', tier, prompt, error: oneLine(err) });
      return null;
    }
  }

  /**
   * One confidential request through the gateway: it seals the prompt to the assigned worker's
   * enclave key and checks the enclave's signature over the result (the program checked it in
   * submit_confidential_result). Then the client reads the answering worker's enclave record
   * from the chain itself, trusting `authority` and accepting a DEV enclave, and says which
   * kind it is: a DEV enclave is NOT hardware-attested.
   */
  async confidential(prompt: string, chain: Chain, authority: PublicKey, maxTokens = 32): Promise<Answer | null> {
    const a = await this.chat(prompt, 'confidential', maxTokens);
    if (!a || !a.worker) return a;
    try {
      const e = await sdk.fetchTrustedEnclave(chain.transport, new PublicKey(a.worker), { trustedAuthorities: [authority], allowedMeasurements: [], allowDev: true });
      a.enclave = { hardwareAttested: e.hardwareAttested, label: e.label };
    } catch (err) {
      a.enclave = { hardwareAttested: false, label: `enclave record not trusted by this client: ${oneLine(err)}` };
    }
    return a;
  }

  /** One streamed chat request (SSE); the job comes from the x-peer-job header. */
  async stream(prompt: string, tier: Tier, maxTokens = 32): Promise<Answer | null> {
    const started = Date.now();
    try {
      const params = { model: this.model, messages: [{ role: 'user' as const, content: prompt }], max_tokens: maxTokens, stream: true as const, peer_tier: tier };
      const { data, response } = await this.openai.chat.completions.create(params as OpenAI.ChatCompletionCreateParamsStreaming).withResponse();
      let text = '';
      let ttft: number | null = null;
      for await (const chunk of data) {
        const piece = chunk.choices[0]?.delta?.content ?? '';
        if (piece && ttft === null) ttft = Date.now() - started;
        text += piece;
      }
      const a: Answer = { via: 'openai-stream', tier, prompt, text, job: response.headers.get('x-peer-job') ?? '', worker: null, ms: Date.now() - started, ttftMs: ttft, audited: false };
      this.answers.push(a);
      return a;
    } catch (err) {
      this.refusals.push({ via: 'openai-stream', tier, prompt, error: oneLine(err) });
      return null;
    }
  }

  /** One request without an API key, paid per request over x402 (USDC from `payer`). */
  async x402(prompt: string, payer: Keypair, rpcUrl: string, usdcMint: PublicKey): Promise<Answer | null> {
    const started = Date.now();
    try {
      const signer = await createKeyPairSignerFromBytes(payer.secretKey);
      const client = new x402Client().register('solana:*', new ExactSvmScheme(signer, { rpcUrl }));
      client.setSpendControls({ allowedAssets: [{ network: DEVNET, asset: usdcMint.toBase58() }] });
      const paid = wrapFetchWithPayment(fetch, client);
      const res = await paid(`${this.gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: this.model, messages: [{ role: 'user', content: prompt }], max_tokens: 24 }),
      });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
      const body = (await res.json()) as { choices: { message: { content: string } }[]; peer: PeerProof };
      const a: Answer = { via: 'x402', tier: 'open', prompt, text: body.choices[0].message.content, job: body.peer.job, worker: body.peer.worker, ms: Date.now() - started, ttftMs: null, audited: false };
      this.answers.push(a);
      return a;
    } catch (err) {
      this.refusals.push({ via: 'x402', tier: 'open', prompt, error: oneLine(err) });
      return null;
    }
  }

  /**
   * An SDK app's verified job pinned to `worker`, run on the worker's endpoint, verified against
   * the chain, and sampled for audit: its opening goes to one validator of the registry.
   */
  async auditedJob(chain: Chain, client: Keypair, worker: PublicKey, profile: ExecutionProfile, registry: sdk.ValidatorRegistry, prompt: string): Promise<Answer | null> {
    const started = Date.now();
    const ctx = chain.ctxOf(client);
    try {
      const posted = await sdk.postJob(ctx, { prompt, maxTokens: 24, model: profileId(profile), tier: 'verified', maxPrice: 10n, worker });
      const result = await sdk.runJobOnWorker(ctx, { job: posted.job, opening: posted.opening!, reply: posted.reply });
      // Client-side sampling (rate 1 in the demo): the worker cannot tell which jobs are audited.
      const auditors = sdk.pickAuditors(await sdk.activeValidators(ctx, registry), 1);
      if (auditors.length === 0) throw new Error('no active validator in the registry');
      await sdk.sendAuditOpening(auditors[0], { job: posted.job, opening: posted.opening!, sender: posted.reply });
      const a: Answer = { via: 'sdk-audited', tier: 'verified', prompt, text: result.text, job: posted.job.toBase58(), worker: worker.toBase58(), ms: Date.now() - started, ttftMs: null, audited: true };
      this.answers.push(a);
      return a;
    } catch (err) {
      this.refusals.push({ via: 'sdk-audited', tier: 'verified', prompt, error: oneLine(err) });
      return null;
    }
  }
}

/** The model name the gateway serves (its first). */
export async function gatewayModel(gatewayUrl: string, apiKey: string): Promise<string> {
  const res = await fetch(`${gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${apiKey}` } });
  if (!res.ok) throw new Error(`GET /v1/models: HTTP ${res.status}`);
  const body = (await res.json()) as { data: { id: string }[] };
  if (!body.data?.length) throw new Error('the gateway lists no model yet');
  return body.data[0].id;
}

export function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 300);
}
