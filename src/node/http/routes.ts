import type { FastifyReply, FastifyRequest } from 'fastify'
import type { NodeContext } from '../app/context.ts'
import type { TokenRow } from '../store/store.ts'
import type { Role } from './auth.ts'

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'

/** One API route: who may call it, what it does, and its handler. The OpenAPI document is built from these. */
export interface Route {
  readonly method: Method
  readonly path: string
  readonly roles: readonly Role[] | 'public'
  readonly summary: string
  /** `caller` is the authenticated token (null on public routes). */
  readonly handler: (
    ctx: NodeContext,
    request: FastifyRequest,
    reply: FastifyReply,
    caller: TokenRow | null,
  ) => unknown
}
