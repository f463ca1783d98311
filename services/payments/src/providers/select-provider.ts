import type { PaymentProvider } from './payment-provider.ts';
import { SandboxProvider } from './sandbox-provider.ts';

export const PROVIDER_NAMES = ['sandbox'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/**
 * The provider `PAYMENTS_PROVIDER` names. A real adapter is one more file beside the sandbox that
 * implements `PaymentProvider`, one more name above and one more case here (with its own settings
 * in the service's config); the saga, the worker and the store do not change.
 */
export function selectProvider(name: ProviderName, deps: { databaseUrl: string; sandboxDelayMs: number }): PaymentProvider {
  switch (name) {
    case 'sandbox':
      return new SandboxProvider(deps.databaseUrl, deps.sandboxDelayMs);
  }
}
