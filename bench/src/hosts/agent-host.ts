/**
 * A Portway agent alone in a process, for memory figures: the in-process bus, the agent and its
 * proxy worker processes (node:cluster), fed the IR configs of a JSON file as the controller
 * would publish them. Prints `READY <ms>` once every worker serves them, then runs until SIGTERM.
 *
 *   node bench/dist/hosts/agent-host.js --configs FILE.json --workers N [--cluster NAME]
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Agent, WorkerDataPlane, type Log } from '@portway/agent';
import { InProcessBus } from '@portway/bus';
import type { GatewayConfig } from '@portway/ir';

const { values } = parseArgs({ options: { configs: { type: 'string' }, workers: { type: 'string' }, cluster: { type: 'string' } } });
if (values.configs === undefined) throw new Error('--configs FILE is required');
const configs = JSON.parse(readFileSync(values.configs, 'utf8')) as GatewayConfig[];
const workers = Number(values.workers ?? '1');

const log: Log = {
  debug() {},
  info() {},
  warn: (o, m) => console.error('warn', m, JSON.stringify(o)),
  error: (o, m) => console.error('error', m, JSON.stringify(o)),
};
const bus = new InProcessBus();
const dataPlane = new WorkerDataPlane({ workers, log, logLevel: 'warn' });
await dataPlane.start();
// --cluster: the cluster the agent serves (multi-cluster benchmarks); "" by default.
const cluster = values.cluster ?? '';
const agent = new Agent({ name: 'bench', cluster, bus, dataPlane, log });
const t0 = performance.now();
let pending = configs.length;
bus.onAck((ack) => {
  if (!ack.ok) {
    console.error(`refused: ${JSON.stringify(ack.errors)}`);
    process.exit(1);
  }
  if (--pending === 0) console.log(`READY ${Math.round(performance.now() - t0)}`);
});
agent.start();
for (const c of configs) await bus.putConfig({ cluster, namespace: c.gateway.namespace, name: c.gateway.name }, c);

const stop = async () => {
  await agent.stop();
  await bus.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
