/** Leave Redis as you found it: the keys of a test's queues, which must all be gone when it ends. */
import { Redis } from 'ioredis';

/** Every key of these BullMQ queues still in Redis at `url` (found with SCAN: never blocks Redis). */
export async function leftoverKeys(url: string, queues: readonly string[]): Promise<string[]> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    const keys: string[] = [];
    for (const queue of queues) {
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `bull:${queue}:*`, 'COUNT', 1000);
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0');
    }
    return keys;
  } finally {
    redis.disconnect();
  }
}
