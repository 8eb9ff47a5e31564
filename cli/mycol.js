#!/usr/bin/env node
// The `mycol` command. It runs the TypeScript core directly through tsx, so `npx mycol …` works
// right after `npm ci`, with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
