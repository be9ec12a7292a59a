// Settings → Security: the user's security keys and passkeys, adding, renaming and removing one.
import { useCallback, useEffect, useState } from 'react'
import { api, dialogError, errorMessage, type KeyType, type MfaMethod, type SecurityKey } from '../api'
import { dateTime } from '../format'
import { ConfirmDialog } from './ConfirmDialog'
import { RenameKeyDialog } from './RenameKeyDialog'
import { SecurityKeyRegistration } from './SecurityKeyRegistration'

interface SecurityKeysProps {
  /** The user's active methods, to tell whether a key is the last second factor. */
  methods: MfaMethod[]
  /** Something changed (MFA status too, maybe); `message` says what. */
  onChanged: (message: string) => void
}

const codeMethods: MfaMethod[] = ['totp', 'sms', 'email']

const kindLabels: Record<KeyType, string> = { securityKey: 'Security key', passkey: 'Passkey' }

export function SecurityKeys({ methods, onChanged }: SecurityKeysProps) {
  const [keys, setKeys] = useState<SecurityKey[] | null>(null)
  const [error, setError] = useState('')
  const [adding, setAdding] = useState(false)
  const [removing, setRemoving] = useState<SecurityKey | null>(null)
  const [renaming, setRenaming] = useState<SecurityKey | null>(null)

  const load = useCallback(async () => {
    try {
      setError('')
      setKeys(await api.auth.webauthn.list())
    } catch (err) {
      setError(errorMessage(err, 'Could not load your security keys'))
    }
  }, [])

  useEffect(() => {
    void load()
  }, [load])

  // Removing the only key of a user without code methods turns MFA off: it needs a backup code.
  const lastFactor = keys?.length === 1 && !methods.some((m) => codeMethods.includes(m))

  return (
    <section className="security-keys" aria-labelledby="security-keys-title">
      <h3 id="security-keys-title">Security keys</h3>

      {error && (
        <div className="error" role="alert">
          {error}{' '}
          <button type="button" className="link" onClick={() => void load()}>
            Try again
          </button>
        </div>
      )}

      {keys && keys.length === 0 && <p className="hint">No security keys or passkeys yet. Add one to sign in with a touch.</p>}

      {keys && keys.length > 0 && (
        <ul className="key-list">
          {keys.map((key) => (
            <li key={key.credentialId} className="key-item">
              <span className="key-icon" aria-hidden="true">
                {key.type === 'passkey' ? '👤' : '🔑'}
              </span>
              <div className="key-details">
                <span>
                  <strong className="key-name">{key.name}</strong>
                  <span className="key-type">{kindLabels[key.type] ?? 'Security key'}</span>
                </span>
                <span className="hint">
                  Added {dateTime(key.createdAt)}
                  {key.lastUsed ? ` · last used ${dateTime(key.lastUsed)}` : ' · not used yet'}
                </span>
              </div>
              <div className="actions">
                <button type="button" aria-label={`Rename ${key.name}`} onClick={() => setRenaming(key)}>
                  Rename
                </button>
                <button type="button" className="danger" aria-label={`Remove ${key.name}`} onClick={() => setRemoving(key)}>
                  Remove
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}

      {adding ? (
        <SecurityKeyRegistration
          heading="h3"
          onRegistered={(_result, kind) => {
            setAdding(false)
            void load()
            onChanged(kind === 'passkey' ? 'Passkey added.' : 'Security key added.')
          }}
          onCancel={() => setAdding(false)}
        />
      ) : (
        <div className="actions">
          <button type="button" onClick={() => setAdding(true)} disabled={!keys}>
            Add Security Key
          </button>
        </div>
      )}

      {renaming && (
        <RenameKeyDialog
          name={renaming.name}
          onClose={() => setRenaming(null)}
          onRename={async (name) => {
            try {
              await api.auth.webauthn.rename({ credentialId: renaming.credentialId, name })
            } catch (err) {
              throw new Error(errorMessage(err, 'The key could not be renamed. Try again.'))
            }
            setRenaming(null)
            setKeys((current) => current?.map((k) => (k.credentialId === renaming.credentialId ? { ...k, name } : k)) ?? null)
            void load()
            onChanged(`Renamed to ${name}.`)
          }}
        />
      )}

      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.name}?`}
          confirmLabel="Remove Key"
          busyLabel="Removing..."
          askCode={lastFactor}
          codeLabel="One of your backup codes"
          danger
          onClose={() => setRemoving(null)}
          onConfirm={async ({ password, confirmationCode }) => {
            try {
              const result = await api.auth.webauthn.remove({
                credentialId: removing.credentialId,
                password,
                confirmationCode: lastFactor ? confirmationCode : undefined,
              })
              setRemoving(null)
              setKeys((current) => current?.filter((k) => k.credentialId !== removing.credentialId) ?? null)
              void load()
              onChanged(result.mfaDisabled ? 'Security key removed. Two-factor authentication is now off.' : 'Security key removed.')
            } catch (err) {
              throw dialogError(err, 'The key could not be removed. Try again.')
            }
          }}
        >
          {lastFactor ? (
            <p>
              It is your only second step: removing it turns two-factor authentication off. Confirm with your password and one of your
              backup codes.
            </p>
          ) : (
            <p>You will no longer be able to sign in with this key. Confirm with your password.</p>
          )}
        </ConfirmDialog>
      )}
    </section>
  )
}
