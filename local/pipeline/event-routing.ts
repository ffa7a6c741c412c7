/**
 * The EventBridge rules the alerting stack deploys, on the local bus: alarm state changes,
 * Insight updates and test alerts go to the notifier, matched with the very patterns
 * rules/names.ts gives the CDK stack.
 */
import {
  alarmEventPattern,
  eventRuleName,
  insightEventPattern,
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
    pattern: alarmEventPattern(ruleSet),
    handler: invoke,
  });
  bus.addTarget({
    id: eventRuleName(prefix, 'insights'),
    pattern: insightEventPattern(ruleSet),
    handler: invoke,
  });
  bus.addTarget({
    id: eventRuleName(prefix, 'test-alerts'),
    pattern: testAlertEventPattern(ruleSet),
    handler: invoke,
  });
}
