#!/usr/bin/env node
/** The `conc` executable: runs the CLI and exits with its code. */
import { main } from './main.ts';

// `conc … | head` closes our stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
