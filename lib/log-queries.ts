import { QueryDefinition, QueryString, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { OWNERSHIP_CHANGED_MESSAGE } from '../src/names';

/*
 * Logs Insights queries over the reconciler's JSON log lines (Powertools: `message`, `level`, and the
 * loop's fields group, resource, epoch, action, result, reason; an ownership change also from, to):
 * saved in the account, and drawn on the dashboard.
 */

/** Every ownership change, newest first: who owns each group from which epoch. */
export function ownershipChangesQuery(): QueryString {
  return new QueryString({
    fields: ['@timestamp', 'group', 'epoch', 'from', 'to', 'reason'],
    filterStatements: [`message = "${OWNERSHIP_CHANGED_MESSAGE}"`],
    sort: '@timestamp desc',
    limit: 200,
  });
}

/** Failovers (the owner failed, or its repair did): not switchovers or switchbacks. */
export function failoversQuery(): QueryString {
  return new QueryString({
    fields: ['@timestamp', 'group', 'epoch', 'from', 'to', 'reason', 'detail'],
    filterStatements: [`message = "${OWNERSHIP_CHANGED_MESSAGE}" and reason in ["failover", "repair-failed"]`],
    sort: '@timestamp desc',
  });
}

/** Everything the loop logged about one group: decisions, actions and findings. */
export function groupDecisionsQuery(group: string): QueryString {
  return new QueryString({
    fields: ['@timestamp', 'level', 'message', 'resource', 'epoch', 'action', 'result', 'reason', 'from', 'to'],
    filterStatements: [`group = "${group}"`],
    sort: '@timestamp desc',
  });
}

export interface SavedLogQueriesProps {
  readonly cluster: string;
  readonly groups: readonly string[];
  readonly reconcilerLogs: ILogGroup;
}

/** Saved queries, in a folder per cluster: `ec2-failover/<cluster>/failovers`, `…/decisions-<group>`. */
export class SavedLogQueries extends Construct {
  public readonly queries: readonly QueryDefinition[];

  constructor(scope: Construct, id: string, props: SavedLogQueriesProps) {
    super(scope, id);
    const folder = `ec2-failover/${props.cluster}`;
    const logGroups = [props.reconcilerLogs];
    this.queries = [
      new QueryDefinition(this, 'Failovers', { queryDefinitionName: `${folder}/failovers`, queryString: failoversQuery(), logGroups }),
      ...props.groups.map(
        (group) => new QueryDefinition(this, `Decisions-${group}`, { queryDefinitionName: `${folder}/decisions-${group}`, queryString: groupDecisionsQuery(group), logGroups }),
      ),
    ];
  }
}
