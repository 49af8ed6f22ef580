/** An object as the API server sends it, with its kind. */
export type RawObject = Record<string, any> & { apiVersion: string; kind: string; metadata: Record<string, any> & { name: string; namespace?: string; resourceVersion?: string } };

/**
 * An object as the cache wants it: `apiVersion` and `kind` set (list items of built-in kinds come
 * without them), `managedFields` dropped (large, and nothing Portway reads).
 */
export function normalizeObject(kind: { apiVersion: string; kind: string }, o: any): RawObject {
  const { managedFields: _m, ...metadata } = o?.metadata ?? {};
  return { ...o, apiVersion: kind.apiVersion, kind: kind.kind, metadata };
}
