// Settings → Security: the phones enrolled for push approvals (name, platform, last used), and
// removing one.
import { useId, useRef, useState } from 'react'
import { useMfaClient, useMfaTexts } from '../context.js'
import { dialogError } from '../messages.js'
import type { MfaMethod, PushDevice } from '../types.js'
import { ConfirmDialog } from './ConfirmDialog.js'

/** What <PushDevices> takes. */
export interface PushDevicesProps {
  devices: PushDevice[]
  /** The user's active methods, to tell whether a phone is the last second factor. */
  methods: MfaMethod[]
  onChanged: (message: string) => void
}

/** The list of the user's phones, with Remove. */
export function PushDevices({ devices, methods, onChanged }: PushDevicesProps) {
  const api = useMfaClient()
  const texts = useMfaTexts()
  const words = texts.pushDevices
  const titleId = useId()
  const [removing, setRemoving] = useState<PushDevice | null>(null)
  const heading = useRef<HTMLHeadingElement>(null)
  const lastFactor = devices.length === 1 && !methods.some((m) => m !== 'push' && m !== 'backup')
  const date = texts.common.dateTime

  return (
    <section className="plinto-mfa security-keys push-devices" aria-labelledby={titleId}>
      <h3 id={titleId} ref={heading} tabIndex={-1}>
        {words.title}
      </h3>
      <ul className="key-list">
        {devices.map((device) => (
          <li key={device.id} className="key-item">
            <span className="key-icon" aria-hidden="true">
              📲
            </span>
            <div className="key-details">
              <span>
                <strong className="key-name">{device.name}</strong>
                <span className="key-type">{Object.hasOwn(words.platforms, device.platform) ? words.platforms[device.platform] : device.platform}</span>
                {device.suspended && <span className="key-type warn">{words.paused}</span>}
              </span>
              <span className="hint">
                {texts.keys.added(date(device.createdAt))}
                {device.lastUsed ? texts.keys.lastUsed(date(device.lastUsed)) : texts.keys.notUsed}
              </span>
            </div>
            <div className="actions">
              <button type="button" className="danger" aria-label={words.removeLabel(device.name)} onClick={() => setRemoving(device)}>
                {texts.keys.remove}
              </button>
            </div>
          </li>
        ))}
      </ul>
      {devices.some((d) => d.suspended) && <p className="hint">{words.pausedHint}</p>}

      {removing && (
        <ConfirmDialog
          title={words.removeTitle(removing.name)}
          confirmLabel={words.removeConfirm}
          busyLabel={texts.keys.removing}
          askCode={lastFactor}
          codeLabel={texts.dialog.backupCodeLabel}
          danger
          fallbackFocus={heading}
          onClose={() => setRemoving(null)}
          onConfirm={async ({ password, confirmationCode }) => {
            try {
              const result = await api.auth.mfa.removeFactor({
                factorId: removing.id,
                password,
                confirmationCode: lastFactor ? confirmationCode : undefined,
              })
              setRemoving(null)
              onChanged(words.removed(result.mfaDisabled))
            } catch (err) {
              throw dialogError(err, words.removeFailed, texts)
            }
          }}
        >
          <p>{lastFactor ? words.removeLastBody : words.removeBody}</p>
        </ConfirmDialog>
      )}
    </section>
  )
}
