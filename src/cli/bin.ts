#!/usr/bin/env node
/** The `conc` executable: runs the CLI and exits with its code. */
import { main } from './main.ts';
import { describeWriteError } from './write-errors.ts';

/** Exit code when stdout cannot be written (a full disk, a device error): some output was lost. */
const OUTPUT_LOST = 1;

// `conc … | head` closes our stdout early: that is the reader's choice, not an error. Any other write
// error (`conc … > /dev/full`) is said in one line on stderr, not as a stack, and the command ends.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`conc: cannot write the output: ${describeWriteError(error)}\n`);
  process.exit(OUTPUT_LOST);
});

// A command whose work waits on a promise nothing can settle any more (a task's promise that never
// settles, with no timer or socket left) empties the event loop; Node would then exit 13 in silence.
let settled = false;
process.on('beforeExit', () => {
  if (settled) return;
  process.stderr.write(
    'conc: the command was left waiting for a promise that can never settle (nothing is left to run); ' +
      'a task or module of yours may return or await one that never settles.\n',
  );
  process.exit(1);
});

const code = await main(process.argv.slice(2));
settled = true;
process.exitCode = code;
