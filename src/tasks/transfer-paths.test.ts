import { describe, expect, it } from 'vitest';
import { commandPath, namesDirectory, normalizeRemotePath, remoteJoin, tempPathFor, isTempNameFor } from './transfer-paths.js';

describe('remote paths', () => {
  it('normalizes ~, trailing slashes, and refuses empty or NUL', () => {
    expect(normalizeRemotePath('~')).toBe('.');
    expect(normalizeRemotePath('~/')).toBe('.');
    expect(normalizeRemotePath('~/x/y')).toBe('x/y');
    expect(normalizeRemotePath('/tmp/dir///')).toBe('/tmp/dir');
    expect(normalizeRemotePath('/')).toBe('/');
    expect(() => normalizeRemotePath('')).toThrow(/invalid remote path/);
    expect(() => normalizeRemotePath('a\u0000b')).toThrow(/invalid remote path/);
  });

  it('tells a directory by its form', () => {
    expect(namesDirectory('dir/')).toBe(true);
    expect(namesDirectory('~')).toBe(true);
    expect(namesDirectory('.')).toBe(true);
    expect(namesDirectory('/tmp/file')).toBe(false);
  });

  it('joins', () => {
    expect(remoteJoin('/tmp', 'a/b')).toBe('/tmp/a/b');
    expect(remoteJoin('/', 'a')).toBe('/a');
    expect(remoteJoin('.', 'a')).toBe('a');
    expect(remoteJoin('/tmp', '')).toBe('/tmp');
  });

  it('puts temps beside their target, hidden, marked, random, and within NAME_MAX', () => {
    const a = tempPathFor('/srv/app/config.yaml');
    const b = tempPathFor('/srv/app/config.yaml');
    expect(a).toMatch(/^\/srv\/app\/\.config\.yaml\.fleet-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
    expect(tempPathFor('file')).toMatch(/^\.file\.fleet-[0-9a-f]{12}$/);
    expect(tempPathFor('/top')).toMatch(/^\/\.top\.fleet-/);
    const long = tempPathFor(`/d/${'é'.repeat(200)}`);
    expect(Buffer.byteLength(long.split('/').at(-1) as string)).toBeLessThanOrEqual(255);
  });

  it('keeps a path starting with - from reading as an option', () => {
    expect(commandPath('-rf')).toBe('./-rf');
    expect(commandPath('/tmp/-x')).toBe('/tmp/-x');
  });
});

describe('isTempNameFor', () => {
  it('knows the temps tempPathFor makes for a target, and only those', () => {
    for (const target of ['/srv/app.tar', 'rel/x', 'x', `/d/${'n'.repeat(300)}`]) {
      const temp = tempPathFor(target);
      expect(isTempNameFor(target, temp.slice(temp.lastIndexOf('/') + 1)), target).toBe(true);
    }
    expect(isTempNameFor('/srv/app.tar', '.app.tar.fleet-0123456789ab')).toBe(true);
    expect(isTempNameFor('/srv/app.tar', '.app.tar.fleet-0123456789')).toBe(false);
    expect(isTempNameFor('/srv/app.tar', '.app.tar.fleet-0123456789abc')).toBe(false);
    expect(isTempNameFor('/srv/app.tar', '.other.fleet-0123456789ab')).toBe(false);
    expect(isTempNameFor('/srv/app.tar', 'app.tar')).toBe(false);
  });
});
