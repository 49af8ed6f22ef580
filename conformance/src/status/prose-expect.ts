import { getPath, parsePath } from '../util/object-path.js';

/** A count assertion read from an `expect` text: the list at `path` has `count` entries. */
export interface CountExpectation {
  path: string;
  count: number;
}

/**
 * Reads the count assertions the suite writes in prose: "len(spec.addresses) == 3" and
 * "spec.listeners has exactly 2 entries". Returns undefined when the text holds none.
 */
export function parseCountExpectation(text: string | undefined): CountExpectation | undefined {
  if (!text) return undefined;
  let m = /len\(\s*([\w.[\]"]+)\s*\)\s*==\s*(\d+)/.exec(text);
  if (m) return { path: m[1]!, count: Number(m[2]) };
  m = /([\w.[\]"]+)\s+has exactly\s+(\d+)\s+entr(?:y|ies)/.exec(text);
  if (m) return { path: m[1]!, count: Number(m[2]) };
  return undefined;
}

/** Checks a count assertion against an object; returns undefined when it holds, else why not. */
export function checkCount(obj: unknown, e: CountExpectation): string | undefined {
  const v = getPath(obj, parsePath(e.path));
  const n = Array.isArray(v) ? v.length : v === undefined || v === null ? 0 : -1;
  if (n < 0) return `${e.path} is not a list`;
  return n === e.count ? undefined : `len(${e.path}) is ${n}, expected ${e.count}`;
}
