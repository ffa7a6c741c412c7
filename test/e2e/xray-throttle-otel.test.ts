/** See ./xray-throttle-spec.ts; traced with OpenTelemetry (OTLP/HTTP to the local X-Ray OTLP endpoint). */
import { xrayThrottleSpec } from './xray-throttle-spec';

xrayThrottleSpec('otel');
