// The I/O task module: the article's download_site, and set_global_session as conc's initializer.
import { defineTasks, taskSignal } from 'conc';
import { Agent, request } from 'undici';

let session; // one per worker: the article's thread-local / per-process requests.Session()

export function initSession() {
  session = new Agent({ connections: 16 }); // keep-alive connections, reused by every download here
}

export async function downloadSite(url) {
  const signal = taskSignal(); // first line: a cancelled or timed-out download stops its request
  const { body } = await request(url, { dispatcher: session, signal });
  const bytes = (await body.arrayBuffer()).byteLength;
  if (process.env.VERBOSE) console.log(`Read ${bytes} from ${url}`);
  return bytes;
}

export const tasks = defineTasks(import.meta.url, { initSession, downloadSite });
