// A phone authenticator on Plinto MFA's React Native module: the accounts' live codes, adding
// an account from its otpauth:// URI, and push approvals with number matching. All of it runs
// in the same native core as the servers (the Turbo Module loads it into the app).
import { useEffect, useMemo, useState } from 'react'
import { Button, SafeAreaView, View } from 'react-native'
import { pushPhoneKey, Vault, type PushKeyStore, type VaultLike } from '@plinto/mfa-react-native'
import { AddAccount } from './screens/AddAccount'
import { Codes } from './screens/Codes'
import { PushApproval } from './screens/PushApproval'
import { memoryStore } from './storage'
import { styles } from './styles'

type Tab = 'codes' | 'add' | 'push'

/** The app: three screens behind a tab row. */
export function App() {
  const [tab, setTab] = useState<Tab>('codes')
  const [version, setVersion] = useState(0)
  const store = useMemo(memoryStore, [])
  const [vault, setVault] = useState<VaultLike>(() => new Vault())
  // The example's device key lives in memory (the core's software key). A real app implements
  // PushKeyStore over Android Keystore or the Secure Enclave, so the private key never leaves
  // the platform's keystore and the core only asks it to sign.
  const keyStore: PushKeyStore = useMemo(pushPhoneKey, [])

  useEffect(() => {
    store.load('vault').then((json) => json && setVault(Vault.fromJson(json)))
  }, [store])

  const added = () => {
    store.save('vault', vault.toJson())
    setVersion((v) => v + 1)
    setTab('codes')
  }

  return (
    <SafeAreaView>
      <View accessibilityRole="tablist" style={styles.tabs}>
        <Button onPress={() => setTab('codes')} title="Codes" />
        <Button onPress={() => setTab('add')} title="Add account" />
        <Button onPress={() => setTab('push')} title="Approvals" />
      </View>
      {tab === 'codes' ? <Codes vault={vault} version={version} /> : null}
      {tab === 'add' ? <AddAccount onAdded={added} vault={vault} /> : null}
      {tab === 'push' ? <PushApproval keyStore={keyStore} store={store} /> : null}
    </SafeAreaView>
  )
}
