import { parse as parseYaml } from 'yaml';
import { parsePath } from '../util/object-path.js';

/** A value on the right of a change: a literal, or a reference resolved when the change is applied. */
export type ChangeValue =
  | { literal: unknown }
  /** "<original ...>": what the path held before the test first changed it. */
  | { original: true }
  /** "<copy of data["ca.crt"] of ConfigMap ns/name>". */
  | { copyOf: { path: (string | number)[]; kind: string; namespace?: string; name: string } };

/** One edit of an object, read from an action's prose `change`. */
export type ChangeOp =
  | { op: 'set'; path: (string | number)[]; value: ChangeValue }
  | { op: 'append'; path: (string | number)[]; value: ChangeValue }
  | { op: 'removeWhere'; path: (string | number)[]; field: string; equals: { literal: string } | { pool: 'usable' | 'unusable' } }
  | { op: 'keepWhere'; path: (string | number)[]; field: string; equals: string }
  | { op: 'restore'; path: (string | number)[] };

/**
 * Reads the change descriptions of the suite's patch actions. The forms understood:
 *   `PATH = VALUE`                          (VALUE is YAML flow, "", or <original ...> / <copy of PATH of Kind ns/name>)
 *   `append to PATH: VALUE`
 *   `remove PATH entries whose FIELD equals VALUE`  (a quoted literal, or the usable / unusable address pool)
 *   `keep only the ITEM named "NAME" in PATH`
 *   `restore the original PATH`
 * Text after the value (a parenthesised remark, "; remember the original ...") is ignored. An
 * unknown form is an error quoting the text.
 */
export function parseChange(text: string): ChangeOp {
  const t = text.trim();
  let m = /^append to ([\w.[\]"'-]+):\s*(.+)$/s.exec(t);
  if (m) return { op: 'append', path: parsePath(m[1]!), value: parseValue(m[2]!) };
  m = /^remove ([\w.[\]"'-]+) entries whose (\w+) equals (.+)$/s.exec(t);
  if (m) {
    const rest = m[3]!;
    const quoted = /"((?:[^"\\]|\\.)*)"/.exec(rest);
    if (quoted) return { op: 'removeWhere', path: parsePath(m[1]!), field: m[2]!, equals: { literal: JSON.parse(`"${quoted[1]}"`) as string } };
    if (/\bunusable\b/.test(rest)) return { op: 'removeWhere', path: parsePath(m[1]!), field: m[2]!, equals: { pool: 'unusable' } };
    if (/\busable\b/.test(rest)) return { op: 'removeWhere', path: parsePath(m[1]!), field: m[2]!, equals: { pool: 'usable' } };
    throw new Error(`cannot read the value to remove in ${JSON.stringify(text)}`);
  }
  m = /^keep only the \w+ named "([^"]*)" in ([\w.[\]"'-]+)/.exec(t);
  if (m) return { op: 'keepWhere', path: parsePath(m[2]!), field: 'name', equals: m[1]! };
  m = /^restore the original ([\w.[\]"'-]+)/.exec(t);
  if (m) return { op: 'restore', path: parsePath(m[1]!) };
  m = /^([\w.[\]"'-]+)\s*=\s*(.+)$/s.exec(t);
  if (m) return { op: 'set', path: parsePath(m[1]!), value: parseValue(m[2]!) };
  throw new Error(`cannot interpret the change ${JSON.stringify(text)}`);
}

/** Parses the value at the start of `text`, ignoring what follows it. */
export function parseValue(text: string): ChangeValue {
  const t = text.trim();
  if (t.startsWith('<')) {
    const end = t.indexOf('>');
    const inner = (end < 0 ? t.slice(1) : t.slice(1, end)).trim();
    if (/^original\b/.test(inner)) return { original: true };
    const copy = /^copy of (.+?) of (\w+) (?:([\w.-]+)\/)?([\w.-]+)$/.exec(inner);
    if (copy) return { copyOf: { path: parsePath(copy[1]!), kind: copy[2]!, ...(copy[3] ? { namespace: copy[3] } : {}), name: copy[4]! } };
    throw new Error(`cannot interpret the value ${JSON.stringify(text)}`);
  }
  const head = leadingValue(t);
  try {
    return { literal: parseYaml(head) as unknown };
  } catch (e) {
    throw new Error(`cannot parse the value ${JSON.stringify(head)}: ${(e as Error).message}`);
  }
}

/** The value text: a balanced [...] / {...}, a quoted string, or the text up to " (" or ";". */
function leadingValue(t: string): string {
  const open = t[0];
  if (open === '[' || open === '{') {
    let depth = 0;
    let quote: string | undefined;
    for (let i = 0; i < t.length; i++) {
      const ch = t[i]!;
      if (quote) {
        if (ch === '\\') i++;
        else if (ch === quote) quote = undefined;
        continue;
      }
      if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '[' || ch === '{') depth++;
      else if (ch === ']' || ch === '}') {
        if (--depth === 0) return t.slice(0, i + 1);
      }
    }
    return t;
  }
  if (open === '"' || open === "'") {
    for (let i = 1; i < t.length; i++) {
      if (t[i] === '\\') i++;
      else if (t[i] === open) return t.slice(0, i + 1);
    }
    return t;
  }
  const cut = t.search(/\s+\(|;/);
  return cut < 0 ? t : t.slice(0, cut);
}
