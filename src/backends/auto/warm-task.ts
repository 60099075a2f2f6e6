/**
 * The task `auto` sends to each thread it starts ahead of need: it imports the module of the work's
 * first task there (and the pool runs the initializer before it), so that the first real task finds the
 * thread ready. A module that cannot load is reported by the real task, with the proper error.
 */
import { resolveTask } from '../../internal/resolve-task.ts';
import { defineTasks } from '../../tasks.ts';

async function warm(module: string, name: string): Promise<void> {
  await resolveTask(module, name).catch(() => undefined);
}

export const warmTasks = defineTasks(import.meta.url, { warm });
