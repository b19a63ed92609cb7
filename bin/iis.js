#!/usr/bin/env node
// The `iis` command. Node runs the TypeScript sources through esbuild (bin/ts-hooks.mjs), so there is no separate build step.
import './register.mjs';

await import('../src/cli/main.ts');
