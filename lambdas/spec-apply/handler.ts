import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { onSpecApplyEvent, type SpecApplyResponse } from './custom-resource';
import { specApplyRuntime } from '../runtime/runtime';

/*
 * onEvent handler of the spec-apply custom resource (CDK Provider framework). A thrown error
 * fails the deployment with its message, e.g. EC2F-A001 when the stored spec was edited since.
 */
const runtime = specApplyRuntime();

async function applyConfig(event: CloudFormationCustomResourceEvent): Promise<SpecApplyResponse> {
  return onSpecApplyEvent(event, runtime);
}

export const handler = middy(applyConfig).use(injectLambdaContext(runtime.logger, { clearState: true }));
