/**
 * Values an API server accepts but Portway's data plane cannot serve as written. A rule with such
 * a value is invalid: it is dropped (the route says `PartiallyInvalid`, or `Accepted=False` when
 * no rule is left, both with reason `UnsupportedValue`), so the value never reaches the IR.
 *
 * - Regular expressions (path, header and query matches; gRPC service and method) must compile as
 *   JavaScript regular expressions, anchored as the data plane anchors them. The CRDs do not check
 *   them, and one bad pattern must not make an agent refuse the whole gateway's config.
 * - Filter types Portway does not implement (e.g. `ExternalAuth`, or a type added to the enum
 *   later) make the rule invalid, as the spec asks of unknown filter types: never skipped.
 * - On a backendRef only header modifiers are implemented; any other filter type there (besides
 *   `ExtensionRef`, which the backendRef itself reports) makes the rule invalid.
 */
import type { RouteKind } from '@portway/api';

/** Filter types a rule of each kind may carry (ExtensionRef is handled apart: it answers 500). */
const RULE_FILTERS: Readonly<Record<'HTTPRoute' | 'GRPCRoute', ReadonlySet<string>>> = {
  HTTPRoute: new Set(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'RequestRedirect', 'URLRewrite', 'CORS', 'ExtensionRef']),
  GRPCRoute: new Set(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'ExtensionRef']),
};

/** Filter types a backendRef may carry. */
const BACKEND_REF_FILTERS: ReadonlySet<string> = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier', 'ExtensionRef']);

interface ValueMatchSpec {
  type?: string;
  name: string;
  value: string;
}
interface RuleSpec {
  matches?: {
    path?: { type?: string; value?: string };
    headers?: ValueMatchSpec[];
    queryParams?: ValueMatchSpec[];
    method?: string | { type?: string; service?: string; method?: string };
  }[];
  filters?: { type: string }[];
  backendRefs?: { filters?: { type: string }[] }[];
}

/**
 * Why a rule of an HTTPRoute or GRPCRoute cannot be served, or undefined when it can. The text
 * names the field (`matches[0].path.value`) and the value.
 */
export function invalidRuleValue(kind: RouteKind, spec: RuleSpec): string | undefined {
  if (kind !== 'HTTPRoute' && kind !== 'GRPCRoute') return undefined;
  for (const [i, f] of (spec.filters ?? []).entries()) {
    if (!RULE_FILTERS[kind].has(f.type)) return `filters[${i}]: filter type ${f.type} is not supported`;
  }
  for (const [bi, b] of (spec.backendRefs ?? []).entries()) {
    for (const [fi, f] of (b.filters ?? []).entries()) {
      if (!BACKEND_REF_FILTERS.has(f.type)) {
        return `backendRefs[${bi}].filters[${fi}]: filter type ${f.type} is not supported on a backendRef (only header modifiers are)`;
      }
    }
  }
  for (const [mi, m] of (spec.matches ?? []).entries()) {
    const where = `matches[${mi}]`;
    if (kind === 'HTTPRoute' && m.path?.type === 'RegularExpression') {
      const bad = regexProblem(m.path.value ?? '');
      if (bad) return `${where}.path.value: ${bad}`;
    }
    if (kind === 'GRPCRoute' && typeof m.method === 'object' && m.method.type === 'RegularExpression') {
      for (const field of ['service', 'method'] as const) {
        const v = m.method[field];
        const bad = v === undefined ? undefined : regexProblem(v);
        if (bad) return `${where}.method.${field}: ${bad}`;
      }
    }
    for (const [list, items] of [['headers', m.headers], ['queryParams', m.queryParams]] as const) {
      for (const [i, h] of (items ?? []).entries()) {
        if (h.type !== 'RegularExpression') continue;
        const bad = regexProblem(h.value);
        if (bad) return `${where}.${list}[${i}].value: ${bad}`;
      }
    }
  }
  return undefined;
}

/**
 * Why `pattern` cannot be a RegularExpression match value, or undefined. The data plane uses
 * JavaScript regular expressions matching the whole value (`^(?:pattern)$`).
 */
export function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    new RegExp(`^(?:${pattern})$`);
    return undefined;
  } catch (e) {
    const why = (e as Error).message.split(': ').pop();
    return `"${pattern}" is not a valid regular expression (Portway uses JavaScript syntax): ${why}`;
  }
}
