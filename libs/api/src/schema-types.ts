/**
 * The OpenAPI v3 structural schema dialect of Kubernetes CRDs (the subset of JSON Schema the API
 * server accepts, plus its `x-kubernetes-*` extensions), as embedded from the upstream CRDs.
 */

/** One CEL validation rule (`x-kubernetes-validations` item). */
export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  /** A relative JSONPath (`.spec.foo`, `['a.b']`) naming the field the error is reported at. */
  fieldPath?: string;
  reason?: string;
  optionalOldSelf?: boolean;
}

/** A structural schema node. */
export interface StructuralSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: StructuralSchema | boolean;
  items?: StructuralSchema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  anyOf?: StructuralSchema[];
  oneOf?: StructuralSchema[];
  allOf?: StructuralSchema[];
  not?: StructuralSchema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: ValidationRule[];
}

/** One served version of an embedded CRD. */
export interface EmbeddedVersion {
  name: string;
  storage: boolean;
  deprecated: boolean;
  schema: StructuralSchema;
}

/** One embedded CustomResourceDefinition (schema documentation removed). */
export interface EmbeddedCrd {
  /** The CRD file it was copied from, relative to the CRD root. */
  source: string;
  group: string;
  kind: string;
  plural: string;
  scope: 'Namespaced' | 'Cluster';
  /** Served versions only. */
  versions: EmbeddedVersion[];
}
