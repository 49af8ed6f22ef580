import type { HttpCase, Target } from '../suite/types.js';
import { sleep } from '../util/sleep.js';
import { REQUIRED_CONSECUTIVE_SUCCESSES } from '../util/timeouts.js';
import { newUuid, readPem, resolveValue, type CaseEnv, type CaseOutcome } from './case-env.js';
import { captureRequest, compareRoundTrip, type CapturedRequest, type HttpExpectation } from './compare-round-trip.js';
import { canonicalHeaderKey, escapePath, splitPathQuery, withQueryParam } from './go-compat.js';
import { roundTrip, TransportError, type ClientTls, type HttpProtocol, type RoundTripRequest, type RoundTripResponse } from './round-trip.js';
import { resolveTarget, type ResolvedTarget } from './target.js';

/** The http case parts an attempt is built from (a percentage-mirror base case has no step/index). */
export type HttpCaseData = Omit<HttpCase, 'step' | 'index'> & { step?: number; index?: number };

/** One prepared request and the expectation it is compared with. */
export interface HttpAttemptPlan {
  request: RoundTripRequest;
  expectation: HttpExpectation;
}

/** The result of one request. */
export interface HttpAttemptResult {
  pass: boolean;
  why?: string;
  response?: RoundTripResponse;
  captured?: CapturedRequest;
  transportError?: TransportError;
  clientCertRequested: boolean;
}

/** Values that replace `{name}` in the path, fresh for every request. */
const PLACEHOLDER_GENERATORS: Record<string, (env: CaseEnv) => string> = {
  uuid: (env) => newUuid(env),
};

/**
 * Builds the request of an http case as the suite's client sends it (SEMANTICS.md §3): method,
 * raw path and query, Host (the case's, else the target address), headers set once under Go's
 * canonical names, X-Echo-Set-Header always present, TLS settings from the generated Secrets,
 * and the derived backend/redirect expectation. `pathOverride` replaces request and expected
 * paths (request ids); placeholders are filled with fresh values.
 */
export function planHttpAttempt(c: HttpCaseData, env: CaseEnv, target: ResolvedTarget, pathOverride?: { request: string; expected: string }): HttpAttemptPlan {
  let path = pathOverride?.request ?? c.request.path;
  let expectedPath = pathOverride?.expected ?? c.backendExpectation?.path ?? c.expectedRequest?.path ?? c.request.path;
  for (const name of Object.keys(c.placeholders ?? {})) {
    const gen = PLACEHOLDER_GENERATORS[name];
    if (!gen) throw new Error(`placeholder {${name}} cannot be filled by this runner (${c.placeholders![name]})`);
    const value = gen(env);
    path = path.split(`{${name}}`).join(value);
    expectedPath = expectedPath.split(`{${name}}`).join(value);
  }
  const scheme = schemeOf(c.target!);
  const protocol = (c.request.protocol as HttpProtocol | undefined) ?? (scheme === 'https' ? 'HTTPS' : 'HTTP');
  const urlScheme = protocol === 'H2' || protocol === 'HTTPS' ? 'https' : protocol === 'H2C_PRIOR_KNOWLEDGE' ? 'http' : scheme;
  const { path: p, query } = splitPathQuery(path);
  const url = `${urlScheme}://${target.address}${escapePath(p)}${query !== undefined ? `?${query}` : ''}`;
  let host = c.request.host || undefined;
  const headers: [string, string][] = [];
  for (const [name, value] of Object.entries(c.request.headers ?? {})) {
    const canon = canonicalHeaderKey(name);
    if (canon === 'Host') {
      host = value;
      continue;
    }
    const i = headers.findIndex(([n]) => n === canon);
    if (i >= 0) headers[i] = [canon, value];
    else headers.push([canon, value]);
  }
  const setHeaders = Object.entries(c.backendSetResponseHeaders ?? {}).map(([n, v]) => `${n}:${v}`);
  headers.push(['X-Echo-Set-Header', setHeaders.join(',')]);
  let tls: ClientTls | undefined;
  if (c.tls || urlScheme === 'https') {
    tls = { serverName: c.tls?.serverName };
    if (c.tls?.trustedCA) tls.ca = [readPem(env, c.tls.trustedCA, c.tls.trustedCA.key)];
    if (c.tls?.clientCertificate) {
      tls.cert = readPem(env, c.tls.clientCertificate, c.tls.clientCertificate.certKey ?? 'tls.crt');
      tls.key = readPem(env, c.tls.clientCertificate, c.tls.clientCertificate.keyKey ?? 'tls.key');
    }
  }
  const method = c.request.method || 'GET';
  const backend = c.backendExpectation ? { ...c.backendExpectation, path: expectedPath } : { path: expectedPath, method: 'GET', namespace: c.namespace ?? '', podNamePrefix: c.backend ?? '' };
  if (backend.tlsPeerCertificateContains !== undefined) backend.tlsPeerCertificateContains = resolveValue(env, backend.tlsPeerCertificateContains);
  const expectation: HttpExpectation = {
    requestMethod: method,
    response: c.response ?? { statusCodes: [200] },
    backend,
    ...(c.redirectRequest ? { redirect: c.redirectExpectation ?? {} } : {}),
  };
  return {
    request: { url, method, ...(host ? { host } : {}), headers, protocol, ...(tls ? { tls } : {}), followRedirects: !c.request.unfollowRedirect, timeoutMs: env.timeouts.ms('RequestTimeout') },
    expectation,
  };
}

