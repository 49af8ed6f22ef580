/** The same contract cases against both implementations: in-process, and NATS on a real nats-server. */
import { startNatsServer } from '@portway/testing';
import { InProcessBus } from '../in-process-bus.js';
import { describeBusContract } from './__fixtures__/bus-contract.js';
import { NatsBus } from './nats-bus.js';

describeBusContract('InProcessBus', {
  create: async (onError) => new InProcessBus(onError),
  quietMs: 20,
});

describeBusContract('NatsBus', {
  create: async (onError) => {
    const server = await startNatsServer();
    const bus = await NatsBus.connect({ servers: server.url, manageBuckets: true, onError, name: 'contract' });
    const close = bus.close.bind(bus);
    // The bus owns its server here: closing one stops the other.
    bus.close = async () => {
      await close();
      await server.stop();
    };
    return bus;
  },
  quietMs: 300,
  coalesces: true,
});
