import { compareCreation } from '@portway/graph';
import type { MatchEntry, PathMatch } from '@portway/ir';

/** What a GRPCRoute match's precedence depends on: whether it constrains the service and the method. */
export interface GrpcRank {
  service: boolean;
  method: boolean;
}

/** A match entry before it is placed in a virtual host, with what its precedence depends on. */
export interface PendingEntry {
  match: Omit<MatchEntry, 'rule'>;
  /** Set for GRPCRoute matches, which follow the GRPCRoute precedence rules. */
  grpc?: GrpcRank;
  route: { metadata: { creationTimestamp?: string; namespace?: string; name: string } };
  /** The route's kind: the last tie-breaker (an HTTPRoute and a GRPCRoute may share a name). */
  kind: string;
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
 * 6. within a route, the first rule, then the first match, in list order;
 * 7. an HTTPRoute before a GRPCRoute of the same name (so the order never depends on input order).
 */
export function compareEntries(a: PendingEntry, b: PendingEntry): number {
  if (a.grpc !== undefined && b.grpc !== undefined) return compareGrpcEntries(a, a.grpc, b, b.grpc);
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
    a.matchIndex - b.matchIndex ||
    kindRank(a.kind) - kindRank(b.kind)
  );
}

const kindRank = (kind: string) => (kind === 'HTTPRoute' ? 0 : 1);

/**
 * GRPCRoute precedence (the hostname criteria are the virtual hosts'): the most characters in a
 * matching service, then in a matching method, then the most header matches; then the oldest
 * route, "{namespace}/{name}", rule order and match order. Every match that constrains the
 * service (Exact or RegularExpression, which matches the whole service name) matches all of the
 * request's service characters, so for one request such matches tie on characters and beat the
 * matches that leave the service open; the same holds for the method. The order is therefore
 * static: service constrained, then method constrained, then header count.
 */
function compareGrpcEntries(a: PendingEntry, ga: GrpcRank, b: PendingEntry, gb: GrpcRank): number {
  return (
    Number(gb.service) - Number(ga.service) ||
    Number(gb.method) - Number(ga.method) ||
    (b.match.headers?.length ?? 0) - (a.match.headers?.length ?? 0) ||
    compareCreation(a.route, b.route) ||
    a.ruleIndex - b.ruleIndex ||
    a.matchIndex - b.matchIndex ||
    kindRank(a.kind) - kindRank(b.kind)
  );
}
