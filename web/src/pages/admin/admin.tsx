import { Link, matchPath, useLocation } from '../../lib/router.tsx';
import { StaffOnly } from './guard.tsx';
import { AdminOrderPage, AdminOrdersPage } from './orders.tsx';
import { ProductEditPage, ProductsAdminPage } from './products.tsx';
import { StockPage } from './stock.tsx';

const TABS: [string, string][] = [
  ['/admin/products', 'Products'],
  ['/admin/stock', 'Stock'],
  ['/admin/orders', 'Orders'],
];

function AdminContent({ path }: { path: string }) {
  if (path === '/admin' || path === '/admin/' || path === '/admin/products') return <ProductsAdminPage />;
  if (path === '/admin/products/new') return <ProductEditPage id={undefined} />;
  const product = matchPath('/admin/products/:id', path);
  if (product?.id) return <ProductEditPage id={product.id} />;
  if (path === '/admin/stock') return <StockPage />;
  if (path === '/admin/orders') return <AdminOrdersPage />;
  const order = matchPath('/admin/orders/:id', path);
  if (order?.id) return <AdminOrderPage id={order.id} />;
  return (
    <div>
      <h1>Page not found</h1>
      <p>There is no such admin page.</p>
    </div>
  );
}

export function AdminPage() {
  const { path } = useLocation();
  return (
    <StaffOnly what="manage the shop">
      <div class="page">
        <nav class="tabs" aria-label="Admin sections">
          <ul>
            {TABS.map(([href, label]) => {
              const active = path.startsWith(href) || (href === '/admin/products' && (path === '/admin' || path === '/admin/'));
              return (
                <li key={href}>
                  <Link href={href} aria-current={active ? 'page' : undefined}>
                    {label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <AdminContent path={path} />
      </div>
    </StaffOnly>
  );
}
