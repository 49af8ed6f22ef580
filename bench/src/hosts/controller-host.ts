/**
 * The Portway controller alone in a process, for memory figures: the file provider on a
 * folder, the controller and the in-process bus (no agent: nothing acks, which changes no
 * memory but the Programmed conditions). Prints `READY <ms>` after the first build, then runs
 * until SIGTERM.
 *
 *   node bench/dist/hosts/controller-host.js --dir DIR
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { supportedFeatures } from '@portway/api';
import { InProcessBus } from '@portway/bus';
import { Controller } from '@portway/controller';
import { createFileSource } from '@portway/provider-file';
import { decodeManifests } from '../lib/translate-config.js';

const { values } = parseArgs({ options: { dir: { type: 'string' } } });
if (values.dir === undefined) throw new Error('--dir DIR is required');
const log = {
  debug() {},
  info() {},
  warn: (o: object, m?: string) => console.error('warn', m, JSON.stringify(o)),
  error: (o: object, m?: string) => console.error('error', m, JSON.stringify(o)),
};
const bus = new InProcessBus();
const t0 = performance.now();
const controller = new Controller({
  source: createFileSource({ dir: values.dir, decode: decodeManifests, debounceMs: 50 }),
  bus,
  log,
  controllerName: 'portway.dev/gateway-controller',
  cluster: '',
  addressPool: ['127.0.96.1'],
  agents: [],
  routeKinds: ['HTTPRoute'],
  supportedFeatures: supportedFeatures(),
});
await controller.start();
while (!controller.isBuilt()) await sleep(20);
console.log(`READY ${Math.round(performance.now() - t0)}`);

const stop = async () => {
  await controller.stop();
  await bus.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
