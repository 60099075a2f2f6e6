/**
 * The `conc` command. Each subcommand lives in its own file and registers itself here.
 * Exit codes: 0 all good, 1 some items failed (the rest still reported), 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConcError } from '../errors.ts';
import { safeText } from '../util/safe-text.ts';
import { commands } from './commands.ts';
import { Exit, optionHelp, UsageError } from './shared.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export function buildProgram(): Command {
  const program = new Command('conc')
    .description('Run work concurrently — and measure which kind of concurrency fits which work.')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    // one prefix for every error, commander's own included: `conc: …`
    // `(default: …)` alike for every option, fixed or decided later (shared.ts option())
    .configureHelp({ optionDescription: optionHelp })
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'conc: ')) })
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : Exit.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
      ) {
        return Exit.ok;
      }
      return Exit.usage;
    }
    if (
      error instanceof UsageError ||
      (error instanceof ConcError && error.code === 'CONC_ERR_INVALID_OPTIONS')
    ) {
      process.stderr.write(`conc: ${safeText(error.message)}\n`);
      return Exit.usage;
    }
    // conc's own errors say what happened and what to do: the message is enough; anything else is a bug
    // (its stack shown). Either may quote the user's input: each line is made safe to print.
    const text =
      error instanceof ConcError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    process.stderr.write(`conc: ${text.split('\n').map(safeText).join('\n')}\n`);
    return Exit.someFailed;
  }
}
