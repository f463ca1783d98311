import { runService } from '@mercato/kit';
import { gatewayDefinition } from './app.ts';

await runService(gatewayDefinition());
