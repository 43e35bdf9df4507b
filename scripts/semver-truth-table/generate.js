#!/usr/bin/env node
// Writes the semver truth table that tests/semver/ checks gouvernante.semver against.
// Everything in it is computed by the real `semver` package pinned in package.json.
//
//   npm ci && node generate.js                       # -> ../../tests/semver/truth_table.json
//   node generate.js --random 20000 --seed 7 --out /tmp/big.json   # extra fuzz table (not committed)
'use strict'

const fs = require('fs')
const path = require('path')
const semver = require('semver')

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(name)
  return i === -1 ? fallback : args[i + 1]
}
const OUT = option('--out', path.join(__dirname, '..', '..', 'tests', 'semver', 'truth_table.json'))
const RANDOM_COUNT = Number(option('--random', '400'))
const SEED = Number(option('--seed', '20250918'))

// Deterministic PRNG (xorshift32) so the committed table is reproducible.
let state = SEED >>> 0 || 1
const rand = (n) => {
  state ^= state << 13
  state >>>= 0
  state ^= state >>> 17
  state ^= state << 5
  state >>>= 0
  return state % n
}

const unique = (list) => [...new Set(list)]

// Versions every range is tested against (the columns). Invalid strings are included on purpose:
// satisfies() must be false for them.
const VERSIONS = [
  '0.0.0-0', '0.0.0', '0.0.1', '0.0.2', '0.0.3-beta', '0.0.3', '0.0.4-0', '0.1.0', '0.1.2',
  '0.1.3-rc.1', '0.1.3', '0.2.0', '0.9.9', '1.0.0-0', '1.0.0-alpha', '1.0.0-beta', '1.0.0-beta.2',
  '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.1.0', '1.2.0-0', '1.2.0', '1.2.2',
  '1.2.3-0', '1.2.3-alpha', '1.2.3-beta', '1.2.3-beta.1', '1.2.3-beta.2', '1.2.3-beta.10',
  '1.2.3', '1.2.3+build.5', '1.2.4-rc.1', '1.2.4', '1.2.9', '1.3.0-0', '1.3.0', '1.9.9',
  '1.10.0', '2.0.0-0', '2.0.0-alpha', '2.0.0', '2.0.1', '2.3.4-beta', '2.3.4', '2.3.5-0',
  '2.3.5', '2.4.0', '3.0.0-rc.1', '3.0.0', '10.0.0', '9007199254740991.0.0',
  'v1.2.3', ' 1.2.3 ', '=1.2.3', '1.2', '1.2.3.4', '', '01.2.3', '1.2.3-', 'x',
  '1.2.3\n', '\u00a01.2.3', '1.2.3\u001c', '\ufeff1.2.3',
]

// Extra strings for parse/valid checks only.
const PARSE_ONLY = [
  '=v=1.2.3', '01.02.03', '1.2.3beta', '1.2.3-beta01', ' =v 1.2.3', '1.2.3rc.1', '1.2.03-0',
  '1.2.3-beta.01', '1.2.3-beta.0a', '1.2.3--', '1.2.3-alpha-1.x-y', '1.2.3+', '1.2.3+a..b',
  '1.2.3+001', '1.2.3-0.0.0', 'V1.2.3', 'vv1.2.3', 'v 1.2.3', '1.2.3 ', '\t1.2.3\t',
  '9007199254740992.0.0', '1.9007199254740991.0', '0.0.9007199254740991',
  '1.2.3-9007199254740990', '1.2.3-9007199254740991', '1.2.3-99999999999999999999',
  '1.2.3-a.' + 'b'.repeat(240), '1.2.3-' + 'a'.repeat(250), '1.2.3-' + 'a'.repeat(251),
  ' '.repeat(252) + '1.2.3', ' '.repeat(251) + '1.2.3', '1.2.3\u2028', '1.2.3\u0085',
  '1.2.3\u3000', '１.2.3', '1.2.3-ß', '-1.2.3', '1.-2.3', '1.2.-3', '1..3', '.1.2.3',
  '1.2.3-beta+exp.sha.5114f85', '1.0.0-x.7.z.92', '1.0.0-alpha.beta', '1.0.0-0.3.7',
]

