/**
 * Privacy of who asks: Cashu ecash (BDHKE, tokens, a NUT client, payment requests) and
 * Oblivious HTTP (RFC 9458 with binary HTTP, RFC 9292). `import { privacy } from '@peer-cycles/sdk'`.
 */
export * from './bdhke';
export * from './cbor';
export * from './token';
export * from './wallet';
export * from './bhttp';
export * from './ohttp';
