import { runService } from '@mercato/kit';
import { registryDefinition } from './app.ts';

await runService(registryDefinition());
