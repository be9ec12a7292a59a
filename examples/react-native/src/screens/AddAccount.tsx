// Enroll from an otpauth:// URI: the text of the QR code a server shows (a real app reads it
// with the camera; pasting it works everywhere). The core parses and checks it, and the
// account goes into the vault only if it is valid and not there already.
import { useState } from 'react'
import { Button, Text, View } from 'react-native'
import { parseOtpauthUri, type VaultLike } from '@plinto/mfa-react-native'
import { describe } from '../errors'
import { ErrorText } from '../ErrorText'
import { Field } from '../Field'
import { styles } from '../styles'

/** The add-account screen; `onAdded` runs once the vault holds the new account. */
export function AddAccount({ vault, onAdded }: { vault: VaultLike; onAdded: () => void }) {
  const [uri, setUri] = useState('')
  const [error, setError] = useState<string | null>(null)

  let preview: string | null = null
  if (uri.trim()) {
    try {
      const account = parseOtpauthUri(uri.trim())
      preview = `${account.issuer ?? 'No issuer'} · ${account.accountName} · ${account.digits} digits`
    } catch {
      preview = null
    }
  }

  const add = () => {
    try {
      vault.addUri(uri.trim())
      setUri('')
      setError(null)
      onAdded()
    } catch (e) {
      setError(describe(e))
    }
  }

  return (
    <View style={styles.screen}>
      <Text accessibilityRole="header" style={styles.title}>
        Add an account
      </Text>
      <Field
        label="Setup key (otpauth:// URI from the QR code)"
        onChangeText={setUri}
        placeholder="otpauth://totp/…"
        value={uri}
      />
      {preview ? <Text>{preview}</Text> : null}
      <ErrorText message={error} />
      <Button disabled={!uri.trim()} onPress={add} title="Add" />
    </View>
  )
}
