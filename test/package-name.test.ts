import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// What the docs tell users to install, import or run from node_modules must be the package that
// npm/pack.sh produces: the name in package.json (npm's `tsinit` is another project's), or one of
// its platform packages. Every test installs from tarballs, so nothing else would notice.
const ROOT = path.resolve(__dirname, '..');
const { name } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string };
const DOCS = ['README.md', ...readdirSync(path.join(ROOT, 'docker')).map((file) => path.join('docker', file))];

// The packages a text names: `npm install` words that are no option, no option's value and no
// file; `from '...'` and `require('...')` specifiers that are no relative path or node: module;
// the directory after node_modules/.
function packagesNamed(text: string): string[] {
  const named: string[] = [];
  for (const [, words] of text.matchAll(/\bnpm (?:install|i|add)\b([^\n`&|;]*)/g)) {
    const list = words.trim().split(/\s+/).filter(Boolean);
    for (let i = 0; i < list.length; i++) {
      if (list[i] === '--prefix') i++;
      else if (!list[i].startsWith('-') && !list[i].includes('/') && !list[i].endsWith('.tgz')) named.push(list[i]);
    }
  }
  for (const [, specifier] of text.matchAll(/\b(?:from|require\()\s*['"]([^'"]+)['"]/g)) {
    if (!specifier.startsWith('.') && !specifier.startsWith('node:')) named.push(specifier.split('/')[0]);
  }
  for (const [, directory] of text.matchAll(/node_modules\/([^/\s"'`]+)/g)) named.push(directory);
  return named;
}

describe(`the docs name the package we publish (${name})`, () => {
  it.each(DOCS)('%s', (doc) => {
    const named = packagesNamed(readFileSync(path.join(ROOT, doc), 'utf8'));
    const ours = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(-linux-(x64|arm64)-(gnu|musl))?$`);
    expect(named.filter((packageName) => !ours.test(packageName))).toEqual([]);
  });

  it('finds the names it checks: an install, an import, a node_modules path, each of another package', () => {
    const text = "npm install -g --prefix /opt/x tsinit /tmp/a.tgz\nimport { run } from 'tsinit';\nrequire('tsinit/register')\n/opt/x/node_modules/tsinit/dist/cli.js";
    expect(packagesNamed(text)).toEqual(['tsinit', 'tsinit', 'tsinit', 'tsinit']);
  });
});
