import { strict as assert } from 'node:assert';
import { SYSVAR_CLOCK_PUBKEY } from '@solana/web3.js';
import type { Localnet } from '../../localnet';
import { connect, rpc, startTestLocalnet, stop } from './helpers';

describe('localnet dev methods: peerDev_warpClock', () => {
  let net: Localnet;
  before(async () => {
    net = await startTestLocalnet();
  });
  after(async () => stop(net));

  it('moves the on-chain clock forward by the given seconds, seen by programs through the Clock sysvar', async () => {
    const conn = connect(net);
    const clockTime = async (): Promise<number> => {
      const info = await conn.getAccountInfo(SYSVAR_CLOCK_PUBKEY);
      return Number(info!.data.readBigInt64LE(32));
    };
    const before = await clockTime();
    const reply = await rpc<{ slot: number; unixTimestamp: number }>(net, 'peerDev_warpClock', [3_600]);
    assert.ok(reply.result, JSON.stringify(reply));
    assert.ok(reply.result.unixTimestamp >= before + 3_600);
    assert.ok((await clockTime()) >= before + 3_600);
  });

  it('refuses anything but a positive whole number of seconds, and moves nothing', async () => {
    const slot = net.bank.slot;
    const time = net.bank.unixTimestamp;
    for (const params of [[], [-5], [0], [1.5], ['60'], [10 ** 12]]) {
      const reply = await rpc(net, 'peerDev_warpClock', params);
      assert.equal(reply.error?.code, -32602, JSON.stringify(params));
      assert.match(reply.error!.message, /peerDev_warpClock takes \[seconds\]/);
    }
    assert.ok(net.bank.unixTimestamp < time + 60);
    assert.ok(net.bank.slot >= slot);
  });
});
