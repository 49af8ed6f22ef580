import type { ExpectedCondition } from '../suite/types.js';

/** A metav1.Condition as it appears in status. */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export function asConditions(value: unknown): Condition[] {
  return Array.isArray(value) ? (value as Condition[]) : [];
}

/**
 * Upstream findConditionInList: some condition of that type with that status (empty = any) and
 * reason (empty = any).
 */
export function findCondition(conditions: readonly Condition[], expected: ExpectedCondition): boolean {
  const status = expected.status === 'any' ? '' : (expected.status ?? '');
  return conditions.some((c) => c.type === expected.type && (status === '' || c.status === status) && (!expected.reason || c.reason === expected.reason));
}

/** Upstream conditionsMatch: at least as many actual conditions as expected, each expected one found. */
export function conditionsMatch(expected: readonly ExpectedCondition[], actual: readonly Condition[]): boolean {
  if (actual.length < expected.length) return false;
  return expected.every((e) => findCondition(actual, e));
}

/** Conditions whose observedGeneration is not the object's generation (upstream FilterStaleConditions). */
export function staleConditions(generation: number | undefined, conditions: readonly Condition[]): Condition[] {
  return conditions.filter((c) => c.observedGeneration !== generation);
}

/** "type=status(reason)" list, for messages. */
export function describeConditions(conditions: readonly Condition[]): string {
  if (conditions.length === 0) return '(none)';
  return conditions.map((c) => `${c.type}=${c.status}${c.reason ? `(${c.reason})` : ''}@${c.observedGeneration ?? '?'}`).join(', ');
}

export function describeExpected(c: ExpectedCondition): string {
  return `${c.type}=${c.status ?? 'any'}${c.reason ? `(${c.reason})` : ''}`;
}
