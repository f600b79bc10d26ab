import { costLine, optionLine, type CostLine } from './cost-line';
import type { PriceList } from './prices-us-east-1';
import type { StackFacts } from './stack-facts';

/*
 * KMS: the key that encrypts the alarm topic the stack creates, an option (`alarmTopicKey: true`;
 * none either when an `alarmTopic` of your own is given). Its requests come only from alarm
 * notifications: none in a quiet month.
 */

export function kmsLines(facts: StackFacts, prices: PriceList): CostLine[] {
  return [
    optionLine('KMS', 'alarm topic key', facts.kmsKeys, 1, prices.prices.kmsKeyMonths, 'alarm topic key', `${facts.kmsKeys} AWS::KMS::Key in the template`),
    costLine('KMS', 'alarm topic key: requests', 0, prices.prices.kmsRequests, 'only when an alarm notifies'),
  ];
}
