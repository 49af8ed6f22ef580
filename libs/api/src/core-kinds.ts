/**
 * Admission of the core Kubernetes kinds Portway reads (Service, EndpointSlice, Secret, ConfigMap,
 * Namespace). No schema for them ships with the CRDs, and the published OpenAPI documents of the core
 * API carry none of the checks the API server does in code (port ranges, name syntax, ...), so this is
 * a concise schema of Portway's own: it covers only the fields Portway reads, checked and defaulted as
 * the API server checks and defaults them; every other field is kept as it is
 * (`x-kubernetes-preserve-unknown-fields`). Cross-field checks are code (`check`), with the API
 * server's paths and wording; `prepare` does what the API server's conversion does before validation.
 */
import { childPath, duplicate, indexPath, invalid, required, tooLong, type FieldError } from './field-error.js';
import { parseIP } from './ip.js';
import { configMapKey, dns1123Label, dns1123Subdomain, ianaSvcName, type NameRule } from './names.js';
import type { StructuralSchema } from './schema-types.js';

/** How one core kind is admitted. */
export interface CoreKind {
  group: string;
  versions: readonly string[];
  namespaced: boolean;
  nameRule: NameRule;
  schema: StructuralSchema;
  /** Runs before pruning and defaulting, on the caller's copy (e.g. Secret `stringData` into `data`). */
  prepare?: (obj: Record<string, unknown>) => void;
  /** Runs after structural defaulting (defaults that depend on other fields). */
  defaults?: (obj: Record<string, unknown>) => void;
  /** Checks that span fields; runs only when the schema checks passed. */
  check?: (obj: any) => FieldError[];
}

const PRESERVE = { 'x-kubernetes-preserve-unknown-fields': true } as const;
const META: StructuralSchema = { type: 'object', ...PRESERVE };
const PROTOCOL: StructuralSchema = { type: 'string', enum: ['SCTP', 'TCP', 'UDP'], default: 'TCP' };
const STRING_MAP: StructuralSchema = { type: 'object', additionalProperties: { type: 'string' } };
const MAX_DATA_SIZE = 1024 * 1024;

const root = (body: Record<string, StructuralSchema>, required?: string[]): StructuralSchema => ({
  type: 'object',
  ...(required ? { required } : {}),
  properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: META, ...body },
  ...PRESERVE,
});

const errsAt = (path: string, value: unknown, msgs: string[]) => msgs.map((m) => invalid(path, value, m));

function portNumErrs(path: string, v: unknown): FieldError[] {
  return typeof v === 'number' && (v < 1 || v > 65535) ? [invalid(path, v, 'must be between 1 and 65535, inclusive')] : [];
}

// ---------------------------------------------------------------- Service
const SERVICE: CoreKind = {
  group: '',
  versions: ['v1'],
  namespaced: true,
  nameRule: 'dns1035Label',
  schema: root({
    spec: {
      type: 'object',
      ...PRESERVE,
      properties: {
        type: { type: 'string', enum: ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'], default: 'ClusterIP' },
        clusterIP: { type: 'string' },
        clusterIPs: { type: 'array', items: { type: 'string' } },
        externalName: { type: 'string' },
        selector: STRING_MAP,
        sessionAffinity: { type: 'string', enum: ['ClientIP', 'None'], default: 'None' },
        internalTrafficPolicy: { type: 'string', enum: ['Cluster', 'Local'] },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['port', 'protocol'],
          items: {
            type: 'object',
            ...PRESERVE,
            required: ['port'],
            properties: {
              name: { type: 'string' },
              protocol: PROTOCOL,
              appProtocol: { type: 'string' },
              port: { type: 'integer', format: 'int32' },
              targetPort: { 'x-kubernetes-int-or-string': true },
              nodePort: { type: 'integer', format: 'int32' },
            },
          },
        },
      },
    },
  }),
  defaults(obj) {
    const spec = obj.spec as { type?: string; ports?: Record<string, unknown>[]; internalTrafficPolicy?: string } | undefined;
    if (!spec) return;
    // The API server sets targetPort to port when it is missing, and internalTrafficPolicy for non-ExternalName services.
    for (const p of spec.ports ?? []) if (p && typeof p === 'object' && (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '')) p.targetPort = p.port;
    if (spec.type !== 'ExternalName' && spec.internalTrafficPolicy === undefined) spec.internalTrafficPolicy = 'Cluster';
  },
  check(obj) {
    const errs: FieldError[] = [];
    const spec = obj.spec ?? {};
    const ports: any[] = spec.ports ?? [];
    const headless = spec.clusterIP === 'None';
    if (spec.type === 'ExternalName') {
      if (!spec.externalName) errs.push(required('spec.externalName'));
      else errs.push(...errsAt('spec.externalName', spec.externalName, dns1123Subdomain(String(spec.externalName).replace(/\.$/, ''))));
    } else if (ports.length === 0 && !headless) errs.push(required('spec.ports'));
    if (spec.clusterIP !== undefined && spec.clusterIP !== '' && spec.clusterIP !== 'None' && !parseIP(spec.clusterIP, { sloppy: true }))
      errs.push(invalid('spec.clusterIP', spec.clusterIP, 'must be empty, \'None\', or a valid IP address'));
    const names = new Set<string>();
    ports.forEach((p, i) => {
      const at = indexPath('spec.ports', i);
      const name: string = p.name ?? '';
      if (ports.length > 1 && name === '') errs.push(required(childPath(at, 'name')));
      if (name !== '') {
        errs.push(...errsAt(childPath(at, 'name'), name, dns1123Label(name)));
        if (names.has(name)) errs.push(duplicate(childPath(at, 'name'), name));
        names.add(name);
      }
      errs.push(...portNumErrs(childPath(at, 'port'), p.port));
      const tp = p.targetPort;
      if (typeof tp === 'number') errs.push(...portNumErrs(childPath(at, 'targetPort'), tp));
      else if (typeof tp === 'string') errs.push(...errsAt(childPath(at, 'targetPort'), tp, ianaSvcName(tp)));
      if (p.nodePort !== undefined) errs.push(...portNumErrs(childPath(at, 'nodePort'), p.nodePort));
    });
    return errs;
  },
};

