/**
 * A reader for the block-style YAML that `docker-compose config` prints (PyYAML's default dump)
 * and for the small hand-written configs in infra/: block mappings and sequences, plain, single-
 * and double-quoted scalars (folded over several lines), flow sequences of scalars, `{}` and `[]`.
 * Scalars stay strings (`8080` and `'8080'` read alike); `null`/`~`/nothing read as null. Anything
 * outside that subset (anchors, tags, block literals, flow mappings with content) is an error, so
 * a check never runs on a silently misread file.
 */
export type Yaml = string | null | ReadonlyArray<Yaml> | { readonly [key: string]: Yaml }

export class YamlError extends Error {
  constructor(message: string, line: number) {
    super(`yaml line ${line + 1}: ${message}`)
  }
}

interface Line {
  readonly index: number
  readonly indent: number
  readonly text: string
}

const isIgnorable = (raw: string) => raw.trim() === "" || raw.trimStart().startsWith("#")

export const readYaml = (source: string): Yaml => {
  const lines: Array<string> = source.replace(/\r\n?/g, "\n").split("\n")
  let at = 0

  const skipIgnorable = () => {
    while (at < lines.length && isIgnorable(lines[at]!)) at++
  }
  const peek = (): Line | undefined => {
    skipIgnorable()
    const raw = lines[at]
    if (raw === undefined) return undefined
    if (raw.startsWith("---") && at === 0) {
      at++
      return peek()
    }
    const indent = raw.length - raw.trimStart().length
    if (raw.slice(0, indent).includes("\t")) throw new YamlError("tab in indentation", at)
    return { index: at, indent, text: raw.slice(indent).replace(/\s+$/, "") }
  }

  const isSequenceItem = (text: string) => text === "-" || text.startsWith("- ")

  const parseBlock = (indent: number): Yaml => {
    const line = peek()
    if (line === undefined) return null
    return isSequenceItem(line.text) ? parseSequence(line.indent) : parseMapping(indent)
  }

  /** The value after `key:` or `- `: inline, or a nested block on the following lines. */
  const parseValue = (rest: string, line: Line, ownerIndent: number, sequenceMayFollow: boolean): Yaml => {
    if (rest === "") {
      at = line.index + 1
      const next = peek()
      if (next === undefined) return null
      if (next.indent > ownerIndent) return parseBlock(next.indent)
      if (sequenceMayFollow && next.indent === ownerIndent && isSequenceItem(next.text)) {
        return parseSequence(ownerIndent)
      }
      return null
    }
    return parseInlineScalar(rest, line, ownerIndent)
  }

  const parseMapping = (indent: number): Yaml => {
    const result: Record<string, Yaml> = {}
    for (let line = peek(); line !== undefined && line.indent === indent; line = peek()) {
      if (isSequenceItem(line.text)) break
      const { key, rest } = splitKey(line.text, line.index)
      if (Object.hasOwn(result, key)) throw new YamlError(`duplicate key '${key}'`, line.index)
      result[key] = parseValue(rest, line, indent, true)
    }
    const after = peek()
    if (after !== undefined && after.indent > indent)
      throw new YamlError("unexpected indentation", after.index)
    return result
  }

  const parseSequence = (indent: number): Yaml => {
    const result: Array<Yaml> = []
    for (let line = peek(); line !== undefined && line.indent === indent; line = peek()) {
      if (!isSequenceItem(line.text)) break
      const rest = line.text.slice(1).trimStart()
      const itemIndent = indent + (line.text.length - rest.length)
      if (rest !== "" && startsMapping(rest)) {
        // `- key: value` opens a mapping whose further keys sit under `key`.
        lines[line.index] = " ".repeat(itemIndent) + rest
        result.push(parseMapping(itemIndent))
      } else {
        result.push(parseValue(rest, line, indent, false))
      }
    }
    return result
  }

  /** A scalar that starts on `line` and may continue on more-indented lines (folded with spaces). */
  const parseInlineScalar = (first: string, line: Line, ownerIndent: number): Yaml => {
    at = line.index + 1
    if (first === "{}") return {}
    if (first.startsWith("[")) return parseFlowSequence(first, line.index)
    if (first.startsWith("&") || first.startsWith("*") || first.startsWith("!")) {
      throw new YamlError("anchors, aliases and tags are not supported", line.index)
    }
    if (first === "|" || first === ">" || /^[|>][+-]?\d*$/.test(first)) {
      throw new YamlError("block literals are not supported", line.index)
    }
    const quote = first[0]
    if (quote === "'" || quote === '"') {
      let text = first
      while (!closesQuoted(text, quote)) {
        const raw = lines[at]
        if (raw === undefined) throw new YamlError("unterminated quoted scalar", line.index)
        text += "\n" + raw
        at++
      }
      const { value, end } = readQuoted(text, 0, line.index)
      if (text.slice(end).trim() !== "") throw new YamlError("text after a quoted scalar", line.index)
      return value
    }
    const parts = [stripComment(first)]
    for (let next = peek(); next !== undefined && next.indent > ownerIndent; next = peek()) {
      parts.push(stripComment(next.text))
      at = next.index + 1
    }
    const plain = parts.join(" ")
    return plain === "null" || plain === "~" ? null : plain
  }

  return parseBlock(peek()?.indent ?? 0)
}

