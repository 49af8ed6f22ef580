import { GoDurationError, parseDuration } from '../go/duration.js';
import { goStringForDisplay } from '../go/go-string.js';
import { marshal, marshalIndent, sortedMap, type GoJsonObject, type GoJsonValue } from '../go/json.js';
import type { PodContext } from '../pod-context.js';
import { sleepNs } from '../sleep.js';
import { reply, type HttpAction } from './action.js';
import { echoSetHeaders } from './echo-set-header.js';
import { formValue } from './form.js';
import { canonicalHeaders, type EchoHttpRequest } from './request.js';
import type { TlsAssertions } from './tls-assertions.js';

/** What the HTTP handlers share within one server instance. */
export interface HttpHandlerContext {
  readonly pod: PodContext;
  /** The HTTP listener's port, reported as `httpPort` by every listener (one global value upstream). */
  readonly httpPort: string;
  /** Receives the lines upstream prints to stdout. */
  readonly log: (line: string) => void;
  /** Aborted when the server closes: pending delays end and their requests are dropped. */
  readonly signal: AbortSignal;
}

/**
 * Upstream's `echoHandler`: logs the request line the mirror tests look for, honours `delay=`,
 * and answers with the request as indented JSON.
 */
export async function echoHandler(req: EchoHttpRequest, ctx: HttpHandlerContext): Promise<HttpAction> {
  ctx.log(`Echoing back request made to ${goStringForDisplay(req.requestUri)} to client (${req.remoteAddr})`);
  const delay = await formValue(req, 'delay');
  if (delay !== undefined && delay.length > 0) {
    let ns: bigint;
    try {
      ns = parseDuration(delay);
    } catch (err) {
      if (err instanceof GoDurationError) return processError(err.message, 500);
      throw err;
    }
    if (!(await sleepNs(ns, ctx.signal))) return { kind: 'abort' };
  }
  const body = marshalIndent(requestAssertions(req, ctx), ' ');
  const headers = echoSetHeaders(req).filter(([n]) => n !== 'Content-Type' && n !== 'X-Content-Type-Options');
  headers.push(['Content-Type', 'application/json'], ['X-Content-Type-Options', 'nosniff']);
  return reply(200, headers, body);
}

/** Upstream's `processError`: `{"message": ...}` as JSON with the given status. */
export function processError(message: string, status: number): HttpAction {
  return reply(
    status,
    [['Content-Type', 'application/json'], ['X-Content-Type-Options', 'nosniff']],
    marshal(new Map([['message', message]])),
  );
}

/** The `RequestAssertions` struct, fields in upstream's order. */
function requestAssertions(req: EchoHttpRequest, ctx: HttpHandlerContext): GoJsonObject {
  const fields = new Map<string, GoJsonValue>([
    ['path', req.requestUri],
    ['host', req.host],
    ['method', req.method],
    ['proto', req.proto],
    ['headers', sortedMap(canonicalHeaders(req))],
    ['httpPort', ctx.httpPort],
    ['namespace', ctx.pod.namespace],
    ['ingress', ctx.pod.ingress],
    ['service', ctx.pod.service],
    ['pod', ctx.pod.pod],
  ]);
  if (req.tls) fields.set('tls', tlsJson(req.tls));
  return fields;
}

function tlsJson(tls: TlsAssertions): GoJsonObject {
  const fields = new Map<string, GoJsonValue>([['version', tls.version]]);
  if (tls.peerCertificates.length > 0) fields.set('peerCertificates', tls.peerCertificates);
  fields.set('serverName', tls.serverName);
  if (tls.negotiatedProtocol !== '') fields.set('negotiatedProtocol', tls.negotiatedProtocol);
  fields.set('cipherSuite', tls.cipherSuite);
  return fields;
}
