/** Waiting for a process tree to go quiet (its CPU time stops growing), e.g. after a build. */
import { setTimeout as sleep } from 'node:timers/promises';
import { treeUsage, type TreeUsage } from './resources.js';

/**
 * Resolves with the tree's usage once it used less than `maxCpuSec` CPU over `windowMs`, or
 * throws after `timeoutMs`.
 */
export async function waitQuiet(pid: number, o: { windowMs?: number; maxCpuSec?: number; timeoutMs: number }): Promise<TreeUsage> {
  const windowMs = o.windowMs ?? 1_500;
  const deadline = Date.now() + o.timeoutMs;
  let prev = treeUsage(pid);
  while (Date.now() < deadline) {
    await sleep(windowMs);
    const cur = treeUsage(pid);
    if (cur.cpuSec - prev.cpuSec <= (o.maxCpuSec ?? 0.03)) return cur;
    prev = cur;
  }
  throw new Error(`process ${pid} did not go quiet within ${o.timeoutMs} ms`);
}
