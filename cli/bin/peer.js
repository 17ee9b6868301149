#!/usr/bin/env node
// Launcher of the `peer` CLI: the TypeScript sources through tsx (a checkout of the repository).
const { join } = require('node:path');

require('tsx/cjs');
require(join(__dirname, '..', 'main.ts'));
