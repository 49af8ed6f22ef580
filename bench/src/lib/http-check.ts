/** One HTTP request for readiness checks and probes (undici, so a Host header can be set). */
import { request } from 'undici';

/** Status of GET origin+path with `headers` (a `host` header included); throws on connection errors. */
export async function getStatus(origin: string, path: string, headers: Readonly<Record<string, string>> = {}, timeoutMs = 2_000): Promise<number> {
  const res = await request(`${origin}${path}`, { method: 'GET', headers: { ...headers }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  await res.body.dump();
  return res.statusCode;
}

/** Resolves once GET answers 200 (undefined until then), for `waitUntil`. */
export async function answers200(origin: string, path: string, headers: Readonly<Record<string, string>> = {}): Promise<true | undefined> {
  return (await getStatus(origin, path, headers)) === 200 ? true : undefined;
}
