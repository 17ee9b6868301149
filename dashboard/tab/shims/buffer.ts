/** Injected into the browser bundle: `Buffer` as the SDK and web3.js use it. */
export { Buffer } from 'buffer';
