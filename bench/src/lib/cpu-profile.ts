/**
 * Summaries of V8 CPU profiles (`node --cpu-prof`): self and inclusive time per function, as
 * shares of all samples, with where each function lives (file:line, shortened to the repository).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  /** Microseconds on the monotonic clock (the one `process.hrtime` reads). */
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionCost {
  /** "name (file:line)". */
  key: string;
  name: string;
  file: string;
  line: number;
  selfPct: number;
  totalPct: number;
}

export interface ProfileSummary {
  samples: number;
  /** Milliseconds of samples counted (in the windows, when given), and of those not idle. */
  totalMs: number;
  busyMs: number;
  /** Share of samples outside (idle), i.e. the process waited for I/O. */
  idlePct: number;
  functions: FunctionCost[];
  /** Self time by area (Portway's proxy, undici, node:http, system calls, GC...), as % of all samples and of busy (non-idle) ones. */
  areas: { area: string; selfPct: number; busyPct: number }[];
}

function shortFile(url: string): string {
  const i = url.indexOf('/libs/');
  const j = url.indexOf('/apps/');
  const k = url.indexOf('/node_modules/');
  if (k >= 0) return url.slice(k + 14);
  if (i >= 0) return url.slice(i + 1);
  if (j >= 0) return url.slice(j + 1);
  return url.replace(/^file:\/\//, '');
}

/** Native functions that are I/O system calls (their samples include the kernel's work and waits for the CPU). */
const NATIVE_IO = new Set(['writev', 'writeLatin1String', 'writeBuffer', 'writeUtf8String', 'writeAsciiString', 'read', 'close', 'shutdown']);

/** The area a frame belongs to, for the coarse split of a proxy worker's time. */
export function areaOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (url === '' && NATIVE_IO.has(name)) return 'system calls (socket writes/reads)';
  if (name === '(program)' || name === '(root)') return 'V8/native (program)';
  if (url.includes('/libs/proxy/')) return 'libs/proxy';
  if (url.includes('/node_modules/undici/') || url.startsWith('wasm://')) return 'undici (incl. llhttp wasm)';
  if (url.startsWith('node:_http')) return 'node:http';
  if (url.startsWith('node:internal/streams') || url.startsWith('node:internal/stream_base')) return 'node streams';
  if (url.startsWith('node:events') || url.startsWith('node:internal/process/') || url.includes('timers')) return 'events, ticks, timers';
  if (url.startsWith('node:net') || url.includes('buffer')) return 'node:net, buffers';
  if (url === '') return 'other native (regexps, string slicing...)';
  if (url.startsWith('node:')) return 'other node internals';
  return 'other';
}

/** A time window on the monotonic clock, in microseconds (`process.hrtime.bigint() / 1000n`). */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/** Summary of a profile; with `windows`, of the samples taken within them only. */
export function summarizeProfile(file: string, top = 40, windows?: readonly ProfileWindow[]): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const keyOf = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} (${shortFile(n.callFrame.url)}:${n.callFrame.lineNumber + 1})`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const meta = new Map<string, ProfileNode>();
  const areas = new Map<string, number>();
  let all = 0;
  let idle = 0;
  let counted = 0;
  let at = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    at += dt;
    if (windows !== undefined && !windows.some((w) => at >= w.fromUs && at <= w.toUs)) continue;
    counted++;
    const node = byId.get(p.samples[i]!)!;
    all += dt;
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    const k = keyOf(node);
    meta.set(k, node);
    self.set(k, (self.get(k) ?? 0) + dt);
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id)!;
      const key = keyOf(n);
      if (seen.has(key)) continue;
      seen.add(key);
      meta.set(key, n);
      total.set(key, (total.get(key) ?? 0) + dt);
    }
  }
  const pct = (v: number) => (100 * v) / all;
  const functions = [...new Set([...self.keys(), ...total.keys()])]
    .map((key) => {
      const n = meta.get(key)!;
      return {
        key,
        name: n.callFrame.functionName || '(anonymous)',
        file: shortFile(n.callFrame.url),
        line: n.callFrame.lineNumber + 1,
        selfPct: pct(self.get(key) ?? 0),
        totalPct: pct(total.get(key) ?? 0),
      };
    })
    .sort((a, b) => b.selfPct - a.selfPct)
    .slice(0, top);
  return {
    samples: counted,
    totalMs: all / 1000,
    busyMs: (all - idle) / 1000,
    idlePct: pct(idle),
    functions,
    areas: [...areas].map(([area, v]) => ({ area, selfPct: pct(v), busyPct: all > idle ? (100 * v) / (all - idle) : 0 })).sort((a, b) => b.selfPct - a.selfPct),
  };
}

/** Inclusive cost of every function whose file matches `filter` (e.g. "libs/proxy"), highest first. */
export function inclusiveCosts(file: string, filter: (f: FunctionCost) => boolean, windows?: readonly ProfileWindow[]): FunctionCost[] {
  return summarizeProfile(file, Number.MAX_SAFE_INTEGER, windows).functions.filter(filter).sort((a, b) => b.totalPct - a.totalPct);
}

/** The profiles `node --cpu-prof --cpu-prof-dir <dir>` wrote in `dir` (every process writes one on exit); throws when there is none. */
export function profilesIn(dir: string): string[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f));
  if (files.length === 0) throw new Error(`no profile written in ${dir}`);
  return files;
}
