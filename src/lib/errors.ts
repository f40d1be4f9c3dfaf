/**
 * Failures at the edges (bad CLI input, unreadable files, bad requests). Expected domain
 * outcomes such as denials are values, never errors. Codes are a contract: every one is
 * listed in docs/errors.md, and a test keeps the two in step.
 */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'INVALID_INSTANT',
  'UNKNOWN_PARTY',
  'UNKNOWN_LEVEL',
  'UNKNOWN_AGREEMENT',
  'UNKNOWN_WHAT_IF',
  'FILE_NOT_READABLE',
  'CONFIG_INVALID',
  'INVALID_REQUEST',
  'NOT_FOUND',
  'CONFLICT',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'KEYS_EXIST',
  'KEYS_UNREADABLE',
  'SCENARIO_INVALID',
  'SIMULATION_INVALID',
  'NOT_ACCEPTABLE',
  'UNSUPPORTED_MEDIA_TYPE',
  'STIX_INVALID',
  'CONTENT_TOO_LARGE',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

export class EntenteError extends Error {
  readonly code: ErrorCode
  readonly details: unknown

  constructor(code: ErrorCode, message: string, options?: { details?: unknown; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'EntenteError'
    this.code = code
    this.details = options?.details
  }
}

export function isEntenteError(value: unknown): value is EntenteError {
  return value instanceof EntenteError
}
