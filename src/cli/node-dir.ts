import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { EntenteError } from '../lib/errors.ts'
import type { NodeContext } from '../node/app/context.ts'
import { loadNodeConfig, type NodeConfig } from '../node/config.ts'
import { CONFIG_FILE, DB_FILE, openNodeContext, STORE_FILE } from '../node/main.ts'

/** Commands on a node's data directory (`--dir D`): the store, keys and config it holds. */

/** A data directory holds its SQLite file, or the record of its store elsewhere (PostgreSQL). */
export function requireDataDir(dir: string): void {
  if (!existsSync(join(dir, DB_FILE)) && !existsSync(join(dir, STORE_FILE)))
    throw new EntenteError(
      'FILE_NOT_READABLE',
      `--dir: ${dir} holds no node data (run ./bin/entente node init first)`,
    )
}

/**
 * The node's config: the one given with `--config`, else the one the node last started with
 * (written to its data directory at start). Either way the store is the one in `dir`.
 */
export function nodeConfigOf(dir: string, configFile: string | undefined): NodeConfig {
  requireDataDir(dir)
  const recorded = join(dir, CONFIG_FILE)
  if (configFile === undefined && !existsSync(recorded))
    throw new EntenteError(
      'FILE_NOT_READABLE',
      `--dir: ${dir} has no ${CONFIG_FILE} yet (the node writes it when it starts); start the node once or pass --config`,
    )
  const config = loadNodeConfig(configFile ?? recorded)
  if (configFile !== undefined && config.dataDir !== resolve(dir))
    throw new EntenteError(
      'CONFIG_INVALID',
      `--config: its dataDir ${config.dataDir} is not --dir ${resolve(dir)}`,
    )
  return { ...config, dataDir: resolve(dir) }
}

/**
 * Runs `work` with the node's application context opened on `dir`, as the node itself would
 * (registry, peers, release policy, clock), and closes the store after. The node may be
 * running: SQLite (WAL) and PostgreSQL let this process write too; what it queues in the outbox is
 * delivered by the running node's next scan (or at its next start).
 */
export async function withNodeContext<T>(
  dir: string,
  configFile: string | undefined,
  work: (ctx: NodeContext) => Promise<T>,
): Promise<T> {
  const { ctx } = await openNodeContext(nodeConfigOf(dir, configFile))
  try {
    return await work(ctx)
  } finally {
    await ctx.store.close()
  }
}
