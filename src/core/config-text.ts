import type { ErrorCode } from './error-codes';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseClusterConfig, type ClusterConfigInput } from './config';
import { ConfigError } from './errors';
import type { ClusterSpec } from './model';

/*
 * Config text and files: YAML (of which JSON is a subset) read, validated, the document kept.
 * Apart from the schema so the Lambdas, which get their config as data, never load a YAML parser.
 */

/** YAML (of which JSON is a subset), keys unique; a syntax error is one coded problem. */
export function parseYamlDocument(text: string, source: string, syntaxCode: ErrorCode): unknown {
  try {
    return parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    throw new ConfigError([{ code: syntaxCode, path: '', message: `not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}` }], source);
  }
}

/** A config as loaded: the document as written (what the apply stores) and the validated spec. */
export interface LoadedClusterConfig {
  /** Where it came from (a path), for messages. */
  readonly source: string;
  /** The document as written: defaults left unfilled, the way the apply stores it. */
  readonly document: ClusterConfigInput;
  readonly spec: ClusterSpec;
}

/** Parses config text (YAML, of which JSON is a subset) once, validates it, keeps the document. */
export function loadClusterConfigText(text: string, source = 'config'): LoadedClusterConfig {
  const document = parseYamlDocument(text, source, 'EC2F-C001');
  const spec = parseClusterConfig(document, source);
  return { source, document: document as ClusterConfigInput, spec };
}

/**
 * THE loader of a cluster config file: read → YAML → validate → keep the document. Every entry
 * point (the CLI, the CDK app) uses it; each names the error an unreadable file is for it.
 */
export function loadClusterConfigFile(path: string, unreadable: (message: string, cause: unknown) => Error): LoadedClusterConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw unreadable((error as Error).message, error);
  }
  return loadClusterConfigText(text, path);
}

/** Parses config text (YAML, of which JSON is a subset) and validates it. */
export function parseClusterConfigText(text: string, source = 'config'): ClusterSpec {
  return loadClusterConfigText(text, source).spec;
}
