/**
 * `proxy_jump` values, as OpenSSH's ProxyJump / `ssh -J` writes them: a comma-separated chain of
 * hops, the first connected to first, each `[user@]host[:port]` (`[v6addr]:port` for IPv6, an
 * optional `ssh://` prefix). A bare word may also name an inventory host; resolving that is the
 * caller's business (jump-hosts.ts). Pure; no I/O.
 */
import { FleetError } from '../../errors.js';

/** One hop of a jump chain, as written. */
export interface JumpHop {
  /** The element as written (for messages and as the name of a hop not in the inventory). */
  spec: string;
  user: string | undefined;
  /** Host name or address, brackets removed. */
  host: string;
  port: number | undefined;
}

/**
 * Parses a `proxy_jump` value into its hops. `none` and the empty string mean no jump (`[]`).
 * Throws FLEET_CONFIG_INVALID naming the host for an element that does not parse.
 */
export function parseJumpSpec(value: string, host: string): JumpHop[] {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'none') return [];
  return trimmed.split(',').map((element) => parseHop(element.trim(), value, host));
}

function parseHop(element: string, value: string, host: string): JumpHop {
  const invalid = (why: string): FleetError =>
    new FleetError('FLEET_CONFIG_INVALID', `${host}: proxy_jump '${value}': ${why}`, { host, details: { proxyJump: value } });
  if (element === '') throw invalid('empty hop (stray comma?)');
  let rest = element.replace(/^ssh:\/\//i, '').replace(/\/$/, '');
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (user === '') throw invalid(`empty user in '${element}'`);
  }
  let hostPart = rest;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw invalid(`unclosed '[' in '${element}'`);
    hostPart = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw invalid(`unexpected '${after}' after ']' in '${element}'`);
      portText = after.slice(1);
    }
  } else {
    const colon = rest.indexOf(':');
    // More than one colon without brackets: a bare IPv6 address, no port (as OpenSSH reads it).
    if (colon >= 0 && rest.indexOf(':', colon + 1) < 0) {
      hostPart = rest.slice(0, colon);
      portText = rest.slice(colon + 1);
    }
  }
  if (hostPart === '' || /[\s/]/.test(hostPart)) throw invalid(`bad host in '${element}'`);
  let port: number | undefined;
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
    if (!(port >= 1 && port <= 65_535)) throw invalid(`bad port '${portText}' in '${element}'`);
  }
  return { spec: element, user, host: hostPart, port };
}
