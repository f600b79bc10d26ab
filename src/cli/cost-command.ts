import type { CostLine } from '../cost/cost-line';
import { estimateCost, type CostEstimate } from '../cost/estimate';
import type { ListPrice } from '../cost/prices-us-east-1';
import { readStackFacts } from '../cost/stack-facts';
import { readTemplateFile, synthesizeTemplate } from '../cost/template-source';
import type { CommandIo } from './cli-io';
import { readClusterConfigFile } from './cluster-config';
import { columns, stylesFor } from './output';

/*
 * `ec2-failover cost --config FILE [--template FILE | --table-capacity MODE --dashboard] [--json]`: the monthly list-price estimate of
 * the cluster's control plane, read from the stack's template (synthesized here unless one is
 * given), how the reconciler runs (on-demand or resident, as the template says), one line per
 * billed item, the options that cost money and whether they are on, and the total. No free tier is applied: it is per account, not per stack.
 */

export interface CostOptions {
  readonly config: string;
  readonly template?: string | undefined;
  /** Synthesize the stack with its dashboard. */
  readonly dashboard?: boolean | undefined;
  /** The `tableCapacity` the stack is synthesized with. */
  readonly tableCapacity?: 'on-demand' | 'provisioned' | undefined;
  readonly json?: boolean | undefined;
}

export function formatQuantity(quantity: number): string {
  if (quantity === 0) return '0';
  if (quantity >= 100) return Math.round(quantity).toLocaleString('en-US');
  return Number(quantity.toPrecision(3)).toString();
}

export function formatPrice(price: ListPrice): string {
  const per = price.per === 1 ? '' : price.per === 1_000_000 ? '1M ' : `${price.per.toLocaleString('en-US')} `;
  const amount = Number(price.usd.toFixed(2)) === price.usd ? price.usd.toFixed(2) : String(price.usd);
  return `$${amount} per ${per}${price.unit}`;
}

const usd = (amount: number) => `$${amount.toFixed(2)}`;

function lineRow(line: CostLine): string[] {
  const option = line.option ? ` [${line.option.name}: ${line.option.on ? 'on' : 'off'}]` : '';
  return [line.service, `${line.item}${option}`, formatQuantity(line.quantity), formatPrice(line.price), usd(line.monthlyUsd)];
}

function optionsText(estimate: CostEstimate): string {
  return estimate.options.map((o) => `  ${o.name}: ${o.on ? 'on' : 'off'}, ${usd(o.monthlyUsdWhenOn)} a month when on`).join('\n');
}

function shapeText(estimate: CostEstimate): string {
  const { shape } = estimate;
  const machine = `Reconciler: ${shape.memoryMb} MB ${shape.architecture}`;
  if (shape.name === 'resident') {
    return `${machine}, resident: a run every ${shape.periodSeconds} s lasting ${shape.secondsPerRun} s (${formatQuantity(shape.runsPerMonth)} runs, ${formatQuantity(shape.ticksPerMonth)} ticks, ${shape.standbyRuns.toFixed(2)} runs standing by on average).`;
  }
  return `${machine}, on-demand: a run every ${shape.periodSeconds} s lasting ~${shape.secondsPerRun} s until the cluster is steady, and ${formatQuantity(shape.wokenRunsPerMonth)} woken runs of ${shape.wokenRunSeconds} s (${formatQuantity(shape.runsPerMonth)} runs, ${formatQuantity(shape.ticksPerMonth)} ticks).`;
}

export function renderEstimate(estimate: CostEstimate, terminal: boolean): string {
  const header = ['service', 'line item', 'quantity / month', 'unit price', 'monthly'];
  const rows = [header, ...estimate.lines.map(lineRow), ['', 'total', '', '', usd(estimate.totalUsd)]];
  const regionNote = estimate.region === estimate.prices.region ? '' : ` (the cluster is in ${estimate.region}: prices there may differ)`;
  return [
    `Cluster ${estimate.cluster}: list prices of ${estimate.prices.region} taken on ${estimate.prices.takenOn}${regionNote}, a ${estimate.monthSeconds / 86_400}-day month, no free tier.`,
    shapeText(estimate),
    '',
    columns(terminal ? rows : rows.slice(1), '  '),
    '',
    'Options that cost money:',
    optionsText(estimate),
    '',
    'How each quantity was counted:',
    ...estimate.lines.map((line) => `  ${line.service} ${line.item}: ${line.basis}`),
    '',
  ].join('\n');
}

export async function runCost(options: CostOptions, io: CommandIo): Promise<number> {
  const { spec } = readClusterConfigFile(options.config, 'cost');
  const template = options.template === undefined ? synthesizeTemplate(options.config, { tableCapacity: options.tableCapacity, dashboard: options.dashboard ? 'true' : undefined }) : readTemplateFile(options.template);
  const estimate = estimateCost({ spec, facts: readStackFacts(template) });
  io.stdout.write(options.json ? `${JSON.stringify(estimate, null, 2)}\n` : renderEstimate(estimate, stylesFor(io.stdout).terminal));
  return 0;
}
