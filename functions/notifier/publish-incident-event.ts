/**
 * Puts one `Incident Updated` event on the project bus. Best effort by design: consumers of
 * these events are conveniences (status page, ticketing), and a failed PutEvents must never
 * fail, and so re-send, a page. Failures, including per-entry failures that PutEvents reports
 * with HTTP 200, are logged and reported as `false`.
 */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { INCIDENT_UPDATED_DETAIL_TYPE, projectEventSource } from '../../rules/names';
import { errorName } from './aws-errors';
import type { IncidentUpdatedDetail } from './incident-event';
import type { NotifierLogger } from './ports';

export interface IncidentEventPublisher {
  eventBridge: Pick<EventBridgeClient, 'send'>;
  busName: string;
  namePrefix: string;
  logger: NotifierLogger;
}

export async function publishIncidentEvent(
  detail: IncidentUpdatedDetail,
  publisher: IncidentEventPublisher,
  at: Date,
): Promise<boolean> {
  const context = { incidentId: detail.incidentId, change: detail.change, bus: publisher.busName };
  try {
    const out = await publisher.eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: publisher.busName,
            Source: projectEventSource(publisher.namePrefix),
            DetailType: INCIDENT_UPDATED_DETAIL_TYPE,
            Detail: JSON.stringify(detail),
            Time: at,
          },
        ],
      }),
    );
    const failed = out.Entries?.find((e) => e.ErrorCode !== undefined);
    if ((out.FailedEntryCount ?? 0) > 0 || failed) {
      publisher.logger.error('Incident Updated event rejected; the page is unaffected', {
        ...context,
        errorCode: failed?.ErrorCode,
        errorMessage: failed?.ErrorMessage,
      });
      return false;
    }
    return true;
  } catch (error) {
    publisher.logger.error('Incident Updated event not published; the page is unaffected', {
      ...context,
      error: errorName(error),
    });
    return false;
  }
}