/** Sends one planned request and compares the answer (CompareRoundTrip). */
export async function attemptHttp(plan: HttpAttemptPlan): Promise<HttpAttemptResult> {
  let res: RoundTripResponse;
  try {
    res = await roundTrip(plan.request);
  } catch (e) {
    const te = e instanceof TransportError ? e : new TransportError((e as Error).message);
    return { pass: false, why: `request failed: ${te.message}`, transportError: te, clientCertRequested: te.clientCertRequested };
  }
  let captured: CapturedRequest;
  try {
    captured = captureRequest(res.headers, res.body, plan.request.method);
  } catch (e) {
    return { pass: false, why: (e as Error).message, response: res, clientCertRequested: res.clientCertRequested };
  }
  const why = compareRoundTrip(plan.expectation, captured, { status: res.status, proto: res.proto, headers: res.headers });
  return { pass: why === undefined, ...(why ? { why } : {}), response: res, captured, clientCertRequested: res.clientCertRequested };
}

/**
 * Runs an `http` case with its assertion: `eventuallyConsistent(TLS)` (3 passing requests in a row
 * within MaxTimeToConsistency, 1 s after a failure), `consistentFailure` (5 non-200, non-timeout
 * responses in a row; any 200 fails at once) or `tlsRequestMustFail` (one request that must fail
 * at the transport level). Then the client-certificate and mirror assertions, when the case has them.
 */
export async function runHttpCase(c: HttpCase, env: CaseEnv, label: Record<string, unknown>): Promise<CaseOutcome> {
  const status = await env.readStatus();
  const target = resolveTarget(c.target!, status);
  let pathOverride: { request: string; expected: string } | undefined;
  if (c.requestIdQueryParam) {
    const id = newUuid(env);
    const expected = c.backendExpectation?.path ?? c.expectedRequest?.path ?? c.request.path;
    pathOverride = { request: withQueryParam(c.request.path, c.requestIdQueryParam, id, true), expected: withQueryParam(expected, c.requestIdQueryParam, id, true) };
  }
  let certRequested = false;
  let attempts = 0;
  const attempt = async () => {
    const plan = planHttpAttempt(c, env, target, pathOverride);
    const r = await attemptHttp(plan);
    attempts++;
    certRequested ||= r.clientCertRequested;
    env.trace({ ...label, attempt: attempts, ...traceOf(plan, r) });
    return r;
  };
  const assertion = c.assertion ?? 'eventuallyConsistent';
  let outcome: CaseOutcome;
  if (assertion === 'consistentFailure') outcome = await expectConsistentFailure(env, attempt);
  else if (assertion === 'tlsRequestMustFail') {
    const r = await attempt();
    outcome = r.transportError ? { ok: true } : { ok: false, why: `expected the request to fail, got HTTP ${r.response?.status}` };
  } else outcome = await eventuallyConsistent(env.timeouts.ms('MaxTimeToConsistency'), async () => {
    const r = await attempt();
    return { pass: r.pass, why: r.why };
  });
  outcome.attempts = attempts;
  if (!outcome.ok) return outcome;
  if (c.tls?.assertClientCertificateRequested && !certRequested) return { ok: false, why: 'the gateway never asked for a client certificate during the TLS handshake', attempts };
  if (c.mirroredTo && c.mirroredTo.length > 0 && c.requestIdQueryParam) {
    const why = await checkMirrorLogs(env, c.mirroredTo, pathOverride!.request);
    if (why) return { ok: false, why, fatal: false, attempts };
  }
  return outcome;
}

