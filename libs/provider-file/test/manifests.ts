/** Manifest text builders for the tests. */

export function gateway(name: string, opts: { port?: number | string; labels?: Record<string, string>; namespace?: string } = {}): string {
  const labels = opts.labels
    ? `  labels:\n${Object.entries(opts.labels)
        .map(([k, v]) => `    ${k}: ${v}`)
        .join('\n')}\n`
    : '';
  return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: ${name}
  namespace: ${opts.namespace ?? 'default'}
${labels}spec:
  gatewayClassName: portway
  listeners:
  - name: http
    protocol: HTTP
    port: ${typeof opts.port === 'string' ? JSON.stringify(opts.port) : (opts.port ?? 80)}
`;
}

export function route(name: string, opts: { path?: string; namespace?: string } = {}): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${name}
  namespace: ${opts.namespace ?? 'default'}
spec:
  parentRefs:
  - name: gw
  rules:
  - matches:
    - path: { type: PathPrefix, value: ${opts.path ?? '/'} }
    backendRefs:
    - name: echo
      port: 8080
`;
}

export function configMap(name: string, data: Record<string, string>): string {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: default
data:
${Object.entries(data)
  .map(([k, v]) => `  ${k}: "${v}"`)
  .join('\n')}
`;
}

/** Joins documents into one multi-document file. */
export const docs = (...parts: string[]): string => parts.join('---\n');
