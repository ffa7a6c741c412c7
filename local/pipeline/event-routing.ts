/**
 * The EventBridge rules the alerting stack deploys, on the local buses: alarm state changes and
 * Insight updates on the default bus, test alerts on the test-alert bus, to the notifier, matched
 * with the very patterns rules/names.ts gives the CDK stack (each naming the bus's account).
 */
import {
  alarmEventPattern,
  eventRuleName,
  insightEventPattern,
  testAlertBusName,
  testAlertEventPattern,
} from '../../rules/names';
import type { RuleSet } from '../../rules/schema';
import type { BusEvent, EventBus } from '../event-bus';

export function routeToNotifier(
  bus: EventBus,
  ruleSet: RuleSet,
  invoke: (event: BusEvent) => Promise<unknown>,
): void {
  const prefix = ruleSet.namePrefix;
  bus.addTarget({
    id: eventRuleName(prefix, 'alarms'),
    pattern: alarmEventPattern(ruleSet, bus.account),
    handler: invoke,
  });
  bus.addTarget({
    id: eventRuleName(prefix, 'insights'),
    pattern: insightEventPattern(ruleSet, bus.account),
    handler: invoke,
  });
  bus.addTarget({
    id: eventRuleName(prefix, 'test-alerts'),
    busName: testAlertBusName(prefix),
    pattern: testAlertEventPattern(ruleSet, bus.account),
    handler: invoke,
  });
}
