// Just enough PromQL for the harness: which metric names an expression reads, and its range/offset durations
// scaled by a factor (time compression). A small scanner that skips string literals and comments, so a `[` inside
// a regex matcher is never taken for a range.
import { InputError } from '../errors.js';

const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
]);
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const OPERATOR_WORDS = new Set([
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'atan2',
  'inf',
  'nan',
  'start',
  'end',
]);

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** Parses a Prometheus duration (`5m`, `1h30m`, `120s`, `500ms`) into milliseconds. */
export function parseDurationMs(text: string): number {
  const trimmed = text.trim();
  const pattern = /(\d+)(ms|s|m|h|d|w|y)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = pattern.exec(trimmed); match; match = pattern.exec(trimmed)) {
    total += Number(match[1]) * (DURATION_UNITS_MS[match[2] ?? ''] ?? 0);
    consumed = pattern.lastIndex;
  }
  if (trimmed === '' || consumed !== trimmed.length)
    throw new InputError(`Expected a Prometheus duration such as \`5m\` or \`1h30m\`, got \`${text}\`.`);
  return total;
}

/** Milliseconds as the shortest exact Prometheus duration (`90000` → `1m30s`, `1500` → `1s500ms`). */
export function formatDurationMs(ms: number): string {
  if (!Number.isInteger(ms) || ms <= 0)
    throw new InputError(`Expected a positive whole number of milliseconds, got \`${ms}\`.`);
  let rest = ms;
  let text = '';
  for (const unit of ['y', 'w', 'd', 'h', 'm', 's', 'ms'] as const) {
    const size = DURATION_UNITS_MS[unit] ?? 1;
    const count = Math.floor(rest / size);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return text;
}

/** A duration divided by `factor`, rounded to whole milliseconds (at least 1 ms). */
export function compressDuration(text: string, factor: number): string {
  return formatDurationMs(Math.max(1, Math.round(parseDurationMs(text) / factor)));
}

interface Token {
  readonly kind: 'ident' | 'string' | 'range' | 'punct' | 'other';
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < expr.length) {
    const char = expr[index] ?? '';
    const start = index;
    if (char === '#') {
      while (index < expr.length && expr[index] !== '\n') index++;
      continue;
    }
    if (char === '"' || char === "'" || char === '`') {
      index++;
      while (index < expr.length && expr[index] !== char)
        index += expr[index] === '\\' && char !== '`' ? 2 : 1;
      index++;
      tokens.push({ kind: 'string', text: expr.slice(start, index), start, end: index });
      continue;
    }
    if (char === '[') {
      const close = expr.indexOf(']', index);
      if (close === -1) throw new InputError(`Unbalanced \`[\` in PromQL expression: ${expr}`);
      index = close + 1;
      tokens.push({ kind: 'range', text: expr.slice(start, index), start, end: index });
      continue;
    }
    if (/[A-Za-z_:]/.test(char)) {
      while (index < expr.length && /[A-Za-z0-9_:]/.test(expr[index] ?? '')) index++;
      tokens.push({ kind: 'ident', text: expr.slice(start, index), start, end: index });
      continue;
    }
    if (/[0-9.]/.test(char)) {
      // Numbers and durations after `offset` (`5m`): one token.
      while (index < expr.length && /[0-9.a-zA-Z_]/.test(expr[index] ?? '')) index++;
      tokens.push({ kind: 'other', text: expr.slice(start, index), start, end: index });
      continue;
    }
    index++;
    if (!/\s/.test(char)) tokens.push({ kind: 'punct', text: char, start, end: index });
  }
  return tokens;
}

/** The metric names an expression selects (sorted, unique): not functions, keywords or label names. */
export function metricNamesOf(expr: string): string[] {
  const tokens = tokenize(expr);
  const names = new Set<string>();
  let braceDepth = 0;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    if (!token) continue;
    if (token.kind === 'punct' && token.text === '{') braceDepth++;
    if (token.kind === 'punct' && token.text === '}') braceDepth--;
    if (token.kind !== 'ident' || braceDepth > 0) continue;
    const word = token.text.toLowerCase();
    if (KEYWORDS.has(word)) {
      // Skip the label list that follows: `by (instance, le)`.
      if (tokens[index + 1]?.text === '(') {
        while (index < tokens.length && tokens[index]?.text !== ')') index++;
      }
      continue;
    }
    if (OPERATOR_WORDS.has(word) || AGGREGATIONS.has(word)) continue;
    if (tokens[index + 1]?.text === '(') continue; // a function call
    names.add(token.text);
  }
  return [...names].sort();
}

/**
 * The expression with every range (`[5m]`), subquery (`[15m:1m]`) and offset duration divided by `factor`, and
 * predict_linear's horizon (seconds, a number) divided too: `predict_linear(v[4h], 4*60*60)` predicts as far ahead,
 * in compressed time, as the rule meant. Other text is kept byte for byte.
 */
export function compressExpression(expr: string, factor: number): string {
  return compressPredictHorizons(compressDurations(expr, factor), factor);
}

/** `predict_linear(v, t)` → `predict_linear(v, (t) / factor)`. */
function compressPredictHorizons(expr: string, factor: number): string {
  const tokens = tokenize(expr);
  const edits: { at: number; text: string }[] = [];
  for (let index = 0; index < tokens.length; index++) {
    if (tokens[index]?.text !== 'predict_linear' || tokens[index + 1]?.text !== '(') continue;
    let depth = 0;
    let argument: Token | undefined;
    for (let inner = index + 1; inner < tokens.length; inner++) {
      const token = tokens[inner];
      if (token?.kind !== 'punct') continue;
      if (token.text === '(') depth++;
      else if (token.text === ')') {
        depth--;
        if (depth === 0) {
          if (argument)
            edits.push({ at: argument.start, text: '(' }, { at: token.start, text: `) / ${factor}` });
          break;
        }
      } else if (token.text === ',' && depth === 1) argument = tokens[inner + 1];
    }
  }
  let output = expr;
  for (const edit of edits.sort((a, b) => b.at - a.at))
    output = output.slice(0, edit.at) + edit.text + output.slice(edit.at);
  return output;
}

function compressDurations(expr: string, factor: number): string {
  const tokens = tokenize(expr);
  let output = '';
  let cursor = 0;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    if (!token) continue;
    let replacement: string | undefined;
    if (token.kind === 'range') {
      const inner = token.text.slice(1, -1);
      const [range, step] = inner.split(':');
      const scaled = [compressDuration(range ?? '', factor)];
      if (step !== undefined) scaled.push(step.trim() === '' ? '' : compressDuration(step, factor));
      replacement = `[${scaled.join(':')}]`;
    } else if (token.kind === 'other' && tokens[index - 1]?.text.toLowerCase() === 'offset') {
      replacement = compressDuration(token.text, factor);
    }
    if (replacement !== undefined) {
      output += expr.slice(cursor, token.start) + replacement;
      cursor = token.end;
    }
  }
  return output + expr.slice(cursor);
}