const SPECS = [
  '*', 'x', 'X', '', '1', '1.x', '1.X', '1.*', '1.2', '1.2.x', '1.2.*', '1.2.3', '1.2.3-beta',
  '1.2.3-beta.2', '1.2.3+build', '1.2.3-beta+b.1', '0', '0.x', '0.0', '0.0.x', '0.1', '0.1.x',
  '0.1.2', '0.0.3', '0.0.3-beta', '0.1.3-rc.1', '2.x.x', 'x.x.x', '1.x.3', 'x.2', '2.0.0-0',
  '0.0.0', '0.0.0-0', '01.2.3', '1.02', '1.2.3.4', 'v1.2.3', 'v1', '=1.2.3', '2.3.4',
  '9007199254740991', '1.2.9007199254740991', '1.2.3-', 'beta', '1.2.x.3',
]
const PREFIXES = [
  '', '=', '<', '<=', '>', '>=', '~', '~>', '^', 'v', '= ', '< ', '>= ', '~ ', '^ ', ' ~> ',
  '<=v', '==', '=>', '^~', '~^', '>=  ', '>\t',
]

const HANDWRITTEN = [
  '', '*', 'x', 'X', '1.x', '1.2.x', '1', '1.2', '=1.2.3', '1.2.3', 'v1.2.3', '>=1.2.3 <2',
  '>= 1.2.3', '>=1.2.3  <2', '1.2 - 2.3.4', '1.2.3 - 2.3.4', '1.2.3 - 2.3', '1.2.3 - 2',
  '1 - 2', '* - 2', '1.2.3 - *', '1.2.3-beta - 2.3.4-rc.1', 'v1.2.3 - v2.3.4', '=1.2.3 - 2',
  '1.0.0 - =1.2.3', '1.2.3 -2.3.4', '1.2.3- 2.3.4', '1.2.3 - 2.3.4 - 3', '^0.0.x', '^0.x',
  '^0.0.3', '^0.1.2', '^1.2.3', '^1.2.3-beta', '^0.0.3-beta', '^0.1.3-rc.1', '~1.2.3',
  '~1.2.3-beta', '~>1.2.3', '~> 1.2', '~1', '~0', '~0.x', '^0', '^*', '~*', '1 || 2',
  '1.2.3 || 2.3.4', '<1.0.0 || >=2.0.0', '* || 1.0.0-beta', '1.0.0-beta || *',
  '<0.0.0-0 || 1.2.3', '>2 <1 || 1.2.3', '>2 <1', '<0.0.0', '<0.0.0-0', '>=0.0.0',
  '>=0.0.0-0', '>=v0.0.0', ' >= 0.0.0 ', '||', '1.2.3 ||', '|| 1.2.3', '1.2.3 | 2', '1 ||| 2',
  '>=1.x <', '>=1.x', '<=1.x', '<1.x', '>1.x', '>1.2.x', '<=1.2.x', '=1.x', '>*', '<*', '>=*',
  '<=*', '=*', 'foo', '1.2.3.4', 'latest', 'next', '^1.2.3 foo', '>=1.2.3 <2.0.0-0',
  '>1.2.3-alpha <1.2.3', '>=1.2.3-alpha <=1.2.3-beta.2', '1.2.3-beta.2', '=1.2.3-beta.2',
  '>=1.2.3-0', '<2.0.0-0', '<=2.0.0', '>=2.0.0-alpha <2.0.1', '1.2.3+build', '1.2.3+build <2',
  '1.2.3 +build <2', '>=1.2.3+build.5', '^1.2.3+build', '1.2.3+a+b', '> 1.2.3 < 2',
  '>   1.2.3', '\t^1.2.3\n', '^1.2.3\u00a0', '\u00a0^1.2.3', '^1.2.3\ufeff', '^1.2.3\u001c',
  '^1.2.3\u0085', '^1.2.3\u2028|| 2', '1.2.3\u3000-\u30002.3.4', '~ 1.2.3', '^ 1.2.3',
  '~> 1.2.3', '~>  1.2.3', '>= =1.2.3', '>==1.2.3', '>=v1.2.3', '>= v1.2.3', '= 1.2.3',
  'v 1.2.3', 'vv1.2.3', '=v1.2.3', 'v=1.2.3', '>=09', '>=1.09', '^01.2.3', '1.2.3-01',
  '^1.2.3-01', '1.2.3-beta.0a', '^9007199254740991', '~9007199254740991.1',
  '<=9007199254740991.x', '9007199254740991.x', '>9007199254740990.x', '^1.9007199254740991',
  '1.2.3 - 1.2.9007199254740991', '^0.0.9007199254740991', '1.2.3-' + 'a'.repeat(250),
  '^1.2.3-' + 'a'.repeat(250), '>=1.2.3-' + 'a'.repeat(247), '1.2.3 - 2.3.4-' + 'a'.repeat(249),
  '>=' + '1'.repeat(300) + '.0.0', '1'.repeat(300), '<=' + 'x'.repeat(5), '1.2.3 <=2.3.4 >=0',
  '>=1 <=1', '>1 <1', '1.2 1.3', '^1.2 ~1.3', '1.x 2.x', '>=1.0.0 >=1.2.0 <3 <2.5',
  '>=1.0.0 <2 || >=3 <4 || 5.x', '2.x || >=3.0.0-alpha <3.0.0', '~>1', '~>', '~', '^', '>',
  '<', '>=', '=', '-', ' - ', '1.2.3 -', '- 1.2.3', 'x - 1', '1.x - 2.x', '1.x.x - 2.x.x',
  'X - X', '*.1', '1.*.3', '*.*', '**', '1.2.3*', '>=1.2.3*', '^1.2.*', '~1.*', '1.x-beta',
  '1.2.x-beta', '1.2.3-x', '1.x.x-beta', 'x.1.1', '>x.1', '>=1.2.3 || <1.0.0 foo', '1.0.0 < 2',
  '1.0.0 <  2', '1.0.0 < =2', '<= 2', '< = 2', '1 2 3', '1. 2', '1 .2', '1.2. 3',
  // loose mode (how npm and pnpm read a package.json): leading zeros, prerelease without its
  // hyphen, v/= runs, texts that are no comparator dropped, huge numbers
  '>=1.2.03', '1.02.3', '01.2.3 - 2.03.4', '^01.2.3', '~1.02', '1.2.3beta', '^1.2.3beta.1',
  '>=1.2.3rc1 <1.2.4', '1.2.3 foo', 'foo 1.2.3', 'foo || 1.2.3', '1.2.3 || foo', 'foo || bar',
  '^1.2.3 || 2.x || junk', '=v=v1.2.3', 'v=v 1.2.3', 'vv 1.2.3', '>=v 1.2.3', '= = 1.2.3',
  '1.2.3-beta01', '1.2.3-01.02', '1.2.3 - 2.3.4 junk', '1.x.1 || 1.2.3', '1.2 foo 1.3',
  '<=' + '9'.repeat(22) + '.x || 1.2.3', '^' + '9'.repeat(22) + ' || 1.2.3', '>=1.2.3<2',
  '>=1.2.3<2 || 1.2.3', '1.2.3.4 || 1.2.3', '*.1 || 1.2.3', '^1.2.3 !', '^1.2.3 ^', '~> 01.2',
  'latest || 1.2.3', '0001.0002.0003', '1.2.3-0a', '1.2.3a', '1.2.3-a-', '=1.2.3-', '1.2.3--1',
  '<=' + '9'.repeat(20) + '.x || 1.2.3', '>' + '9'.repeat(21) + ' || 1.2.3', '1.2.3 - 01',
]

