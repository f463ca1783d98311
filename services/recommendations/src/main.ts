import { runService } from '@mercato/kit';
import { recommendationsDefinition } from './app.ts';

await runService(recommendationsDefinition());
