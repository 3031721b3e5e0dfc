// Validation of result.json against the result format (harness/result/format.ts), so renderers and CI only ever read
// documents of the shape they expect. The published schema file (reports/schema/) is generated from the same source.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { InputError } from '../errors.js';
import { RESULT_SCHEMA_VERSION, type RunResult, resultJsonSchema } from '../result/format.js';

let validator: ValidateFunction | undefined;

/** The schema document (what reports/schema/result.v<N>.schema.json holds). */
export function resultSchema(): object {
  return resultJsonSchema();
}

/** The committed schema file's path (relative to the package root) and its exact text. */
export function resultSchemaFile(): { readonly path: string; readonly text: string } {
  return {
    path: `reports/schema/result.v${RESULT_SCHEMA_VERSION}.schema.json`,
    text: `${JSON.stringify(resultJsonSchema(), null, 2)}\n`,
  };
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
    throw new InputError(`${where} is not JSON: ${(error as Error).message}.`, { cause: error });
  }
  const version = (document as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== RESULT_SCHEMA_VERSION) {
    throw new InputError(
      `${where} has schemaVersion ${String(version)}; this etcd-chaos reads version ${RESULT_SCHEMA_VERSION}.`,
      {
        hint: 'Re-run the suite with this version of etcd-chaos, or render it with the version that wrote it.',
      },
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