const stripComment = (text: string) => text.replace(/\s+#.*$/, "")

const startsMapping = (text: string): boolean => {
  if (text.startsWith("'") || text.startsWith('"')) {
    const quote = text[0]!
    if (!closesQuoted(text, quote)) return false
    const { end } = readQuoted(text, 0, 0)
    return /^:(\s|$)/.test(text.slice(end))
  }
  if (text.startsWith("[") || text.startsWith("{")) return false
  return /^[^#]*?:(\s|$)/.test(text)
}

const splitKey = (text: string, lineIndex: number): { key: string; rest: string } => {
  if (text.startsWith("'") || text.startsWith('"')) {
    const { value, end } = readQuoted(text, 0, lineIndex)
    const after = text.slice(end)
    if (!/^:(\s|$)/.test(after)) throw new YamlError("expected ':' after a quoted key", lineIndex)
    return { key: value, rest: after.slice(1).trim() }
  }
  const match = /^(.*?):(?:\s+(.*))?$/.exec(text)
  if (match === null) throw new YamlError(`expected 'key: value', got '${text}'`, lineIndex)
  return { key: match[1]!.trim(), rest: (match[2] ?? "").trim() }
}

const closesQuoted = (text: string, quote: string): boolean => {
  for (let i = 1; i < text.length; i++) {
    const c = text[i]
    if (quote === '"' && c === "\\") i++
    else if (c === quote) {
      if (quote === "'" && text[i + 1] === "'") i++
      else return true
    }
  }
  return false
}

const escapes: Record<string, string> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  "\t": "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
  N: "\x85",
  _: "\xa0",
  L: "\u2028",
  P: "\u2029",
}

/** Reads a quoted scalar at `start`, folding its line breaks as YAML does; returns where it ended. */
const readQuoted = (text: string, start: number, lineIndex: number): { value: string; end: number } => {
  const quote = text[start]
  let value = ""
  let i = start + 1
  while (i < text.length) {
    const c = text[i]!
    if (c === quote) {
      if (quote === "'" && text[i + 1] === "'") {
        value += "'"
        i += 2
        continue
      }
      return { value, end: i + 1 }
    }
    if (c === "\n") {
      // A line break folds to a space; each empty line in between stands for one "\n".
      value = value.replace(/[ \t]+$/, "")
      let breaks = 0
      while (i < text.length && /[\n \t]/.test(text[i]!)) {
        if (text[i] === "\n") breaks++
        i++
      }
      value += breaks > 1 ? "\n".repeat(breaks - 1) : " "
      continue
    }
    if (quote === '"' && c === "\\") {
      const e = text[i + 1]
      if (e === "\n") {
        // An escaped line break joins the lines without a space.
        i += 2
        while (i < text.length && /[ \t]/.test(text[i]!)) i++
        continue
      }
      const hexLength = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0
      if (hexLength > 0) {
        const hex = text.slice(i + 2, i + 2 + hexLength)
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLength) {
          throw new YamlError(`bad escape \\${e}${hex}`, lineIndex)
        }
        value += String.fromCodePoint(parseInt(hex, 16))
        i += 2 + hexLength
        continue
      }
      const replacement = e === undefined ? undefined : escapes[e]
      if (replacement === undefined) throw new YamlError(`unknown escape \\${e ?? ""}`, lineIndex)
      value += replacement
      i += 2
      continue
    }
    value += c
    i++
  }
  throw new YamlError("unterminated quoted scalar", lineIndex)
}

/** `[a, 'b', "c"]` on one line: scalars only. */
const parseFlowSequence = (text: string, lineIndex: number): Yaml => {
  const body = stripComment(text)
  if (!body.endsWith("]")) throw new YamlError("flow sequences must close on their line", lineIndex)
  const items: Array<Yaml> = []
  let i = 1
  const skipSpace = () => {
    while (body[i] === " ") i++
  }
  skipSpace()
  if (body[i] === "]") return items
  while (i < body.length) {
    skipSpace()
    const c = body[i]
    if (c === "'" || c === '"') {
      const { value, end } = readQuoted(body, i, lineIndex)
      items.push(value)
      i = end
    } else {
      const match = /^[^,\][{}]*/.exec(body.slice(i))!
      const plain = match[0].trim()
      if (plain === "") throw new YamlError("empty or nested item in a flow sequence", lineIndex)
      items.push(plain === "null" || plain === "~" ? null : plain)
      i += match[0].length
    }
    skipSpace()
    if (body[i] === ",") i++
    else if (body[i] === "]" && i === body.length - 1) return items
    else throw new YamlError("malformed flow sequence", lineIndex)
  }
  throw new YamlError("malformed flow sequence", lineIndex)
}

export type YamlMap = { readonly [key: string]: Yaml }

/** Narrowing accessors: a missing or differently shaped value reads as empty. */
export const isYamlMap = (value: Yaml | undefined): value is YamlMap =>
  value !== null && value !== undefined && typeof value === "object" && !Array.isArray(value)
export const asMap = (value: Yaml | undefined): YamlMap => (isYamlMap(value) ? value : {})
export const asList = (value: Yaml | undefined): ReadonlyArray<Yaml> => (Array.isArray(value) ? value : [])
export const asString = (value: Yaml | undefined): string | undefined =>
  typeof value === "string" ? value : undefined
