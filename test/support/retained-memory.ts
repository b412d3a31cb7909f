import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface RetainedMemorySampler {
  /** Stops sampling and returns the peak of heap plus array buffers above the starting figure. */
  stop(): number;
}

/**
 * Samples what the process holds, not what it has allocated: each sample follows a full GC.
 * Without it, the figure counts garbage the collector has not reached yet, which moves with GC
 * timing and so with whatever else shares the machine (a bound that flakes, or one set so loose
 * that it cannot catch a leak). A leak still shows: what is retained is still there after a GC.
 */
export function sampleRetainedMemory(everyMs = 50): RetainedMemorySampler {
  const collect = exposedGc();
  const held = (): number => {
    collect();
    const now = process.memoryUsage();
    return now.heapUsed + now.arrayBuffers;
  };
  const base = held();
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, held() - base)), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, held() - base);
    },
  };
}

// V8 only installs gc() in contexts made after the flag is set, so a fresh context hands it over.
function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
