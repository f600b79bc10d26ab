import type { ErrorCode } from './error-codes';

/**
 * Every error the product raises carries a stable code (`EC2F-…`) from the one list in
 * error-codes.ts, which the README's message catalog shows, so an operator can look up cause and action.
 */
export class Ec2FailoverError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code} ${message}`, options);
    this.name = 'Ec2FailoverError';
    this.code = code;
  }
}

export interface ConfigProblem {
  readonly code: ErrorCode;
  /** Dotted path into the config, e.g. `resources[0].members[1].priority`. */
  readonly path: string;
  readonly message: string;
}

/** Bad configuration: one error that lists every problem found, each with its own code. */
export class ConfigError extends Ec2FailoverError {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[], source = 'config') {
    const first = problems[0];
    const lines = problems.map((p) => `  ${p.code} ${p.path || '(root)'}: ${p.message}`);
    super(first?.code ?? 'EC2F-C016', `invalid ${source}:\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Bad command-line input: nothing was changed. */
export class UsageError extends Ec2FailoverError {
  constructor(message: string) {
    super('EC2F-U001', message);
    this.name = 'UsageError';
  }
}
