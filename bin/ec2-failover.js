#!/usr/bin/env node
'use strict';
// The `ec2-failover` command. It runs the compiled CLI (dist/cli, built by `npm ci` through the
// `prepare` script, or `npm run build`) while that build is newer than every source it was made
// from, with V8's code cache (dist/cli/v8-cache, written by the first run of each part);
// otherwise (a source edited since, no build yet, or EC2F_CLI_FROM_SOURCE=1) it runs the
// TypeScript sources through tsx: slower to start, never stale.
const { readFileSync, statSync } = require('node:fs');
const { register } = require('node:module');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const ROOT = join(__dirname, '..');
const BUILD = join(ROOT, 'dist', 'cli');
const ENTRY = join(BUILD, 'ec2-failover.js');

function buildIsFresh() {
  if (process.env.EC2F_CLI_FROM_SOURCE === '1') return false;
  try {
    const builtAt = statSync(ENTRY).mtimeMs;
    const inputs = JSON.parse(readFileSync(join(BUILD, 'inputs.json'), 'utf8'));
    return inputs.every((input) => statSync(join(ROOT, input)).mtimeMs <= builtAt);
  } catch {
    // No build, or a source it was made from is gone.
    return false;
  }
}

if (buildIsFresh()) {
  require(join(BUILD, 'compile-cache.js')).installCompileCache(BUILD);
  require(ENTRY);
} else {
  if (process.stderr.isTTY) process.stderr.write('ec2-failover: running from source (the build is missing or older than the sources; npm run build makes it start faster)\n');
  // Both of tsx's hooks: the CommonJS one for the modules, the ESM one because each command is
  // loaded lazily with import().
  require('tsx/cjs');
  register('tsx/esm', { parentURL: pathToFileURL(__filename), data: {} });
  require('./ec2-failover.ts');
}
