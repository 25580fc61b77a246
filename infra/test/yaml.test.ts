import { assert, describe, it } from "vitest"
import { readYaml } from "./yaml.js"

describe("readYaml", () => {
  it("reads block mappings and sequences the way docker-compose config prints them", () => {
    const yaml = readYaml(
      [
        "services:",
        "  api:",
        "    expose:",
        "    - '8080'",
        "    ports:",
        "    - published: 8080",
        "      target: 8080",
        "    environment:",
        "      A: x",
        "      EMPTY: ''",
        "      NOTHING:",
        '    restart: "no"',
        "volumes:",
        "  data: {}",
        "",
      ].join("\n"),
    )
    assert.deepStrictEqual(yaml, {
      services: {
        api: {
          expose: ["8080"],
          ports: [{ published: "8080", target: "8080" }],
          environment: { A: "x", EMPTY: "", NOTHING: null },
          restart: "no",
        },
      },
      volumes: { data: {} },
    })
  })

  it("folds quoted and plain scalars that PyYAML wraps over several lines", () => {
    const yaml = readYaml(
      [
        "test:",
        "- 'fetch(''http://x/healthz'').then((r) => process.exit(r.ok ?",
        "  0 : 1))'",
        '- "a\\tb \\"q\\" \\u00e9\\',
        '  c"',
        "- a long plain",
        "  scalar",
        "- 'para",
        "",
        "  graph'",
      ].join("\n"),
    )
    assert.deepStrictEqual(yaml, {
      test: [
        "fetch('http://x/healthz').then((r) => process.exit(r.ok ? 0 : 1))",
        'a\tb "q" éc',
        "a long plain scalar",
        "para\ngraph",
      ],
    })
  })

  it("reads nested sequences, flow sequences, comments and quoted keys", () => {
    const yaml = readYaml(
      [
        "# a comment",
        "jobs:",
        "  - name: a # trailing",
        "    targets: [\"api:8080\", 'b', c]",
        "    empty: []",
        "    nested:",
        "      -",
        "        - x",
        "'quoted key': ~",
      ].join("\n"),
    )
    assert.deepStrictEqual(yaml, {
      jobs: [{ name: "a", targets: ["api:8080", "b", "c"], empty: [], nested: [["x"]] }],
      "quoted key": null,
    })
  })

  it("refuses what it does not understand instead of misreading it", () => {
    for (const source of [
      "a: &anchor 1",
      "a: *alias",
      "a: |\n  text",
      "a: 'unterminated",
      "a: 1\na: 2",
      "a:\n    b: 1\n  c: 2",
      'a: "\\q"',
      "a: [x, [y]]",
    ]) {
      assert.throws(() => readYaml(source), /yaml line/, source)
    }
  })
})
