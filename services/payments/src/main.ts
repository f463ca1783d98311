import { runService } from '@mercato/kit';
import { paymentsDefinition } from './app.ts';

await runService(paymentsDefinition());