// ---------------------------------------------------------------- EndpointSlice
const ENDPOINT_SLICE: CoreKind = {
  group: 'discovery.k8s.io',
  versions: ['v1'],
  namespaced: true,
  nameRule: 'dns1123Subdomain',
  schema: root(
    {
      addressType: { type: 'string', enum: ['FQDN', 'IPv4', 'IPv6'] },
      endpoints: {
        type: 'array',
        maxItems: 1000,
        'x-kubernetes-list-type': 'atomic',
        items: {
          type: 'object',
          ...PRESERVE,
          required: ['addresses'],
          properties: {
            addresses: { type: 'array', minItems: 1, maxItems: 100, 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
            conditions: {
              type: 'object',
              properties: { ready: { type: 'boolean' }, serving: { type: 'boolean' }, terminating: { type: 'boolean' } },
            },
            hostname: { type: 'string' },
            nodeName: { type: 'string' },
            zone: { type: 'string' },
            targetRef: { type: 'object', ...PRESERVE },
            hints: { type: 'object', ...PRESERVE },
          },
        },
      },
      ports: {
        type: 'array',
        maxItems: 20000,
        'x-kubernetes-list-type': 'atomic',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string', default: '' },
            protocol: PROTOCOL,
            port: { type: 'integer', format: 'int32' },
            appProtocol: { type: 'string' },
          },
        },
      },
    },
    ['addressType', 'endpoints'],
  ),
  check(obj) {
    const errs: FieldError[] = [];
    const type: string = obj.addressType;
    (obj.endpoints as any[]).forEach((e, i) => {
      const at = indexPath('endpoints', i);
      (e.addresses as string[]).forEach((a, j) => {
        const p = indexPath(childPath(at, 'addresses'), j);
        if (type === 'IPv4' && !(a.includes('.') && parseIP(a, { sloppy: true })))
          errs.push(invalid(p, a, 'must be a valid IPv4 address'));
        else if (type === 'IPv6' && !(a.includes(':') && parseIP(a, { sloppy: true })))
          errs.push(invalid(p, a, 'must be a valid IPv6 address'));
        else if (type === 'FQDN') errs.push(...errsAt(p, a, dns1123Subdomain(a)));
      });
      if (e.hostname !== undefined) errs.push(...errsAt(childPath(at, 'hostname'), e.hostname, dns1123Label(e.hostname)));
      if (e.nodeName !== undefined) errs.push(...errsAt(childPath(at, 'nodeName'), e.nodeName, dns1123Subdomain(e.nodeName)));
    });
    const names = new Set<string>();
    ((obj.ports ?? []) as any[]).forEach((p, i) => {
      const at = indexPath('ports', i);
      if (p.name !== '') errs.push(...errsAt(childPath(at, 'name'), p.name, dns1123Label(p.name)));
      if (names.has(p.name)) errs.push(duplicate(childPath(at, 'name'), p.name));
      names.add(p.name);
      if (p.port !== undefined && (p.port < 0 || p.port > 65535)) errs.push(invalid(childPath(at, 'port'), p.port, 'must be between 0 and 65535, inclusive'));
    });
    return errs;
  },
};

