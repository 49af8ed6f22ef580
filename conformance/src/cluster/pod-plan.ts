import { createHash } from 'node:crypto';
import type { KubeObject } from '../manifests/yaml-docs.js';

/** The echo mode a container runs in, as echo-basic chooses it (plus CoreDNS for DNS). */
export type EchoMode = 'http' | 'grpc' | 'tcp' | 'udp' | 'dns';

/** TLS material an echo container serves, PEM. */
export interface EchoTls {
  cert: string;
  key: string;
  clientCAs?: string;
}

/** One echo process to start for a container of a pod: what `startEcho` receives, minus the host. */
export interface EchoContainerPlan {
  container: string;
  mode: EchoMode;
  httpPort?: number;
  h2cPort?: number;
  httpsPort?: number;
  tcpPort?: number;
  tlsPort?: number;
  udpPort?: number;
  tls?: EchoTls;
  serviceName?: string;
  ingressName?: string;
  /** Named container ports (`ports[].name` -> containerPort), for Service targetPort names. */
  namedPorts: Record<string, number>;
}

/** A pod the runner plays the kubelet for. */
export interface PodPlan {
  name: string;
  namespace: string;
  /** Owning Deployment, "namespace/name". */
  owner: string;
  labels: Record<string, string>;
  containers: EchoContainerPlan[];
}

/** Reads a key of a mounted Secret or ConfigMap: (kind, namespace, name, key) -> content. */
export type KeyReader = (kind: 'Secret' | 'ConfigMap', namespace: string, name: string, key: string) => string | undefined;

type Container = {
  name: string;
  image?: string;
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath?: string } } }[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  volumeMounts?: { name: string; mountPath: string }[];
};
type Volume = {
  name: string;
  secret?: { secretName: string; items?: { key: string; path: string }[] };
  configMap?: { name: string; items?: { key: string; path: string }[] };
};

/**
 * Plans the pods of a Deployment: `replicas` pods (default 1) named `<deployment>-<hash>-<n>`
 * (the suite derives a backend name by dropping the last two "-" components), each with the
 * template's labels and one echo process per container. The echo mode and ports follow
 * echo-basic's environment (GRPC_ECHO_SERVER, TCP_ECHO_SERVER, UDP_ECHO_SERVER, HTTP_PORT,
 * H2C_PORT, HTTPS_PORT, TCP_PORT, TLS_PORT, UDP_PORT); a CoreDNS image runs in DNS mode.
 * Certificate paths in TLS_SERVER_CERT / TLS_SERVER_PRIVKEY / TLS_SERVER_PRIV_KEY /
 * TLS_CLIENT_CACERTS are resolved through the pod's volume mounts to Secret/ConfigMap keys.
 */
export function planPods(deployment: KubeObject, readKey: KeyReader): PodPlan[] {
  const ns = deployment.metadata.namespace ?? 'default';
  const spec = (deployment['spec'] ?? {}) as { replicas?: number; template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: Container[]; volumes?: Volume[] } } };
  const template = spec.template ?? {};
  const containers = template.spec?.containers ?? [];
  if (containers.length === 0) throw new Error(`Deployment ${ns}/${deployment.metadata.name} has no containers`);
  const replicas = spec.replicas ?? 1;
  const hash = createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 10);
  const pods: PodPlan[] = [];
  for (let i = 0; i < replicas; i++) {
    const name = `${deployment.metadata.name}-${hash}-${i}`;
    pods.push({
      name,
      namespace: ns,
      owner: `${ns}/${deployment.metadata.name}`,
      labels: { ...(template.metadata?.labels ?? {}) },
      containers: containers.map((c) => planContainer(c, template.spec?.volumes ?? [], { podName: name, namespace: ns }, readKey, `Deployment ${ns}/${deployment.metadata.name}`)),
    });
  }
  return pods;
}