const ranges = unique([
  ...HANDWRITTEN,
  ...PREFIXES.flatMap((pre) => SPECS.map((spec) => pre + spec)),
  ...(() => {
    const ends = ['1', '1.2', '1.2.3', '1.2.3-beta', '2.x', '*', '0.0.3', 'v2.3.4', '2.3.4-rc.1']
    return ends.flatMap((a) => ends.map((b) => `${a} - ${b}`))
  })(),
])

const TOKENS = [
  '0', '1', '2', '3', '9', '01', '10', '1.2', '1.2.3', '0.0.1', '2.3.4', '1.2.3-beta.1', '-0',
  '-rc.1', 'x', 'X', '*', '.x', '.*', '.1', '.0', '^', '~', '~>', '>', '>=', '<', '<=', '=',
  '==', ' ', ' ', ' ', '  ', '\t', '-', ' - ', '||', ' || ', '|', 'v', 'V', '+build', '+', '.',
  'beta', 'alpha.1', 'a', '1.2.3.4', '\u00a0', '\ufeff', '\u001c', '9007199254740991', '-',
  '-beta', '0-0',
]
for (let i = 0; i < RANDOM_COUNT; i++) {
  let text = ''
  const n = 1 + rand(7)
  for (let k = 0; k < n; k++) {
    text += TOKENS[rand(TOKENS.length)]
  }
  ranges.push(text)
}
const allRanges = unique(ranges)

