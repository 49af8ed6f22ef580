/**
 * A data plane that keeps the east-west allow-list in step with what the agent serves: every
 * config set applied also names the endpoints of this cluster the gateway may relay to.
 */
import type { GatewayConfig } from '@portway/ir';
import type { ApplyResult } from '@portway/proxy';
import type { DataPlane } from '../data-plane.js';
import { localEndpoints, type EastWestAllowList } from './east-west-allow-list.js';

/** Source name of the configs' endpoints in the allow-list. */
export const CONFIG_ENDPOINTS_SOURCE = 'configs';

export class EastWestAllowingDataPlane implements DataPlane {
  constructor(
    private readonly inner: DataPlane,
    private readonly allowList: EastWestAllowList,
    private readonly cluster: string,
  ) {}

  apply(configs: GatewayConfig[]): Promise<ApplyResult> {
    this.allowList.set(CONFIG_ENDPOINTS_SOURCE, localEndpoints(configs, this.cluster));
    return this.inner.apply(configs);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
