import type { FastifyReply } from 'fastify'
import type { ZodError } from 'zod'
import { type ErrorCode, EntenteError } from '../../lib/errors.ts'

/** The one table from error codes to HTTP statuses. */
const STATUS: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  INVALID_INSTANT: 400,
  INVALID_REQUEST: 400,
  UNKNOWN_PARTY: 400,
  UNKNOWN_LEVEL: 400,
  UNKNOWN_AGREEMENT: 404,
  UNKNOWN_WHAT_IF: 400,
  FILE_NOT_READABLE: 400,
  CONFIG_INVALID: 400,
  SCENARIO_INVALID: 400,
  SIMULATION_INVALID: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  KEYS_EXIST: 409,
  KEYS_UNREADABLE: 500,
  NOT_ACCEPTABLE: 406,
  UNSUPPORTED_MEDIA_TYPE: 415,
  STIX_INVALID: 400,
  CONTENT_TOO_LARGE: 413,
}

/** The HTTP status of an error code (the problem+json API and TAXII share it). */
export function httpStatusOf(code: ErrorCode): number {
  return STATUS[code]
}

/** The code of an error Fastify raised itself (body limit, media type, URL), by its status. */
export function frameworkErrorCode(status: number): string {
  if (status === 413) return 'BODY_TOO_LARGE'
  if (status === 414) return 'URI_TOO_LONG'
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE'
  return 'INVALID_REQUEST'
}

/** What to tell the caller of such an error: no path echoed back, no framework internals. */
export function frameworkErrorDetail(status: number, error: unknown): string {
  if (status === 414) return `a path parameter is longer than ${MAX_PARAM_CHARS} characters`
  return (error as Error).message
}

/** Fastify's default `maxParamLength`: a longer path parameter is refused with 414. */
export const MAX_PARAM_CHARS = 100

export interface FieldProblem {
  readonly field: string
  readonly rule: string
}

/** RFC 9457 problem details. */
export function sendProblem(
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  errors?: readonly FieldProblem[],
): FastifyReply {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: `urn:entente:problem:${code.toLowerCase().replaceAll('_', '-')}`,
      title: code,
      status,
      detail,
      ...(errors ? { errors } : {}),
    })
}

export function sendError(reply: FastifyReply, error: EntenteError): FastifyReply {
  const errors = Array.isArray(error.details) ? (error.details as FieldProblem[]) : undefined
  return sendProblem(reply, STATUS[error.code], error.code, error.message, errors)
}

export function zodProblems(error: ZodError, prefix = ''): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)',
    rule: issue.message,
  }))
}

export function invalid(error: ZodError, prefix = ''): EntenteError {
  const problems = zodProblems(error, prefix)
  return new EntenteError(
    'INVALID_REQUEST',
    problems.map((p) => `${p.field}: ${p.rule}`).join('; '),
    { details: problems },
  )
}
