// Administrators: the MFA rollout (phase, percentage, prompts, enforcement) and adoption,
// drawn as charts. The server asks for the admin role and an MFA check within ten minutes.
import { useCallback, useEffect, useState, type FormEvent } from 'react'
import { api, ApiError, errorMessage, type RolloutPhase, type RolloutStats, type RolloutStatus } from '../api'
import { dateTime } from '../format'

const phases: { id: RolloutPhase; name: string; description: string }[] = [
  { id: 'disabled', name: 'Disabled', description: 'No prompts, nothing required' },
  { id: 'optional', name: 'Optional', description: 'Users may set it up' },
  { id: 'encouraged', name: 'Encouraged', description: 'Users in the rollout see prompts' },
  { id: 'required_admin', name: 'Required for admins', description: 'Admins must set it up' },
  { id: 'required_all', name: 'Required for all', description: 'Everyone in the rollout must set it up' },
]

/** The states a user can be in, with their colors (CSS variables). */
const states: { key: 'enrolled' | 'withinGrace' | 'overdue' | 'prompted' | 'notRequired'; label: string }[] = [
  { key: 'enrolled', label: 'Enrolled' },
  { key: 'withinGrace', label: 'Within grace period' },
  { key: 'overdue', label: 'Overdue' },
  { key: 'prompted', label: 'Prompted' },
  { key: 'notRequired', label: 'Not required' },
]

export function Admin() {
  const [status, setStatus] = useState<RolloutStatus | null>(null)
  const [stats, setStats] = useState<RolloutStats | null>(null)
  const [percentage, setPercentage] = useState('100')
  const [error, setError] = useState('')
  const [notice, setNotice] = useState('')
  const [busy, setBusy] = useState(false)

  const load = useCallback(async () => {
    try {
      const [s, st] = await Promise.all([api.auth.rollout.status(), api.auth.rollout.stats(14)])
      setStatus(s)
      setStats(st)
      setPercentage(String(s.percentage))
      setError('')
    } catch (err) {
      const recent = err instanceof ApiError && err.code === 'mfa_step_up_required'
      setError(recent ? 'Sign in again with your second factor to manage the rollout.' : errorMessage(err, 'Could not load the rollout'))
    }
  }, [])

  useEffect(() => {
    void load()
  }, [load])

  const change = async (options: { phase?: RolloutPhase; percentage?: number }) => {
    try {
      setBusy(true)
      setNotice('')
      await api.auth.rollout.change(options)
      await load()
      setNotice('Rollout updated.')
    } catch (err) {
      setError(errorMessage(err, 'Could not change the rollout'))
    } finally {
      setBusy(false)
    }
  }

  const savePercentage = (event: FormEvent) => {
    event.preventDefault()
    void change({ percentage: Number(percentage) })
  }

  const enforce = async () => {
    try {
      setBusy(true)
      const result = await api.auth.rollout.enforce()
      await load()
      setNotice(`Looked at ${result.scanned} users; ${result.newlyRequired} given a deadline now.`)
    } catch (err) {
      setError(errorMessage(err, 'Could not enforce the rollout'))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div>
      <h1>MFA rollout</h1>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {status && (
        <section className="card" aria-labelledby="phase-heading">
          <h2 id="phase-heading">Phase</h2>
          <p>
            Current: <strong>{phases.find((p) => p.id === status.phase)?.name}</strong>
            {status.phaseStartedAt ? ` since ${dateTime(status.phaseStartedAt)}` : ''}; grace period {status.gracePeriodDays} days
            {status.requireForAdmins ? '; admins always required' : ''}.
          </p>
          <div className="phases" role="group" aria-label="Move the rollout to a phase">
            {phases.map((p) => (
              <button
                key={p.id}
                type="button"
                className={p.id === status.phase ? 'phase current' : 'phase'}
                aria-pressed={p.id === status.phase}
                disabled={busy}
                onClick={() => void change({ phase: p.id })}
              >
                <span className="phase-name">{p.name}</span>
                <span className="phase-description">{p.description}</span>
              </button>
            ))}
          </div>
          <form className="inline" onSubmit={savePercentage}>
            <label className="field">
              <span>Share of users in the rollout (%)</span>
              <input type="number" min={0} max={100} value={percentage} onChange={(e) => setPercentage(e.target.value)} />
            </label>
            <button type="submit" disabled={busy}>
              Save
            </button>
            <button type="button" disabled={busy} onClick={() => void enforce()}>
              Give deadlines now
            </button>
          </form>
        </section>
      )}
      {stats && <Adoption stats={stats} />}
    </div>
  )
}

/** Users by state as one stacked bar, and set-ups per day as columns. */
function Adoption({ stats }: { stats: RolloutStats }) {
  const total = Math.max(stats.users, 1)
  const width = 600
  let x = 0
  const max = Math.max(1, ...stats.enrollmentsPerDay.map((d) => d.count))
  const column = width / Math.max(stats.enrollmentsPerDay.length, 1)
  const percent = Math.round((stats.enrolled * 100) / total)
  return (
    <section className="card" aria-labelledby="adoption-heading">
      <h2 id="adoption-heading">Adoption</h2>
      <p>
        <strong>{percent}%</strong> of {stats.users} users have two-factor authentication.
      </p>
      <svg className="chart" viewBox={`0 0 ${width} 40`} role="img" aria-label={`Users by state: ${states.map((s) => `${s.label} ${stats[s.key]}`).join(', ')}`}>
        {states.map((s) => {
          const w = (stats[s.key] / total) * width
          const rect = <rect key={s.key} x={x} y={0} width={w} height={40} className={`state-${s.key}`} />
          x += w
          return rect
        })}
      </svg>
      <ul className="legend">
        {states.map((s) => (
          <li key={s.key}>
            <span className={`swatch state-${s.key}`} aria-hidden="true" /> {s.label}: {stats[s.key]}
          </li>
        ))}
      </ul>
      <h3>Set-ups per day</h3>
      <svg
        className="chart"
        viewBox={`0 0 ${width} 130`}
        role="img"
        aria-label={`Set-ups per day: ${stats.enrollmentsPerDay.map((d) => `${d.date} ${d.count}`).join(', ')}`}
      >
        {stats.enrollmentsPerDay.map((d, i) => {
          const h = (d.count / max) * 100
          return (
            <g key={d.date}>
              <rect x={i * column + 4} y={105 - h} width={column - 8} height={h} className="bar" />
              <text x={i * column + column / 2} y={125} textAnchor="middle" className="axis">
                {d.date.slice(5)}
              </text>
              {d.count > 0 && (
                <text x={i * column + column / 2} y={100 - h} textAnchor="middle" className="value">
                  {d.count}
                </text>
              )}
            </g>
          )
        })}
      </svg>
      <p className="methods">
        By method: authenticator app {stats.byMethod.totp}, security key {stats.byMethod.webauthn}, SMS {stats.byMethod.sms}, email{' '}
        {stats.byMethod.email}; with backup codes {stats.byMethod.backup}.
      </p>
    </section>
  )
}
