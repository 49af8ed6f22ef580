/**
 * Kubernetes Events for notable transitions (a Gateway's Programmed condition changed, a route was
 * rejected), created through the core `v1` events API, rate limited per object and reason and
 * overall, so a flapping object cannot flood the API server. Best effort: a failed event is logged.
 */
import { resourcePath, type KubeClient } from './kube-client.js';
import type { Log } from './source-types.js';
import { TokenBucket } from './token-bucket.js';

/** The object an event is about. */
export interface EventTarget {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
}

/** Options of {@link EventRecorder}. */
export interface EventRecorderOptions {
  /** `source.component` and `reportingComponent`. Default `portway-controller`. */
  component?: string;
  /** `reportingInstance` (the pod name, typically). Default the component. */
  instance?: string;
  /** Events per object and reason: burst, then one every `perObjectIntervalMs`. Defaults 5 and 30 s. */
  perObjectBurst?: number;
  perObjectIntervalMs?: number;
  /** Events overall: burst and per second. Defaults 50 and 5. */
  burst?: number;
  perSecond?: number;
  now?: () => number;
}

export class EventRecorder {
  private readonly perObject = new Map<string, TokenBucket>();
  private readonly overall: TokenBucket;
  private created = 0;
  private dropped = 0;
  private readonly component: string;
  private readonly now: () => number;

  constructor(
    private readonly client: KubeClient,
    private readonly log: Log,
    private readonly options: EventRecorderOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.component = options.component ?? 'portway-controller';
    this.overall = new TokenBucket(options.burst ?? 50, options.perSecond ?? 5, this.now);
  }

  /** Events created and dropped by the rate limits so far. */
  counts(): { created: number; dropped: number } {
    return { created: this.created, dropped: this.dropped };
  }

  /** Records an event (asynchronously; never throws). */
  record(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const key = `${target.kind}/${target.namespace ?? ''}/${target.name}/${reason}`;
    let bucket = this.perObject.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.options.perObjectBurst ?? 5, 1000 / (this.options.perObjectIntervalMs ?? 30_000), this.now);
      this.perObject.set(key, bucket);
      if (this.perObject.size > 10_000) for (const [k, b] of this.perObject) if (b.full()) this.perObject.delete(k);
    }
    if (!bucket.take() || !this.overall.take()) {
      this.dropped++;
      return;
    }
    const namespace = target.namespace ?? 'default';
    const time = new Date(this.now()).toISOString().replace(/\.\d+Z$/, 'Z');
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${target.name}.${(this.now() * 1e6 + Math.floor(Math.random() * 1e6)).toString(16)}`, namespace },
      involvedObject: {
        apiVersion: target.apiVersion,
        kind: target.kind,
        name: target.name,
        ...(target.namespace ? { namespace: target.namespace } : {}),
        ...(target.uid ? { uid: target.uid } : {}),
        ...(target.resourceVersion ? { resourceVersion: target.resourceVersion } : {}),
      },
      type,
      reason,
      message: message.slice(0, 1024),
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.options.instance ?? this.component,
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    };
    this.created++;
    this.client.request('POST', resourcePath({ group: '', version: 'v1', plural: 'events' }, namespace), { body: event }).catch((e: unknown) => {
      this.created--;
      this.dropped++;
      this.log.warn({ err: (e as Error).message, reason, object: `${target.kind} ${namespace}/${target.name}` }, 'could not create an event');
    });
  }
}
