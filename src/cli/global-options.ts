/**
 * Common options before the command: `fleet -i hosts.yaml exec uptime` means
 * `fleet exec uptime -i hosts.yaml`. The program declares the common options too (positional:
 * only before the command name), and before the action runs their values are handed down to
 * the command that runs. A value given after the command wins; an option the command does not
 * take (`fleet -f 5 hosts`) is a usage error, not silently dropped.
 */
import type { Command, Option } from 'commander';
import { FleetError } from '../errors.js';

/** Copies the values given on the command line to `ancestors` of `action` into `action`. */
export function inheritCommandLineOptions(action: Command): void {
  for (let parent = action.parent; parent; parent = parent.parent) {
    for (const option of parent.options) {
      const key = option.attributeName();
      const source = parent.getOptionValueSource(key);
      if (source !== 'cli' && source !== 'env') continue;
      const own = action.options.find((o) => o.attributeName() === key && o.long === option.long);
      if (own === undefined) {
        throw new FleetError('FLEET_USAGE', `${option.long ?? option.flags} does not apply to \`${commandPath(action)}\` (see fleet ${commandPath(action)} --help)`);
      }
      // The command's own value, written after its name, wins.
      const ownSource = action.getOptionValueSource(key);
      if (ownSource === 'cli' || ownSource === 'env') continue;
      const value: unknown = parent.getOptionValue(key);
      checkChoice(own, value, action);
      action.setOptionValueWithSource(key, value, source);
    }
  }
}

/** A choice the program accepted may not be one the command accepts (`fleet --output stream hosts`). */
function checkChoice(option: Option, value: unknown, action: Command): void {
  const choices = option.argChoices;
  if (choices === undefined || typeof value !== 'string' || choices.includes(value)) return;
  throw new FleetError('FLEET_USAGE', `${option.long ?? option.flags} '${value}' does not apply to \`${commandPath(action)}\` (allowed: ${choices.join(', ')})`);
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
