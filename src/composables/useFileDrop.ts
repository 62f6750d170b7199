/**
 * Files dragged onto the page or pasted (Ctrl/Cmd+V: screenshots, copied images, copied files) go
 * the same way as picked ones: `onFiles` gets them as a File[] (the composer hands them to the queue,
 * which prepares and checks them exactly as it does picks). `dragging` is true while files are held
 * over the window, for a visible drop zone. Text drags and text pastes are left alone.
 */
import { onScopeDispose, readonly, ref, type Ref } from 'vue'

/** Whether a drag carries files (not text or a link from the page). */
function carriesFiles(event: DragEvent): boolean {
  return Array.from(event.dataTransfer?.types ?? []).includes('Files')
}

/** The files on a clipboard: `files`, else file items (some browsers fill only one of the two). */
export function filesFromClipboard(data: DataTransfer | null): File[] {
  if (!data) return []
  const files = Array.from(data.files ?? [])
  if (files.length > 0) return files
  return Array.from(data.items ?? [])
    .filter((item) => item.kind === 'file')
    .map((item) => item.getAsFile())
    .filter((file): file is File => file !== null)
}

/**
 * A pasted screenshot arrives as "image.png" every time; a name with the moment makes several of them
 * tell apart in the queue (and in the document, for a file).
 */
export function namePasted(file: File, now: Date): File {
  if (!/^image\.\w+$/i.test(file.name)) return file
  const pad = (n: number) => String(n).padStart(2, '0')
  const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}.${pad(now.getMinutes())}.${pad(now.getSeconds())}`
  const extension = file.name.slice(file.name.lastIndexOf('.'))
  return new File([file], `Screenshot ${stamp}${extension}`, { type: file.type, lastModified: file.lastModified })
}

export interface FileDropOptions {
  /** Receives dropped or pasted files, in their order. */
  onFiles: (files: File[]) => void
  /** While true, drops and pastes are ignored (e.g. the batch is already sent). */
  disabled?: Ref<boolean>
}

export function useFileDrop(options: FileDropOptions): { dragging: Readonly<Ref<boolean>> } {
  const dragging = ref(false)
  // dragenter/dragleave fire for every child element crossed; count them to know when the drag left the window.
  let depth = 0
  const accepts = () => !options.disabled?.value

  const onDragEnter = (event: DragEvent) => {
    if (!carriesFiles(event)) return
    event.preventDefault()
    depth++
    dragging.value = accepts()
  }
  const onDragOver = (event: DragEvent) => {
    if (!carriesFiles(event)) return
    // Without preventDefault the browser would open the dropped file in place of the app.
    event.preventDefault()
    if (event.dataTransfer) event.dataTransfer.dropEffect = accepts() ? 'copy' : 'none'
  }
  const onDragLeave = (event: DragEvent) => {
    if (!carriesFiles(event)) return
    depth = Math.max(0, depth - 1)
    if (depth === 0) dragging.value = false
  }
  const onDrop = (event: DragEvent) => {
    if (!carriesFiles(event)) return
    event.preventDefault()
    depth = 0
    dragging.value = false
    const files = Array.from(event.dataTransfer?.files ?? [])
    if (files.length > 0 && accepts()) options.onFiles(files)
  }
  const onPaste = (event: ClipboardEvent) => {
    const files = filesFromClipboard(event.clipboardData)
    if (files.length === 0 || !accepts()) return // plain text pastes into fields as usual
    event.preventDefault()
    const now = new Date()
    options.onFiles(files.map((file) => namePasted(file, now)))
  }

  window.addEventListener('dragenter', onDragEnter)
  window.addEventListener('dragover', onDragOver)
  window.addEventListener('dragleave', onDragLeave)
  window.addEventListener('drop', onDrop)
  document.addEventListener('paste', onPaste)
  onScopeDispose(() => {
    window.removeEventListener('dragenter', onDragEnter)
    window.removeEventListener('dragover', onDragOver)
    window.removeEventListener('dragleave', onDragLeave)
    window.removeEventListener('drop', onDrop)
    document.removeEventListener('paste', onPaste)
  })

  return { dragging: readonly(dragging) }
}
