import type { CampaignId } from "@adflow/domain"
import { Command, type Redis } from "ioredis"
import { createHash } from "node:crypto"
import * as Keys from "./Keys.js"
import type * as Scripts from "./Scripts.js"

/** One argument in the Redis protocol (RESP): `$<bytes>\r\n<value>\r\n`. */
export const bulk = (value: string | number): string => {
  const text = typeof value === "string" ? value : String(value)
  return `$${Buffer.byteLength(text)}\r\n${text}\r\n`
}

/** Arguments in the Redis protocol, one after the other. */
export const bulks = (values: ReadonlyArray<string | number>): string => {
  let text = ""
  for (let k = 0; k < values.length; k++) text += bulk(values[k]!)
  return text
}

/** A command whose protocol text was written by the caller; ioredis only queues it and parses the reply. */
class WrittenCommand extends Command {
  readonly #text: string

  constructor(text: string, replyEncoding: BufferEncoding | null) {
    super("evalsha", [], { replyEncoding })
    this.#text = text
  }

  override toWritable(): string {
    return this.#text
  }
}

/** Campaigns whose keys are remembered at most; past this, all are forgotten and written again. */
const REMEMBERED_CAMPAIGNS = 50_000

/** A campaign's keys as protocol text (`ScriptCalls.campaignKeys`). */
export interface CampaignKeyTexts {
  readonly tag: string
  readonly seen: string
  readonly totals: string
}

const isNoScript = (error: unknown) => error instanceof Error && error.message.includes("NOSCRIPT")

/**
 * Script calls written in the Redis protocol here, for the ad request's two commands (its read
 * and its admission) and the processor's batches (`Counters.applyImpressions` and the like,
 * ~2,000 arguments per call): through `defineCommand`, ioredis prefixes every key, converts every
 * argument and builds the command's text out of five strings per argument, which was most of the
 * garbage each request left (an allocation profile put ioredis at a third of it; a batch's
 * conversion was 9% of the processor's allocated bytes). Here a key's protocol
 * text (prefixed, with its length) is built once per campaign and reused (`campaignKeys`), the
 * other arguments once each (`bulk`), and ioredis only queues the command and parses its reply.
 *
 * Calls are sent as any command is (`sendCommand`: reconnects and the offline queue behave as
 * usual), those of one tick in one socket write (`#holdWrites`). A script Redis does not hold
 * (a restart, `SCRIPT FLUSH`: NOSCRIPT) is sent again through `defineCommand`'s path
 * (`Scripts.run`), which loads it.
 */
export class ScriptCalls {
  readonly #redis: Redis
  readonly #keyPrefix: string
  readonly #campaigns = new Map<CampaignId, CampaignKeyTexts>()
  readonly #shas = new WeakMap<Scripts.Script, string>()
  #held: Redis["stream"] | undefined

  constructor(redis: Redis, keyPrefix: string) {
    this.#redis = redis
    this.#keyPrefix = keyPrefix
  }

  /** The protocol text of a key (before the key prefix). */
  key(key: string): string {
    return bulk(this.#keyPrefix + key)
  }

  /**
   * The protocol text of a campaign's keys (its hash tag, seen and totals), built once and
   * remembered: they are on every ad request.
   */
  campaignKeys(campaignId: CampaignId): CampaignKeyTexts {
    let texts = this.#campaigns.get(campaignId)
    if (texts === undefined) {
      if (this.#campaigns.size >= REMEMBERED_CAMPAIGNS) this.#campaigns.clear()
      texts = {
        tag: this.key(Keys.campaignTag(campaignId)),
        seen: this.key(Keys.seen(campaignId)),
        totals: this.key(Keys.totals(campaignId)),
      }
      this.#campaigns.set(campaignId, texts)
    }
    return texts
  }

  /** `EVALSHA <sha> <keyCount>`, counting all the arguments that follow, as protocol text. */
  #head(script: Scripts.Script, keyCount: number, argumentCount: number): string {
    let sha = this.#shas.get(script)
    if (sha === undefined) {
      sha = bulk(createHash("sha1").update(script.lua).digest("hex"))
      this.#shas.set(script, sha)
    }
    return `*${3 + argumentCount}\r\n$7\r\nevalsha\r\n${sha}${bulk(keyCount)}`
  }

  /**
   * Calls `script` (registered by `Scripts.defineAll`) with `keys` and `args`, already protocol
   * text (`campaignKeys`, `key`, `bulk`), `keyCount` of them keys; `again` makes the same call through
   * ioredis, for when Redis does not hold the script. Replies are strings unless `replyEncoding`
   * is null (then Buffers, as the parser gives them).
   */
  call(
    script: Scripts.Script,
    keyCount: number,
    argumentCount: number,
    keysAndArgs: string,
    again: () => Promise<unknown>,
    replyEncoding: BufferEncoding | null = "utf8",
  ): Promise<unknown> {
    const command = new WrittenCommand(
      this.#head(script, keyCount, argumentCount) + keysAndArgs,
      replyEncoding,
    )
    this.#holdWrites()
    this.#redis.sendCommand(command)
    return command.promise.catch((error: unknown) => {
      if (isNoScript(error)) return again()
      throw error
    })
  }

  /**
   * Holds the connection's socket writes until the end of the tick (`cork`), so the commands of
   * concurrent requests leave in one write: what ioredis' auto-pipelining does with a pipeline
   * object per tick, which cost more than the command itself (a tick rarely holds more than one).
   */
  #holdWrites(): void {
    if (this.#held !== undefined) return
    const stream = this.#redis.stream
    // No socket yet (or a closed one): the command waits in ioredis' offline queue.
    if (stream === undefined || stream === null || !stream.writable) return
    stream.cork()
    this.#held = stream
    process.nextTick(this.#release)
  }

  readonly #release = (): void => {
    const stream = this.#held
    this.#held = undefined
    stream?.uncork()
  }
}
