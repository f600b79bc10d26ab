#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx ec2-failover` works from a checkout without a build step.
require('tsx/cjs');
require('./ec2-failover.ts');
