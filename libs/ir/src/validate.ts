import { TypeCompiler } from '@sinclair/typebox/compiler';
import { isImmutable } from './freeze.js';
import { virtualHostEdit } from './reuse.js';
import { GatewayConfigShellSchema, VirtualHostSchema, type GatewayConfig, type Listener, type VirtualHost } from './schema.js';

const shellChecker = TypeCompiler.Compile(GatewayConfigShellSchema);
const vhostChecker = TypeCompiler.Compile(VirtualHostSchema);

export interface IrError {
  /** JSON pointer into the config, e.g. "/ports/0/listeners/1/name". */
  path: string;
  message: string;
}

/** What a virtual host says about itself, with paths relative to it. */
interface VirtualHostCheck {
  /** Schema errors (then nothing else was checked). */
  readonly schema: readonly IrError[];
  /** Rule indexes out of range and invalid regular expressions. */
  readonly internal: readonly IrError[];
  /** Every backend id it refers to (rules' backendRefs and mirrors), once each; where: see `refPaths`. */
  readonly backendIds: readonly string[];
}

const NONE: readonly never[] = Object.freeze([]);

/** Checks of frozen virtual hosts (see `deepFreeze`): a config that keeps them is checked in time proportional to what changed. */
const vhostChecks = new WeakMap<object, VirtualHostCheck>();

/**
 * Per frozen backends table, the frozen virtual hosts whose every backend reference is in it, and
 * the frozen HTTP(S) listeners all of whose virtual hosts' references are: a config that keeps
 * both (an edit elsewhere) does not look their references up again.
 */
const resolvedIn = new WeakMap<object, WeakSet<object>>();

/**
 * Frozen HTTP(S) listeners whose virtual hosts all pass the schema and the internal checks, and
 * whose fallbacks all name one of their hostnames (nothing here depends on the backends table).
 */
const settled = new WeakSet<object>();

/** Every position of the list (no memo applies). */
const ALL = 'all';

/**
 * Positions of `l`'s virtual hosts that `known` (a set of listeners that passed some checks) does
 * not vouch for: none when `l` is in it; the changed ones when `l` is an edit of a listener in it
 * (see `virtualHostEdit`; with `sameHostnames`, only when the changed ones kept their hostnames);
 * else all.
 */
function positionsToCheck(l: HttpListener, known: WeakSet<object> | undefined, sameHostnames: boolean): readonly number[] | typeof ALL {
  if (known === undefined || !isImmutable(l)) return ALL;
  if (known.has(l)) return NONE;
  const edit = virtualHostEdit(l);
  if (edit === undefined || !known.has(edit.base)) return ALL;
  if (sameHostnames && !edit.changed.every((i) => hostnameOf(l.virtualHosts[i]) === hostnameOf(edit.base.virtualHosts[i]))) return ALL;
  return edit.changed;
}

function hostnameOf(vh: unknown): unknown {
  return vh !== null && typeof vh === 'object' ? (vh as { hostname?: unknown }).hostname : undefined;
}

type HttpListener = Extract<Listener, { virtualHosts: unknown }>;

const MAX_SCHEMA_ERRORS = 20;

/**
 * Checks a value against the IR schema, then the references inside it (backend ids, rule
 * indexes, unique listener names and ports, fallback hostnames) that a schema alone cannot
 * express. Returns the errors found; an empty list means the config is valid.
 *
 * The config is checked without its virtual hosts first, then each virtual host on its own; what
 * a frozen virtual host says about itself is remembered, so only its references to the config's
 * backends are checked again.
 */
export function validateGatewayConfig(value: unknown): IrError[] {
  if (!shellChecker.Check(value)) {
    return [...shellChecker.Errors(value)].slice(0, MAX_SCHEMA_ERRORS).map((e) => ({ path: e.path || '/', message: e.message }));
  }
  const schemaErrors: IrError[] = [];
  const config = value as unknown as GatewayConfig;
  forEachVirtualHost(config, (vh, path) => {
    if (schemaErrors.length >= MAX_SCHEMA_ERRORS) return;
    for (const e of checkVirtualHost(vh).schema) schemaErrors.push({ path: `${path()}${e.path === '/' ? '' : e.path}`, message: e.message });
  });
  if (schemaErrors.length > 0) return schemaErrors.slice(0, MAX_SCHEMA_ERRORS);
  return checkReferences(config);
}

export function isValidGatewayConfig(value: unknown): value is GatewayConfig {
  return validateGatewayConfig(value).length === 0;
}

/**
 * Calls `fn` for every virtual host that may not pass the schema (those of a settled listener,
 * or unchanged in an edit of one, do); `path()` gives its JSON pointer (built only when asked:
 * errors are rare).
 */
function forEachVirtualHost(config: GatewayConfig, fn: (vh: VirtualHost, path: () => string) => void): void {
  config.ports.forEach((port, pi) =>
    port.listeners.forEach((l, li) => {
      if (l.protocol !== 'HTTP' && l.protocol !== 'HTTPS') return;
      const at = (vi: number) => fn(l.virtualHosts[vi]!, () => `/ports/${pi}/listeners/${li}/virtualHosts/${vi}`);
      const positions = positionsToCheck(l, settled, true);
      if (positions === ALL) for (let vi = 0; vi < l.virtualHosts.length; vi++) at(vi);
      else for (const vi of positions) at(vi);
    }),
  );
}

