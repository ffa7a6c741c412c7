import type { RuleSetInput } from './schema';

/**
 * Sample every cart request. The affected-user list can only name users whose requests
 * were traced; X-Ray's default (1 request/s reservoir + 5%) would hide most of them at
 * any real traffic. Cost trade-off: see README "Sampling and cost".
 */
export const sampling = [
  {
    name: 'cart-all-requests',
    priority: 100,
    reservoirSize: 50,
    fixedRate: 1,
    serviceName: '*',
    serviceType: '*',
    host: '*',
    httpMethod: '*',
    urlPath: '/cart*',
    resourceArn: '*',
  },
] satisfies RuleSetInput['sampling'];
