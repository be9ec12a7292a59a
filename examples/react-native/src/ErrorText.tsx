// An error line that screen readers announce when it appears: a live region on Android, an
// announcement on iOS (which has no live regions).
import { useEffect } from 'react'
import { AccessibilityInfo, Platform, Text } from 'react-native'
import { styles } from './styles'

/** Shows `message` (nothing when null) and announces it. */
export function ErrorText({ message }: { message: string | null }) {
  useEffect(() => {
    if (message && Platform.OS === 'ios') AccessibilityInfo.announceForAccessibility(message)
  }, [message])
  if (!message) return null
  return (
    <Text accessibilityLiveRegion="assertive" accessibilityRole="alert" style={styles.error}>
      {message}
    </Text>
  )
}
