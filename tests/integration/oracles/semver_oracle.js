// Oracle for `kensa version compare npm`: reads "A<TAB>B" lines and prints
// how node-semver (the npm package, installed by the test) orders them, or
// "E" when either is not a valid version to it. One process for all lines.
'use strict';
const semver = require(process.argv[2]);
const lines = require('fs').readFileSync(0, 'utf8').split('\n');
const out = [];
for (const line of lines) {
  if (line === '') continue;
  const tab = line.indexOf('\t');
  const a = line.slice(0, tab), b = line.slice(tab + 1);
  // node-semver caps numbers at 2^53-1, SemVer 2.0 (and Kensa) does not:
  // such pairs (the corpus's 30-digit vectors) are skipped, not compared.
  if (/[0-9]{16,}/.test(line)) { out.push('?'); continue; }
  // strict parsing, as npm reads versions in lockfiles and the registry
  if (tab < 0 || semver.valid(a) === null || semver.valid(b) === null) { out.push('E'); continue; }
  const c = semver.compare(a, b);
  out.push(c < 0 ? '<' : c > 0 ? '>' : '=');
}
process.stdout.write(out.map((s) => s + '\n').join(''));
