import type { GatewayConfig } from '@portway/ir';
import { Proxy, type ApplyResult, type ProxyOptions } from '@portway/proxy';
import type { DataPlane } from './data-plane.js';

/** The proxy running in the agent's own process (`--workers 0`, and tests). */
export class InProcessDataPlane implements DataPlane {
  private readonly proxy: Proxy;

  constructor(options: ProxyOptions = {}) {
    this.proxy = new Proxy(options);
  }

  apply(configs: GatewayConfig[]): Promise<ApplyResult> {
    return this.proxy.apply(configs);
  }

  setEndpointHealth(updates: readonly { endpoint: string; healthy: boolean }[]): void {
    this.proxy.setEndpointHealth(updates);
  }

  close(): Promise<void> {
    return this.proxy.close();
  }
}
