/** See ./pipeline-spec.ts; traced with OpenTelemetry (OTLP/HTTP to the local X-Ray OTLP endpoint). */
import { pipelineSpec } from './pipeline-spec';

pipelineSpec('otel');
