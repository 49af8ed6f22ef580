/**
 * The addresses an agent advertises (its heartbeats' `addresses`, which fill Gateways'
 * `status.addresses`) when they are not the address it binds: a fixed list (`--advertise`), or the
 * load-balancer, external or node addresses of the agents' Service read from the Kubernetes API
 * (`--advertise-service`), re-read periodically because a load balancer gets its address late and
 * may change it.
 */
export interface AdvertiserOptions {
  /** Reads the current addresses (may reject: the last good list stays). */
  read: () => Promise<readonly string[]>;
  /** Period between reads. */
  intervalMs: number;
  /** Called with each list that differs from the previous one (not called for an empty first read). */
  onChange: (addresses: readonly string[]) => void;
  /** Told about failed reads, once per run of failures. */
  onError: (error: unknown) => void;
}

/** Starts reading at once, then every `intervalMs`; returns a stop function. */
export function watchAdvertisedAddresses(o: AdvertiserOptions): () => void {
  let last: readonly string[] = [];
  let failing = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      const next = await o.read();
      failing = false;
      if (!stopped && !sameList(next, last)) {
        last = [...next];
        o.onChange(last);
      }
    } catch (e) {
      if (!failing && !stopped) o.onError(e);
      failing = true;
    }
    if (!stopped) timer = setTimeout(() => void tick(), o.intervalMs);
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** `--advertise 203.0.113.7,gw.example.net`: the list, trimmed, without empty items or duplicates. */
export function parseAdvertiseList(value: string): string[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new Error(`--advertise "${value}": expected addresses or host names, comma-separated`);
  return [...new Set(items)];
}
