import { defaultTexts } from '@plinto/mfa-react'

/** A date and time in the reader's locale (as the components show them). */
export const dateTime = (iso: string | undefined): string => (iso ? defaultTexts.common.dateTime(iso) : '')
