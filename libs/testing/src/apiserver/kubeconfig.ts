/**
 * A kubeconfig for the double: one cluster, one user with a token (the double does not check it), one
 * context. The double speaks plain HTTP on loopback; `insecure-skip-tls-verify` is set because
 * `@kubernetes/client-node` refuses an `http:` server without it (kubectl ignores it for HTTP).
 */
import { stringify } from 'yaml';

export function kubeconfigYaml(server: string, namespace = 'default'): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'portway-double', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'portway-test', user: { token: 'portway-test-token' } }],
    contexts: [{ name: 'portway-double', context: { cluster: 'portway-double', user: 'portway-test', namespace } }],
    'current-context': 'portway-double',
    preferences: {},
  });
}
