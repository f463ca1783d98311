import { useEffect, useState } from 'preact/hooks';
import { cart, changeCart, loadCart } from '../lib/cart.ts';
import { describeError } from '../lib/problem.ts';
import { Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.ts';
import { useStore } from '../lib/store.ts';
import { useTitle } from '../lib/title.ts';
import { toast } from '../lib/toast.ts';
import type { CartLine } from '../lib/types.ts';
import { Price } from '../ui/money.tsx';
import { Empty, Failed, Loading } from '../ui/status.tsx';
import { SignInNeeded } from './sign-in.tsx';

function LineRow({ line, busy, onChange }: { line: CartLine; busy: boolean; onChange: (sku: string, quantity: number) => void }) {
  const id = `qty-${line.sku}`;
  return (
    <li class="cart-line">
      <div class="cart-line-name">
        <span class="line-name">{line.name}</span>
        <span class="line-unit">
          <Price money={line.unitPrice} /> each
        </span>
      </div>
      <div class="field field-inline">
        <label for={id}>Quantity of {line.name}</label>
        <select id={id} value={line.quantity} disabled={busy} onChange={(e) => onChange(line.sku, Number(e.currentTarget.value))}>
          {Array.from({ length: Math.max(10, line.quantity) }, (_, i) => i + 1).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </div>
      <Price money={line.lineTotal} class="price line-total" />
      <button type="button" class="button button-link" disabled={busy} onClick={() => onChange(line.sku, 0)}>
        Remove <span class="visually-hidden">{line.name}</span>
      </button>
    </li>
  );
}

export function CartPage() {
  useTitle('Your cart');
  const signedIn = useSession();
  const current = useStore(cart);
  const [state, setState] = useState<'loading' | 'ready' | 'failed'>('loading');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!signedIn) return;
    loadCart().then(
      () => setState('ready'),
      (e: unknown) => {
        setError(e);
        setState('failed');
      },
    );
  }, [signedIn]);

  if (!signedIn) return <SignInNeeded what="see your cart" />;
  if (state === 'loading' && !current) return <Loading label="Loading your cart…" />;
  if (state === 'failed') return <Failed error={error} />;
  if (!current || current.lines.length === 0)
    return (
      <div class="page narrow">
        <h1>Your cart</h1>
        <Empty title="Your cart is empty">
          <p>
            <Link href="/search" class="button">
              Start shopping
            </Link>
          </p>
        </Empty>
      </div>
    );

  const change = async (sku: string, quantity: number) => {
    setBusy(true);
    try {
      if (quantity === 0) await changeCart(`/api/cart/items/${encodeURIComponent(sku)}`, 'DELETE');
      else await changeCart(`/api/cart/items/${encodeURIComponent(sku)}`, 'PATCH', { quantity });
    } catch (e) {
      toast(describeError(e), 'error');
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="page narrow">
      <h1>Your cart</h1>
      <ul class="cart-lines" aria-label="Items in your cart">
        {current.lines.map((line) => (
          <LineRow key={line.sku} line={line} busy={busy} onChange={change} />
        ))}
      </ul>
      <div class="cart-summary">
        <p>
          Subtotal ({current.itemCount} {current.itemCount === 1 ? 'item' : 'items'}):{' '}
          <Price money={current.subtotal} class="price price-large" />
        </p>
        <p class="muted">Shipping is added at checkout. Stock is checked when you place the order.</p>
        <Link href="/checkout" class="button button-large">
          Go to checkout
        </Link>
      </div>
    </div>
  );
}
