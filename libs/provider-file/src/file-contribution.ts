import type { AnyObject } from '@portway/api';
import { describeObject, identityOf } from './object-identity.js';
import type { Decode, SourceError } from './source-types.js';
import { splitYamlDocuments } from './yaml-documents.js';

/** What one file contributes to the folder: its objects (last good versions kept) and its current errors. */
export interface FileContribution {
  /** Display path (folder joined with the relative path). */
  file: string;
  /** Objects by identity, in document order. */
  objects: ReadonlyMap<string, { object: AnyObject; index: number }>;
  errors: readonly SourceError[];
  /** The text last read, to skip decoding an unchanged file. */
  text: string | undefined;
  /**
   * What decoding each document of that text gave, by the document's text: a new read decodes
   * only the documents that changed, and the others keep their objects (the same objects, so
   * everything downstream sees them unchanged).
   */
  documents?: ReadonlyMap<string, DecodedDocument>;
}

/** The result of decoding one document on its own (indexes and lines relative to the document). */
type DecodedDocument = ReturnType<Decode>;

export function emptyContribution(file: string): FileContribution {
  return { file, objects: new Map(), errors: [], text: undefined };
}

/**
 * Decodes a file document by document (see `splitYamlDocuments`), reusing the result of every
 * document whose text is unchanged since the last read; the same result as decoding the whole
 * text, except that an object defined twice in the file is reported by `applyRead` rather than by
 * the decoder. Texts that cannot be split safely, and single documents, are decoded whole.
 */
function decodeByDocument(prev: FileContribution, text: string, decode: Decode): { result: DecodedDocument; documents: Map<string, DecodedDocument> | undefined } {
  const docs = splitYamlDocuments(text);
  if (docs === undefined || docs.length < 2) return { result: decodeSafely(text, prev.file, decode), documents: undefined };
  const known = prev.documents;
  const documents = new Map<string, DecodedDocument>();
  const result: DecodedDocument = { objects: [], errors: [] };
  docs.forEach((d, i) => {
    let r = known?.get(d.text) ?? documents.get(d.text);
    if (r === undefined) r = decodeSafely(d.text, prev.file, decode);
    documents.set(d.text, r);
    for (const o of r.objects) result.objects.push({ object: o.object, index: o.index + i });
    for (const e of r.errors) {
      result.errors.push({ ...e, ...(e.index !== undefined ? { index: e.index + i } : {}), ...(e.line !== undefined ? { line: e.line + d.lineOffset } : {}) });
    }
  });
  return { result, documents };
}

function decodeSafely(text: string, file: string, decode: Decode): DecodedDocument {
  try {
    return decode(text, file);
  } catch (e) {
    return { objects: [], errors: [{ file, message: `cannot decode: ${messageOf(e)}` }] };
  }
}

/**
 * Folds a new read of a file into what it contributed before:
 * - objects the decoder admitted replace their previous versions;
 * - an object with an error (the error names its kind and name) keeps its last good version, if it had one;
 * - when the file has an error that names no object (malformed YAML, say), the decoder could not
 *   account for every document, so previous objects it did not return are kept too;
 * - otherwise an object no longer in the file is dropped.
 * The same object twice in one file: the first document wins and the second is an error.
 */
export function applyRead(prev: FileContribution, text: string, decode: Decode): FileContribution {
  if (text === prev.text) return prev;
  const { result, documents } = decodeByDocument(prev, text, decode);
  const errors: SourceError[] = [...result.errors];
  const objects = new Map<string, { object: AnyObject; index: number }>();
  for (const entry of result.objects) {
    const id = identityOf(entry.object);
    const first = objects.get(id);
    if (first) {
      errors.push({
        file: prev.file,
        index: entry.index,
        ...nameFields(entry.object),
        message: `${describeObject(entry.object)} is defined twice in this file (documents ${first.index + 1} and ${entry.index + 1}); the first is used`,
      });
      continue;
    }
    objects.set(id, entry);
  }
  const fileLevelError = result.errors.some((e) => e.kind === undefined || e.name === undefined);
  for (const [id, old] of prev.objects) {
    if (objects.has(id)) continue;
    if (fileLevelError || result.errors.some((e) => errorNames(e, old.object))) objects.set(id, old);
  }
  const ordered = new Map([...objects].sort((a, b) => a[1].index - b[1].index));
  return { file: prev.file, objects: ordered, errors, text, ...(documents !== undefined ? { documents } : {}) };
}

/** A file that could not be read: its objects stay as they were, and the error is reported. */
export function applyReadFailure(prev: FileContribution, message: string): FileContribution {
  return { ...prev, errors: [{ file: prev.file, message }], text: undefined };
}

/** Whether an object error belongs to `o`. An error without a namespace matches the object in "default" or in no namespace. */
function errorNames(e: SourceError, o: AnyObject): boolean {
  if (e.kind !== o.kind || e.name !== o.metadata.name) return false;
  const ns = o.metadata.namespace;
  return e.namespace === undefined ? ns === undefined || ns === 'default' : e.namespace === ns;
}

export function nameFields(o: AnyObject): Pick<SourceError, 'kind' | 'namespace' | 'name'> {
  return o.metadata.namespace === undefined
    ? { kind: o.kind, name: o.metadata.name }
    : { kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name };
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
