import { startDnsMode } from './dns/start-dns-mode.js';
import { startGrpcMode } from './grpc/start-grpc-mode.js';
import { startHttpMode } from './http/start-http-mode.js';
import { stdoutLog } from './log.js';
import { checkCommonOptions, EchoOptionsError, portOption, type EchoOptions } from './options.js';
import type { PodContext } from './pod-context.js';
import type { EchoServer } from './running.js';
import { startTcpMode } from './tcp/start-tcp-mode.js';
import { startUdpMode } from './udp/start-udp-mode.js';

/**
 * Starts an echo backend that answers exactly as the conformance suite's `echo-basic` server
 * (HTTP, gRPC, TCP, UDP) or, in `dns` mode, as the suite's CoreDNS backend.
 * Rejects with {@link EchoOptionsError} for unusable options and with a `ListenError` when a
 * port cannot be bound (nothing stays bound then).
 */
export async function startEcho(options: EchoOptions): Promise<EchoServer> {
  const mode = checkCommonOptions(options);
  const pod: PodContext = {
    namespace: options.namespace ?? '',
    ingress: options.ingressName ?? '',
    service: options.serviceName ?? '',
    pod: options.podName ?? '',
  };
  const log = options.log ?? stdoutLog;
  const tls = options.tls;
  switch (mode) {
    case 'http': {
      const h2c = options.h2cPort === null ? null : portOption(options, 'h2cPort', 3001);
      return startHttpMode({
        host: options.host,
        httpPort: portOption(options, 'httpPort', 3000),
        h2cPort: h2c,
        httpsPort: portOption(options, 'httpsPort', 8443),
        tls,
        pod,
        log,
      });
    }
    case 'grpc':
      if (tls?.clientCAs !== undefined) throw new EchoOptionsError('tls.clientCAs is not used in grpc mode (upstream does not verify gRPC clients)');
      return startGrpcMode({
        host: options.host,
        port: portOption(options, 'httpPort', 3000),
        tlsPort: portOption(options, 'httpsPort', 8443),
        tls,
        pod,
        log,
      });
    case 'tcp':
      if (tls?.clientCAs !== undefined) throw new EchoOptionsError('tls.clientCAs is not used in tcp mode (upstream does not verify TCP clients)');
      return startTcpMode({
        host: options.host,
        tcpPort: portOption(options, 'tcpPort', 3000),
        tlsPort: portOption(options, 'tlsPort', 8443),
        tls,
        pod,
        log,
      });
    case 'udp':
      return startUdpMode({ host: options.host, port: portOption(options, 'udpPort', 8080), pod, log });
    case 'dns':
      return startDnsMode({ host: options.host, port: portOption(options, 'udpPort', 53), log });
  }
}
