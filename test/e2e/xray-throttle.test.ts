/** See ./xray-throttle-spec.ts; traced with the X-Ray SDK (UDP daemon). */
import { xrayThrottleSpec } from './xray-throttle-spec';

xrayThrottleSpec('xray');
