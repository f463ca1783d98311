import { runService } from '@mercato/kit';
import { inventoryDefinition } from './app.ts';

await runService(inventoryDefinition());
