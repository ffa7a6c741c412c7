/** See ./duplicates-spec.ts; traced with OpenTelemetry (OTLP/HTTP to the local X-Ray OTLP endpoint). */
import { duplicatesSpec } from './duplicates-spec';

duplicatesSpec('otel');
