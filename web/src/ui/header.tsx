import { useEffect, useState } from 'preact/hooks';
import { cart } from '../lib/cart.ts';
import { Link, navigate, useLocation } from '../lib/router.tsx';
import { isAdmin, useSession } from '../lib/session.ts';
import { useStore } from '../lib/store.ts';

function CartIcon() {
  return (
    <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
      <path
        d="M3 4h2l2.4 10.2a2 2 0 0 0 2 1.6h7.7a2 2 0 0 0 1.9-1.5L21 8H6.2"
        fill="none"
        stroke="currentColor"
        stroke-width="2"
        stroke-linecap="round"
        stroke-linejoin="round"
      />
      <circle cx="10" cy="20" r="1.5" fill="currentColor" />
      <circle cx="17" cy="20" r="1.5" fill="currentColor" />
    </svg>
  );
}

export function Header() {
  const signedIn = useSession();
  const currentCart = useStore(cart);
  const { path, query } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const [search, setSearch] = useState(path === '/search' ? (query.get('q') ?? '') : '');
  useEffect(() => {
    setMenuOpen(false);
    if (path !== '/search') setSearch('');
  }, [path]);
  const count = currentCart?.itemCount ?? 0;
  const admin = isAdmin(signedIn);
  return (
    <header class="site-header">
      <div class="header-inner">
        <Link href="/" class="logo">
          <span class="logo-mark" aria-hidden="true">
            M
          </span>
          <span class="logo-word">Mercato</span>
        </Link>
        <form
          class="header-search"
          role="search"
          onSubmit={(event) => {
            event.preventDefault();
            navigate(`/search?q=${encodeURIComponent(search.trim())}`);
          }}
        >
          <label for="site-search" class="visually-hidden">
            Search products
          </label>
          <input
            id="site-search"
            type="search"
            placeholder="Search products"
            value={search}
            maxLength={200}
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
          <button type="submit" class="button">
            Search
          </button>
        </form>
        <button type="button" class="menu-button" aria-expanded={menuOpen} aria-controls="site-nav" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <nav id="site-nav" class={`site-nav ${menuOpen ? 'open' : ''}`} aria-label="Main">
          <ul>
            <li>
              <Link href="/search">Shop all</Link>
            </li>
            {signedIn && (
              <li>
                <Link href="/orders">Orders</Link>
              </li>
            )}
            {admin && (
              <li>
                <Link href="/admin">Admin</Link>
              </li>
            )}
            {admin && (
              <li>
                <Link href="/ops">Ops</Link>
              </li>
            )}
            <li>{signedIn ? <Link href="/account">Account</Link> : <Link href="/sign-in">Sign in</Link>}</li>
          </ul>
        </nav>
        <Link href="/cart" class="cart-link" aria-label={`Cart, ${count} ${count === 1 ? 'item' : 'items'}`}>
          <CartIcon />
          <span class="cart-count" data-testid="cart-count">
            {count}
          </span>
        </Link>
      </div>
    </header>
  );
}
