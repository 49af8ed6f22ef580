export * from './objects.js';
export * from './snapshot.js';
export * from './features.js';
export * from './backend-policy.js';
export type * from './generated/index.js';
export { admit, formatFieldError, type AdmitOptions, type AdmitResult, type FieldValidation } from './admit.js';
export type { FieldError } from './field-error.js';
export {
  parseManifests,
  formatManifestError,
  type ManifestError,
  type LoadedObject,
  type IgnoredObject,
  type ParseManifestsResult,
} from './manifests.js';
export { lookupKind, servedVersions, type KindVersion } from './kinds.js';
export { EMBEDDED_CRDS } from './crd-schemas/index.js';
export type { EmbeddedCrd, EmbeddedVersion, StructuralSchema, ValidationRule } from './schema-types.js';
