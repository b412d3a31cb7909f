import { describe, expect, it } from 'vitest';
import { FleetError } from '../../errors.js';
import { encodeFrame, Frame, FrameReader, fromWireError, HelloReader, MAX_FRAME_BYTES, toWireError } from './protocol.js';

describe('keeper frames', () => {
  it('reassemble whatever the chunking, binary payloads intact', () => {
    const payload = Buffer.from([0, 0xff, 0x0a, 0xc3, 0x28, 1, 2, 3]);
    const wire = Buffer.concat([encodeFrame(Frame.Stdout, payload), encodeFrame(Frame.Stderr, 'err'), encodeFrame(Frame.StdinEnd)]);
    for (let cut = 1; cut < wire.length; cut += 1) {
      const reader = new FrameReader();
      const frames = [...reader.push(wire.subarray(0, cut)), ...reader.push(wire.subarray(cut))];
      expect(frames.map((f) => [f.type, f.payload.toString('hex')])).toEqual([
        [Frame.Stdout, payload.toString('hex')],
        [Frame.Stderr, Buffer.from('err').toString('hex')],
        [Frame.StdinEnd, ''],
      ]);
    }
  });

  it('refuse a frame over the size limit instead of buffering it', () => {
    const head = Buffer.alloc(5);
    head[0] = Frame.Stdout;
    head.writeUInt32BE(MAX_FRAME_BYTES + 1, 1);
    expect(() => new FrameReader().push(head)).toThrow(/exceeds the limit/);
  });

  it('the hello line leaves the bytes after it undecoded', () => {
    const frame = encodeFrame(Frame.Stdin, Buffer.from([0xff, 0xfe, 0x0a]));
    const reader = new HelloReader();
    const line = Buffer.from(`${JSON.stringify({ token: 't', op: 'exec' })}\n`);
    expect(reader.push(line.subarray(0, 5))).toBeUndefined();
    const got = reader.push(Buffer.concat([line.subarray(5), frame]));
    expect(got?.hello).toEqual({ token: 't', op: 'exec' });
    expect(got?.rest.equals(frame)).toBe(true);
  });

  it('FleetErrors cross with code, message, host and details', () => {
    const error = new FleetError('FLEET_TIMEOUT', 'web1: timed out', { host: 'web1', details: { timeoutMs: 5 } });
    const back = fromWireError(JSON.parse(JSON.stringify(toWireError(error))) as ReturnType<typeof toWireError>);
    expect(back).toBeInstanceOf(FleetError);
    expect([back.code, back.message, back.context]).toEqual(['FLEET_TIMEOUT', 'web1: timed out', { host: 'web1', details: { timeoutMs: 5 } }]);
  });
});
