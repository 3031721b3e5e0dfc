// No import cycle anywhere under harness/, type-only imports included (dependency-cruiser over the TypeScript
// sources), so that contracts stay apart from implementations. The fixture proves a type-only cycle is caught.
import { cruise, type IViolation } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

async function cycles(paths: string[]): Promise<string[]> {
  const result = await cruise(paths, {
    // Type-only imports are real dependencies of a reader: count them (TypeScript erases them from the build).
    tsPreCompilationDeps: true,
    validate: true,
    ruleSet: { forbidden: [{ name: 'no-cycle', severity: 'error', from: {}, to: { circular: true } }] },
    doNotFollow: { path: 'node_modules' },
  });
  if (typeof result.output === 'string') throw new Error('dependency-cruiser returned text, not a report');
  return result.output.summary.violations.map(describeCycle);
}

function describeCycle(violation: IViolation): string {
  const steps = (violation.cycle ?? []).map((step) => step.name);
  return [violation.from, ...steps].join(' → ');
}

describe('import cycles', () => {
  it('finds none under harness/', async () => {
    expect(await cycles(['harness'])).toEqual([]);
  }, 60_000);

  it('finds a type-only cycle (negative control)', async () => {
    const found = await cycles(['test/fixtures/import-cycle']);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toMatch(/contract\.ts.*implementation\.ts|implementation\.ts.*contract\.ts/);
  }, 60_000);
});
