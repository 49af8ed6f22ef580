/**
 * Path modifiers shared by RequestRedirect and URLRewrite (HTTPPathModifier).
 */
import type { PathModifier } from '@portway/ir';

/**
 * Replaces `matchedPrefix` (a PathPrefix value without trailing slash, "/" for the catch-all)
 * at the start of `path` with `replacement`, following the spec's joining table:
 * /foo/bar with /foo → /xyz gives /xyz/bar; /foo → "" gives /; /foo/ with /foo → /xyz gives /xyz/.
 */
export function replacePrefix(path: string, matchedPrefix: string, replacement: string): string {
  const prefix = matchedPrefix === '/' ? '' : matchedPrefix;
  const rest = path.startsWith(prefix) ? path.slice(prefix.length) : path;
  let repl = replacement;
  while (repl.endsWith('/')) repl = repl.slice(0, -1);
  const out = repl + rest;
  if (out.length === 0) return '/';
  return out.charCodeAt(0) === 47 ? out : `/${out}`;
}

/**
 * The path after a modifier. `matchedPrefix` is the matching entry's path value (null for a
 * RegularExpression entry: ReplacePrefixMatch then leaves the path unchanged).
 */
export function modifyPath(path: string, modifier: PathModifier, matchedPrefix: string | null): string {
  if (modifier.type === 'ReplaceFullPath') return modifier.value.startsWith('/') ? modifier.value : `/${modifier.value}`;
  if (matchedPrefix === null) return path;
  return replacePrefix(path, matchedPrefix, modifier.value);
}
