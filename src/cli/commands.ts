/** The subcommands of `conc`, one file each. Add a command by adding its register function here. */
import type { Command } from 'commander';
import { registerCompare } from './compare.ts';
import { registerCpu } from './cpu.ts';
import { registerIo } from './io.ts';
import { registerProfile } from './profile.ts';
import { registerServe } from './serve.ts';
import { registerWorker } from './worker.ts';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  registerIo,
  registerCpu,
  registerServe,
  registerCompare,
  registerProfile,
  registerWorker,
];
