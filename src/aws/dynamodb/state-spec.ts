import { parseClusterConfig } from '../../core/config';
import { ConfigError } from '../../core/errors';
import type { ClusterSpec } from '../../core/model';
import { StoredSpecInvalidError } from './errors';
import type { ClusterItem, ResourceItem } from './state-items';

/*
 * The stored spec is the validated config, split into the cluster item and one item per
 * resource. Rebuilding the ClusterSpec re-runs the same validation as the config file, so
 * the reconciler never acts on a spec that `init` would have refused.
 */

export function configDocumentFromItems(clusterItem: ClusterItem, resources: readonly ResourceItem[]): Record<string, unknown> {
  return { ...clusterItem.spec, resources: resources.map((r) => r.spec) };
}

export function specFromItems(cluster: string, clusterItem: ClusterItem, resources: readonly ResourceItem[]): ClusterSpec {
  // A number JavaScript cannot hold would only reach the validation as text: name it exactly.
  for (const item of [clusterItem, ...resources]) {
    if (item.specProblem !== undefined) throw new StoredSpecInvalidError(cluster, `item ${item.pk}: ${item.specProblem}`);
  }
  try {
    return parseClusterConfig(configDocumentFromItems(clusterItem, resources), 'stored spec');
  } catch (error) {
    if (error instanceof ConfigError) {
      const detail = error.problems.map((p) => `${p.code} ${p.path || '(root)'}: ${p.message}`).join('; ');
      throw new StoredSpecInvalidError(cluster, detail, error);
    }
    throw error;
  }
}

/**
 * Same spec for the same stored documents: the reconciler reads every second, the spec rarely
 * changes. The documents themselves, not their stored hashes: a hand edit in the console
 * changes the spec without its hash, and must not hide behind a cached copy.
 */
export function storedSpecFingerprint(clusterItem: ClusterItem, resources: readonly ResourceItem[]): string {
  return JSON.stringify([clusterItem.spec, ...resources.map((r) => [r.resourceId, r.spec])]);
}
