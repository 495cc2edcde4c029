import { describe, expect, it } from 'vitest';
import { getopt, type OptionSpec } from '../src/cli/getopt';
import { UsageError } from '../src/cli/usage-error';

// A table of the four kinds (flag, counted flag, value, collected value), short and long.
const TABLE = [
  { key: 'all', short: 'a', long: 'all', value: false, repeat: false },
  { key: 'loud', short: 'v', value: false, repeat: true },
  { key: 'name', short: 'n', long: 'name', value: true, repeat: false },
  { key: 'tags', short: 't', long: 'tag', value: true, repeat: true },
  { key: 'plain', long: 'plain', value: false, repeat: false },
] as const satisfies readonly OptionSpec[];

const parse = (argv: string[]) => getopt(argv, TABLE);

describe("getopt, tini's grammar", () => {
  it.each([
    // letters cluster; a value takes the rest of its cluster, or else the next word
    [['-avv', 'cmd'], { all: true, loud: 2 }, ['cmd']],
    [['-va', '-v', 'cmd'], { all: true, loud: 2 }, ['cmd']],
    [['-nfoo', 'cmd'], { name: 'foo' }, ['cmd']],
    [['-vn', 'foo', 'cmd'], { loud: 1, name: 'foo' }, ['cmd']],
    [['-vnav', 'cmd'], { loud: 1, name: 'av' }, ['cmd']],
    // the next word is the value whatever it looks like
    [['-n', '-1', 'cmd'], { name: '-1' }, ['cmd']],
    [['-n-1', 'cmd'], { name: '-1' }, ['cmd']],
    [['-n', '--', 'cmd'], { name: '--' }, ['cmd']],
    [['--name', '--all', 'cmd'], { name: '--all' }, ['cmd']],
    [['-n', '', 'cmd'], { name: '' }, ['cmd']],
    // long forms
    [['--name=foo', 'cmd'], { name: 'foo' }, ['cmd']],
    [['--name', 'foo', 'cmd'], { name: 'foo' }, ['cmd']],
    [['--name=a=b', 'cmd'], { name: 'a=b' }, ['cmd']],
    [['--name=', 'cmd'], { name: '' }, ['cmd']],
    [['--all', '--plain', 'cmd'], { all: true, plain: true }, ['cmd']],
    // a single value keeps the last; a repeatable one collects, short and long mixed
    [['-n', 'a', '--name=b', '-nc', 'cmd'], { name: 'c' }, ['cmd']],
    [['-ta', '--tag', 'b', '-t', 'c', 'cmd'], { tags: ['a', 'b', 'c'] }, ['cmd']],
    [['-a', '--all', 'cmd'], { all: true }, ['cmd']],
    // options end at `--` (consumed), or at the first word that is not an option
    [['-a', '--', '-v', '--', 'x'], { all: true }, ['-v', '--', 'x']],
    [['-a', 'cmd', '-v', '--name'], { all: true }, ['cmd', '-v', '--name']],
    [['-a', '-', '-v'], { all: true }, ['-', '-v']],
    [['', '-a'], {}, ['', '-a']],
    [['--'], {}, []],
    [[], {}, []],
  ])('%j', (argv, found, command) => {
    expect(parse(argv)).toEqual({ found, command });
  });

  it.each([
    [['-x', 'cmd'], 'unknown option -x'],
    [['-avx', 'cmd'], 'unknown option -x'],
    [['-é'], 'unknown option -é'],
    [['--nope', 'cmd'], 'unknown option --nope'],
    [['--nope=3', 'cmd'], 'unknown option --nope'],
    [['--a', 'cmd'], 'unknown option --a'], // a letter's long form does not exist
    [['--v', 'cmd'], 'unknown option --v'],
    [['--al', 'cmd'], 'unknown option --al'], // no abbreviations
    [['--__proto__', 'cmd'], 'unknown option --__proto__'],
    [['--toString', 'cmd'], 'unknown option --toString'],
    [['---all', 'cmd'], 'unknown option ---all'],
    [['-n'], 'option -n needs a value'],
    [['-avn'], 'option -n needs a value'],
    [['--name'], 'option --name needs a value'],
    [['-a', '--tag'], 'option --tag needs a value'],
    [['--all=yes', 'cmd'], 'option --all takes no value'],
    [['--plain=', 'cmd'], 'option --plain takes no value'],
    [['-a', '-x', '--nope'], 'unknown option -x'], // the first problem, in argv's order
  ])('%j is a usage error: %s', (argv, message) => {
    expect(() => parse(argv)).toThrow(UsageError); // the CLI's exit 2
    expect(() => parse(argv)).toThrow(new UsageError(message)); // the exact words
  });

  it('leaves its input alone', () => {
    const argv = ['-t', 'a', '--', 'cmd'];
    parse(argv);
    expect(argv).toEqual(['-t', 'a', '--', 'cmd']);
  });
});
