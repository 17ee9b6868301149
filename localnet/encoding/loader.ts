/**
 * The upgradeable BPF loader's accounts in agave's jsonParsed form (program "bpf-upgradeable-
 * loader"): a program points at its ProgramData; ProgramData and buffers carry their authority
 * and the ELF bytes (base64).
 */
import { encodeBase58 } from './base58';

export const UPGRADEABLE_LOADER = 'BPFLoaderUpgradeab1e11111111111111111111111';

function authority(data: Uint8Array, at: number): string | null | undefined {
  if (data.length < at + 1) return undefined;
  if (data[at] === 0) return null;
  if (data[at] !== 1 || data.length < at + 33) return undefined;
  return encodeBase58(data.subarray(at + 1, at + 33));
}

export function parseLoaderAccountData(owner: string, data: Uint8Array): { program: 'bpf-upgradeable-loader'; parsed: unknown; space: number } | null {
  if (owner !== UPGRADEABLE_LOADER || data.length < 4) return null;
  const wrap = (parsed: unknown) => ({ program: 'bpf-upgradeable-loader' as const, parsed, space: data.length });
  const dv = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  switch (dv.readUInt32LE(0)) {
    case 0:
      return wrap({ type: 'uninitialized' });
    case 1: {
      // Buffer: Option<authority> (1 + 32 bytes, always reserved), then the bytes written so far.
      const auth = authority(data, 4);
      if (auth === undefined) return null;
      return wrap({ type: 'buffer', info: { authority: auth, data: [Buffer.from(data.subarray(37)).toString('base64'), 'base64'] } });
    }
    case 2:
      if (data.length < 36) return null;
      return wrap({ type: 'program', info: { programData: encodeBase58(data.subarray(4, 36)) } });
    case 3: {
      // ProgramData: the deploy slot, Option<upgrade authority>, then the ELF at offset 45.
      if (data.length < 13) return null;
      const auth = authority(data, 12);
      if (auth === undefined) return null;
      return wrap({ type: 'programData', info: { slot: dv.readBigUInt64LE(4), authority: auth, data: [Buffer.from(data.subarray(45)).toString('base64'), 'base64'] } });
    }
    default:
      return null;
  }
}
