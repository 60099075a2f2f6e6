/**
 * Which backend runs a mode. Every backend is imported here, and each is light to import: what is
 * heavy (BullMQ and ioredis, worker entries) loads on first use.
 */
import type { Backend } from '../core/backend.ts';
import type { ResolvedOptions } from '../options.ts';
import { AutoBackend } from './auto/auto.ts';
import { DistributedBackend } from './distributed/client.ts';
import { InlineBackend } from './inline.ts';
import { Pool } from './pool/pool.ts';
import { processTransport } from './pool/process-transport.ts';
import { threadTransport } from './pool/thread-transport.ts';

export function createBackend(o: ResolvedOptions): Backend {
  switch (o.mode) {
    case 'sync':
    case 'async':
      return new InlineBackend(o as ResolvedOptions & { mode: 'sync' | 'async' });
    case 'threads':
    case 'processes':
      return new Pool({
        ...o,
        mode: o.mode,
        transport: o.mode === 'threads' ? threadTransport : processTransport,
      });
    case 'distributed':
      return new DistributedBackend(o);
    case 'auto':
      return new AutoBackend(o);
  }
}
