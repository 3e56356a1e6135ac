#!/usr/bin/env node
// The `marginlab` command: loads the TypeScript CLI through tsx (no build step needed after `npm ci`).
import { register } from 'tsx/esm/api';
register();
await import('../scripts/cli.ts');
