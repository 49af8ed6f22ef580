/**
 * Propagation latency through the hub and a spoke: from a file edit to the change being served
 * by an agent, over NATS (TLS), with the built CLI processes and the controller's default folder
 * debounce (50 ms). Each edit changes a response header of the route; the clock stops at the
 * first response that carries the new value.
 *
 * In the suite it runs 40 edits with a loose bound; for the figures of the report:
 *   PORTWAY_PROPAGATION_EDITS=200 npx vitest run apps/portway/test/hub-propagation.test.ts
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubEnv } from './hub/hub-env.js';
import { echoService, gateway, gatewayClass, route } from './hub/manifests.js';
import { cliBuilt, sleep, waitFor } from './hub/processes.js';

const AGENT = '127.0.75.1';
const BACKEND = '127.0.75.11';
const PORT = 18500;
const EDITS = Number(process.env.PORTWAY_PROPAGATION_EDITS ?? 40);

/** x-edit of one GET /p on the agent (undefined on failure). */
function probe(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: AGENT, port: PORT, path: '/p', agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? (res.headers['x-edit'] as string | undefined) : undefined));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

describe.skipIf(!cliBuilt)('propagation latency: file edit → served through an agent over NATS', () => {
  let env: HubEnv;
  const routes = (n: number) => route('p', 'gw', '/p', { name: 'x-edit', value: String(n) });

  beforeAll(async () => {
    env = await HubEnv.start({
      clusters: ['east'],
      backends: [{ address: BACKEND, pod: 'echo-0' }],
      files: { 'base.yaml': [gatewayClass, gateway('gw', PORT), echoService([BACKEND])].join('---\n'), 'routes.yaml': routes(0) },
    });
    await env.startController(['--debounce-ms', '50', '--log-level', 'warn']);
    await env.startAgent({ cluster: 'east', name: 'a1', address: AGENT, workers: 1 });
    await waitFor('first config served', async () => ((await probe()) === '0' ? true : undefined));
  }, 60_000);

  afterAll(async () => {
    await env?.stop();
  }, 30_000);

  it(`${EDITS} edits: median and p99`, async () => {
    const samples: number[] = [];
    for (let i = 1; i <= EDITS; i++) {
      const want = String(i);
      const started = performance.now();
      env.write('routes.yaml', routes(i));
      for (let polls = 0; ; polls++) {
        if ((await probe()) === want) break;
        if (polls > 5_000) throw new Error(`edit ${i} not served after 5,000 probes`);
      }
      samples.push(performance.now() - started);
      await sleep(20);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const median = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    console.log(`propagation over ${EDITS} edits: median ${median.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, min ${sorted[0]!.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms (folder debounce 50 ms included)`);
    expect(samples).toHaveLength(EDITS);
    expect(median).toBeLessThan(1_000);
    expect(p99).toBeLessThan(3_000);
  }, 300_000);
});
