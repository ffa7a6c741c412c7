/** See ./pipeline-spec.ts; traced with the X-Ray SDK (UDP daemon). */
import { pipelineSpec } from './pipeline-spec';

pipelineSpec('xray');
