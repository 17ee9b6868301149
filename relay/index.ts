/**
 * relay/'s public surface for other services: the target side of Oblivious HTTP, which the
 * gateway mounts so requests that come through `peer relay` reach it without the client's
 * address.
 */
export { mountObliviousGateway, loadOrCreateOhttpKey, type GatewaySideOptions } from './gateway-side';
