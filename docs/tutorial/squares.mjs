// The CPU task module: the article's cpu_bound(number) = sum(i * i for i in range(number)), exact like
// Python's int. Each square is an exact double (number < 94,906,266) and a block of them sums exactly
// below 2^53; the blocks add up in a BigInt.
import { defineTasks } from 'conc';

export function cpuBound(number) {
  if (!(Number.isInteger(number) && number >= 0 && number < 94_906_266))
    throw new RangeError(`cpuBound: number must be an integer from 0 to 94906265; got ${number}`);
  const step = Math.max(1, Math.floor(Number.MAX_SAFE_INTEGER / Math.max(1, number * number)));
  let total = 0n;
  for (let from = 0; from < number; from += step) {
    const to = Math.min(from + step, number);
    let block = 0;
    for (let i = from; i < to; i++) block += i * i;
    total += BigInt(block);
  }
  return total;
}

export const tasks = defineTasks(import.meta.url, { cpuBound });
