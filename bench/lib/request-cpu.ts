import type { MeasuredWindow } from './mix.ts';
import { type CpuSnapshot, cpuMsBetween, cpuSnapshot } from './proc-cpu.ts';
import type { RunScope } from './proc-tree.ts';

/**
 * CPU per request for each process of the run over a mix's measured window (µs per request, so a
 * browse mix's small figures read as whole numbers), largest first, with the total.
 */
export class RequestCpu implements MeasuredWindow {
  readonly #scope: RunScope;
  #before: CpuSnapshot | undefined;
  #after: CpuSnapshot | undefined;

  constructor(scope: RunScope) {
    this.#scope = scope;
  }

  async begin(): Promise<void> {
    this.#before = await cpuSnapshot(this.#scope);
  }

  async end(): Promise<void> {
    this.#after = await cpuSnapshot(this.#scope);
  }

  rows(requests: number): Record<string, string | number>[] {
    if (!this.#before || !this.#after || requests === 0) return [];
    const cpu = [...cpuMsBetween(this.#before, this.#after)].filter(([, ms]) => ms > 0).sort((a, b) => b[1] - a[1]);
    const perRequest = (ms: number) => Math.round((ms * 1000) / requests);
    const total = cpu.reduce((sum, [, ms]) => sum + ms, 0);
    return [
      ...cpu.map(([process, ms]) => ({ process, 'CPU µs/request': perRequest(ms) })),
      { process: 'total', 'CPU µs/request': perRequest(total) },
    ];
  }
}
