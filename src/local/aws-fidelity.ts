import { ec2ErrorResponse, type Ec2ErrorResponse } from './ec2-error-response';
import { isDryRun, readFilters, withoutFilter } from './ec2-query';
import { firstTagText, splitSetItems } from './ec2-xml';

/*
 * Corrections the proxy makes so moto answers the way EC2 does where a failover tool would
 * otherwise learn moto's habits (docs/moto-differences.md lists them). Product code must work
 * against real EC2; these keep local tests from passing only because moto is lenient, or failing
 * only because moto is wrong.
 */

/** Actions for which moto 5.2 carries out the change even when `DryRun=true`. */
const DRY_RUN_IGNORED_BY_MOTO = new Set(['CreateRoute', 'ReplaceRoute', 'DeleteRoute', 'CreateRouteTable', 'DescribeRouteTables']);

/** Route filters and the element of a route that each one reads in moto's XML answer. */
const ROUTE_FILTER_FIELDS: Readonly<Record<string, string>> = {
  'route.destination-cidr-block': 'destinationCidrBlock',
  'route.destination-ipv6-cidr-block': 'destinationIpv6CidrBlock',
  'route.network-interface-id': 'networkInterfaceId',
  'route.instance-id': 'instanceId',
  'route.state': 'state',
};

export type FidelityCorrectionName = 'dry-run' | 'route-filters';

export interface FidelityPlan {
  readonly correction: FidelityCorrectionName;
  /** Answer the client without asking moto. */
  readonly answer?: Ec2ErrorResponse;
  /** Parameters to send to moto instead of the client's. */
  readonly forwardParams?: URLSearchParams;
  /** Rewrites moto's successful XML answer. */
  readonly rewriteAnswer?: (xml: string) => string;
}

/** EC2 filter values accept `*` (any run) and `?` (one character) wildcards. */
function wildcardMatcher(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/**
 * moto gets route filters wrong in two ways: several values of `route.destination-cidr-block` are
 * ANDed (a table must hold all of them) where EC2 ORs them, and the other route filters
 * (`route.destination-ipv6-cidr-block`, `route.network-interface-id`, `route.instance-id`,
 * `route.state`) answer HTTP 500. The proxy takes these filters out of the request and applies
 * them to moto's answer the way EC2 does: a table matches a filter when any of its routes has any
 * of the values, and it must match every filter.
 */
function routeFilterPlan(params: URLSearchParams): FidelityPlan | undefined {
  const routeFilters = readFilters(params).filter((filter) => ROUTE_FILTER_FIELDS[filter.name] !== undefined);
  if (routeFilters.length === 0) return undefined;
  let forwardParams = params;
  for (const filter of routeFilters) forwardParams = withoutFilter(forwardParams, filter.index);
  const conditions = routeFilters.map((filter) => ({
    field: ROUTE_FILTER_FIELDS[filter.name] as string,
    matchers: filter.values.map(wildcardMatcher),
  }));
  return {
    correction: 'route-filters',
    forwardParams,
    rewriteAnswer(xml) {
      const split = splitSetItems(xml, 'routeTableSet');
      if (split === undefined) return xml;
      const kept = split.items.filter((table) => {
        const routes = splitSetItems(table, 'routeSet')?.items ?? [];
        return conditions.every(({ field, matchers }) =>
          routes.some((route) => {
            const value = firstTagText(route, field);
            return value !== undefined && matchers.some((matcher) => matcher.test(value));
          }),
        );
      });
      const body = kept.join('');
      if (split.before.endsWith('<routeTableSet>')) return `${split.before}${body}${split.after}`;
      // moto wrote an empty set as `<routeTableSet/>`, and an empty set stays empty.
      return xml;
    },
  };
}

export function planFidelityCorrection(action: string, params: URLSearchParams): FidelityPlan | undefined {
  if (isDryRun(params) && DRY_RUN_IGNORED_BY_MOTO.has(action)) {
    // EC2 answers a permitted dry run with this error; the proxy cannot check IAM, so it always permits.
    return {
      correction: 'dry-run',
      answer: ec2ErrorResponse('DryRunOperation', 'The request would have succeeded; DryRun is set, so nothing was changed.'),
    };
  }
  if (action === 'DescribeRouteTables') return routeFilterPlan(params);
  return undefined;
}
