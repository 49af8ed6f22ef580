/**
 * Which parts of Portway this checkout has, checked at run time so benchmarks that need a
 * part still being built say which one is missing (and skip those figures) instead of faking
 * them, and pick it up as soon as it lands:
 * - the NATS path: a NATS implementation exported by `@portway/bus`, and the CLI commands
 *   `portway controller ... --nats URL` and `portway agent ... --nats URL`;
 * - the Kubernetes provider: `@portway/provider-k8s` with exports, and a `controller` command
 *   that offers a Kubernetes provider and a kubeconfig option.
 */
import { execFile } from 'node:child_process';
import { PORTWAY_MAIN } from './paths.js';

export interface PartCheck {
  ok: boolean;
  /** One line per missing piece. */
  missing: string[];
}

function cliHelp(args: readonly string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(process.execPath, [PORTWAY_MAIN, ...args, '--help'], { timeout: 20_000 }, (_err, stdout, stderr) => resolve(`${stdout}\n${stderr}`));
  });
}

async function moduleExports(name: string): Promise<string[] | null> {
  try {
    return Object.keys((await import(name)) as Record<string, unknown>);
  } catch {
    return null;
  }
}

/** The controller and agent as separate processes over NATS JetStream. */
export async function checkNatsPath(): Promise<PartCheck> {
  const missing: string[] = [];
  const bus = await moduleExports('@portway/bus');
  if (bus === null || !bus.some((k) => /nats/i.test(k))) missing.push('@portway/bus exports no NATS implementation (libs/bus/src/nats/)');
  const controller = await cliHelp(['controller']);
  if (!/--nats\b/.test(controller)) missing.push('`portway controller --nats URL` (the CLI has no controller command with --nats)');
  const agent = await cliHelp(['agent']);
  if (!/--nats\b/.test(agent)) missing.push('`portway agent --nats URL` (the CLI has no agent command with --nats)');
  return { ok: missing.length === 0, missing };
}

/** The Kubernetes provider, driven from the CLI. */
export async function checkKubernetesProvider(): Promise<PartCheck> {
  const missing: string[] = [];
  const k8s = await moduleExports('@portway/provider-k8s');
  if (k8s === null || k8s.length === 0) missing.push('@portway/provider-k8s is not built or exports nothing (libs/provider-k8s)');
  const controller = await cliHelp(['controller']);
  if (!/kubernetes/i.test(controller) || !/--kubeconfig\b/.test(controller)) {
    missing.push('`portway controller --provider kubernetes --kubeconfig FILE` (the CLI offers no Kubernetes provider)');
  }
  return { ok: missing.length === 0, missing };
}
