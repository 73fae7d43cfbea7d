#!/usr/bin/env node
import { runCli } from './cli.js';

const args = process.argv.slice(2);
if (!args.includes('--debug')) {
  // The AWS SDK warns on every run under Node 20 that its future releases need Node 22: noise in a
  // CLI's output (the provider's README documents it); --debug shows it.
  const emitWarning = process.emitWarning.bind(process) as (...warning: unknown[]) => void;
  process.emitWarning = ((...warning: unknown[]) => {
    if (warning.some((part) => String(typeof part === 'object' && part !== null ? JSON.stringify(part) : part).includes('NodeVersionSupportWarning'))) return;
    emitWarning(...warning);
  }) as typeof process.emitWarning;
}
process.exitCode = await runCli(args);
