export * as Events from "./Events.js"
export * from "./Ids.js"
export * as Money from "./Money.js"
