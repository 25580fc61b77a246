import { Schema } from "effect"
import { ClientId } from "./Ids.js"

export const Gender = Schema.Literal("MALE", "FEMALE")
export type Gender = typeof Gender.Type

/** A person ads are shown to; `client_id` is chosen by the caller. */
export const Client = Schema.Struct({
  client_id: ClientId,
  login: Schema.NonEmptyString,
  age: Schema.NonNegativeInt.pipe(Schema.lessThanOrEqualTo(2_147_483_647)),
  location: Schema.NonEmptyString,
  gender: Gender,
}).annotations({ identifier: "Client" })
export type Client = typeof Client.Type

/** The body of `POST /clients/bulk`: a full client, created or replaced. */
export const ClientUpsert = Client.annotations({ identifier: "ClientUpsert" })
export type ClientUpsert = typeof ClientUpsert.Type
