// make bench, last step: reads the JSON lines the benchmarks wrote and prints one Markdown
// report with the ratios (ours / peer) next to the goals. Usage: node report.mjs FILE...
import { readFileSync } from 'node:fs'
import { cpus, release } from 'node:os'

const lines = process.argv
  .slice(2)
  .flatMap((f) => readFileSync(f, 'utf8').split('\n'))
  .filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l))

/** @param {Record<string, unknown>} where */
const find = (where) => lines.filter((l) => Object.entries(where).every(([k, v]) => l[k] === v))
const num = (/** @type {number} */ n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const verdict = (/** @type {boolean} */ ok) => (ok ? 'met' : '**not met**')

const rows = []
/** A row: what, ours, peer, ratio, goal (text) and whether it is met. */
const row = (what, ours, peer, ratio, goal = '', ok = null) =>
  rows.push(`| ${what} | ${ours} | ${peer} | ${num(ratio, 2)}× | ${goal}${ok === null ? '' : ` (${verdict(ok)})`} |`)

for (const lang of ['node', 'python']) {
  const label = lang === 'node' ? 'Node' : 'Python'
  for (const r of find({ lang, name: 'totp_verify' })) {
    const ratio = r.ratio ?? r.ours_ops / r.peer_ops
    const goal = r.durability === 'normal' && r.callers === 1 ? ['≥ 1.5×', ratio >= 1.5] : []
    row(`${label} TOTP verify, ${r.durability}, ${r.callers} caller${r.callers > 1 ? 's' : ''} (ops/s) vs ${r.peer}`, num(r.ours_ops), num(r.peer_ops), ratio, ...goal)
  }
  for (const r of find({ lang, name: 'totp_verify_full_vs_peer_normal' })) {
    const ratio = r.ratio ?? r.ours_ops / r.peer_ops
    row(`${label} TOTP verify, full, ${r.callers} callers (ops/s) vs ${r.peer}`, num(r.ours_ops), num(r.peer_ops), ratio, '≥ 1.0×', ratio >= 1)
  }
  for (const r of find({ lang, name: 'sign_in' })) {
    const ratio = r.ours_ms / r.peer_ms
    row(`${label} sign-in (ms per call) vs ${r.peer}`, num(r.ours_ms, 1), num(r.peer_ms, 1), ratio, '≤ 1.1× the time', ratio <= 1.1)
  }
}
for (const r of find({ lang: 'python', name: 'async_api' })) {
  row('Python async API, `asyncio.to_thread` (ops/s) vs the blocking call', num(r.to_thread_ops), num(r.blocking_ops), r.to_thread_ops / r.blocking_ops)
  row('Python async API, a dedicated executor (ops/s) vs the blocking call', num(r.executor_ops), num(r.blocking_ops), r.executor_ops / r.blocking_ops)
}
for (const r of find({ lang: 'http', name: 'express_verify' })) {
  row(`Express \`POST /api/auth/mfa/verify\`, ${r.connections} connections (req/s) vs ${r.peer}`, num(r.ours_rps), num(r.peer_rps), r.ours_rps / r.peer_rps)
  row('  the same, p99 latency (ms)', num(r.ours_p99_ms), num(r.peer_p99_ms), r.ours_p99_ms / r.peer_p99_ms)
}

const scale = find({ lang: 'rust', name: 'verify_scale' }).sort((a, b) => a.users - b.users)
const backups = find({ lang: 'rust', name: 'backup_codes' }).sort((a, b) => a.codes - b.codes)
const core = find({ lang: 'rust', name: 'core_ops' })

const out = []
out.push(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Linux ${release()}, Node ${process.version}.`, '')
const rounds = find({ name: 'totp_verify' })[0]?.rounds
if (rounds) {
  out.push(`Verification rows: medians of ${rounds} rounds in which ours and the peer alternate; the ratio is the median of the rounds' ratios.`, '')
}
out.push('| measure | ours | peer | ours / peer | goal |', '|---|---:|---:|---:|---|', ...rows, '')
if (scale.length) {
  out.push('TOTP verification latency by user-base size (core, durability `normal`):', '')
  out.push('| users | p50 µs | p99 µs | mean µs |', '|---:|---:|---:|---:|')
  for (const r of scale) out.push(`| ${num(r.users)} | ${num(r.p50_us, 1)} | ${num(r.p99_us, 1)} | ${num(r.mean_us, 1)} |`)
  const first = scale[0]
  const last = scale[scale.length - 1]
  const ratio = last.p99_us / first.p99_us
  out.push('', `p99 at ${num(last.users)} users / p99 at ${num(first.users)}: ${num(ratio, 2)}× (goal ≤ 1.5×: ${verdict(ratio <= 1.5)}).`, '')
}
if (backups.length) {
  out.push('| backup-code check | p50 µs | p99 µs |', '|---|---:|---:|')
  for (const r of backups) out.push(`| ${r.codes} codes left | ${num(r.p50_us, 1)} | ${num(r.p99_us, 1)} |`)
  if (backups.length > 1) out.push('', `p50 with ${backups[backups.length - 1].codes} codes / with ${backups[0].codes}: ${num(backups[backups.length - 1].p50_us / backups[0].p50_us, 2)}×.`)
  out.push('')
}
for (const r of find({ lang: 'rust', name: 'import' })) {
  out.push(`Import of ${num(r.users)} users with TOTP secrets (JSON Lines, bcrypt hashes kept, durability \`full\`): ${num(r.seconds, 1)} s, ${num(r.users_per_s)} users/s (goal ≥ 5,000: ${verdict(r.users_per_s >= 5000)}).`, '')
}
if (core.length) {
  out.push('| core operation | p50 µs | p99 µs |', '|---|---:|---:|')
  for (const r of core) out.push(`| ${r.op} | ${num(r.p50_us, 1)} | ${num(r.p99_us, 1)} |`)
}
console.log(out.join('\n'))
