import { CommonProblems, HttpProblem } from '../problem.ts';

/** U+0000–U+001F and U+007F: API.md's control characters, refused in bodies, queries and paths. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
export const CONTROL = /[\u0000-\u001f\u007f]/;
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

/**
 * The first value breaking API.md's text and number rules, as a problem; undefined when all is well.
 * Walks the value depth first with its own stack: JSON.parse takes any nesting a 1 MiB body can
 * hold, and a recursive walk overflowed the call stack on `[[[[…]]]]` (a 500 from every service).
 */
function firstBrokenRule(root: unknown): HttpProblem | undefined {
  // `name` is set for an object's field: its name is checked before its value, as a recursive walk would.
  const pending: { value: unknown; pointer: string; key: string; name?: string }[] = [{ value: root, pointer: '', key: '' }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, pointer, key, name } = next;
    if (name !== undefined) {
      if (CONTROL.test(name)) return invalid(pointer, 'is a field name with control characters');
      // JSON.parse makes "__proto__" an own field; a later spread or merge would turn it into a prototype.
      if (name === '__proto__' || name === 'constructor') return invalid(pointer, 'is not an allowed field');
    }
    if (typeof value === 'string') {
      const rule = key === MULTILINE_FIELD ? CONTROL_BUT_NEWLINE_AND_TAB : CONTROL;
      if (rule.test(value)) return invalid(pointer, 'must not hold control characters');
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return invalid(pointer, 'must be a finite number');
    } else if (Array.isArray(value)) {
      // Pushed last first, so they come off in order; an item keeps its array's field name.
      for (let index = value.length - 1; index >= 0; index--) pending.push({ value: value[index], pointer: `${pointer}/${index}`, key });
    } else if (value && typeof value === 'object') {
      const fields = Object.entries(value);
      for (let index = fields.length - 1; index >= 0; index--) {
        const [field, item] = fields[index] as [string, unknown];
        pending.push({ value: item, pointer: `${pointer}/${escapePointer(field)}`, key: field, name: field });
      }
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
  const broken = firstBrokenRule(value);
  return broken ? { problem: broken } : { value };
}
