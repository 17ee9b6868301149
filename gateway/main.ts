/** `peer gateway`: the thin entry the CLI calls. */
import { runService } from '../service-kit/lifecycle';
import { loadGatewayConfig } from './config';
import { startGateway } from './service';

export function runGateway(opts: { file?: string; flags?: Record<string, unknown> }): void {
  runService('gateway', async () => startGateway(loadGatewayConfig(opts)));
}

if (require.main === module) runGateway({ file: process.env.PEER_GATEWAY_CONFIG });
