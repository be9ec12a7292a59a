// The example's few styles.
import { StyleSheet } from 'react-native'

export const styles = StyleSheet.create({
  screen: { gap: 12, padding: 16 },
  title: { fontSize: 20, fontWeight: '600' },
  field: { gap: 4 },
  input: { borderColor: '#888', borderRadius: 6, borderWidth: 1, padding: 8 },
  error: { color: '#b00020' },
  row: { borderBottomColor: '#ddd', borderBottomWidth: 1, gap: 4, padding: 16 },
  code: { fontFamily: 'monospace', fontSize: 32, letterSpacing: 4 },
  tabs: { flexDirection: 'row', justifyContent: 'space-around', padding: 8 },
  tab: { padding: 8 },
  selectedTab: { borderBottomWidth: 2, padding: 8 },
})
