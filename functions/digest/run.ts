/**
 * One digest run: period → incidents of this and the previous period → figures → text and
 * HTML → delivery. Every dependency is passed in, so the same function runs in Lambda, in
 * the local preview and in tests against a local DynamoDB.
 */
import type { DigestConfig } from '../../rules/schema';
import { digestSubject, renderDigestText, type DigestFigures } from '../../templates/digest-text';
import { renderDigestHtml } from '../../templates/digest-html';
import type { Incident } from '../shared/incidents/model';
import { carriedOverIncidents, type CurrentIncidentSource } from './carried-over';
import { computeDigest, type RuleInfo } from './compute';
import { deliverDigest, type DeliverOptions, type DeliveryReport, type DigestMessage } from './deliver';
import { digestPeriods } from './period';
import type { DigestLogger } from './ports';

export interface IncidentSource extends CurrentIncidentSource {
  /** Incidents whose first event is in [start, end). */
  listStartedBetween(start: Date, end: Date): Promise<Incident[]>;
}

export interface DigestRunDeps {
  incidents: IncidentSource;
  config: DigestConfig;
  rules: readonly RuleInfo[];
  delivery: Omit<DeliverOptions, 'logger' | 'recipients'>;
  logger: DigestLogger;
}

export interface DigestRunResult {
  figures: DigestFigures;
  message: DigestMessage;
  delivery: DeliveryReport;
}

/** Builds the digest for a run at `at` (the scheduled time, so a late retry reports the same period). */
export async function buildDigest(
  deps: Pick<DigestRunDeps, 'incidents' | 'config' | 'rules'>,
  at: Date,
): Promise<{ figures: DigestFigures; message: DigestMessage }> {
  const { config } = deps;
  const periods = digestPeriods(at, config.cadence, config.timezone);
  const [incidents, previousIncidents, carriedOver] = await Promise.all([
    deps.incidents.listStartedBetween(periods.current.start, periods.current.end),
    deps.incidents.listStartedBetween(periods.previous.start, periods.previous.end),
    carriedOverIncidents(
      deps.incidents,
      deps.rules.map((r) => r.id),
      periods.current,
    ),
  ]);
  const figures = computeDigest({
    periods,
    incidents,
    previousIncidents,
    carriedOver,
    rules: deps.rules,
    nameUsers: config.nameUsers,
  });
  return {
    figures,
    message: {
      subject: digestSubject(figures),
      text: renderDigestText(figures),
      html: renderDigestHtml(figures),
    },
  };
}

export async function runDigest(deps: DigestRunDeps, at: Date): Promise<DigestRunResult> {
  const { figures, message } = await buildDigest(deps, at);
  deps.logger.info('digest built', {
    periodStart: figures.period.start.toISOString(),
    periodEnd: figures.period.end.toISOString(),
    incidents: figures.incidents,
    distinctUsers: figures.users.distinct,
  });
  const delivery = await deliverDigest(message, {
    ...deps.delivery,
    recipients: deps.config.recipients,
    logger: deps.logger,
  });
  return { figures, message, delivery };
}
