/**
 * One error class with a closed set of codes. Codes are the API; messages are prose and may change.
 * Every code is documented in docs/errors.md.
 */
export type FleetErrorCode =
  | 'FLEET_AUTH_FAILED'
  | 'FLEET_CANCELLED'
  | 'FLEET_CHANNEL_OPEN_FAILED'
  | 'FLEET_CHECKSUM_MISMATCH'
  | 'FLEET_CONFIG_INVALID'
  | 'FLEET_CONNECT_REFUSED'
  | 'FLEET_CONNECT_TIMEOUT'
  | 'FLEET_CONNECTION_LOST'
  | 'FLEET_DNS'
  | 'FLEET_EVENTS_OVERFLOW'
  | 'FLEET_HANDSHAKE_FAILED'
  | 'FLEET_HOSTKEY_CHANGED'
  | 'FLEET_HOSTKEY_REVOKED'
  | 'FLEET_HOSTKEY_UNKNOWN'
  | 'FLEET_HOST_LOST'
  | 'FLEET_INTERNAL'
  | 'FLEET_INVENTORY_INVALID'
  | 'FLEET_INVENTORY_NOT_FOUND'
  | 'FLEET_INVENTORY_PARSE'
  | 'FLEET_KEY_INVALID'
  | 'FLEET_LOCAL_IO'
  | 'FLEET_RETRY_REFUSED'
  | 'FLEET_SELECTOR_EMPTY'
  | 'FLEET_SELECTOR_INVALID'
  | 'FLEET_SFTP_FAILURE'
  | 'FLEET_SFTP_NO_SPACE'
  | 'FLEET_SFTP_NO_SUCH_FILE'
  | 'FLEET_SFTP_PERMISSION_DENIED'
  | 'FLEET_SHARD_MISMATCH'
  | 'FLEET_SKIPPED'
  | 'FLEET_STEPS_INVALID'
  | 'FLEET_TEMPLATE_UNDEFINED'
  | 'FLEET_TIMEOUT'
  | 'FLEET_UNREACHABLE'
  | 'FLEET_UNSAFE_PATH'
  | 'FLEET_USAGE'
  | 'FLEET_VERIFY_FAILED';

/** Extra, structured context an error carries. Never holds secrets. */
export interface FleetErrorContext {
  host?: string;
  details?: Record<string, unknown>;
}

/** The base error of fleet: `code` is stable, `message` is for people, `cause` keeps the original. */
export class FleetError extends Error {
  override name = 'FleetError';
  readonly code: FleetErrorCode;
  readonly context: FleetErrorContext;

  constructor(code: FleetErrorCode, message: string, context: FleetErrorContext = {}, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.context = context;
  }

  /** Plain JSON form, as events and the json renderer carry it. */
  toJSON(): { code: FleetErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Where an inventory error was found: file, 1-based line and column, and the key path. */
export interface InventoryLocation {
  file: string;
  line?: number;
  column?: number;
  path?: string;
}

/** An inventory that cannot be read, parsed or validated. Its message names file, line and key. */
export class InventoryError extends FleetError {
  override name = 'InventoryError';
  readonly location: InventoryLocation;

  constructor(
    code: Extract<FleetErrorCode, 'FLEET_INVENTORY_INVALID' | 'FLEET_INVENTORY_PARSE' | 'FLEET_INVENTORY_NOT_FOUND'>,
    message: string,
    location: InventoryLocation,
    options?: ErrorOptions,
  ) {
    super(code, formatLocated(location, message), { details: { ...location } }, options);
    this.location = location;
  }
}

/**
 * A steps file (or a steps list given to `Fleet.run`) that cannot be read, parsed or validated.
 * Its message names file, line and key; `location.file` is `<steps>` for steps given in code.
 */
export class StepsError extends FleetError {
  override name = 'StepsError';
  readonly location: InventoryLocation;

  constructor(message: string, location: InventoryLocation, options?: ErrorOptions) {
    super('FLEET_STEPS_INVALID', formatLocated(location, message), { details: { ...location } }, options);
    this.location = location;
  }
}

function formatLocated(loc: InventoryLocation, message: string): string {
  let where = loc.file;
  if (loc.line !== undefined) where += `:${loc.line}`;
  if (loc.line !== undefined && loc.column !== undefined) where += `:${loc.column}`;
  const key = loc.path ? ` (at ${loc.path})` : '';
  return `${where}: ${message}${key}`;
}

/** A host key that is unknown, changed or revoked. Carries what the operator needs to decide. */
export class HostKeyError extends FleetError {
  override name = 'HostKeyError';
  constructor(
    code: Extract<FleetErrorCode, 'FLEET_HOSTKEY_UNKNOWN' | 'FLEET_HOSTKEY_CHANGED' | 'FLEET_HOSTKEY_REVOKED'>,
    message: string,
    readonly host: string,
    readonly port: number,
    readonly keyType: string,
    readonly fingerprint: string,
  ) {
    super(code, message, { host, details: { port, keyType, fingerprint } });
  }
}

/** One authentication method tried against a host, and how it went. */
export interface AuthAttempt {
  method: 'publickey' | 'password' | 'keyboard-interactive' | 'agent' | 'none';
  /** A label for the source (key file path, env var name); never the secret itself. */
  source?: string;
  ok: boolean;
}

/** Every configured auth method was refused by the server. */
export class AuthError extends FleetError {
  override name = 'AuthError';
  constructor(message: string, readonly host: string, readonly attempts: readonly AuthAttempt[], options?: ErrorOptions) {
    super('FLEET_AUTH_FAILED', message, { host, details: { attempts } }, options);
  }
}

/** True for any FleetError (or subclass). */
export function isFleetError(value: unknown): value is FleetError {
  return value instanceof FleetError;
}

/** Wraps anything thrown into a FleetError; unknown throws are bugs and become FLEET_INTERNAL. */
export function toFleetError(value: unknown, host?: string): FleetError {
  if (value instanceof FleetError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new FleetError('FLEET_INTERNAL', message, host === undefined ? {} : { host }, { cause: value });
}
