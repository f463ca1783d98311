/** One tracing setting a benchmark runs a platform with (`--tracing off,1,default`). */
export interface TracingSetting {
  label: string;
  env: Record<string, string>;
}

/**
 * `off` (no spans at all: MERCATO_TRACING=off), `default` (the platform's own settings) or a sample
 * rate from 0 to 1; undefined when the option is absent (the platform's own settings, unlabelled).
 */
export function tracingSettings(option: string | undefined): TracingSetting[] | undefined {
  if (option === undefined) return undefined;
  return option.split(',').map((value): TracingSetting => {
    if (value === 'off') return { label: 'off', env: { MERCATO_TRACING: 'off' } };
    if (value === 'default') return { label: 'default', env: {} };
    const rate = Number(value);
    if (!/^(0|1|0?\.\d+)$/.test(value) || rate < 0 || rate > 1)
      throw new RangeError(`--tracing takes off, default or a rate from 0 to 1 (got ${value})`);
    return { label: `${rate * 100}%`, env: { MERCATO_TRACING: 'on', MERCATO_TRACE_SAMPLE_RATE: value } };
  });
}
