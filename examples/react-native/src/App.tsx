// A phone authenticator on Plinto MFA's React Native module: the accounts' live codes, adding
// an account from its otpauth:// URI, and push approvals with number matching. All of it runs
// in the same native core as the servers (the Turbo Module loads it into the app).
import { useEffect, useState } from 'react'
import { Pressable, SafeAreaView, Text, View } from 'react-native'
import { pushPhoneKey, Vault, type PushKeyStore, type VaultLike } from '@plinto/mfa-react-native'
import { describe } from './errors'
import { ErrorText } from './ErrorText'
import { AddAccount } from './screens/AddAccount'
import { Codes } from './screens/Codes'
import { PushApproval } from './screens/PushApproval'
import { memoryStore, type SecretStore } from './storage'
import { styles } from './styles'

type Tab = 'codes' | 'add' | 'push'
const TABS: { tab: Tab; title: string }[] = [
  { tab: 'codes', title: 'Codes' },
  { tab: 'add', title: 'Add account' },
  { tab: 'push', title: 'Approvals' },
]
const VAULT = 'vault'

/** The app: three screens behind a tab row. */
export function App() {
  const [tab, setTab] = useState<Tab>('codes')
  const [version, setVersion] = useState(0)
  const [store] = useState<SecretStore>(memoryStore)
  const [vault, setVault] = useState<VaultLike | null>(null)
  const [error, setError] = useState<string | null>(null)
  // The example's device key lives in memory (the core's software key). A real app implements
  // PushKeyStore over Android Keystore or the Secure Enclave, so the private key never leaves
  // the platform's keystore and the core only asks it to sign.
  const [keyStore] = useState<PushKeyStore>(() => pushPhoneKey())

  useEffect(() => {
    store
      .load(VAULT)
      .then((json) => setVault(json ? Vault.fromJson(json) : new Vault()))
      // A vault that cannot be read is not replaced: the accounts in it stay for a fix.
      .catch((e: unknown) => setError(`the saved accounts cannot be read: ${describe(e)}`))
  }, [store])

  if (!vault) return <SafeAreaView>{error ? <ErrorText message={error} /> : <Text>Loading…</Text>}</SafeAreaView>

  const added = () => {
    const notSaved = (e: unknown) => setError(`the account was added but not saved: ${describe(e)}`)
    try {
      store.save(VAULT, vault.toJson()).then(() => setError(null), notSaved)
    } catch (e) {
      notSaved(e)
    }
    setVersion((v) => v + 1)
    setTab('codes')
  }

  return (
    <SafeAreaView>
      <View accessibilityRole="tablist" style={styles.tabs}>
        {TABS.map(({ tab: each, title }) => (
          <Pressable
            accessibilityRole="tab"
            accessibilityState={{ selected: tab === each }}
            key={each}
            onPress={() => setTab(each)}
            style={tab === each ? styles.selectedTab : styles.tab}
          >
            <Text>{title}</Text>
          </Pressable>
        ))}
      </View>
      <ErrorText message={error} />
      {tab === 'codes' ? <Codes vault={vault} version={version} /> : null}
      {tab === 'add' ? <AddAccount onAdded={added} vault={vault} /> : null}
      {tab === 'push' ? <PushApproval keyStore={keyStore} store={store} /> : null}
    </SafeAreaView>
  )
}
