import { runService } from '@mercato/kit';
import { catalogDefinition } from './app.ts';

await runService(catalogDefinition());
