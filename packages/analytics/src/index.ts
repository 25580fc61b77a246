export { ClickHouse, type ClickHouseOptions } from "./ClickHouse.js"
