// Settings → Security: the user's security keys and passkeys, adding, renaming and removing one.
import { useCallback, useEffect, useId, useRef, useState } from 'react'
import { useMfaClient, useMfaTexts } from '../context.js'
import { useLatest } from '../hooks/useLatest.js'
import { dialogError, errorMessage } from '../messages.js'
import type { MfaMethod, SecurityKey } from '../types.js'
import { ConfirmDialog } from './ConfirmDialog.js'
import { RenameKeyDialog } from './RenameKeyDialog.js'
import { SecurityKeyRegistration } from './SecurityKeyRegistration.js'

/** What <SecurityKeys> takes. */
export interface SecurityKeysProps {
  /** The user's active methods, to tell whether a key is the last second factor. */
  methods: MfaMethod[]
  /** Something changed (MFA status too, maybe); `message` says what. */
  onChanged: (message: string) => void
}

const codeMethods: MfaMethod[] = ['totp', 'sms', 'email']

/** The list of the user's keys, with Add, Rename and Remove. */
export function SecurityKeys({ methods, onChanged }: SecurityKeysProps) {
  const api = useMfaClient()
  const texts = useMfaTexts()
  const words = texts.keys
  const titleId = useId()
  const [keys, setKeys] = useState<SecurityKey[] | null>(null)
  const [error, setError] = useState('')
  const [adding, setAdding] = useState(false)
  const [removing, setRemoving] = useState<SecurityKey | null>(null)
  const [renaming, setRenaming] = useState<SecurityKey | null>(null)
  const heading = useRef<HTMLHeadingElement>(null)
  const latest = useLatest(texts)

  const load = useCallback(async () => {
    try {
      setError('')
      setKeys(await api.auth.webauthn.list())
    } catch (err) {
      setError(errorMessage(err, latest.current.keys.loadFailed, latest.current))
    }
  }, [api, latest])

  useEffect(() => {
    void load()
  }, [load])

  // Removing the only key of a user without code methods turns MFA off: it needs a backup code.
  const lastFactor = keys?.length === 1 && !methods.some((m) => codeMethods.includes(m))
  const date = texts.common.dateTime

  return (
    <section className="plinto-mfa security-keys" aria-labelledby={titleId}>
      <h3 id={titleId} ref={heading} tabIndex={-1}>
        {words.title}
      </h3>

      {error && (
        <div className="error" role="alert">
          {error}{' '}
          <button type="button" className="link" onClick={() => void load()}>
            {texts.common.tryAgain}
          </button>
        </div>
      )}

      {keys && keys.length === 0 && <p className="hint">{words.empty}</p>}

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
                  <span className="key-type">{words.kinds[key.type] ?? words.kinds.securityKey}</span>
                </span>
                <span className="hint">
                  {words.added(date(key.createdAt))}
                  {key.lastUsed ? words.lastUsed(date(key.lastUsed)) : words.notUsed}
                </span>
              </div>
              <div className="actions">
                <button type="button" aria-label={words.renameLabel(key.name)} onClick={() => setRenaming(key)}>
                  {words.rename}
                </button>
                <button type="button" className="danger" aria-label={words.removeLabel(key.name)} onClick={() => setRemoving(key)}>
                  {words.remove}
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
            onChanged(words.keyAdded(kind))
          }}
          onCancel={() => setAdding(false)}
        />
      ) : (
        <div className="actions">
          <button type="button" onClick={() => setAdding(true)} disabled={!keys}>
            {words.add}
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
              throw new Error(errorMessage(err, words.renameFailed, texts))
            }
            setRenaming(null)
            setKeys((current) => current?.map((k) => (k.credentialId === renaming.credentialId ? { ...k, name } : k)) ?? null)
            void load()
            onChanged(words.renamed(name))
          }}
        />
      )}

      {removing && (
        <ConfirmDialog
          title={words.removeTitle(removing.name)}
          confirmLabel={words.removeConfirm}
          busyLabel={words.removing}
          askCode={lastFactor}
          codeLabel={texts.dialog.backupCodeLabel}
          danger
          fallbackFocus={heading}
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
