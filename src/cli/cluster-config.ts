import { loadClusterConfigFile, type LoadedClusterConfig } from '../core/config-text';
import { UsageError } from '../core/errors';
import type { ClusterSpec, GroupSpec } from '../core/model';

/*
 * The cluster config a command is given with `--config`, through the one loader every entry
 * point shares. No SDK here: `validate` and the argument checks run before any client loads.
 */

export function readClusterConfigFile(configPath: string | undefined, command: string): LoadedClusterConfig {
  if (!configPath) throw new UsageError(`${command} needs --config FILE (it names the cluster and region)`);
  return loadClusterConfigFile(configPath, (message) => new UsageError(`cannot read ${configPath}: ${message}`));
}

export function readClusterConfig(configPath: string | undefined, command: string): ClusterSpec {
  return readClusterConfigFile(configPath, command).spec;
}

/** The group named by `--group`, or a usage error listing the known ones. */
export function groupNamed(spec: ClusterSpec, group: string): GroupSpec {
  const found = spec.groups.find((g) => g.id === group);
  if (!found) throw new UsageError(`unknown group "${group}"; groups: ${spec.groups.map((g) => g.id).join(', ')}`);
  return found;
}
