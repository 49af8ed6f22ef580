import { startEcho } from '@portway/echo';
import type { StartEcho } from '../../src/cluster/echo-contract.js';
import { generateResources } from '../../src/certs/generate-certs.js';
import { loadSuite } from '../../src/suite/load-suite.js';
import { SUITE_DIR } from './suite-dir.js';

/** The real echo backend (@portway/echo), typed as the runner's contract. */
export const realStartEcho: StartEcho = startEcho as unknown as StartEcho;

/** PEM material generated the way the runner generates it, for a few of the suite's resources. */
export interface TestPki {
  /** Self-signed, SANs *.org and *.wildcard.org (the default HTTPS listener certificate). */
  validity: { cert: string; key: string };
  /** Signed by CA C, SANs abc.example.com, other.example.com. */
  checks: { cert: string; key: string };
  caC: string;
  /** Client certificate signed by CA A, and CA A. */
  client: { cert: string; key: string };
  caA: string;
}

export async function testPki(): Promise<TestPki> {
  const suite = await loadSuite(SUITE_DIR);
  const wanted = new Set(['tls-validity-checks-certificate', 'tls-checks-ca-certificate', 'tls-checks-certificate', 'tls-validity-checks-ca-certificate', 'tls-validity-checks-client-certificate']);
  const objects = await generateResources(suite.generatedResources.filter((r) => r.namespace === 'gateway-conformance-infra' && wanted.has(r.name)));
  const secret = (name: string) => {
    const d = objects.find((o) => o.kind === 'Secret' && o.metadata.name === name)!['data'] as Record<string, string>;
    return { cert: Buffer.from(d['tls.crt']!, 'base64').toString(), key: Buffer.from(d['tls.key']!, 'base64').toString() };
  };
  const ca = (name: string) => (objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name)!['data'] as Record<string, string>)['ca.crt']!;
  return {
    validity: secret('tls-validity-checks-certificate'),
    checks: secret('tls-checks-certificate'),
    caC: ca('tls-checks-ca-certificate'),
    client: secret('tls-validity-checks-client-certificate'),
    caA: ca('tls-validity-checks-ca-certificate'),
  };
}