function checkVirtualHost(vh: unknown): VirtualHostCheck {
  const keep = isImmutable(vh);
  const known = keep ? vhostChecks.get(vh) : undefined;
  if (known !== undefined) return known;
  let check: VirtualHostCheck;
  if (!vhostChecker.Check(vh)) {
    const schema = [...vhostChecker.Errors(vh)].slice(0, MAX_SCHEMA_ERRORS).map((e) => ({ path: e.path || '/', message: e.message }));
    check = { schema, internal: NONE, backendIds: NONE };
  } else {
    const internal: IrError[] = [];
    const ids = new Set<string>();
    vh.matches.forEach((m, mi) => {
      if (m.rule >= vh.rules.length) internal.push({ path: `/matches/${mi}/rule`, message: `rule index ${m.rule} out of range` });
      for (const r of [m.path, ...(m.headers ?? []), ...(m.queryParams ?? [])]) {
        if (r.type === 'RegularExpression' && !isRegExp(r.value)) internal.push({ path: `/matches/${mi}`, message: `invalid regular expression "${r.value}"` });
      }
    });
    for (const r of vh.rules) {
      for (const b of r.backends) if (b.backend !== null) ids.add(b.backend);
      for (const f of r.filters) if (f.type === 'RequestMirror' && f.backend !== null) ids.add(f.backend);
    }
    // Kept for every frozen virtual host: only the ids (the IR's own strings), paths found again on an error.
    check = { schema: NONE, internal: internal.length > 0 ? internal : NONE, backendIds: [...ids] };
  }
  if (keep) vhostChecks.set(vh, check);
  return check;
}

function checkReferences(config: GatewayConfig): IrError[] {
  const errors: IrError[] = [];
  const backend = (id: string | null, path: string) => {
    if (id !== null && !Object.hasOwn(config.backends, id)) errors.push({ path, message: `unknown backend "${id}"` });
  };
  // A frozen table seen before had no id mismatch (it is remembered only then).
  let resolved = isImmutable(config.backends) ? resolvedIn.get(config.backends) : undefined;
  if (resolved === undefined) {
    const before = errors.length;
    for (const [id, b] of Object.entries(config.backends)) {
      if (b.id !== id) errors.push({ path: `/backends/${id}/id`, message: `backend id "${b.id}" differs from its key "${id}"` });
    }
    if (errors.length === before && isImmutable(config.backends)) resolvedIn.set(config.backends, (resolved = new WeakSet()));
  }
  const ports = new Set<number>();
  const names = new Set<string>();
  config.ports.forEach((port, pi) => {
    if (ports.has(port.port)) errors.push({ path: `/ports/${pi}/port`, message: `port ${port.port} listed twice` });
    ports.add(port.port);
    port.listeners.forEach((l, li) => {
      const lp = `/ports/${pi}/listeners/${li}`;
      if (names.has(l.name)) errors.push({ path: `${lp}/name`, message: `listener name "${l.name}" listed twice` });
      names.add(l.name);
      if (l.protocol === 'HTTP' || l.protocol === 'HTTPS') {
        // A settled listener, or one resolved in this table, is checked only where it changed:
        // its other virtual hosts passed the same checks before (with the same hostnames).
        const own = positionsToCheck(l, settled, true);
        const refs = positionsToCheck(l, resolved, false);
        let hosts: Set<string> | undefined;
        let settledOk = true;
        let resolvedOk = true;
        const at = (vi: number) => {
          const vh = l.virtualHosts[vi]!;
          const vp = () => `${lp}/virtualHosts/${vi}`;
          const before = errors.length;
          if (vh.fallback !== undefined && !(hosts ??= new Set(l.virtualHosts.map((v) => v.hostname))).has(vh.fallback)) {
            errors.push({ path: `${vp()}/fallback`, message: `fallback virtual host "${vh.fallback}" does not exist` });
          }
          const check = checkVirtualHost(vh);
          for (const e of check.internal) errors.push({ path: `${vp()}${e.path}`, message: e.message });
          if (errors.length > before) settledOk = false;
          if (resolved?.has(vh)) return;
          let ok = true;
          for (const id of check.backendIds) {
            if (Object.hasOwn(config.backends, id)) continue;
            ok = false;
            for (const path of refPaths(vh, id)) backend(id, `${vp()}${path}`);
          }
          if (!ok) resolvedOk = false;
          else if (resolved !== undefined && isImmutable(vh)) resolved.add(vh);
        };
        if (own === ALL || refs === ALL) {
          for (let vi = 0; vi < l.virtualHosts.length; vi++) at(vi);
        } else {
          // Both are the edit's changed positions, or none (the listener itself is known).
          for (const vi of own.length >= refs.length ? own : refs) at(vi);
        }
        if (isImmutable(l)) {
          if (settledOk) settled.add(l);
          if (resolvedOk && resolved !== undefined) resolved.add(l);
        }
      } else {
        l.routes.forEach((r, ri) => r.backends.forEach((b, bi) => backend(b.backend, `${lp}/routes/${ri}/backends/${bi}/backend`)));
      }
    });
  });
  return errors;
}

/** Where a virtual host refers to backend `id` (rules' backendRefs and mirrors), in rule order. */
function refPaths(vh: VirtualHost, id: string): string[] {
  const out: string[] = [];
  vh.rules.forEach((r, ri) => {
    r.backends.forEach((b, bi) => {
      if (b.backend === id) out.push(`/rules/${ri}/backends/${bi}/backend`);
    });
    r.filters.forEach((f, fi) => {
      if (f.type === 'RequestMirror' && f.backend === id) out.push(`/rules/${ri}/filters/${fi}/backend`);
    });
  });
  return out;
}

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}
