import { describe, expect, it } from 'vitest';
import { FleetError } from '../errors.js';
import { confinedLocalDest } from './local-dest.js';
import { parseTemplate } from './template.js';

const dest = (source: string, filled: string, allowOutside = false): string =>
  confinedLocalDest(parseTemplate(source), filled, '/work/steps', { allowOutside, host: 'web1' });

describe('get dest with placeholders stays where its literal start points', () => {
  it.each([
    ['fetched', 'fetched', '/work/steps/fetched'],
    ['../elsewhere', '../elsewhere', '/elsewhere'.replace('/elsewhere', '/work/elsewhere')],
    ['out/{{ d }}', 'out/2024-01-01', '/work/steps/out/2024-01-01'],
    ['out/{{ d }}', 'out/a/b', '/work/steps/out/a/b'],
    ['out/run-{{ d }}', 'out/run-7', '/work/steps/out/run-7'],
    ['{{ d }}', 'x', '/work/steps/x'],
    ['/srv/backups/{{ d }}', '/srv/backups/mon', '/srv/backups/mon'],
  ])('%j filled as %j lands in %j', (source, filled, expected) => {
    expect(dest(source, filled)).toBe(expected);
  });

  it.each([
    ['out/{{ d }}', 'out/../../x'],
    ['out/{{ d }}', 'out/..'],
    ['{{ d }}', '/etc'],
    ['{{ d }}', '../x'],
    ['/srv/backups/{{ d }}', '/srv/backups/../../root/.ssh'],
    ['out/run-{{ d }}', 'out/run-/../../x'],
  ])('%j filled as %j is refused (FLEET_UNSAFE_PATH)', (source, filled) => {
    let error: unknown;
    try {
      dest(source, filled);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).code).toBe('FLEET_UNSAFE_PATH');
    expect((error as FleetError).message).toMatch(/allow_dest_outside: true/);
  });

  it('allow_dest_outside: true lets the value lead anywhere', () => {
    expect(dest('out/{{ d }}', 'out/../../x', true)).toBe('/work/x');
  });
});