const bits = (f) => VERSIONS.map((v) => (f(v) ? '1' : '0')).join('')

const rangeRows = allRanges.map((r) => ({
  range: r,
  valid: semver.validRange(r),
  valid_pre: semver.validRange(r, { includePrerelease: true }),
  satisfies: bits((v) => semver.satisfies(v, r)),
  satisfies_pre: bits((v) => semver.satisfies(v, r, { includePrerelease: true })),
  valid_loose: semver.validRange(r, { loose: true }),
  valid_loose_pre: semver.validRange(r, { loose: true, includePrerelease: true }),
  satisfies_loose: bits((v) => semver.satisfies(v, r, { loose: true })),
}))

const versionRows = unique([...VERSIONS, ...PARSE_ONLY]).map((v) => {
  const parsed = semver.parse(v)
  return {
    input: v,
    valid: parsed ? parsed.version : null,
    prerelease: parsed ? parsed.prerelease : null,
    build: parsed ? parsed.build : null,
    valid_loose: semver.valid(v, { loose: true }),
  }
})

// Pairwise semver.compare of the valid versions: one string of '<', '=', '>' per row.
const comparable = unique(versionRows.filter((r) => r.valid !== null).map((r) => r.input))
const compareRows = comparable.map((a) =>
  comparable.map((b) => '<=>'[semver.compare(a, b) + 1]).join(''))

const INTERSECT_RANGES = [
  '*', '', '1.2.3', '=1.2.3', '1.2.3-beta', '^1.2.3', '~1.2.3', '^1.2.3-beta', '>=1.2.3',
  '>1.2.3', '<1.2.3', '<=1.2.3', '>=1.2.3 <2', '1.x', '2.x', '1.2.x', '^0.1.2', '^0.0.3',
  '~0.0.3', '<0.0.0-0', '<0.0.0', '>2 <1', '1.2.3 - 2.3.4', '1.0.0 - 1.2.0', '1 || 3',
  '<1 || >3', '>=0.0.0', '>=1.2.3-alpha', '<2.0.0-0', '<=2.0.0', '>2.0.0', '^2', '~2.3',
  '2.3.4', '>=2.3.4 <2.3.5', '0.x', '>1.2.3-beta <1.2.3', '1.2.3-beta.2', '>1.0.0 <1.0.1',
  '>=1.0.0 <=1.0.0', '>=1.2.3-beta.1 <1.2.4', '<1.2.3-beta.3', '>=0.0.0-0', '^1.2.3 || ^3',
  '>=1.0.0 <1.2.3-beta.1 || 2.3.4-rc.1',
]
const intersectRows = INTERSECT_RANGES.map((a) =>
  INTERSECT_RANGES.map((b) => (semver.intersects(a, b) ? '1' : '0')).join(''))

const table = {
  generator: 'scripts/semver-truth-table/generate.js',
  semver_version: require('semver/package.json').version,
  node_version: process.version,
  seed: SEED,
  random_ranges: RANDOM_COUNT,
  versions: VERSIONS,
  ranges: rangeRows,
  parse: versionRows,
  compare: { versions: comparable, rows: compareRows },
  intersects: { ranges: INTERSECT_RANGES, rows: intersectRows },
}
// One line per row keeps the file small and its diffs readable.
const lines = Object.entries(table).map(([key, value]) => {
  const rows = (v) => '[\n' + v.map((x) => '  ' + JSON.stringify(x)).join(',\n') + '\n ]'
  let text
  if (Array.isArray(value) && value.length && typeof value[0] === 'object') {
    text = rows(value)
  } else if (value && typeof value === 'object' && !Array.isArray(value)) {
    text = '{' + Object.entries(value)
      .map(([k, v]) => `\n  ${JSON.stringify(k)}: ${rows(v)}`).join(',') + '\n }'
  } else {
    text = JSON.stringify(value)
  }
  return ` ${JSON.stringify(key)}: ${text}`
})
fs.writeFileSync(OUT, '{\n' + lines.join(',\n') + '\n}\n')
console.error(`${OUT}: ${rangeRows.length} ranges x ${VERSIONS.length} versions x 2 options, ` +
  `${versionRows.length} parse cases, ${comparable.length}^2 compares, ` +
  `${INTERSECT_RANGES.length}^2 intersects`)
