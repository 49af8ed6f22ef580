/**
 * Memory and CPU of a process and all its descendants, read from /proc (Linux): RSS from
 * /proc/PID/statm, CPU time (user + system) from /proc/PID/stat.
 */
import { readdirSync, readFileSync } from 'node:fs';

const PAGE_BYTES = 4096;
/** USER_HZ: the unit of utime/stime in /proc/PID/stat (100 on Linux for every common arch). */
const CLOCK_TICKS = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, seconds. */
  cpuSec: number;
}

function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces and parentheses: fields follow the last ")".
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); ppid is field 4, utime 14, stime 15.
  return { pid, ppid: Number(rest[1]), cpuSec: (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS };
}

/** `root` and every descendant that is alive now. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const st = readStat(pid);
    if (st === null) continue;
    let list = children.get(st.ppid);
    if (list === undefined) children.set(st.ppid, (list = []));
    list.push(pid);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    out.push(pid);
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  return out;
}

function rssBytes(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ');
    return Number(fields[1]) * PAGE_BYTES;
  } catch {
    return 0;
  }
}

/** Resident memory and CPU time of a process tree. */
export interface TreeUsage {
  processes: number;
  rssMiB: number;
  cpuSec: number;
}

export function treeUsage(root: number): TreeUsage {
  const pids = processTree(root);
  let rss = 0;
  let cpu = 0;
  for (const pid of pids) {
    rss += rssBytes(pid);
    cpu += readStat(pid)?.cpuSec ?? 0;
  }
  return { processes: pids.length, rssMiB: rss / (1024 * 1024), cpuSec: cpu };
}
