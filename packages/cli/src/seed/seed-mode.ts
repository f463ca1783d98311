import { UserError } from '../user-error.ts';

export type SeedMode = 'demo' | 'none';

/** `MERCATO_SEED`: `demo` (the default) or `none`; anything else stops the start with one line. */
export function seedModeOf(env: NodeJS.ProcessEnv): SeedMode {
  const mode = env.MERCATO_SEED || 'demo';
  if (mode !== 'demo' && mode !== 'none') throw new UserError(`MERCATO_SEED must be demo or none (got ${JSON.stringify(mode)}).`);
  return mode;
}
