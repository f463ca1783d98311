import { CommonProblems, HttpProblem } from '../problem.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: a description may hold \n and \t, nothing else
const CONTROL_BUT_NEWLINE_AND_TAB = /[\u0000-\u0008\u000b-\u001f\u007f]/;
/** The only field that may hold `\n` and `\t` (API.md: a product's description). */
const MULTILINE_FIELD = 'description';

const utf8 = new TextDecoder('utf-8', { fatal: true });

const escapePointer = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

function invalid(pointer: string, detail: string): HttpProblem {
  return new HttpProblem(CommonProblems.validation, `#${pointer} ${detail}`, {
    extensions: { errors: [{ pointer: `#${pointer}`, detail }] },
  });
}

/** The first value breaking API.md's text and number rules, as a problem; undefined when all is well. */
function firstBrokenRule(value: unknown, pointer: string, key: string): HttpProblem | undefined {
  if (typeof value === 'string') {
    const rule = key === MULTILINE_FIELD ? CONTROL_BUT_NEWLINE_AND_TAB : CONTROL;
    return rule.test(value) ? invalid(pointer, 'must not hold control characters') : undefined;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : invalid(pointer, 'must be a finite number');
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const broken = firstBrokenRule(item, `${pointer}/${index}`, key);
      if (broken) return broken;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [name, item] of Object.entries(value)) {
      const at = `${pointer}/${escapePointer(name)}`;
      if (CONTROL.test(name)) return invalid(at, 'is a field name with control characters');
      // JSON.parse makes "__proto__" an own field; a later spread or merge would turn it into a prototype.
      if (name === '__proto__' || name === 'constructor') return invalid(at, 'is not an allowed field');
      const broken = firstBrokenRule(item, at, name);
      if (broken) return broken;
    }
  }
  return undefined;
}

/**
 * A JSON body as API.md takes it: UTF-8 (invalid bytes → 400, never U+FFFD), valid JSON, finite
 * numbers (`1e400` parses to Infinity → 400), strings without control characters.
 */
export function jsonBodyProblem(body: Buffer): { value?: unknown; problem?: HttpProblem } {
  if (body.length === 0)
    return { problem: new HttpProblem(CommonProblems.malformedBody, 'The body is empty but the content type is application/json.') };
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { problem: new HttpProblem(CommonProblems.malformedBody, 'The request body is not valid UTF-8.') };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: new HttpProblem(CommonProblems.malformedBody, 'The request body is not valid JSON.') };
  }
  const broken = firstBrokenRule(value, '', '');
  return broken ? { problem: broken } : { value };
}
