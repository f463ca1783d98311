import { runService } from '@mercato/kit';
import { cartDefinition } from './app.ts';

await runService(cartDefinition());
