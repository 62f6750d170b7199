import { afterEach, describe, expect, it, vi } from 'vitest'
import { effectScope, ref } from 'vue'
import { filesFromClipboard, namePasted, useFileDrop } from './useFileDrop'

/** A drag or paste event carrying `files` (happy-dom has no DataTransfer to build one from). */
function eventWith(type: string, data: { types?: string[]; files?: File[]; items?: unknown[] }, target: EventTarget = window): Event {
  const event = new Event(type, { bubbles: true, cancelable: true })
  const transfer = { types: data.types ?? ['Files'], files: data.files ?? [], items: data.items ?? [], dropEffect: 'none' }
  Object.defineProperty(event, type === 'paste' ? 'clipboardData' : 'dataTransfer', { value: transfer })
  target.dispatchEvent(event)
  return event
}

const photo = () => new File([new Uint8Array([1, 2, 3])], 'IMG_0001.jpg', { type: 'image/jpeg' })
const pdf = () => new File([new Uint8Array([4])], 'report.pdf', { type: 'application/pdf' })

let scope = effectScope()
afterEach(() => scope.stop())

function setUp(disabled = ref(false)) {
  scope = effectScope()
  const onFiles = vi.fn<(files: File[]) => void>()
  const { dragging } = scope.run(() => useFileDrop({ onFiles, disabled }))!
  return { onFiles, dragging, disabled }
}

describe('dropping files', () => {
  it('shows the drop zone while files are held over the page and hands the dropped files over in order', () => {
    const { onFiles, dragging } = setUp()
    eventWith('dragenter', {})
    expect(dragging.value).toBe(true)
    // Crossing into a child element and back out of it does not end the drag.
    eventWith('dragenter', {})
    eventWith('dragleave', {})
    expect(dragging.value).toBe(true)
    const over = eventWith('dragover', {})
    expect(over.defaultPrevented).toBe(true) // else the browser would open the file instead of the app

    const files = [photo(), pdf()]
    const drop = eventWith('drop', { files })
    expect(drop.defaultPrevented).toBe(true)
    expect(dragging.value).toBe(false)
    expect(onFiles).toHaveBeenCalledWith(files)
  })

  it('hides the drop zone when the drag leaves the window', () => {
    const { dragging, onFiles } = setUp()
    eventWith('dragenter', {})
    eventWith('dragleave', {})
    expect(dragging.value).toBe(false)
    expect(onFiles).not.toHaveBeenCalled()
  })

  it('leaves text and link drags alone', () => {
    const { dragging } = setUp()
    const over = eventWith('dragover', { types: ['text/plain'] })
    eventWith('dragenter', { types: ['text/plain'] })
    expect(over.defaultPrevented).toBe(false)
    expect(dragging.value).toBe(false)
  })

  it('takes nothing while disabled (a sent batch), and still keeps the browser from opening the file', () => {
    const { onFiles, dragging } = setUp(ref(true))
    eventWith('dragenter', {})
    expect(dragging.value).toBe(false)
    const drop = eventWith('drop', { files: [photo()] })
    expect(drop.defaultPrevented).toBe(true)
    expect(onFiles).not.toHaveBeenCalled()
  })
})

describe('pasting', () => {
  it('hands over copied files and images, and keeps them out of the focused field', () => {
    const { onFiles } = setUp()
    const files = [photo(), pdf()]
    const paste = eventWith('paste', { files }, document)
    expect(paste.defaultPrevented).toBe(true)
    expect(onFiles.mock.calls[0]![0].map((f) => f.name)).toEqual(['IMG_0001.jpg', 'report.pdf'])
  })

  it('lets plain text paste into fields as usual', () => {
    const { onFiles } = setUp()
    const paste = eventWith('paste', { types: ['text/plain'], files: [] }, document)
    expect(paste.defaultPrevented).toBe(false)
    expect(onFiles).not.toHaveBeenCalled()
  })

  it('reads file items when the clipboard lists no files (a screenshot in some browsers)', () => {
    const shot = new File([new Uint8Array([9])], 'image.png', { type: 'image/png' })
    const items = [
      { kind: 'string', getAsFile: () => null },
      { kind: 'file', getAsFile: () => shot },
    ]
    expect(filesFromClipboard({ files: [], items } as unknown as DataTransfer)).toEqual([shot])
  })

  it('gives a pasted screenshot a name with the moment, keeping type and bytes', async () => {
    const shot = new File([new Uint8Array([9, 8])], 'image.png', { type: 'image/png' })
    const named = namePasted(shot, new Date(2026, 11, 1, 9, 5, 7))
    expect(named.name).toBe('Screenshot 2026-12-01 09.05.07.png')
    expect(named.type).toBe('image/png')
    expect(new Uint8Array(await named.arrayBuffer())).toEqual(new Uint8Array([9, 8]))
    // A copied file keeps the name it has.
    const file = pdf()
    expect(namePasted(file, new Date())).toBe(file)
  })
})
