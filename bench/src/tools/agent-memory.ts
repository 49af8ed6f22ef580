/**
 * Agent memory alone, as bench:routes measures it (agent-host: in-process bus, agent, N proxy
 * workers fed the translated IR), with the RSS of each process of the tree and the growth figure
 * `agent_mib_per_1k_routes` (RSS growth from the smallest to the largest size, per 1,000 routes,
 * per worker). With --snapshot DIR, every process writes a heap snapshot there (SIGUSR2) once
 * served, for a look at what it holds.
 *
 *   node bench/dist/tools/agent-memory.js [--sizes 1000,10000] [--workers 2] [--settle 3] [--snapshot DIR]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PORTWAY_PORT, BACKEND } from '../lib/addresses.js';
import { intOption, listOption, parseBenchArgs } from '../lib/args.js';
import { BENCH_DIST, scratchDir } from '../lib/paths.js';
import { startProcess, waitUntil } from '../lib/processes.js';
import { processTree } from '../lib/resources.js';
import { writeConfigFolder } from '../lib/route-config.js';
import { round } from '../lib/stats.js';
import { translateFolder } from '../lib/translate-config.js';
import { assertBuilt } from '../peers/portway.js';

const COMPILE_ADDRESS = '127.0.94.1';

function rssMiB(pid: number): number {
  try {
    return (Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096) / (1024 * 1024);
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), ['sizes', 'workers', 'settle', 'snapshot']);
  const sizes = listOption(args.values.sizes, ['1000', '10000']).map((s) => intOption(s, 'sizes', 1000));
  const workers = intOption(args.values.workers, 'workers', 2);
  const settle = intOption(args.values.settle, 'settle', 3);
  const snapshot = args.values.snapshot;
  assertBuilt();
  const totals = new Map<number, number>();
  for (const n of sizes) {
    const dir = scratchDir(`agent-memory-routes-${n}`);
    writeConfigFolder(dir, { routes: n, port: PORTWAY_PORT, backend: { ...BACKEND } });
    const t = await translateFolder(dir, [COMPILE_ADDRESS]);
    if (t.errors.length > 0 || t.configs.length !== 1) throw new Error(`generated config of ${n} routes is not clean: ${t.errors.slice(0, 3).join('; ')}`);
    const file = join(scratchDir(`agent-memory-${n}`), 'configs.json');
    writeFileSync(file, JSON.stringify([{ ...t.configs[0]!, addresses: ['127.0.95.1'] }]));
    const nodeArgs = snapshot === undefined ? [] : ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshot}`];
    const child = startProcess('agent-host', process.execPath, [...nodeArgs, join(BENCH_DIST, 'hosts', 'agent-host.js'), '--configs', file, '--workers', String(workers)]);
    try {
      const readyMs = await waitUntil(`the agent to serve ${n} routes`, () => {
        const m = /READY (\d+)/.exec(child.output());
        return m ? Number(m[1]) : undefined;
      }, { timeoutMs: 300_000, everyMs: 100, child });
      await sleep(settle * 1000);
      const pids = processTree(child.pid);
      const per = pids.map((pid) => rssMiB(pid));
      const total = per.reduce((a, b) => a + b, 0);
      totals.set(n, total);
      console.log(`${n} routes: applied in ${readyMs} ms; RSS total ${round(total, 1)} MiB; per process ${pids.map((p, i) => `${p}=${round(per[i]!, 1)}`).join(' ')}`);
      if (snapshot !== undefined) {
        for (const pid of pids) process.kill(pid, 'SIGUSR2');
        await sleep(60_000);
        console.log(`  heap snapshots of ${pids.join(', ')} in ${snapshot}`);
      }
    } finally {
      await child.stop();
    }
  }
  const lo = Math.min(...sizes);
  const hi = Math.max(...sizes);
  if (hi > lo) {
    const growth = (totals.get(hi)! - totals.get(lo)!) / ((hi - lo) / 1000) / workers;
    console.log(`agent_mib_per_1k_routes ${round(growth, 2)} (${lo} → ${hi} routes, ${workers} workers)`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
