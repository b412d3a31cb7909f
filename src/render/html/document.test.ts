import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { recordRun } from '../__fixtures__/run-events.js';
import { embedJson, renderHtmlReport } from './document.js';

const HOSTILE = '</script><script>document.title="pwned"</script>\n<img src=x onerror="document.title=1">\n<!-- \u2028';

function scriptBlocks(html: string): string[] {
  return [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
}

describe('renderHtmlReport', () => {
  const html = renderHtmlReport(recordRun('cat motd', [{ host: 'h1', output: [['stdout', HOSTILE]] }, { host: 'h2' }]), { exitCode: 0 });

  it('remote output never becomes markup: it is only inside the JSON block, with < > & escaped', () => {
    expect(html).not.toContain('<img');
    expect(html).not.toContain('pwned"</script>');
    // Exactly the two script elements of the template: the data and the client.
    const blocks = scriptBlocks(html);
    expect(blocks).toHaveLength(2);
    // The data block parses back to the exact output.
    const data = JSON.parse(blocks[0] ?? '') as { groups: { text: string }[] };
    expect(data.groups.map((g) => g.text)).toContain(`${HOSTILE}\n`);
  });

  it('the CSP allows only the inline script and style by hash, and no source of requests', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    const client = scriptBlocks(html)[1] ?? '';
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    const hash = (text: string): string => createHash('sha256').update(text).digest('base64');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`script-src 'sha256-${hash(client)}'`);
    expect(csp).toContain(`style-src 'sha256-${hash(style)}'`);
    expect(csp).not.toMatch(/unsafe|connect-src|https?:/);
    // No inline handlers anywhere in the template, and nothing that loads from elsewhere.
    const template = html.replace(/(<script type="application\/json" id="fleet-data">)[\s\S]*?(<\/script>)/, '$1$2');
    expect(template).not.toMatch(/\son[a-z]+=/i);
    expect(template).not.toMatch(/(src|href)=|https?:\/\//);
  });

  it('embedJson escapes what could end or comment out a script element', () => {
    expect(embedJson({ a: '</script><!--&\u2029' })).toBe('{"a":"\\u003c/script\\u003e\\u003c!--\\u0026\\u2029"}');
  });

  it('1,000 hosts with short outputs make a report of at most 3 MB', () => {
    const scripts = Array.from({ length: 1000 }, (_, i) => {
      const host = `web${String(i + 1).padStart(4, '0')}`;
      if (i % 10 === 3) return { host, status: 'unreachable' as const, error: { code: 'FLEET_CONNECT_TIMEOUT' as const, message: `connect to 10.0.${i >> 8}.${i & 255}:22 timed out after 10s` } };
      return { host, output: [['stdout', `${host}\nLinux 6.1.0-${i % 7} x86_64\nup 3 days, load 0.${i % 10}\n`] as const], exitCode: i % 25 === 0 ? 1 : 0 };
    });
    const report = renderHtmlReport(recordRun('uname -a; uptime', scripts, 12_000));
    expect(Buffer.byteLength(report)).toBeLessThanOrEqual(3 * 1024 * 1024);
    expect(Buffer.byteLength(report)).toBeGreaterThan(100 * 1024); // it does hold the 1,000 hosts
  });
});
