// Settings → Security: the phones enrolled for push approvals (name, platform, last used), and
// removing one.
import { useState } from 'react'
import { api, dialogError, type MfaMethod, type PushDevice } from '../api'
import { dateTime } from '../format'
import { ConfirmDialog } from './ConfirmDialog'

interface PushDevicesProps {
  devices: PushDevice[]
  /** The user's active methods, to tell whether a phone is the last second factor. */
  methods: MfaMethod[]
  onChanged: (message: string) => void
}

const platformLabels: Record<string, string> = { android: 'Android', ios: 'iPhone', none: 'Checks for requests' }

export function PushDevices({ devices, methods, onChanged }: PushDevicesProps) {
  const [removing, setRemoving] = useState<PushDevice | null>(null)
  const lastFactor = devices.length === 1 && !methods.some((m) => m !== 'push' && m !== 'backup')

  return (
    <section className="security-keys push-devices" aria-labelledby="push-devices-title">
      <h3 id="push-devices-title">Phones for push approval</h3>
      <ul className="key-list">
        {devices.map((device) => (
          <li key={device.id} className="key-item">
            <span className="key-icon" aria-hidden="true">
              📲
            </span>
            <div className="key-details">
              <span>
                <strong className="key-name">{device.name}</strong>
                <span className="key-type">{platformLabels[device.platform] ?? device.platform}</span>
                {device.suspended && <span className="key-type warn">Paused</span>}
              </span>
              <span className="hint">
                Added {dateTime(device.createdAt)}
                {device.lastUsed ? ` · last used ${dateTime(device.lastUsed)}` : ' · not used yet'}
              </span>
            </div>
            <div className="actions">
              <button type="button" className="danger" aria-label={`Remove ${device.name}`} onClick={() => setRemoving(device)}>
                Remove
              </button>
            </div>
          </li>
        ))}
      </ul>
      {devices.some((d) => d.suspended) && (
        <p className="hint">Push approvals are paused after a reported request. Signing in with another method restores them.</p>
      )}

      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.name}?`}
          confirmLabel="Remove Phone"
          busyLabel="Removing..."
          askCode={lastFactor}
          codeLabel="One of your backup codes"
          danger
          onClose={() => setRemoving(null)}
          onConfirm={async ({ password, confirmationCode }) => {
            try {
              const result = await api.auth.mfa.removeFactor({
                factorId: removing.id,
                password,
                confirmationCode: lastFactor ? confirmationCode : undefined,
              })
              setRemoving(null)
              onChanged(result.mfaDisabled ? 'Phone removed. Two-factor authentication is now off.' : 'Phone removed.')
            } catch (err) {
              throw dialogError(err, 'The phone could not be removed. Try again.')
            }
          }}
        >
          {lastFactor ? (
            <p>It is your only second step: removing it turns two-factor authentication off. Confirm with your password and a backup code.</p>
          ) : (
            <p>This phone will no longer approve your sign-ins. Confirm with your password.</p>
          )}
        </ConfirmDialog>
      )}
    </section>
  )
}
