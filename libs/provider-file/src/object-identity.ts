import type { AnyObject } from '@portway/api';

/** The identity of an object in the folder: kind, namespace and name. */
export function identityOf(o: { kind: string; metadata: { namespace?: string; name: string } }): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** "Kind namespace/name" for messages. */
export function describeObject(o: Pick<AnyObject, 'kind' | 'metadata'>): string {
  const ns = o.metadata.namespace;
  return `${o.kind} ${ns ? `${ns}/` : ''}${o.metadata.name}`;
}
