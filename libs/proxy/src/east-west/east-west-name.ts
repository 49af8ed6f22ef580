/**
 * How a connection to an east-west gateway names the endpoint it wants: the TLS server name
 * (SNI) `<address>.<port>.ew.portway.internal`, the address with its dots (IPv4) or colons
 * (IPv6) written as dashes — `10-1-2-3.8080.ew.portway.internal`,
 * `fd00--7.443.ew.portway.internal`. The gateway reads the name from the handshake and relays
 * the connection's bytes untouched, so it stays a pure L4 relay (no preamble, nothing parsed
 * inside the tunnel). Only IP endpoints can be named.
 */
import { isIP } from 'node:net';

/** The suffix every east-west server name ends with. */
export const EAST_WEST_NAME_SUFFIX = '.ew.portway.internal';

/** An endpoint a connection to an east-west gateway is for. */
export interface EastWestTarget {
  readonly address: string;
  readonly port: number;
}

/** The server name that asks an east-west gateway for `address:port`. Throws on a non-IP address or a bad port. */
export function eastWestServerName(address: string, port: number): string {
  const family = isIP(address);
  if (family === 0) throw new Error(`east-west: endpoint address "${address}" is not an IP address`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`east-west: endpoint port ${String(port)} is out of range`);
  const label = family === 4 ? address.replace(/\./g, '-') : address.toLowerCase().replace(/:/g, '-');
  return `${label}.${port}${EAST_WEST_NAME_SUFFIX}`;
}

/** The endpoint an east-west server name asks for, or null when the name is not one (wrong suffix, bad address or port). */
export function parseEastWestServerName(name: string | false | null | undefined): EastWestTarget | null {
  if (typeof name !== 'string') return null;
  const lower = name.toLowerCase();
  if (!lower.endsWith(EAST_WEST_NAME_SUFFIX)) return null;
  const parts = lower.slice(0, -EAST_WEST_NAME_SUFFIX.length).split('.');
  if (parts.length !== 2) return null;
  const [label, portText] = parts as [string, string];
  if (!/^[1-9][0-9]{0,4}$/.test(portText)) return null;
  const port = Number(portText);
  if (port > 65535) return null;
  const v4 = label.replace(/-/g, '.');
  if (isIP(v4) === 4) return { address: v4, port };
  const v6 = label.replace(/-/g, ':');
  if (isIP(v6) === 6) return { address: v6, port };
  return null;
}
