/**
 * Hands out loopback addresses for pods, one per pod, never reused within a run:
 * 127.1.0.1, 127.1.0.2, ... 127.1.255.254, then 127.2.0.1 ... (the Gateways use 127.0.100.x).
 */
export class LoopbackIpPool {
  private next = 0;

  constructor(private readonly firstOctet2 = 1) {}

  allocate(): string {
    for (;;) {
      const n = this.next++;
      const b = this.firstOctet2 + Math.floor(n / 65536);
      const c = Math.floor(n / 256) % 256;
      const d = n % 256;
      if (b > 254) throw new Error('loopback address pool exhausted');
      if (d === 0 || d === 255) continue;
      return `127.${b}.${c}.${d}`;
    }
  }
}
