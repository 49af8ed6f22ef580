/**
 * Errors tests inject into the double's answers: the next N matching writes fail with a given code
 * (409 Conflict by default), as a busy cluster or a flaky API server would answer.
 */
import { ApiError, conflict, internal } from './status-errors.js';
import type { ResourceType } from './resource-types.js';

/** The verbs of a request, as the API server names them. */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** Which requests an injected error hits, and how. */
export interface ErrorInjection {
  /** How many matching requests fail (default 1). */
  count?: number;
  /** HTTP code: 409 answers Conflict; 429 TooManyRequests; any other code a 500-style InternalError with that code. Default 409. */
  code?: number;
  /** Verbs hit (default update and patch). */
  verbs?: Verb[];
  /** Kind hit (any when absent). */
  kind?: string;
  /** `status` hits only the status subresource, `main` only the main resource; any when absent. */
  subresource?: 'status' | 'main';
  /** Name hit (any when absent). */
  name?: string;
}

interface Rule extends Required<Pick<ErrorInjection, 'count' | 'code' | 'verbs'>> {
  kind?: string;
  subresource?: 'status' | 'main';
  name?: string;
}

export class ErrorInjector {
  private rules: Rule[] = [];
  private fired = 0;

  add(i: ErrorInjection): void {
    this.rules.push({ count: i.count ?? 1, code: i.code ?? 409, verbs: i.verbs ?? ['update', 'patch'], kind: i.kind, subresource: i.subresource, name: i.name });
  }

  /** Errors injected so far. */
  firedCount(): number {
    return this.fired;
  }

  /** The error for this request, if a rule hits it (and counts it). */
  take(verb: Verb, rt: ResourceType, name: string | undefined, subresource: string | undefined): ApiError | undefined {
    const rule = this.rules.find(
      (r) =>
        r.count > 0 &&
        r.verbs.includes(verb) &&
        (r.kind === undefined || r.kind === rt.kind) &&
        (r.name === undefined || r.name === name) &&
        (r.subresource === undefined || (r.subresource === 'status') === (subresource === 'status')),
    );
    if (!rule) return undefined;
    rule.count--;
    this.fired++;
    if (rule.code === 409) return conflict(rt, name ?? '');
    if (rule.code === 429) {
      return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server has received too many requests and has asked us to try again later', reason: 'TooManyRequests', details: { retryAfterSeconds: 1 }, code: 429 });
    }
    const e = internal(`injected failure (${rule.code})`);
    return new ApiError({ ...e.body, code: rule.code });
  }
}
