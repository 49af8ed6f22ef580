/**
 * `Status` error bodies in the API server's wording (`k8s.io/apimachinery/pkg/api/errors`).
 */
import { qualifiedKind, qualifiedResource, type ResourceType } from './resource-types.js';

/** A `metav1.Status` failure. */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason: string; message: string; field?: string }[]; retryAfterSeconds?: number };
  code: number;
}

/** An error the double answers with: an HTTP code and a Status body. */
export class ApiError extends Error {
  constructor(readonly body: StatusBody) {
    super(body.message);
  }
  get code(): number {
    return this.body.code;
  }
}

const status = (code: number, reason: string, message: string, details?: StatusBody['details']): ApiError =>
  new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });

type Res = Pick<ResourceType, 'group' | 'plural' | 'kind'>;

export const notFound = (r: Pick<ResourceType, 'group' | 'plural'>, name: string): ApiError =>
  status(404, 'NotFound', `${qualifiedResource(r)} "${name}" not found`, { name, ...(r.group ? { group: r.group } : {}), kind: r.plural });

export const alreadyExists = (r: Res, name: string): ApiError =>
  status(409, 'AlreadyExists', `${qualifiedResource(r)} "${name}" already exists`, { name, ...(r.group ? { group: r.group } : {}), kind: r.plural });

export const conflict = (r: Res, name: string, detail = 'the object has been modified; please apply your changes to the latest version and try again'): ApiError =>
  status(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(r)} "${name}": ${detail}`, {
    name,
    ...(r.group ? { group: r.group } : {}),
    kind: r.plural,
  });

const CAUSE_REASONS: Record<string, string> = {
  Required: 'FieldValueRequired',
  NotSupported: 'FieldValueNotSupported',
  Invalid: 'FieldValueInvalid',
  TypeInvalid: 'FieldValueTypeInvalid',
  TooLong: 'FieldValueTooLong',
  TooMany: 'FieldValueTooMany',
  Duplicate: 'FieldValueDuplicate',
  Forbidden: 'FieldValueForbidden',
};

/** 422 Invalid, listing each field error as the API server does. */
export const invalid = (r: Res, name: string, errors: readonly { path: string; message: string; type?: string }[]): ApiError => {
  const rendered = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
  const list = rendered.length === 1 ? rendered[0]! : `[${rendered.join(', ')}]`;
  return status(422, 'Invalid', `${qualifiedKind(r)} "${name}" is invalid: ${list}`, {
    name,
    ...(r.group ? { group: r.group } : {}),
    kind: r.kind,
    causes: errors.map((e) => ({ reason: CAUSE_REASONS[e.type ?? 'Invalid'] ?? 'FieldValueInvalid', message: e.message, field: e.path })),
  });
};

export const badRequest = (message: string): ApiError => status(400, 'BadRequest', message);

export const gone = (message: string): ApiError => status(410, 'Expired', message);

export const methodNotAllowed = (message: string): ApiError => status(405, 'MethodNotAllowed', message);

export const unsupportedMediaType = (contentType: string): ApiError =>
  status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format (${contentType}) - accepted media types include: application/json, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`);

export const notFoundPath = (): ApiError => status(404, 'NotFound', 'the server could not find the requested resource');

export const internal = (message: string): ApiError => status(500, 'InternalError', `Internal error occurred: ${message}`);
