#!/usr/bin/env node
// The `gazecam` CLI. The sources are TypeScript; tsx compiles them on the fly so `npx gazecam`
// works right after `npm ci` without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/node/cli.ts');
process.exitCode = await main(process.argv.slice(2));
