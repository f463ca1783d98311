import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection without starting Node with `--expose-gc`: the flag is set at run time and
 * `gc` taken from a fresh context (V8 installs it only in contexts made after the flag). Two passes,
 * so what the first freed (weak references, finalisers) is gone too before memory is read.
 */
let gc: (() => void) | undefined;

export function settle(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  gc();
}

export interface MemoryFigures {
  heapUsed: number;
  heapTotal: number;
  rss: number;
}

/** process.memoryUsage() after settle(), in bytes. */
export function settledMemory(): MemoryFigures {
  settle();
  const { heapUsed, heapTotal, rss } = process.memoryUsage();
  return { heapUsed, heapTotal, rss };
}

export const mib = (bytes: number): number => Math.round(bytes / 2 ** 20);
