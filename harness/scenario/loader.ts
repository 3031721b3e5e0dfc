// Loads the scenario files a user drops into `--scenario-dir` (`*.js`/`*.mjs`, or `*.ts` transpiled with the
// TypeScript compiler when it is installed). Each file default-exports a scenario definition: an object with id,
// title, claims (and its own claims in ownClaims), params and run(ctx); importing `etcd-chaos` is optional.
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeError, InputError } from '../errors.js';
import type { ScenarioDefinition } from './types.js';

const ID = /^[a-z][a-z0-9-]*$/;

export async function loadScenarioDir(dir: string): Promise<ScenarioDefinition[]> {
  const absolute = resolve(dir);
  let names: string[];
  try {
    names = await readdir(absolute);
  } catch (error) {
    throw new InputError(`Cannot read --scenario-dir \`${dir}\`: ${describeError(error)}.`);
  }
  const files = names
    .filter((name) => /\.(m?js|ts)$/.test(name) && !name.endsWith('.d.ts') && !name.startsWith('.'))
    .sort();
  const loaded: ScenarioDefinition[] = [];
  for (const file of files) loaded.push(await loadScenarioFile(join(absolute, file)));
  return loaded;
}

export async function loadScenarioFile(path: string): Promise<ScenarioDefinition> {
  let module: { default?: unknown; scenario?: unknown };
  try {
    module = extname(path) === '.ts' ? await importTypeScript(path) : await import(pathToFileURL(path).href);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`Scenario file ${path} does not load: ${describeError(error)}`, { cause: error });
  }
  return validateScenario(module.default ?? module.scenario, path);
}

/** Checks the shape of a user's scenario so mistakes are reported by name, not as a crash mid-run. */
export function validateScenario(value: unknown, where: string): ScenarioDefinition {
  const problems: string[] = [];
  const candidate = value as Partial<ScenarioDefinition> | undefined;
  if (!candidate || typeof candidate !== 'object') {
    throw new InputError(
      `${where} does not export a scenario (expected \`export default { id, title, claims, params, run }\`).`,
    );
  }
  if (typeof candidate.id !== 'string' || !ID.test(candidate.id))
    problems.push(`id must be kebab-case, got \`${String(candidate.id)}\``);
  if (typeof candidate.title !== 'string' || !candidate.title)
    problems.push('title must be a non-empty string');
  if (!Array.isArray(candidate.claims) || candidate.claims.length === 0)
    problems.push('claims must list at least one claim id');
  else if (candidate.claims.some((id) => typeof id !== 'string'))
    problems.push('claims must be strings (claim ids)');
  if (candidate.ownClaims !== undefined) {
    if (!Array.isArray(candidate.ownClaims))
      problems.push('ownClaims must be an array of { id, title, source }');
    else
      for (const declaration of candidate.ownClaims as unknown[]) {
        const entry = declaration as { id?: unknown; title?: unknown; source?: unknown } | null;
        if (
          !entry ||
          typeof entry.id !== 'string' ||
          typeof entry.title !== 'string' ||
          typeof entry.source !== 'string'
        )
          problems.push(
            `ownClaims entries need string id, title and source, got ${JSON.stringify(declaration)}`,
          );
      }
  }
  if (candidate.params !== undefined && (typeof candidate.params !== 'object' || candidate.params === null))
    problems.push('params must be an object');
  if (typeof candidate.run !== 'function') problems.push('run must be a function');
  if (problems.length > 0) throw new InputError(`Scenario in ${where} is malformed: ${problems.join('; ')}.`);
  return { params: {}, ...candidate } as ScenarioDefinition;
}

async function importTypeScript(path: string): Promise<{ default?: unknown; scenario?: unknown }> {
  let ts: typeof import('typescript');
  try {
    ts = (await import('typescript')).default;
  } catch (error) {
    throw new InputError(`${path} is TypeScript, and the TypeScript compiler is not installed here.`, {
      cause: error,
      hint: 'Compile it to .js/.mjs first, or install typescript next to etcd-chaos.',
    });
  }
  const source = await readFile(path, 'utf8');
  const output = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
    fileName: path,
  }).outputText;
  // Next to the source, so relative imports resolve the same way.
  const compiled = join(dirname(path), `.${basename(path, '.ts')}.etcd-chaos-${process.pid}.mjs`);
  await writeFile(compiled, output);
  try {
    return await import(pathToFileURL(compiled).href);
  } finally {
    await rm(compiled, { force: true });
  }
}
