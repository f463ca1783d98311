import { runService } from '@mercato/kit';
import { ordersDefinition } from './app.ts';

await runService(ordersDefinition());
