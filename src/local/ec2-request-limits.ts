import { readFilters, readList } from './ec2-query';

/**
 * Request shapes EC2 rejects but moto accepts. Checking them in the proxy makes tests fail the way
 * production would, instead of passing on moto and breaking on AWS.
 */

/** EC2 caps the filter values of one call at 200, counted over all its filters. */
export const MAX_FILTER_VALUES_PER_CALL = 200;

/** MaxResults ranges from the API reference of the actions the product pages through. */
const MAX_RESULTS_RANGE: Readonly<Record<string, { min: number; max: number }>> = {
  DescribeRouteTables: { min: 5, max: 100 },
  DescribeInstances: { min: 5, max: 1000 },
  DescribeNetworkInterfaces: { min: 5, max: 1000 },
};

export interface LimitViolation {
  readonly code: string;
  readonly message: string;
}

export function checkEc2RequestLimits(action: string, params: URLSearchParams): LimitViolation | undefined {
  const totalFilterValues = readFilters(params).reduce((sum, filter) => sum + filter.values.length, 0);
  if (totalFilterValues > MAX_FILTER_VALUES_PER_CALL) {
    return {
      code: 'FilterLimitExceeded',
      message: `${totalFilterValues} filter values in one request; at most ${MAX_FILTER_VALUES_PER_CALL} are allowed`,
    };
  }
  if (action === 'DescribeInstances' && params.has('MaxResults') && readList(params, 'InstanceId').length > 0) {
    return { code: 'InvalidParameterCombination', message: 'MaxResults cannot be combined with InstanceIds in DescribeInstances' };
  }
  const range = MAX_RESULTS_RANGE[action];
  const maxResults = params.get('MaxResults');
  if (range && maxResults !== null) {
    const value = Number(maxResults);
    if (!Number.isInteger(value) || value < range.min || value > range.max) {
      return {
        code: 'InvalidParameterValue',
        message: `MaxResults ${maxResults} for ${action} must be between ${range.min} and ${range.max}`,
      };
    }
  }
  return undefined;
}
