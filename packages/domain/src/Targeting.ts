import { Schema } from "effect"
import type { Client } from "./Client.js"

export const TargetGender = Schema.Literal("MALE", "FEMALE", "ALL")
export type TargetGender = typeof TargetGender.Type

const Age = Schema.NonNegativeInt.pipe(Schema.lessThanOrEqualTo(2_147_483_647))

/** A left-out or null field decodes to null, and null is always written out. */
const restriction = <A, I>(schema: Schema.Schema<A, I>) =>
  Schema.optionalWith(Schema.NullOr(schema), { default: () => null })

/**
 * Who may see a campaign. Every field is a restriction, and a null field means "no
 * restriction"; ages are inclusive; `location` matches the client's label exactly.
 */
export const Targeting = Schema.Struct({
  gender: restriction(TargetGender),
  age_from: restriction(Age),
  age_to: restriction(Age),
  location: restriction(Schema.NonEmptyString),
})
  .pipe(
    Schema.filter((targeting) =>
      targeting.age_from !== null && targeting.age_to !== null && targeting.age_from > targeting.age_to
        ? { path: ["age_from"], message: "age_from must be less than or equal to age_to" }
        : undefined,
    ),
  )
  .annotations({ identifier: "Targeting" })
export type Targeting = typeof Targeting.Type

/** No restriction at all: every client matches. */
export const none: Targeting = { gender: null, age_from: null, age_to: null, location: null }

/** Whether a client may be shown a campaign with this targeting. */
export const matches = (targeting: Targeting, client: Pick<Client, "gender" | "age" | "location">): boolean =>
  (targeting.gender === null || targeting.gender === "ALL" || targeting.gender === client.gender) &&
  (targeting.age_from === null || client.age >= targeting.age_from) &&
  (targeting.age_to === null || client.age <= targeting.age_to) &&
  (targeting.location === null || targeting.location === client.location)
