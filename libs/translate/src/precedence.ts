import { compareCreation } from '@portway/graph';
import type { MatchEntry, PathMatch } from '@portway/ir';

/** A match entry before it is placed in a virtual host, with what its precedence depends on. */
export interface PendingEntry {
  match: Omit<MatchEntry, 'rule'>;
  route: { metadata: { creationTimestamp?: string; namespace?: string; name: string } };
  ruleIndex: number;
  matchIndex: number;
  /** Rule id, to find the rule's index in the virtual host. */
  ruleId: string;
}

const PATH_CLASS: Record<PathMatch['type'], number> = { Exact: 0, RegularExpression: 1, PathPrefix: 2 };

/**
 * Orders match entries as the HTTPRoute spec requires, continuing on ties:
 * 1. an Exact path match; then RegularExpression (its precedence is implementation-specific:
 *    Portway places it after Exact and before PathPrefix, longer patterns first); then PathPrefix
 *    with the largest number of characters;
 * 2. a method match;
 * 3. the largest number of header matches;
 * 4. the largest number of query param matches;
 * 5. the oldest route (creation timestamp), then "{namespace}/{name}" alphabetically;
 * 6. within a route, the first rule, then the first match, in list order.
 */
export function compareEntries(a: PendingEntry, b: PendingEntry): number {
  const pa = a.match.path;
  const pb = b.match.path;
  return (
    PATH_CLASS[pa.type] - PATH_CLASS[pb.type] ||
    (pa.type === 'Exact' ? 0 : pb.value.length - pa.value.length) ||
    Number(b.match.method !== undefined) - Number(a.match.method !== undefined) ||
    (b.match.headers?.length ?? 0) - (a.match.headers?.length ?? 0) ||
    (b.match.queryParams?.length ?? 0) - (a.match.queryParams?.length ?? 0) ||
    compareCreation(a.route, b.route) ||
    a.ruleIndex - b.ruleIndex ||
    a.matchIndex - b.matchIndex
  );
}
