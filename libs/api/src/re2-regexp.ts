/**
 * RE2 patterns (the regular expressions of CEL `matches()` in Kubernetes) run on JavaScript's engine,
 * compiled once per pattern and cached. The CRDs' patterns use the syntax both engines share (classes,
 * groups, anchors, repetition) plus RE2's leading inline flags (`(?i)`, also right after `^`), which
 * become JavaScript flags. A pattern using RE2-only syntax that JavaScript rejects fails to compile and
 * the rule reports an evaluation error, never a wrong answer.
 */

const cache = new Map<string, RegExp>();

/** Translates RE2's leading inline flags into JavaScript flags. */
function translate(pattern: string): { source: string; flags: string } {
  let source = pattern;
  let caret = '';
  if (source.startsWith('^')) {
    caret = '^';
    source = source.slice(1);
  }
  let flags = 'u';
  const m = /^\(\?([imsU]+)\)/.exec(source);
  if (m) {
    for (const f of m[1]!) {
      if (f === 'i' || f === 'm' || f === 's') flags += flags.includes(f) ? '' : f;
      else throw new Error(`unsupported RE2 flag ${f} in ${pattern}`);
    }
    source = source.slice(m[0].length);
  }
  return { source: caret + source, flags };
}

/** A cached matcher for an RE2 pattern (unanchored search, as RE2's MatchString). */
export function re2(pattern: string): RegExp {
  let r = cache.get(pattern);
  if (!r) {
    const { source, flags } = translate(pattern);
    r = new RegExp(source, flags);
    cache.set(pattern, r);
  }
  return r;
}

/** The `re2` engine option of `@bufbuild/cel`'s environment. */
export const RE2_ENGINE = {
  compile(pattern: string) {
    const r = re2(pattern);
    return { test: (text: string) => r.test(text) };
  },
};
