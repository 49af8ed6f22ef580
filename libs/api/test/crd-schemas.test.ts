/**
 * The embedded CRD schemas against the upstream CRDs in ../shared/crds: no drift, every served
 * version registered, and every CEL rule compiles in Portway's CEL environment (so a new rule using a
 * function Portway lacks fails here, not in production).
 */
import { describe, expect, it } from 'vitest';
import { compileRule, unresolvedFunctions } from '../src/cel-rules.js';
import { EMBEDDED_CRDS } from '../src/crd-schemas/index.js';
import { lookupKind } from '../src/kinds.js';
import { isKindName, KIND_GROUPS } from '../src/objects.js';
import type { StructuralSchema, ValidationRule } from '../src/schema-types.js';
import { parse } from '@bufbuild/cel';
import { extractCrds } from './crd-source.js';

const upstream = extractCrds();

/** Every `x-kubernetes-validations` rule below `schema`, with its schema path. */
function rulesOf(schema: StructuralSchema, path = ''): { path: string; rule: ValidationRule }[] {
  const out = (schema['x-kubernetes-validations'] ?? []).map((rule) => ({ path, rule }));
  for (const [k, s] of Object.entries(schema.properties ?? {})) out.push(...rulesOf(s, `${path}.${k}`));
  if (schema.items) out.push(...rulesOf(schema.items, `${path}[]`));
  if (typeof schema.additionalProperties === 'object') out.push(...rulesOf(schema.additionalProperties, `${path}{}`));
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) for (const s of schema[k] ?? []) out.push(...rulesOf(s, path));
  return out;
}

const allRules = upstream.flatMap((crd) =>
  crd.versions.flatMap((v) => rulesOf(v.schema as StructuralSchema).map((r) => ({ where: `${crd.kind} ${v.name} ${r.path}`, ...r }))),
);

describe('embedded CRD schemas', () => {
  it('equal the upstream CRDs (run libs/api/scripts/embed-crds.ts after changing ../shared/crds)', () => {
    expect(upstream.length).toBeGreaterThanOrEqual(15);
    const embedded = EMBEDDED_CRDS.map((c) => JSON.parse(JSON.stringify(c)));
    expect(embedded).toEqual(upstream.map(({ file: _file, ...rest }) => rest));
  });

  it('register every served version of every kind Portway reads', () => {
    let n = 0;
    for (const crd of upstream) {
      if (!isKindName(crd.kind) || KIND_GROUPS[crd.kind] !== crd.group) continue;
      for (const v of crd.versions) {
        expect(lookupKind(`${crd.group}/${v.name}`, crd.kind), `${crd.group}/${v.name} ${crd.kind}`).toBeDefined();
        n++;
      }
    }
    expect(n).toBeGreaterThanOrEqual(20);
  });
});

describe('CEL rules of the CRDs', () => {
  it('there are rules to check', () => {
    expect(allRules.length).toBeGreaterThan(300);
  });

  it.each(allRules.map((r) => [r.where, r.rule] as const))('%s compiles', (_where, rule) => {
    const p = compileRule(rule.rule);
    expect(p instanceof Error ? p.message : 'ok').toBe('ok');
    if (rule.messageExpression) {
      const m = compileRule(rule.messageExpression);
      expect(m instanceof Error ? m.message : 'ok').toBe('ok');
    }
  });

  it('a rule with a function Portway does not provide fails to compile', () => {
    expect(unresolvedFunctions(parse("quantity(self).isGreaterThan(quantity('1'))").expr)).toEqual(['<expr>.isGreaterThan/1', 'quantity/1', 'quantity/1']);
    expect(compileRule("url(self).getHost() == ''")).toBeInstanceOf(Error);
    expect(compileRule('self.noSuchMethod()')).toBeInstanceOf(Error);
    expect(compileRule('self.size(1)')).toBeInstanceOf(Error);
  });

  it('namespaced library functions resolve (format.dns1123Label().validate)', () => {
    expect(compileRule('format.dns1123Label().validate(self) == null')).not.toBeInstanceOf(Error);
  });
});
