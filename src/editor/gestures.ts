/**
 * One-finger (or mouse, or pen) drawing on the markup canvas: press at one corner or end, move,
 * release at the other. A short tap selects the mark under it (or places text with the text tool);
 * pressing on the selected mark drags it. Pointer events serve mouse and pen; touch events serve
 * fingers, so a page that only sends touch events (and a webview whose pointer events for touch
 * are unreliable) still draws. `touch-action: none` on the canvas keeps the browser from panning or
 * zooming while drawing.
 */
import { markAt, normalisedPoint } from './geometry'
import { movedMark, type Mark, type MarkTool, type MarkWidth } from '@/media/marks'
import { newId } from '@/lib/ids'

export interface GestureDeps {
  element: HTMLElement
  marks(): Mark[]
  selectedId(): string | null
  tool(): MarkTool
  style(): { colour: string; width: MarkWidth }
  /** The mark being drawn or dragged, shown until the gesture ends (null: none). */
  preview(marks: Mark[] | null): void
  select(id: string | null): void
  /** The gesture's result: the new list of marks. */
  commit(marks: Mark[]): void
  /** A tap with the text tool on empty photo: ask for the text to place there. */
  askText(x: number, y: number): void
}

/** Below this (normalised) distance a press and release is a tap, not a drawing. */
const TAP = 0.012

type Gesture = ({ kind: 'draw'; mark: Mark } & GestureBase) | ({ kind: 'drag'; original: Mark; moved: Mark } & GestureBase)

interface GestureBase {
  source: 'pointer' | 'touch'
  start: { x: number; y: number }
  travelled: number
  /** The last client position seen (a touchend may carry none). */
  last: { x: number; y: number }
}

export function attachGestures(deps: GestureDeps): () => void {
  let gesture: Gesture | null = null

  const point = (clientX: number, clientY: number) => normalisedPoint(deps.element.getBoundingClientRect(), clientX, clientY)

  function begin(source: 'pointer' | 'touch', clientX: number, clientY: number): void {
    const p = point(clientX, clientY)
    const selected = deps.marks().find((m) => m.id === deps.selectedId())
    if (selected && markAt([selected], p.x, p.y) && deps.tool() !== 'text') {
      gesture = { kind: 'drag', source, start: p, original: selected, moved: selected, travelled: 0, last: { x: clientX, y: clientY } }
      return
    }
    const { colour, width } = deps.style()
    const mark: Mark = { id: newId(), tool: deps.tool(), colour, width, points: [p.x, p.y, p.x, p.y] }
    if (mark.tool === 'pen') mark.points = [p.x, p.y]
    gesture = { kind: 'draw', source, start: p, mark, travelled: 0, last: { x: clientX, y: clientY } }
  }

  function update(source: 'pointer' | 'touch', clientX: number, clientY: number): void {
    if (!gesture || gesture.source !== source) return
    const p = point(clientX, clientY)
    gesture.last = { x: clientX, y: clientY }
    gesture.travelled = Math.max(gesture.travelled, Math.hypot(p.x - gesture.start.x, p.y - gesture.start.y))
    if (gesture.kind === 'drag') {
      const { original } = gesture
      const moved = movedMark(original, p.x - gesture.start.x, p.y - gesture.start.y)
      gesture.moved = moved
      deps.preview(deps.marks().map((m) => (m.id === original.id ? moved : m)))
      return
    }
    const { mark } = gesture
    mark.points = mark.tool === 'pen' ? [...mark.points, p.x, p.y] : [gesture.start.x, gesture.start.y, p.x, p.y]
    if (mark.tool !== 'text') deps.preview([...deps.marks(), { ...mark }])
  }

  function end(source: 'pointer' | 'touch', clientX: number, clientY: number): void {
    if (!gesture || gesture.source !== source) return
    update(source, clientX, clientY)
    const done = gesture
    gesture = null
    deps.preview(null)
    if (done.kind === 'drag') {
      if (done.travelled >= TAP) deps.commit(deps.marks().map((m) => (m.id === done.original.id ? done.moved : m)))
      return
    }
    const tapped = done.travelled < TAP
    const under = tapped ? markAt(deps.marks(), done.start.x, done.start.y) : null
    if (under) return deps.select(under.id)
    if (done.mark.tool === 'text') return deps.askText(done.start.x, done.start.y)
    if (tapped) return deps.select(null)
    deps.commit([...deps.marks(), done.mark])
  }

  const el = deps.element
  const onPointerDown = (e: PointerEvent) => {
    if (e.pointerType === 'touch' || e.button !== 0) return
    e.preventDefault()
    el.setPointerCapture?.(e.pointerId)
    begin('pointer', e.clientX, e.clientY)
  }
  const onPointerMove = (e: PointerEvent) => e.pointerType !== 'touch' && update('pointer', e.clientX, e.clientY)
  const onPointerUp = (e: PointerEvent) => e.pointerType !== 'touch' && end('pointer', e.clientX, e.clientY)
  const onTouchStart = (e: TouchEvent) => {
    // One finger draws; a second finger ends nothing and starts nothing (no pinch here).
    e.preventDefault()
    // Synthetic touch events (tests, some webviews) may fill only one of the two lists.
    const t = e.changedTouches[0] ?? e.touches[0]
    if (t && e.touches.length <= 1) begin('touch', t.clientX, t.clientY)
  }
  const onTouchMove = (e: TouchEvent) => {
    e.preventDefault()
    const t = e.touches[0] ?? e.changedTouches[0]
    if (t) update('touch', t.clientX, t.clientY)
  }
  const onTouchEnd = (e: TouchEvent) => {
    e.preventDefault()
    const t = e.changedTouches[0]
    if (t) end('touch', t.clientX, t.clientY)
    else if (gesture) end('touch', gesture.last.x, gesture.last.y)
  }
  const onTouchCancel = () => {
    gesture = null
    deps.preview(null)
  }
  const options = { passive: false }
  el.addEventListener('pointerdown', onPointerDown)
  el.addEventListener('pointermove', onPointerMove)
  el.addEventListener('pointerup', onPointerUp)
  el.addEventListener('touchstart', onTouchStart, options)
  el.addEventListener('touchmove', onTouchMove, options)
  el.addEventListener('touchend', onTouchEnd, options)
  el.addEventListener('touchcancel', onTouchCancel)
  return () => {
    el.removeEventListener('pointerdown', onPointerDown)
    el.removeEventListener('pointermove', onPointerMove)
    el.removeEventListener('pointerup', onPointerUp)
    el.removeEventListener('touchstart', onTouchStart)
    el.removeEventListener('touchmove', onTouchMove)
    el.removeEventListener('touchend', onTouchEnd)
    el.removeEventListener('touchcancel', onTouchCancel)
  }
}
