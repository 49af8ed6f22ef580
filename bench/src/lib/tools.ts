/**
 * The Debian tools the benchmarks drive (nginx, haproxy, wrk): found on PATH, or installed with
 * apt-get when missing (as root, or through sudo).
 */
import { execFileSync } from 'node:child_process';

/** Debian package that provides each command. */
const PACKAGE_OF: Record<string, string> = { nginx: 'nginx', haproxy: 'haproxy', wrk: 'wrk', taskset: 'util-linux', 'nats-server': 'nats-server' };

export function commandPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin'])) {
    try {
      execFileSync('test', ['-x', `${dir}/${name}`]);
      return `${dir}/${name}`;
    } catch {
      // Not there.
    }
  }
  return null;
}

/** Returns the path of every command, installing the missing ones' packages first. */
export function ensureTools(names: readonly string[]): Record<string, string> {
  const missing = names.filter((n) => commandPath(n) === null);
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((n) => PACKAGE_OF[n] ?? n))];
    console.log(`installing ${packages.join(', ')} (apt-get) ...`);
    const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const apt = (args: string[]) => execFileSync(sudo.length ? 'sudo' : 'apt-get', [...(sudo.length ? ['apt-get'] : []), ...args], { stdio: 'inherit', env });
    apt(['update', '-qq']);
    apt(['install', '-y', '-qq', ...packages]);
  }
  const out: Record<string, string> = {};
  for (const n of names) {
    const p = commandPath(n);
    if (p === null) throw new Error(`${n} is not installed and could not be installed (package ${PACKAGE_OF[n] ?? n})`);
    out[n] = p;
  }
  return out;
}
