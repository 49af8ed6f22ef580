/**
 * A ready test cluster for end-to-end tests: the API-server double on loopback, a kubeconfig file
 * for it, and `kubectl` run against it (asynchronously: the double answers from the test's own
 * process, so a blocking exec would starve it).
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type ApiServer, type ApiServerOptions } from './api-server.js';

/** True when a `kubectl` binary runs here (tests that need it skip with a message otherwise). */
export function kubectlAvailable(): boolean {
  return spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
}

/** The double with a kubeconfig and a kubectl runner. */
export interface KubeEnvironment {
  server: ApiServer;
  /** Path of the kubeconfig file (`kubectl --kubeconfig`, `KubeConfig.loadFromFile`). */
  kubeconfigPath: string;
  /** Runs `kubectl --kubeconfig <path> ...args` (stdin from `input`); rejects with stderr on failure. */
  kubectl(args: readonly string[], input?: string): Promise<string>;
  /** `kubectl apply -f -` of a YAML text. */
  apply(yaml: string): Promise<string>;
  /** `kubectl delete -f -` of a YAML text. */
  deleteYaml(yaml: string): Promise<string>;
  /** `kubectl get <resource> <name> [-n ns] -o yaml`. */
  getYaml(resource: string, name: string, namespace?: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts the double and writes a kubeconfig for it. */
export async function startKubeEnvironment(options: ApiServerOptions = {}): Promise<KubeEnvironment> {
  const server = await startApiServer(options);
  const dir = mkdtempSync(join(tmpdir(), 'portway-kube-'));
  const kubeconfigPath = server.writeKubeconfig(join(dir, 'kubeconfig.yaml'));
  const kubectl = (args: readonly string[], input?: string) =>
    new Promise<string>((resolve, reject) => {
      const child = execFile('kubectl', ['--kubeconfig', kubeconfigPath, ...args], { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`kubectl ${args.join(' ')} failed: ${stderr || err.message}`));
        else resolve(stdout);
      });
      child.stdin?.end(input ?? '');
    });
  return {
    server,
    kubeconfigPath,
    kubectl,
    apply: (yaml) => kubectl(['apply', '-f', '-'], yaml),
    deleteYaml: (yaml) => kubectl(['delete', '-f', '-'], yaml),
    getYaml: (resource, name, namespace) => kubectl(['get', resource, name, ...(namespace ? ['-n', namespace] : []), '-o', 'yaml']),
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
