/**
 * Checks a relay configuration before anything listens: one place for the CLI's flags, `serve
 * --inspect-relay`, the API's inspect.start and a remembered inspect.json, so each refuses the same things
 * with the same one-line message.
 */
import net from 'node:net';
import { parseIpRange, type IpRange } from '../../common/cidr';
import { isLoopbackName, MAX_TARGET_PORTS, parseTargetSpec, targetEndpoints, type RelayConfig, type TargetRange } from '../../common/inspect';

export interface CheckedRelayConfig {
  config: RelayConfig;
  ranges: TargetRange[];
  /** Who may connect besides loopback clients (empty on a loopback relay). */
  allow: IpRange[];
  endpoints: { host: string; port: number }[];
}

/** Throws an Error naming the bad field. */
export function checkRelayConfig(config: RelayConfig): CheckedRelayConfig {
  const { host, port } = config;
  if (host !== 'localhost' && !net.isIP(host)) throw new Error(`host must be an IP address of this machine or localhost, got '${host}'`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port must be 0–65535, got ${port}`);
  if (config.targets.length === 0) throw new Error('give at least one target (PORT, FROM-TO or HOST:PORT)');
  const ranges = config.targets.map((spec) => {
    const parsed = parseTargetSpec(spec);
    if (!parsed.ok) throw new Error(`target ${parsed.error}`);
    return parsed.range;
  });
  const endpoints = targetEndpoints(ranges, { host, port });
  if (endpoints.length > MAX_TARGET_PORTS) throw new Error(`targets cover ${endpoints.length} ports; at most ${MAX_TARGET_PORTS} are polled`);
  if (endpoints.length === 0) throw new Error("targets cover no port but the relay's own");
  if (config.name !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(config.name)) throw new Error(`name may use letters, digits, '.', '_' and '-' (1–64), got '${config.name}'`);
  const allow = (config.allow ?? []).map((entry) => {
    const parsed = parseIpRange(entry);
    if (!parsed.ok) throw new Error(`allow ${entry}: ${parsed.error}`);
    return parsed.range;
  });
  // An inspector runs any code it is sent: a relay reachable from the network must say who may use it.
  if (!isLoopbackName(host) && allow.length === 0) {
    throw new Error(`a relay on ${host} is reachable from the network and an inspector runs any code it is sent: give --allow CIDR for the machines that may connect`);
  }
  return { config, ranges, allow, endpoints };
}
