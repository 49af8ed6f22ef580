/**
 * Where an agent reads its own cluster's exports from: ServiceExports, Services and
 * EndpointSlices. Any source of Kubernetes-shaped objects fits (the file provider's folder source
 * of `@portway/provider-file` does as it is; a Kubernetes informer source can plug in the same
 * way). Only the fields the exporter reads are typed here, loosely, so the agent does not depend on
 * the Gateway API types.
 */

/** An object as the exporter reads it. Objects of other kinds are ignored. */
export interface ExportObject {
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    /** When the object was first seen: a ServiceExport's time is its `exportedAt`. */
    creationTimestamp?: string;
  };
}

/** A Service's fields the exporter reads. */
export interface ServiceShape {
  spec?: {
    clusterIP?: string;
    ports?: readonly { name?: string; port: number; protocol?: string; appProtocol?: string; targetPort?: number | string }[];
  };
}

/** An EndpointSlice's fields the exporter reads. */
export interface EndpointSliceShape {
  ports?: readonly { name?: string; port?: number; protocol?: string }[] | null;
  endpoints?: readonly { addresses?: readonly string[]; conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null }; zone?: string }[];
}

/** A source of the cluster's objects: the initial state at start, then every change (whole state each time). */
export interface ExportReader {
  start(onChange: (state: { objects: readonly ExportObject[] }) => void): Promise<void>;
  stop(): Promise<void>;
}
