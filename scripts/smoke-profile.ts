/**
 * Which reading of DingTalk's documentation a real organisation matches (docs/dingtalk.md#answer-profiles),
 * judged point by point from answers as DingTalk sent them. Pure: `npm run smoke:live` gathers the
 * observations, this names the profile.
 */

export const PROFILES = ['rich', 'documented', 'minimal'] as const
export type Profile = (typeof PROFILES)[number]

/** What the live run saw; `undefined` where the check could not run (then it decides nothing). */
export interface Observations {
  /** DocBlocksQuery shows the inline children (an image's `src`) of the paragraph we inserted. */
  blocksShowChildren?: boolean
  /** The blockType DocBlocksQuery gives our attachment block (`attachment`, `Undefined`, …); undefined if refused. */
  attachmentReadAs?: string
  /** DocInsertBlocks' answer: the block with its children, the block without them, or a bare success. */
  insertAnswer?: 'with-children' | 'without-children' | 'bare'
  /** DocAppendParagraph's answer: the new element, or a bare success. */
  appendAnswer?: 'element' | 'bare'
  /** A list API with no results: `[]` kept, or the field left out. */
  emptyList?: 'kept' | 'left-out'
  /** oapi getuserinfo accepted the v1.0 app token (else the legacy `/gettoken` one is needed). */
  v1TokenOnOapi?: boolean
}

export interface Point {
  point: string
  observed: string
  /** The profiles this observation is consistent with (all three when it decides nothing). */
  consistentWith: readonly Profile[]
}

export interface ProfileMatch {
  /** The profile every deciding point agrees with, or the closest one. */
  profile: Profile
  /** True when every point is consistent with `profile`. */
  exact: boolean
  points: Point[]
  /** `EMULATOR_OAPI_TOKEN` to play this organisation: `any`, `legacy`, or unknown. */
  oapiToken: 'any' | 'legacy' | 'unknown'
}

const ALL = PROFILES
const NOT_RICH: readonly Profile[] = ['documented', 'minimal']

function point(name: string, observed: string | undefined, consistentWith: readonly Profile[]): Point {
  return observed === undefined ? { point: name, observed: 'not checked', consistentWith: ALL } : { point: name, observed, consistentWith }
}

/** Every point, and the profile they agree on (ties go to the more generous reading, `rich` first). */
export function matchProfile(o: Observations): ProfileMatch {
  const attachment =
    o.attachmentReadAs === undefined
      ? undefined
      : o.attachmentReadAs === 'attachment'
        ? (['rich'] as const)
        : o.attachmentReadAs === 'Undefined'
          ? NOT_RICH
          : ALL
  const points: Point[] = [
    point(
      'DocBlocksQuery shows inline children',
      o.blocksShowChildren === undefined ? undefined : o.blocksShowChildren ? 'yes' : 'no (paragraph.text only)',
      o.blocksShowChildren ? ['rich'] : NOT_RICH,
    ),
    point('attachment block read back as', o.attachmentReadAs, attachment ?? ALL),
    point(
      'DocInsertBlocks answer',
      o.insertAnswer,
      o.insertAnswer === 'with-children' ? ['rich'] : o.insertAnswer === 'without-children' ? ['documented'] : ['minimal'],
    ),
    point('DocAppendParagraph answer', o.appendAnswer, o.appendAnswer === 'bare' ? ['minimal'] : ['rich', 'documented']),
    point('empty list', o.emptyList, o.emptyList === 'kept' ? ['rich'] : NOT_RICH),
  ]
  const score = (p: Profile) => points.filter((pt) => pt.consistentWith.includes(p)).length
  const profile = PROFILES.reduce((best, p) => (score(p) > score(best) ? p : best), PROFILES[0])
  return {
    profile,
    exact: score(profile) === points.length,
    points,
    oapiToken: o.v1TokenOnOapi === undefined ? 'unknown' : o.v1TokenOnOapi ? 'any' : 'legacy',
  }
}

/** The report lines: one per point, then the verdict. */
export function describeMatch(m: ProfileMatch): { check: string; result: string }[] {
  const lines = m.points.map((p) => ({
    check: `profile point: ${p.point}`,
    result: `${p.observed} → ${p.consistentWith.length === ALL.length ? 'any profile' : p.consistentWith.join(' or ')}`,
  }))
  const off = m.points.filter((p) => !p.consistentWith.includes(m.profile)).map((p) => p.point)
  lines.push({
    check: 'answer profile',
    result: m.exact ? `${m.profile} (EMULATOR_PROFILE=${m.profile})` : `closest: ${m.profile}; differs on: ${off.join('; ')}`,
  })
  lines.push({
    check: 'v1.0 token accepted on oapi',
    result:
      m.oapiToken === 'unknown'
        ? 'not checked'
        : m.oapiToken === 'any'
          ? 'yes (EMULATOR_OAPI_TOKEN=any)'
          : 'no: the legacy /gettoken token is needed (EMULATOR_OAPI_TOKEN=legacy)',
  })
  return lines
}
