/** Values the global setup hands to every test file through vitest's provide/inject. */
declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the DynamoDB Local shared by the whole run. */
    dynamoDbEndpoint: string;
  }
}

/** Environment variable with the same endpoint, for code that reads the environment rather than inject(). */
export const TEST_DYNAMODB_ENDPOINT_VARIABLE = 'EC2F_TEST_DYNAMODB_ENDPOINT';