// ---------------------------------------------------------------- Secret and ConfigMap
function checkKeys(path: string, data: Record<string, unknown> | undefined): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of Object.keys(data ?? {})) errs.push(...errsAt(path, k, configMapKey(k)));
  return errs;
}

function utf8Base64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

function decodedSize(b64: string): number {
  const s = b64.replace(/[\r\n]/g, '');
  return Math.floor((s.length * 3) / 4) - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0);
}

const BASE64_MAP: StructuralSchema = { type: 'object', additionalProperties: { type: 'string', format: 'byte' } };

const SECRET: CoreKind = {
  group: '',
  versions: ['v1'],
  namespaced: true,
  nameRule: 'dns1123Subdomain',
  schema: root({
    type: { type: 'string', default: 'Opaque' },
    data: BASE64_MAP,
    immutable: { type: 'boolean' },
  }),
  prepare(obj) {
    // stringData is write-only: the API server merges it into data (base64) before validating.
    const sd = obj.stringData;
    if (sd && typeof sd === 'object' && !Array.isArray(sd)) {
      const data = (obj.data && typeof obj.data === 'object' ? obj.data : {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(sd)) if (typeof v === 'string') data[k] = utf8Base64(v);
      obj.data = data;
      delete obj.stringData;
    }
  },
  check(obj) {
    const errs = checkKeys('data', obj.data);
    const data: Record<string, string> = obj.data ?? {};
    const size = Object.values(data).reduce((n, v) => n + decodedSize(v), 0);
    if (size > MAX_DATA_SIZE) errs.push(tooLong('data', MAX_DATA_SIZE));
    const need = (key: string) => {
      if (data[key] === undefined) errs.push(required(indexPath('data', key)));
    };
    switch (obj.type) {
      case 'kubernetes.io/tls':
        need('tls.crt');
        need('tls.key');
        break;
      case 'kubernetes.io/basic-auth':
        break;
      case 'kubernetes.io/ssh-auth':
        need('ssh-privatekey');
        break;
      case 'kubernetes.io/dockerconfigjson':
        need('.dockerconfigjson');
        break;
      case 'kubernetes.io/dockercfg':
        need('.dockercfg');
        break;
      default:
        break;
    }
    return errs;
  },
};

const CONFIG_MAP: CoreKind = {
  group: '',
  versions: ['v1'],
  namespaced: true,
  nameRule: 'dns1123Subdomain',
  schema: root({ data: STRING_MAP, binaryData: BASE64_MAP, immutable: { type: 'boolean' } }),
  check(obj) {
    const errs = [...checkKeys('data', obj.data), ...checkKeys('binaryData', obj.binaryData)];
    let size = 0;
    for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, string>)) size += k.length + v.length;
    for (const [k, v] of Object.entries((obj.binaryData ?? {}) as Record<string, string>)) {
      size += k.length + decodedSize(v);
      if (obj.data && Object.hasOwn(obj.data, k))
        errs.push(invalid('data', k, 'duplicate of key present in binaryData'));
    }
    if (size > MAX_DATA_SIZE) errs.push(tooLong('', MAX_DATA_SIZE));
    return errs;
  },
};

// ---------------------------------------------------------------- Namespace
const NAMESPACE: CoreKind = {
  group: '',
  versions: ['v1'],
  namespaced: false,
  nameRule: 'dns1123Label',
  schema: root({ spec: { type: 'object', ...PRESERVE }, status: { type: 'object', ...PRESERVE } }),
  defaults(obj) {
    // The API server labels every namespace with its own name.
    const meta = obj.metadata as { name?: unknown; labels?: Record<string, string> };
    if (typeof meta.name === 'string') meta.labels = { ...(meta.labels ?? {}), 'kubernetes.io/metadata.name': meta.name };
  },
};

/** The core kinds Portway reads, by kind. */
export const CORE_KINDS: Readonly<Record<string, CoreKind>> = {
  Service: SERVICE,
  EndpointSlice: ENDPOINT_SLICE,
  Secret: SECRET,
  ConfigMap: CONFIG_MAP,
  Namespace: NAMESPACE,
};
