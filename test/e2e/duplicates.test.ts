/** See ./duplicates-spec.ts; traced with the X-Ray SDK (UDP daemon). */
import { duplicatesSpec } from './duplicates-spec';

duplicatesSpec('xray');
