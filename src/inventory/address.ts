/**
 * `[user@]host[:port]` as written in plain hosts files and `-H`: IPv6 literals go in brackets
 * when a port follows (`[::1]:2222`); a bare IPv6 literal (two or more colons, no brackets) has
 * no port. The host part may hold ranges (`web[01:03]:2222`); callers expand them.
 */
import { FleetError } from '../errors.js';

/** A parsed `[user@]host[:port]` token. */
export interface HostToken {
  user?: string;
  host: string;
  port?: number;
}

/**
 * Parses one token.
 * @throws FleetError FLEET_INVENTORY_INVALID with a reason; callers rewrap with their code.
 */
export function parseHostToken(token: string): HostToken {
  const at = token.lastIndexOf('@');
  const user = at === -1 ? undefined : token.slice(0, at);
  const rest = at === -1 ? token : token.slice(at + 1);
  if (user !== undefined && user === '') throw tokenError(token, 'empty user before "@"');
  if (rest === '') throw tokenError(token, 'no host');
  if (/\s/.test(rest)) throw tokenError(token, 'whitespace in host');

  const ipv6 = /^\[([^\]]*:[^\]]*:[^\]]*)\](?::(.*))?$/.exec(rest);
  if (ipv6) return build(token, user, ipv6[1] ?? '', ipv6[2]);
  if (!rest.includes('[') && (rest.match(/:/g) ?? []).length >= 2) return build(token, user, rest, undefined);

  // The port separator is the last ':' outside brackets, so `web[01:03]:22` splits correctly.
  let depth = 0;
  let colon = -1;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === ':' && depth === 0) colon = i;
  }
  if (colon === -1) return build(token, user, rest, undefined);
  return build(token, user, rest.slice(0, colon), rest.slice(colon + 1));
}

function build(token: string, user: string | undefined, host: string, portText: string | undefined): HostToken {
  if (host === '') throw tokenError(token, 'no host');
  const out: HostToken = { host };
  if (user !== undefined) out.user = user;
  if (portText !== undefined) out.port = parsePort(portText, token);
  return out;
}

function parsePort(text: string, token: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw tokenError(token, `port "${text}" is not a number from 1 to 65535`);
  return port;
}

function tokenError(token: string, reason: string): FleetError {
  return new FleetError('FLEET_INVENTORY_INVALID', `invalid host "${token}": ${reason}`, {
    details: { token, reason },
  });
}
