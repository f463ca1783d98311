import { formatMoney } from '../lib/money.ts';
import type { Money } from '../lib/types.ts';

export function Price({ money, class: className }: { money: Money; class?: string }) {
  return <span class={className ?? 'price'}>{formatMoney(money)}</span>;
}
