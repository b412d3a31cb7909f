import { FleetError } from '../errors.js';

/**
 * A file's failure, as the user can act on it: naming the target they asked for (the temp the
 * bytes went to is an implementation detail; a message naming only it reads as a stray path).
 * Errors that are about the run rather than the file (cancel, timeout) stay as they are.
 */
export function namingTarget(error: unknown, host: string, target: string): unknown {
  if (!(error instanceof FleetError) || error.code === 'FLEET_CANCELLED' || error.code === 'FLEET_TIMEOUT') return error;
  // A temp's name holds the target's base name: look for the target outside temp names.
  if (error.message.replace(/\S*\.fleet-[0-9a-f]{12}/g, '').includes(target)) return error;
  // `web01: ...` or `web01 (10.0.0.5:22): ...`: the host stays named once, first.
  const lead = new RegExp(`^${escapeRegExp(host)}(?: \\([^)]*\\))?: `).exec(error.message)?.[0] ?? `${host}: `;
  const rest = error.message.startsWith(lead) ? error.message.slice(lead.length) : error.message;
  return new FleetError(error.code, `${lead}put ${target}: ${rest}`, { host, details: { ...error.context.details, target } }, { cause: error });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
