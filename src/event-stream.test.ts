import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { FleetEventStream } from './event-stream.js';
import type { FleetEvent } from './events.js';

const stdout = (host: string, data: string): FleetEvent => ({ type: 'stdout', host, data });
const exit = (host: string): FleetEvent => ({ type: 'exit', host, status: 'ok', exitCode: 0, signal: null, durationMs: 1 });

describe('FleetEventStream', () => {
  it('calls typed listeners for their type, "*" for all, until unsubscribed', () => {
    const stream = new FleetEventStream();
    const exits: string[] = [];
    const all: string[] = [];
    const off = stream.on('exit', (e) => exits.push(`${e.host}:${e.exitCode}`));
    stream.on('*', (e) => all.push(e.type));
    stream.emit(stdout('a', 'x'));
    stream.emit(exit('a'));
    off();
    stream.emit(exit('b'));
    expect(exits).toEqual(['a:0']);
    expect(all).toEqual(['stdout', 'exit', 'exit']);
  });

  it('iterators get events from their start, filtered by type, and end on close', async () => {
    const stream = new FleetEventStream();
    stream.emit(exit('before'));
    const onlyExits = stream.iterate({ types: ['exit'] });
    const everything = stream.iterate();
    stream.emit(stdout('a', 'x'));
    stream.emit(exit('a'));
    stream.close();
    const collect = async (it: AsyncIterable<FleetEvent>) => {
      const out: string[] = [];
      for await (const e of it) out.push(`${e.type}:${'host' in e ? e.host : ''}`);
      return out;
    };
    expect(await collect(onlyExits)).toEqual(['exit:a']);
    expect(await collect(everything)).toEqual(['stdout:a', 'exit:a']);
    // After close, new iterators end at once.
    expect(await collect(stream.iterate())).toEqual([]);
  });

  it('a waiting consumer is woken by the next event; break detaches it; a signal ends it', async () => {
    const stream = new FleetEventStream();
    const controller = new AbortController();
    const seen: string[] = [];
    const consumer = (async () => {
      for await (const e of stream.iterate({ signal: controller.signal })) seen.push(e.type);
    })();
    await Promise.resolve();
    stream.emit(exit('a'));
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await consumer;
    expect(seen).toEqual(['exit']);

    const iterator = stream.iterate();
    stream.emit(exit('b'));
    for await (const _ of iterator) break;
    stream.emit(exit('c')); // nobody listens: nothing buffered, nothing thrown
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('an iterator that ends lets go of its signal: many in turn with one signal leave no listener', async () => {
    const stream = new FleetEventStream();
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) {
      const iterator = stream.iterate({ signal: controller.signal });
      stream.emit(exit('a'));
      await iterator.next();
      await iterator.return?.();
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('overflow: yields what it buffered, then rejects with FLEET_EVENTS_OVERFLOW', async () => {
    const stream = new FleetEventStream();
    const iterator = stream.iterate({ bufferSize: 2 });
    for (const host of ['a', 'b', 'c', 'd']) stream.emit(exit(host));
    expect((await iterator.next()).value).toMatchObject({ host: 'a' });
    expect((await iterator.next()).value).toMatchObject({ host: 'b' });
    await expect(iterator.next()).rejects.toMatchObject({ code: 'FLEET_EVENTS_OVERFLOW' });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(() => stream.iterate({ bufferSize: 0 })).toThrow(TypeError);
  });
});
