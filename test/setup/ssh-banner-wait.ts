import type { BoundPorts, WaitStrategy } from 'testcontainers';
import { waitForSshBanner } from './banner.js';

/** testcontainers wait strategy: ready when 127.0.0.1:<mapped 22> sends an `SSH-` banner. */
export class SshBannerWaitStrategy implements WaitStrategy {
  #timeoutMs = 60_000;
  #timeoutSet = false;

  async waitUntilReady(_container: unknown, boundPorts: BoundPorts): Promise<void> {
    await waitForSshBanner('127.0.0.1', boundPorts.getBinding(22), { timeoutMs: this.#timeoutMs });
  }

  withStartupTimeout(startupTimeoutMs: number): this {
    this.#timeoutMs = startupTimeoutMs;
    this.#timeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.#timeoutSet;
  }

  getStartupTimeout(): number {
    return this.#timeoutMs;
  }
}
