/**
 * Just enough of a Dockerfile parser to check deploy/docker/Dockerfile without an engine: instructions
 * with their line, grouped by stage. Follows the reference's rules that matter here: `#` comments and
 * parser directives on their own lines, `\` continuing an instruction on the next line (comment lines
 * inside it dropped), keywords in any case, exec form (`["node", "x.ts"]`) or shell form.
 */

export interface Instruction {
  /** Upper case: `FROM`, `RUN`, `COPY`… */
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string;
  /** 1-based line of the keyword. */
  line: number;
}

export interface Stage {
  /** The image or earlier stage it starts from, as written (`node:24.21.0-bookworm-slim`, `deps`). */
  from: string;
  /** Its `AS` name, if any. */
  name?: string;
  /** Instructions after its FROM, up to the next FROM. */
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM: they may be used in FROM lines only. */
  globalArgs: Instruction[];
  stages: Stage[];
}

export function parseInstructions(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let current: { start: number; parts: string[] } | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (current === undefined && trimmed === '')) return;
    const continued = trimmed.endsWith('\\');
    const part = continued ? trimmed.slice(0, -1).trim() : trimmed;
    current ??= { start: index + 1, parts: [] };
    if (part) current.parts.push(part);
    if (continued) return;
    const joined = current.parts.join(' ');
    const match = /^(\S+)\s*(.*)$/s.exec(joined);
    if (match?.[1]) instructions.push({ keyword: match[1].toUpperCase(), args: match[2] ?? '', line: current.start });
    current = undefined;
  });
  return instructions;
}

export function parseDockerfile(text: string): Dockerfile {
  const result: Dockerfile = { globalArgs: [], stages: [] };
  for (const instruction of parseInstructions(text)) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const [from = '', as, name] = words;
      result.stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (result.stages.length === 0) {
      if (instruction.keyword === 'ARG') result.globalArgs.push(instruction);
    } else {
      result.stages.at(-1)?.instructions.push(instruction);
    }
  }
  return result;
}

/** The words of an exec-form argument (`["node", "x.ts"]`), or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.trimStart().startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((w) => typeof w === 'string')) throw new Error(`not a JSON array of strings: ${args}`);
  return parsed;
}

/** `COPY [--from=x] [--chown=…] a b dest` → its options, sources and destination. */
export function copyParts(args: string): { options: Record<string, string>; sources: string[]; destination: string } {
  const words = execForm(args) ?? args.split(/\s+/).filter(Boolean);
  const options: Record<string, string> = {};
  while (words[0]?.startsWith('--')) {
    const [key = '', value = ''] = (words.shift() ?? '').slice(2).split('=');
    options[key] = value;
  }
  const destination = words.pop() ?? '';
  return { options, sources: words, destination };
}

/** `ENV A=1 B=2` (or the old `ENV A 1`) and `ARG A=1 B` → name → value (undefined when none). */
export function assignments(args: string): Map<string, string | undefined> {
  const found = new Map<string, string | undefined>();
  const legacy = /^([A-Za-z_][A-Za-z0-9_]*)\s+([^=]*)$/.exec(args.trim());
  if (legacy?.[1] && !args.includes('=')) {
    found.set(legacy[1], legacy[2]?.trim() || undefined);
    return found;
  }
  for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g)) {
    const name = match[1];
    if (!name) continue;
    const value = match[2];
    found.set(name, value === undefined ? undefined : value.replace(/^["']|["']$/g, ''));
  }
  return found;
}
