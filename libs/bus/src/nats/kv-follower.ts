/**
 * Follows the keys of a KV bucket under a filter: first the latest value of every key, then
 * every change, in stream order, surviving reconnects and server restarts.
 *
 * Built on an ordered push consumer of the bucket's stream (what a KV watch is), with two things a
 * plain KV watch does not give: a `synced` signal once the initial values are delivered (also when
 * there are none), and an immediate resume after a reconnect — the consumer is recreated from the
 * last stream sequence seen, so nothing written while the connection or the server was down is
 * missed, without waiting for the consumer's heartbeats to time out. Creation failures (no stream
 * yet, server still starting) are retried with a capped backoff until `stop()`.
 *
 * Needs only the consumer-create API with the filter in the subject and the inbox: what an agent's
 * permissions grant.
 */
import { DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';

/** One change of one key. */
export interface KvChange {
  key: string;
  /** Stream sequence: the KV revision. */
  revision: number;
  operation: 'PUT' | 'DEL' | 'PURGE';
  value: Uint8Array;
  created: Date;
  /** True for values delivered before `synced`. */
  initial: boolean;
}

export interface KvFollowOptions {
  js: JetStreamClient;
  bucket: string;
  /** Key filter, with NATS wildcards ("east.gw.>"). */
  filter: string;
  onChange: (change: KvChange) => void;
  /** Called once, after the values present at start have been passed to `onChange`. */
  onSynced?: () => void;
  /** Failures to (re)create the consumer; following goes on, with backoff. */
  onError: (error: unknown) => void;
}

export interface KvFollower {
  /** Recreates the consumer from the last sequence seen (after a reconnect). */
  resume(): void;
  stop(): void;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

export function followKv(options: KvFollowOptions): KvFollower {
  const stream = `KV_${options.bucket}`;
  const prefix = `$KV.${options.bucket}.`;
  let lastSeq = 0;
  let synced = false;
  let stopped = false;
  /** Bumped on each (re)start: messages of an older consumer are ignored. */
  let generation = 0;
  let messages: ConsumerMessages | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  let starting: Promise<void> | undefined;

  const markSynced = () => {
    if (synced) return;
    synced = true;
    options.onSynced?.();
  };

  const deliver = (m: JsMsg, gen: number) => {
    if (stopped || gen !== generation || m.seq <= lastSeq) return;
    lastSeq = m.seq;
    const op = m.headers?.get('KV-Operation');
    const change: KvChange = {
      key: m.subject.slice(prefix.length),
      revision: m.seq,
      operation: op === 'DEL' || op === 'PURGE' ? op : 'PUT',
      value: m.data,
      created: new Date(Math.floor(m.info.timestampNanos / 1e6)),
      initial: !synced,
    };
    try {
      options.onChange(change);
    } catch (e) {
      options.onError(e);
    }
    if (!synced && m.info.pending === 0) markSynced();
  };

  const start = async () => {
    const gen = ++generation;
    messages?.stop();
    messages = undefined;
    const consumer = await options.js.consumers.getPushConsumer(stream, {
      filter_subjects: `${prefix}${options.filter}`,
      ...(lastSeq > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastSeq + 1 } : { deliver_policy: DeliverPolicy.LastPerSubject }),
    });
    if (stopped || gen !== generation) return;
    const info = await consumer.info(true);
    const consumed = await consumer.consume({ callback: (m) => deliver(m, gen) });
    if (stopped || gen !== generation) {
      consumed.stop();
      return;
    }
    messages = consumed;
    failures = 0;
    if (info.num_pending === 0) markSynced();
    // A consumer that ends on its own (deleted, stream gone) is recreated.
    void consumed
      .closed()
      .catch(() => undefined)
      .then(() => {
        if (!stopped && gen === generation) schedule(RETRY_MIN_MS);
      });
  };

  const run = () => {
    if (stopped || starting) return;
    starting = start()
      .catch((e: unknown) => {
        if (stopped) return;
        options.onError(e);
        failures++;
        schedule(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(failures, 10)));
      })
      .finally(() => {
        starting = undefined;
      });
  };

  const schedule = (ms: number) => {
    if (stopped) return;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(run, ms);
    retryTimer.unref?.();
  };

  run();
  return {
    resume() {
      if (stopped) return;
      if (starting) {
        // A start is under way on the old connection state: start again once it settles.
        void starting.then(() => schedule(0));
        return;
      }
      schedule(0);
    },
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      messages?.stop();
      messages = undefined;
    },
  };
}
