import { Link } from '../lib/router.tsx';
import { useTitle } from '../lib/title.ts';

export function NotFoundPage() {
  useTitle('Not found');
  return (
    <div class="page narrow">
      <h1>Page not found</h1>
      <p>We could not find what you were looking for. It may have moved, or the link may be mistyped.</p>
      <p>
        <Link href="/" class="button">
          Go to the home page
        </Link>
      </p>
    </div>
  );
}
