import { useState } from 'preact/hooks';
import { api } from '../../lib/api.ts';
import { ApiError, describeError } from '../../lib/problem.ts';
import { useTitle } from '../../lib/title.ts';
import { toast } from '../../lib/toast.ts';
import { usePagedList } from '../../lib/use-paged-list.ts';
import { Field } from '../../ui/field.tsx';
import { LoadMore } from '../../ui/load-more.tsx';
import { Empty, Failed, Loading } from '../../ui/status.tsx';

interface StockRow {
  sku: string;
  onHand: number;
  reserved: number;
  available: number;
}

function StockLine({ row, onSaved }: { row: StockRow; onSaved: (r: StockRow) => void }) {
  const [value, setValue] = useState(String(row.onHand));
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  return (
    <tr>
      <th scope="row">{row.sku}</th>
      <td>{row.onHand}</td>
      <td>{row.reserved}</td>
      <td>{row.available}</td>
      <td>
        <form
          class="inline-form"
          noValidate
          onSubmit={async (e) => {
            e.preventDefault();
            if (!/^\d{1,8}$/.test(value.trim())) return setError('A whole number, 0 or more.');
            setBusy(true);
            setError(undefined);
            try {
              const saved = await api<StockRow>(`/api/inventory/${encodeURIComponent(row.sku)}`, {
                method: 'PUT',
                auth: true,
                body: { onHand: Number(value.trim()) },
              });
              onSaved(saved);
              toast(`${row.sku}: ${saved.onHand} on hand`, 'success');
            } catch (err) {
              if (err instanceof ApiError && err.status === 409) setError(`${row.reserved} are reserved: set at least that many.`);
              else setError(describeError(err));
            } finally {
              setBusy(false);
            }
          }}
        >
          <Field
            label={`On hand for ${row.sku}`}
            class="compact"
            inputMode="numeric"
            value={value}
            error={error}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
          <button type="submit" class="button button-secondary" disabled={busy}>
            Set
          </button>
        </form>
      </td>
    </tr>
  );
}

export function StockPage() {
  useTitle('Admin · Stock');
  const [filter, setFilter] = useState('');
  const [skus, setSkus] = useState('');
  const list = usePagedList<StockRow>(skus ? `/api/admin/inventory?skus=${encodeURIComponent(skus)}` : '/api/admin/inventory', {
    limit: 50,
    auth: true,
  });
  const rows = list.items;
  return (
    <section>
      <h1>Stock</h1>
      <form
        class="inline-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSkus(
            filter
              .split(/[\s,]+/)
              .filter(Boolean)
              .join(','),
          );
        }}
      >
        <Field label="Find SKUs (comma separated)" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        <button type="submit" class="button button-secondary">
          Find
        </button>
      </form>
      {list.state === 'loading' && <Loading />}
      {list.state === 'failed' && rows.length === 0 && <Failed error={list.error} />}
      {list.state === 'ready' && rows.length === 0 && <Empty title="No stock found" />}
      {list.state !== 'loading' && rows.length > 0 && (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">SKU</th>
              <th scope="col">On hand</th>
              <th scope="col">Reserved</th>
              <th scope="col">Available</th>
              <th scope="col">Set on hand</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <StockLine key={r.sku} row={r} onSaved={(saved) => list.setItems(rows.map((x) => (x.sku === saved.sku ? saved : x)))} />
            ))}
          </tbody>
        </table>
      )}
      <LoadMore list={list} />
    </section>
  );
}
