import { UsageError } from './usage-error';

/** One option of a table, so that one parser serves any command line: its key, spellings and arity. */
export interface OptionSpec {
  /** Where the result holds it. */
  readonly key: string;
  /** Its letter, for `-x` (clusters with other letters). */
  readonly short?: string;
  /** Its name, for `--name`; two letters at least (`--v` is never `-v`). */
  readonly long?: string;
  /** Whether it takes a value. */
  readonly value: boolean;
  /** Whether each use counts (a flag: how many times) or collects (a value: every one, in order). */
  readonly repeat: boolean;
}

/** What was given, by key, typed from the table: a value, or their list; a flag's `true`, or its count. */
export type Found<Table extends readonly OptionSpec[]> = {
  [Spec in Table[number] as Spec['key']]?: Spec['value'] extends true
    ? Spec['repeat'] extends true
      ? string[]
      : string
    : Spec['repeat'] extends true
      ? number
      : true;
};

/**
 * Reads argv as tini's getopt does (`+`: options end at `--`, consumed, or at the first word that
 * is not one; `-` alone is a word), with long options as getopt_long's, exact names only.
 * Letters cluster (`-vvs`); a letter that takes a value takes the rest of its cluster (`-pTERM`)
 * or else the next word, whatever it looks like (`-e -1`, `-p --`); `--name=value` or
 * `--name value`. A single value given twice keeps the last. Throws a UsageError in our words.
 */
export function getopt<const Table extends readonly OptionSpec[]>(argv: readonly string[], table: Table): { found: Found<Table>; command: string[] } {
  const byShort = (letter: string) => table.find((spec) => spec.short === letter);
  const byLong = (name: string) => table.find((spec) => spec.long === name);
  const found: Record<string, string | string[] | number | true> = {};
  let index = 0;
  const nextWord = (spelling: string) => {
    if (index === argv.length) throw new UsageError(`option ${spelling} needs a value`);
    return argv[index++];
  };
  const record = (spec: OptionSpec, value?: string) => {
    if (spec.value && spec.repeat) found[spec.key] = [...((found[spec.key] as string[] | undefined) ?? []), value!];
    else if (spec.value) found[spec.key] = value!;
    else found[spec.key] = spec.repeat ? ((found[spec.key] as number | undefined) ?? 0) + 1 : true;
  };

  while (index < argv.length && argv[index].startsWith('-') && argv[index] !== '-') {
    const word = argv[index++];
    if (word === '--') break;
    if (word.startsWith('--')) {
      const equals = word.indexOf('=');
      const spelling = equals === -1 ? word : word.slice(0, equals);
      const spec = byLong(spelling.slice(2));
      if (spec === undefined) throw new UsageError(`unknown option ${spelling}`);
      if (!spec.value && equals !== -1) throw new UsageError(`option ${spelling} takes no value`);
      record(spec, spec.value ? (equals === -1 ? nextWord(spelling) : word.slice(equals + 1)) : undefined);
      continue;
    }
    const letters = [...word.slice(1)]; // by code point: an unknown `-é` is named whole
    for (const [at, letter] of letters.entries()) {
      const spec = byShort(letter);
      if (spec === undefined) throw new UsageError(`unknown option -${letter}`);
      if (!spec.value) {
        record(spec);
        continue;
      }
      const rest = letters.slice(at + 1).join('');
      record(spec, rest === '' ? nextWord(`-${letter}`) : rest);
      break;
    }
  }
  return { found: found as Found<Table>, command: argv.slice(index) };
}
