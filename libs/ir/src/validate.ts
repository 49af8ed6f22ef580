import { TypeCompiler } from '@sinclair/typebox/compiler';
import { GatewayConfigSchema, type GatewayConfig } from './schema.js';

const checker = TypeCompiler.Compile(GatewayConfigSchema);

export interface IrError {
  /** JSON pointer into the config, e.g. "/ports/0/listeners/1/name". */
  path: string;
  message: string;
}

/**
 * Checks a value against the IR schema, then the references inside it (backend ids, rule
 * indexes, unique listener names and ports) that a schema alone cannot express.
 * Returns the errors found; an empty list means the config is valid.
 */
export function validateGatewayConfig(value: unknown): IrError[] {
  if (!checker.Check(value)) {
    return [...checker.Errors(value)].slice(0, 20).map((e) => ({ path: e.path || '/', message: e.message }));
  }
  return checkReferences(value);
}

export function isValidGatewayConfig(value: unknown): value is GatewayConfig {
  return validateGatewayConfig(value).length === 0;
}

function checkReferences(config: GatewayConfig): IrError[] {
  const errors: IrError[] = [];
  const backend = (id: string | null, path: string) => {
    if (id !== null && !Object.hasOwn(config.backends, id)) errors.push({ path, message: `unknown backend "${id}"` });
  };
  for (const [id, b] of Object.entries(config.backends)) {
    if (b.id !== id) errors.push({ path: `/backends/${id}/id`, message: `backend id "${b.id}" differs from its key "${id}"` });
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
        const hosts = new Set(l.virtualHosts.map((vh) => vh.hostname));
        l.virtualHosts.forEach((vh, vi) => {
          const vp = `${lp}/virtualHosts/${vi}`;
          if (vh.fallback !== undefined && !hosts.has(vh.fallback)) {
            errors.push({ path: `${vp}/fallback`, message: `fallback virtual host "${vh.fallback}" does not exist` });
          }
          vh.matches.forEach((m, mi) => {
            if (m.rule >= vh.rules.length) errors.push({ path: `${vp}/matches/${mi}/rule`, message: `rule index ${m.rule} out of range` });
            for (const r of [m.path, ...(m.headers ?? []), ...(m.queryParams ?? [])]) {
              if (r.type === 'RegularExpression' && !isRegExp(r.value)) {
                errors.push({ path: `${vp}/matches/${mi}`, message: `invalid regular expression "${r.value}"` });
              }
            }
          });
          vh.rules.forEach((r, ri) => {
            r.backends.forEach((b, bi) => backend(b.backend, `${vp}/rules/${ri}/backends/${bi}/backend`));
            r.filters.forEach((f, fi) => {
              if (f.type === 'RequestMirror') backend(f.backend, `${vp}/rules/${ri}/filters/${fi}/backend`);
            });
          });
        });
      } else {
        l.routes.forEach((r, ri) => r.backends.forEach((b, bi) => backend(b.backend, `${lp}/routes/${ri}/backends/${bi}/backend`)));
      }
    });
  });
  return errors;
}

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}
