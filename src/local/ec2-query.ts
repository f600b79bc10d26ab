/**
 * Reading requests of the EC2 Query protocol: parameters come form-encoded in a POST body, or in
 * the query string, and are flattened (`Filter.1.Name`, `Filter.1.Value.2`, `InstanceId.1`).
 */

export interface Ec2Request {
  /** `Action` parameter, e.g. `DescribeRouteTables`; undefined for non-EC2 traffic (moto's own API). */
  readonly action: string | undefined;
  readonly params: URLSearchParams;
}

export interface Ec2Filter {
  readonly index: string;
  readonly name: string;
  readonly values: readonly string[];
}

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

export function parseEc2Request(url: string, contentType: string | undefined, body: Buffer): Ec2Request {
  const params = new URLSearchParams(new URL(url, 'http://proxy.invalid').search);
  const isForm = contentType?.toLowerCase().startsWith(FORM_CONTENT_TYPE) ?? false;
  if (isForm && body.length > 0) {
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) params.append(key, value);
  }
  return { action: params.get('Action') ?? undefined, params };
}

/** Groups `Filter.N.Name` / `Filter.N.Value.M` into filters, in the order of N. */
export function readFilters(params: URLSearchParams): Ec2Filter[] {
  const names = new Map<string, string>();
  const values = new Map<string, string[]>();
  for (const [key, value] of params) {
    const nameMatch = /^Filter\.(\d+)\.Name$/.exec(key);
    if (nameMatch) {
      names.set(nameMatch[1] as string, value);
      continue;
    }
    const valueMatch = /^Filter\.(\d+)\.Value\.\d+$/.exec(key);
    if (valueMatch) {
      const index = valueMatch[1] as string;
      values.set(index, [...(values.get(index) ?? []), value]);
    }
  }
  return [...names.entries()]
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([index, name]) => ({ index, name, values: values.get(index) ?? [] }));
}

/** Values of a flattened list parameter such as `InstanceId.1`, `InstanceId.2`. */
export function readList(params: URLSearchParams, prefix: string): string[] {
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)$`);
  return [...params]
    .map(([key, value]) => ({ match: pattern.exec(key), value }))
    .filter((entry): entry is { match: RegExpExecArray; value: string } => entry.match !== null)
    .sort((a, b) => Number(a.match[1]) - Number(b.match[1]))
    .map((entry) => entry.value);
}

/** Drops every parameter of filter number `index`, leaving the others as they are. */
export function withoutFilter(params: URLSearchParams, index: string): URLSearchParams {
  const prefix = `Filter.${index}.`;
  return new URLSearchParams([...params].filter(([key]) => !key.startsWith(prefix)));
}

export function isDryRun(params: URLSearchParams): boolean {
  return params.get('DryRun')?.toLowerCase() === 'true';
}
