/**
 * Execution profiles as a validator meets them: the canonical JSON a worker publishes in
 * /v1/models parses back to the profile only when it hashes to the job's model id, and the
 * weights it pins are found by hash; chat templates render as documented.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { findWeights } from '../../worker/engine';
import { canonicalProfile, profileFromCanonical, profileIdHex } from '../../worker/profile';
import { renderPrompt } from '../../worker/template';
import { demoModel, demoProfile, tempDir } from './helpers';

describe('worker: execution profiles for validators', () => {
  it('a published canonical profile is accepted only under its own id', () => {
    const p = demoProfile();
    const back = profileFromCanonical(canonicalProfile(p), profileIdHex(p), 'peer-demo');
    assert.deepEqual(back, p);
    assert.throws(() => profileFromCanonical(canonicalProfile(p), '00'.repeat(32)), /hashes to .*, not the model id/);
    const tampered = JSON.parse(canonicalProfile(p)) as { sampler: { min_p: number } };
    tampered.sampler.min_p = 0.05;
    assert.throws(() => profileFromCanonical(tampered, profileIdHex(p)), /not the model id/);
    assert.throws(() => profileFromCanonical('{"v":2}', profileIdHex(p)), /not a version 1 canonical profile/);
  });

  it('finds the pinned weights by hash among files and folders', async () => {
    const empty = tempDir('peer-weights');
    try {
      assert.equal(await findWeights(demoModel().sha256, [empty.path, join(empty.path, 'nope'), dirname(demoModel().path)]), demoModel().path);
      assert.equal(await findWeights('ab'.repeat(32), [dirname(demoModel().path)]), null);
    } finally {
      empty.remove();
    }
  });

  it('renders chat requests with the documented templates', () => {
    const chat = { v: 1 as const, maxTokens: 8, messages: [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Hi' }] };
    assert.equal(renderPrompt(chat, 'peer-plain-v1'), 'System: Be brief.\n\nUser: Hi\n\nAssistant:');
    assert.equal(renderPrompt(chat, 'raw'), 'Be brief.\nHi');
    assert.equal(renderPrompt({ v: 1, maxTokens: 8, prompt: ' leading space kept' }, 'peer-plain-v1'), ' leading space kept');
  });
});
