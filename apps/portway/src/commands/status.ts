import { stringify } from 'yaml';

interface Cond {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface Obj {
  kind: string;
  metadata: { namespace?: string; name: string; generation?: number };
  status?: {
    conditions?: Cond[];
    addresses?: { value: string }[];
    listeners?: { name: string; attachedRoutes: number; conditions: Cond[] }[];
    parents?: { parentRef: { kind?: string; namespace?: string; name: string; sectionName?: string }; conditions: Cond[] }[];
  };
}
interface StatusBody {
  objects: Obj[];
  errors: { file: string; line?: number; kind?: string; namespace?: string; name?: string; path?: string; message: string }[];
  /** What the data plane serves (standalone `portway run`). */
  agent?: {
    gateways: {
      gateway: string;
      revision: number;
      listenersBound: string[];
      errors: { listener?: string; reason: string }[];
      infrastructure: { labels: Record<string, string>; annotations: Record<string, string> };
    }[];
  };
}

const STATUS_KINDS = new Set(['GatewayClass', 'Gateway', 'ListenerSet', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'BackendTLSPolicy']);

const fmt = (cs: Cond[] | undefined) =>
  (cs ?? []).map((c) => `${c.type}=${c.status}${c.reason && c.reason !== c.type ? `(${c.reason})` : ''}`).join(' ');

/** Renders `/status` as a table: one row per object, then its listeners or parents indented. */
export function renderStatusTable(body: StatusBody): string {
  const rows: string[][] = [['KIND', 'NAMESPACE', 'NAME', 'CONDITIONS']];
  for (const o of body.objects.filter((x) => STATUS_KINDS.has(x.kind))) {
    const ns = o.metadata.namespace ?? '';
    const addr = o.status?.addresses?.length ? ` address=${o.status.addresses.map((a) => a.value).join(',')}` : '';
    rows.push([o.kind, ns, o.metadata.name, (o.status ? fmt(o.status.conditions) : 'no status (not managed by Portway)') + addr]);
    const served = o.kind === 'Gateway' ? body.agent?.gateways.find((g) => g.gateway === `${ns}/${o.metadata.name}`) : undefined;
    if (served) {
      const errors = served.errors.map((e) => `${e.listener ? `${e.listener.split('/').pop()}:` : ''}${e.reason}`).join(',');
      rows.push(['', '', '  data plane', `revision=${served.revision} listenersBound=${served.listenersBound.length}${errors ? ` errors=${errors}` : ''}`]);
      const kv = (m: Record<string, string>) => Object.entries(m).map(([k, v]) => `${k}=${v}`).join(',');
      const { labels, annotations } = served.infrastructure;
      if (Object.keys(labels).length + Object.keys(annotations).length > 0) {
        rows.push(['', '', '  infrastructure', `labels=${kv(labels)} annotations=${kv(annotations)}`]);
      }
    }
    for (const l of o.status?.listeners ?? []) rows.push(['', '', `  listener ${l.name}`, `attachedRoutes=${l.attachedRoutes} ${fmt(l.conditions)}`]);
    for (const p of o.status?.parents ?? []) {
      const ref = `${p.parentRef.kind ?? 'Gateway'} ${p.parentRef.namespace ? `${p.parentRef.namespace}/` : ''}${p.parentRef.name}${p.parentRef.sectionName ? `/${p.parentRef.sectionName}` : ''}`;
      rows.push(['', '', `  parent ${ref}`, fmt(p.conditions)]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]!) : c)).join('  ').trimEnd()).join('\n');
  const errors = body.errors.map(
    (e) => `error: ${e.file}${e.line ? `:${e.line}` : ''}:${e.kind ? ` ${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name ?? ''}:` : ''}${e.path ? ` ${e.path}:` : ''} ${e.message}`,
  );
  return [table, ...errors].join('\n') + '\n';
}

/** `portway status`: reads the admin API of a running Portway and prints every object's conditions. */
export async function statusCommand(admin: string, output: 'table' | 'yaml' | 'json'): Promise<number> {
  const base = admin.startsWith('http') ? admin : `http://${admin}`;
  let body: StatusBody;
  try {
    const res = await fetch(`${base}/status`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = (await res.json()) as StatusBody;
  } catch (e) {
    console.error(`cannot read status from ${base}/status: ${(e as Error).message}. Is portway running (portway run / portway controller)?`);
    return 2;
  }
  if (output === 'json') process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  else if (output === 'yaml') process.stdout.write(stringify(body, { lineWidth: 0 }));
  else process.stdout.write(renderStatusTable(body));
  return 0;
}
