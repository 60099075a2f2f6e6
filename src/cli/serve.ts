/**
 * `conc serve`: the embedded demo sites, standalone, until Ctrl-C (SIGINT) or SIGTERM; it then closes
 * the server, says what it served and exits 130 or 143, as every command does on those signals.
 */
import type { Command } from 'commander';
import { PAGE_BYTES, startSites } from '../workloads/sites.ts';
import { intOption, UsageError } from './shared.ts';
import { stopOnSignals } from './signals.ts';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description("Serve the embedded demo sites (the article's two pages) on 127.0.0.1 until Ctrl-C.")
    .option('--port <port>', 'port to listen on (0: any free port)', intOption('--port', 0, 65_535), 0)
    .option('--latency <ms>', 'delay before each answer', intOption('--latency', 0, 600_000), 50)
    .action(async (flags: { port: number; latency: number }) => {
      process.exitCode = await serve(flags.port, flags.latency);
    });
}

async function serve(port: number, latencyMs: number): Promise<number> {
  let sites: Awaited<ReturnType<typeof startSites>>;
  try {
    sites = await startSites({ port, latencyMs });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      const why = code === 'EADDRINUSE' ? 'is in use' : 'needs privileges';
      throw new UsageError(`port ${port} ${why}; pick another with --port, or --port 0 for any free port.`);
    }
    throw error;
  }
  process.stdout.write(
    `Serving the demo sites at ${sites.origin} (latency ${latencyMs} ms); Ctrl-C to stop\n` +
      `  ${sites.pages.jython}  (${PAGE_BYTES.jython} bytes)\n` +
      `  ${sites.pages.dice}  (${PAGE_BYTES.dice} bytes)\n`,
  );
  const stopping = stopOnSignals(() => {});
  try {
    await new Promise<void>((resolve) => stopping.signal.addEventListener('abort', () => resolve()));
    await sites.close();
  } finally {
    stopping.undo();
  }
  const { requests, connections } = sites.stats();
  process.stdout.write(`Stopped after ${requests} requests on ${connections} connections\n`);
  return stopping.exitCode!;
}
