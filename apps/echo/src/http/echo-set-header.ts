import { isValidHeaderName } from '../go/canonical-header-key.js';
import { goTrimSpace } from '../go/strings.js';
import type { ResponseHeader } from './action.js';
import { headerValues, type EchoHttpRequest } from './request.js';

/**
 * The response headers asked for with `X-Echo-Set-Header`, as upstream's
 * `writeEchoResponseHeaders`: every value of the header is split on `,`; each item is trimmed and
 * cut at its first `:` into name and value; a new name is set with its exact casing and the value
 * as it follows the colon; a repeated name gets `,` + the trimmed value appended to its value.
 * Names Go would not write (empty, or not a header token) are dropped, as Go's header writer does.
 */
export function echoSetHeaders(req: EchoHttpRequest): ResponseHeader[] {
  const headers = new Map<string, string>();
  for (const list of headerValues(req, 'X-Echo-Set-Header')) {
    for (const item of list.split(',')) {
      const kv = goTrimSpace(item);
      const colon = kv.indexOf(':');
      const name = colon < 0 ? kv : kv.slice(0, colon);
      const value = colon < 0 ? '' : kv.slice(colon + 1);
      const existing = headers.get(name);
      if (existing === undefined) headers.set(name, value);
      else headers.set(name, existing + ',' + goTrimSpace(value));
    }
  }
  return [...headers].filter(([name]) => isValidHeaderName(name));
}
