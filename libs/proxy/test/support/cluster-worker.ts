/**
 * A node:cluster worker for the multi-process tests: runs a Proxy from the TypeScript sources
 * (started with `--import tsx --conditions=@portway/source`) and applies what the primary sends.
 * Messages: {type: 'apply', configs} → {type: 'applied', pid, result}; {type: 'close'} → exits.
 */
import type { GatewayConfig } from '@portway/ir';
import { Proxy } from '../../src/index.js';

const proxy = new Proxy({ drainTimeoutMs: 200, l4: { udpIdleMs: Number(process.env['PORTWAY_TEST_UDP_IDLE_MS'] ?? 60_000) } });

type FromPrimary = { type: 'apply'; configs: GatewayConfig[] } | { type: 'close' };

process.on('message', (m: FromPrimary) => {
  if (m.type === 'apply') {
    proxy.apply(m.configs).then(
      (result) => process.send?.({ type: 'applied', pid: process.pid, result }),
      (e: unknown) => process.send?.({ type: 'failed', pid: process.pid, message: (e as Error).message }),
    );
  } else if (m.type === 'close') {
    void proxy.close().finally(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready', pid: process.pid });
