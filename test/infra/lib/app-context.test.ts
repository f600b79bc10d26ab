import { describe, expect, it } from 'vitest';
import { contextProps } from '../../../lib/app-context';

/* The props bin/app.ts takes from `-c key=value`: flags, comma-separated role lists, coded refusals. */

describe('contextProps', () => {
  it('reads the adoption flag and the role lists, as the CDK CLI passes them (strings)', () => {
    // Prepare
    const context: Record<string, unknown> = {
      adoptExistingTables: 'true',
      dashboard: 'true',
      operatorRoleArns: 'arn:aws:iam::123456789012:role/oncall, arn:aws:iam::123456789012:role/admin',
    };

    // Act
    const props = contextProps((key) => context[key]);

    // Assess
    expect(props).toEqual({
      adoptExistingTables: true,
      dashboard: true,
      operatorRoleArns: ['arn:aws:iam::123456789012:role/oncall', 'arn:aws:iam::123456789012:role/admin'],
    });
  });

  it('leaves absent keys to the construct defaults', () => {
    // Act, Assess
    expect(contextProps(() => undefined)).toEqual({});
  });

  it('refuses a flag that is neither true nor false, with its code', () => {
    // Act
    const read = () => contextProps((key) => (key === 'adoptExistingTables' ? 'yes' : undefined));

    // Assess
    expect(read).toThrow(/^EC2F-K008 -c adoptExistingTables=yes: expected true or false/);
  });

  it('reads the table capacity mode, and refuses any other with its code', () => {
    // Act
    const provisioned = contextProps((key) => (key === 'tableCapacity' ? 'provisioned' : undefined));
    const other = () => contextProps((key) => (key === 'tableCapacity' ? 'reserved' : undefined));

    // Assess
    expect(provisioned).toEqual({ tableCapacity: 'provisioned' });
    expect(other).toThrow(/^EC2F-K008 -c tableCapacity=reserved: expected on-demand or provisioned/);
  });

  it('reads the run shape and the alarm options, and refuses other values with their code', () => {
    // Act
    const values: Record<string, string> = { runShape: 'resident', detailedAlarms: 'true', alarmTopicKey: 'false' };
    const read = contextProps((key) => values[key]);
    const otherShape = () => contextProps((key) => (key === 'runShape' ? 'always' : undefined));
    const otherFlag = () => contextProps((key) => (key === 'detailedAlarms' ? 'yes' : undefined));

    // Assess
    expect(read).toEqual({ runShape: 'resident', detailedAlarms: true, alarmTopicKey: false });
    expect(otherShape).toThrow(/^EC2F-K009 -c runShape=always: expected on-demand or resident/);
    expect(otherFlag).toThrow(/^EC2F-K009 -c detailedAlarms=yes: expected true or false/);
  });
});
