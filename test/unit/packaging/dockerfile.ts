/**
 * Just enough of the Dockerfile and .dockerignore formats to check firebreak's image statically
 * (no Docker engine is needed): instructions with line continuations and comments, build stages,
 * ARG defaults in FROM, exec-form arguments, ENV pairs, and .dockerignore matching.
 */

/** One instruction, continuation lines joined. */
export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY... */
  keyword: string;
  /** Everything after the keyword, continuation backslashes removed. */
  args: string;
  /** 1-based line of the keyword. */
  line: number;
}

export interface Stage {
  /** Image reference with ARG defaults substituted. */
  image: string;
  /** `AS` name, or the stage's index as a string. */
  name: string;
  instructions: Instruction[];
}

/** Instructions in order; comment and blank lines (also inside continuations) are skipped. */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { parts: string[]; line: number } | null = null;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const trimmed = raw.trim();
    // Docker skips comment and empty lines, also inside a continuation.
    if (trimmed.startsWith('#') || trimmed === '') continue;
    const continues = trimmed.endsWith('\\');
    const part = continues ? trimmed.slice(0, -1).trim() : trimmed;
    pending ??= { parts: [], line: index + 1 };
    if (part !== '') pending.parts.push(part);
    if (continues) continue;
    const joined = pending.parts.join(' ');
    const match = /^(\S+)\s*(.*)$/s.exec(joined);
    if (match !== null) instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!, line: pending.line });
    pending = null;
  }
  return instructions;
}

/** Build stages; ARGs declared before the first FROM are substituted into FROM lines. */
export function stages(instructions: Instruction[]): Stage[] {
  const globalArgs = new Map<string, string>();
  const out: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const resolved = image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a: string | undefined, b: string | undefined) => globalArgs.get((a ?? b)!) ?? '');
      out.push({ image: resolved, name: as?.toUpperCase() === 'AS' && name !== undefined ? name : String(out.length), instructions: [] });
    } else if (out.length === 0) {
      if (instruction.keyword === 'ARG') {
        const [key, value = ''] = instruction.args.split('=', 2);
        globalArgs.set(key!.trim(), value.trim());
      }
    } else {
      out[out.length - 1]!.instructions.push(instruction);
    }
  }
  return out;
}

/** Arguments of an exec-form (JSON array) instruction, or null for shell form. */
export function execForm(args: string): string[] | null {
  if (!args.trimStart().startsWith('[')) return null;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) return null;
  return parsed;
}

/** `KEY=value` pairs of an ENV instruction (double-quoted values unquoted). */
export function envPairs(args: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const match of args.matchAll(/([A-Za-z_]\w*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    const value = match[2]!;
    pairs.set(match[1]!, value.startsWith('"') ? (JSON.parse(value) as string) : value);
  }
  return pairs;
}

/** Source paths and flags of a COPY/ADD instruction (the last word is the destination). */
export function copySources(args: string): { flags: string[]; sources: string[] } {
  const exec = execForm(args);
  const words = exec ?? args.split(/\s+/).filter((w) => w !== '');
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  return { flags, sources: paths.slice(0, -1) };
}

/** Compiled .dockerignore: `isIgnored(path)` follows Docker's rule that the last match wins. */
export function dockerignore(text: string): { isIgnored: (path: string) => boolean } {
  const rules = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negated = l.startsWith('!');
      const pattern = (negated ? l.slice(1) : l).replace(/^\/+|\/+$/g, '');
      return { negated, regex: globToRegex(pattern) };
    });
  return {
    isIgnored(path: string) {
      const clean = path.replace(/^\.\/|\/+$/g, '');
      // A pattern applies to a path when it matches the path or one of its parent folders.
      const candidates = clean.split('/').map((_p, i, all) => all.slice(0, i + 1).join('/'));
      let ignored = false;
      for (const rule of rules) {
        if (candidates.some((c) => rule.regex.test(c))) ignored = !rule.negated;
      }
      return ignored;
    },
  };
}

function globToRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      out += '.*';
      i++;
      if (pattern[i + 1] === '/') i++;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
