import type { TokenRow } from '../store/store.ts'

/**
 * A console session is a token row of its own (issue 15), minted at sign-in from the API token
 * typed in and revoked at sign-out. Its label names the signer and, after '#', the hash of the
 * token it was opened with: a session lives only as long as that token is usable.
 */
const SESSION_LABEL = 'console session: '

export const sessionLabel = (signer: TokenRow): string =>
  `${SESSION_LABEL}${signerLabel(signer)} #${signer.tokenHash}`

export const isSession = (row: TokenRow): boolean => row.label.startsWith(SESSION_LABEL)

/** The label of the token a session was opened with (any other row: its own). */
export function signerLabel(row: TokenRow): string {
  if (!isSession(row)) return row.label
  const rest = row.label.slice(SESSION_LABEL.length)
  const cut = rest.lastIndexOf(' #')
  return cut < 0 ? rest : rest.slice(0, cut)
}

/** The hash of the token a session was opened with; null for any other row. */
export function signerHashOf(row: TokenRow): string | null {
  if (!isSession(row)) return null
  const cut = row.label.lastIndexOf(' #')
  return cut < 0 ? null : row.label.slice(cut + 2)
}
