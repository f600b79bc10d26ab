/** moto and DynamoDB Local accept any keys; these are the conventional dummy ones. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

export const DEFAULT_LOCAL_REGION = 'us-east-1';

/** SDK client settings for a local endpoint: loopback URL, dummy keys, a fixed region. */
export function localClientConfig(endpoint: string, region: string = DEFAULT_LOCAL_REGION) {
  return { endpoint, region, credentials: { ...LOCAL_CREDENTIALS } };
}
