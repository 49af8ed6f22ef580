/**
 * Decoding at the edge: what arrives from NATS is bytes written by another process (possibly an
 * older or misbehaving one), so acks, heartbeats and endpoint reports are checked against
 * schemas before any handler sees them. A value that does not decode is reported, never passed on.
 */
import { Either, ParseResult, Schema } from 'effect';
import { validateConfigManifest, type ConfigManifest } from '@portway/ir';
import type { Ack, ConfigPin, EndpointReport, Heartbeat } from '../types.js';

const AckErrorSchema = Schema.Struct({
  listener: Schema.optional(Schema.String),
  reason: Schema.String,
  message: Schema.String,
});

const AckSchema = Schema.Struct({
  agent: Schema.String,
  cluster: Schema.String,
  gateway: Schema.Struct({ namespace: Schema.String, name: Schema.String }),
  revision: Schema.Number,
  hash: Schema.String,
  ok: Schema.Boolean,
  listenersBound: Schema.Array(Schema.String),
  errors: Schema.Array(AckErrorSchema),
});

const HeartbeatSchema = Schema.Struct({
  agent: Schema.String,
  cluster: Schema.String,
  at: Schema.Number,
  serving: Schema.Record({ key: Schema.String, value: Schema.Struct({ revision: Schema.Number, hash: Schema.String }) }),
  ready: Schema.Boolean,
  addresses: Schema.optional(Schema.Array(Schema.String)),
  outcomes: Schema.optional(
    Schema.Record({
      key: Schema.String,
      value: Schema.Struct({
        revision: Schema.Number,
        hash: Schema.String,
        ok: Schema.Boolean,
        listenersBound: Schema.Array(Schema.String),
        errors: Schema.Array(AckErrorSchema),
      }),
    }),
  ),
  stopping: Schema.optional(Schema.Boolean),
});

const ConfigPinSchema = Schema.Struct({
  key: Schema.Struct({ cluster: Schema.String, namespace: Schema.String, name: Schema.String }),
  restoredRevision: Schema.Number,
  hash: Schema.String,
  supersededHash: Schema.String,
  at: Schema.String,
});

const EndpointReportSchema = Schema.Struct({
  cluster: Schema.String,
  namespace: Schema.String,
  service: Schema.String,
  at: Schema.Number,
  ports: Schema.Array(
    Schema.Struct({
      name: Schema.optional(Schema.String),
      port: Schema.Number,
      protocol: Schema.String,
      appProtocol: Schema.optional(Schema.String),
      targetPort: Schema.optional(Schema.Number),
    }),
  ),
  endpoints: Schema.Array(
    Schema.Struct({ address: Schema.String, ready: Schema.Boolean, healthy: Schema.Boolean, zone: Schema.optional(Schema.String) }),
  ),
  exportedAt: Schema.String,
  type: Schema.optional(Schema.String),
});

/** The decoded value, or a readable reason it was refused. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

const decoder =
  <A, I>(schema: Schema.Schema<A, I>) =>
  (bytes: Uint8Array | string): Decoded<A> => {
    let json: unknown;
    try {
      json = JSON.parse(typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes));
    } catch (e) {
      return { ok: false, error: `not JSON: ${(e as Error).message}` };
    }
    const result = Schema.decodeUnknownEither(schema)(json, { onExcessProperty: 'preserve' });
    return Either.isRight(result)
      ? { ok: true, value: result.right }
      : { ok: false, error: ParseResult.TreeFormatter.formatErrorSync(result.left) };
  };

// The schemas' types are readonly; the bus hands out the plain interfaces of types.ts.
export const decodeAck = decoder(AckSchema) as (bytes: Uint8Array | string) => Decoded<Ack>;
export const decodeHeartbeat = decoder(HeartbeatSchema) as (bytes: Uint8Array | string) => Decoded<Heartbeat>;
export const decodeEndpointReport = decoder(EndpointReportSchema) as (bytes: Uint8Array | string) => Decoded<EndpointReport>;
export const decodeConfigPin = decoder(ConfigPinSchema) as (bytes: Uint8Array | string) => Decoded<ConfigPin>;

/** Decodes a stored manifest (checked against the manifest format of @portway/ir). */
export function decodeManifest(bytes: Uint8Array): Decoded<ConfigManifest> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    return { ok: false, error: `not JSON: ${(e as Error).message}` };
  }
  const problems = validateConfigManifest(json);
  return problems.length === 0 ? { ok: true, value: json as ConfigManifest } : { ok: false, error: problems.join('; ') };
}
