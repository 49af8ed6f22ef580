import { parseQuery } from '../go/url.js';
import { headerGet, type EchoHttpRequest } from './request.js';

/** Go's `maxFormSize` for url-encoded bodies. */
const MAX_FORM_SIZE = 10 << 20;

/** The query part of a request-target (what Go keeps in `URL.RawQuery`). */
export function rawQueryOf(requestUri: string): string {
  const q = requestUri.indexOf('?');
  return q < 0 ? '' : requestUri.slice(q + 1);
}

/**
 * Go's `r.FormValue(key)`: the first value from the url-encoded body of a POST, PUT or PATCH
 * (read up to 10 MiB), then from the query. Multipart bodies are not parsed.
 * Returns the value's bytes, or `undefined` when the key is absent.
 */
export async function formValue(req: EchoHttpRequest, key: string): Promise<Buffer | undefined> {
  if (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') {
    const mediaType = headerGet(req, 'Content-Type').split(';')[0]!.trim().toLowerCase();
    if (mediaType === 'application/x-www-form-urlencoded') {
      const body = await req.readBody(MAX_FORM_SIZE);
      const fromBody = body === undefined ? undefined : parseQuery(body.toString('latin1')).get(key)?.[0];
      if (fromBody !== undefined) return fromBody;
    }
  }
  return parseQuery(rawQueryOf(req.requestUri)).get(key)?.[0];
}
