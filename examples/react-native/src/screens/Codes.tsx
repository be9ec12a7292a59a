// The live codes of every account in the vault, with the seconds each has left, refreshed
// every second (the core computes them from the vault's secrets and the clock).
import { useEffect, useState } from 'react'
import { FlatList, Text, View } from 'react-native'
import type { AccountCode, VaultLike } from '@plinto/mfa-react-native'
import { describe } from '../errors'
import { ErrorText } from '../ErrorText'
import { styles } from '../styles'

function codesOf(vault: VaultLike): AccountCode[] | string {
  try {
    return vault.codes(undefined)
  } catch (e) {
    return describe(e)
  }
}

/** The codes screen; `version` changes when accounts are added or removed. */
export function Codes({ vault, version }: { vault: VaultLike; version: number }) {
  const [codes, setCodes] = useState(() => codesOf(vault))

  useEffect(() => {
    setCodes(codesOf(vault))
    const timer = setInterval(() => setCodes(codesOf(vault)), 1000)
    return () => clearInterval(timer)
  }, [vault, version])

  if (typeof codes === 'string') return <ErrorText message={codes} />
  return (
    <FlatList
      data={codes}
      keyExtractor={(item) => `${item.issuer ?? ''}:${item.accountName}`}
      ListEmptyComponent={<Text style={styles.screen}>No accounts yet: add one from its QR code.</Text>}
      renderItem={({ item }) => (
        <View
          accessible
          accessibilityLabel={`${item.issuer ? `${item.issuer}, ` : ''}${item.accountName}: ${item.code.split('').join(' ')}, ${item.secondsRemaining} seconds left`}
          style={styles.row}
        >
          <Text>{item.issuer ? `${item.issuer} · ${item.accountName}` : item.accountName}</Text>
          <Text style={styles.code}>{item.code}</Text>
          <Text>{item.secondsRemaining} s</Text>
        </View>
      )}
    />
  )
}
