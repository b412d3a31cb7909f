/**
 * The values a host brings to templates from its inventory entry, so that one command can say
 * something different on each host (`echo {{ host }} {{ vars.color }}`): `host` (inventory name),
 * `address`, `port`, `user`, `groups` (comma-separated, as `-l` spells a union), `labels.K` and
 * `vars.K` (nested keys with more dots: `vars.db.port`).
 */
import { FleetError } from '../errors.js';
import type { HostSpec } from '../inventory/host-spec.js';
import { mayBeTemplate, parseTemplate, renderTemplate, type Template, type TemplateLookup, type TemplateUse } from './template.js';

/**
 * One host's value for `name`, as text; undefined when the host has none. Strings go in as they
 * are, numbers and booleans as YAML wrote them, lists and mappings as JSON (one word, parseable
 * by `jq` on the host); a null var counts as missing.
 */
export function hostValue(host: HostSpec, name: string): string | undefined {
  switch (name) {
    case 'host':
      return host.name;
    case 'address':
      return host.address;
    case 'port':
      return String(host.port);
    case 'user':
      return host.user;
    case 'groups':
      return host.groups.join(',');
  }
  const [namespace, ...path] = name.split('.');
  if (path.length === 0) return undefined;
  if (namespace === 'labels') return path.length === 1 ? asText(own(host.labels, path[0] as string)) : undefined;
  if (namespace !== 'vars') return undefined;
  let value: unknown = host.vars;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = own(value as Record<string, unknown>, key);
  }
  return asText(value);
}

/** A lookup over a host's inventory values, for renderTemplate. */
export function hostLookup(host: HostSpec): TemplateLookup {
  return (name) => hostValue(host, name);
}

/**
 * A command or remote path filled per host from the inventory, or the text itself when it holds
 * no `{{` (nothing changes for commands that never used templates). Parsing happens once, here:
 * an unknown filter throws FLEET_USAGE before any host is contacted.
 */
export function perHostText(source: string, use: TemplateUse, what: string): (host: HostSpec) => string {
  if (!mayBeTemplate(source)) return () => source;
  let template: Template;
  try {
    template = parseTemplate(source);
  } catch (error) {
    throw new FleetError('FLEET_USAGE', `${what}: ${(error as Error).message}`);
  }
  return (host) => fillForHost(template, host, use, what);
}

/** Renders `template` for `host`; a name without a value is FLEET_TEMPLATE_UNDEFINED for that host. */
export function fillForHost(template: Template, host: HostSpec, use: TemplateUse, what: string, lookup: TemplateLookup = hostLookup(host)): string {
  const rendered = renderTemplate(template, lookup, use);
  if ('text' in rendered) return rendered.text;
  throw undefinedVariable(host.name, rendered.missing, what);
}

/** The per-host error for `{{ name }}` without a value on `host`. */
export function undefinedVariable(host: string, name: string, what: string, why = 'not set in the inventory for this host'): FleetError {
  return new FleetError('FLEET_TEMPLATE_UNDEFINED', `${what}: {{ ${name} }} has no value on ${host} (${why})`, {
    host,
    details: { variable: name },
  });
}

function own(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function asText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}
