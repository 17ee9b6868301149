/**
 * How a request becomes the text a profile tokenizes (part of the execution profile).
 *
 * `raw`: a prompt request is used as is; a chat request is the concatenation of its contents,
 * one per line.
 * `peer-plain-v1` (the demo model's, which is character-level and was trained on plain prose,
 * so it has no special chat tokens):
 *   - a prompt request: the prompt as is;
 *   - a chat request: each message as "<Role>: <content>\n\n" with Role one of System, User,
 *     Assistant, followed by "Assistant:" — the model continues after the colon.
 * Nothing is trimmed or normalized: the bytes of the request decide the tokens.
 */
import type { InferenceRequest } from '../sdk/src/crypto/request';
import type { TemplateName } from './profile';

const ROLE = { system: 'System', user: 'User', assistant: 'Assistant' } as const;

export function renderPrompt(request: InferenceRequest, template: TemplateName): string {
  if (request.prompt !== undefined) return request.prompt;
  if (template === 'raw') return request.messages.map((m) => m.content).join('\n');
  return `${request.messages.map((m) => `${ROLE[m.role]}: ${m.content}\n\n`).join('')}Assistant:`;
}
