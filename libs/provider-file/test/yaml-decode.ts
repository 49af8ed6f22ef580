/**
 * A small decoder for the tests, built on the `yaml` package with the shape of `parseManifests`
 * from `@portway/api`: multi-document YAML (or JSON), one error per malformed document (with its
 * line), a few validation rules that produce object errors (naming kind and name), and the
 * namespace defaulted to "default" for namespaced kinds.
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import { CLUSTER_SCOPED, isKindName, type AnyObject } from '@portway/api';
import type { Decode, SourceError } from '../src/index.js';

export const yamlDecode: Decode = (text, file) => {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: true });
  const objects: { object: AnyObject; index: number }[] = [];
  const errors: SourceError[] = [];
  if (!Array.isArray(docs)) return { objects, errors }; // an empty stream
  docs.forEach((doc, index) => {
    const [first] = doc.errors;
    if (first) {
      const line = first.linePos?.[0].line ?? lineCounter.linePos(first.pos[0]).line;
      errors.push({ file, index, line, message: first.message.split('\n')[0]! });
      return;
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) return;
    const line = doc.contents?.range ? lineCounter.linePos(doc.contents.range[0]).line : undefined;
    const o = value as Partial<AnyObject>;
    if (typeof o !== 'object' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') {
      errors.push({ file, index, ...(line ? { line } : {}), message: 'a manifest needs kind and metadata.name' });
      return;
    }
    if (!isKindName(o.kind)) return; // a kind Portway does not read
    const namespaced = !CLUSTER_SCOPED.has(o.kind);
    const object = (namespaced && !o.metadata.namespace ? { ...o, metadata: { ...o.metadata, namespace: 'default' } } : o) as AnyObject;
    const invalid = validate(object);
    if (invalid) {
      errors.push({
        file,
        index,
        ...(line ? { line } : {}),
        kind: object.kind,
        ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
        name: object.metadata.name,
        path: invalid.path,
        message: invalid.message,
      });
      return;
    }
    objects.push({ object, index });
  });
  return { objects, errors };
};

/** One rule is enough for the tests: a Gateway's listener ports are integers 1-65535. */
function validate(o: AnyObject): { path: string; message: string } | undefined {
  if (o.kind !== 'Gateway') return undefined;
  const listeners = (o.spec as { listeners?: unknown }).listeners;
  if (!Array.isArray(listeners)) return { path: 'spec.listeners', message: 'spec.listeners must be a list' };
  for (const [i, l] of listeners.entries()) {
    const port = (l as { port?: unknown }).port;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      return { path: `spec.listeners[${i}].port`, message: `port must be an integer between 1 and 65535, got ${JSON.stringify(port)}` };
    }
  }
  return undefined;
}
