#!/usr/bin/env node
// Writes reports/schema/result.v<N>.schema.json from the result format (harness/result/format.ts, compiled to dist/).
// `npm run schema` builds first; test/unit/result-file.test.ts fails when the committed file is not what this writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { resultSchemaFile } = await import(join(root, 'dist', 'harness', 'report', 'schema.js'));
const { path, text } = resultSchemaFile();
mkdirSync(dirname(join(root, path)), { recursive: true });
writeFileSync(join(root, path), text);
process.stderr.write(`wrote ${path}\n`);
