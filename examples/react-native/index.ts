// The app's entry point: React Native runs this file and shows `App`.
import { AppRegistry } from 'react-native'
import { App } from './src/App'
import { name } from './app.json'

AppRegistry.registerComponent(name, () => App)
