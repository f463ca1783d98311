import type { ComponentType } from 'preact';
import { lazy, Suspense } from 'preact/compat';
import { useEffect } from 'preact/hooks';
import { loadCart } from './lib/cart.ts';
import { matchPath, useLocation } from './lib/router.tsx';
import { useSession } from './lib/session.ts';
import { dismissOnNavigation } from './lib/toast.ts';
import { AccountPage } from './pages/account.tsx';
import { CartPage } from './pages/cart.tsx';
import { CategoryPage } from './pages/category.tsx';
import { CheckoutPage } from './pages/checkout.tsx';
import { HomePage } from './pages/home.tsx';
import { NotFoundPage } from './pages/not-found.tsx';
import { OrderPage } from './pages/order.tsx';
import { OrdersPage } from './pages/orders.tsx';
import { ProductPage } from './pages/product.tsx';
import { SearchPage } from './pages/search.tsx';
import { SignInPage, SignUpPage } from './pages/sign-in.tsx';
import { Header } from './ui/header.tsx';
import { Loading } from './ui/status.tsx';
import { Toasts } from './ui/toasts.tsx';

// Staff pages load only when a person opens them: a shopper's first visit never downloads them.
const AdminPage = lazy(() => import('./pages/admin/admin.tsx').then((m) => m.AdminPage));
const OpsPage = lazy(() => import('./pages/ops/ops.tsx').then((m) => m.OpsPage));

type Params = Record<string, string>;
const ROUTES: [string, ComponentType<{ params: Params }>][] = [
  ['/', HomePage],
  ['/categories/:slug', CategoryPage],
  ['/search', SearchPage],
  ['/products/:slug', ProductPage],
  ['/cart', CartPage],
  ['/checkout', CheckoutPage],
  ['/orders', OrdersPage],
  ['/orders/:id', OrderPage],
  ['/account', AccountPage],
  ['/sign-in', SignInPage],
  ['/sign-up', SignUpPage],
];

function pageFor(path: string): [ComponentType<{ params: Params }>, Params] {
  if (path === '/admin' || path.startsWith('/admin/')) return [AdminPage as ComponentType<{ params: Params }>, {}];
  if (path === '/ops' || path.startsWith('/ops/')) return [OpsPage as ComponentType<{ params: Params }>, {}];
  for (const [pattern, page] of ROUTES) {
    const params = matchPath(pattern, path);
    if (params) return [page, params];
  }
  return [NotFoundPage, {}];
}

export function App() {
  const { path } = useLocation();
  const signedIn = useSession();
  const userId = signedIn?.user.id;
  useEffect(() => {
    loadCart().catch(() => undefined);
  }, [userId]);
  useEffect(() => dismissOnNavigation(), [path]);
  const [Page, params] = pageFor(path);
  return (
    <>
      <a href="#main" class="skip-link">
        Skip to content
      </a>
      <Header />
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Page key={path} params={params} />
        </Suspense>
      </main>
      <footer class="site-footer">
        <p>Mercato — an open-source shop. Test cards only: no real payment is taken.</p>
      </footer>
      <Toasts />
    </>
  );
}
