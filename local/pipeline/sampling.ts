/**
 * The scenario's sampling rules in force, as X-Ray would apply them at the shop's API stage,
 * and the traced share the notifier's pages state (TRACE_SAMPLING_RATE when the scenario's
 * rules are not the rule set's own).
 */
import { effectiveSamplingRate } from '../../rules/sampling-rate';
import type { RuleSet, SamplingRule } from '../../rules/schema';
import type { SampleDecision } from '../scenario/plan';
import type { Scenario } from '../scenario/scenario';
import { ROUTES } from '../scenario/shop-client';
import { createSampler, TRACE_EVERYTHING, type Sampler } from '../xray/sampler';
import type { ApiStage } from './api-gateway-event';

export function samplingRules(
  spec: Scenario['sampling'],
  ruleSet: Pick<RuleSet, 'sampling'>,
): SamplingRule[] {
  if (spec === 'project') return ruleSet.sampling;
  if (spec === 'all') return [TRACE_EVERYTHING];
  return spec;
}

/** Undefined: the notifier derives it from the rule set itself (the deployed case). */
export function statedSamplingRate(spec: Scenario['sampling']): number | undefined {
  if (spec === 'project') return undefined;
  if (spec === 'all') return 1;
  return effectiveSamplingRate({ sampling: spec });
}

/** The share pages state, whoever derives it. */
export function pageSamplingRate(spec: Scenario['sampling'], ruleSet: Pick<RuleSet, 'sampling'>): number {
  return statedSamplingRate(spec) ?? effectiveSamplingRate(ruleSet);
}

/** The decision for a planned request, seen as API Gateway's request to X-Ray's sampler. */
export function sampleAtStage(sampler: Sampler, stage: ApiStage): SampleDecision {
  const host = `${stage.apiId}.execute-api.${stage.region}.amazonaws.com`;
  const resourceArn = `arn:aws:apigateway:${stage.region}::/restapis/${stage.apiId}/stages/${stage.stage}`;
  return (request) => {
    const route = ROUTES[request.action];
    return sampler.sampled({
      atMs: request.atMs,
      serviceName: `${stage.name}/${stage.stage}`,
      serviceType: 'AWS::ApiGateway::Stage',
      host,
      httpMethod: route.method,
      urlPath: route.resource.replace('{product_id}', request.productId ?? ''),
      resourceArn,
    });
  };
}

export { createSampler };
