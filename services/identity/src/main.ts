import { runService } from '@mercato/kit';
import { identityDefinition } from './app.ts';

await runService(identityDefinition());
