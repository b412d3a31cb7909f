import { describe, expect, it } from 'vitest';
import { FleetError } from '../../errors.js';
import { translateSftpError } from './errors.js';

const status = (code: number, message: string): Error => Object.assign(new Error(message), { code });

describe('translateSftpError', () => {
  const ctx = { host: 'web1', op: 'open', path: '/srv/x' };

  it.each([
    [2, 'No such file', 'FLEET_SFTP_NO_SUCH_FILE'],
    [3, 'Permission denied', 'FLEET_SFTP_PERMISSION_DENIED'],
    [4, 'Failure', 'FLEET_SFTP_FAILURE'],
    [8, 'Operation unsupported', 'FLEET_SFTP_FAILURE'],
  ])('maps SFTP status %i to %s', (code, message, expected) => {
    const error = translateSftpError(status(code, message), ctx);
    expect(error.code).toBe(expected);
    expect(error.message).toBe(`web1: sftp open /srv/x: ${message}`);
    expect(error.context.details).toMatchObject({ path: '/srv/x', op: 'open', status: code });
  });

  it("reports a dead connection's own error for requests that got no answer", () => {
    const lost = new FleetError('FLEET_CONNECTION_LOST', 'web1 (10.0.0.1:22): connection reset (ECONNRESET)');
    const error = translateSftpError(new Error('No response from server'), { ...ctx, lost });
    expect(error.code).toBe('FLEET_CONNECTION_LOST');
    expect(error.message).toContain('sftp open /srv/x');
  });

  it('says the channel closed when the connection lives on (sftp-server gone)', () => {
    const error = translateSftpError(new Error('No response from server'), ctx);
    expect(error.code).toBe('FLEET_SFTP_FAILURE');
    expect(error.message).toContain('the SFTP channel closed');
  });

  it('passes FleetErrors through', () => {
    const original = new FleetError('FLEET_TIMEOUT', 't');
    expect(translateSftpError(original, ctx)).toBe(original);
  });
});
