import { describe, expect, it } from 'vitest';
import { FleetError } from '../errors.js';
import { namingTarget } from './transfer-target-error.js';

describe('namingTarget', () => {
  const wrap = (message: string, code: FleetError['code'] = 'FLEET_SFTP_FAILURE') => namingTarget(new FleetError(code, message, { host: 'web01' }), 'web01', '/srv/app.tar') as FleetError;

  it('names the target when the message names only the temp, keeping code and host first', () => {
    const e = wrap('web01: sftp write /srv/.app.tar.fleet-0123456789ab: Failure');
    expect(e.message).toBe('web01: put /srv/app.tar: sftp write /srv/.app.tar.fleet-0123456789ab: Failure');
    expect(e.code).toBe('FLEET_SFTP_FAILURE');
    expect(wrap('web01 (10.0.0.5:22): the server closed the connection', 'FLEET_CONNECTION_LOST').message).toBe('web01 (10.0.0.5:22): put /srv/app.tar: the server closed the connection');
  });

  it('leaves messages that name the target, and cancel/timeout, as they are', () => {
    expect(wrap('web01: /srv/app.tar: sha256 differs').message).toBe('web01: /srv/app.tar: sha256 differs');
    expect(wrap('web01: cancelled', 'FLEET_CANCELLED').message).toBe('web01: cancelled');
  });
});
