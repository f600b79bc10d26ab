#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx ec2-failover` works from a checkout without a build
// step. Both of tsx's hooks: the CommonJS one for the modules, the ESM one because each command is
// loaded lazily with import().
const { register } = require('node:module');
const { pathToFileURL } = require('node:url');
require('tsx/cjs');
register('tsx/esm', { parentURL: pathToFileURL(__filename), data: {} });
require('./ec2-failover.ts');
