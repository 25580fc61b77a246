import { Api } from "@adflow/domain"
import { OpenApi } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"

/**
 * Checks the HttpApi against the vendored contract (contract/openapi.json, a JSON copy of
 * /work/shared/contract/openapi.yml): every contract operation exists with the same method,
 * operation id, parameters, success status, and request and response bodies with the same
 * field names, types and required fields.
 */

type Json = { readonly [key: string]: any }

const contract: Json = JSON.parse(readFileSync(new URL("../contract/openapi.json", import.meta.url), "utf8"))
const generated: Json = JSON.parse(JSON.stringify(OpenApi.fromApi(Api.AdflowApi)))

/** Where we are stricter than the contract on purpose (the contract leaves these optional). */
const extraRequired: Record<string, ReadonlyArray<string>> = {
  "post /time/advance request": ["current_date"],
  "post /time/advance 200": ["current_date"],
}

type Shape =
  | { readonly kind: "object"; readonly properties: Record<string, Shape>; readonly required: Array<string> }
  | { readonly kind: "array"; readonly items: Shape }
  | { readonly kind: "leaf"; readonly type: string; readonly enum?: Array<unknown>; readonly uuid: boolean }

const resolve = (doc: Json, schema: Json): Json => {
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.replace("#/components/schemas/", "")
    const { $ref: _, ...rest } = schema
    return resolve(doc, { ...doc.components.schemas[name], ...rest })
  }
  if (Array.isArray(schema.anyOf)) {
    const nonNull = schema.anyOf.filter((s: Json) => s.type !== "null")
    if (nonNull.length === 1) return resolve(doc, nonNull[0])
  }
  if (Array.isArray(schema.allOf)) {
    const parts = schema.allOf.map((s: Json) => resolve(doc, s))
    return {
      type: "object",
      properties: Object.assign({}, ...parts.map((p: Json) => p.properties ?? {})),
      required: parts.flatMap((p: Json) => p.required ?? []),
    }
  }
  return schema
}

const shape = (doc: Json, raw: Json): Shape => {
  const schema = resolve(doc, raw)
  if (schema.type === "array") return { kind: "array", items: shape(doc, schema.items) }
  if (schema.type === "object" || schema.properties !== undefined) {
    const properties: Record<string, Shape> = {}
    for (const [name, property] of Object.entries(schema.properties ?? {}))
      properties[name] = shape(doc, property as Json)
    return { kind: "object", properties, required: [...(schema.required ?? [])].sort() }
  }
  return {
    kind: "leaf",
    type: schema.type,
    ...(schema.enum === undefined ? {} : { enum: [...schema.enum].filter((v) => v !== null).sort() }),
    uuid: schema.format === "uuid",
  }
}

const withExtraRequired = (s: Shape, key: string): Shape =>
  s.kind === "object" && extraRequired[key] !== undefined
    ? { ...s, required: [...new Set([...s.required, ...extraRequired[key]!])].sort() }
    : s

const methods = ["get", "post", "put", "delete"] as const
const operations = Object.entries(contract.paths as Json).flatMap(([path, item]) =>
  methods.filter((m) => item[m] !== undefined).map((method) => ({ path, method, op: item[method] as Json })),
)

const parameters = (op: Json) =>
  (op.parameters ?? []).map((p: Json) => `${p.in}:${p.name}:${p.required === true}`).sort()

const body = (doc: Json, content: Json | undefined): Shape | "empty" =>
  content?.["application/json"]?.schema === undefined
    ? "empty"
    : shape(doc, content["application/json"].schema)

describe("AdflowApi against contract/openapi.json", () => {
  it("the vendored contract is the one we expect", () => {
    assert.strictEqual(operations.length, 17)
  })

  it("serves exactly the contract's paths, plus /healthz and /readyz", () => {
    const ours = Object.keys(generated.paths).sort()
    assert.deepStrictEqual(ours, [...Object.keys(contract.paths), "/healthz", "/readyz"].sort())
  })

  for (const { path, method, op } of operations) {
    describe(`${method.toUpperCase()} ${path}`, () => {
      const ours: Json | undefined = generated.paths[path]?.[method]

      it("exists with the contract's operation id and parameters", () => {
        assert.isDefined(ours)
        // the contract names every operation but GET .../campaigns/{campaignId}; ours is getCampaign
        assert.strictEqual(ours!.operationId, op.operationId ?? "getCampaign")
        assert.deepStrictEqual(parameters(ours!), parameters(op))
      })

      it("takes the same request body", () => {
        const expected = body(contract, op.requestBody?.content)
        const actual = body(generated, ours!.requestBody?.content)
        assert.deepStrictEqual(
          actual,
          expected === "empty" ? expected : withExtraRequired(expected, `${method} ${path} request`),
        )
      })

      it("answers the same success status and body", () => {
        const [status, response] = Object.entries(op.responses as Json)[0]!
        const success = Object.keys(ours!.responses).filter((code) => code.startsWith("2"))
        assert.deepStrictEqual(success, [status])
        const expected = body(contract, response.content)
        assert.deepStrictEqual(
          body(generated, ours!.responses[status].content),
          expected === "empty" ? expected : withExtraRequired(expected, `${method} ${path} ${status}`),
        )
      })
    })
  }

  it("declares every contract component with the same fields", () => {
    for (const name of Object.keys(contract.components.schemas)) {
      const ours = generated.components.schemas[name]
      assert.isDefined(ours, name)
      assert.deepStrictEqual(
        shape(generated, { $ref: `#/components/schemas/${name}` }),
        shape(contract, { $ref: `#/components/schemas/${name}` }),
        name,
      )
    }
  })

  it("documents the error body on failures", () => {
    const errors = generated.paths["/advertisers/{advertiserId}/campaigns/{campaignId}"].put.responses
    for (const status of ["400", "404", "409", "503"]) assert.isDefined(errors[status], status)
    assert.notInclude(JSON.stringify(generated), "HttpApiDecodeError")
    assert.deepStrictEqual(shape(generated, errors["400"].content["application/json"].schema), {
      kind: "object",
      properties: {
        error: { kind: "leaf", type: "string", uuid: false },
        message: { kind: "leaf", type: "string", uuid: false },
        field: { kind: "leaf", type: "string", uuid: false },
      },
      required: ["error", "message"],
    })
  })
})