/**
 * Upstream AwaitConvergence: call `fn` until it passes `REQUIRED_CONSECUTIVE_SUCCESSES` times in
 * a row; a failure resets the count and waits 1 s; give up when `windowMs` has elapsed.
 */
export async function eventuallyConsistent(windowMs: number, fn: () => Promise<{ pass: boolean; why?: string }>, threshold = REQUIRED_CONSECUTIVE_SUCCESSES): Promise<CaseOutcome> {
  const deadline = Date.now() + windowMs;
  let successes = 0;
  let attempts = 0;
  let last = '';
  for (;;) {
    if (Date.now() > deadline) return { ok: false, why: `timeout after ${attempts} attempts (${successes}/${threshold} successes): ${last}` };
    const r = await fn();
    attempts++;
    if (r.pass) {
      if (++successes >= threshold) return { ok: true };
      continue;
    }
    successes = 0;
    last = r.why ?? 'failed';
    if (Date.now() + 1000 > deadline) return { ok: false, why: `timeout after ${attempts} attempts: ${last}` };
    await sleep(1000);
  }
}

/** Upstream MakeRequestAndExpectFailure (see the case's assertionSemantics). */
async function expectConsistentFailure(env: CaseEnv, attempt: () => Promise<HttpAttemptResult>): Promise<CaseOutcome> {
  const deadline = Date.now() + env.timeouts.ms('MaxTimeToConsistency');
  let streak = 0;
  let last = '';
  while (Date.now() <= deadline) {
    const r = await attempt();
    const status = r.response?.status;
    if (status === 200) return { ok: false, why: 'expected a failure, got HTTP 200' };
    if (r.transportError || status === 408 || status === 504) {
      streak = 0;
      last = r.transportError ? r.transportError.message : `HTTP ${status}`;
      await sleep(1000);
      continue;
    }
    if (++streak >= 5) return { ok: true };
  }
  return { ok: false, why: `no 5 consecutive failure responses within the time limit (last: ${last || `${streak} in a row`})` };
}

/**
 * Every mirror backend must have logged "Echoing back request made to <path> to client" (its pods
 * are those labelled app=<name>), looking back MaxTimeToConsistency, polled for up to RequestTimeout.
 */
async function checkMirrorLogs(env: CaseEnv, mirrors: { name: string; namespace: string }[], path: string): Promise<string | undefined> {
  const since = Date.now() - env.timeouts.ms('MaxTimeToConsistency');
  const deadline = Date.now() + env.timeouts.ms('RequestTimeout');
  const needle = `Echoing back request made to ${path} to client`;
  for (;;) {
    const missing = mirrors.filter((m) => !env.podLogs(m.namespace, { app: m.name }, since).some((l) => l.line.includes(needle)));
    if (missing.length === 0) return undefined;
    if (Date.now() > deadline) return `mirrored request ${path} not seen by ${missing.map((m) => `${m.namespace}/${m.name}`).join(', ')}`;
    await sleep(100);
  }
}

function schemeOf(t: Target): string {
  return t.scheme === 'https' ? 'https' : 'http';
}

/** A trace line for one attempt: request, response status and headers, the echo reply, verdict. */
export function traceOf(plan: HttpAttemptPlan, r: HttpAttemptResult): Record<string, unknown> {
  return {
    request: { url: plan.request.url, method: plan.request.method, host: plan.request.host, protocol: plan.request.protocol, headers: Object.fromEntries(plan.request.headers), serverName: plan.request.tls?.serverName },
    ...(r.response ? { response: { status: r.response.status, proto: r.response.proto, headers: Object.fromEntries(r.response.headers), hops: r.response.hops } } : {}),
    ...(r.captured ? { backend: r.captured } : {}),
    ...(r.transportError ? { error: r.transportError.message } : {}),
    pass: r.pass,
    ...(r.why ? { why: r.why } : {}),
  };
}
