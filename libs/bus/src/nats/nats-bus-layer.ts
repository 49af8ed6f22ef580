/**
 * The NATS bus as an effect service: `NatsBusLive(options)` is a layer whose connection is a
 * scoped resource (acquired with `Effect.acquireRelease`, closed — subscriptions drained — when
 * the scope closes). The service is the plain `Bus` interface, so code written against the
 * in-process bus runs unchanged.
 */
import { Context, Effect, Layer, type Scope } from 'effect';
import type { Bus } from '../types.js';
import type { NatsConnectError } from './errors.js';
import { NatsBus, type NatsBusOptions } from './nats-bus.js';

/** The bus service (either implementation). */
export class BusService extends Context.Tag('@portway/bus/Bus')<BusService, Bus>() {}

/** A connected `NatsBus`, closed when the scope closes. */
export const natsBusScoped = (options: NatsBusOptions): Effect.Effect<NatsBus, NatsConnectError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({ try: () => NatsBus.connect(options), catch: (e) => e as NatsConnectError }),
    (bus) => Effect.promise(() => bus.close()),
  );

/** Layer providing `BusService` over NATS JetStream. */
export const NatsBusLive = (options: NatsBusOptions): Layer.Layer<BusService, NatsConnectError> => Layer.scoped(BusService, natsBusScoped(options));
