import { userInfo } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { callerIdentity } from '../../../src/cli/caller-identity';

/* Who made a change: the STS caller when it answers, the local user when it cannot. */

const saved = process.env.AWS_ENDPOINT_URL_STS;

afterEach(() => {
  if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_STS;
  else process.env.AWS_ENDPOINT_URL_STS = saved;
});

describe('callerIdentity', () => {
  it('falls back to the local user at once when STS cannot be reached', async () => {
    // Prepare: nothing listens on port 9 of the loopback interface.
    process.env.AWS_ENDPOINT_URL_STS = 'http://127.0.0.1:9';
    const started = Date.now();

    // Act
    const who = await callerIdentity('us-east-1', 1000);

    // Assess
    expect(who).toMatch(new RegExp(`^${userInfo().username}@`));
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
