#!/usr/bin/env node
// @ts-check
// Packs @plinto/mfa the way it is published, in napi-rs's layout: the root package (JavaScript,
// types, the loader) with one optional dependency per platform package named in
// package.json's napi.targets, and each platform package (npm/<platform>/) carrying its `.node`
// file. Platform packages whose addon was built here (`plinto-mfa.<platform>.node` beside this
// file, as `napi build --platform` names it) are packed; the others are listed only.
//
//   node pack.js OUT_DIR    → OUT_DIR/*.tgz, and their names as JSON on stdout
'use strict'
const { execFileSync } = require('node:child_process')
const { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs')
const { join, resolve } = require('node:path')

const here = __dirname
const outDir = resolve(process.argv[2] ?? 'packed')
const stage = join(outDir, 'stage')
rmSync(stage, { recursive: true, force: true })
mkdirSync(stage, { recursive: true })

/** @param {string} path */
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'))
const root = readJson(join(here, 'package.json'))

/** @type {{ dir: string, name: string, addon: string }[]} */
const platforms = readdirSync(join(here, 'npm')).sort().map((dir) => {
  const pkg = readJson(join(here, 'npm', dir, 'package.json'))
  if (pkg.version !== root.version) throw new Error(`npm/${dir}: version ${pkg.version}, root ${root.version}`)
  return { dir, name: pkg.name, addon: pkg.main }
})

/** `npm pack` of a staged folder; returns the tarball's file name.
 * @param {string} dir */
const pack = (dir) => {
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', outDir], { cwd: dir, encoding: 'utf8' }))
  return packed.filename
}

/** @type {string[]} */
const tarballs = []
for (const { dir, addon } of platforms) {
  if (!existsSync(join(here, addon))) continue
  const to = join(stage, dir)
  cpSync(join(here, 'npm', dir), to, { recursive: true })
  cpSync(join(here, addon), join(to, addon))
  tarballs.push(pack(to))
}

const rootStage = join(stage, 'root')
mkdirSync(rootStage)
const files = root.files.filter((/** @type {string} */ f) => f !== '*.node')
for (const file of [...files, 'README.md']) {
  if (existsSync(join(here, file))) cpSync(join(here, file), join(rootStage, file))
}
const { devDependencies, scripts, ...published } = root
published.files = files
published.optionalDependencies = Object.fromEntries(platforms.map(({ name }) => [name, root.version]))
writeFileSync(join(rootStage, 'package.json'), `${JSON.stringify(published, null, 2)}\n`)
tarballs.unshift(pack(rootStage))
rmSync(stage, { recursive: true, force: true })
console.log(JSON.stringify(tarballs))
