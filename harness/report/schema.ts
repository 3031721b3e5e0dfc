// Validation of result.json against the published JSON Schema (reports/schema/result.v1.schema.json), so renderers
// and CI only ever read documents of the shape they expect.
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { InputError } from '../errors.js';
import { RESULT_SCHEMA_VERSION, type RunResult } from '../result/run-result.js';

const SCHEMA_FILE = `reports/schema/result.v${RESULT_SCHEMA_VERSION}.schema.json`;

let validator: ValidateFunction | undefined;

/** The schema document, found next to the package (works from the sources and from dist/). */
export function resultSchema(): object {
  for (const prefix of ['../../', '../../../']) {
    try {
      return JSON.parse(readFileSync(new URL(`${prefix}${SCHEMA_FILE}`, import.meta.url), 'utf8')) as object;
    } catch {
      // try the other layout
    }
  }
  throw new Error(`cannot find ${SCHEMA_FILE}`);
}

function compiled(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    (addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
    validator = ajv.compile(resultSchema());
  }
  return validator;
}

/** Schema errors of `document` (empty when valid), as readable lines. */
export function resultSchemaErrors(document: unknown): string[] {
  const validate = compiled();
  if (validate(document)) return [];
  return (validate.errors ?? []).map(
    (error: ErrorObject) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`,
  );
}

/** Parses and validates a result.json text; an InputError names the problems. */
export function parseRunResult(text: string, where: string): RunResult {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${where} is not JSON: ${(error as Error).message}.`);
  }
  const version = (document as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== RESULT_SCHEMA_VERSION) {
    throw new InputError(
      `${where} has schemaVersion ${String(version)}; this etcd-chaos reads version ${RESULT_SCHEMA_VERSION}.`,
    );
  }
  const errors = resultSchemaErrors(document);
  if (errors.length > 0) {
    throw new InputError(
      `${where} does not match the result schema:\n  ${errors.slice(0, 10).join('\n  ')}${errors.length > 10 ? `\n  ... and ${errors.length - 10} more` : ''}`,
    );
  }
  return document as RunResult;
}
