import { Client, Targeting } from "@adflow/domain"
import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"

const decode = Schema.decodeUnknownEither(Targeting.Targeting)
const encode = Schema.encodeSync(Targeting.Targeting)

const client = (over: Partial<Client.Client> = {}): Pick<Client.Client, "gender" | "age" | "location"> => ({
  gender: "MALE",
  age: 30,
  location: "Moscow",
  ...over,
})

const genderArb = fc.constantFrom<Client.Gender>("MALE", "FEMALE")
const locationArb = fc.constantFrom("Moscow", "Minsk", "metroBelarusskaya", "moscow")
const clientArb = fc.record({
  gender: genderArb,
  age: fc.integer({ min: 0, max: 120 }),
  location: locationArb,
})
const targetingArb: fc.Arbitrary<Targeting.Targeting> = fc.record({
  gender: fc.constantFrom<Targeting.TargetGender | null>("MALE", "FEMALE", "ALL", null),
  age_from: fc.option(fc.integer({ min: 0, max: 120 }), { nil: null }),
  age_to: fc.option(fc.integer({ min: 0, max: 120 }), { nil: null }),
  location: fc.option(locationArb, { nil: null }),
})

describe("Targeting.matches", () => {
  it("no restriction matches every client", () => {
    fc.assert(fc.property(clientArb, (c) => Targeting.matches(Targeting.none, c)))
  })

  it("gender: ALL and null match both, otherwise only the same gender", () => {
    const t = (gender: Targeting.TargetGender | null) => ({ ...Targeting.none, gender })
    assert.isTrue(Targeting.matches(t("ALL"), client({ gender: "FEMALE" })))
    assert.isTrue(Targeting.matches(t(null), client({ gender: "FEMALE" })))
    assert.isTrue(Targeting.matches(t("FEMALE"), client({ gender: "FEMALE" })))
    assert.isFalse(Targeting.matches(t("MALE"), client({ gender: "FEMALE" })))
    assert.isFalse(Targeting.matches(t("FEMALE"), client({ gender: "MALE" })))
  })

  it("ages are inclusive on both ends", () => {
    const t = { ...Targeting.none, age_from: 18, age_to: 25 }
    assert.isFalse(Targeting.matches(t, client({ age: 17 })))
    assert.isTrue(Targeting.matches(t, client({ age: 18 })))
    assert.isTrue(Targeting.matches(t, client({ age: 25 })))
    assert.isFalse(Targeting.matches(t, client({ age: 26 })))
    assert.isTrue(Targeting.matches({ ...Targeting.none, age_from: 18 }, client({ age: 99 })))
    assert.isTrue(Targeting.matches({ ...Targeting.none, age_to: 25 }, client({ age: 0 })))
  })

  it("location matches exactly (case and all)", () => {
    const t = { ...Targeting.none, location: "Moscow" }
    assert.isTrue(Targeting.matches(t, client({ location: "Moscow" })))
    assert.isFalse(Targeting.matches(t, client({ location: "moscow" })))
    assert.isFalse(Targeting.matches(t, client({ location: "Moscow " })))
  })

  it("agrees with the rule field by field", () => {
    fc.assert(
      fc.property(targetingArb, clientArb, (t, c) => {
        const expected =
          [null, "ALL", c.gender].includes(t.gender) &&
          (t.age_from === null || t.age_from <= c.age) &&
          (t.age_to === null || c.age <= t.age_to) &&
          (t.location === null || t.location === c.location)
        return Targeting.matches(t, c) === expected
      }),
    )
  })

  it("adding a restriction never lets more clients through", () => {
    fc.assert(
      fc.property(targetingArb, targetingArb, clientArb, (a, b, c) => {
        const both: Targeting.Targeting = {
          gender: a.gender ?? b.gender,
          age_from: a.age_from ?? b.age_from,
          age_to: a.age_to ?? b.age_to,
          location: a.location ?? b.location,
        }
        return !Targeting.matches(both, c) || Targeting.matches(a, c)
      }),
    )
  })
})

describe("Targeting schema", () => {
  it("left-out and null fields decode to null and are written out as null", () => {
    const decoded = decode({ gender: "ALL", location: null })
    assert.deepStrictEqual(
      decoded,
      Either.right({ gender: "ALL", age_from: null, age_to: null, location: null }),
    )
    assert.deepStrictEqual(encode({ ...Targeting.none, age_to: 3 }), {
      gender: null,
      age_from: null,
      age_to: 3,
      location: null,
    })
  })

  it("rejects age_from > age_to, naming age_from", () => {
    const result = decode({ age_from: 30, age_to: 20 })
    assert.isTrue(Either.isLeft(result))
    if (Either.isLeft(result)) {
      const message = String(result.left)
      assert.include(message, "age_from must be less than or equal to age_to")
      assert.include(message, '["age_from"]')
    }
    assert.isTrue(Either.isRight(decode({ age_from: 20, age_to: 20 })))
  })

  it("rejects bad values", () => {
    for (const bad of [
      { gender: "OTHER" },
      { gender: "male" },
      { age_from: -1 },
      { age_to: 1.5 },
      { age_from: "18" },
      { location: "" },
      { location: 3 },
    ]) {
      assert.isTrue(Either.isLeft(decode(bad)), JSON.stringify(bad))
    }
  })
})
