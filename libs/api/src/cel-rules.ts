/**
 * CEL validation rules (`x-kubernetes-validations`) as the API server runs them: each rule is parsed
 * and planned once (programs are cached by rule text) in an environment with the Kubernetes library
 * functions, and evaluated with `self` (and `oldSelf` for transition rules) bound to the value at the
 * rule's schema node, converted as Kubernetes converts it (integers are CEL ints, property names that
 * are CEL keywords or hold `_ . - /` are escaped: `namespace` → `__namespace__`).
 */
import { celEnv, isCelError, parse, plan, type CelEnv, type CelResult } from '@bufbuild/cel';
import { K8S_CEL_FUNCS } from './cel-k8s-library.js';
import { RE2_ENGINE } from './re2-regexp.js';

/** The CEL environment of admission, shared by every rule. */
export const CEL_ENV: CelEnv = celEnv({ funcs: [...K8S_CEL_FUNCS], re2: RE2_ENGINE });

/** A parsed CEL expression (the `expr` of `parse()`). */
type Expr = ReturnType<typeof parse>['expr'];

type Program = (bindings: Record<string, unknown>) => CelResult;

const programs = new Map<string, Program | Error>();

/** Parses and plans a rule once; returns the cached program, or the compile error. */
export function compileRule(rule: string): Program | Error {
  let p = programs.get(rule);
  if (p === undefined) {
    try {
      const parsed = parse(rule);
      const problems = unresolvedFunctions(parsed.expr);
      p = problems.length ? new Error(`undeclared reference to ${problems.join(', ')}`) : (plan(CEL_ENV, parsed) as Program);
    } catch (e) {
      p = e instanceof Error ? e : new Error(String(e));
    }
    programs.set(rule, p);
  }
  return p;
}

/** Calls the planner handles itself rather than through the function resolver. */
const PLANNER_OPERATORS = new Set([
  '_[_]',
  '_[?_]',
  '_?._',
  '_?_:_',
  '_&&_',
  '_||_',
  '@not_strictly_false',
  '__not_strictly_false__',
]);

/** Dotted name of an identifier chain (`format` for `format.dns1123Label()`), or undefined. */
function qualifiedIdent(e: Expr | undefined): string | undefined {
  if (!e) return undefined;
  if (e.exprKind.case === 'identExpr') return e.exprKind.value.name;
  if (e.exprKind.case === 'selectExpr' && !e.exprKind.value.testOnly) {
    const base = qualifiedIdent(e.exprKind.value.operand);
    return base === undefined ? undefined : `${base}.${e.exprKind.value.field}`;
  }
  return undefined;
}

/**
 * Every call in `expr` whose function (with its target form and argument count) the environment does
 * not declare. The planner would only notice at evaluation time; the API server's type checker at CRD
 * registration, so this is Portway's compile step.
 */
export function unresolvedFunctions(expr: Expr | undefined): string[] {
  const out: string[] = [];
  const visit = (e: Expr | undefined): void => {
    if (!e) return;
    const k = e.exprKind;
    switch (k.case) {
      case 'callExpr': {
        const c = k.value;
        if (!PLANNER_OPERATORS.has(c.function)) {
          const qual = qualifiedIdent(c.target);
          const asGlobal = qual !== undefined ? CEL_ENV.funcs.find(`${qual}.${c.function}`) : undefined;
          const hasGlobal = asGlobal && [...asGlobal].some((f) => !f.target && f.arguments.length === c.args.length);
          const group = CEL_ENV.funcs.find(c.function);
          const hasDirect =
            group &&
            [...group].some((f) => (c.target ? !!f.target : !f.target) && f.arguments.length === c.args.length);
          if (!hasGlobal && !hasDirect) out.push(`${c.target ? `${qual ?? '<expr>'}.` : ''}${c.function}/${c.args.length}`);
          if (!hasGlobal) visit(c.target);
        }
        if (PLANNER_OPERATORS.has(c.function)) visit(c.target);
        c.args.forEach(visit);
        break;
      }
      case 'selectExpr':
        visit(k.value.operand);
        break;
      case 'listExpr':
        k.value.elements.forEach(visit);
        break;
      case 'structExpr':
        for (const entry of k.value.entries) {
          if (entry.keyKind.case === 'mapKey') visit(entry.keyKind.value);
          visit(entry.value);
        }
        break;
      case 'comprehensionExpr':
        visit(k.value.iterRange);
        visit(k.value.accuInit);
        visit(k.value.loopCondition);
        visit(k.value.loopStep);
        visit(k.value.result);
        break;
      default:
        break;
    }
  };
  visit(expr);
  return out;
}

/** The outcome of one rule on one value. */
export type RuleOutcome = { ok: true } | { ok: false; error?: string };

/** Runs a compiled rule; `ok: false` with `error` when evaluation failed rather than returned false. */
export function runRule(program: Program, bindings: Record<string, unknown>): RuleOutcome {
  const r = program(bindings);
  if (r === true) return { ok: true };
  if (isCelError(r)) return { ok: false, error: r.message };
  if (r === false) return { ok: false };
  return { ok: false, error: `rule did not evaluate to a bool: ${String(r)}` };
}

/** Evaluates a `messageExpression`; `undefined` when it fails or is not a non-empty string. */
export function runMessageExpression(expr: string, bindings: Record<string, unknown>): string | undefined {
  const p = compileRule(expr);
  if (p instanceof Error) return undefined;
  const r = p(bindings);
  return typeof r === 'string' && r.trim() !== '' && !r.includes('\n') ? r : undefined;
}

const CEL_RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if',
  'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

/**
 * A property name as CEL sees it (k8s.io/apiserver/pkg/cel escaping), or `undefined` when the
 * property cannot be reached from CEL.
 */
export function escapeCelName(name: string): string | undefined {
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !name.includes('__')) return name;
  if (!/^[A-Za-z_./-][A-Za-z0-9_./-]*$/.test(name)) return undefined;
  return name
    .replaceAll('__', '__underscores__')
    .replaceAll('.', '__dot__')
    .replaceAll('-', '__dash__')
    .replaceAll('/', '__slash__');
}