function planContainer(c: Container, volumes: Volume[], pod: { podName: string; namespace: string }, readKey: KeyReader, where: string): EchoContainerPlan {
  const env = resolveEnv(c, pod);
  const image = c.image ?? '';
  const namedPorts = Object.fromEntries((c.ports ?? []).filter((p) => p.name).map((p) => [p.name!, p.containerPort]));
  const file = (path: string | undefined, what: string): string | undefined => {
    if (!path) return undefined;
    const content = readMountedFile(path, c.volumeMounts ?? [], volumes, pod.namespace, readKey);
    if (content === undefined) throw new Error(`${where}: ${what} ${path} is not a key of a mounted Secret or ConfigMap that exists`);
    return content;
  };
  const base = { container: c.name, namedPorts, serviceName: env['SERVICE_NAME'] || undefined, ingressName: env['INGRESS_NAME'] || undefined };
  if (/coredns/.test(image)) return { ...base, mode: 'dns', udpPort: 53 };
  if (!/echo-basic/.test(image)) throw new Error(`${where}: container ${c.name} runs ${image || 'no image'}, which the runner cannot emulate (echo-basic and CoreDNS only)`);
  if (env['GRPC_ECHO_SERVER']) {
    const tls = pair(file(env['TLS_SERVER_CERT'], 'TLS_SERVER_CERT'), file(env['TLS_SERVER_PRIV_KEY'], 'TLS_SERVER_PRIV_KEY'));
    return { ...base, mode: 'grpc', httpPort: port(env['HTTP_PORT'], 3000), ...(tls ? { httpsPort: port(env['HTTPS_PORT'], 8443), tls } : {}) };
  }
  if (env['TCP_ECHO_SERVER']) {
    const tls = pair(file(env['TLS_SERVER_CERT'], 'TLS_SERVER_CERT'), file(env['TLS_SERVER_PRIV_KEY'], 'TLS_SERVER_PRIV_KEY'));
    return { ...base, mode: 'tcp', tcpPort: port(env['TCP_PORT'], 3000), ...(tls ? { tlsPort: port(env['TLS_PORT'], 8443), tls } : {}) };
  }
  if (env['UDP_ECHO_SERVER']) return { ...base, mode: 'udp', udpPort: port(env['UDP_PORT'], 8080) };
  const tls = pair(file(env['TLS_SERVER_CERT'], 'TLS_SERVER_CERT'), file(env['TLS_SERVER_PRIVKEY'], 'TLS_SERVER_PRIVKEY'));
  const clientCAs = file(env['TLS_CLIENT_CACERTS'], 'TLS_CLIENT_CACERTS');
  return {
    ...base,
    mode: 'http',
    httpPort: port(env['HTTP_PORT'], 3000),
    h2cPort: port(env['H2C_PORT'], 3001),
    ...(tls ? { httpsPort: port(env['HTTPS_PORT'], 8443), tls: clientCAs ? { ...tls, clientCAs } : tls } : {}),
  };
}

function resolveEnv(c: Container, pod: { podName: string; namespace: string }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.value !== undefined) out[e.name] = String(e.value);
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') out[e.name] = pod.podName;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') out[e.name] = pod.namespace;
  }
  return out;
}

/** Finds the volume mounted at the longest prefix of `path` and reads the key it maps to. */
function readMountedFile(path: string, mounts: { name: string; mountPath: string }[], volumes: Volume[], ns: string, readKey: KeyReader): string | undefined {
  const mount = mounts
    .filter((m) => path === m.mountPath || path.startsWith(m.mountPath.endsWith('/') ? m.mountPath : `${m.mountPath}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  if (!mount) return undefined;
  const rel = path.slice(mount.mountPath.length).replace(/^\/+/, '');
  const vol = volumes.find((v) => v.name === mount.name);
  if (!vol) return undefined;
  const src = vol.secret ? { kind: 'Secret' as const, name: vol.secret.secretName, items: vol.secret.items } : vol.configMap ? { kind: 'ConfigMap' as const, name: vol.configMap.name, items: vol.configMap.items } : undefined;
  if (!src) return undefined;
  const key = src.items ? src.items.find((it) => it.path === rel)?.key : rel;
  return key === undefined ? undefined : readKey(src.kind, ns, src.name, key);
}

function pair(cert: string | undefined, key: string | undefined): EchoTls | undefined {
  return cert !== undefined && key !== undefined ? { cert, key } : undefined;
}

function port(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`invalid port ${value}`);
  return n;
}

/** The backend name the suite derives from a pod name: the name without its last two "-" components. */
export function backendOfPod(pod: string): string {
  const parts = pod.split('-');
  return parts.length > 2 ? parts.slice(0, -2).join('-') : pod;
}
