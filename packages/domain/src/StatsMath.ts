import type { Day } from "./Ids.js"
import { toPrice } from "./Money.js"
import type { DailyStats, Stats } from "./Stats.js"

/**
 * What the stores count: unique impressions and clicks and the sum of their charges in integer
 * micro-units (see Money). Sums stay exact as integers; division happens once, in `toStats`.
 */
export interface Counts {
  readonly impressions_count: number
  readonly clicks_count: number
  readonly spent_impressions_micros: number
  readonly spent_clicks_micros: number
}

export interface DailyCounts extends Counts {
  readonly date: Day
}

export const zero: Counts = {
  impressions_count: 0,
  clicks_count: 0,
  spent_impressions_micros: 0,
  spent_clicks_micros: 0,
}

export const add = (a: Counts, b: Counts): Counts => ({
  impressions_count: a.impressions_count + b.impressions_count,
  clicks_count: a.clicks_count + b.clicks_count,
  spent_impressions_micros: a.spent_impressions_micros + b.spent_impressions_micros,
  spent_clicks_micros: a.spent_clicks_micros + b.spent_clicks_micros,
})

/** The total of many rows, e.g. all campaigns of an advertiser. */
export const sum = (rows: Iterable<Counts>): Counts => {
  let total = zero
  for (const row of rows) total = add(total, row)
  return total
}

/** clicks / impressions * 100, and 0 when nothing was shown. */
export const conversion = (clicks: number, impressions: number): number =>
  impressions === 0 ? 0 : (clicks / impressions) * 100

export const toStats = (counts: Counts): Stats => ({
  impressions_count: counts.impressions_count,
  clicks_count: counts.clicks_count,
  conversion: conversion(counts.clicks_count, counts.impressions_count),
  spent_impressions: toPrice(counts.spent_impressions_micros),
  spent_clicks: toPrice(counts.spent_clicks_micros),
  spent_total: toPrice(counts.spent_impressions_micros + counts.spent_clicks_micros),
})

/** Adds rows of the same day together (e.g. one per campaign of an advertiser), ordered by day. */
export const sumByDay = (rows: Iterable<DailyCounts>): Array<DailyCounts> => {
  const byDay = new Map<Day, Counts>()
  for (const row of rows) byDay.set(row.date, add(byDay.get(row.date) ?? zero, row))
  return Array.from(byDay, ([date, counts]) => ({ ...counts, date })).sort((a, b) => a.date - b.date)
}

/** The daily statistics answer: one row per day that has counts, ordered by day. */
export const toDailyStats = (rows: Iterable<DailyCounts>): Array<DailyStats> =>
  sumByDay(rows).map((row) => ({ ...toStats(row), date: row.date }))
