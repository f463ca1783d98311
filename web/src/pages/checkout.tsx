import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { cart, loadCart } from '../lib/cart.ts';
import { ApiError, describeError } from '../lib/problem.ts';
import { Link, navigate } from '../lib/router.tsx';
import { useSession } from '../lib/session.ts';
import { useStore } from '../lib/store.ts';
import { useTitle } from '../lib/title.ts';
import { toast } from '../lib/toast.ts';
import type { Address, Order, Profile } from '../lib/types.ts';
import { AddressFields, cleanAddress, EMPTY_ADDRESS, errorsUnder } from '../ui/address-form.tsx';
import { Price } from '../ui/money.tsx';
import { Empty, Loading } from '../ui/status.tsx';
import { SignInNeeded } from './sign-in.tsx';

/** The sandbox provider's cards (API.md): labelled as test cards, so nobody types a real one. */
export const TEST_CARDS: { token: string; label: string }[] = [
  { token: 'tok_visa', label: 'Visa •••• 4242 (test)' },
  { token: 'tok_mastercard', label: 'Mastercard •••• 4444 (test)' },
  { token: 'tok_declined', label: 'Card that is declined (test)' },
  { token: 'tok_insufficient_funds', label: 'Card without funds (test)' },
  { token: 'tok_provider_error', label: 'Card whose bank does not answer (test)' },
];

export function CheckoutPage() {
  useTitle('Checkout');
  const signedIn = useSession();
  const current = useStore(cart);
  const [address, setAddress] = useState<Address>(EMPTY_ADDRESS);
  const [saveAddress, setSaveAddress] = useState(true);
  const [card, setCard] = useState('tok_visa');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [ready, setReady] = useState(false);
  const [placing, setPlacing] = useState(false);
  /** One key per attempt: a double click or a retry after a lost answer places the same order, never a second. */
  const attemptKey = useRef<string | undefined>(undefined);

  useEffect(() => {
    if (!signedIn) return;
    Promise.all([api<Profile>('/api/me', { auth: true }), loadCart()])
      .then(([profile]) => {
        if (profile.address) setAddress({ ...EMPTY_ADDRESS, ...profile.address });
        setSaveAddress(!profile.address);
      })
      .catch((e: unknown) => toast(describeError(e), 'error'))
      .finally(() => setReady(true));
  }, [signedIn]);

  if (!signedIn) return <SignInNeeded what="check out" />;
  if (!ready) return <Loading label="Loading checkout…" />;
  if (!current || current.lines.length === 0)
    return (
      <div class="page narrow">
        <h1>Checkout</h1>
        <Empty title="Your cart is empty">
          <Link href="/search">Find something you like</Link>
        </Empty>
      </div>
    );

  const place = async () => {
    if (placing) return;
    setPlacing(true);
    setErrors({});
    attemptKey.current ??= crypto.randomUUID();
    const shippingAddress = cleanAddress(address);
    try {
      const order = await api<Order>('/api/orders', {
        method: 'POST',
        auth: true,
        headers: { 'idempotency-key': attemptKey.current },
        body: { shippingAddress, paymentToken: card },
      });
      attemptKey.current = undefined;
      if (saveAddress) api('/api/me', { method: 'PATCH', auth: true, body: { address: shippingAddress } }).catch(() => undefined);
      void loadCart().catch(() => undefined);
      navigate(`/orders/${order.id}`);
    } catch (e) {
      // An answer that says no ends the attempt; a lost answer keeps its key so trying again is safe.
      if (e instanceof ApiError) attemptKey.current = undefined;
      if (e instanceof ApiError && e.errors.length > 0) setErrors(e.fieldErrors());
      else toast(describeError(e), 'error');
    } finally {
      setPlacing(false);
    }
  };

  return (
    <div class="page">
      <h1>Checkout</h1>
      <form
        class="checkout"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void place();
        }}
      >
        <div class="checkout-main">
          <fieldset class="form-card">
            <legend>Shipping address</legend>
            <AddressFields
              value={address}
              onChange={(next) => {
                attemptKey.current = undefined;
                setAddress(next);
              }}
              errors={errorsUnder(errors, 'shippingAddress')}
            />
            <label class="checkbox">
              <input type="checkbox" checked={saveAddress} onChange={(e) => setSaveAddress(e.currentTarget.checked)} />
              Save this address to my profile
            </label>
          </fieldset>
          <fieldset class="form-card">
            <legend>Payment</legend>
            <p class="muted">This shop runs in test mode: choose a test card. No real card is charged.</p>
            <div class="card-choices">
              {TEST_CARDS.map((c) => (
                <label key={c.token} class="radio">
                  <input
                    type="radio"
                    name="card"
                    value={c.token}
                    checked={card === c.token}
                    onChange={() => {
                      attemptKey.current = undefined;
                      setCard(c.token);
                    }}
                  />
                  {c.label}
                </label>
              ))}
            </div>
            {errors.paymentToken && <p class="field-error">{errors.paymentToken}</p>}
          </fieldset>
        </div>
        <aside class="form-card order-summary" aria-label="Order summary">
          <h2>Order summary</h2>
          <ul>
            {current.lines.map((l) => (
              <li key={l.sku}>
                <span>
                  {l.quantity} × {l.name}
                </span>
                <Price money={l.lineTotal} />
              </li>
            ))}
          </ul>
          <p class="summary-total">
            Subtotal <Price money={current.subtotal} />
          </p>
          <p class="muted">Shipping is calculated when the order is placed.</p>
          <button type="submit" class="button button-large" disabled={placing}>
            {placing ? 'Placing your order…' : 'Place order'}
          </button>
        </aside>
      </form>
    </div>
  );
}
