#!/usr/bin/env node
// Launcher of the `peer` CLI: the compiled package when it was built (dist/), else the
// TypeScript sources through tsx (a checkout of the repository).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const built = join(__dirname, '..', 'dist', 'cli', 'main.js');
if (existsSync(built)) {
  require(built);
} else {
  require('tsx/cjs');
  require(join(__dirname, '..', 'src', 'cli', 'main.ts'));
}
