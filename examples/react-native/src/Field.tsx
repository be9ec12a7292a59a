// A labelled text field: the label is visible text and the field's accessible name on both
// platforms (`accessibilityLabelledBy` alone is Android's only).
import { Text, TextInput, View, type TextInputProps } from 'react-native'
import { styles } from './styles'

/** A text field under its label. */
export function Field({ label, ...input }: { label: string } & TextInputProps) {
  return (
    <View style={styles.field}>
      <Text>{label}</Text>
      <TextInput
        accessibilityLabel={label}
        autoCapitalize="none"
        autoCorrect={false}
        style={styles.input}
        {...input}
      />
    </View>
  )
}
