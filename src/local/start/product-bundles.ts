import { join } from 'node:path';
import { buildCli, CLI_ENTRY } from '../../cli/build';

/*
 * The CLI built once per run, as `npm run build` builds it (split by command, each command's
 * chunk loaded only when it runs): a built command starts in a few hundred ms, where the
 * TypeScript sources take 2-3 s to compile at every start. Agents and the controller are
 * `ec2-failover agent` and `ec2-failover controller` of this build.
 */

export interface ProductBundles {
  /** The entry to run with `node`. */
  readonly cli: string;
}

export async function buildProductBundles(dir: string): Promise<ProductBundles> {
  const outdir = join(dir, 'cli');
  await buildCli(outdir);
  return { cli: join(outdir, CLI_ENTRY) };
}
