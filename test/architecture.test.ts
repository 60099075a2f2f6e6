/**
 * The layers are rules (.dependency-cruiser.cjs) that `npm run lint` checks. This test shows both
 * sides: conc's own src/ keeps every rule, and a tree that breaks them is refused with the rule's name.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const config = require('../.dependency-cruiser.cjs');
const root = fileURLToPath(new URL('..', import.meta.url));

async function violations(baseDir: string): Promise<string[]> {
  const result = await cruise(
    ['src'],
    { ...config.options, baseDir, validate: true, ruleSet: config },
    undefined,
    {
      tsConfig: undefined,
    },
  );
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
}

describe('architecture rules', () => {
  it('src/ keeps every layer rule', async () => {
    expect(await violations(root)).toEqual([]);
  }, 60_000);

  it('a backend importing the lab, a cycle, http importing the core and trace importing a backend are refused', async () => {
    const found = await violations(fileURLToPath(new URL('./fixtures/layers/', import.meta.url)));
    expect(found).toContain('backends-stay-down: src/backends/leaky.ts → src/lab/report.ts');
    expect(found).toContain('http-knows-no-executor: src/http/fetcher.ts → src/core/outcome.ts');
    expect(found).toContain('trace-stays-below-the-contract: src/trace/export.ts → src/backends/leaky.ts');
    expect(found.some((v) => v.startsWith('no-circular:'))).toBe(true);
  }, 60_000);
});
