/** Which backend runs a mode. Pools and Redis are loaded only when asked for. */

import { InvalidOptionsError } from '../errors.ts';
import type { ResolvedOptions } from '../executor.ts';
import { AutoBackend } from './auto.ts';
import type { Backend } from './backend.ts';
import { DistributedBackend } from './distributed/client.ts';
import { InlineBackend } from './inline.ts';
import { Pool } from './pool/pool.ts';
import { processTransport } from './pool/process-transport.ts';
import { threadTransport } from './pool/thread-transport.ts';

export function createBackend(o: ResolvedOptions): Backend {
  switch (o.mode) {
    case 'sync':
    case 'async':
      return new InlineBackend({
        mode: o.mode,
        workers: o.workers,
        initializer: o.initializer,
        initArgs: o.initArgs,
      });
    case 'threads':
    case 'processes':
      return new Pool({
        mode: o.mode,
        transport: o.mode === 'threads' ? threadTransport : processTransport,
        workers: o.workers,
        initializer: o.initializer,
        initArgs: o.initArgs,
        maxTasksPerWorker: o.maxTasksPerWorker,
        idleTimeoutMs: o.idleTimeoutMs,
      });
    case 'distributed':
      return new DistributedBackend(o);
    case 'auto':
      return new AutoBackend(o);
    default:
      throw new InvalidOptionsError(
        `createExecutor: mode '${o.mode}' is not available in this version of conc yet.`,
      );
  }
}
