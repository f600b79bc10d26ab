import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CostInputError } from './cost-errors';

/*
 * Where the estimate gets the stack's template: a file `cdk synth` wrote (`--template`), or a
 * synthesis of our own app (bin/app.ts, exactly what `cdk deploy -c config=FILE` deploys) in a
 * child process, with bundling skipped, into a temporary folder that is removed afterwards. The
 * child keeps the CDK out of the CLI's own modules, so no other command pays for loading it.
 */

/** The project root: dist/cli and src/cost are both two levels deep. */
const PROJECT_ROOT = join(__dirname, '..', '..');
const CDK_APP = join(PROJECT_ROOT, 'bin', 'app.ts');

/** A template file written by `cdk synth` (JSON, or the YAML it prints). */
export function readTemplateFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CostInputError('EC2F-T001', `cannot read the template ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return parseYaml(text);
  } catch (error) {
    throw new CostInputError('EC2F-T001', `the template ${path} is neither JSON nor YAML: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
}

function onlyTemplate(outdir: string): string {
  const templates = readdirSync(outdir).filter((name) => name.endsWith('.template.json'));
  if (templates.length !== 1) throw new CostInputError('EC2F-T002', `the synthesis wrote ${templates.length} templates, expected one`);
  return join(outdir, templates[0]!);
}

/** Synthesizes the stack `cdk deploy -c config=FILE` (and the `-c` values given) would deploy and returns its template. */
export function synthesizeTemplate(configPath: string, extraContext: Readonly<Record<string, string | undefined>> = {}): unknown {
  const outdir = mkdtempSync(join(tmpdir(), 'ec2f-cost-'));
  try {
    const given = Object.fromEntries(Object.entries(extraContext).filter(([, value]) => value !== undefined));
    const context = { ...given, config: resolve(configPath), 'aws:cdk:bundling-stacks': [] };
    const child = spawnSync(process.execPath, [require.resolve('tsx/cli'), CDK_APP], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
      encoding: 'utf8',
    });
    if (child.status !== 0) {
      const output = `${child.stderr ?? ''}${child.stdout ?? ''}`.trim() || String(child.error ?? `exit ${child.status}`);
      throw new CostInputError('EC2F-T002', `synthesizing the stack failed:\n${output}`);
    }
    return JSON.parse(readFileSync(onlyTemplate(outdir), 'utf8'));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
