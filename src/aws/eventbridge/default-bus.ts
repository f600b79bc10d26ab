import { dynamoDbClient } from '../dynamodb/client';
import { EventBridgeTransitionEvents } from './eventbridge-events';
import { putEventsCall } from './put-events-call';

/**
 * Ownership-change events onto the default bus of the cluster's account and region, signed with
 * the credentials the process's DynamoDB client resolves (the same chain: role, profile, keys).
 */
export function defaultBusTransitionEvents(region: string): EventBridgeTransitionEvents {
  const client = dynamoDbClient(region);
  return new EventBridgeTransitionEvents(putEventsCall({ region, credentials: () => client.config.credentials() }));
}
